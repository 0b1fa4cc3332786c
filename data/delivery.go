package data

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Kinds of delivery alert (migration 0012).
const (
	// AlertBounce: the receiving server returned the letter (a delivery status
	// notification or a non-delivery report).
	AlertBounce = "bounce"
	// AlertPEC: the PEC provider certified that the letter was not delivered.
	AlertPEC = "pec"
)

// Audit actions of delivery alerts: raised when a failure is taken from the mailbox,
// acknowledged when the clerk has seen it and dealt with it another way.
const (
	ActionDeliveryFailed = "delivery_failed"
	ActionDeliveryAck    = "delivery_ack"
)

func init() {
	LetterActionKeys[ActionDeliveryFailed] = "action.delivery_failed"
	LetterActionKeys[ActionDeliveryAck] = "action.delivery_ack"
}

// How an alert ended.
const (
	ClearedResent       = "resent"
	ClearedAcknowledged = "acknowledged"
)

// DeliveryAlert says that a letter sent by e-mail or PEC did not reach the citizen.
// While it is open its case is in the overdue list: the reply counts as given only once
// it has arrived.
type DeliveryAlert struct {
	// ID is the identifier of the notice: the same notice makes one alert.
	ID       string    `json:"id"`
	CaseID   string    `json:"case_id"`
	Case     string    `json:"case"` // the case's number
	LetterID string    `json:"letter_id"`
	Letter   string    `json:"letter"` // the letter's number
	Kind     string    `json:"kind"`   // bounce or pec
	To       string    `json:"to,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
	// ClearedAt is set once the letter was sent again or the clerk acknowledged it.
	ClearedAt  *time.Time `json:"cleared_at,omitempty"`
	ClearedBy  string     `json:"cleared_by,omitempty"`
	ClearedHow string     `json:"cleared_how,omitempty"`
}

// maxReason bounds the server's words kept: a diagnostic is one or two lines.
const maxReason = 500

// RaiseDeliveryAlert records that letter did not arrive, as the notice a says, on the
// letter's case, with an entry in the case's history. The same notice again changes
// nothing (raised is false).
func (t *Tx) RaiseDeliveryAlert(a DeliveryAlert) (raised bool, err error) {
	a.ID = strings.TrimSpace(a.ID)
	if a.ID == "" {
		return false, Problemf("err.delivery.no_id")
	}
	if a.Kind != AlertBounce && a.Kind != AlertPEC {
		return false, Problemf("err.delivery.kind", "kind", a.Kind)
	}
	l, err := t.letter(a.LetterID)
	if err != nil {
		return false, err
	}
	old, err := t.get(l.CaseID)
	if err != nil {
		return false, err
	}
	a.Reason = CleanText(a.Reason)
	if r := []rune(a.Reason); len(r) > maxReason {
		a.Reason = string(r[:maxReason])
	}
	a.To = strings.TrimSpace(a.To)
	if a.At.IsZero() || a.At.After(t.Now()) {
		a.At = t.Now()
	}
	res, err := t.exec(`INSERT INTO delivery_alerts(id, case_id, letter_id, kind, recipient, reason, at, added_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
		a.ID, l.CaseID, l.ID, a.Kind, a.To, a.Reason, formatTime(a.At.Truncate(time.Millisecond)), formatTime(t.Now()))
	if err != nil {
		return false, t.writeErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, t.writeErr(err)
	}
	if n == 0 {
		return false, nil
	}
	next := *old
	return true, t.apply(ActionDeliveryFailed, old, &next, a.Reason,
		map[string]string{"delivery_failed": l.ID + "|" + l.Number + "|" + a.Kind + "|" + formatTime(a.At)})
}

// clearDeliveryAlerts ends the open alerts of a case, how says why; n is how many.
func (t *Tx) clearDeliveryAlerts(caseID, how string) (int64, error) {
	res, err := t.exec(`UPDATE delivery_alerts SET cleared_at = ?, cleared_by = ?, cleared_how = ?
		WHERE case_id = ? AND cleared_at IS NULL`, formatTime(t.Now()), t.s.actor, how, caseID)
	if err != nil {
		return 0, t.writeErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.writeErr(err)
	}
	return n, nil
}

// DeliveryResent ends the open alerts of the case ref because a letter of it was sent
// again, with an entry in the case's history; a case with none open is left as it is.
func (t *Tx) DeliveryResent(ref Ref) error {
	old, err := t.get(ref)
	if err != nil {
		return err
	}
	n, err := t.clearDeliveryAlerts(old.ID, ClearedResent)
	if err != nil || n == 0 {
		return err
	}
	next := *old
	return t.apply(ActionDeliveryAck, old, &next, "", map[string]string{"delivery_ack": ClearedResent})
}

// AcknowledgeDeliveryAlerts ends the open alerts of the case ref: the clerk knows the
// letter did not arrive and dealt with it otherwise (a letter by post, a call). It is
// an entry in the case's history; a case with no open alert is refused.
func (t *Tx) AcknowledgeDeliveryAlerts(ref Ref, note string) (int64, error) {
	old, err := t.get(ref)
	if err != nil {
		return 0, err
	}
	n, err := t.clearDeliveryAlerts(old.ID, ClearedAcknowledged)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, Problemf("err.delivery.none_open", "number", old.Number)
	}
	next := *old
	return n, t.apply(ActionDeliveryAck, old, &next, note, map[string]string{"delivery_ack": ClearedAcknowledged})
}

// DeliveryAlerts are the alerts of the case ref (of the whole register if ref is ""),
// open ones only unless all.
func (s *Store) DeliveryAlerts(ctx context.Context, ref Ref, all bool) ([]DeliveryAlert, error) {
	if strings.TrimSpace(ref) == "" {
		return s.deliveryAlerts(ctx, "1", all)
	}
	c, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.deliveryAlerts(ctx, "a.case_id = ?", all, c.ID)
}

// OpenDeliveryAlerts are the open alerts of the whole register, oldest first.
func (s *Store) OpenDeliveryAlerts(ctx context.Context) ([]DeliveryAlert, error) {
	return s.deliveryAlerts(ctx, "1", false)
}

func (s *Store) deliveryAlerts(ctx context.Context, where string, all bool, args ...any) ([]DeliveryAlert, error) {
	if !all {
		where += " AND a.cleared_at IS NULL"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.case_id, coalesce(c.number, ''), a.letter_id, coalesce(l.number, ''),
		a.kind, a.recipient, a.reason, a.at, a.cleared_at, a.cleared_by, a.cleared_how
		FROM delivery_alerts a LEFT JOIN cases c ON c.id = a.case_id LEFT JOIN letters l ON l.id = a.letter_id
		WHERE `+where+` ORDER BY a.at, a.id`, args...)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []DeliveryAlert
	for rows.Next() {
		var a DeliveryAlert
		var at string
		var cleared sql.NullString
		if err := rows.Scan(&a.ID, &a.CaseID, &a.Case, &a.LetterID, &a.Letter, &a.Kind, &a.To, &a.Reason, &at,
			&cleared, &a.ClearedBy, &a.ClearedHow); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		a.At, _ = parseTime(at)
		if cleared.Valid {
			if ct, err := parseTime(cleared.String); err == nil {
				a.ClearedAt = &ct
			}
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	return out, nil
}

// overdueByAlert is the condition that puts a case with an open delivery alert in the
// overdue list beside those past their due date.
const overdueByAlert = "c.id IN (SELECT case_id FROM delivery_alerts WHERE cleared_at IS NULL)"

// Undelivered says which of the cases ids have a letter that did not arrive and whose
// alert is still open: the register marks them as overdue whatever their due date.
func (s *Store) Undelivered(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for len(ids) > 0 {
		// SQLite takes 999 parameters at most in older builds; pages are smaller anyway.
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT case_id FROM delivery_alerts WHERE cleared_at IS NULL AND case_id IN (?`+
			strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, &Problem{Key: "err.read", Err: err}
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		ids = ids[n:]
	}
	return out, nil
}
