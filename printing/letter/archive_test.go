package letter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing/pdfa"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

func testSigner(t *testing.T) *signature.Signer {
	t.Helper()
	b, err := certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "pw", CAs: 1})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.Load(b, "pw", now)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func setLetterSetting(t *testing.T, s *data.Store, key, value string) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx *data.Tx) error { return tx.SetLetterSetting(key, value) }); err != nil {
		t.Fatal(err)
	}
}

// TestLettersArePDFA: by default a letter is PDF/A-2b, unsigned, signed, signed with a
// visible signature (its frame then on the page) and bilingual, and the register keeps
// the SHA-256 of the very file; the office can turn PDF/A off, and then the check fails.
func TestLettersArePDFA(t *testing.T) {
	s := newRegister(t)
	signer := testSigner(t)
	for _, tc := range []struct {
		name string
		lang data.Language
		opt  Options
	}{
		{"unsigned", data.Italian, Options{}},
		{"signed", data.German, Options{Signer: signer}},
		{"visible", data.Italian, Options{Signer: signer, Visible: true}},
		{"bilingual", "", Options{Signer: signer, Language: data.LetterBoth,
			Texts: map[data.Language]string{data.Italian: replyIT, data.German: replyDE}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply := replyIT
			if tc.lang == data.German {
				reply = replyDE
			}
			lang := tc.lang
			if lang == "" {
				lang = data.Italian
			}
			c := complaint(t, s, lang, reply)
			l, pdf := issue(t, s, c.Number, tc.opt)
			if ps := pdfa.Check(pdf); len(ps) != 0 {
				keep(t, "pdfa-"+tc.name, pdf)
				t.Fatalf("not PDF/A-2b: %v", ps)
			}
			sum := sha256.Sum256(pdf)
			if l.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatal("the register's SHA-256 is not the file's")
			}
			if tc.opt.Signer != nil {
				checkArchived(t, s, l, pdf, "Maria Rossi")
			}
		})
	}
	setLetterSetting(t, s, data.SettingPDFA, "false")
	c := complaint(t, s, data.Italian, replyIT)
	_, pdf := issue(t, s, c.Number, Options{})
	if len(pdfa.Check(pdf)) == 0 {
		t.Fatal("with PDF/A turned off the letter must be a plain PDF")
	}
	on := true
	c = complaint(t, s, data.Italian, replyIT)
	_, pdf = issue(t, s, c.Number, Options{PDFA: &on})
	if ps := pdfa.Check(pdf); len(ps) != 0 {
		t.Fatalf("asked for PDF/A, the letter is not: %v", ps)
	}
}

// TestTimestampedLetter: with the office's time-stamping authority set, a signed
// letter carries its time-stamp, which Check reports; an authority that is down
// refuses the letter with a sentence naming it, and nothing is archived.
func TestTimestampedLetter(t *testing.T) {
	tsa, err := certtest.NewTSA("Test TSA")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(tsa)
	defer srv.Close()
	s := newRegister(t)
	signer := testSigner(t)
	setLetterSetting(t, s, data.SettingTSA, srv.URL+"/tsr")
	c := complaint(t, s, data.Italian, replyIT)
	start := time.Now()
	l, pdf := issue(t, s, c.Number, Options{Signer: signer})
	t.Logf("a signed, time-stamped PDF/A letter in %v, %d bytes", time.Since(start), len(pdf))
	checkArchived(t, s, l, pdf, "Maria Rossi")
	rep, err := signature.Check(pdf)
	if err != nil || rep.Signatures[0].Timestamp == nil || rep.Signatures[0].Timestamp.Authority != "Test TSA" {
		t.Fatalf("the letter's signature has no time-stamp: %v", err)
	}
	if ps := pdfa.Check(pdf); len(ps) != 0 {
		t.Fatalf("a time-stamped letter is not PDF/A: %v", ps)
	}

	srv.Close()
	c = complaint(t, s, data.Italian, replyIT)
	before, _ := s.Letters(context.Background(), c.ID)
	_, _, err = Issue(context.Background(), s, data.Ref(c.Number), Options{Signer: signer})
	p, ok := data.AsProblem(err)
	if !ok || p.Key != "letter.err_tsa_unreachable" || !strings.HasPrefix(srv.URL, "http://"+p.Args["tsa"]) {
		t.Fatalf("an authority that is down: %v", err)
	}
	after, _ := s.Letters(context.Background(), c.ID)
	if len(after) != len(before) {
		t.Fatal("a letter was archived without its time-stamp")
	}
	// an unsigned letter asks the authority nothing
	if _, _, err := Issue(context.Background(), s, data.Ref(c.Number), Options{}); err != nil {
		t.Fatalf("an unsigned letter must not need the authority: %v", err)
	}
}
