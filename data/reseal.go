package data

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"time"
)

// migrationSteps are the parts of an upgrade that SQL alone cannot do, by the number of
// the migration file they belong to; each runs in that migration's transaction, after
// its SQL, and may tell progress (nil: nobody listens).
var migrationSteps = map[string]func(*sql.Tx, Progress) error{
	"0006": func(tx *sql.Tx, _ Progress) error { return reseal(tx) },
	"0013": compactAudit,
}

// auditGuard keeps the audit trail append-only. From version 6 one update is allowed:
// the redaction of an anonymised case's entry (data/privacy.go), which may change only
// the changes and the note, and only once its digests are kept in audit_redactions.
const auditGuard = `CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NEW.seq IS NOT OLD.seq OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor
  OR NEW.office IS NOT OLD.office OR NEW.case_id IS NOT OLD.case_id
  OR NEW.action IS NOT OLD.action OR NEW.hash IS NOT OLD.hash
  OR NOT EXISTS (SELECT 1 FROM audit_redactions r WHERE r.seq = OLD.seq)
  OR NOT EXISTS (SELECT 1 FROM anonymised_cases a WHERE a.case_id = OLD.case_id)
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END`

// reseal seals the audit trail of an older register again with the hash of version 6
// (over digests of the changes and the note). The old chain is checked on the way: an
// entry that fails it is recorded in audit_reseal_findings, so verify keeps reporting
// what it would have reported before; sealing again never hides a change.
func reseal(tx *sql.Tx) error {
	upd, err := tx.Prepare(`UPDATE audit SET hash = ? WHERE seq = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	now := formatTime(time.Now())
	var oldPrev, newPrev string
	after := int64(0)
	for {
		// In slices, so that a large register is not read into memory at once.
		rows, err := tx.Query(`SELECT seq, at, actor, office, case_id, action, audit_changes(changes), note, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT 10000`, after)
		if err != nil {
			return err
		}
		var batch []AuditEntry
		var sums [][]byte
		for rows.Next() {
			var e AuditEntry
			var sum []byte
			if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Office, &e.CaseID, &e.Action, &e.Changes, &e.Note, &sum); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, e)
			sums = append(sums, sum)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for i := range batch {
			e := &batch[i]
			e.PrevHash = oldPrev
			if !bytes.Equal(e.computeHashV1(), sums[i]) {
				if _, err := tx.Exec(`INSERT INTO audit_reseal_findings(seq, at) VALUES (?, ?) ON CONFLICT(seq) DO NOTHING`, e.Seq, now); err != nil {
					return err
				}
			}
			oldPrev = hex.EncodeToString(sums[i])
			e.PrevHash = newPrev
			sum := e.computeHash()
			if _, err := upd.Exec(sum, e.Seq); err != nil {
				return err
			}
			newPrev = hex.EncodeToString(sum)
			after = e.Seq
		}
	}
	_, err = tx.Exec(auditGuard)
	return err
}
