package data_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ascolto/data"
)

// privClock is a clock the privacy and quality tests move by hand.
type privClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *privClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *privClock) set(s string)   { c.mu.Lock(); c.t = romeTime(s); c.mu.Unlock() }

func romeTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, data.Rome)
	if err != nil {
		panic(err)
	}
	return t
}

func privRegister(t *testing.T, now string) (*data.Store, *privClock) {
	t.Helper()
	clock := &privClock{}
	clock.set(now)
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"),
		data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"},
		data.Options{Clock: clock, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

var mueller = data.Citizen{Name: "Jörg Müller", Email: "Joerg.Mueller@example.it", Phone: "+39 333 123 4567",
	Address: "Laubengasse 3, 39100 Bozen", Language: data.German}

// answeredCase makes a case of Jörg Müller received at received and answered at replied.
func answeredCase(t *testing.T, s *data.Store, clock *privClock, received, replied string, cit data.Citizen) *data.Case {
	t.Helper()
	ctx := context.Background()
	clock.set(received)
	c, err := s.Create(ctx, data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail, ReceivedAt: romeTime(received),
		Subject: "Beschwerde von Jörg Müller", Description: "Herr Müller wartete zwei Stunden.", Category: "tempi di attesa",
		Service: "Servizio lavoro", Citizen: cit})
	if err != nil {
		t.Fatal(err)
	}
	if replied != "" {
		clock.set(replied)
		if c, err = s.Reply(ctx, c.Number, "Sehr geehrter Herr Müller, wir entschuldigen uns.", "", romeTime(replied)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func wantKey(t *testing.T, err error, key string) {
	t.Helper()
	p, ok := data.AsProblem(err)
	if !ok || p.Key != key {
		t.Fatalf("want problem %s, got %v", key, err)
	}
}

// TestErasureRemovesPersonalDataOnly: the case keeps its statistical fields, the
// personal data is gone from the case, the search index and the files, the erasure's own
// audit entry does not repeat it, and the audit chain still verifies.
func TestErasureRemovesPersonalDataOnly(t *testing.T) {
	s, clock := privRegister(t, "2026-03-02 09:00")
	ctx := context.Background()
	c := answeredCase(t, s, clock, "2026-03-02 09:00", "2026-03-03 10:00", mueller)
	if _, err := s.Attach(ctx, c.Number, "lettera.pdf", "application/pdf", []byte("%PDF Jörg Müller")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSatisfaction(ctx, c.Number, 4); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Get(ctx, c.Number)
	open := answeredCase(t, s, clock, "2026-03-04 09:00", "", mueller)

	if _, err := s.Erase(ctx, []data.Ref{c.Number}, ""); err == nil {
		t.Fatal("an erasure without a note was accepted")
	}
	_, err := s.Erase(ctx, []data.Ref{c.Number, open.Number}, "richiesta prot. 2026/77")
	wantKey(t, err, "stats.erase_open")
	if got, _ := s.Get(ctx, c.Number); got.Citizen.Name != mueller.Name {
		t.Fatal("a refused erasure changed a case")
	}

	erased, err := s.Erase(ctx, []data.Ref{c.Number}, "richiesta prot. 2026/77")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, c.Number)
	if got.Citizen != (data.Citizen{Language: data.German}) || got.Subject != data.AnonymisedText || got.Description != "" ||
		got.Reply.Text != data.AnonymisedText || len(erased) != 1 {
		t.Errorf("personal data left: %+v", got)
	}
	// What the statistics need is all there.
	same := got.Number == before.Number && got.Kind == before.Kind && got.Channel == before.Channel && got.Status == before.Status &&
		got.ReceivedAt.Equal(before.ReceivedAt) && got.DueDate == before.DueDate && got.AnsweredAt.Equal(*before.AnsweredAt) &&
		got.Category == before.Category && got.Service == before.Service && got.Satisfaction == 4 && got.WaitedDays == before.WaitedDays &&
		got.Reply.Language == before.Reply.Language && got.Office == before.Office
	if !same {
		t.Errorf("statistical fields changed:\n%+v\n%+v", before, got)
	}
	if res, _ := s.Search(ctx, data.Filter{Query: "Müller"}); len(res) != 1 || res[0].Number != open.Number {
		t.Errorf("the search still finds the erased case: %d results", len(res))
	}
	if list, _ := s.Attachments(ctx, c.ID); len(list) != 0 {
		t.Errorf("files left: %+v", list)
	}
	var blobs int
	s.DB().QueryRow(`SELECT count(*) FROM blobs`).Scan(&blobs)
	if blobs != 0 {
		t.Errorf("%d file contents left", blobs)
	}
	h, _ := s.History(ctx, c.ID)
	last := h[len(h)-1]
	if last.Action != "erase" || last.Note == "" || strings.Contains(last.Changes, "Müller") || !strings.Contains(last.Changes, "citizen_name") {
		t.Errorf("erasure entry: %+v", last)
	}
	if reason, _, _ := s.Anonymised(ctx, c.ID); reason != data.ReasonErasure {
		t.Errorf("recorded reason %q", reason)
	}
	ops, _ := s.Operations(ctx, "BZ", 0, 100)
	if op := ops[len(ops)-1]; op.Action != "erase" || op.Fields["citizen_name"] != "" || op.CaseID != c.ID {
		t.Errorf("the change log does not carry the erasure: %+v", op)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Errorf("verify: %v %+v", err, rep.Findings)
	}
}

// TestRetentionRule: cases that ended more than N years ago are anonymised, the others
// not; the rule is a setting of the office, audited; 0 turns it off.
func TestRetentionRule(t *testing.T) {
	s, clock := privRegister(t, "2019-01-02 09:00")
	ctx := context.Background()
	if y, _ := s.RetentionYears(ctx); y != 5 {
		t.Errorf("default retention %d years", y)
	}
	old := answeredCase(t, s, clock, "2019-01-02 09:00", "2019-01-03 09:00", mueller) // answered 2019, never closed
	closedLate := answeredCase(t, s, clock, "2019-06-03 09:00", "2019-06-04 09:00", mueller)
	clock.set("2021-03-01 09:00")
	if _, err := s.CloseCase(ctx, closedLate.Number, romeTime("2021-03-01 09:00")); err != nil { // ended 2021
		t.Fatal(err)
	}
	recent := answeredCase(t, s, clock, "2023-05-02 09:00", "2023-05-03 09:00", mueller)
	unanswered := answeredCase(t, s, clock, "2018-05-02 09:00", "", mueller)
	_ = unanswered

	clock.set("2025-06-01 09:00") // cutoff 2020-06-01
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetRetentionYears(101) }); err == nil {
		t.Error("101 years accepted")
	}
	due, err := s.RetentionDue(ctx, 0)
	if err != nil || len(due) != 1 || due[0] != old.ID {
		t.Fatalf("due %v %v, want only %s", due, err, old.Number)
	}
	n, err := s.ApplyRetention(ctx)
	if err != nil || n != 1 {
		t.Fatalf("anonymised %d: %v", n, err)
	}
	if c, _ := s.Get(ctx, old.Number); c.Citizen.Name != "" {
		t.Error("the old case keeps its citizen")
	}
	for _, ref := range []string{closedLate.Number, recent.Number, unanswered.Number} {
		if c, _ := s.Get(ctx, ref); c.Citizen.Name != mueller.Name {
			t.Errorf("%s anonymised too early", ref)
		}
	}
	if n, _ := s.ApplyRetention(ctx); n != 0 {
		t.Errorf("a second run anonymised %d", n)
	}
	// Two years: the case closed in 2021 is due too; the audit trail records the change.
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetRetentionYears(2) }); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.ApplyRetention(ctx); n != 2 {
		t.Errorf("with two years %d anonymised, want 2 (closed 2021, answered 2023)", n)
	}
	h, _ := s.History(ctx, closedLate.ID)
	if h[len(h)-1].Action != "anonymise" || !strings.Contains(h[len(h)-1].Note, "2 years") {
		t.Errorf("retention entry %+v", h[len(h)-1])
	}
	var settings int
	s.DB().QueryRow(`SELECT count(*) FROM audit WHERE action = 'settings:BZ' AND audit_changes(changes) LIKE '%retention_years%'`).Scan(&settings)
	if settings != 1 {
		t.Errorf("%d audit entries for the retention setting", settings)
	}
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetRetentionYears(0) }); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.RetentionDue(ctx, 0); len(due) != 0 {
		t.Errorf("retention off, yet due: %v", due)
	}
	if rep, _ := s.Verify(ctx); !rep.OK() {
		t.Errorf("verify: %+v", rep.Findings)
	}
}

// TestSubjectAccess: a person's cases by e-mail, name (as typed) or phone; every detail
// given must match; the history comes with each case.
func TestSubjectAccess(t *testing.T) {
	s, clock := privRegister(t, "2026-03-02 09:00")
	ctx := context.Background()
	a := answeredCase(t, s, clock, "2026-03-02 09:00", "2026-03-03 09:00", mueller)
	b := answeredCase(t, s, clock, "2026-03-05 09:00", "", data.Citizen{Name: "Jörg Müller", Phone: "333 1234567", Language: data.German})
	answeredCase(t, s, clock, "2026-03-06 09:00", "", data.Citizen{Name: "Anna Müller", Email: "anna@example.it", Language: data.German})
	answeredCase(t, s, clock, "2026-03-09 09:00", "", data.Citizen{Name: "Jörg Müller", Email: "other@example.it", Language: data.German})

	numbers := func(p data.Subject) []string {
		t.Helper()
		cases, err := s.SubjectCases(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cases {
			out = append(out, c.Number)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		p    data.Subject
		want []string
	}{
		{"email, any case", data.Subject{Email: "joerg.mueller@EXAMPLE.it"}, []string{a.Number}},
		{"name and phone", data.Subject{Name: "jorg  muller", Phone: "+39 333 123 4567"}, []string{a.Number, b.Number}},
		{"name and the other's e-mail", data.Subject{Name: "Anna Müller", Email: "joerg.mueller@example.it"}, nil},
		{"phone alone", data.Subject{Phone: "3331234567"}, []string{a.Number, b.Number}},
		{"a number", data.Subject{Refs: []string{b.Number}}, []string{b.Number}},
	} {
		if got := numbers(tc.p); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := s.SubjectCases(ctx, data.Subject{}); err == nil {
		t.Error("an empty request was accepted")
	}
	rep, err := s.SubjectAccess(ctx, data.Subject{Email: mueller.Email})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Cases) != 1 || len(rep.Cases[0].History) != 2 || rep.Office.Code != "BZ" || rep.Cases[0].Case.Citizen.Phone != mueller.Phone {
		t.Errorf("report %+v", rep)
	}
}

// TestErasureLeavesNoTraceInTheFile: after an erasure the citizen's name, e-mail and
// address are nowhere in the register file (history, change log, letters, search index
// after its idle merge), the audit chain still verifies, and the trail stays closed to
// any other edit.
func TestErasureLeavesNoTraceInTheFile(t *testing.T) {
	s, clock := privRegister(t, "2026-03-02 09:00")
	ctx := context.Background()
	who := data.Citizen{Name: "Zenobia Quarzwald", Email: "zenobia.quarzwald@example.it", Phone: "+39 333 987 6543",
		Address: "Wangergasse 77, 39100 Bozen", Language: data.German}
	c := answeredCase(t, s, clock, "2026-03-02 09:00", "2026-03-03 10:00", who)
	desc := "Frau Quarzwald rief zweimal an."
	if _, err := s.Edit(ctx, c.Number, data.Edit{Description: &desc}); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx *data.Tx) error {
		_, err := tx.IssueLetter(c.Number, data.LetterRequest{Render: func(c *data.Case, l *data.Letter) ([]byte, error) {
			return []byte("%PDF-1.4 Sehr geehrte Frau Zenobia Quarzwald, Wangergasse 77"), nil
		}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Erase(ctx, []data.Ref{c.Number}, "Antrag 2026/91"); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after erasure: %v %+v", err, rep.Findings)
	}
	h, _ := s.History(ctx, c.ID)
	for _, e := range h {
		if strings.Contains(e.Changes+e.Note, "Quarzwald") {
			t.Errorf("history entry %d still names the citizen: %s %s", e.Seq, e.Changes, e.Note)
		}
	}
	ls, _ := s.Letters(ctx, c.ID)
	if len(ls) != 1 {
		t.Fatalf("%d letters", len(ls))
	}
	_, err = s.LetterPDF(ctx, ls[0])
	wantKey(t, err, "letter.err_anonymised")

	// Only the redaction may touch a past entry: an entry of a case not anonymised is
	// closed to edits, and a redacted entry edited otherwise fails verify.
	other := answeredCase(t, s, clock, "2026-03-04 09:00", "", mueller)
	if _, err := s.DB().Exec(`UPDATE audit SET note = 'x' WHERE case_id = ?`, other.ID); err == nil {
		t.Error("the trigger let an entry of the trail be edited")
	}
	if err := s.PurgeSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	dump := path + ".dump"
	if _, err := s.DB().Exec(`VACUUM INTO ?`, dump); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`UPDATE audit SET note = 'x' WHERE seq = (SELECT min(seq) FROM audit_redactions)`); err != nil {
		t.Fatal(err)
	}
	if rep, _ := s.Verify(ctx); rep.OK() {
		t.Error("verify missed an edited redacted entry")
	}
	s.Close()
	path = dump
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Quarzwald", "zenobia.quarzwald", "Wangergasse", "987 6543"} {
		if i := strings.Index(strings.ToLower(string(b)), strings.ToLower(w)); i >= 0 {
			t.Errorf("%q still in the register file at byte %d: %q", w, i, b[max(0, i-80):i+40])
		}
	}
}
