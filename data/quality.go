package data

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Outcome is how a case ended for the citizen, recorded by the office so that the
// quality indicators can say how many requests were granted and complaints upheld.
type Outcome string

const (
	OutcomeGranted      Outcome = "granted"        // request granted, complaint upheld
	OutcomePartly       Outcome = "partly_granted" // granted or upheld in part
	OutcomeRejected     Outcome = "rejected"       // not granted, complaint not upheld
	OutcomeInformed     Outcome = "informed"       // the citizen was given the information asked for
	OutcomeForwarded    Outcome = "forwarded"      // handed to the competent office or service
	OutcomeAcknowledged Outcome = "acknowledged"   // noted: praise, a suggestion kept for later
)

// Outcomes lists every outcome in the order reports present them.
var Outcomes = []Outcome{OutcomeGranted, OutcomePartly, OutcomeRejected, OutcomeInformed, OutcomeForwarded, OutcomeAcknowledged}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return valid(o, Outcomes) }

// SetOutcome records how a case ended; "" takes it back. The outcome is kept beside the
// case (case_outcomes) and written through apply, so the case's history, version and
// change log show it like any other change.
func (t *Tx) SetOutcome(ref Ref, o Outcome) (*Case, error) {
	if o != "" && !o.Valid() {
		return nil, Problemf("stats.outcome_unknown", "value", string(o))
	}
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	var cur string
	err = t.queryRow(`SELECT outcome FROM case_outcomes WHERE case_id = ?`, old.ID).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, t.writeErr(err)
	}
	if cur == string(o) {
		return old, nil
	}
	if o == "" {
		_, err = t.exec(`DELETE FROM case_outcomes WHERE case_id = ?`, old.ID)
	} else {
		_, err = t.exec(`INSERT INTO case_outcomes(case_id, outcome) VALUES (?, ?)
			ON CONFLICT(case_id) DO UPDATE SET outcome = excluded.outcome`, old.ID, string(o))
	}
	if err != nil {
		return nil, t.writeErr(err)
	}
	next := *old
	return &next, t.apply("outcome", old, &next, "", map[string]string{"outcome": string(o)})
}

// CaseOutcome reads the recorded outcome of a case ("" if none).
func (s *Store) CaseOutcome(ctx context.Context, caseID string) (Outcome, error) {
	var o string
	err := s.db.QueryRowContext(ctx, `SELECT outcome FROM case_outcomes WHERE case_id = ?`, caseID).Scan(&o)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return Outcome(o), err
}

// SetOutcome records how a case ended in its own transaction.
func (s *Store) SetOutcome(ctx context.Context, ref Ref, o Outcome) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.SetOutcome(ref, o) })
}

// ActionStatus is where an improvement action stands.
type ActionStatus string

const (
	ActionOpen       ActionStatus = "open"
	ActionInProgress ActionStatus = "in_progress"
	ActionDone       ActionStatus = "done"
	ActionDropped    ActionStatus = "dropped"
)

// ActionStatuses lists the statuses of an improvement action.
var ActionStatuses = []ActionStatus{ActionOpen, ActionInProgress, ActionDone, ActionDropped}

// Valid reports whether s is a known action status.
func (s ActionStatus) Valid() bool { return valid(s, ActionStatuses) }

// Pending reports whether the action still has work to do (the dashboard shows these).
func (s ActionStatus) Pending() bool { return s == ActionOpen || s == ActionInProgress }

// ImprovementAction is what an office decides to do about a recurring cause (EFQM's
// "plan–do–check–act"): who does what by when, and the cases that showed the need.
type ImprovementAction struct {
	ID          int64        `json:"id"`
	Office      string       `json:"office"`
	Title       string       `json:"title"`
	Cause       string       `json:"cause"`
	Description string       `json:"description"`
	Owner       string       `json:"owner"`
	DueDate     string       `json:"due_date"`
	Status      ActionStatus `json:"status"`
	Result      string       `json:"result"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	// Cases is how many cases are linked to the action.
	Cases int `json:"cases"`
	// Overdue: still pending and its due date has passed.
	Overdue bool `json:"overdue"`
}

// NewAction is what a quality manager writes down when a cause becomes an action.
type NewAction struct {
	Office      string // empty: the register's own office
	Title       string
	Cause       string
	Description string
	Owner       string
	DueDate     string // YYYY-MM-DD
}

// ActionEdit changes an action; nil leaves a field as it is.
type ActionEdit struct {
	Title, Cause, Description, Owner, DueDate, Result *string
	Status                                            *ActionStatus
}

func (a *ImprovementAction) validate() error {
	switch {
	case strings.TrimSpace(a.Title) == "":
		return Problemf("stats.action_title")
	case len(a.Title) > 500:
		return Problemf("err.subject_long", "max", "500")
	case strings.TrimSpace(a.Owner) == "":
		return Problemf("stats.action_owner")
	case !validDate(a.DueDate):
		return Problemf("err.date", "value", a.DueDate)
	case !a.Status.Valid():
		return Problemf("stats.action_status", "status", string(a.Status))
	}
	return nil
}

// actionFields are an action's fields as its audit entries name them.
func (a *ImprovementAction) fields() map[string]string {
	return map[string]string{"id": strconv.FormatInt(a.ID, 10), "office": a.Office, "title": a.Title,
		"cause": a.Cause, "description": a.Description, "owner": a.Owner,
		"due_date": a.DueDate, "status": string(a.Status), "result": a.Result}
}

// auditAction records a change of an improvement action in the audit trail. The entry
// names no case (case_id ”): an action is the office's, not a change of a case, and it
// does not travel to other offices.
func (t *Tx) auditAction(old, next *ImprovementAction, extra []FieldChange, note string) error {
	var before map[string]string
	if old != nil {
		before = old.fields()
	}
	var changes []FieldChange
	for k, v := range next.fields() {
		if before[k] != v || k == "id" {
			changes = append(changes, FieldChange{Field: k, Old: before[k], New: v})
		}
	}
	changes = append(changes, extra...)
	sortChanges(changes)
	return t.audit(t.Now(), &Case{}, "improvement:"+next.Office, changes, note)
}

// sortChanges orders an entry's changes by field, as diff does, so that the same change
// always makes the same entry.
func sortChanges(c []FieldChange) {
	sort.Slice(c, func(i, j int) bool { return c[i].Field < c[j].Field })
}

// CreateAction writes down a new improvement action, open.
func (t *Tx) CreateAction(na NewAction) (*ImprovementAction, error) {
	now := t.Now().Truncate(time.Millisecond)
	a := &ImprovementAction{Office: strings.ToUpper(strings.TrimSpace(na.Office)), Title: CleanLine(na.Title),
		Cause: CleanLine(na.Cause), Description: CleanText(na.Description), Owner: CleanLine(na.Owner),
		DueDate: strings.TrimSpace(na.DueDate), Status: ActionOpen, CreatedAt: now, UpdatedAt: now}
	if a.Office == "" {
		a.Office = t.s.local.Code
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	if err := t.checkOfficeExists(a.Office); err != nil {
		return nil, err
	}
	res, err := t.exec(`INSERT INTO improvement_actions(office, title, cause, description, owner, due_date, status, result, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.Office, a.Title, a.Cause, a.Description, a.Owner, a.DueDate, string(a.Status), a.Result,
		formatTime(now), formatTime(now))
	if err != nil {
		return nil, t.writeErr(err)
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return nil, t.writeErr(err)
	}
	a.Overdue = a.DueDate < Today(t.Now())
	return a, t.auditAction(nil, a, nil, "")
}

const actionColumns = `id, office, title, cause, description, owner, due_date, status, result, created_at, updated_at,
	(SELECT count(*) FROM improvement_action_cases l WHERE l.action_id = improvement_actions.id)`

func scanAction(r scanner, today string) (*ImprovementAction, error) {
	var a ImprovementAction
	var status, created, updated string
	if err := r.Scan(&a.ID, &a.Office, &a.Title, &a.Cause, &a.Description, &a.Owner, &a.DueDate, &status, &a.Result,
		&created, &updated, &a.Cases); err != nil {
		return nil, err
	}
	a.Status = ActionStatus(status)
	a.CreatedAt, _ = parseTime(created)
	a.UpdatedAt, _ = parseTime(updated)
	a.Overdue = a.Status.Pending() && a.DueDate < today
	return &a, nil
}

func (t *Tx) getAction(id int64) (*ImprovementAction, error) {
	a, err := scanAction(t.queryRow(`SELECT `+actionColumns+` FROM improvement_actions WHERE id = ?`, id), Today(t.Now()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Problemf("stats.action_unknown", "id", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, t.writeErr(err)
	}
	return a, nil
}

// EditAction changes an action: its text, owner, due date, status or result.
func (t *Tx) EditAction(id int64, e ActionEdit) (*ImprovementAction, error) {
	old, err := t.getAction(id)
	if err != nil {
		return nil, err
	}
	next := *old
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&next.Title, e.Title}, {&next.Cause, e.Cause}, {&next.Owner, e.Owner}, {&next.DueDate, e.DueDate}, {&next.Result, e.Result}} {
		if f.v != nil {
			*f.dst = CleanLine(*f.v)
		}
	}
	if e.Description != nil {
		next.Description = CleanText(*e.Description)
	}
	if e.Status != nil {
		next.Status = *e.Status
	}
	if err := next.validate(); err != nil {
		return nil, err
	}
	if equalFields(old.fields(), next.fields()) {
		return old, nil
	}
	next.UpdatedAt = t.Now().Truncate(time.Millisecond)
	if _, err := t.exec(`UPDATE improvement_actions SET title = ?, cause = ?, description = ?, owner = ?, due_date = ?, status = ?,
		result = ?, updated_at = ? WHERE id = ?`, next.Title, next.Cause, next.Description, next.Owner, next.DueDate,
		string(next.Status), next.Result, formatTime(next.UpdatedAt), id); err != nil {
		return nil, t.writeErr(err)
	}
	next.Overdue = next.Status.Pending() && next.DueDate < Today(t.Now())
	return &next, t.auditAction(old, &next, nil, "")
}

func equalFields(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// LinkCases links cases to an action (the cases that showed the cause). Cases already
// linked are passed by; it returns how many were linked now.
func (t *Tx) LinkCases(id int64, refs ...Ref) (int, error) {
	a, err := t.getAction(id)
	if err != nil {
		return 0, err
	}
	var numbers []string
	for _, ref := range refs {
		c, err := t.get(ref)
		if err != nil {
			return 0, err
		}
		res, err := t.exec(`INSERT INTO improvement_action_cases(action_id, case_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, c.ID)
		if err != nil {
			return 0, t.writeErr(err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			numbers = append(numbers, c.Number)
		}
	}
	if len(numbers) == 0 {
		return 0, nil
	}
	return len(numbers), t.auditAction(a, a, []FieldChange{{Field: "linked", New: strings.Join(numbers, " ")}}, "")
}

// LinkCategory links every case of a category received in a period (YYYY-MM-DD, both
// inclusive; empty: open-ended) of the action's office: the usual way a recurring cause
// is found, since the category is what the cases have in common.
func (t *Tx) LinkCategory(id int64, category, from, to string) (int, error) {
	a, err := t.getAction(id)
	if err != nil {
		return 0, err
	}
	category = strings.TrimSpace(category)
	if category == "" {
		return 0, Problemf("stats.action_category")
	}
	for _, d := range []string{from, to} {
		if d != "" && !validDate(d) {
			return 0, Problemf("err.date", "value", d)
		}
	}
	if to == "" {
		to = "9999-12-31"
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT number FROM cases WHERE office = ? AND category = ? AND received_date BETWEEN ? AND ?
		AND id NOT IN (SELECT case_id FROM improvement_action_cases WHERE action_id = ?) ORDER BY received_at`, a.Office, category, from, to, id)
	if err != nil {
		return 0, t.writeErr(err)
	}
	var refs []Ref
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, t.writeErr(err)
		}
		refs = append(refs, n)
	}
	rows.Close()
	return t.LinkCases(id, refs...)
}

// UnlinkCase takes a case off an action (linked by mistake).
func (t *Tx) UnlinkCase(id int64, ref Ref) error {
	a, err := t.getAction(id)
	if err != nil {
		return err
	}
	c, err := t.get(ref)
	if err != nil {
		return err
	}
	res, err := t.exec(`DELETE FROM improvement_action_cases WHERE action_id = ? AND case_id = ?`, id, c.ID)
	if err != nil {
		return t.writeErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Problemf("stats.action_not_linked", "number", c.Number, "id", strconv.FormatInt(id, 10))
	}
	return t.auditAction(a, a, []FieldChange{{Field: "unlinked", Old: c.Number}}, "")
}

// ActionFilter selects improvement actions; the zero value selects all.
type ActionFilter struct {
	Pending bool   // only open and in progress
	Office  string // only this office's
}

// Actions lists improvement actions, the most urgent (earliest due) first.
func (s *Store) Actions(ctx context.Context, f ActionFilter) ([]*ImprovementAction, error) {
	q := `SELECT ` + actionColumns + ` FROM improvement_actions WHERE 1`
	var args []any
	if f.Pending {
		q += ` AND status IN ('open', 'in_progress')`
	}
	if f.Office != "" {
		q += ` AND office = ?`
		args = append(args, strings.ToUpper(f.Office))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY status IN ('done', 'dropped'), due_date, id`, args...)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	today := Today(s.clock.Now())
	out := []*ImprovementAction{}
	for rows.Next() {
		a, err := scanAction(rows, today)
		if err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Action reads one improvement action.
func (s *Store) Action(ctx context.Context, id int64) (*ImprovementAction, error) {
	a, err := scanAction(s.db.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM improvement_actions WHERE id = ?`, id), Today(s.clock.Now()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Problemf("stats.action_unknown", "id", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	return a, nil
}

// ActionCases lists the cases behind an action, newest first (at most limit; 0: all).
func (s *Store) ActionCases(ctx context.Context, id int64, limit int) ([]*Case, error) {
	q := `SELECT ` + prefixed(caseColumns) + `, c.rowid FROM improvement_action_cases l JOIN cases c ON c.id = l.case_id
		WHERE l.action_id = ? ORDER BY c.received_at DESC, c.rowid DESC`
	args := []any{id}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	return s.queryCases(ctx, q, args, s.clock.Now())
}

// CaseActions lists the improvement actions a case is linked to.
func (s *Store) CaseActions(ctx context.Context, caseID string) ([]*ImprovementAction, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+actionColumns+` FROM improvement_actions
		WHERE id IN (SELECT action_id FROM improvement_action_cases WHERE case_id = ?) ORDER BY id`, caseID)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	today := Today(s.clock.Now())
	var out []*ImprovementAction
	for rows.Next() {
		a, err := scanAction(rows, today)
		if err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
