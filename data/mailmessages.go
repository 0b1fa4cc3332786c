package data

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// The kinds of identifier an e-mail taken in is recorded under (migration 0008).
const (
	// MessageIDKey is the Message-ID header, without <>.
	MessageIDKey = "message-id"
	// PECKey is the identifier a PEC provider certified for the message (daticert.xml).
	PECKey = "pec"
	// DigestKey is "sha256:" and the digest of a message that has no Message-ID.
	DigestKey = "sha256"
)

// MessageKey is one identifier of an e-mail taken in.
type MessageKey struct {
	ID   string
	Kind string
}

// MessageKnown says that an e-mail is already a case of the register: the case is
// Case. Intake reads it to answer with that case instead of making a second one.
type MessageKnown struct {
	Case *Case
}

func (m *MessageKnown) Error() string { return "e-mail already registered as " + m.Case.Number }

// usable keeps the identifiers worth looking up, each once.
func usable(keys []MessageKey) []MessageKey {
	seen := map[string]bool{}
	var out []MessageKey
	for _, k := range keys {
		k.ID = strings.TrimSpace(k.ID)
		if k.ID == "" || seen[k.ID] {
			continue
		}
		seen[k.ID] = true
		out = append(out, k)
	}
	return out
}

// caseOfMessage is the id of the case that holds any of keys, "" if none.
func caseOfMessage(q queryer, keys []MessageKey) (string, error) {
	for _, k := range usable(keys) {
		var id string
		err := q.QueryRow(`SELECT case_id FROM mail_messages WHERE message_id = ?`, k.ID).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
	}
	return "", nil
}

// CaseByMessage finds the case an e-mail became, by any of its identifiers; nil if it
// is not in the register.
func (t *Tx) CaseByMessage(keys []MessageKey) (*Case, error) {
	id, err := caseOfMessage(txReader{t}, keys)
	if err != nil {
		return nil, t.writeErr(err)
	}
	if id == "" {
		return nil, nil
	}
	return t.get(id)
}

// CaseByMessage finds the case an e-mail became, outside a transaction (the window
// looks before it fills the form); nil if it is not in the register.
func (s *Store) CaseByMessage(ctx context.Context, keys []MessageKey) (*Case, error) {
	id, err := caseOfMessage(ctxReader{ctx, s.db}, keys)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	if id == "" {
		return nil, nil
	}
	return s.Get(ctx, id)
}

type ctxReader struct {
	ctx context.Context
	db  *sql.DB
}

func (r ctxReader) QueryRow(query string, args ...any) *sql.Row {
	return r.db.QueryRowContext(r.ctx, query, args...)
}

// RecordMessage notes that the e-mail with these identifiers became the case ref, in
// the transaction that made the case. An identifier that already belongs to a case
// ends the transaction with *MessageKnown: the same message never becomes two cases,
// also when two programs take it in at the same moment.
func (t *Tx) RecordMessage(ref Ref, keys []MessageKey) error {
	c, err := t.get(ref)
	if err != nil {
		return err
	}
	at := formatTime(t.Now().Truncate(time.Millisecond))
	for _, k := range usable(keys) {
		res, err := t.exec(`INSERT INTO mail_messages(message_id, case_id, kind, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(message_id) DO NOTHING`, k.ID, c.ID, k.Kind, at)
		if err != nil {
			return t.writeErr(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return t.writeErr(err)
		}
		if n == 1 {
			continue
		}
		known, err := t.CaseByMessage([]MessageKey{k})
		if err != nil {
			return err
		}
		if known != nil && known.ID != c.ID {
			return &MessageKnown{Case: known}
		}
	}
	return nil
}

// forgetMessages removes the identifiers of a case's e-mails: a Message-ID often holds
// the sender's address, which an anonymised case must not keep.
func (t *Tx) forgetMessages(caseID string) error {
	if _, err := t.exec(`DELETE FROM mail_messages WHERE case_id = ?`, caseID); err != nil {
		return t.writeErr(err)
	}
	// A notice of non-delivery names the address too (migration 0012).
	if _, err := t.exec(`DELETE FROM delivery_alerts WHERE case_id = ?`, caseID); err != nil {
		return t.writeErr(err)
	}
	return nil
}
