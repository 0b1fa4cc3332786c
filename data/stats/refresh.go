package stats

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"ascolto/data"
	"ascolto/data/deadline"
)

// markKey is the meta key holding the last audit entry case_figures reflects.
const markKey = "figures_audit_seq"

// rebuildShare: when more than this share of the register changed since the last
// refresh (or the figures were never built), rebuilding everything in one ordered pass
// is faster than case by case.
const rebuildShare = 0.05

// Progress, if set, hears how far a rebuild of the figures has come (the first one on a
// large register takes a while; later refreshes take only the cases changed since).
type Progress func(done, total int)

// Refresh brings case_figures up to date with the register: the cases changed since the
// last refresh (found through the audit trail, which every change of a case goes
// through) are computed again, and all of an office's cases when its calendar (closure
// days) changed, since working days depend on it. Nothing is written when nothing
// changed. It is safe to call from several programs at once: the write transaction
// serialises them and each re-reads the mark inside it.
func Refresh(ctx context.Context, s *data.Store, progress Progress) error {
	db := s.DB()
	mark, tip, err := marks(ctx, db)
	if err != nil {
		return err
	}
	if mark == tip {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return &data.Problem{Key: "err.busy", Err: err}
	}
	defer tx.Rollback()
	if mark, tip, err = marks(ctx, tx); err != nil {
		return err
	}
	if mark == tip {
		return nil
	}
	r := &refresher{ctx: ctx, s: s, tx: tx, codes: map[string]map[string]int{}, progress: progress}
	if err := r.loadCodes(); err != nil {
		return err
	}
	if err := r.run(mark, tip); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
		markKey, strconv.FormatInt(tip, 10)); err != nil {
		return &data.Problem{Key: "err.write", Err: err}
	}
	if err := tx.Commit(); err != nil {
		return &data.Problem{Key: "err.write", Err: err}
	}
	return nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// marks reads the figures' mark and the audit trail's last entry.
func marks(ctx context.Context, q queryRower) (mark, tip int64, err error) {
	var m sql.NullString
	err = q.QueryRowContext(ctx, `SELECT (SELECT value FROM meta WHERE key = ?), (SELECT coalesce(max(seq), 0) FROM audit)`, markKey).Scan(&m, &tip)
	if err != nil {
		return 0, 0, &data.Problem{Key: "err.read", Err: err}
	}
	if m.Valid {
		mark, _ = strconv.ParseInt(m.String, 10, 64)
	} else {
		mark = -1 // never built: even an empty register's figures are "built" once
	}
	return mark, tip, nil
}

type refresher struct {
	ctx      context.Context
	s        *data.Store
	tx       *sql.Tx
	codes    map[string]map[string]int // dim → value → code
	next     map[string]int
	progress Progress
	cals     map[string]*deadline.Calendar
}

func (r *refresher) run(mark, tip int64) error {
	var total int
	if err := r.tx.QueryRowContext(r.ctx, `SELECT count(*) FROM cases`).Scan(&total); err != nil {
		return &data.Problem{Key: "err.read", Err: err}
	}
	if mark < 0 {
		return r.rebuild("", total)
	}
	// Which cases changed, and which offices' calendars.
	rows, err := r.tx.QueryContext(r.ctx, `SELECT case_id, action, audit_changes(changes) FROM audit WHERE seq > ? AND (case_id <> '' OR action LIKE 'settings:%')`, mark)
	if err != nil {
		return &data.Problem{Key: "err.read", Err: err}
	}
	changed := map[string]bool{}
	offices := map[string]bool{}
	for rows.Next() {
		var id, action, changes string
		if err := rows.Scan(&id, &action, &changes); err != nil {
			rows.Close()
			return &data.Problem{Key: "err.read", Err: err}
		}
		if id != "" {
			changed[id] = true
		} else if strings.Contains(changes, `"closure"`) {
			offices[strings.TrimPrefix(action, "settings:")] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return &data.Problem{Key: "err.read", Err: err}
	}
	if float64(len(changed)) > rebuildShare*float64(total) && len(changed) > 1000 {
		return r.rebuild("", total)
	}
	for office := range offices {
		if err := r.rebuild(office, total); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(changed))
	for id := range changed {
		ids = append(ids, id)
	}
	return r.update(ids)
}

// caseRow is what the figures need of a case.
type caseRow struct {
	rowid                                   int64
	id, office, kind, channel, status, lang string
	received, due                           string
	answered, closed                        sql.NullString
	waited, satisfaction                    int
	category, service, outcome              string
}

const caseSelect = `SELECT c.rowid, c.id, c.office, c.kind, c.channel, c.status, c.citizen_language, c.received_date, c.due_date,
	c.answered_at, c.closed_at, c.waited_days, c.satisfaction, c.category, c.service, coalesce(o.outcome, '')
	FROM cases c LEFT JOIN case_outcomes o ON o.case_id = c.id`

func scanCaseRow(rows *sql.Rows) (caseRow, error) {
	var c caseRow
	err := rows.Scan(&c.rowid, &c.id, &c.office, &c.kind, &c.channel, &c.status, &c.lang, &c.received, &c.due,
		&c.answered, &c.closed, &c.waited, &c.satisfaction, &c.category, &c.service, &c.outcome)
	return c, err
}

// firstActionFilter finds the audit entry in which a case left "received" for another
// status than "answered" (a reply as first action needs no audit entry: its date is
// the case's). The text is that of data's audit encoding, {"status":["received","…"]}.
const firstActionFilter = `audit_changes(changes) LIKE '%"status":["received",%' AND audit_changes(changes) NOT LIKE '%"status":["received","answered"]%'`

// firstAction is when a case first left "received", from its audit entry: the day the
// wait began for "waiting", the day the change was recorded for "in_progress" (the
// register keeps no other time for it).
func firstAction(at, changes string) (int, bool) {
	var m map[string][2]string
	if err := json.Unmarshal([]byte(changes), &m); err != nil {
		return 0, false
	}
	if m["status"][1] == string(data.StatusWaiting) {
		if d, ok := parseDay(m["waiting_since"][1]); ok {
			return d, true
		}
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return 0, false
	}
	return romeDay(t), true
}

// rebuild computes the figures of every case (office "") or of one office's cases.
func (r *refresher) rebuild(office string, total int) error {
	first := map[string]int{}
	// In the order of the trail, so the first entry seen for a case is its first.
	q := `SELECT case_id, at, audit_changes(changes) FROM audit WHERE ` + firstActionFilter + ` ORDER BY seq`
	var args []any
	if office != "" {
		q = `SELECT a.case_id, a.at, audit_changes(a.changes) FROM audit a JOIN cases c ON c.id = a.case_id WHERE c.office = ? AND ` +
			strings.ReplaceAll(firstActionFilter, "(changes)", "(a.changes)") + ` ORDER BY a.seq`
		args = append(args, office)
	}
	rows, err := r.tx.QueryContext(r.ctx, q, args...)
	if err != nil {
		return &data.Problem{Key: "err.read", Err: err}
	}
	for rows.Next() {
		var id, at, changes string
		if err := rows.Scan(&id, &at, &changes); err != nil {
			rows.Close()
			return &data.Problem{Key: "err.read", Err: err}
		}
		if _, seen := first[id]; seen {
			continue
		}
		if d, ok := firstAction(at, changes); ok {
			first[id] = d
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return &data.Problem{Key: "err.read", Err: err}
	}
	del := `DELETE FROM case_figures`
	q = caseSelect + ` ORDER BY c.received_date, c.rowid`
	args = nil
	if office != "" {
		del += ` WHERE case_row IN (SELECT rowid FROM cases WHERE office = ?)`
		q = caseSelect + ` WHERE c.office = ? ORDER BY c.received_date, c.rowid`
		args = []any{office}
	}
	if _, err := r.tx.ExecContext(r.ctx, del, args...); err != nil {
		return &data.Problem{Key: "err.write", Err: err}
	}
	rows, err = r.tx.QueryContext(r.ctx, q, args...)
	if err != nil {
		return &data.Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	// Rows are read and written in the order of the primary key (day, case_row), so
	// the rebuilt table grows at its end, the cheapest way for SQLite to build it.
	var batch []any
	done := 0
	for rows.Next() {
		c, err := scanCaseRow(rows)
		if err != nil {
			return &data.Problem{Key: "err.read", Err: err}
		}
		f, ok := first[c.id]
		day, d, t, err := r.compute(c, f, ok)
		if err != nil {
			return err
		}
		batch = append(batch, day, c.rowid, d, t)
		if len(batch) == 4*insertRows {
			if err := r.insert(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		done++
		if r.progress != nil && done%50000 == 0 {
			r.progress(done, total)
		}
	}
	if err := rows.Err(); err != nil {
		return &data.Problem{Key: "err.read", Err: err}
	}
	if err := r.insert(batch); err != nil {
		return err
	}
	if r.progress != nil {
		r.progress(done, total)
	}
	return nil
}

// insertRows is how many figures go in one INSERT statement.
const insertRows = 200

// insert writes figures (day, case_row, dims, times, …) into case_figures.
func (r *refresher) insert(values []any) error {
	if len(values) == 0 {
		return nil
	}
	n := len(values) / 4
	q := `INSERT OR REPLACE INTO case_figures(day, case_row, dims, times) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", n), ", ")
	if _, err := r.tx.ExecContext(r.ctx, q, values...); err != nil {
		return &data.Problem{Key: "err.write", Err: err}
	}
	return nil
}

// update computes the figures of the given cases again.
func (r *refresher) update(ids []string) error {
	for _, id := range ids {
		rows, err := r.tx.QueryContext(r.ctx, caseSelect+` WHERE c.id = ?`, id)
		if err != nil {
			return &data.Problem{Key: "err.read", Err: err}
		}
		var c caseRow
		found := false
		if rows.Next() {
			c, err = scanCaseRow(rows)
			found = err == nil
		}
		rows.Close()
		if err != nil {
			return &data.Problem{Key: "err.read", Err: err}
		}
		if !found {
			continue
		}
		var at, changes string
		err = r.tx.QueryRowContext(r.ctx, `SELECT at, audit_changes(changes) FROM audit WHERE case_id = ? AND `+firstActionFilter+` ORDER BY seq LIMIT 1`, id).Scan(&at, &changes)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return &data.Problem{Key: "err.read", Err: err}
		}
		f, ok := 0, false
		if err == nil {
			f, ok = firstAction(at, changes)
		}
		day, d, t, err := r.compute(c, f, ok)
		if err != nil {
			return err
		}
		if _, err := r.tx.ExecContext(r.ctx, `INSERT OR REPLACE INTO case_figures(day, case_row, dims, times) VALUES (?, ?, ?, ?)`,
			day, c.rowid, d, t); err != nil {
			return &data.Problem{Key: "err.write", Err: err}
		}
	}
	return nil
}
