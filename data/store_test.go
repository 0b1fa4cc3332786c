package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// stepClock is a test clock that stays where it is put.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func rome(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Rome)
	if err != nil {
		panic(err)
	}
	return t
}

var bz = Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"}

func testStore(t *testing.T, now string) (*Store, *stepClock) {
	t.Helper()
	clock := &stepClock{t: rome(now)}
	s, err := Create(filepath.Join(t.TempDir(), "register.ascolto"), bz, Options{Clock: clock, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

func mustCreate(t *testing.T, s *Store, nc NewCase) *Case {
	t.Helper()
	if nc.Kind == "" {
		nc.Kind = KindRequest
	}
	if nc.Channel == "" {
		nc.Channel = ChannelCounter
	}
	if nc.Subject == "" {
		nc.Subject = "Richiesta di informazioni"
	}
	c, err := s.Create(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantProblem(t *testing.T, err error, key string) {
	t.Helper()
	p, ok := AsProblem(err)
	if !ok || p.Key != key {
		t.Fatalf("want problem %s, got %v", key, err)
	}
}

func TestNumbersPerOfficeAndYear(t *testing.T) {
	s, clock := testStore(t, "2026-12-30 10:00")
	ctx := context.Background()
	if err := s.PutOffice(Office{Code: "EGNA", NameIT: "Egna", NameDE: "Neumarkt"}); err != nil {
		t.Fatal(err)
	}
	a := mustCreate(t, s, NewCase{})
	b := mustCreate(t, s, NewCase{})
	e := mustCreate(t, s, NewCase{Office: "EGNA"})
	clock.Set(rome("2027-01-04 09:00"))
	n := mustCreate(t, s, NewCase{})
	// A case registered here for another office takes this office's number: offices
	// number only from their own counters, so two offices never give the same one.
	got := []string{a.Number, b.Number, e.Number, e.Office, n.Number}
	want := []string{"BZ-2026-000001", "BZ-2026-000002", "BZ-2026-000003", "EGNA", "BZ-2027-000001"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("numbers %v, want %v", got, want)
	}
	// A failed transaction gives its number back: no gap.
	err := s.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Create(NewCase{Kind: KindRequest, Channel: ChannelEmail, Subject: "x"}); err != nil {
			return err
		}
		return fmt.Errorf("the clerk's machine fails here")
	})
	if err == nil {
		t.Fatal("want the failure back")
	}
	if c := mustCreate(t, s, NewCase{}); c.Number != "BZ-2027-000002" {
		t.Fatalf("after a failed save got %s, want BZ-2027-000002", c.Number)
	}
	_, err = s.Create(ctx, NewCase{Office: "NOPE", Kind: KindRequest, Channel: ChannelEmail, Subject: "x"})
	wantProblem(t, err, "err.unknown_office")
}

// TestCrashMidSaveLeavesNoGap kills a real process in the middle of a save (the case row,
// its number, audit entry and operation written, not committed) and checks that the
// register is intact and the next number follows the last committed one.
func TestCrashMidSaveLeavesNoGap(t *testing.T) {
	if os.Getenv("ASCOLTO_CRASH_CHILD") != "" {
		s, err := Open(os.Getenv("ASCOLTO_CRASH_CHILD"), Options{Actor: "child"})
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(3)
		}
		s.Update(context.Background(), func(tx *Tx) error {
			if _, err := tx.Create(NewCase{Kind: KindComplaint, Channel: ChannelEmail, Subject: "never saved"}); err != nil {
				fmt.Println("create:", err)
				os.Exit(3)
			}
			fmt.Println("in the middle")
			os.Stdout.Sync()
			time.Sleep(time.Hour)
			return nil
		})
		os.Exit(0)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "register.ascolto")
	s, err := Create(path, bz, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	first := mustCreate(t, s, NewCase{})
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidSaveLeavesNoGap$")
	cmd.Env = append(os.Environ(), "ASCOLTO_CRASH_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if !strings.Contains(string(buf[:n]), "in the middle") {
		cmd.Process.Kill()
		t.Fatalf("child said %q", buf[:n])
	}
	cmd.Process.Kill() // SIGKILL: no deferred cleanup, no rollback by the program
	cmd.Wait()

	s, err = Open(path, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next := mustCreate(t, s, NewCase{})
	year := time.Now().In(Rome).Year()
	if first.Number != FormatNumber("BZ", year, 1) || next.Number != FormatNumber("BZ", year, 2) {
		t.Fatalf("numbers %s then %s: a gap or reuse", first.Number, next.Number)
	}
	rep, err := s.Verify(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("verify after crash: %v %+v", err, rep)
	}
}

func TestTransitions(t *testing.T) {
	// Every pair of statuses: allowed exactly where the table says.
	allowed := map[[2]Status]bool{
		{StatusReceived, StatusInProgress}: true, {StatusReceived, StatusWaiting}: true, {StatusReceived, StatusAnswered}: true,
		{StatusInProgress, StatusWaiting}: true, {StatusInProgress, StatusAnswered}: true,
		{StatusWaiting, StatusInProgress}: true, {StatusWaiting, StatusAnswered}: true,
		{StatusAnswered, StatusClosed}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			if got := CanMove(from, to); got != allowed[[2]Status{from, to}] {
				t.Errorf("CanMove(%s, %s) = %v", from, to, got)
			}
		}
	}
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	c := mustCreate(t, s, NewCase{})
	_, err := s.CloseCase(ctx, c.Number, time.Time{})
	wantProblem(t, err, "err.close_unanswered")
	_, err = s.SetStatus(ctx, c.Number, StatusAnswered, time.Time{}, "")
	wantProblem(t, err, "err.use_reply")
	_, err = s.SetStatus(ctx, c.Number, "lost", time.Time{}, "")
	wantProblem(t, err, "err.status")
	if _, err := s.SetStatus(ctx, c.Number, StatusInProgress, time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	_, err = s.SetStatus(ctx, c.Number, StatusReceived, time.Time{}, "")
	wantProblem(t, err, "err.transition")
	_, err = s.Reply(ctx, c.Number, "Gentile signora, ...", "", time.Time{})
	wantProblem(t, err, "err.reply_language") // neither given nor known from the citizen
	if _, err := s.Reply(ctx, c.Number, "Gentile signora, ...", Italian, time.Time{}); err != nil {
		t.Fatal(err)
	}
	done, err := s.CloseCase(ctx, c.Number, time.Time{})
	if err != nil || done.Status != StatusClosed || done.ClosedAt == nil {
		t.Fatal(done, err)
	}
	_, err = s.SetStatus(ctx, c.Number, StatusInProgress, time.Time{}, "")
	wantProblem(t, err, "err.transition")
}

func TestDeadlineWaitingAndOverdue(t *testing.T) {
	// Thursday 2026-11-26: day one is Friday 27, then Monday 30, Tuesday 1 December.
	s, clock := testStore(t, "2026-11-26 16:30")
	ctx := context.Background()
	c := mustCreate(t, s, NewCase{Citizen: Citizen{Name: "Maria Pichler", Language: German}})
	if c.DueDate != "2026-12-01" || c.DeadlineDays != 3 {
		t.Fatalf("due %s (%d days)", c.DueDate, c.DeadlineDays)
	}
	// Waiting from Friday 27 to Wednesday 2 December: Mon 30, Tue 1, Wed 2 = 3 working days.
	clock.Set(rome("2026-11-27 10:00"))
	if _, err := s.SetStatus(ctx, c.Number, StatusWaiting, time.Time{}, "documenti mancanti"); err != nil {
		t.Fatal(err)
	}
	clock.Set(rome("2026-12-03 10:00")) // past the first due date, but the clock is stopped
	w, _ := s.Get(ctx, c.Number)
	if w.Overdue {
		t.Fatal("a waiting case is not overdue")
	}
	r, err := s.SetStatus(ctx, c.Number, StatusInProgress, rome("2026-12-02 11:00"), "")
	if err != nil {
		t.Fatal(err)
	}
	// 3 + 3 working days after Thursday 26: Fri 27, Mon 30, Tue 1, Wed 2, Thu 3, Fri 4.
	if r.WaitedDays != 3 || r.DueDate != "2026-12-04" {
		t.Fatalf("waited %d, due %s", r.WaitedDays, r.DueDate)
	}
	clock.Set(rome("2026-12-04 23:59"))
	if g, _ := s.Get(ctx, c.Number); g.Overdue {
		t.Fatal("overdue only after the whole due date")
	}
	clock.Set(rome("2026-12-05 00:01"))
	if g, _ := s.Get(ctx, c.Number); !g.Overdue {
		t.Fatal("want overdue the day after the due date")
	}
	n, _ := s.Count(ctx, Filter{Overdue: true})
	if n != 1 {
		t.Fatalf("overdue count %d", n)
	}
	// Rules per office and kind apply to cases received afterwards.
	if err := s.Update(ctx, func(tx *Tx) error { return tx.SetDeadlineDays("BZ", KindComplaint, 5) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.AddClosure("BZ", "2026-12-09", "inventario") }); err != nil {
		t.Fatal(err)
	}
	clock.Set(rome("2026-12-04 12:00"))
	k := mustCreate(t, s, NewCase{Kind: KindComplaint})
	// Fri 4: Mon 7, (8 Immacolata), (9 closure), Thu 10, Fri 11, Mon 14, Tue 15.
	if k.DueDate != "2026-12-15" || k.DeadlineDays != 5 {
		t.Fatalf("complaint due %s (%d days)", k.DueDate, k.DeadlineDays)
	}
	if g, _ := s.Get(ctx, c.Number); g.DueDate != "2026-12-04" {
		t.Fatal("old deadlines must not move with new rules")
	}
	err = s.Update(ctx, func(tx *Tx) error { return tx.SetDeadlineDays("BZ", "", 0) })
	wantProblem(t, err, "err.deadline_days")
}

func TestBadInputChangesNothing(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	ok := mustCreate(t, s, NewCase{})
	cases := []struct {
		name string
		nc   NewCase
		key  string
	}{
		{"unknown kind", NewCase{Kind: "wish", Channel: ChannelEmail, Subject: "x"}, "err.kind"},
		{"unknown channel", NewCase{Kind: KindRequest, Channel: "fax", Subject: "x"}, "err.channel"},
		{"empty subject", NewCase{Kind: KindRequest, Channel: ChannelEmail, Subject: "  "}, "err.subject_empty"},
		{"invalid e-mail", NewCase{Kind: KindRequest, Channel: ChannelEmail, Subject: "x", Citizen: Citizen{Email: "anna@"}}, "err.email"},
		{"e-mail without domain", NewCase{Kind: KindRequest, Channel: ChannelEmail, Subject: "x", Citizen: Citizen{Email: "anna@localhost"}}, "err.email"},
		{"language", NewCase{Kind: KindRequest, Channel: ChannelEmail, Subject: "x", Citizen: Citizen{Language: "fr"}}, "err.language"},
		{"future", NewCase{Kind: KindRequest, Channel: ChannelEmail, Subject: "x", ReceivedAt: rome("2027-01-01 10:00")}, "err.future"},
		{"ancient", NewCase{Kind: KindRequest, Channel: ChannelEmail, Subject: "x", ReceivedAt: rome("1900-01-01 10:00")}, "err.date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Create(ctx, tc.nc)
			wantProblem(t, err, tc.key)
		})
	}
	_, err := s.Assign(ctx, "BZ-2026-999999", "anna")
	wantProblem(t, err, "err.unknown_ref")
	_, err = s.Reply(ctx, ok.Number, "risposta", Italian, rome("2026-11-20 09:00"))
	wantProblem(t, err, "err.before_receipt")
	n, _ := s.Count(ctx, Filter{})
	var audits, ops int
	s.db.QueryRow(`SELECT count(*) FROM audit`).Scan(&audits)
	s.db.QueryRow(`SELECT count(*) FROM ops`).Scan(&ops)
	if n != 1 || audits != 1 || ops != 1 {
		t.Fatalf("bad input wrote something: %d cases, %d audit entries, %d operations", n, audits, ops)
	}
	if c := mustCreate(t, s, NewCase{}); c.Number != "BZ-2026-000002" {
		t.Fatalf("refused input used a number: %s", c.Number)
	}
}

func TestOpenRefusesWhatIsNotARegister(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a database at all, just a clerk's notes"), 0o644)
	_, err := Open(text, Options{})
	wantProblem(t, err, "err.not_register")

	other := filepath.Join(dir, "other.db")
	db, _ := sql.Open("sqlite", other)
	db.Exec(`CREATE TABLE t(x)`)
	db.Close()
	before, _ := os.ReadFile(other)
	_, err = Open(other, Options{})
	wantProblem(t, err, "err.not_register")
	after, _ := os.ReadFile(other)
	if string(before) != string(after) {
		t.Fatal("another program's database was changed")
	}

	_, err = Open(filepath.Join(dir, "missing.ascolto"), Options{})
	wantProblem(t, err, "err.no_register")

	s, _ := testStore(t, "2026-11-23 09:00")
	path := s.Path()
	s.Close()
	db, _ = sql.Open("sqlite", path)
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(path, Options{})
	wantProblem(t, err, "err.too_new")

	_, err = Create(path, bz, Options{})
	wantProblem(t, err, "err.exists")
	_, err = Create(filepath.Join(dir, "x.ascolto"), Office{Code: "bz", NameIT: "a", NameDE: "b"}, Options{})
	wantProblem(t, err, "err.office_code")
}

func TestAuditChainDetectsTampering(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	var last *Case
	for i := 0; i < 5; i++ {
		last = mustCreate(t, s, NewCase{Citizen: Citizen{Name: fmt.Sprintf("Citizen %d", i), Language: Italian}})
	}
	if _, err := s.Reply(ctx, last.Number, "Risposta", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Verify(ctx)
	if err != nil || !rep.OK() || rep.AuditEntries != 6 || rep.Operations != 6 {
		t.Fatalf("clean register: %v %+v", err, rep)
	}
	h, _ := s.History(ctx, last.ID)
	if len(h) != 2 || h[1].Action != "reply" {
		t.Fatalf("history %+v", h)
	}
	found := false
	for _, c := range h[1].ChangeList() {
		if c.Field == "status" && c.Old == "received" && c.New == "answered" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the reply's audit entry lacks old → new status: %s", h[1].Changes)
	}
	// The triggers refuse edits through SQL.
	if _, err := s.db.Exec(`UPDATE audit SET actor = 'someone' WHERE seq = 2`); err == nil {
		t.Fatal("audit update allowed")
	}
	if _, err := s.db.Exec(`DELETE FROM audit WHERE seq = 2`); err == nil {
		t.Fatal("audit delete allowed")
	}
	tamper := []struct {
		name, sql, key string
	}{
		{"edit", `UPDATE audit SET actor = 'someone' WHERE seq = 2`, "verify.audit_hash"},
		{"delete middle", `DELETE FROM audit WHERE seq = 3`, "verify.audit_gap"},
		{"delete last", `DELETE FROM audit WHERE seq = 6`, "verify.audit_missing"},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			cp := filepath.Join(t.TempDir(), "copy.ascolto")
			if err := s.Backup(ctx, cp); err != nil {
				t.Fatal(err)
			}
			db, _ := sql.Open("sqlite", cp)
			db.Exec(`DROP TRIGGER audit_no_update`)
			if tc.name == "edit" {
				var h []byte
				db.QueryRow(`SELECT hash FROM audit WHERE seq = 2`).Scan(&h)
				if len(h) != 32 {
					t.Fatalf("hash stored as %d bytes", len(h))
				}
			}
			db.Exec(`DROP TRIGGER audit_no_delete`)
			if _, err := db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			c, err := Open(cp, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			rep, err := c.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			keys := ""
			for _, f := range rep.Findings {
				keys += f.Key + " "
			}
			if !strings.Contains(keys, tc.key) {
				t.Fatalf("tampering (%s) not found: %s", tc.name, keys)
			}
		})
	}
}

func TestChangeLogOperations(t *testing.T) {
	s, clock := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	c := mustCreate(t, s, NewCase{})
	if _, err := s.Assign(ctx, c.Number, "Lukas"); err != nil {
		t.Fatal(err)
	}
	clock.Set(rome("2026-11-23 08:00")) // the wall clock steps back: the HLC must not
	if _, err := s.Assign(ctx, c.Number, "Giulia"); err != nil {
		t.Fatal(err)
	}
	ops, err := s.Operations(ctx, "BZ", 0, 100)
	if err != nil || len(ops) != 3 {
		t.Fatalf("%d operations, %v", len(ops), err)
	}
	for i, op := range ops {
		if op.Origin != "BZ" || op.Seq != int64(i+1) || op.BaseVersion != int64(i) || op.CaseID != c.ID || (i > 0 && !ops[i-1].HLC.Less(op.HLC)) {
			t.Fatalf("op %d: %+v", i, op)
		}
	}
	if ops[0].Fields["subject"] != c.Subject || ops[0].Fields["number"] != c.Number || ops[0].Action != "create" {
		t.Fatalf("create op %+v", ops[0])
	}
	if len(ops[2].Fields) != 1 || ops[2].Fields["assignee"] != "Giulia" {
		t.Fatalf("assign op %+v", ops[2])
	}
	if hw, _ := s.HighWater(ctx, "BZ"); hw != 3 {
		t.Fatalf("high-water %d", hw)
	}
	if rest, _ := s.Operations(ctx, "BZ", 2, 100); len(rest) != 1 || rest[0].Seq != 3 {
		t.Fatalf("after 2: %+v", rest)
	}
}

func TestAttachments(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	c := mustCreate(t, s, NewCase{})
	content := []byte("Sehr geehrte Damen und Herren, anbei mein Lebenslauf.")
	a, err := s.Attach(ctx, c.Number, "lebenslauf.txt", "text/plain", content)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := s.Attachments(ctx, c.ID)
	back, _ := s.AttachmentContent(ctx, a.SHA256)
	sum := sha256.Sum256(content)
	if len(list) != 1 || list[0].Size != int64(len(content)) || string(back) != string(content) ||
		list[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("attachment %+v", list)
	}
	_, err = s.Attach(ctx, c.Number, "../etc/passwd", "", content)
	wantProblem(t, err, "err.attachment_name")
	// A 0-byte file, as mail programs attach them, is kept as an empty file.
	empty, err := s.Attach(ctx, c.Number, "leer.txt", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := s.AttachmentContent(ctx, empty.SHA256); err != nil || len(back) != 0 || empty.Size != 0 {
		t.Fatalf("empty attachment: %q, %v", back, err)
	}
}

func TestEncodeChangesIsJSON(t *testing.T) {
	in := []FieldChange{{Field: "description", Old: "a \"quoted\"\\path\n\ttab\x01", New: "Müller – Nicolò €\u2028 ok"},
		{Field: "subject", Old: "", New: "bad \xff utf8"}}
	var back map[string][2]string
	if err := json.Unmarshal([]byte(encodeChanges(in)), &back); err != nil {
		t.Fatal(err, encodeChanges(in))
	}
	if back["description"] != [2]string{in[0].Old, in[0].New} || back["subject"][1] != "bad \uFFFD utf8" {
		t.Fatalf("%q", back)
	}
}

// TestConcurrentWritersShareTheNumbers: the window and ascoltoctl (two handles on one
// file) and several goroutines each save at once; every number is given exactly once,
// with no gap, and the audit chain stays whole.
func TestConcurrentWritersShareTheNumbers(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	other, err := Open(s.Path(), Options{Clock: &stepClock{t: rome("2026-11-23 09:00")}, Actor: "ctl"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]bool{}
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(st *Store) {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				c, err := st.Create(context.Background(), NewCase{Kind: KindReport, Channel: ChannelPhone, Subject: "Segnalazione"})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[c.Number] {
					t.Errorf("%s given twice", c.Number)
				}
				seen[c.Number] = true
				mu.Unlock()
			}
		}([]*Store{s, other}[w%2])
	}
	wg.Wait()
	for i := 1; i <= 90; i++ {
		if !seen[FormatNumber("BZ", 2026, int64(i))] {
			t.Fatalf("number %d missing", i)
		}
	}
	if rep, err := s.Verify(context.Background()); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

func TestSearch(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	a := mustCreate(t, s, NewCase{Subject: "Wartezeiten am Schalter", Citizen: Citizen{Name: "Jörg Müller", Email: "joerg.mueller@example.it"}})
	b := mustCreate(t, s, NewCase{Kind: KindComplaint, Subject: "Reclamo", Description: "Nicolò attende da un'ora", Category: "tempi di attesa"})
	c := mustCreate(t, s, NewCase{Subject: "Certificato", Citizen: Citizen{Name: "Anna Pichler", Language: Italian}})
	if _, err := s.Reply(ctx, c.Number, "Il certificato è pronto allo sportello", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	find := func(q string, f Filter) []string {
		f.Query = q
		res, err := s.Search(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res {
			out = append(out, r.Number)
		}
		n, err := s.Count(ctx, f)
		if err != nil || (f.Limit == 0 && n != len(out) && wholeNumberOr(q)) {
			t.Fatalf("count %d for %d results of %q", n, len(out), q)
		}
		return out
	}
	for q, want := range map[string]string{
		"muller": a.Number, "MÜLLER": a.Number, "wartezeit": a.Number, "joerg": a.Number, "nicolo": b.Number,
		"attesa": b.Number, "pronto sportello": c.Number, "pich": c.Number, c.Number: c.Number,
		strings.ToLower(strings.Replace(c.Number, "-000", "-", 1)): c.Number,
	} {
		if got := find(q, Filter{}); len(got) != 1 || got[0] != want {
			t.Errorf("search %q: %v, want %s", q, got, want)
		}
	}
	if got := find("wartezeit reclamo", Filter{}); len(got) != 0 {
		t.Errorf("every word must match: %v", got)
	}
	if got := find("m", Filter{}); len(got) != 3 {
		t.Errorf("a single letter does not filter: %v", got)
	}
	if got := find("a", Filter{Kinds: []Kind{KindComplaint}}); len(got) != 1 || got[0] != b.Number {
		t.Errorf("filters apply: %v", got)
	}
	if got := find("certificato", Filter{Statuses: []Status{StatusReceived}}); len(got) != 0 {
		t.Errorf("status filter: %v", got)
	}
	if got := find(`"NEAR(x) AND -*`, Filter{}); len(got) != 0 {
		t.Errorf("FTS syntax typed by a clerk must not break search: %v", got)
	}
	// The index follows corrections.
	if _, err := s.Edit(ctx, a.Number, Edit{Subject: ptr("Orari di apertura")}); err != nil {
		t.Fatal(err)
	}
	if got := find("wartezeit", Filter{}); len(got) != 0 {
		t.Errorf("old subject still found: %v", got)
	}
	if got := find("orari", Filter{}); len(got) != 1 {
		t.Errorf("new subject not found: %v", got)
	}
}

func wholeNumberOr(q string) bool { _, ok := wholeNumber(q); return !ok }

func ptr[T any](v T) *T { return &v }

// TestIdleMergeOfTheSearchIndex: saves leave one small index segment each (no merging in
// a clerk's save); the idle merge folds them, and search still finds everything.
func TestIdleMergeOfTheSearchIndex(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	for i := 0; i < 40; i++ {
		mustCreate(t, s, NewCase{Subject: fmt.Sprintf("Anfrage Nummer %d", i), Citizen: Citizen{Name: "Zoë Thöni"}})
	}
	rows := func() (n int) {
		s.db.QueryRow(`SELECT count(*) FROM cases_fts_data`).Scan(&n)
		return n
	}
	before := rows()
	steps := 0
	for s.mergeIndex(64) {
		if steps++; steps > 100 {
			t.Fatal("the merge never ends")
		}
	}
	if after := rows(); after >= before || steps == 0 {
		t.Fatalf("index rows %d → %d after %d merge steps", before, after, steps)
	}
	if n, _ := s.Count(context.Background(), Filter{Query: "thoni anfrage"}); n != 40 {
		t.Fatalf("search after merging finds %d of 40", n)
	}
}
