package mailbox_test

import (
	"bytes"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
	"ascolto/printing/letter"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

// TestRoundTrip is the whole round on real servers: three real-shaped messages land in
// the office's mailbox; two workstations (two registers) fetch them and both try to
// register every one at the same moment; each becomes exactly one case, kept byte for
// byte, and leaves the folder read, marked; a signed letter goes back to the citizen,
// threaded to the citizen's message, and is recorded as sent at the server's
// acceptance; a second send sends nothing.
func TestRoundTrip(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	officeAddr := plus(srv.Office, f)
	citizenAddr := plus(srv.Citizen, f)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	plainID := "plain-" + f + "@example.org"
	srv.deliver(t, citizenAddr, officeAddr, plainIT(citizenAddr, officeAddr, plainID, at))
	srv.deliver(t, "joerg@example.org", officeAddr, htmlDE("joerg.mueller@example.org", officeAddr, "html-"+f+"@example.org", at))
	pecID := "opec21010." + f + "@pec.aruba.it"
	inner := pecInner("studio.bianchi@pec.it", officeAddr, "Richiesta di accesso agli atti", pecID, at)
	srv.deliver(t, "posta-certificata@pec.aruba.it", officeAddr, pecEnvelope("studio.bianchi@pec.it", officeAddr, "Richiesta di accesso agli atti", pecID, inner, at))

	sA, sB := register(t, "anna"), register(t, "bruno")
	a, b := srv.box(t, sA, f), srv.box(t, sB, f)
	resA, _ := waitFetch(t, a, 3)
	resB, _ := waitFetch(t, b, 3)
	if len(resA.Inbox) != 3 || len(resB.Inbox) != 3 {
		t.Fatalf("inboxes: %d and %d messages, want 3 each", len(resA.Inbox), len(resB.Inbox))
	}
	// A second fetch downloads nothing again.
	again, err := a.Fetch(ctx)
	if err != nil || again.New != 0 || len(again.Inbox) != 3 {
		t.Fatalf("second fetch: %+v, %v", again, err)
	}
	kept := map[string][]byte{}
	for _, m := range resA.Inbox {
		raw, err := os.ReadFile(filepath.Join(a.Dir, m.ID+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		kept[m.ID] = raw
	}
	var plainMsg, pecMsg mailbox.Message
	for _, m := range resA.Inbox {
		switch {
		case strings.Contains(m.Subject, "certificato"):
			plainMsg = m
		case m.Channel == data.ChannelPEC:
			pecMsg = m
		}
	}
	if plainMsg.ID == "" || plainMsg.Language != data.Italian || plainMsg.From != citizenAddr || plainMsg.Kind != data.KindRequest {
		t.Fatalf("plain message in the inbox: %+v", plainMsg)
	}
	if pecMsg.ID == "" || pecMsg.From != "studio.bianchi@pec.it" {
		t.Fatalf("PEC in the inbox: %+v", pecMsg)
	}

	// Both workstations register every message at the same moment.
	type outcome struct {
		r   *mailbox.Registered
		err error
	}
	results := map[string][2]outcome{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range resA.Inbox {
		for i, box := range []*mailbox.Box{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := box.Register(ctx, m.ID, intake.Options{Note: "test"})
				mu.Lock()
				o := results[m.ID]
				o[i] = outcome{r, err}
				results[m.ID] = o
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	cases := map[string]*data.Case{}
	for id, o := range results {
		made := 0
		for i, x := range o {
			if x.err != nil {
				t.Fatalf("message %s, workstation %d: %v", id, i, x.err)
			}
			if !x.r.Elsewhere && x.r.Result != nil && !x.r.Duplicate {
				made++
				cases[id] = x.r.Case
			}
		}
		if made != 1 {
			t.Fatalf("message %s became %d cases, want 1: %+v %+v", id, made, o[0].r, o[1].r)
		}
	}
	nA, _ := sA.Count(ctx, data.Filter{})
	nB, _ := sB.Count(ctx, data.Filter{})
	if nA+nB != 3 {
		t.Fatalf("%d + %d cases in the two registers, want 3", nA, nB)
	}
	// The original is kept with the case byte for byte; the PEC became a PEC case.
	for id, c := range cases {
		s := sA
		if got, _ := sA.Get(ctx, c.ID); got == nil {
			s = sB
		}
		atts, err := s.Attachments(ctx, c.ID)
		if err != nil || len(atts) == 0 {
			t.Fatalf("case %s: attachments %v, %v", c.Number, atts, err)
		}
		orig, err := s.AttachmentContent(ctx, atts[0].SHA256)
		if err != nil || !bytes.Equal(orig, kept[id]) {
			t.Fatalf("case %s: the original is not the message as fetched (%d vs %d bytes)", c.Number, len(orig), len(kept[id]))
		}
		if id == pecMsg.ID && c.Channel != data.ChannelPEC {
			t.Fatalf("the PEC became a case by %s", c.Channel)
		}
	}
	// On the server: the folder read is empty, the registered folder holds the three
	// messages with the keyword, byte for byte as fetched.
	cl := srv.imapAs(t, srv.Office, srv.OfficePassword)
	if left := messages(t, cl, f); len(left) != 0 {
		t.Fatalf("%d messages left in the folder read", len(left))
	}
	moved := messages(t, cl, f+"R")
	if len(moved) != 3 {
		t.Fatalf("%d messages in the registered folder, want 3", len(moved))
	}
	for _, m := range moved {
		if !hasKeyword(m, mailbox.KeywordRegistered) {
			t.Fatalf("message %d is not marked: %v", m.Uid, m.Flags)
		}
		found, onServer := false, body(t, m)
		for _, raw := range kept {
			found = found || bytes.Equal(raw, onServer)
		}
		if !found {
			t.Fatal("a registered message on the server differs from the one fetched")
		}
	}
	for _, box := range []*mailbox.Box{a, b} {
		res, err := box.Fetch(ctx)
		if err != nil || len(res.Inbox) != 0 {
			t.Fatalf("fetch after registering: %+v, %v", res, err)
		}
	}

	// The reply: a signed letter for the plain message, sent by e-mail.
	plainCase := cases[plainMsg.ID]
	s, box := sA, a
	if got, _ := sA.Get(ctx, plainCase.ID); got == nil {
		s, box = sB, b
	}
	p12, err := certtest.P12(certtest.Spec{Name: "Maria Verdi", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.Load(p12, "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := letter.Issue(ctx, s, plainCase.Number, letter.Options{Text: "Servono il documento d'identità e il modulo C2.", Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	sent, err := box.Send(ctx, plainCase.Number, false)
	if err != nil {
		t.Fatal(err)
	}
	if sent.Already || sent.To != citizenAddr || sent.Letter.SentAt == nil || sent.Letter.SentVia != "email" ||
		sent.AcceptedAt.Before(before.Add(-time.Second)) || sent.AcceptedAt.After(time.Now()) {
		t.Fatalf("sent: %+v", sent)
	}
	got, err := s.GetLetter(ctx, l.Number)
	if err != nil || got.SentAt == nil || !got.SentAt.Equal(sent.AcceptedAt.Truncate(time.Millisecond)) {
		t.Fatalf("letter after sending: %+v, %v", got, err)
	}
	// The citizen's mailbox holds the reply: threaded, from the office, with the PDF.
	cc := srv.imapAs(t, srv.Citizen, srv.CitizenPassword)
	var reply []byte
	for start := time.Now(); reply == nil; time.Sleep(50 * time.Millisecond) {
		if ms := messages(t, cc, f); len(ms) > 0 {
			reply = body(t, ms[0])
		} else if time.Since(start) > 30*time.Second {
			t.Fatal("no reply in the citizen's mailbox after 30 s")
		}
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(reply))
	if err != nil {
		t.Fatal(err)
	}
	if env.GetHeader("In-Reply-To") != "<"+plainID+">" || !strings.Contains(env.GetHeader("References"), plainID) {
		t.Fatalf("reply not threaded: In-Reply-To %q References %q", env.GetHeader("In-Reply-To"), env.GetHeader("References"))
	}
	if from, _ := mail.ParseAddress(env.GetHeader("From")); from == nil || from.Address != srv.Office {
		t.Fatalf("reply from %q", env.GetHeader("From"))
	}
	if !strings.Contains(env.Text, plainCase.Number) || !strings.Contains(env.Text, "risposta") {
		t.Fatalf("cover text not in Italian or without the number: %q", env.Text)
	}
	var pdf []byte
	for _, att := range env.Attachments {
		if att.ContentType == "application/pdf" {
			pdf = att.Content
		}
	}
	stored, _ := s.LetterPDF(ctx, l)
	if pdf == nil || !bytes.Equal(pdf, stored) {
		t.Fatal("the reply does not carry the issued letter's PDF")
	}
	checkSignature(t, pdf)
	// The sent message is kept with the case.
	atts, _ := s.Attachments(ctx, plainCase.ID)
	if last := atts[len(atts)-1]; !strings.HasPrefix(last.Name, "sent-") || last.MIME != "message/rfc822" {
		t.Fatalf("the sent message is not kept with the case: %+v", last)
	}
	// A second send sends nothing: the letter is sent.
	if _, err := box.Send(ctx, plainCase.Number, false); !isProblem(err, "letter.err_already_sent") {
		t.Fatalf("second send: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	if ms := messages(t, cc, f); len(ms) != 1 {
		t.Fatalf("the citizen received %d messages, want 1", len(ms))
	}
}

// checkSignature has poppler's pdfsig validate the letter's signature, where installed.
func checkSignature(t *testing.T, pdf []byte) {
	t.Helper()
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Log("pdfsig not installed: the signature is not checked")
		return
	}
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", "-nocert", path).CombinedOutput()
	if !strings.Contains(string(out), "Signature is Valid") {
		t.Fatalf("pdfsig does not validate the letter sent:\n%s", out)
	}
}

func isProblem(err error, key string) bool {
	p, ok := data.AsProblem(err)
	return ok && p.Key == key
}
