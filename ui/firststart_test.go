package ui

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/translations"
)

// The first start: a wrong office code is refused in words next to the field and the
// form keeps what was typed; a right one creates the register; a file that is not a
// register cannot be opened; the demo and the language are one choice away.
func TestFirstStart(t *testing.T) {
	test.NewTempApp(t)
	q := make(uiQueue, 10)
	path := filepath.Join(t.TempDir(), "register.ascolto")
	var created *data.Store
	var demo bool
	var switched string
	fs := FirstStart{TrialCases: 2000,
		Create: func(o data.Office, signer string) error {
			s, err := data.Create(path, o, data.Options{Clock: fixedClock{}})
			if err == nil {
				created = s
				t.Cleanup(func() { s.Close() })
			}
			return err
		},
		Open: func(p string) error {
			s, err := data.Open(p, data.Options{})
			if err == nil {
				s.Close()
			}
			return err
		},
		Demo:     func() { demo = true },
		Language: func(l string) { switched = l },
	}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	v := newFirstStartView(&env{lang: "de", do: q.do, win: w}, path, fs)
	w.SetContent(v.Object())
	v.FocusFirst(w.Canvas())
	if w.Canvas().Focused() != fyne.Focusable(v.code) {
		t.Error("the keyboard is not in the office code")
	}
	root := w.Canvas().Content()
	for _, want := range []string{"Willkommen bei Ascolto", "Neues Register des Amtes", "Ein bestehendes Register", "Probe-Register (2.000 erfundene Vorgänge)"} {
		if !reads(root, want) {
			t.Errorf("first start lacks %q: %q", want, texts(root))
		}
	}
	done := 0
	v.createdForTest = func() { done++ }
	typeInto(w, v.code, "b z")
	typeInto(w, v.nameIT, "Ufficio relazioni con il pubblico")
	test.Tap(v.create)
	q.until(t, "the refusal", func() bool { return done == 1 })
	if !v.codeErr.Visible() || v.codeErr.Text != translations.T("de", "err.office_code", "code", "B Z") || created != nil {
		t.Fatalf("bad code: %q %v", v.codeErr.Text, created)
	}
	test.Tap(v.create)
	q.until(t, "the second refusal", func() bool { return done == 2 })
	if v.nameIT.Text != "Ufficio relazioni con il pubblico" {
		t.Error("typed input lost")
	}
	v.code.SetText("bz")
	typeInto(w, v.nameDE, "Bürgerservice")
	test.Tap(v.create)
	q.until(t, "the register", func() bool { return done == 3 })
	if created == nil || created.Local().Code != "BZ" || created.Local().NameDE != "Bürgerservice" {
		t.Fatalf("created %+v", created)
	}

	opened := false
	v.openForTest = func() { opened = true }
	notRegister := filepath.Join(t.TempDir(), "x.ascolto")
	writeFile(t, notRegister, "kein Register")
	v.openPath(notRegister)
	q.until(t, "the refusal to open", func() bool { return opened })
	if !v.openErr.Visible() || v.openErr.Text != translations.T("de", "err.not_register", "path", notRegister) {
		t.Errorf("open error %q", v.openErr.Text)
	}
	test.Tap(v.demo)
	v.language.SetValue("it")
	if !demo || switched != "it" {
		t.Errorf("demo %v, language %q", demo, switched)
	}
}
