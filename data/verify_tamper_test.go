package data

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tamperRegister makes a small register of five cases worked on as clerks do, and
// returns its path, closed, with the numbers of its cases.
func tamperRegister(t *testing.T) (string, []string) {
	t.Helper()
	s, clock := testStore(t, "2026-11-02 09:00")
	ctx := context.Background()
	var numbers []string
	for i, who := range []string{"Maria Rossi", "Hans Gruber", "Anna Pichler", "Luca Bianchi", "Eva Mair"} {
		clock.Set(rome("2026-11-02 09:00").Add(time.Duration(i) * time.Hour))
		c := mustCreate(t, s, NewCase{Subject: "Richiesta " + who, Citizen: Citizen{Name: who}})
		numbers = append(numbers, c.Number)
		err := s.Update(ctx, func(tx *Tx) error {
			if _, err := tx.Assign(c.Number, "Paola"); err != nil {
				return err
			}
			if _, err := tx.Attach(c.Number, "domanda.txt", "text/plain", []byte("domanda di "+who)); err != nil {
				return err
			}
			_, err := tx.Reply(c.Number, "Gentile "+who+", la pratica è accolta.", Italian, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("untouched register: %v %v", err, findingKeys(rep))
	}
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, numbers
}

func findingKeys(r *VerifyReport) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Error())
	}
	return out
}

// rawSQL opens the register file a second time, as sqlite3 would, and runs fn on it.
func rawSQL(t *testing.T, path string, fn func(db *sql.DB)) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	fn(db)
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// unguard drops the triggers that keep the audit trail append-only; reguard puts them
// back with their very SQL, as a careful forger would.
func unguard(t *testing.T, db *sql.DB) {
	for name := range auditTriggers {
		mustExec(t, db, `DROP TRIGGER IF EXISTS `+name)
	}
}

func reguard(t *testing.T, db *sql.DB) {
	for _, q := range auditTriggers {
		mustExec(t, db, q)
	}
}

// rechain computes every entry's hash again, as anyone can: the algorithm is public and
// takes no key.
func rechain(t *testing.T, db *sql.DB) {
	rows, err := db.Query(`SELECT seq, at, actor, office, case_id, action, audit_changes(changes), note FROM audit ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var all []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Office, &e.CaseID, &e.Action, &e.Changes, &e.Note); err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	rows.Close()
	prev := ""
	for _, e := range all {
		e.PrevHash = prev
		sum := e.computeHash()
		mustExec(t, db, `UPDATE audit SET hash = ? WHERE seq = ?`, sum, e.Seq)
		prev = strings.ToLower(hexString(sum))
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func rebuildFTS(t *testing.T, db *sql.DB) {
	mustExec(t, db, `INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')`)
}

// setChange rewrites one field's new value in the audit entry of action on case number.
func setChange(t *testing.T, db *sql.DB, number, action, field, value, actor string) {
	var seq int64
	var changes string
	err := db.QueryRow(`SELECT a.seq, audit_changes(a.changes) FROM audit a JOIN cases c ON c.id = a.case_id WHERE c.number = ? AND a.action = ?
		ORDER BY a.seq DESC LIMIT 1`, number, action).Scan(&seq, &changes)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string][2]string
	if err := json.Unmarshal([]byte(changes), &m); err != nil {
		t.Fatal(err)
	}
	v := m[field]
	v[1] = value
	m[field] = v
	b, _ := json.Marshal(m)
	mustExec(t, db, `UPDATE audit SET changes = ?, actor = ? WHERE seq = ?`, string(b), actor, seq)
}

// TestVerifyFindsForgeries changes the register file with plain SQL, as someone with
// sqlite3 and the file could, in each way seen done, and wants verify to fail each one
// with a reason that names the case (or, where the case left no trace, the entries).
func TestVerifyFindsForgeries(t *testing.T) {
	cases := []struct {
		name string
		// forge changes the register; number is the case it names, victim its index.
		forge func(t *testing.T, db *sql.DB, numbers []string)
		key   string
		names func(numbers []string) string
	}{
		{"status", func(t *testing.T, db *sql.DB, n []string) {
			mustExec(t, db, `UPDATE cases SET status = 'closed', closed_at = '2026-11-02T12:00:00Z' WHERE number = ?`, n[1])
			rebuildFTS(t, db)
		}, "verify.case_changed", func(n []string) string { return n[1] }},
		{"assignee", func(t *testing.T, db *sql.DB, n []string) {
			mustExec(t, db, `UPDATE cases SET assignee = 'Mario' WHERE number = ?`, n[2])
			rebuildFTS(t, db)
		}, "verify.case_changed", func(n []string) string { return n[2] }},
		{"citizen name", func(t *testing.T, db *sql.DB, n []string) {
			mustExec(t, db, `UPDATE cases SET citizen_name = 'Mario Verdi' WHERE number = ?`, n[0])
			rebuildFTS(t, db)
		}, "verify.case_changed", func(n []string) string { return n[0] }},
		{"reply text", func(t *testing.T, db *sql.DB, n []string) {
			mustExec(t, db, `UPDATE cases SET reply_text = 'La pratica è respinta.' WHERE number = ?`, n[3])
			rebuildFTS(t, db)
		}, "verify.case_changed", func(n []string) string { return n[3] }},
		{"last entry removed with its operation", func(t *testing.T, db *sql.DB, n []string) {
			// The case is put back as it was before its last change, so that its row
			// and its remaining entries agree.
			var seq int64
			var caseID, changes string
			if err := db.QueryRow(`SELECT seq, case_id, audit_changes(changes) FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &caseID, &changes); err != nil {
				t.Fatal(err)
			}
			unguard(t, db)
			mustExec(t, db, `DELETE FROM audit WHERE seq = ?`, seq)
			mustExec(t, db, `DELETE FROM ops WHERE audit_seq = ?`, seq)
			mustExec(t, db, `UPDATE origins SET seq = (SELECT max(seq) FROM ops WHERE origin = origins.origin)`)
			var m map[string][2]string
			json.Unmarshal([]byte(changes), &m)
			for f, v := range m {
				if (f == "reply_at" || f == "answered_at" || f == "closed_at") && v[0] == "" {
					mustExec(t, db, `UPDATE cases SET `+f+` = NULL WHERE id = ?`, caseID)
					continue
				}
				if _, ok := fieldIndex[f]; ok {
					mustExec(t, db, `UPDATE cases SET `+f+` = ? WHERE id = ?`, v[0], caseID)
				}
			}
			mustExec(t, db, `UPDATE cases SET version = version - 1 WHERE id = ?`, caseID)
			rebuildFTS(t, db)
			reguard(t, db)
		}, "verify.audit_cut", nil},
		{"reply and its entry changed, chain computed again", func(t *testing.T, db *sql.DB, n []string) {
			unguard(t, db)
			mustExec(t, db, `UPDATE cases SET reply_text = 'La pratica è respinta.' WHERE number = ?`, n[2])
			setChange(t, db, n[2], "reply", "reply_text", "La pratica è respinta.", "Dirigente")
			rechain(t, db)
			rebuildFTS(t, db)
			reguard(t, db)
		}, "verify.audit_resealed", func(n []string) string { return n[2] }},
		{"chain computed again and signed with another key", func(t *testing.T, db *sql.DB, n []string) {
			unguard(t, db)
			mustExec(t, db, `UPDATE cases SET reply_text = 'La pratica è respinta.' WHERE number = ?`, n[2])
			setChange(t, db, n[2], "reply", "reply_text", "La pratica è respinta.", "Dirigente")
			rechain(t, db)
			_, other, _ := ed25519.GenerateKey(rand.Reader)
			var seq int64
			var head []byte
			db.QueryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &head)
			cp := signCheckpoint(other, seq, head, "2026-11-02T15:00:00Z")
			mustExec(t, db, `UPDATE audit_seal SET seq = ?, head = ?, at = ?, sig = ?`, cp.Seq, cp.Head, cp.At, cp.Sig)
			mustExec(t, db, `DELETE FROM audit_checkpoints`)
			rebuildFTS(t, db)
			reguard(t, db)
		}, "verify.seal_signature", nil},
		{"whole case removed and the rest renumbered", func(t *testing.T, db *sql.DB, n []string) {
			var id string
			if err := db.QueryRow(`SELECT id FROM cases WHERE number = ?`, n[2]).Scan(&id); err != nil {
				t.Fatal(err)
			}
			unguard(t, db)
			mustExec(t, db, `DELETE FROM ops WHERE case_id = ?`, id)
			mustExec(t, db, `DELETE FROM attachments WHERE case_id = ?`, id)
			mustExec(t, db, `DELETE FROM case_figures WHERE case_row = (SELECT rowid FROM cases WHERE id = ?)`, id)
			mustExec(t, db, `DELETE FROM cases WHERE id = ?`, id)
			// Close the hole in the trail: the entries after it move down, in order.
			rows, _ := db.Query(`SELECT seq FROM audit WHERE case_id = ? ORDER BY seq DESC`, id)
			var gone []int64
			for rows.Next() {
				var s int64
				rows.Scan(&s)
				gone = append(gone, s)
			}
			rows.Close()
			for _, s := range gone {
				mustExec(t, db, `DELETE FROM audit WHERE seq = ?`, s)
				mustExec(t, db, `UPDATE audit SET seq = seq - 1 WHERE seq > ?`, s)
				mustExec(t, db, `UPDATE ops SET audit_seq = audit_seq - 1 WHERE audit_seq > ?`, s)
			}
			rechain(t, db)
			rebuildFTS(t, db)
			reguard(t, db)
		}, "verify.number_missing", func(n []string) string { return n[2] }},
		{"append-only triggers dropped", func(t *testing.T, db *sql.DB, n []string) {
			unguard(t, db)
		}, "verify.trigger_missing", nil},
		{"append-only trigger replaced by one that lets changes through", func(t *testing.T, db *sql.DB, n []string) {
			mustExec(t, db, `DROP TRIGGER audit_no_delete`)
			mustExec(t, db, `CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit WHEN 0 BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END`)
		}, "verify.trigger_changed", nil},
		{"attachment swapped", func(t *testing.T, db *sql.DB, n []string) {
			mustExec(t, db, `INSERT INTO blobs(sha256, content) VALUES ('00', x'00')`)
			mustExec(t, db, `UPDATE attachments SET sha256 = '00' WHERE case_id = (SELECT id FROM cases WHERE number = ?)`, n[4])
		}, "verify.case_attachment", func(n []string) string { return n[4] }},
		{"key beside the register replaced", func(t *testing.T, db *sql.DB, n []string) {
			var file string
			db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file)
			if err := os.Remove(SealKeyPath(file)); err != nil {
				t.Fatal(err)
			}
			if _, err := createSealKey(SealKeyPath(file)); err != nil {
				t.Fatal(err)
			}
		}, "verify.key_replaced", nil},
		{"key named by the register replaced, chain signed with it", func(t *testing.T, db *sql.DB, n []string) {
			unguard(t, db)
			mustExec(t, db, `UPDATE cases SET reply_text = 'La pratica è respinta.' WHERE number = ?`, n[0])
			setChange(t, db, n[0], "reply", "reply_text", "La pratica è respinta.", "Dirigente")
			rechain(t, db)
			pub, other, _ := ed25519.GenerateKey(rand.Reader)
			var seq int64
			var head []byte
			db.QueryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &head)
			cp := signCheckpoint(other, seq, head, "2026-11-02T15:00:00Z")
			mustExec(t, db, `UPDATE audit_seal SET seq = ?, head = ?, at = ?, sig = ?`, cp.Seq, cp.Head, cp.At, cp.Sig)
			mustExec(t, db, `DELETE FROM audit_checkpoints`)
			mustExec(t, db, `UPDATE meta SET value = ? WHERE key = 'audit_public_key'`, hexString(pub))
			rebuildFTS(t, db)
			reguard(t, db)
		}, "verify.seal_signature", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, numbers := tamperRegister(t)
			rawSQL(t, path, func(db *sql.DB) { tc.forge(t, db, numbers) })
			forgetSealKeys()
			s, err := Open(path, Options{Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rep, err := s.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("the forged register passes verify")
			}
			var found *Finding
			for _, f := range rep.Findings {
				if f.Key == tc.key {
					found = f
					break
				}
			}
			if found == nil {
				t.Fatalf("no %s among %v", tc.key, findingKeys(rep))
			}
			if tc.names != nil {
				want := tc.names(numbers)
				named := false
				for _, v := range found.Args {
					named = named || strings.Contains(v, want)
				}
				if !named {
					t.Fatalf("%s does not name %s: %v", tc.key, want, found)
				}
			}
			checkTranslated(t, rep)
		})
	}
}

// checkTranslated wants every finding to have a text in each language.
func checkTranslated(t *testing.T, rep *VerifyReport) {
	t.Helper()
	for _, lang := range []string{"it", "de", "en"} {
		have := map[string]string{}
		for _, f := range []string{lang + ".json", "verify." + lang + ".json"} {
			b, err := os.ReadFile(filepath.Join("..", "translations", f))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for k, v := range m {
				have[k] = v
			}
		}
		for _, f := range rep.Findings {
			if have[f.Key] == "" {
				t.Errorf("%s: no %s text", f.Key, lang)
			}
		}
	}
}

// forgetSealKeys drops the keys read, as a new program start would.
func forgetSealKeys() {
	sealKeys.Lock()
	sealKeys.m = nil
	sealKeys.Unlock()
}

// TestSealKeyMadeAtFirstWrite: a register that never joined an exchange gets its key
// at its first change, private to its account, and its chain is signed with it.
func TestSealKeyMadeAtFirstWrite(t *testing.T) {
	s, _ := testStore(t, "2026-11-02 09:00")
	if _, err := os.Stat(SealKeyPath(s.Path())); !os.IsNotExist(err) {
		t.Fatalf("key before any change: %v", err)
	}
	mustCreate(t, s, NewCase{})
	st, err := os.Stat(SealKeyPath(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		t.Fatalf("key mode %v", st.Mode())
	}
	seal, err := s.Seal(context.Background())
	if err != nil || seal == nil || seal.Seq != 1 {
		t.Fatalf("seal %+v %v", seal, err)
	}
	pub, err := s.sealPublicKey()
	if err != nil || !seal.Valid(pub) {
		t.Fatalf("seal not signed by the key beside the register: %v", err)
	}
}

// TestWitnessCatchesRewriteWithKey: someone with the register and its key rewrites an
// entry, computes the chain again and signs it; the register's own checks pass, the head
// another office kept from before does not.
func TestWitnessCatchesRewriteWithKey(t *testing.T) {
	path, numbers := tamperRegister(t)
	forgetSealKeys()
	s, err := Open(path, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	seal, err := s.Seal(ctx)
	if err != nil || seal == nil {
		t.Fatalf("seal %v %v", seal, err)
	}
	witnessed := []Checkpoint{*seal}
	if found, err := s.VerifyWitnesses(ctx, witnessed); err != nil || len(found) != 0 {
		t.Fatalf("untouched register against its witness: %v %v", found, err)
	}
	s.Close()

	key, err := readSealKey(SealKeyPath(path))
	if err != nil {
		t.Fatal(err)
	}
	rawSQL(t, path, func(db *sql.DB) {
		unguard(t, db)
		mustExec(t, db, `UPDATE cases SET reply_text = 'La pratica è respinta.' WHERE number = ?`, numbers[1])
		setChange(t, db, numbers[1], "reply", "reply_text", "La pratica è respinta.", "Dirigente")
		rechain(t, db)
		mustExec(t, db, `DELETE FROM audit_checkpoints`)
		var seq int64
		var head []byte
		db.QueryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &head)
		cp := signCheckpoint(key, seq, head, seal.At)
		mustExec(t, db, `UPDATE audit_seal SET seq = ?, head = ?, at = ?, sig = ?`, cp.Seq, cp.Head, cp.At, cp.Sig)
		mustExec(t, db, `INSERT INTO audit_checkpoints(seq, head, at, sig) VALUES (?, ?, ?, ?)`, cp.Seq, cp.Head, cp.At, cp.Sig)
		rebuildFTS(t, db)
		reguard(t, db)
	})
	forgetSealKeys()
	s, err = Open(path, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("with the key the rewrite passes the register's own checks, as documented: %v %v", err, findingKeys(rep))
	}
	found, err := s.VerifyWitnesses(ctx, witnessed)
	if err != nil || len(found) != 1 || found[0].Key != "verify.witness_mismatch" {
		t.Fatalf("witness against the rewritten chain: %v %v", found, err)
	}
	// A witness not signed with this office's key proves nothing and is said so.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	foreign := signCheckpoint(other, seal.Seq, seal.Head, seal.At)
	if found, _ := s.VerifyWitnesses(ctx, []Checkpoint{foreign}); len(found) != 1 || found[0].Key != "verify.witness_foreign" {
		t.Fatalf("foreign witness: %v", found)
	}
}

// FuzzCaseTrail feeds audit entries as a forged file could hold them to the replay:
// whatever the changes and numbers say, verify reports, never panics or runs away.
func FuzzCaseTrail(f *testing.F) {
	f.Add("create", `{"number":["","BZ-2026-000017"],"status":["","received"],"attachment":["","a|b.pdf|3|application/pdf|00"]}`, "BZ-2026-000017")
	f.Add("renumber", `{"number":["BZ-2026-000001","BZ-2026-000001-ME"]}`, "BZ-2026-000001-ME")
	f.Add("reply", `{"reply_text":["","Gentile signora"],"letter":["","x|BZ-2026-000001/1|it|10|ab|"]}`, "EGNA-2025-999999999")
	f.Add("create", `{"number":[1,2]}`, "-2026-000001")
	f.Add("edit", `[`, "BZ-0000-0")
	f.Fuzz(func(t *testing.T, action, changes, number string) {
		var nums numberBook
		tr := caseTrail{id: "x"}
		tr.add(action, changes, "ME", "BZ", &nums)
		nums.use(number, "BZ", "BZ")
		nums.use(number, "ME", "BZ")
		var found []string
		add := func(key string, kv ...string) { found = append(found, key) }
		tr.check(add, nil, false)
		tr.check(add, &Case{ID: "x", Number: number, Version: 1}, false)
		tr.checkSide(add, nil, "verify.case_attachment", "a", "a|b", tr.attachments, false)
		for _, book := range []map[counterKey][]uint64{nums.given, nums.held} {
			for k, bits := range book {
				if len(bits) > maxNumber/64+1 {
					t.Fatalf("%v: %d words kept", k, len(bits))
				}
			}
		}
		nums.check(map[counterKey]int64{{"BZ", 2026}: 3}, add)
	})
}

// TestCopyWithoutKeyChecksTheNamedKey: a copy of the register without the key file
// beside it (a backup) is checked with the key the register names, and says so.
func TestCopyWithoutKeyChecksTheNamedKey(t *testing.T) {
	path, _ := tamperRegister(t)
	key, err := readSealKey(SealKeyPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(SealKeyPath(path)); err != nil {
		t.Fatal(err)
	}
	forgetSealKeys()
	s, err := Open(path, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Verify(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("copy without key: %v %v", err, findingKeys(rep))
	}
	if rep.KeyFile || rep.KeyFingerprint != KeyFingerprint(key.Public().(ed25519.PublicKey)) || rep.SealedSeq == 0 {
		t.Fatalf("report %+v", rep)
	}
}
