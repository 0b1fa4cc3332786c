package ui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
)

// The "done when", in German, with the keyboard alone: register a complaint
// from the counter and one from an e-mail (dropped on the window), find them again by
// the citizen's name typed without accents, see which items are overdue, and move one
// to answered.
func TestClerkWithTheKeyboardAlone(t *testing.T) {
	s := mixedRegister(t)
	sh, q, w := shellFor(t, s, "de", "")
	focused := func() fyne.Focusable { return w.Canvas().Focused() }

	// 1. At the counter: Ctrl+N, "b" for Beschwerde, Tab through the fields, Ctrl+S.
	press(t, w, fyne.KeyN)
	test.Type(focused(), "b")
	test.FocusNext(w.Canvas()) // Eingangsweg: Schalter already
	test.FocusNext(w.Canvas()) // Eingang: now already
	test.FocusNext(w.Canvas()) // Amt: BZ already
	test.FocusNext(w.Canvas())
	test.Type(focused(), "Unfreundliche Auskunft am Schalter")
	test.FocusNext(w.Canvas())
	test.Type(focused(), "Die Bürgerin wurde am Schalter 2 unfreundlich abgewiesen.")
	test.FocusNext(w.Canvas())
	test.Type(focused(), "Jürgen Höller")
	if focused() != fyne.Focusable(sh.intake.name) {
		t.Fatalf("Tab order: the name is not where the keyboard is (%T)", focused())
	}
	press(t, w, fyne.KeyS)
	q.until(t, "the counter case", func() bool { return count(t, s) == 6 })
	counter := mustGet(t, s, "BZ-2026-000006")
	if counter.Kind != data.KindComplaint || counter.Citizen.Name != "Jürgen Höller" || counter.Channel != data.ChannelCounter {
		t.Fatalf("counter case %+v", counter)
	}

	// 2. From an e-mail dropped on the window.
	sh.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(filepath.Join("..", "data", "mailin", "testdata", "qp_latin1.eml"))})
	q.until(t, "the e-mail in the form", func() bool { return sh.intake.name.Text == "Jörg Müller" })
	if focused() != fyne.Focusable(sh.intake.kind) {
		t.Errorf("after the e-mail the keyboard is on %T", focused())
	}
	test.Type(focused(), "b")
	press(t, w, fyne.KeyS)
	q.until(t, "the e-mail case", func() bool { return count(t, s) == 7 })

	// 3. Find them by the name without accents: Ctrl+F, type, the table narrows.
	press(t, w, fyne.KeyF)
	if focused() != fyne.Focusable(sh.register.search) {
		t.Fatalf("Ctrl+F put the keyboard on %T", focused())
	}
	test.Type(focused(), "holler")
	q.until(t, "the search", func() bool { return settled(sh.register) && sh.register.filter.Query == "holler" })
	if got := rowsShown(sh.register); len(got) != 1 || got[0] != "BZ-2026-000006" {
		t.Fatalf("holler finds %v", got)
	}
	sh.register.search.SetText("")
	test.Type(sh.register.search, "muller")
	q.until(t, "the search", func() bool { return settled(sh.register) && sh.register.filter.Query == "muller" })
	if got := rowsShown(sh.register); len(got) != 3 {
		t.Fatalf("muller finds %v, want the two old cases and the e-mail", got)
	}

	// 4. Which are overdue: Ctrl+D.
	press(t, w, fyne.KeyD)
	q.until(t, "the overdue ones", func() bool { return settled(sh.register) && sh.register.filter.Overdue })
	got := rowsShown(sh.register)
	if len(got) != 1 || got[0] != "BZ-2026-000001" {
		t.Fatalf("overdue: %v", got)
	}

	// 5. Move it to answered: Down into the table, Enter opens it, Ctrl+R, a phrase
	// (Space opens the list; here the choice is made as the arrow keys would), Ctrl+S.
	press(t, w, fyne.KeyF)
	key(w, fyne.KeyDown)
	key(w, fyne.KeyReturn)
	q.until(t, "the case", func() bool { oc := sh.currentCase(); return oc != nil && oc.view.c != nil })
	v := sh.currentCase().view
	press(t, w, fyne.KeyR)
	if focused() != fyne.Focusable(v.reply) {
		t.Fatalf("Ctrl+R: keyboard on %T", focused())
	}
	v.phrases.SetSelectedIndex(0)
	press(t, w, fyne.KeyS)
	q.until(t, "the answer", func() bool { return v.c.Status == data.StatusAnswered })
	if c := mustGet(t, s, "BZ-2026-000001"); c.Status != data.StatusAnswered || c.Reply.Language != data.German {
		t.Fatalf("answered case %+v", c)
	}
	press(t, w, fyne.KeyW)
	if len(sh.cases) != 0 || focused() != fyne.Focusable(sh.register.search) {
		t.Error("Ctrl+W did not close the case and go back to the search")
	}
}

// When another program (ascoltoctl) writes to the register, the window follows.
func TestWindowFollowsAnotherProgram(t *testing.T) {
	s := mixedRegister(t)
	a := test.NewTempApp(t)
	q := make(uiQueue, 100)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	sh := newShell(Config{Store: s, Lang: "it", Window: w, App: a, WatchEvery: 10 * time.Millisecond}, q.do)
	defer sh.Close()
	sh.Show()
	q.until(t, "the first rows", func() bool { return settled(sh.register) })
	other, err := data.Open(s.Path(), data.Options{Clock: fixedClock{}, Actor: "ascoltoctl"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// The watcher takes its first look on a goroutine of its own: a change made before
	// that is its starting point, so the other program writes until the window follows.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := other.Create(context.Background(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelPhone,
			ReceivedAt: now.Add(-time.Second), Subject: "Da ascoltoctl"}); err != nil {
			t.Fatal(err)
		}
		want := count(t, s)
		wait := time.Now().Add(time.Second)
		for time.Now().Before(wait) {
			pump(q, 20*time.Millisecond)
			if settled(sh.register) && sh.register.total == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window shows %d cases, the register has %d", sh.register.total, want)
		}
	}
}
