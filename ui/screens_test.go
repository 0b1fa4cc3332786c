package ui

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/translations"
)

func TestSetupViewShowsProgress(t *testing.T) {
	test.NewTempApp(t)
	v := NewSetupView("it", "/home/clerk/register.ascolto", 2000)
	w := test.NewWindow(v.Object())
	defer w.Close()
	w.Resize(fyne.NewSize(800, 600))
	if !v.waiting.Visible() || v.bar.Visible() {
		t.Error("before the first cases the bar should only show activity")
	}
	v.SetProgress(1200, 2000)
	if v.waiting.Visible() || !v.bar.Visible() || v.bar.Value != 0.6 {
		t.Errorf("after 1,200 of 2,000 the bar shows %v", v.bar.Value)
	}
	root := w.Canvas().Content()
	for _, want := range []string{"Primo avvio: registro di prova", "1.200 di 2.000 pratiche"} {
		if !shows(root, want) {
			t.Errorf("setup screen does not show %q: %q", want, texts(root))
		}
	}
	if !reads(root, "Nessun registro in /home/clerk/register.ascolto") {
		t.Errorf("setup screen does not name the path: %q", texts(root))
	}
}

// A file that is not a register: the screen says so in the clerk's language, the button
// ends the program, and the file is as it was.
func TestProblemViewForAFileThatIsNotARegister(t *testing.T) {
	test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "notes.ascolto")
	content := []byte("appunti, non un registro")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := data.Open(path, data.Options{})
	if err == nil {
		t.Fatal("a text file opened as a register")
	}
	quit := false
	o := NewProblemView("de", err, func() { quit = true })
	w := test.NewWindow(o)
	defer w.Close()
	w.Resize(fyne.NewSize(800, 600))
	root := w.Canvas().Content()
	p, _ := data.AsProblem(err)
	for _, want := range []string{translations.T("de", "window.error.title"), translations.Format("de", p.Key, p.Args)} {
		if !reads(root, want) {
			t.Errorf("problem screen does not show %q: %q", want, texts(root))
		}
	}
	for _, x := range visibleObjects(root) {
		if b, ok := x.(*widget.Button); ok && b.Text == "Schließen" {
			test.Tap(b)
		}
	}
	if !quit {
		t.Error("the close button did not end the program")
	}
	if got, _ := os.ReadFile(path); string(got) != string(content) {
		t.Errorf("the file changed: %q", got)
	}
}
