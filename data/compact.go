package data

import (
	"database/sql"
	"strings"
)

// compactVersion is the register format from which the audit trail's changes are kept
// compressed (migration 0013).
func compactVersion() int {
	for i, n := range migrationNames {
		if strings.HasPrefix(n, "0013") {
			return i + 1
		}
	}
	return len(migrationNames) + 1
}

// compactSlice is how many entries the upgrade converts per statement round: a large
// register is never read into memory at once, and progress is told after each.
const compactSlice = 5000

// compactAudit converts the audit trail of an older register to the compact form: each
// entry's changes text, and what each received operation set, compressed where that
// pays (packChanges), and nothing else touched. Every converted value is decoded again
// and compared with the text it was, so the upgrade can never change what the hash
// chain or an operation's signature covers; a value that would not come back byte for
// byte is left as text. It runs inside the migration's transaction: a register is
// converted whole or not at all (the copy kept before the upgrade is the way back).
// The guard that keeps the trail append-only is lifted by the migration's SQL and put
// back here.
func compactAudit(tx *sql.Tx, progress Progress) error {
	var entries, ops int64
	if err := tx.QueryRow(`SELECT (SELECT count(*) FROM audit WHERE typeof(changes) = 'text'),
		(SELECT count(*) FROM ops WHERE typeof(fields) = 'text')`).Scan(&entries, &ops); err != nil {
		return err
	}
	total := entries + ops
	tell := func(done int64) {
		if progress != nil && total > 0 { // an empty register has nothing to tell
			progress(done, total)
		}
	}
	tell(0)
	// The audit in seq order, the operations in (origin, seq) order: each slice starts
	// after the last row of the one before, so every slice is one index range.
	var seq int64
	var n int64
	for {
		last, k, err := compactSliceOf(tx, `SELECT seq, changes FROM audit WHERE seq > ? AND typeof(changes) = 'text' ORDER BY seq LIMIT ?`,
			`UPDATE audit SET changes = ? WHERE seq = ?`, seq)
		if err != nil {
			return err
		}
		if k == 0 {
			break
		}
		seq, n = last[0].(int64), n+int64(k)
		tell(n)
	}
	origin, seq := "", int64(0)
	for {
		last, k, err := compactSliceOf(tx, `SELECT origin, seq, fields FROM ops WHERE (origin = ? AND seq > ? OR origin > ?) AND typeof(fields) = 'text' ORDER BY origin, seq LIMIT ?`,
			`UPDATE ops SET fields = ? WHERE origin = ? AND seq = ?`, origin, seq, origin)
		if err != nil {
			return err
		}
		if k == 0 {
			break
		}
		origin, seq, n = last[0].(string), last[1].(int64), n+int64(k)
		tell(n)
	}
	_, err := tx.Exec(auditGuard)
	return err
}

// compactSliceOf compresses the text column of at most compactSlice rows: read takes
// the arguments after (where the slice starts) and compactSlice, and gives each row's
// key columns and then the text; write stores the compressed value by those keys. It
// returns the last row's key and how many rows it looked at.
func compactSliceOf(tx *sql.Tx, read, write string, after ...any) ([]any, int, error) {
	rows, err := tx.Query(read, append(after, compactSlice)...)
	if err != nil {
		return nil, 0, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, 0, err
	}
	var batch [][]any
	for rows.Next() {
		r := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, 0, err
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(batch) == 0 {
		return nil, 0, err
	}
	upd, err := tx.Prepare(write)
	if err != nil {
		return nil, 0, err
	}
	defer upd.Close()
	for _, r := range batch {
		text, _ := unpackChanges(r[len(r)-1]) // a TEXT value: itself
		kept, ok := packChanges(text).([]byte)
		if !ok {
			continue
		}
		if back, err := unpackChanges(kept); err != nil || back != text {
			continue
		}
		if _, err := upd.Exec(append([]any{kept}, r[:len(r)-1]...)...); err != nil {
			return nil, 0, err
		}
	}
	return batch[len(batch)-1][:len(cols)-1], len(batch), nil
}
