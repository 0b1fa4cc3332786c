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

// compactAudit converts the audit trail of an older register to the compact form:
// each entry's changes text compressed where that pays (packChanges), and nothing else
// touched. Every converted entry is decoded again and compared with the text it was, so
// the upgrade can never change what the hash chain covers; an entry that would not come
// back byte for byte is left as text. It runs inside the migration's transaction: a
// register is converted whole or not at all (the copy kept before the upgrade is the
// way back). The guard that keeps the trail append-only is lifted by the migration's
// SQL and put back here.
func compactAudit(tx *sql.Tx, progress Progress) error {
	var total int64
	if err := tx.QueryRow(`SELECT count(*) FROM audit WHERE typeof(changes) = 'text'`).Scan(&total); err != nil {
		return err
	}
	upd, err := tx.Prepare(`UPDATE audit SET changes = ? WHERE seq = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	var done int64
	after := int64(-1 << 62)
	if progress != nil {
		progress(0, total)
	}
	for {
		rows, err := tx.Query(`SELECT seq, changes FROM audit WHERE seq > ? AND typeof(changes) = 'text' ORDER BY seq LIMIT ?`, after, compactSlice)
		if err != nil {
			return err
		}
		type entry struct {
			seq  int64
			text string
		}
		var batch []entry
		for rows.Next() {
			var e entry
			if err := rows.Scan(&e.seq, &e.text); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			after = e.seq
			kept, ok := packChanges(e.text).([]byte)
			if !ok {
				continue
			}
			if back, err := unpackChanges(kept); err != nil || back != e.text {
				continue
			}
			if _, err := upd.Exec(kept, e.seq); err != nil {
				return err
			}
		}
		done += int64(len(batch))
		if progress != nil {
			progress(done, total)
		}
	}
	_, err = tx.Exec(auditGuard)
	return err
}
