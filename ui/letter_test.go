package ui

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/printing/printer"
	"ascolto/printing/signature/certtest"
)

// letterCase registers a German complaint in a fresh register.
func letterCase(t *testing.T) (*data.Store, *data.Case) {
	t.Helper()
	s := newRegister(t, 0)
	c, err := s.Create(context.Background(), data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelCounter,
		ReceivedAt: now.Add(-48 * time.Hour), Subject: "Wartezeiten am Schalter",
		Citizen: data.Citizen{Name: "Jörg Müller", Address: "Laubengasse 5, 39100 Bozen", Language: data.German}})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func showPanel(t *testing.T, s *data.Store, c *data.Case, lang string) (*LetterPanel, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	p := newLetterPanel(s, c, lang, w)
	w.SetContent(p.root)
	w.Resize(fyne.NewSize(900, 800))
	return p, w
}

func TestLetterPanelIssuesPrintsAndSends(t *testing.T) {
	s, c := letterCase(t)
	p, w := showPanel(t, s, c, "it")
	if !reads(w.Content(), "Nessuna lettera emessa") || p.chosen() != data.LetterGerman || !p.printBtn.Disabled() {
		t.Fatalf("a new case: %q, language %s", texts(w.Content()), p.chosen())
	}
	// no reply: refused, in Italian, and what was typed stays
	test.Tap(p.issueBtn)
	if !p.problem.Visible() || !strings.Contains(p.problem.Text, "non ha ancora una risposta") {
		t.Fatalf("problem %q", p.problem.Text)
	}
	// a phrase goes into the reply in the reply's language (German)
	p.phrases.SetSelected("phrase.office_hours")
	if !strings.Contains(p.reply.Text, "Parteienverkehrszeiten") {
		t.Fatalf("phrase: %q", p.reply.Text)
	}
	test.Type(p.reply, " Die Gebühr von 12 € entfällt.")
	test.Tap(p.issueBtn)
	if p.problem.Visible() {
		t.Fatalf("issue: %s", p.problem.Text)
	}
	ls, _ := s.Letters(context.Background(), c.ID)
	got, _ := s.Get(context.Background(), c.ID)
	if len(ls) != 1 || got.Status != data.StatusAnswered || !strings.Contains(got.Reply.Text, "12 €") {
		t.Fatalf("letters %v, case %+v", ls, got)
	}
	if !reads(w.Content(), "Lettera "+c.Number+"/1 emessa il") || p.printBtn.Disabled() || !p.replyBox.Hidden {
		t.Fatalf("after issuing: %q", texts(w.Content()))
	}

	// printing sends the very bytes kept, and the letter is then "printed"
	var printed []byte
	printLetter = func(_ context.Context, docs []printer.Document, _ printer.Options) (printer.Job, error) {
		printed = docs[0].PDF
		return printer.Job{Method: printer.CUPS, Queue: "PDF", ID: "PDF-1"}, nil
	}
	t.Cleanup(func() { printLetter = printer.Print })
	test.Tap(p.printBtn)
	kept, _ := s.LetterPDF(context.Background(), ls[0])
	if string(printed) != string(kept) || !reads(w.Content(), "stampata il") {
		t.Fatalf("print: %q", texts(w.Content()))
	}
	test.Tap(p.sentBtn)
	if p.sentDialog == nil {
		t.Fatal("marking as sent asks how first")
	}
	p.wayPick.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !reads(w.Content(), "spedita il") || !p.sentBtn.Disabled() {
		t.Fatalf("sent: %q", texts(w.Content()))
	}
	ls, _ = s.Letters(context.Background(), c.ID)
	if ls[0].Status != data.LetterSent || ls[0].Prints != 1 {
		t.Fatalf("%+v", ls[0])
	}
}

func TestLetterPanelBilingualAndPreview(t *testing.T) {
	s, c := letterCase(t)
	if _, err := s.Reply(context.Background(), c.Number, "Die Gebühr entfällt.", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	p, w := showPanel(t, s, c, "de")
	if !p.replyBox.Hidden || !p.secondBox.Hidden {
		t.Fatal("a case with its reply needs no reply entry for a German letter")
	}
	p.language.SetValue(string(data.LetterBoth)) // bilingual
	if p.secondBox.Hidden || !reads(w.Content(), "Antworttext auf Italienisch") {
		t.Fatalf("bilingual: %q", texts(w.Content()))
	}
	var rendered int
	previewPages = func(pdf []byte) ([]image.Image, error) {
		rendered = len(pdf)
		return []image.Image{image.NewGray(image.Rect(0, 0, 165, 234))}, nil
	}
	t.Cleanup(func() {
		previewPages = func(pdf []byte) ([]image.Image, error) { return nil, os.ErrNotExist }
	})
	p.previewDraft()
	if !p.problem.Visible() || !strings.Contains(p.problem.Text, "IT") {
		t.Fatalf("a bilingual preview without the Italian text: %q", p.problem.Text)
	}
	test.Type(p.second, "La tariffa è abolita.")
	p.previewDraft()
	if p.problem.Visible() || rendered == 0 || w.Canvas().Overlays().Top() == nil {
		t.Fatalf("preview: %q", p.problem.Text)
	}
	if ls, _ := s.Letters(context.Background(), c.ID); len(ls) != 0 {
		t.Fatal("a preview keeps nothing")
	}
	w.Canvas().Overlays().Top().Hide()
	p.issue("")
	ls, _ := s.Letters(context.Background(), c.ID)
	if len(ls) != 1 || ls[0].Language != data.LetterBoth {
		t.Fatalf("%+v %s", ls, p.problem.Text)
	}
}

func TestLetterPanelSignature(t *testing.T) {
	s, c := letterCase(t)
	if _, err := s.Reply(context.Background(), c.Number, "Die Gebühr entfällt.", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	b, err := certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "giusta", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "firma.p12")
	os.WriteFile(path, b, 0o600)
	p, w := showPanel(t, s, c, "it")
	p.setCertificate(path)
	if !p.sign.Checked || !reads(w.Content(), "firma.p12") {
		t.Fatal("choosing a certificate ticks the signature")
	}
	test.Tap(p.issueBtn) // asks for the password
	if w.Canvas().Overlays().Top() == nil {
		t.Fatal("the password is asked in a dialog")
	}
	w.Canvas().Overlays().Top().Hide()
	p.issue("sbagliata")
	if !strings.Contains(p.problem.Text, "Password del certificato errata") {
		t.Fatalf("wrong password: %q", p.problem.Text)
	}
	if ls, _ := s.Letters(context.Background(), c.ID); len(ls) != 0 {
		t.Fatal("no letter with a wrong password")
	}
	p.issue("giusta")
	ls, _ := s.Letters(context.Background(), c.ID)
	if len(ls) != 1 || ls[0].Signer != "Maria Rossi" || !reads(w.Content(), "firmata digitalmente da Maria Rossi") {
		t.Fatalf("%+v %q", ls, p.problem.Text)
	}
}

func TestLetterSettingsRefuseUnknownPlaceholders(t *testing.T) {
	s := newRegister(t, 0)
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	ls := newLetterSettings(s, "de", w)
	w.SetContent(ls.root)
	if ls.text.Text != "Guten Tag {citizen}," && ls.tplLang.Value() == "it" && ls.text.Text != "Gentile {citizen}," {
		t.Fatalf("template shown: %q", ls.text.Text)
	}
	ls.template.SetText("body.complaint")
	ls.tplLang.SetValue("de")
	ls.text.SetText("Sehr geehrte/r {buerger}, {reply}")
	ls.saveTemplate()
	if !ls.problem.Visible() || !strings.Contains(ls.problem.Text, "{buerger}") || ls.text.Text != "Sehr geehrte/r {buerger}, {reply}" {
		t.Fatalf("refused template: %q, text %q", ls.problem.Text, ls.text.Text)
	}
	ls.text.SetText("zu Ihrer Beschwerde Nr. {number}:\n\n{reply}")
	ls.saveTemplate()
	if ls.problem.Visible() {
		t.Fatal(ls.problem.Text)
	}
	saved, _ := s.LetterTemplates(context.Background())
	if saved[data.TemplateKey{Name: "body.complaint", Language: data.German}] != "zu Ihrer Beschwerde Nr. {number}:\n\n{reply}" {
		t.Fatalf("%v", saved)
	}
	ls.entries[data.SettingSigner].SetText("Elisabeth Pichler")
	ls.window.SetValue("right")
	ls.saveSettings()
	st, _ := s.LetterSettings(context.Background())
	if st.Signer != "Elisabeth Pichler" || st.Window != "right" || ls.problem.Visible() {
		t.Fatalf("%+v %s", st, ls.problem.Text)
	}
}
