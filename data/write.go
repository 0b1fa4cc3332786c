package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Tx is one write transaction on the register. Every change to a case goes through its
// methods and ends in apply, the one write path: validate → row → audit entry →
// change-log operation. Nothing is visible to others until Update returns nil; an error
// leaves the register exactly as it was.
type Tx struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx

	// Counters carried through the transaction and written once at commit: the
	// office's operation sequence, its clock, and the head of the audit chain.
	seq      int64
	hlc      HLC
	auditSeq int64
	auditTip string
	dirty    bool

	stmts map[string]*sql.Stmt
	// Cases changed in this transaction, by id, and their ids by number. Their rows
	// are written once, at commit, in this order: a batch (import, demo) that creates a
	// case and answers it writes one row, not three, and the search index once.
	pending map[string]*pendingRow
	byNum   map[string]string
	order   []string

	// Audit entries and operations wait here and go in as multi-row inserts: one
	// statement for many rows is most of the speed of a large import.
	auditRows [][]any
	opRows    [][]any
	// The protocol counters read or moved in this transaction, written at commit.
	counters map[counterKey]int64
	// What this transaction knows each touched case's writers had seen: per office,
	// its highest operation on the case (the deps of the next local operation).
	caseDeps map[string]map[string]int64
	// Whether the conflicts table has rows, read once per transaction.
	conflictsRead, haveConflicts bool
	// The same for the rejected operations (validate.go).
	rejectedRead, haveRejected bool
	// Set by ResolveConflict: the values kept for the field being decided, which the
	// rules accept as a starting point (validate.go).
	resolving map[string][]string
	// Operations held per case and offices made known, for received changes (merge.go).
	caseOps     map[string][]Operation
	officesSeen map[string]bool
	// Cases with audit entries or operations still waiting in the buffers: reading a
	// case's operations must flush first only for these.
	buffered map[string]bool
	// Set by Recorded: who did the changes that follow and when, for a register's past
	// written afterwards (the demo register). Empty: this office's clerk, now.
	recActor string
	recAt    time.Time
}

// Recorded makes the audit entries of the changes that follow name actor and the time
// at, until it is called again (an empty actor and a zero time give back this office's
// clerk and the clock). It is for writing a register's past as it happened, as the demo
// register does: each event by the clerk who did it, when it was done. A time in the
// future is refused, as for any change.
func (t *Tx) Recorded(actor string, at time.Time) error {
	actor = CleanLine(actor)
	if !at.IsZero() && at.After(t.Now().Add(futureSlack)) {
		return Problemf("err.future", "value", at.In(Rome).Format(time.RFC3339))
	}
	t.recActor, t.recAt = actor, at.Truncate(time.Millisecond)
	return nil
}

type counterKey struct {
	office string
	year   int
}

// flushEvery is how many audit entries or operations go in one INSERT.
const flushEvery = 64

// opFieldsColumn is where fields stands in an operation's row (the INSERT below).
const opFieldsColumn = 8

// flush writes the waiting audit entries and operations.
func (t *Tx) flush() error {
	for _, b := range []struct {
		head string
		rows *[][]any
	}{
		{`INSERT INTO audit(seq, at, actor, office, case_id, action, changes, note, hash) VALUES `, &t.auditRows},
		{`INSERT INTO ops(origin, seq, hlc, case_id, action, base_version, audit_seq, deps, fields, actor, at, note) VALUES `, &t.opRows},
	} {
		rows := *b.rows
		for len(rows) > 0 {
			n := min(len(rows), flushEvery)
			place := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(rows[0])), ", ") + ")"
			q := b.head + strings.TrimSuffix(strings.Repeat(place+", ", n), ", ")
			args := make([]any, 0, n*len(rows[0]))
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			if b.rows == &t.opRows {
				// What a received operation set is kept compressed like the audit's
				// changes (auditcodec.go); readers get the same JSON text back.
				for i := opFieldsColumn; i < len(args); i += len(rows[0]) {
					if s, ok := args[i].(string); ok {
						args[i] = packChanges(s)
					}
				}
			}
			if _, err := t.exec(q, args...); err != nil {
				return t.writeErr(err)
			}
			rows = rows[n:]
		}
		*b.rows = (*b.rows)[:0]
	}
	clear(t.buffered)
	return nil
}

// pendingRow is a case changed in the transaction: as it was before (nil if new) and as
// it is now.
type pendingRow struct {
	orig *Case
	cur  *Case
}

// ftsText is what the search index holds of a case, in cases_fts column order: its
// text and the typed-out spellings of its German words (data/searchtext.go), which
// the case's row keeps too (search_spellings).
func (c *Case) ftsText() [8]string {
	return [8]string{c.Number, c.Subject, c.Description, c.Citizen.Name, c.Citizen.Email, c.Category, c.Reply.Text,
		searchSpellings(c.Subject, c.Description, c.Citizen.Name, c.Citizen.Email, c.Category, c.Reply.Text)}
}

// Update runs fn in one write transaction. Imports and bulk work put many changes in one
// Update so that they land all together or not at all.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	done, err := s.ownWrite(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := s.beforeWrite(); err != nil {
		return err
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.writeProblem(err)
	}
	t := &Tx{s: s, ctx: ctx, tx: sqlTx, stmts: map[string]*sql.Stmt{}, pending: map[string]*pendingRow{}, byNum: map[string]string{}, counters: map[counterKey]int64{}, caseDeps: map[string]map[string]int64{},
		caseOps: map[string][]Operation{}, officesSeen: map[string]bool{}, buffered: map[string]bool{}}
	defer func() {
		for _, st := range t.stmts {
			st.Close()
		}
	}()
	if err := t.load(); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := t.save(); err != nil {
		sqlTx.Rollback()
		if p := causeOf(err, s.path); p != nil {
			return p
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return s.writeProblem(err)
	}
	s.writes.Add(1)
	return nil
}

func (t *Tx) load() error {
	var hlc string
	err := t.tx.QueryRow(`SELECT value FROM meta WHERE key = 'hlc'`).Scan(&hlc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		if t.hlc, err = ParseHLC(hlc); err != nil {
			return err
		}
	}
	err = t.tx.QueryRow(`SELECT seq FROM origins WHERE origin = ?`, t.s.local.Code).Scan(&t.seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	err = t.tx.QueryRow(`SELECT seq, lower(hex(hash)) FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&t.auditSeq, &t.auditTip)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

func (t *Tx) save() error {
	if err := t.saveRows(); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	// The head this transaction leaves is signed with the office's key (data/seal.go).
	if err := t.seal(); err != nil {
		return err
	}
	for k, last := range t.counters {
		if _, err := t.exec(`INSERT INTO counters(office, year, last) VALUES (?, ?, ?)
			ON CONFLICT(office, year) DO UPDATE SET last = excluded.last`, k.office, k.year, last); err != nil {
			return t.writeErr(err)
		}
	}
	if !t.dirty {
		return nil
	}
	if _, err := t.tx.Exec(`INSERT INTO meta(key, value) VALUES ('hlc', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, t.hlc.String()); err != nil {
		return err
	}
	_, err := t.tx.Exec(`INSERT INTO origins(origin, seq) VALUES (?, ?) ON CONFLICT(origin) DO UPDATE SET seq = excluded.seq`, t.s.local.Code, t.seq)
	return err
}

func (t *Tx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.tx.PrepareContext(t.ctx, query)
	if err != nil {
		return nil, err
	}
	t.stmts[query] = st
	return st, nil
}

func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	st, err := t.stmt(query)
	if err != nil {
		return t.tx.QueryRowContext(t.ctx, query, args...) // carries the same error
	}
	return st.QueryRowContext(t.ctx, args...)
}

func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

// Now is the transaction's clock.
func (t *Tx) Now() time.Time { return t.s.clock.Now() }

// caseColumns is the stored form of a case, in one order for insert, update and select.
const caseColumns = `id, number, office, kind, channel, status, received_at, received_date, due_date,
	deadline_days, waiting_since, waited_days, answered_at, closed_at, subject, description,
	category, service, assignee, citizen_name, citizen_email, citizen_phone, citizen_address,
	citizen_language, reply_text, reply_language, reply_at, version, satisfaction`

func (c *Case) row() []any {
	return []any{c.ID, c.Number, c.Office, string(c.Kind), string(c.Channel), string(c.Status),
		formatTime(c.ReceivedAt), c.ReceivedAt.In(Rome).Format(dateLayout), c.DueDate,
		c.DeadlineDays, c.WaitingSince, c.WaitedDays, nullTime(c.AnsweredAt), nullTime(c.ClosedAt),
		c.Subject, c.Description, c.Category, c.Service, c.Assignee,
		c.Citizen.Name, c.Citizen.Email, c.Citizen.Phone, c.Citizen.Address, string(c.Citizen.Language),
		c.Reply.Text, string(c.Reply.Language), nullTime(c.Reply.At), c.Version, c.Satisfaction}
}

var (
	// Written, not read: search_spellings is for the search index alone (ftsText).
	insertCase = `INSERT INTO cases(` + caseColumns + `, search_spellings) VALUES (` + strings.TrimSuffix(strings.Repeat("?, ", 30), ", ") + `)`
	updateCase = func() string {
		cols := strings.Split(caseColumns+", search_spellings", ",")
		var set []string
		for _, c := range cols[1:] {
			set = append(set, strings.TrimSpace(c)+" = ?")
		}
		return `UPDATE cases SET ` + strings.Join(set, ", ") + ` WHERE id = ? AND version = ?`
	}()
)

// fieldNames are a case's fields as the audit trail and the change log name them.
var fieldNames = [...]string{"number", "office", "kind", "channel", "status", "received_at", "due_date",
	"deadline_days", "waiting_since", "waited_days", "answered_at", "closed_at", "subject", "description",
	"category", "service", "assignee", "citizen_name", "citizen_email", "citizen_phone", "citizen_address",
	"citizen_language", "reply_text", "reply_language", "reply_at", "satisfaction"}

// fields is a case as text in fieldNames order, the unit of the audit trail and of the
// change log.
func (c *Case) fields() [len(fieldNames)]string {
	t := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return formatTime(*p)
	}
	return [...]string{c.Number, c.Office, string(c.Kind), string(c.Channel), string(c.Status),
		formatTime(c.ReceivedAt), c.DueDate, strconv.Itoa(c.DeadlineDays), c.WaitingSince,
		strconv.Itoa(c.WaitedDays), t(c.AnsweredAt), t(c.ClosedAt), c.Subject, c.Description,
		c.Category, c.Service, c.Assignee, c.Citizen.Name, c.Citizen.Email, c.Citizen.Phone,
		c.Citizen.Address, string(c.Citizen.Language), c.Reply.Text, string(c.Reply.Language), t(c.Reply.At),
		strconv.Itoa(c.Satisfaction)}
}

// FieldChange is one field's move in an audit entry.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

func diff(old, next *Case) []FieldChange {
	var before [len(fieldNames)]string
	if old != nil {
		before = old.fields()
	}
	var out []FieldChange
	for i, v := range next.fields() {
		if before[i] != v {
			out = append(out, FieldChange{Field: fieldNames[i], Old: before[i], New: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// apply is the one write path for cases. old is nil for a new case.
func (t *Tx) apply(action string, old, next *Case, note string, extra map[string]string) error {
	next.cleanText(old)
	note = CleanText(note)
	ch := &change{action: action, origin: t.s.local.Code, old: old, next: next, conflict: t.resolving}
	if o, ok := extra["outcome"]; ok {
		ch.outcome = &o
	}
	if err := ch.check(); err != nil {
		return err
	}
	changes := diff(old, next)
	if len(changes) == 0 && len(extra) == 0 {
		return nil // nothing changed: no row, no audit entry, no operation
	}
	if err := t.refuseErased(action, old, changes, extra); err != nil {
		return err
	}
	base := int64(0)
	if old == nil {
		next.Version = 1
	} else {
		base = old.Version
		next.Version = old.Version + 1
	}
	t.stage(old, next)
	for k, v := range extra {
		changes = append(changes, FieldChange{Field: k, New: cleanField(k, v)})
	}
	if old != nil {
		var err error
		if changes, err = t.withCompanions(old.ID, next, changes); err != nil {
			return err
		}
	}
	now := t.s.clock.Now()
	if err := t.audit(now, next, action, changes, note); err != nil {
		return err
	}
	if err := t.settleConflicts(next.ID, changes, old == nil); err != nil {
		return err
	}
	return t.logOp(now, next.ID, action, base)
}

// statusCompanions are the fields whose values follow the status (merge.go, normalise).
var statusCompanions = [...]string{"waiting_since", "answered_at", "closed_at"}

// withCompanions makes a change of status on a case shared with other offices carry the
// fields that follow the status, changed or not: every office then takes them from the
// same operation as the status, and the case is the same everywhere even when the
// status chosen came from another office's concurrent change (merge.go, normalise).
// A case only this office has written needs nothing more.
func (t *Tx) withCompanions(caseID string, next *Case, changes []FieldChange) ([]FieldChange, error) {
	has := map[string]bool{}
	for _, c := range changes {
		has[c.Field] = true
	}
	if !has["status"] {
		return changes, nil
	}
	deps, err := t.depsOf(caseID, false)
	if err != nil || len(deps) == 0 {
		return changes, err
	}
	f := next.fields()
	for i, name := range fieldNames {
		for _, c := range statusCompanions {
			if name == c && !has[c] {
				changes = append(changes, FieldChange{Field: c, Old: f[i], New: f[i]})
			}
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Field < changes[j].Field })
	return changes, nil
}

// settleConflicts removes the conflicts of the fields a local change sets: the clerk has
// seen every value kept (they are all in this register), so the change comes after all
// of them, here and in every office it reaches (data/merge.go).
func (t *Tx) settleConflicts(caseID string, changes []FieldChange, created bool) error {
	if created || len(changes) == 0 {
		return nil
	}
	if !t.conflictsRead {
		// Most registers have none: one look per transaction spares a statement per
		// changed field (a bulk import changes millions).
		var n int
		if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM conflicts)`).Scan(&n); err != nil {
			return t.writeErr(err)
		}
		t.conflictsRead, t.haveConflicts = true, n > 0
	}
	if !t.haveConflicts {
		return nil
	}
	for _, c := range changes {
		if _, err := t.exec(`DELETE FROM conflicts WHERE case_id = ? AND field = ?`, caseID, c.Field); err != nil {
			return t.writeErr(err)
		}
	}
	return nil
}

func (t *Tx) writeErr(err error) error {
	if p := causeOf(err, t.s.path); p != nil {
		return p
	}
	if _, ok := AsProblem(err); ok {
		return err
	}
	return &Problem{Key: "err.write", Err: err}
}

// saveRows writes the rows of the cases this transaction changed, each once, and brings
// the search index up to date with them (new cases in creation order, which is rowid
// order, the order FTS5 takes inserts fastest). An update checks the version it started
// from, so a change made meanwhile by another writer is refused, not overwritten.
func (t *Tx) saveRows() error {
	for _, id := range t.order {
		p := t.pending[id]
		c := p.cur
		cur := c.ftsText()
		if p.orig == nil {
			res, err := t.exec(insertCase, append(c.row(), cur[7])...)
			if err != nil {
				return t.writeErr(err)
			}
			if c.rowid, err = res.LastInsertId(); err != nil {
				return t.writeErr(err)
			}
		} else {
			c.rowid = p.orig.rowid
			res, err := t.exec(updateCase, append(c.row()[1:], cur[7], p.orig.ID, p.orig.Version)...)
			if err != nil {
				return t.writeErr(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return Problemf("err.stale", "number", p.orig.Number)
			}
		}
		if p.orig != nil {
			o := p.orig.ftsText()
			if o == cur {
				continue
			}
			if _, err := t.exec(`INSERT INTO cases_fts(cases_fts, rowid, number, subject, description, citizen_name, citizen_email, category, reply_text, search_spellings)
				VALUES ('delete', ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.rowid, o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]); err != nil {
				return t.writeErr(err)
			}
		}
		if _, err := t.exec(`INSERT INTO cases_fts(rowid, number, subject, description, citizen_name, citizen_email, category, reply_text, search_spellings)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.rowid, cur[0], cur[1], cur[2], cur[3], cur[4], cur[5], cur[6], cur[7]); err != nil {
			return t.writeErr(err)
		}
	}
	return nil
}

// stage keeps a case's new state for the end of the transaction (old nil: a new case).
// The caller keeps next; the transaction keeps its own copy, written once at commit.
func (t *Tx) stage(old, next *Case) {
	stored := *next
	if old == nil {
		t.pending[next.ID] = &pendingRow{cur: &stored}
		t.byNum[next.Number] = next.ID
		t.order = append(t.order, next.ID)
		return
	}
	// A later change in the transaction that names the case by its number must find
	// this state, not the row as it was before the transaction.
	t.byNum[next.Number] = old.ID
	if p, ok := t.pending[old.ID]; ok {
		p.cur = &stored
		return
	}
	t.pending[old.ID] = &pendingRow{orig: old, cur: &stored}
	t.order = append(t.order, old.ID)
}

// audit appends one hash-chained entry by this office's clerk (or as Recorded says).
func (t *Tx) audit(now time.Time, c *Case, action string, changes []FieldChange, note string) error {
	actor := t.s.actor
	if t.recActor != "" {
		actor = t.recActor
	}
	if !t.recAt.IsZero() {
		now = t.recAt
	}
	return t.auditAs(now, actor, t.s.local.Code, c.ID, action, changes, note)
}

// auditAs appends one hash-chained entry for any clerk and office (a change received
// from another office is recorded under its own).
func (t *Tx) auditAs(now time.Time, actor, office, caseID, action string, changes []FieldChange, note string) error {
	e := AuditEntry{Seq: t.auditSeq + 1, At: formatTime(now), Actor: actor, Office: office,
		CaseID: caseID, Action: action, Changes: encodeChanges(changes), Note: note, PrevHash: t.auditTip}
	sum := e.computeHash()
	t.auditRows = append(t.auditRows, []any{e.Seq, e.At, e.Actor, e.Office, e.CaseID, e.Action, packChanges(e.Changes), e.Note, sum})
	t.auditSeq, t.auditTip = e.Seq, hex.EncodeToString(sum)
	if len(t.auditRows) >= flushEvery {
		return t.flush()
	}
	return nil
}

// encodeChanges writes field → [old, new] as one JSON object, in the (sorted) order of
// changes. Written by hand because it runs for every change of every case; the result
// is plain JSON that json.Unmarshal reads back (tested).
func encodeChanges(changes []FieldChange) string {
	var b strings.Builder
	b.Grow(64 * len(changes))
	b.WriteByte('{')
	for i, c := range changes {
		if i > 0 {
			b.WriteByte(',')
		}
		jsonString(&b, c.Field)
		b.WriteString(":[")
		jsonString(&b, c.Old)
		b.WriteByte(',')
		jsonString(&b, c.New)
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.String()
}

// jsonString writes s as a JSON string: quotes, backslashes and control characters
// escaped, everything else (ä, ò, €) as UTF-8; invalid UTF-8 becomes U+FFFD as in
// encoding/json.
func jsonString(b *strings.Builder, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		case r == 0x2028 || r == 0x2029:
			b.WriteString(`\u202`)
			b.WriteByte(hexDigits[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// logOp records the change as an operation of this office for the exchange, with what
// it had seen of the case: the other offices' operations on it applied here.
func (t *Tx) logOp(now time.Time, caseID, action string, base int64) error {
	deps, err := t.depsOf(caseID, base == 0)
	if err != nil {
		return err
	}
	delete(t.caseOps, caseID)
	t.buffered[caseID] = true
	t.seq++
	t.hlc = t.hlc.Tick(now)
	t.dirty = true
	t.opRows = append(t.opRows, []any{t.s.local.Code, t.seq, t.hlc.String(), caseID, action, base, t.auditSeq,
		formatDeps(deps), nil, "", "", ""})
	if len(t.opRows) >= flushEvery {
		return t.flush()
	}
	return nil
}

// depsOf is, per other office, the highest of its operations on the case applied here;
// a new case has none. The transaction keeps what it read and what it added.
func (t *Tx) depsOf(caseID string, created bool) (map[string]int64, error) {
	if d, ok := t.caseDeps[caseID]; ok {
		return d, nil
	}
	d := map[string]int64{}
	if !created {
		// Other offices' operations are received ones, which carry their fields: the
		// index on a case's operations holds only those (migration 0013).
		rows, err := t.tx.QueryContext(t.ctx, `SELECT origin, max(seq) FROM ops WHERE case_id = ? AND origin <> ? AND fields IS NOT NULL GROUP BY origin`, caseID, t.s.local.Code)
		if err != nil {
			return nil, t.writeErr(err)
		}
		for rows.Next() {
			var o string
			var n int64
			if err := rows.Scan(&o, &n); err != nil {
				rows.Close()
				return nil, t.writeErr(err)
			}
			d[o] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, t.writeErr(err)
		}
	}
	t.caseDeps[caseID] = d
	return d, nil
}

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	Seq     int64  `json:"seq"`
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Office  string `json:"office"`
	CaseID  string `json:"case_id"`
	Action  string `json:"action"`
	Changes string `json:"changes"`
	Note    string `json:"note"`
	// PrevHash is the previous entry's hash (hex); Hash this entry's.
	PrevHash string `json:"-"`
	Hash     string `json:"hash"`
}

// computeHash covers every column but the hash itself, and the previous entry's hash;
// lengths prefix each part so that no two different entries can be made to hash alike
// by moving text between fields. The changes and the note enter as their SHA-256, so
// that an anonymised case's entries can lose their personal values and still be
// checked (migration 0006, data/privacy.go).
func (e *AuditEntry) computeHash() []byte {
	c, n := sha256.Sum256([]byte(e.Changes)), sha256.Sum256([]byte(e.Note))
	return e.hashWith(c[:], n[:])
}

// hashWith is computeHash with the digests of the changes and the note given: those of
// a redacted entry are the ones kept when it was redacted.
func (e *AuditEntry) hashWith(changesSHA, noteSHA []byte) []byte {
	return e.sealed(string(changesSHA), string(noteSHA))
}

// sealed hashes the entry's columns, with changes and note as given, each prefixed by
// its length, after the previous entry's hash.
func (e *AuditEntry) sealed(changes, note string) []byte {
	h := sha256.New()
	buf := make([]byte, 0, 256)
	for _, part := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), e.At, e.Actor, e.Office, e.CaseID, e.Action, changes, note} {
		buf = strconv.AppendInt(buf[:0], int64(len(part)), 10)
		buf = append(buf, ':')
		h.Write(buf)
		h.Write([]byte(part))
		h.Write([]byte{';'})
	}
	return h.Sum(nil)
}

// ChangeList decodes the entry's field changes, sorted by field.
func (e *AuditEntry) ChangeList() []FieldChange {
	var m map[string][2]string
	_ = json.Unmarshal([]byte(e.Changes), &m)
	out := make([]FieldChange, 0, len(m))
	for f, v := range m {
		out = append(out, FieldChange{Field: f, Old: v[0], New: v[1]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// computeHashV1 is the hash of registers before version 6 (the text itself), kept to
// check their chain once before it is sealed again (reseal).
func (e *AuditEntry) computeHashV1() []byte { return e.sealed(e.Changes, e.Note) }
