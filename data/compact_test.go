package data

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestChangesComeBackByteForByte(t *testing.T) {
	texts := []string{
		"", "{}", `{"assignee":["","Paola"]}`,
		encodeChanges([]FieldChange{{"subject", "", "Richiesta di accesso agli atti"}, {"citizen_name", "", "Müller Jürgen"},
			{"description", "", strings.Repeat("Ich möchte wissen, welche Kurse angeboten werden. ", 40)}, {"status", "", "received"}}),
		`{"x":["\u0000","` + strings.Repeat("é", 3000) + `"]}`,
		"not json at all, but text the hash covers all the same",
	}
	for _, text := range texts {
		kept := packChanges(text)
		back, err := unpackChanges(kept)
		if err != nil || back != text {
			t.Fatalf("%q came back as %q (%v)", text, back, err)
		}
		if b, ok := kept.([]byte); ok && len(b) >= len(text) {
			t.Fatalf("%q kept compressed in %d bytes, no shorter", text, len(b))
		}
	}
	// The long ones pay; the tiniest stays text (readable in the sqlite3 shell).
	if _, ok := packChanges(texts[3]).([]byte); !ok {
		t.Fatal("a create entry's changes are not compressed")
	}
	if _, ok := packChanges(texts[1]).(string); !ok {
		t.Fatal("{} kept compressed")
	}
	for _, bad := range [][]byte{{}, {0}, {2, 1, 2}, {changesDeflate, 0xff, 0xff, 0xff}, []byte("\x01garbage")} {
		if _, err := unpackChanges(bad); err == nil {
			t.Fatalf("%x decodes", bad)
		}
	}
	if _, err := unpackChanges(int64(3)); err == nil {
		t.Fatal("an integer decodes as changes")
	}
}

func TestInflatingIsBounded(t *testing.T) {
	big := strings.Repeat("a", changesLimit+10)
	kept, ok := packChanges(big).([]byte)
	if !ok {
		t.Fatal("not compressed")
	}
	if _, err := unpackChanges(kept); err == nil {
		t.Fatal("an entry larger than the limit decodes")
	}
}

// FuzzUnpackChanges: whatever a BLOB in the changes column holds (edited by hand, cut,
// damaged on disk), reading it ends with a text or an error, never a panic.
func FuzzUnpackChanges(f *testing.F) {
	for _, s := range []string{`{"status":["received","answered"]}`, `{"assignee":["","Paola"],"subject":["","Reclamo: risposta non ricevuta"]}`} {
		if b, ok := packChanges(s).([]byte); ok {
			f.Add(b)
		}
		f.Add([]byte(s))
	}
	f.Add([]byte{changesDeflate})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := unpackChanges(b)
		if err == nil && len(s) > changesLimit {
			t.Fatalf("%d bytes out of %d", len(s), len(b))
		}
	})
}

// TestEditedCompressedEntryFailsVerify: the compressed form is no place to hide an
// edit. A damaged BLOB, or a BLOB holding another text compressed as the program would,
// both fail the entry's hash.
func TestEditedCompressedEntryFailsVerify(t *testing.T) {
	for _, tc := range []struct {
		name  string
		forge func(kept []byte) []byte
	}{
		{"one byte flipped", func(k []byte) []byte {
			k = bytes.Clone(k)
			k[len(k)/2] ^= 0x20
			return k
		}},
		{"cut short", func(k []byte) []byte { return k[:len(k)-3] }},
		{"another text, compressed", func(k []byte) []byte {
			text, err := unpackChanges(k)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string][2]string
			if err := json.Unmarshal([]byte(text), &m); err != nil {
				t.Fatal(err)
			}
			m["subject"] = [2]string{"", "Richiesta ritirata"}
			b, _ := json.Marshal(m)
			return packChanges(string(b)).([]byte)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, _ := tamperRegister(t)
			var seq int64
			rawSQL(t, path, func(db *sql.DB) {
				var kept []byte
				if err := db.QueryRow(`SELECT seq, changes FROM audit WHERE action = 'create' AND typeof(changes) = 'blob' ORDER BY seq LIMIT 1 OFFSET 2`).Scan(&seq, &kept); err != nil {
					t.Fatal(err)
				}
				unguard(t, db)
				mustExec(t, db, `UPDATE audit SET changes = ? WHERE seq = ?`, tc.forge(kept), seq)
				reguard(t, db)
			})
			s, err := Open(path, Options{Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rep, err := s.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range rep.Findings {
				found = found || f.Key == "verify.audit_hash" && f.Args["seq"] == fmt.Sprint(seq)
			}
			if !found {
				t.Fatalf("entry %d edited, findings %v", seq, findingKeys(rep))
			}
		})
	}
}

// TestUpgradeCompactsAuditTrail makes a register whose entries are kept as text, as
// every program before format 13 wrote them, and opens it: the upgrade keeps a copy
// first, tells its progress, compresses the entries, and the register reads, verifies
// and exchanges exactly as before.
func TestUpgradeCompactsAuditTrail(t *testing.T) {
	path, numbers := tamperRegister(t)
	ctx := context.Background()
	before, err := Open(path, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Anonymise(ctx, numbers[4], "retention", ""); err != nil {
		t.Fatal(err) // redacted entries too go through the upgrade
	}
	c, err := before.Get(ctx, numbers[1])
	if err != nil {
		t.Fatal(err)
	}
	history, err := before.History(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := before.Operations(ctx, "BZ", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	before.Close()
	// The register as the format before kept it: every entry's changes as text, and
	// the compacting migration not yet applied. It is moved last for the test, so that
	// the migrations after it (which it does not depend on) count as applied.
	compactLast(t)
	old := compactVersion() - 1
	var entries int64
	rawSQL(t, path, func(db *sql.DB) {
		asBeforeCompact(t, db)
		db.QueryRow(`SELECT count(*) FROM audit WHERE typeof(changes) = 'text'`).Scan(&entries)
	})
	if entries < 20 {
		t.Fatalf("%d entries as text", entries)
	}
	var told [][2]int64
	s, err := Open(path, Options{Actor: "test", Progress: func(done, total int64) { told = append(told, [2]int64{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := s.Migrated()
	if m == nil || m.From != old || m.To != SchemaVersion() {
		t.Fatalf("migration %v", m)
	}
	if _, err := os.Stat(m.Backup); err != nil {
		t.Fatalf("no copy before the upgrade: %v", err)
	}
	if len(told) < 2 || told[0] != [2]int64{0, entries} || told[len(told)-1] != [2]int64{entries, entries} {
		t.Fatalf("progress told %v for %d entries", told, entries)
	}
	var texts, blobs int64
	s.DB().QueryRow(`SELECT count(*) FILTER (WHERE typeof(changes) = 'text'), count(*) FILTER (WHERE typeof(changes) = 'blob') FROM audit`).Scan(&texts, &blobs)
	if blobs < entries/2 {
		t.Fatalf("%d of %d entries compressed", blobs, texts+blobs)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after the upgrade: %v %v", err, findingKeys(rep))
	}
	var partial int
	s.DB().QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name IN ('ops_case', 'ops_audit') AND sql LIKE '%WHERE fields IS%'`).Scan(&partial)
	if partial != 2 {
		t.Fatalf("%d of the change log's two partial indexes after the upgrade", partial)
	}
	h2, err := s.History(ctx, c.ID)
	if err != nil || !reflect.DeepEqual(h2, history) {
		t.Fatalf("history after the upgrade differs (%v)", err)
	}
	ops2, err := s.Operations(ctx, "BZ", 0, 1000)
	if err != nil || !reflect.DeepEqual(ops2, ops) {
		t.Fatalf("operations after the upgrade differ (%v)", err)
	}
	// The register goes on: a change after the upgrade chains on and verifies.
	if _, err := s.Assign(ctx, numbers[0], "Lukas"); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after a change: %v %v", err, findingKeys(rep))
	}
	// The guard is back: an entry cannot be changed.
	if _, err := s.DB().Exec(`UPDATE audit SET changes = '{}' WHERE seq = 1`); err == nil {
		t.Fatal("the audit trail can be edited after the upgrade")
	}
}

// compactLast orders the migrations as if the compacting one were the newest, until
// the test ends.
func compactLast(t *testing.T) {
	m, n := migrations, migrationNames
	t.Cleanup(func() { migrations, migrationNames = m, n })
	var mm, nn []string
	var cm, cn string
	for i := range n {
		if strings.HasPrefix(n[i], "0013") {
			cm, cn = m[i], n[i]
			continue
		}
		mm, nn = append(mm, m[i]), append(nn, n[i])
	}
	migrations, migrationNames = append(mm, cm), append(nn, cn)
}

// TestReceivedOperationsKeptCompressed: what an operation from another office set is
// kept compressed too, reads back as it was received, and an older register's received
// operations are converted by the upgrade.
func TestReceivedOperationsKeptCompressed(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart.Add(-3*time.Hour))
	c := mergeCase(t, a, "Sportello chiuso il martedì pomeriggio")
	a.update(t, func(tx *Tx) error {
		_, err := tx.Edit(c.Number, Edit{Description: ptr("Lo sportello di via Roma era chiuso martedì alle 15, l'orario esposto dice aperto fino alle 17.")})
		return err
	})
	if n := b.deliver(t, a.publish(t)); n != 2 {
		t.Fatalf("applied %d operations, want 2", n)
	}
	ctx := context.Background()
	var blobs int64
	b.s.DB().QueryRow(`SELECT count(*) FROM ops WHERE origin = 'BZ' AND typeof(fields) = 'blob'`).Scan(&blobs)
	if blobs == 0 {
		t.Fatal("received operations kept as text")
	}
	sent, err := a.s.Operations(ctx, "BZ", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.s.Operations(ctx, "BZ", 0, 100)
	if err != nil || !reflect.DeepEqual(got, sent) {
		t.Fatalf("received operations read back as\n%+v\nsent\n%+v (%v)", got, sent, err)
	}
	path := b.s.Path()
	b.s.Close()
	compactLast(t)
	rawSQL(t, path, func(db *sql.DB) {
		asBeforeCompact(t, db)
	})
	var total int64
	s, err := Open(path, Options{Actor: "test", Progress: func(_, n int64) { total = n }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var texts int64
	s.DB().QueryRow(`SELECT count(*) FROM ops WHERE origin = 'BZ' AND typeof(fields) = 'text'`).Scan(&texts)
	if texts != 0 || total < 4 {
		t.Fatalf("%d received operations left as text, progress over %d", texts, total)
	}
	got, err = s.Operations(ctx, "BZ", 0, 100)
	if err != nil || !reflect.DeepEqual(got, sent) {
		t.Fatalf("after the upgrade the received operations read\n%+v\nsent\n%+v (%v)", got, sent, err)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after the upgrade: %v %v", err, findingKeys(rep))
	}
}

// asBeforeCompact puts a register back into the shape the format before 0013 wrote:
// changes and fields as text, every operation indexed by its case, the version before.
func asBeforeCompact(t *testing.T, db *sql.DB) {
	mustExec(t, db, `DROP TRIGGER audit_no_update`)
	mustExec(t, db, `UPDATE audit SET changes = audit_changes(changes)`)
	mustExec(t, db, `UPDATE ops SET fields = audit_changes(fields)`)
	mustExec(t, db, auditGuard)
	mustExec(t, db, `DROP INDEX ops_audit`)
	mustExec(t, db, `DROP INDEX ops_case`)
	mustExec(t, db, `CREATE INDEX ops_case ON ops(case_id)`)
	mustExec(t, db, fmt.Sprintf(`PRAGMA user_version = %d`, compactVersion()-1))
}

// TestSQLFunctionGivesEachEntrysText: audit_changes in SQL, with entries repeated and
// interleaved as a query's LIKE and SELECT ask for them, gives each entry its own text.
func TestSQLFunctionGivesEachEntrysText(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var texts []string
	var kept []any
	for i := range 40 {
		s := fmt.Sprintf(`{"subject":["","Richiesta numero %d di accesso agli atti"],"status":["","received"]}`, i)
		texts = append(texts, s)
		kept = append(kept, packChanges(s))
	}
	for round := range 3 {
		for i := range texts {
			j := (i*7 + round) % len(texts)
			var got string
			var like bool
			if err := db.QueryRow(`SELECT audit_changes(?1), audit_changes(?1) LIKE '%numero ' || ?2 || ' di%'`, kept[j], j).Scan(&got, &like); err != nil {
				t.Fatal(err)
			}
			if got != texts[j] || !like {
				t.Fatalf("entry %d read as %q (like %v)", j, got, like)
			}
		}
	}
	var isNull bool
	if err := db.QueryRow(`SELECT audit_changes(NULL) IS NULL`).Scan(&isNull); err != nil || !isNull {
		t.Fatalf("NULL gives %v (%v)", isNull, err)
	}
	var broken string
	if err := db.QueryRow(`SELECT audit_changes(x'01ffff')`).Scan(&broken); err != nil || broken != "" {
		t.Fatalf("a damaged entry reads as %q (%v)", broken, err)
	}
}
