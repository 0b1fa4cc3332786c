package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/printing/signature/certtest"
)

// movingClock is a clock a test moves on (past midnight).
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movingClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// issuedLetter is a register on a movable clock with one German case and its letter.
func issuedLetter(t *testing.T) (*data.Store, *data.Case, *movingClock) {
	t.Helper()
	clock := &movingClock{t: now}
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), office, data.Options{Clock: clock, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, err := s.Create(context.Background(), data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelCounter,
		ReceivedAt: now.Add(-48 * time.Hour), Subject: "Wartezeiten am Schalter",
		Citizen: data.Citizen{Name: "Jörg Müller", Address: "Laubengasse 5, 39100 Bozen", Language: data.German}})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, clock
}

func TestLetterPanelSentIsAskedAndCanBeUndoneTheSameDay(t *testing.T) {
	s, c, clock := issuedLetter(t)
	p, w := showPanel(t, s, c, "it")
	test.Type(p.reply, "Die Wartezeiten wurden verkürzt.")
	p.issue("")
	if p.sentBtn.Disabled() || p.undoBtn.Visible() {
		t.Fatalf("an issued letter: sent %v, undo %v", p.sentBtn.Disabled(), p.undoBtn.Visible())
	}
	sentVia := func() (string, bool) {
		ls, _ := s.Letters(context.Background(), c.ID)
		return ls[0].SentVia, ls[0].SentAt != nil
	}
	// Esc cancels: nothing recorded
	test.Tap(p.sentBtn)
	if p.sentDialog == nil || w.Canvas().Focused() != p.wayPick || p.wayPick.Value() != "post" {
		t.Fatalf("the dialog asks the way, post first: %v", p.wayPick)
	}
	p.wayPick.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if _, sent := sentVia(); sent || p.sentDialog != nil {
		t.Fatal("Esc recorded the sending")
	}
	// "c" picks "consegna a mano", Enter records it with its way
	test.Tap(p.sentBtn)
	p.wayPick.TypedRune('c')
	p.wayPick.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnter})
	if via, sent := sentVia(); !sent || via != "hand" {
		t.Fatalf("recorded: %q %v", via, sent)
	}
	if !reads(w.Content(), "(consegna a mano)") || !p.undoBtn.Visible() || !p.sentBtn.Disabled() {
		t.Fatalf("after sending: %q", texts(w.Content()))
	}
	// undone the same evening, as its own entry in the history
	clock.set(time.Date(2026, 6, 15, 23, 50, 0, 0, data.Rome))
	test.Tap(p.undoBtn)
	if _, sent := sentVia(); sent || p.sentBtn.Disabled() || p.undoBtn.Visible() || p.problem.Visible() {
		t.Fatalf("undo: %q", p.problem.Text)
	}
	h, _ := s.History(context.Background(), c.ID)
	if last := h[len(h)-1]; last.Action != data.ActionLetterUnsent {
		t.Fatalf("history ends with %s", last.Action)
	}
	// sent by PEC; after midnight in Rome there is no undo
	test.Tap(p.sentBtn)
	p.wayPick.SetValue("pec")
	p.wayPick.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	clock.set(time.Date(2026, 6, 16, 0, 5, 0, 0, data.Rome))
	p.refresh()
	if p.undoBtn.Visible() {
		t.Fatal("an undo offered the next day")
	}
	if via, sent := sentVia(); !sent || via != "pec" {
		t.Fatalf("recorded: %q %v", via, sent)
	}
}

func TestLetterPanelSavesThePDF(t *testing.T) {
	s, c, _ := issuedLetter(t)
	p, w := showPanel(t, s, c, "de")
	if !p.saveBtn.Disabled() {
		t.Fatal("nothing to save before a letter is issued")
	}
	test.Type(p.reply, "Die Wartezeiten wurden verkürzt.")
	p.issue("")
	dir := t.TempDir()
	var offered string
	chooseSavePath = func(_ *LetterPanel, name string, done func(string)) {
		offered = name
		done(filepath.Join(dir, name))
	}
	t.Cleanup(func() { chooseSavePath = defaultChooseSavePath })
	test.Tap(p.saveBtn)
	if offered != c.Number+"-1.pdf" {
		t.Fatalf("offered name %q", offered)
	}
	got, err := os.ReadFile(filepath.Join(dir, offered))
	ls, _ := s.Letters(context.Background(), c.ID)
	kept, _ := s.LetterPDF(context.Background(), ls[0])
	if err != nil || string(got) != string(kept) || !reads(w.Content(), "gespeichert") {
		t.Fatalf("saved %d bytes (%v), kept %d: %q", len(got), err, len(kept), texts(w.Content()))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*partial")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// a folder that cannot take it: said in words, nothing half-written
	chooseSavePath = func(_ *LetterPanel, name string, done func(string)) { done(filepath.Join(dir, "missing", name)) }
	test.Tap(p.saveBtn)
	if !p.problem.Visible() || p.done.Visible() {
		t.Fatalf("refused save: %q", p.problem.Text)
	}
}

func TestLetterPanelCertificateAndSignerFromSettings(t *testing.T) {
	s, c, _ := issuedLetter(t)
	b, err := certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "giusta", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "firma.p12")
	os.WriteFile(path, b, 0o600)
	a := test.NewTempApp(t)
	a.Preferences().SetString(PrefCertificate, path)
	a.Preferences().SetString(PrefSigner, "Giulia Verdi")
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	p := newLetterPanel(s, c, "it", w)
	w.SetContent(p.root)
	w.Resize(fyne.NewSize(900, 800))
	if p.certPath != path || !p.sign.Checked || !reads(w.Content(), "firma.p12") {
		t.Fatalf("the certificate of the settings is not preselected: %q %q", p.certPath, texts(w.Content()))
	}
	test.Type(p.reply, "Die Wartezeiten wurden verkürzt.")
	test.Tap(p.issueBtn)
	if p.passDialog == nil || w.Canvas().Focused() != p.passEntry {
		t.Fatal("the password field has no focus")
	}
	test.Type(p.passEntry, "giusta")
	p.passEntry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	ls, _ := s.Letters(context.Background(), c.ID)
	if len(ls) != 1 || ls[0].Signer != "Maria Rossi" {
		t.Fatalf("Enter did not issue the signed letter: %+v %q", ls, p.problem.Text)
	}
	if v := a.Preferences().String("pref.password"); v != "" || strings.Contains(strings.Join(a.Preferences().StringList("x"), ""), "giusta") {
		t.Fatal("a password kept")
	}
	// the name under the closing is the signer of the settings, not the certificate's
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext is not installed")
	}
	pdf, _ := s.LetterPDF(context.Background(), ls[0])
	text := pdfText(t, pdf)
	if !strings.Contains(text, "Mit freundlichen Grüßen Giulia Verdi") {
		t.Fatalf("signer under the closing: %q", text)
	}
}

// pdfText is the PDF's text in one line (pdftotext).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "l.pdf")
	os.WriteFile(f, pdf, 0o600)
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
