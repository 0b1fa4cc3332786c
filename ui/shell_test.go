package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/draft"
)

// shellFor builds the main window on store in a test window of a laptop's size, with
// drafts in dir ("" for a fresh folder).
func shellFor(t testing.TB, s *data.Store, lang, dir string) (*Shell, uiQueue, fyne.Window) {
	t.Helper()
	a := fyne.CurrentApp()
	if a == nil {
		a = test.NewTempApp(t)
	}
	if dir == "" {
		dir = t.TempDir()
	}
	drafts, err := draft.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	q := make(uiQueue, 1000)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1280, 720))
	sh := newShell(Config{Store: s, Lang: lang, Window: w, App: a, Drafts: drafts, ReminderEvery: time.Hour, WatchEvery: time.Hour}, q.do)
	t.Cleanup(sh.Close)
	sh.Show()
	q.until(t, "the first rows", func() bool { return sh.register.firstDone })
	return sh, q, w
}

// capture writes the window to ASCOLTO_UI_SHOTS/name.png when that folder is set: a
// look at the screens without a display.
func capture(t *testing.T, w fyne.Window, name string) {
	dir := os.Getenv("ASCOLTO_UI_SHOTS")
	if dir == "" {
		return
	}
	relayout(w)
	img := w.Canvas().Capture()
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	png.Encode(f, img)
}

func TestLookAtTheScreens(t *testing.T) {
	if os.Getenv("ASCOLTO_UI_SHOTS") == "" {
		t.Skip("set ASCOLTO_UI_SHOTS to a folder to look at the screens")
	}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(OfficeTheme())
	s := demoRegister(t, 300)
	for _, lang := range []string{"it", "de"} {
		sh, q, w := shellFor(t, s, lang, "")
		pump(q, 300*time.Millisecond)
		capture(t, w, "register-"+lang)
		sh.ShowIntake()
		pump(q, 100*time.Millisecond)
		capture(t, w, "intake-"+lang)
		cs, _ := s.List(t.Context(), data.Filter{Overdue: true, Limit: 1})
		sh.OpenCase(cs[0].ID)
		pump(q, 500*time.Millisecond)
		capture(t, w, "case-"+lang)
		sh.ShowSettings()
		pump(q, 300*time.Millisecond)
		capture(t, w, "settings-"+lang)
	}
}

// pump runs the UI work that arrives within d.
func pump(q uiQueue, d time.Duration) {
	end := time.After(d)
	for {
		select {
		case f := <-q:
			f()
		case <-end:
			return
		}
	}
}

// relayout lays the window out again, as the real driver does before it paints: the
// test canvas does not follow a widget that grew after the last layout.
func relayout(w fyne.Window) {
	size := w.Canvas().Size()
	w.Resize(size.AddWidthHeight(1, 1))
	w.Resize(size)
}

// The dashboard's tab is built when it is first opened, with the way to the cases.
func TestDashboardTabIsBuiltWhenOpened(t *testing.T) {
	test.NewTempApp(t)
	s := mixedRegister(t)
	q := make(uiQueue, 100)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	built := 0
	var open func(data.Filter)
	dash := func(_ *data.Store, lang string, o func(data.Filter)) fyne.CanvasObject {
		built++
		open = o
		return widget.NewLabel("dashboard " + lang)
	}
	sh := newShell(Config{Store: s, Lang: "it", Window: w, App: fyne.CurrentApp(), Dashboard: dash, WatchEvery: time.Hour}, q.do)
	defer sh.Close()
	sh.Show()
	q.until(t, "the first rows", func() bool { return settled(sh.register) })
	if built != 0 || sh.dashTab == nil || sh.dashTab.Text != "Qualità" {
		t.Fatalf("dashboard built %d times before it was opened", built)
	}
	sh.tabs.Select(sh.dashTab)
	if built != 1 || !shows(w.Canvas().Content(), "dashboard it") {
		t.Fatalf("dashboard built %d times", built)
	}
	open(data.Filter{Overdue: true})
	q.until(t, "the cases behind a figure", func() bool { return settled(sh.register) && sh.register.filter.Overdue })
	if sh.tabs.Selected() != sh.registerTab {
		t.Error("the register is not in front")
	}
}
