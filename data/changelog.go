package data

import (
	"context"
	"encoding/json"
)

// Operation is one change as the exchange between offices carries it: who made it
// (origin office and its sequence), when in causal order (HLC), on which case, from
// which version, and the new value of every field it set.
type Operation struct {
	Origin      string            `json:"origin"`
	Seq         int64             `json:"seq"`
	HLC         HLC               `json:"hlc"`
	CaseID      string            `json:"case_id"`
	Action      string            `json:"action"`
	BaseVersion int64             `json:"base_version"`
	Fields      map[string]string `json:"fields"`
}

// Operations lists an origin's operations after sequence `after`, oldest first, at most
// limit of them: what the exchange publishes next.
func (s *Store) Operations(ctx context.Context, origin string, after int64, limit int) ([]Operation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.origin, o.seq, o.hlc, o.case_id, o.action, o.base_version, a.changes
		FROM ops o JOIN audit a ON a.seq = o.audit_seq WHERE o.origin = ? AND o.seq > ? ORDER BY o.seq LIMIT ?`, origin, after, limit)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []Operation
	for rows.Next() {
		var op Operation
		var hlc, changes string
		if err := rows.Scan(&op.Origin, &op.Seq, &hlc, &op.CaseID, &op.Action, &op.BaseVersion, &changes); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		if op.HLC, err = ParseHLC(hlc); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		var m map[string][2]string
		if err := json.Unmarshal([]byte(changes), &m); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		op.Fields = make(map[string]string, len(m))
		for f, v := range m {
			op.Fields[f] = v[1]
		}
		out = append(out, op)
	}
	return out, rows.Err()
}

// HighWater is the last sequence of an origin's operations in this register.
func (s *Store) HighWater(ctx context.Context, origin string) (int64, error) {
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM origins WHERE origin = ?`, origin).Scan(&seq)
	return seq, err
}
