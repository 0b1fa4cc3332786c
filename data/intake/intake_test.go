package intake_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/intake"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var now = time.Date(2026, 6, 19, 11, 0, 0, 0, data.Rome)

var office = data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"}

func register(t testing.TB) (*data.Store, *clock) {
	t.Helper()
	c := &clock{t: now}
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), office, data.Options{Clock: c, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

// mailWith is a citizen's e-mail with the given Date and Message-ID headers ("" leaves
// a header out).
func mailWith(date, id string) []byte {
	var b strings.Builder
	b.WriteString("From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg.mueller@example.org>\r\n")
	b.WriteString("To: arbeitsvermittlung.bozen@provinz.bz.it\r\n")
	b.WriteString("Subject: Beschwerde: Wartezeiten am Schalter\r\n")
	if date != "" {
		b.WriteString("Date: " + date + "\r\n")
	}
	if id != "" {
		b.WriteString("Message-ID: " + id + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n")
	b.WriteString("Sehr geehrte Damen und Herren,\r\nich habe über zwei Stunden am Schalter gewartet.\r\nMit freundlichen Grüßen\r\nJörg Müller\r\n")
	return []byte(b.String())
}

var plain = mailWith("Tue, 16 Jun 2026 09:12:44 +0200", "<20260616091244.4711@example.org>")

func count(t testing.TB, s *data.Store) int {
	t.Helper()
	n, err := s.Count(context.Background(), data.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The time of receipt comes from the message; a message with no date, an unreadable
// one or one in the future is received now, and the clerk is told to confirm it.
func TestReadTimeOfReceipt(t *testing.T) {
	for _, tc := range []struct {
		name, date string
		want       time.Time
		guess      intake.DateGuess
		note       string
	}{
		{"dated", "Tue, 16 Jun 2026 09:12:44 +0200", time.Date(2026, 6, 16, 9, 12, 44, 0, data.Rome), "", ""},
		{"no date", "", now, intake.DateMissing, "intake.mail.date_missing"},
		{"in the future", "Tue, 23 Jun 2026 09:00:00 +0200", now, intake.DateFuture, "intake.mail.date_future"},
		{"a few minutes fast", "Fri, 19 Jun 2026 11:05:00 +0200", time.Date(2026, 6, 19, 11, 5, 0, 0, data.Rome), "", ""},
		{"before the register's time", "Mon, 16 Jun 1980 09:00:00 +0200", now, intake.DateUnreadable, "intake.mail.date_unreadable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := intake.Read("m.eml", mailWith(tc.date, "<a@example.org>"), now)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Received.Equal(tc.want) || m.Guess != tc.guess {
				t.Errorf("received %v guess %q, want %v %q", m.Received, m.Guess, tc.want, tc.guess)
			}
			note := m.DateNote()
			if (note == nil) != (tc.note == "") || note != nil && note.Key != tc.note {
				t.Errorf("note %v, want %q", note, tc.note)
			}
			if nc := m.Proposal(""); !nc.ReceivedAt.Equal(tc.want) || nc.Channel != data.ChannelEmail {
				t.Errorf("proposal %+v", nc)
			}
		})
	}
}

// The same message registered twice is one case: the second time returns the first
// case as a duplicate and writes nothing.
func TestRegisterTwiceIsOneCase(t *testing.T) {
	s, _ := register(t)
	ctx := context.Background()
	first, _, err := intake.TakeIn(ctx, s, "beschwerde.eml", plain, intake.Options{Kind: data.KindComplaint})
	if err != nil {
		t.Fatal(err)
	}
	if first.Duplicate || first.Files != 1 || first.Case.Number != "BZ-2026-000001" || first.Case.Kind != data.KindComplaint {
		t.Fatalf("first: %+v %+v", first, first.Case)
	}
	var audit int
	s.DB().QueryRow(`SELECT count(*) FROM audit`).Scan(&audit)
	second, _, err := intake.TakeIn(ctx, s, "beschwerde.eml", plain, intake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !second.Duplicate || second.Case.ID != first.Case.ID || second.Files != 0 {
		t.Fatalf("second: %+v", second)
	}
	var after int
	s.DB().QueryRow(`SELECT count(*) FROM audit`).Scan(&after)
	if count(t, s) != 1 || after != audit {
		t.Fatalf("a duplicate wrote: %d cases, audit %d → %d", count(t, s), audit, after)
	}
	// The window looks before it fills the form.
	m, _ := intake.Read("x.eml", plain, now)
	if c, err := intake.Find(ctx, s, m); err != nil || c == nil || c.Number != first.Case.Number {
		t.Fatalf("Find: %v %v", c, err)
	}
	other, _ := intake.Read("y.eml", mailWith("Tue, 16 Jun 2026 09:12:44 +0200", "<other@example.org>"), now)
	if c, err := intake.Find(ctx, s, other); err != nil || c != nil {
		t.Fatalf("Find of a new message: %v %v", c, err)
	}
}

// Two programs taking in the same message at the same moment (the window and a
// scheduled ascoltoctl, each with its own connection) give one case.
func TestRegisterRaceGivesOneCase(t *testing.T) {
	s, c := register(t)
	s2, err := data.Open(s.Path(), data.Options{Clock: c, Actor: "other"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	const n = 8
	results := make([]*intake.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			st := s
			if i%2 == 1 {
				st = s2
			}
			results[i], _, errs[i] = intake.TakeIn(context.Background(), st, "beschwerde.eml", plain, intake.Options{})
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("intake %d: %v", i, errs[i])
		}
		if !results[i].Duplicate {
			created++
		}
		if results[i].Case.Number != "BZ-2026-000001" {
			t.Errorf("intake %d gave %s", i, results[i].Case.Number)
		}
	}
	if created != 1 || count(t, s) != 1 {
		t.Fatalf("%d created, %d cases", created, count(t, s))
	}
}

// The record of a message is the register's own guard: a transaction that would give
// a message already registered to a second case fails whole, even when the caller did
// not look first.
func TestRecordMessageRefusesASecondCase(t *testing.T) {
	s, _ := register(t)
	ctx := context.Background()
	key := []data.MessageKey{{ID: "20260616091244.4711@example.org", Kind: data.MessageIDKey}}
	nc := data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, Subject: "Certificato"}
	err := s.Update(ctx, func(tx *data.Tx) error {
		c, err := tx.Create(nc)
		if err != nil {
			return err
		}
		return tx.RecordMessage(c.Number, key)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *data.Tx) error {
		c, err := tx.Create(nc)
		if err != nil {
			return err
		}
		return tx.RecordMessage(c.Number, key)
	})
	var known *data.MessageKnown
	if !errors.As(err, &known) || known.Case.Number != "BZ-2026-000001" {
		t.Fatalf("second record: %v", err)
	}
	if count(t, s) != 1 {
		t.Fatalf("%d cases", count(t, s))
	}
}

// A case the clerk's form refuses leaves nothing behind: no case, no file, no record,
// and the same message can then be registered.
func TestRegisterIsAllOrNothing(t *testing.T) {
	s, _ := register(t)
	ctx := context.Background()
	m, err := intake.Read("beschwerde.eml", plain, now)
	if err != nil {
		t.Fatal(err)
	}
	nc := m.Proposal("")
	nc.Subject = "  "
	if _, err := intake.Register(ctx, s, m, nc); err == nil {
		t.Fatal("an empty subject was registered")
	}
	var blobs, records int
	s.DB().QueryRow(`SELECT count(*) FROM blobs`).Scan(&blobs)
	s.DB().QueryRow(`SELECT count(*) FROM mail_messages`).Scan(&records)
	if count(t, s) != 0 || blobs != 0 || records != 0 {
		t.Fatalf("a refused intake left %d cases, %d files, %d records", count(t, s), blobs, records)
	}
	nc.Subject = "Wartezeiten"
	res, err := intake.Register(ctx, s, m, nc)
	if err != nil || res.Duplicate || res.Case.Subject != "Wartezeiten" {
		t.Fatalf("after the correction: %+v %v", res, err)
	}
}

// Odd names in a message (folders, control characters, invalid UTF-8, none) are made
// names the register keeps instead of refusing the message; a message without a
// subject is named by its first line.
func TestRegisterOddNamesAndNoSubject(t *testing.T) {
	s, _ := register(t)
	raw := []byte("From: maria.rossi@example.it\r\nDate: Tue, 16 Jun 2026 10:00:00 +0200\r\nMessage-ID: <odd@example.it>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" +
		"\r\n  Invio la scansione   della lettera.\r\nGrazie\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''C%3A%5CScans%5Clett%E9ra%01.pdf\r\n\r\n%PDF-1.4\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\r\nxyz\r\n--b--\r\n")
	res, _, err := intake.TakeIn(context.Background(), s, "", raw, intake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Case.Subject != "Invio la scansione della lettera." {
		t.Errorf("subject %q", res.Case.Subject)
	}
	files, _ := s.Attachments(context.Background(), res.Case.ID)
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if len(names) != 3 || names[0] != "message.eml" || strings.ContainsAny(names[1], "\\/\x01") || names[2] == "" {
		t.Errorf("names %q", names)
	}
}

// An erased case keeps no record of its messages: a Message-ID holds the citizen's
// address. Nothing of it is left in the file, and the register still verifies.
func TestErasureForgetsTheMessageIDs(t *testing.T) {
	s, clk := register(t)
	ctx := context.Background()
	raw := mailWith("Tue, 16 Jun 2026 09:12:44 +0200", "<joerg.mueller.quarzwald-7731@example.org>")
	res, _, err := intake.TakeIn(ctx, s, "beschwerde.eml", raw, intake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk.set(now.Add(time.Hour))
	if _, err := s.Reply(ctx, res.Case.Number, "Sehr geehrter Herr Müller, …", data.German, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Erase(ctx, []data.Ref{res.Case.Number}, "Antrag 2026/91"); err != nil {
		t.Fatal(err)
	}
	var n int
	s.DB().QueryRow(`SELECT count(*) FROM mail_messages`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d message records left after erasure", n)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	if err := s.PurgeSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	dump := s.Path() + ".dump"
	if _, err := s.DB().Exec(`VACUUM INTO ?`, dump); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dump)
	if i := bytes.Index(b, []byte("quarzwald-7731")); i >= 0 {
		t.Errorf("the Message-ID is still in the register file at byte %d", i)
	}
}
