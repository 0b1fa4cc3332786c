package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/data/demo"
)

// now is the tests' clock: a Monday in June, far from New Year so that every case of a
// test has a number of the same year.
var now = time.Date(2026, 6, 15, 12, 0, 0, 0, data.Rome)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

var office = data.Office{Code: "BZ", NameIT: "Ufficio relazioni con il pubblico", NameDE: "Bürgerservice",
	Address: "Piazza Silvius Magnago 1, Bolzano"}

// newRegister makes a real register in a temporary folder with n cases received a
// minute apart, the last one a minute before now: case BZ-2026-00000k is row n-k.
func newRegister(t testing.TB, n int) *data.Store {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), office, data.Options{Clock: fixedClock{}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	err = s.Update(context.Background(), func(tx *data.Tx) error {
		for i := 0; i < n; i++ {
			_, err := tx.Create(data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter,
				ReceivedAt: now.Add(-time.Duration(n-i) * time.Minute), Subject: "Richiesta di informazioni",
				Citizen: data.Citizen{Name: "Maria Rossi"}, Assignee: "a.pircher"})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// uiQueue stands in for fyne.Do: the view's loaders hand their results to it, and the
// test runs them on its own goroutine, in order, as the real UI thread would.
type uiQueue chan func()

func (q uiQueue) do(f func()) { q <- f }

// until runs queued work until cond holds, failing the test after a generous wait.
func (q uiQueue) until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(60 * time.Second) // slow CI machines: the dashboard reads a lot
	for !cond() {
		select {
		case f := <-q:
			f()
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// showView builds the register view in a test window of a laptop's size.
func showView(t testing.TB, s *data.Store, lang string) (*RegisterView, uiQueue, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	q := make(uiQueue, 1000)
	v := newRegisterView(s, lang, q.do)
	t.Cleanup(v.Close)
	w := test.NewWindow(v.Object())
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1280, 720))
	return v, q, w
}

// visibleObjects lists o and every visible object under it.
func visibleObjects(o fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		out = append(out, o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// texts lists the text of every visible object under o, as a person would read it.
func texts(o fyne.CanvasObject) []string {
	var out []string
	for _, x := range visibleObjects(o) {
		if t, ok := x.(*canvas.Text); ok && t.Text != "" {
			out = append(out, t.Text)
		}
	}
	return out
}

func shows(o fyne.CanvasObject, want string) bool {
	for _, s := range texts(o) {
		if s == want {
			return true
		}
	}
	return false
}

// reads reports whether the visible text, lines joined as they wrap, contains want.
func reads(o fyne.CanvasObject, want string) bool {
	return strings.Contains(strings.Join(texts(o), " "), want)
}

// demoRegister is a register with n realistic cases in Italian and German (the demo
// generator's), received over the last weeks before now.
func demoRegister(t testing.TB, n int) *data.Store {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), demo.Office(), data.Options{Clock: fixedClock{}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := demo.Generate(context.Background(), s, demo.Options{Count: n, Seed: 7, Span: 40 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	return s
}

// press does what the window does with a shortcut: the menu's item with that shortcut
// runs, whatever widget has the focus (the test driver has no menu of its own).
func press(t testing.TB, w fyne.Window, key fyne.KeyName) {
	t.Helper()
	want := ctrl(key).ShortcutName()
	var find func(items []*fyne.MenuItem) bool
	find = func(items []*fyne.MenuItem) bool {
		for _, i := range items {
			if i.Shortcut != nil && i.Shortcut.ShortcutName() == want && i.Action != nil {
				i.Action()
				return true
			}
			if i.ChildMenu != nil && find(i.ChildMenu.Items) {
				return true
			}
		}
		return false
	}
	if m := w.MainMenu(); m != nil {
		for _, menu := range m.Items {
			if find(menu.Items) {
				return
			}
		}
	}
	t.Fatalf("no menu item has the shortcut %s", want)
}

// key types a special key into the focused widget.
func key(w fyne.Window, name fyne.KeyName) {
	if f := w.Canvas().Focused(); f != nil {
		f.TypedKey(&fyne.KeyEvent{Name: name})
	}
}

// typeInto focuses a widget and types into it, as the keyboard would.
func typeInto(w fyne.Window, f fyne.Focusable, text string) {
	w.Canvas().Focus(f)
	test.Type(f, text)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func init() {
	startDelay = 0 // the reminder counts at once in tests
}
