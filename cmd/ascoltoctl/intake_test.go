package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/translations"
)

// intakeOut is what `intake --json` prints: the case and two words about it.
type intakeOut struct {
	data.Case
	Duplicate       *bool `json:"duplicate"`
	ReceivedGuessed *bool `json:"received_guessed"`
}

func intakeJSONOf(t *testing.T, c *ctl, file string, args ...string) intakeOut {
	t.Helper()
	out := c.ok(append([]string{"intake", "--eml", file, "--json"}, args...)...)
	var got intakeOut
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err, out)
	}
	if got.Duplicate == nil || got.ReceivedGuessed == nil {
		t.Fatalf("intake --json lacks duplicate or received_guessed: %s", out)
	}
	return got
}

func caseCount(t *testing.T, c *ctl) int {
	t.Helper()
	s, err := data.Open(c.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.Count(context.Background(), data.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func attachmentsOf(t *testing.T, c *ctl, ref string) ([]data.Attachment, map[string][]byte) {
	t.Helper()
	s, err := data.Open(c.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cs, err := s.Get(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	files, err := s.Attachments(context.Background(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	content := map[string][]byte{}
	for _, f := range files {
		if content[f.Name], err = s.AttachmentContent(context.Background(), f.SHA256); err != nil {
			t.Fatal(err)
		}
	}
	return files, content
}

// An e-mail becomes a case with the message's sender, subject, text and date, the
// original file byte for byte and its attachment; the same file again, and a copy
// another mail program saved with more trace headers and other line ends, give the
// same case and no second protocol number.
func TestIntakeRegistersAnEMailOnce(t *testing.T) {
	c := newCtl(t)
	first := intakeJSONOf(t, c, "testdata/reclamo.eml", "--kind", "complaint")
	want, _ := time.Parse(time.RFC3339, "2026-06-16T14:03:00+02:00")
	if *first.Duplicate || *first.ReceivedGuessed || first.Number != "BZ-2026-000001" || first.Kind != data.KindComplaint ||
		first.Channel != data.ChannelEmail || !first.ReceivedAt.Equal(want) || first.Citizen.Name != "Nicolò Bernardi" ||
		first.Citizen.Email != "nicolo.bernardi@posta.example.it" || first.Citizen.Language != data.Italian ||
		first.Subject != "Reclamo: orari dello sportello già ridotti" || !strings.Contains(first.Description, "via Dante") {
		t.Fatalf("first intake: %+v", first)
	}
	files, content := attachmentsOf(t, c, first.Number)
	raw, _ := os.ReadFile("testdata/reclamo.eml")
	if len(files) != 2 || files[0].Name != "reclamo.eml" || files[0].MIME != "message/rfc822" || !bytes.Equal(content["reclamo.eml"], raw) ||
		files[1].Name != "cartello.png" || files[1].MIME != "image/png" {
		t.Fatalf("files kept: %+v", files)
	}

	again := intakeJSONOf(t, c, "testdata/reclamo.eml")
	if !*again.Duplicate || again.Number != first.Number || again.ID != first.ID {
		t.Fatalf("the same file again: %+v", again)
	}
	copied := intakeJSONOf(t, c, "testdata/reclamo-copia.eml")
	if !*copied.Duplicate || copied.Number != first.Number {
		t.Fatalf("a copy saved again with other Received headers: %+v", copied)
	}
	if n := caseCount(t, c); n != 1 {
		t.Fatalf("%d cases for one message", n)
	}
	if files, _ := attachmentsOf(t, c, first.Number); len(files) != 2 {
		t.Fatalf("a duplicate added files to the case: %+v", files)
	}
	// In words: the number, the due date, the citizen, the subject.
	out := c.ok("intake", "--eml", "testdata/reclamo.eml", "--lang", "it")
	for _, s := range []string{translations.T("it", "cli.intake.duplicate", "number", first.Number, "due", "19/06/2026"),
		"Nicolò Bernardi <nicolo.bernardi@posta.example.it>", "Reclamo: orari dello sportello già ridotti"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// A message without a Message-ID is known by the SHA-256 of its bytes, line ends made
// alike: the same file twice, or saved with CRLF line ends, is one case; another
// message of the same citizen without an id is a case of its own.
func TestIntakeWithoutMessageIDUsesTheFileDigest(t *testing.T) {
	c := newCtl(t)
	first := intakeJSONOf(t, c, "testdata/senza-id.eml")
	if *first.Duplicate || first.Citizen.Language != data.German || first.Kind != data.KindRequest {
		t.Fatalf("first: %+v", first)
	}
	if again := intakeJSONOf(t, c, "testdata/senza-id.eml"); !*again.Duplicate || again.Number != first.Number {
		t.Fatalf("the same file again: %+v", again)
	}
	raw, _ := os.ReadFile("testdata/senza-id.eml")
	crlf := filepath.Join(t.TempDir(), "senza-id-windows.eml")
	os.WriteFile(crlf, bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n")), 0o644)
	if again := intakeJSONOf(t, c, crlf); !*again.Duplicate || again.Number != first.Number {
		t.Fatalf("the same file with CRLF line ends: %+v", again)
	}
	other := intakeJSONOf(t, c, "testdata/senza-id-altra.eml")
	if *other.Duplicate || other.Number == first.Number {
		t.Fatalf("another message without an id: %+v", other)
	}
	if n := caseCount(t, c); n != 2 {
		t.Fatalf("%d cases, want 2", n)
	}
}

// A Date header that cannot be read: the case is received at the time of intake, the
// JSON says the time is a guess and stderr says to check it; --received gives the time.
func TestIntakeUnreadableDateIsAGuessToConfirm(t *testing.T) {
	c := newCtl(t)
	before := time.Now()
	code, out, errs := c.run("intake", "--eml", "testdata/data-illeggibile.eml", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got intakeOut
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err, out)
	}
	if !*got.ReceivedGuessed || got.ReceivedAt.Before(before.Add(-time.Second)) || got.ReceivedAt.After(time.Now()) {
		t.Fatalf("received %v (guessed %v), want now", got.ReceivedAt, *got.ReceivedGuessed)
	}
	if !strings.Contains(errs, translations.T("en", "intake.mail.date_unreadable")) {
		t.Errorf("stderr does not say the time must be checked: %q", errs)
	}

	c2 := newCtl(t)
	given := intakeJSONOf(t, c2, "testdata/data-illeggibile.eml", "--received", "2026-06-16T10:00:00+02:00")
	want, _ := time.Parse(time.RFC3339, "2026-06-16T10:00:00+02:00")
	if *given.ReceivedGuessed || !given.ReceivedAt.Equal(want) {
		t.Fatalf("--received: %v (guessed %v)", given.ReceivedAt, *given.ReceivedGuessed)
	}
}

// What is not a citizen's e-mail is refused with one sentence and exit 1, and the
// register does not change; a missing --eml is a usage error.
func TestIntakeRefusals(t *testing.T) {
	c := newCtl(t)
	notMail := filepath.Join(t.TempDir(), "appunti.eml")
	os.WriteFile(notMail, []byte("Oggetto della riunione: orari\n\nappunti, nessuna intestazione di e-mail\n"), 0o644)
	c.refused("Nothing was registered", 1, "intake", "--eml", notMail)
	c.refused("could not be read", 1, "intake", "--eml", filepath.Join(t.TempDir(), "missing.eml"))
	c.refused("--eml", 2, "intake")
	c.refused("", 1, "intake", "--eml", "testdata/reclamo.eml", "--kind", "lamentela")
	c.refused("", 1, "intake", "--eml", "testdata/reclamo.eml", "--office", "XY")
	c.refused("", 1, "intake", "--eml", "testdata/reclamo.eml", "--language", "fr")
	c.refused("ieri", 1, "intake", "--eml", "testdata/reclamo.eml", "--received", "ieri")
	if n := caseCount(t, c); n != 0 {
		t.Fatalf("%d cases after refusals", n)
	}
}

// A PEC: the citizen's message is taken out of the provider's envelope, received at the
// certified time, with the envelope, its attachment and the proof of receipt kept; the
// message saved alone from the envelope is the same case.
func TestIntakePEC(t *testing.T) {
	c := newCtl(t)
	got := intakeJSONOf(t, c, "testdata/pec-richiesta.eml")
	want, _ := time.Parse(time.RFC3339, "2026-06-16T10:15:31+02:00")
	if *got.Duplicate || got.Channel != data.ChannelPEC || !got.ReceivedAt.Equal(want) || got.Citizen.Name != "Maria Rossi" ||
		got.Citizen.Email != "maria.rossi@pec.it" || got.Subject != "Richiesta certificato di disoccupazione" || got.Citizen.Language != data.Italian {
		t.Fatalf("PEC: %+v", got)
	}
	files, content := attachmentsOf(t, c, got.Number)
	raw, _ := os.ReadFile("testdata/pec-richiesta.eml")
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if strings.Join(names, "|") != "pec-richiesta.eml|carta_identita.pdf|daticert.xml|smime.p7s" || !bytes.Equal(content["pec-richiesta.eml"], raw) ||
		!bytes.Contains(content["daticert.xml"], []byte("<identificativo>opec21010.20260616101531.12345.678.1.53@pec.aruba.it</identificativo>")) {
		t.Fatalf("files kept: %q", names)
	}
	if again := intakeJSONOf(t, c, "testdata/pec-richiesta.eml"); !*again.Duplicate || again.Number != got.Number {
		t.Fatalf("the envelope again: %+v", again)
	}
	if inner := intakeJSONOf(t, c, "testdata/pec-postacert.eml"); !*inner.Duplicate || inner.Number != got.Number {
		t.Fatalf("the message saved out of the envelope: %+v", inner)
	}
	// The other way round: the message first, then its envelope.
	c2 := newCtl(t)
	first := intakeJSONOf(t, c2, "testdata/pec-postacert.eml")
	if env := intakeJSONOf(t, c2, "testdata/pec-richiesta.eml"); !*env.Duplicate || env.Number != first.Number {
		t.Fatalf("the envelope of a message already registered: %+v", env)
	}
	if n := caseCount(t, c) + caseCount(t, c2); n != 2 {
		t.Fatalf("%d cases, want one per register", n)
	}
}

// A PEC receipt is the provider's word about a letter the office sent: it never
// becomes a case.
func TestIntakeRefusesAPECReceipt(t *testing.T) {
	c := newCtl(t)
	want := translations.T("en", "intake.mail.pec_receipt", "kind", "avvenuta-consegna", "id", "risposta-BZ-2026-000001.1781766130@ascolto.provincia.bz.it")
	c.refused(want, 1, "intake", "--eml", "testdata/pec-ricevuta-consegna.eml")
	if n := caseCount(t, c); n != 0 {
		t.Fatalf("a receipt made %d cases", n)
	}
}
