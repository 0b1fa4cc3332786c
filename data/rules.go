package data

import (
	"database/sql"
	"strconv"

	"ascolto/data/deadline"
)

// DefaultDeadlineDays is the promise to every citizen: a written reply within three
// working days.
const DefaultDeadlineDays = 3

// officeRules is an office's calendar and deadline days, cached because every new case
// and every status move needs them.
type officeRules struct {
	cal    *deadline.Calendar
	byKind map[Kind]int
	def    int
}

func (r *officeRules) days(k Kind) int {
	if d, ok := r.byKind[k]; ok {
		return d
	}
	return r.def
}

type rowsQueryer interface {
	Query(query string, args ...any) (*sql.Rows, error)
}

func (s *Store) rules(q rowsQueryer, office string) (*officeRules, error) {
	s.calMu.Lock()
	r, ok := s.cals[office]
	s.calMu.Unlock()
	if ok {
		return r, nil
	}
	r = &officeRules{byKind: map[Kind]int{}, def: DefaultDeadlineDays}
	rows, err := q.Query(`SELECT kind, days FROM deadline_rules WHERE office = ?`, office)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k string
		var d int
		if err := rows.Scan(&k, &d); err != nil {
			rows.Close()
			return nil, err
		}
		if k == "" {
			r.def = d
		} else {
			r.byKind[Kind(k)] = d
		}
	}
	rows.Close()
	rows, err = q.Query(`SELECT day FROM closures WHERE office = ?`, office)
	if err != nil {
		return nil, err
	}
	var closures []deadline.Date
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return nil, err
		}
		if day, err := deadline.ParseDate(d); err == nil {
			closures = append(closures, day)
		}
	}
	rows.Close()
	r.cal = deadline.New(closures)
	s.calMu.Lock()
	s.cals[office] = r
	s.calMu.Unlock()
	return r, nil
}

// Calendar is the office's working-day calendar (holidays, South Tyrol, closures).
func (s *Store) Calendar(office string) (*deadline.Calendar, error) {
	r, err := s.rules(s.db, office)
	if err != nil {
		return nil, err
	}
	return r.cal, nil
}

// DeadlineDays is how many working days the office promises for a kind.
func (s *Store) DeadlineDays(office string, k Kind) (int, error) {
	r, err := s.rules(s.db, office)
	if err != nil {
		return 0, err
	}
	return r.days(k), nil
}

func (s *Store) forgetRules(office string) {
	s.calMu.Lock()
	delete(s.cals, office)
	s.calMu.Unlock()
}

// SetDeadlineDays changes the working days an office promises, for one kind or (kind "")
// for all kinds without a rule of their own. Cases already received keep their deadline.
func (t *Tx) SetDeadlineDays(office string, k Kind, days int) error {
	if k != "" && !k.Valid() {
		return Problemf("err.kind", "kind", string(k))
	}
	if days < 1 || days > 365 {
		return Problemf("err.deadline_days", "value", strconv.Itoa(days))
	}
	if err := t.checkOfficeExists(office); err != nil {
		return err
	}
	var old sql.NullInt64
	_ = t.tx.QueryRow(`SELECT days FROM deadline_rules WHERE office = ? AND kind = ?`, office, string(k)).Scan(&old)
	if _, err := t.exec(`INSERT INTO deadline_rules(office, kind, days) VALUES (?, ?, ?)
		ON CONFLICT(office, kind) DO UPDATE SET days = excluded.days`, office, string(k), days); err != nil {
		return t.writeErr(err)
	}
	t.s.forgetRules(office)
	oldText := ""
	if old.Valid {
		oldText = strconv.FormatInt(old.Int64, 10)
	}
	field := "deadline_days"
	if k != "" {
		field += "." + string(k)
	}
	return t.audit(t.Now(), &Case{}, "settings:"+office, []FieldChange{{Field: field, Old: oldText, New: strconv.Itoa(days)}}, "")
}

// AddClosure marks a day on which the office is closed; it is not a working day for
// deadlines of cases received afterwards or waiting.
func (t *Tx) AddClosure(office, day, note string) error {
	d, err := deadline.ParseDate(day)
	if err != nil {
		return Problemf("err.date", "value", day)
	}
	if err := t.checkOfficeExists(office); err != nil {
		return err
	}
	note = CleanText(note)
	if _, err := t.exec(`INSERT INTO closures(office, day, note) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, office, d.String(), note); err != nil {
		return t.writeErr(err)
	}
	t.s.forgetRules(office)
	return t.audit(t.Now(), &Case{}, "settings:"+office, []FieldChange{{Field: "closure", New: d.String()}}, note)
}

// RemoveClosure takes a closure day back.
func (t *Tx) RemoveClosure(office, day string) error {
	d, err := deadline.ParseDate(day)
	if err != nil {
		return Problemf("err.date", "value", day)
	}
	res, err := t.exec(`DELETE FROM closures WHERE office = ? AND day = ?`, office, d.String())
	if err != nil {
		return t.writeErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Problemf("err.no_closure", "day", d.String())
	}
	t.s.forgetRules(office)
	return t.audit(t.Now(), &Case{}, "settings:"+office, []FieldChange{{Field: "closure", Old: d.String()}}, "")
}

// Closures lists an office's closure days.
func (s *Store) Closures(office string) ([]string, error) {
	rows, err := s.db.Query(`SELECT day FROM closures WHERE office = ? ORDER BY day`, office)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *Tx) checkOfficeExists(code string) error {
	t.s.calMu.Lock()
	known := t.s.offices
	t.s.calMu.Unlock()
	if known == nil {
		known = map[string]bool{}
		rows, err := t.tx.Query(`SELECT code FROM offices`)
		if err != nil {
			return t.writeErr(err)
		}
		for rows.Next() {
			var c string
			rows.Scan(&c)
			known[c] = true
		}
		rows.Close()
		t.s.calMu.Lock()
		t.s.offices = known
		t.s.calMu.Unlock()
	}
	if !known[code] {
		return Problemf("err.unknown_office", "code", code)
	}
	return nil
}
