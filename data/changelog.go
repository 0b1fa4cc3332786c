package data

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Operation is one change as the exchange between offices carries it: who made it
// (origin office and its sequence), when in causal order (HLC), on which case, from
// which version, what the writer had seen of the case (Deps), and the new value of every
// field it set. Fields also carries what an action recorded besides the case's columns
// ("outcome", "attachment", "letter"…): the receiving office keeps those in its history.
type Operation struct {
	Origin      string            `json:"origin"`
	Seq         int64             `json:"seq"`
	HLC         HLC               `json:"hlc"`
	CaseID      string            `json:"case_id"`
	Action      string            `json:"action"`
	BaseVersion int64             `json:"base_version"`
	Deps        map[string]int64  `json:"deps,omitempty"`
	Fields      map[string]string `json:"fields"`
	Actor       string            `json:"actor"`
	At          string            `json:"at"`
	Note        string            `json:"note,omitempty"`
}

// opQuery reads operations with what they set: a local operation's fields, actor, time
// and note are its audit entry's; a received one keeps its own.
const opQuery = `SELECT o.origin, o.seq, o.hlc, o.case_id, o.action, o.base_version, o.deps,
	o.fields IS NOT NULL, CASE WHEN o.fields IS NULL THEN coalesce(audit_changes(a.changes), '{}') ELSE audit_changes(o.fields) END,
	CASE WHEN o.fields IS NULL THEN coalesce(a.actor, '') ELSE o.actor END,
	CASE WHEN o.fields IS NULL THEN coalesce(a.at, '') ELSE o.at END,
	CASE WHEN o.fields IS NULL THEN coalesce(a.note, '') ELSE o.note END
	FROM ops o LEFT JOIN audit a ON o.fields IS NULL AND a.seq = o.audit_seq `

// caseOpsQuery reads a case's operations in (origin, seq) order, each kind through its
// index (migration 0013): received ones by their case, this office's own through the
// case's audit entries. A local operation's case is its entry's (verify checks it).
const caseOpsQuery = opQuery + `WHERE o.case_id = ?1 AND o.fields IS NOT NULL
	UNION ALL ` + opQuery + `WHERE o.fields IS NULL AND o.audit_seq IN (SELECT seq FROM audit WHERE case_id = ?2)
	ORDER BY 1, 2`

type rowScanner interface{ Scan(dest ...any) error }

func scanOperation(r rowScanner) (Operation, error) {
	var op Operation
	var hlc, deps, fields string
	var remote bool
	if err := r.Scan(&op.Origin, &op.Seq, &hlc, &op.CaseID, &op.Action, &op.BaseVersion, &deps, &remote, &fields, &op.Actor, &op.At, &op.Note); err != nil {
		return op, err
	}
	var err error
	if op.HLC, err = ParseHLC(hlc); err != nil {
		return op, err
	}
	op.Deps = parseDeps(deps)
	if remote {
		err = json.Unmarshal([]byte(fields), &op.Fields)
	} else {
		var m map[string][2]string
		err = json.Unmarshal([]byte(fields), &m)
		op.Fields = make(map[string]string, len(m))
		for f, v := range m {
			op.Fields[f] = v[1]
		}
	}
	if op.Fields == nil {
		op.Fields = map[string]string{}
	}
	return op, err
}

// Operations lists an origin's operations after sequence `after`, oldest first, at most
// limit of them: what the exchange publishes next (the local office's), or passes on in
// a snapshot (any office's).
func (s *Store) Operations(ctx context.Context, origin string, after int64, limit int) ([]Operation, error) {
	rows, err := s.db.QueryContext(ctx, opQuery+`WHERE o.origin = ? AND o.seq > ? ORDER BY o.seq LIMIT ?`, origin, after, limit)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []Operation
	for rows.Next() {
		op, err := scanOperation(rows)
		if err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
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

// HighWaters is every origin's last sequence in this register.
func (s *Store) HighWaters(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT origin, seq FROM origins`)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var o string
		var n int64
		if err := rows.Scan(&o, &n); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out[o] = n
	}
	return out, rows.Err()
}

// formatDeps writes deps as "BZ:12,EG:4", offices in order, so equal deps are equal text.
func formatDeps(d map[string]int64) string {
	if len(d) == 0 {
		return ""
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(d[k], 10))
	}
	return b.String()
}

func parseDeps(s string) map[string]int64 {
	if s == "" {
		return nil
	}
	out := map[string]int64{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, ":")
		n, err := strconv.ParseInt(v, 10, 64)
		if ok && err == nil {
			out[k] = n
		}
	}
	return out
}
