package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type letterClock struct{ t time.Time }

func (c *letterClock) Now() time.Time { return c.t }

func letterRegister(t *testing.T) (*Store, *letterClock) {
	t.Helper()
	clock := &letterClock{time.Date(2026, 11, 27, 10, 30, 0, 0, Rome)}
	s, err := Create(filepath.Join(t.TempDir(), "register.ascolto"), Office{Code: "BZ", NameIT: "Ufficio", NameDE: "Amt"},
		Options{Clock: clock, Actor: "clerk"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

func letterCase(t *testing.T, s *Store, reply string) *Case {
	t.Helper()
	ctx := context.Background()
	c, err := s.Create(ctx, NewCase{Kind: KindComplaint, Channel: ChannelCounter, Subject: "Wartezeiten",
		ReceivedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, Rome), Citizen: Citizen{Name: "Jörg Müller", Language: German}})
	if err != nil {
		t.Fatal(err)
	}
	if reply != "" {
		if c, err = s.Reply(ctx, c.Number, reply, "", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// fakePDF stands in for the printing package: the register does not look inside.
func fakeLetterPDF(content string) LetterRender {
	return func(c *Case, l *Letter) ([]byte, error) {
		return []byte("%PDF-1.4 " + content + " " + l.Number + " " + string(l.Language)), nil
	}
}

func issueLetter(s *Store, ref string, req LetterRequest) (*Letter, error) {
	var l *Letter
	err := s.Update(context.Background(), func(t *Tx) error {
		var err error
		l, err = t.IssueLetter(ref, req)
		return err
	})
	return l, err
}

// counts is what a refused letter must leave as it was.
func letterCounts(t *testing.T, s *Store) string {
	var b strings.Builder
	for _, q := range []string{`SELECT count(*) FROM letters`, `SELECT count(*) FROM blobs`, `SELECT count(*) FROM audit`,
		`SELECT count(*) FROM ops`, `SELECT coalesce(sum(version), 0) FROM cases`} {
		var n int
		if err := s.DB().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		b.WriteString(q[len(q)-12:] + "=" + string(rune('0'+n%10)) + ";")
	}
	return b.String()
}

func TestIssueLetterGoesThroughTheWritePath(t *testing.T) {
	s, _ := letterRegister(t)
	ctx := context.Background()
	c := letterCase(t, s, "Die Gebühr entfällt.")
	l, err := issueLetter(s, c.Number, LetterRequest{Render: fakeLetterPDF("eins")})
	if err != nil {
		t.Fatal(err)
	}
	if l.Number != c.Number+"/1" || l.Language != LetterGerman || l.Status != LetterIssued || l.IssuedBy != "clerk" {
		t.Fatalf("letter %+v", l)
	}
	pdf, err := s.LetterPDF(ctx, l)
	sum := sha256.Sum256(pdf)
	if err != nil || hex.EncodeToString(sum[:]) != l.SHA256 || !bytes.Contains(pdf, []byte(l.Number)) {
		t.Fatalf("archived %q %v", pdf, err)
	}
	h, _ := s.History(ctx, c.ID)
	last := h[len(h)-1]
	if last.Action != ActionLetter || !strings.Contains(last.Changes, l.SHA256) {
		t.Fatalf("audit %+v", last)
	}
	var ops int
	s.DB().QueryRow(`SELECT count(*) FROM ops WHERE action = ? AND audit_seq = ?`, ActionLetter, last.Seq).Scan(&ops)
	if ops != 1 {
		t.Fatal("the letter's change-log operation is missing")
	}
	// a second letter, in Italian: number 2, its own bytes
	l2, err := issueLetter(s, c.ID, LetterRequest{Language: LetterItalian, Render: fakeLetterPDF("zwei")})
	if err != nil || l2.Number != c.Number+"/2" || l2.Language != LetterItalian {
		t.Fatalf("%+v %v", l2, err)
	}
	ls, _ := s.Letters(ctx, c.ID)
	if len(ls) != 2 || ls[0].Number != l.Number || ls[1].SHA256 == ls[0].SHA256 {
		t.Fatalf("letters %+v", ls)
	}
	if got, err := s.GetLetter(ctx, strings.ToLower(l2.Number)); err != nil || got.ID != l2.ID {
		t.Fatalf("by number: %v %v", got, err)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

func TestLetterRecordsTheReplyFirst(t *testing.T) {
	s, _ := letterRegister(t)
	c := letterCase(t, s, "")
	before := letterCounts(t, s)
	if _, err := issueLetter(s, c.Number, LetterRequest{Render: fakeLetterPDF("x")}); letterProblemKey(err) != "letter.err_no_reply" {
		t.Fatalf("no reply: %v", err)
	}
	if letterCounts(t, s) != before {
		t.Fatal("a refused letter changed the register")
	}
	l, err := issueLetter(s, c.Number, LetterRequest{Reply: "Die Gebühr entfällt.", Render: fakeLetterPDF("x")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(context.Background(), c.Number)
	if got.Status != StatusAnswered || got.Reply.Text != "Die Gebühr entfällt." || got.Reply.Language != German || l.Language != LetterGerman {
		t.Fatalf("case %+v", got)
	}
	if _, err := issueLetter(s, c.Number, LetterRequest{Reply: "Etwas anderes.", Render: fakeLetterPDF("x")}); letterProblemKey(err) != "letter.err_reply_recorded" {
		t.Fatalf("another reply: %v", err)
	}
}

func TestFailedRenderLeavesNoTrace(t *testing.T) {
	s, _ := letterRegister(t)
	c := letterCase(t, s, "")
	before := letterCounts(t, s)
	fail := func(*Case, *Letter) ([]byte, error) { return nil, Problemf("letter.err_p12_password") }
	_, err := issueLetter(s, c.Number, LetterRequest{Reply: "Antwort", Render: fail})
	if letterProblemKey(err) != "letter.err_p12_password" {
		t.Fatal(err)
	}
	if _, err := issueLetter(s, c.Number, LetterRequest{Reply: "Antwort", Render: func(*Case, *Letter) ([]byte, error) {
		return nil, errors.New("disk full")
	}}); letterProblemKey(err) != "letter.err_render" {
		t.Fatal(err)
	}
	if _, err := issueLetter(s, c.Number, LetterRequest{Language: "fr", Render: fakeLetterPDF("x")}); letterProblemKey(err) != "letter.err_language" {
		t.Fatal(err)
	}
	if letterCounts(t, s) != before {
		t.Fatal("a refused letter left something behind (even the reply recorded with it)")
	}
	got, _ := s.Get(context.Background(), c.Number)
	if got.Status != StatusReceived {
		t.Fatal("the reply recorded with a refused letter must go too")
	}
}

func TestLetterPrintedAndSent(t *testing.T) {
	s, clock := letterRegister(t)
	ctx := context.Background()
	c := letterCase(t, s, "Antwort")
	l, _ := issueLetter(s, c.Number, LetterRequest{Render: fakeLetterPDF("x")})
	mark := func(fn func(*Tx) (*Letter, error)) (*Letter, error) {
		var out *Letter
		err := s.Update(ctx, func(t *Tx) error {
			var err error
			out, err = fn(t)
			return err
		})
		return out, err
	}
	clock.t = clock.t.Add(time.Hour)
	p, err := mark(func(t *Tx) (*Letter, error) { return t.MarkLetterPrinted(l.Number, "PDF") })
	if err != nil || p.Status != LetterPrinted || p.Prints != 1 {
		t.Fatalf("%+v %v", p, err)
	}
	p, _ = mark(func(t *Tx) (*Letter, error) { return t.MarkLetterPrinted(l.ID, "PDF") })
	if p.Prints != 2 {
		t.Fatal("printing again counts again")
	}
	if _, err := mark(func(t *Tx) (*Letter, error) { return t.MarkLetterSent(l.ID, clock.t.Add(-48*time.Hour), "") }); letterProblemKey(err) != "letter.err_sent_before_issue" {
		t.Fatal(err)
	}
	sent, err := mark(func(t *Tx) (*Letter, error) { return t.MarkLetterSent(l.ID, time.Time{}, "PEC") })
	if err != nil || sent.Status != LetterSent || sent.SentVia != "PEC" {
		t.Fatalf("%+v %v", sent, err)
	}
	if _, err := mark(func(t *Tx) (*Letter, error) { return t.MarkLetterSent(l.ID, time.Time{}, "") }); letterProblemKey(err) != "letter.err_already_sent" {
		t.Fatal(err)
	}
	if _, err := mark(func(t *Tx) (*Letter, error) { return t.MarkLetterPrinted("BZ-2026-999999/1", "") }); letterProblemKey(err) != "letter.err_unknown" {
		t.Fatal(err)
	}
	h, _ := s.History(ctx, c.ID)
	var actions []string
	for _, e := range h {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); got != "create,reply,letter,letter_print,letter_print,letter_sent" {
		t.Fatalf("history %s", got)
	}
	for _, a := range actions[2:] {
		if LetterActionKeys[a] == "" {
			t.Errorf("no translation key for %s", a)
		}
	}
	today, _ := s.LettersIssuedOn(ctx, "2026-11-27")
	other, _ := s.LettersIssuedOn(ctx, "2026-11-26")
	if len(today) != 1 || len(other) != 0 {
		t.Fatalf("issued on: %d %d", len(today), len(other))
	}
	if rep, _ := s.Verify(ctx); !rep.OK() {
		t.Fatalf("verify %+v", rep.Findings)
	}
}

// TestDamagedArchiveIsFound: a letter whose stored bytes no longer match its SHA-256
// is reported, never printed.
func TestDamagedArchiveIsFound(t *testing.T) {
	s, _ := letterRegister(t)
	c := letterCase(t, s, "Antwort")
	l, _ := issueLetter(s, c.Number, LetterRequest{Render: fakeLetterPDF("x")})
	if _, err := s.DB().Exec(`UPDATE blobs SET content = ? WHERE sha256 = ?`, []byte("%PDF-1.4 changed"), l.SHA256); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LetterPDF(context.Background(), l); letterProblemKey(err) != "letter.err_archive" {
		t.Fatal(err)
	}
}

func TestTemplatesAreCheckedWhenSaved(t *testing.T) {
	s, _ := letterRegister(t)
	ctx := context.Background()
	save := func(name string, lang Language, text string) error {
		return s.Update(ctx, func(t *Tx) error { return t.SetLetterTemplate(name, lang, text) })
	}
	for _, c := range []struct {
		name, text, key string
	}{
		{"body.complaint", "Gentile {cittadino}, {reply}", "letter.err_placeholder"},
		{"body.complaint", "con riferimento al reclamo {number del {received}", "letter.err_template_syntax"},
		{"body.complaint", "totale } fuori posto", "letter.err_template_syntax"},
		{"body.unknown_kind", "{reply}", "letter.err_template_name"},
		{"phrase.Bad Name", "testo", "letter.err_template_name"},
	} {
		err := save(c.name, Italian, c.text)
		if letterProblemKey(err) != c.key {
			t.Errorf("%q: %v, want %s", c.text, err, c.key)
		}
	}
	if p, _ := AsProblem(save("salutation", Italian, "Gentile {cittadino},")); p == nil || p.Args["name"] != "{cittadino}" {
		t.Errorf("the message must name the unknown placeholder: %+v", p)
	}
	if err := save("salutation", "fr", "Bonjour"); letterProblemKey(err) != "letter.err_language" {
		t.Error(err)
	}
	good := "Gentile {citizen}, in merito alla pratica {number} del {received}:\n\n{reply}"
	if err := save("body.complaint", Italian, good); err != nil {
		t.Fatal(err)
	}
	if err := save("phrase.orari", German, "Unsere Schalter sind von 8 bis 12 Uhr geöffnet."); err != nil {
		t.Fatal(err)
	}
	got, _ := s.LetterTemplates(ctx)
	if got[TemplateKey{"body.complaint", Italian}] != good || len(got) != 2 {
		t.Fatalf("templates %v", got)
	}
	if err := save("phrase.orari", German, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.LetterTemplates(ctx); len(got) != 1 {
		t.Fatal("an empty text removes the template")
	}
	h, _ := s.History(ctx, "")
	if len(h) != 3 || !strings.HasPrefix(h[0].Action, "settings:") || !strings.Contains(h[0].Changes, "letter.template.body.complaint.it") {
		t.Fatalf("template changes are audited: %+v", h)
	}
	if v := ExpandTemplate(good, map[string]string{"citizen": "Anna", "number": "BZ-1", "received": "1º dicembre 2026", "reply": "Sì."}); v != "Gentile Anna, in merito alla pratica BZ-1 del 1º dicembre 2026:\n\nSì." {
		t.Fatal(v)
	}
}

func TestLetterSettings(t *testing.T) {
	s, _ := letterRegister(t)
	ctx := context.Background()
	set := func(fn func(*Tx) error) error { return s.Update(ctx, fn) }
	if st, _ := s.LetterSettings(ctx); st.Window != "left" || st.Signer != "" {
		t.Fatalf("defaults %+v", st)
	}
	for _, c := range []struct{ key, value, want string }{
		{"window", "middle", "letter.err_setting_value"},
		{"colour", "red", "letter.err_setting"},
		{"signer", "two\nlines", "letter.err_setting_value"},
		{"visible_signature", "maybe", "letter.err_setting_value"},
	} {
		if err := set(func(t *Tx) error { return t.SetLetterSetting(c.key, c.value) }); letterProblemKey(err) != c.want {
			t.Errorf("%s=%q: %v", c.key, c.value, err)
		}
	}
	if err := set(func(t *Tx) error { return t.SetLetterImage(SettingLogo, []byte("not an image")) }); letterProblemKey(err) != "letter.err_image" {
		t.Error(err)
	}
	var logo bytes.Buffer
	png.Encode(&logo, image.NewGray(image.Rect(0, 0, 10, 10)))
	err := set(func(t *Tx) error {
		for k, v := range map[string]string{SettingSigner: "Elisabeth Pichler", SettingWindow: "right", SettingVisibleSignature: "true", SettingRoleDE: "Die Direktorin"} {
			if err := t.SetLetterSetting(k, v); err != nil {
				return err
			}
		}
		return t.SetLetterImage(SettingLogo, logo.Bytes())
	})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.LetterSettings(ctx)
	if st.Signer != "Elisabeth Pichler" || st.Window != "right" || !st.VisibleSignature || st.RoleDE != "Die Direktorin" || st.Logo == "" {
		t.Fatalf("%+v", st)
	}
	if b, err := s.AttachmentContent(ctx, st.Logo); err != nil || !bytes.Equal(b, logo.Bytes()) {
		t.Fatal("the logo is kept in the register")
	}
	set(func(t *Tx) error { return t.SetLetterSetting(SettingWindow, "") })
	if st, _ = s.LetterSettings(ctx); st.Window != "left" {
		t.Fatal("an empty value goes back to the default")
	}
	h, _ := s.History(ctx, "")
	if len(h) != 6 {
		t.Fatalf("every change of a setting is audited, once: %d entries", len(h))
	}
}

func letterProblemKey(err error) string {
	if p, ok := AsProblem(err); ok {
		return p.Key
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
