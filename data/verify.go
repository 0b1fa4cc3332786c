package data

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strconv"
	"time"
)

// Finding is one thing verify found wrong, as a translation key and arguments.
type Finding = Problem

// VerifyReport says what verify looked at and what it found.
type VerifyReport struct {
	Cases        int64 `json:"cases"`
	AuditEntries int64 `json:"audit_entries"`
	Operations   int64 `json:"operations"`
	// The signed head of the audit chain checked (0 if none) and the checkpoints kept.
	SealedSeq   int64     `json:"sealed_seq"`
	SealedAt    time.Time `json:"sealed_at,omitzero"`
	Checkpoints int64     `json:"checkpoints"`
	// The key the signatures were checked with, and whether it was the key file beside
	// the register (false: the public key the register names, for a copy elsewhere).
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	KeyFile        bool   `json:"key_file"`
	// Heads of this register kept by other offices, checked on request (VerifyWitnesses).
	Witnesses int        `json:"witnesses,omitempty"`
	Findings  []*Finding `json:"findings"`
}

// OK reports whether nothing was found wrong.
func (r *VerifyReport) OK() bool { return len(r.Findings) == 0 }

// Verify checks the register: SQLite's own integrity, foreign keys, the search index,
// and the audit trail's hash chain. Each entry's hash must match its content and the
// previous hash, and the sequence must have no holes, so an edited or removed entry is
// found; every case's version must be covered by its audit entries and every operation
// must point at its entry, so removing entries at the end is found too.
func (s *Store) Verify(ctx context.Context) (*VerifyReport, error) {
	r := &VerifyReport{}
	add := func(key string, kv ...string) { r.Findings = append(r.Findings, Problemf(key, kv...)) }

	damage, err := s.integrityCheck(ctx)
	if err != nil {
		return nil, err
	}
	for _, msg := range damage {
		add("verify.integrity", "detail", msg)
	}
	rows, err := s.db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		rows.Scan(&table, &rowid, &parent, &fk)
		add("verify.foreign_key", "table", table, "row", strconv.FormatInt(rowid.Int64, 10), "parent", parent)
	}
	rows.Close()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO cases_fts(cases_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
		if p := s.uncheckable(err); p != nil {
			r.Findings = append(r.Findings, p)
		} else {
			add("verify.search_index", "detail", err.Error())
		}
	}

	// Entries redacted when their case was anonymised are checked with the digests kept
	// of what they held; entries that failed the chain before it was sealed again
	// (version 6) stay reported.
	redactions := map[int64]digests{}
	rows, err = s.db.QueryContext(ctx, `SELECT seq, changes_sha, note_sha FROM audit_redactions`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var seq int64
		var d digests
		rows.Scan(&seq, &d.changes, &d.note)
		redactions[seq] = d
	}
	rows.Close()
	anonymised := map[string]bool{}
	rows, err = s.db.QueryContext(ctx, `SELECT case_id FROM anonymised_cases`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		anonymised[id] = true
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT seq FROM audit_reseal_findings ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var seq int64
		rows.Scan(&seq)
		add("verify.audit_hash", "seq", strconv.FormatInt(seq, 10))
	}
	rows.Close()

	if err := s.verifyTriggers(ctx, add); err != nil {
		return nil, err
	}
	if err := s.verifyChain(ctx, r, add, redactions, anonymised); err != nil {
		return nil, err
	}
	if err := s.verifyCases(ctx, r, add, anonymised); err != nil {
		return nil, err
	}
	if err := s.verifyBlobs(ctx, add); err != nil {
		return nil, err
	}

	var orphan int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), (SELECT count(*) FROM ops o LEFT JOIN audit a ON a.seq = o.audit_seq
		WHERE o.origin = ? AND (a.seq IS NULL OR a.case_id <> o.case_id)
		-- An operation of this office's own that came back refused (signed elsewhere with
		-- its key, or taken back after a restore) was never applied, so it has no entry;
		-- it is listed with the refused changes, not a sign of damage.
		AND NOT EXISTS (SELECT 1 FROM exchange_rejected_ops x WHERE x.origin = o.origin AND x.seq = o.seq)) FROM ops`, s.local.Code).Scan(&r.Operations, &orphan); err != nil {
		return nil, err
	}
	if orphan > 0 {
		add("verify.ops_orphan", "count", strconv.FormatInt(orphan, 10))
	}
	var seq, maxSeq sql.NullInt64
	s.db.QueryRowContext(ctx, `SELECT seq FROM origins WHERE origin = ?`, s.local.Code).Scan(&seq)
	s.db.QueryRowContext(ctx, `SELECT max(seq) FROM ops WHERE origin = ?`, s.local.Code).Scan(&maxSeq)
	if seq.Int64 != maxSeq.Int64 {
		add("verify.ops_seq", "have", strconv.FormatInt(maxSeq.Int64, 10), "want", strconv.FormatInt(seq.Int64, 10))
	}
	return r, nil
}

// integrityCheck runs SQLite's integrity check and returns what it found wrong. The
// check of the search index uses the index's layout as the connection last read it,
// not as it is now: after a merge of the index by another connection (the register
// merges it while idle, data/store.go), it reported damage that was not there, on that
// connection, until it was closed (TestVerifyAfterIndexMerge). So the check runs in one
// read transaction begun by a search, which reads the layout as of that transaction.
func (s *Store) integrityCheck(ctx context.Context) ([]string, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return nil, err
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
			// Never give the pool back a connection still inside a transaction.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	// A damaged index fails this search too: the check below says how.
	var n int64
	conn.QueryRowContext(ctx, `SELECT count(*) FROM cases_fts WHERE cases_fts MATCH 'a'`).Scan(&n)
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var damage []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			return nil, err
		}
		if msg != "ok" {
			damage = append(damage, msg)
		}
	}
	return damage, rows.Err()
}
