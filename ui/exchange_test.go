package ui

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/exchange"
	"ascolto/translations"
)

// fakeExchange is an exchange whose state the test sets.
type fakeExchange struct {
	mu      sync.Mutex
	st      ExchangeStatus
	fps     map[string]string // code → the fingerprint of its key in the folder
	trusted []string
	joins   int
	syncs   int
	changed chan struct{}
}

func (f *fakeExchange) Status(context.Context) (ExchangeStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.st
	st.Offices = append([]ExchangeOffice(nil), f.st.Offices...)
	return st, nil
}

func (f *fakeExchange) Join(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.joins++
	f.st.Joined = true
	return nil
}

func (f *fakeExchange) Trust(_ context.Context, code, fp string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fps[code] != fp {
		return data.Problemf("exchange.view.no_fingerprint")
	}
	f.trusted = append(f.trusted, code)
	for i := range f.st.Offices {
		if f.st.Offices[i].Code == code {
			f.st.Offices[i].Trusted = true
		}
	}
	return nil
}

func (f *fakeExchange) SyncOnce(context.Context) (ExchangeReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs++
	return ExchangeReport{}, nil
}

func (f *fakeExchange) Changed() <-chan struct{} { return f.changed }

var lastScan = time.Date(2026, 6, 15, 10, 42, 0, 0, data.Rome)

func busyExchange() *fakeExchange {
	return &fakeExchange{
		changed: make(chan struct{}, 1),
		fps:     map[string]string{"EG": "AAAA-BBBB"},
		st: ExchangeStatus{Folder: `\\server\share\ascolto`, Reachable: true, Joined: true, Office: "BZ",
			Fingerprint: "ABCD-EFGH-IJKL-MNOP", LastScan: lastScan, Conflicts: 2,
			Offices: []ExchangeOffice{
				{Code: "EG", NameIT: "Comune di Egna", NameDE: "Gemeinde Neumarkt", Fingerprint: "AAAA-BBBB", Trusted: true, LastHeard: lastScan},
				{Code: "ME", Fingerprint: "CCCC-DDDD", Trusted: true},
				{Code: "BX", Fingerprint: "EEEE-FFFF", Trusted: true},
			},
			Rejected: []RejectedFile{{Path: "EG/EG-0000000001-0000000004.ascx", Reason: "signature", Size: 2048, FirstSeen: lastScan}},
		},
	}
}

// The status line at the foot of the window, in Italian and German.
func TestExchangeStatusLine(t *testing.T) {
	st := busyExchange().st
	for lang, want := range map[string]string{
		"it": "Scambio: 3 uffici · ultimo 10:42 · 2 conflitti · 1 file rifiutato",
		"de": "Austausch: 3 Ämter · zuletzt 10:42 · 2 Konflikte · 1 Datei abgelehnt",
		"en": "Exchange: 3 offices · last 10:42 · 2 conflicts · 1 file refused",
	} {
		got, level := exchangeSummary(lang, st, nil, now)
		if got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		if level != widget.DangerImportance {
			t.Errorf("%s: a refused file is not urgent", lang)
		}
	}
	quiet := ExchangeStatus{Reachable: true, Joined: true, Offices: []ExchangeOffice{{Code: "EG"}}}
	if got, _ := exchangeSummary("it", quiet, nil, now); got != "Scambio: 1 ufficio · 1 da confermare · mai sincronizzato" {
		t.Errorf("quiet: %q", got)
	}
	gone := ExchangeStatus{LastScan: lastScan.AddDate(0, 0, -1)}
	if got, _ := exchangeSummary("de", gone, nil, now); got != "Austausch: Ordner nicht erreichbar · Amt noch nicht angeschlossen · 0 Ämter · zuletzt 14.06.2026 10:42" {
		t.Errorf("gone: %q", got)
	}
}

// The shell shows the exchange only when there is one; the line opens the view.
func TestShellExchangeLineAndTab(t *testing.T) {
	test.NewTempApp(t)
	s := newRegister(t, 3)
	for _, lang := range []string{"it", "de"} {
		sh, q, w := shellFor(t, s, lang, "")
		if sh.ExchangeLine() != nil || sh.exchTab != nil || reads(w.Content(), "Scambio") || reads(w.Content(), "Austausch") {
			t.Fatalf("%s: an exchange shown without an exchange folder", lang)
		}
		x := busyExchange()
		sh.SetExchange(x)
		want := map[string]string{"it": "Scambio: 3 uffici", "de": "Austausch: 3 Ämter"}[lang]
		q.until(t, "the status line", func() bool { return strings.HasPrefix(sh.ExchangeLine().Text(), want) })
		if !reads(w.Content(), want) {
			t.Errorf("%s: the line is not in the window: %q", lang, texts(w.Content()))
		}
		if sh.tabs.Selected() != sh.registerTab {
			t.Error("the exchange took the front")
		}
		link := sh.ExchangeLine().link
		test.TapAt(link, fyne.NewPos(link.Size().Width/3, link.Size().Height/2))
		if sh.tabs.Selected() != sh.exchTab {
			t.Fatal("the line does not open the exchange view")
		}
		q.until(t, "the view", func() bool { return reads(w.Content(), "ABCD-EFGH-IJKL-MNOP") })

		// A change applied by the exchange: the register is read again.
		before, _ := sh.register.pages.generation()
		x.changed <- struct{}{}
		q.until(t, "the register read again", func() bool { g, _ := sh.register.pages.generation(); return g > before })

		sh.SetExchange(nil)
		if sh.ExchangeLine() != nil || sh.exchTab != nil || sh.tabs.Selected() != sh.registerTab {
			t.Error("the exchange stays after its folder was cleared")
		}
	}
}

// The view with a fake exchange: fingerprint, join, trust with a wrong and the right
// fingerprint, sync, alarms.
func TestExchangeViewActions(t *testing.T) {
	test.NewTempApp(t)
	s := newRegister(t, 1)
	sh, q, w := shellFor(t, s, "it", "")
	x := busyExchange()
	x.st.Joined = false
	x.st.Offices[0].Trusted = false
	x.st.Offices[1].NewFingerprint = "NEWK-EYFP"
	x.st.Forks = []ForkAlarm{{Office: "ME", Path: "ME/ME-0000000012-0000000020.ascx", Reason: "fork"}}
	sh.SetExchange(x)
	sh.ShowExchange()
	v := sh.Exchange()
	q.until(t, "the view", func() bool { return v.join != nil && reads(w.Content(), "ABCD-EFGH-IJKL-MNOP") })
	for _, want := range []string{`\\server\share\ascolto`, "EG – Comune di Egna", "Impronta: AAAA-BBBB",
		"EG-0000000001-0000000004.ascx", "2 kB", "Allarme dall'ufficio ME: rifiutato: fork", "ME-0000000012-0000000020.ascx",
		"ultimo contatto: 15/06/2026 10:42", "ultimo contatto: mai", "un'altra chiave, con impronta NEWK-EYFP"} {
		if !reads(w.Content(), want) {
			t.Errorf("the view does not say %q: %q", want, texts(w.Content()))
		}
	}

	if v.trusts["ME"] == nil {
		t.Error("a new key of a trusted office cannot be confirmed")
	}
	capture(t, w, "exchange-it")

	test.Tap(v.join)
	q.until(t, "joined", func() bool { return v.join == nil && !v.busy })
	if x.joins != 1 || x.syncs != 1 {
		t.Errorf("%d joins, %d syncs", x.joins, x.syncs)
	}

	test.Tap(v.trusts["EG"])
	if v.trustIn == nil {
		t.Fatal("no question for the fingerprint")
	}
	test.Type(v.trustIn, "XXXX-YYYY")
	confirmDialog(t, w, "Fidati")
	q.until(t, "the refusal", func() bool { return !v.busy && w.Canvas().Overlays().Top() != nil })
	if !reads(w.Canvas().Overlays().Top(), "Scrivere l'impronta") || len(x.trusted) != 0 {
		t.Errorf("a wrong fingerprint: %q, trusted %v", texts(w.Canvas().Overlays().Top()), x.trusted)
	}
	w.Canvas().Overlays().Top().Hide()
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	test.Tap(v.trusts["EG"])
	test.Type(v.trustIn, "AAAA-BBBB")
	confirmDialog(t, w, "Fidati")
	q.until(t, "trusted", func() bool { return !v.busy && v.trusts["EG"] == nil })
	if len(x.trusted) != 1 || x.syncs != 2 || !reads(w.Content(), "L'ufficio EG è ora fidato") {
		t.Errorf("trusted %v after %d syncs", x.trusted, x.syncs)
	}

	test.Tap(v.sync)
	q.until(t, "synced", func() bool { return !v.busy && x.syncs == 3 && reads(w.Content(), "Sincronizzazione completata") })
}

// twoOffices is the exchange of two real registers through a real folder: this office
// (BZ, shown in the window) and Egna (EG), which has published one case and joined.
func twoOffices(t *testing.T) (bz, eg *data.Store, xbz, xeg *exchange.Exchange, folder string) {
	t.Helper()
	folder = t.TempDir()
	bz = newRegister(t, 1)
	var err error
	eg, err = data.Create(filepath.Join(t.TempDir(), "egna.ascolto"),
		data.Office{Code: "EG", NameIT: "Comune di Egna", NameDE: "Gemeinde Neumarkt"}, data.Options{Clock: fixedClock{}, Actor: "eg"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eg.Close() })
	err = eg.Update(t.Context(), func(tx *data.Tx) error {
		_, err := tx.Create(data.NewCase{Kind: data.KindReport, Channel: data.ChannelCounter, ReceivedAt: now.Add(-time.Hour),
			Subject: "Lampione guasto in via Portici", Citizen: data.Citizen{Name: "Anna Weiss"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	engine := func(s *data.Store) *exchange.Exchange {
		key, err := exchange.LoadOrCreateKey(exchange.KeyPath(s.Path()))
		if err != nil {
			t.Fatal(err)
		}
		x, err := exchange.New(exchange.Config{Store: s, Folder: exchange.OSFolder(folder), Root: folder, Key: key, Clock: fixedClock{}})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	xbz, xeg = engine(bz), engine(eg)
	if err := xeg.Join(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := xeg.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	return
}

func fingerprintOf(t *testing.T, s *data.Store) string {
	key, err := exchange.LoadOrCreateKey(exchange.KeyPath(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	return exchange.Fingerprint(key.Public().(ed25519.PublicKey))
}

// A new office joins the folder from the window, trusts the other office after the
// phone call (a wrong fingerprint trusts nothing), gets its cases, and decides a
// conflict between the two.
func TestExchangeWithTheRealEngine(t *testing.T) {
	test.NewTempApp(t)
	bz, eg, xbz, xeg, _ := twoOffices(t)
	sh, q, w := shellFor(t, bz, "it", "")
	sh.SetExchange(ExchangeEngine(xbz))
	sh.ShowExchange()
	v := sh.Exchange()
	mine := fingerprintOf(t, bz)
	q.until(t, "the view", func() bool { return v.join != nil && reads(w.Content(), mine) })

	test.Tap(v.join)
	q.until(t, "joined, the folder read", func() bool { return !v.busy && v.join == nil && v.trusts["EG"] != nil })
	if !reads(w.Content(), "EG – Comune di Egna") || !reads(w.Content(), "Impronta: "+fingerprintOf(t, eg)) {
		t.Errorf("the other office is not listed: %q", texts(w.Content()))
	}

	// A wrong fingerprint: the translated refusal, nothing trusted.
	test.Tap(v.trusts["EG"])
	test.Type(v.trustIn, "AAAA-BBBB-CCCC-DDDD")
	confirmDialog(t, w, "Fidati")
	q.until(t, "the refusal", func() bool { return !v.busy && w.Canvas().Overlays().Top() != nil })
	refusal := strings.Join(texts(w.Canvas().Overlays().Top()), " ")
	want := ErrorText("it", data.Problemf("exchange.wrong_fingerprint", "code", "EG", "fingerprint", "AAAA-BBBB-CCCC-DDDD"))
	if strings.Contains(refusal, "exchange.") || !reads(w.Canvas().Overlays().Top(), want) {
		t.Errorf("the refusal: %q, want %q", refusal, want)
	}
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
	if st, _ := xbz.Status(t.Context()); trustedIn(st, "EG") {
		t.Fatal("a wrong fingerprint trusted the office")
	}

	// The right one, typed as read out (lower case, spaces): trusted, and its case here.
	test.Tap(v.trusts["EG"])
	test.Type(v.trustIn, strings.ToLower(strings.ReplaceAll(fingerprintOf(t, eg), "-", " ")))
	confirmDialog(t, w, "Fidati")
	q.until(t, "trusted", func() bool { return !v.busy && len(v.trusts) == 0 })
	if st, _ := xbz.Status(t.Context()); !trustedIn(st, "EG") {
		t.Fatal("the right fingerprint did not trust the office")
	}
	q.until(t, "the case of Egna in the table", func() bool {
		return settled(sh.register) && strings.Contains(strings.Join(rowsShown(sh.register), " "), "EG-2026-")
	})

	// Both offices assign Egna's case before seeing each other's change: a conflict.
	cs, err := bz.List(t.Context(), data.Filter{Offices: []string{"EG"}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("%v %v", cs, err)
	}
	id := cs[0].ID
	if err := xeg.Trust(t.Context(), "BZ", mine); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		store *data.Store
		who   string
	}{{bz, "m.rossi"}, {eg, "k.huber"}} {
		err := s.store.Update(t.Context(), func(tx *data.Tx) error { _, err := tx.Assign(id, s.who); return err })
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := xeg.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	test.Tap(v.sync)
	q.until(t, "the conflict", func() bool { return !v.busy && len(v.keeps) == 1 })
	for _, want := range []string{"EG-2026-000001 · Assegnata a", "m.rossi", "k.huber", "ufficio Ufficio relazioni con il pubblico", "ufficio Comune di Egna",
		"valore mostrato ora in tutti gli uffici (provvisorio)"} {
		if !reads(w.Content(), want) {
			t.Errorf("the conflict does not say %q: %q", want, texts(w.Content()))
		}
	}
	capture(t, w, "exchange-conflict-it")
	var keep *button
	for _, c := range v.conflicts {
		for i, h := range c.Heads {
			if h.Value == "k.huber" {
				keep = v.keeps[conflictKey(c)][i]
			}
		}
	}
	test.Tap(keep)
	q.until(t, "the conflict decided", func() bool { return !v.busy && len(v.keeps) == 0 && reads(w.Content(), "Nessun conflitto.") })
	if c, err := bz.Get(t.Context(), id); err != nil || c.Assignee != "k.huber" {
		t.Errorf("kept %+v, %v", c, err)
	}
	if left, _ := bz.Conflicts(t.Context()); len(left) != 0 {
		t.Errorf("conflicts left: %+v", left)
	}

	// The status line, in Italian and, switched, in German (the clock stands at 12:00).
	if got := sh.ExchangeLine().Text(); got != "Scambio: 1 ufficio · ultimo 12:00" {
		t.Errorf("the status line: %q", got)
	}
	sh.SetLanguage("de")
	q.until(t, "the German line and view", func() bool {
		return sh.ExchangeLine().Text() == "Austausch: 1 Amt · zuletzt 12:00" && reads(w.Content(), "Keine Konflikte.")
	})
	if sh.tabs.Selected() != sh.exchTab {
		t.Error("the exchange view is not in front after the switch")
	}
}

func trustedIn(st exchange.Status, code string) bool {
	for _, o := range st.Offices {
		if o.Code == code {
			return o.Trusted
		}
	}
	return false
}

// An exchange that could not start says why, on the line and in the view, with the
// folder as the clerk wrote it (a Windows share stays a Windows share).
func TestFailedExchange(t *testing.T) {
	test.NewTempApp(t)
	sh, q, w := shellFor(t, newRegister(t, 1), "de", "")
	share := `\\server\share\ascolto`
	sh.SetExchange(FailedExchange(share, data.Problemf("exchange.unreachable", "folder", share)))
	want := "Austausch: " + ErrorText("de", data.Problemf("exchange.unreachable", "folder", share))
	q.until(t, "the line", func() bool { return sh.ExchangeLine().Text() == want })
	sh.ShowExchange()
	v := sh.Exchange()
	q.until(t, "the view", func() bool { return v.sync != nil && reads(w.Content(), share) })
	if !v.sync.Disabled() || v.join == nil || !v.join.Disabled() {
		t.Error("actions offered on an exchange that did not start")
	}
}

// heldExchange is a fake whose SyncOnce waits for release (or for its context to end),
// then returns result: a sync that takes long, as the first import of a large register.
type heldExchange struct {
	*fakeExchange
	started chan struct{} // a SyncOnce began
	release chan error    // what the SyncOnce waiting returns
	ended   chan error    // what it returned (its context's error when that ended)
	deaf    bool          // it does not heed its context: a share that hangs
}

func (h *heldExchange) ctxDone(ctx context.Context) <-chan struct{} {
	if h.deaf {
		return nil
	}
	return ctx.Done()
}

func newHeldExchange() *heldExchange {
	return &heldExchange{fakeExchange: busyExchange(), started: make(chan struct{}, 1),
		release: make(chan error, 1), ended: make(chan error, 1)}
}

func (h *heldExchange) SyncOnce(ctx context.Context) (ExchangeReport, error) {
	h.started <- struct{}{}
	var err error
	select {
	case err = <-h.release:
	case <-h.ctxDone(ctx):
		err = fmt.Errorf("exchange: look: %w", ctx.Err())
	}
	h.ended <- err
	return ExchangeReport{}, err
}

// A sync that waits for the exchange says so after a while, and one that runs out of
// time says "busy, try again", never "deadline exceeded".
func TestExchangeBusyInsteadOfDeadlineExceeded(t *testing.T) {
	test.NewTempApp(t)
	for _, lang := range []string{"it", "de"} {
		sh, q, w := shellFor(t, newRegister(t, 1), lang, "")
		x := newHeldExchange()
		sh.SetExchange(x)
		sh.ShowExchange()
		v := sh.Exchange()
		q.until(t, "the view", func() bool { return v.sync != nil && !v.sync.Disabled() })
		test.Tap(v.sync)
		<-x.started
		waiting := translations.T(lang, "exchange.view.busy_waiting")
		q.until(t, "the busy message", func() bool { return v.msg.Visible() && v.msg.Text == waiting })
		x.release <- fmt.Errorf("exchange: look: %w", context.DeadlineExceeded)
		busy := translations.T(lang, "exchange.view.busy")
		q.until(t, "the refusal", func() bool { return !v.busy && overlayReads(w, busy) })
		if strings.Contains(strings.Join(texts(w.Canvas().Overlays().Top()), " "), "deadline") {
			t.Errorf("%s: a raw error: %q", lang, texts(w.Canvas().Overlays().Top()))
		}
		if v.sync.Disabled() {
			t.Errorf("%s: Sync now stays disabled", lang)
		}
	}
}

// The exchange's last failure: on the status line (red while it is the latest news,
// amber once a look succeeded after it) and in the view's alarms, with its time, in
// Italian and German.
func TestExchangeLastError(t *testing.T) {
	share := `\\server\share\ascolto`
	failed := data.Problemf("exchange.unreachable", "folder", share)
	at := lastScan.Add(5 * time.Minute)
	for _, tc := range []struct{ lang, line, view string }{
		{"it", "ultimo controllo della cartella non riuscito: ", "L'ultimo tentativo dello scambio non è riuscito (15/06/2026 10:47): "},
		{"de", "letzte Prüfung des Ordners fehlgeschlagen: ", "Der letzte Versuch des Austauschs ist fehlgeschlagen (15.06.2026 10:47): "},
	} {
		st := busyExchange().st
		st.Rejected = nil
		st.Conflicts = 0
		st.LastError, st.LastErrorAt = failed, at
		got, level := exchangeSummary(tc.lang, st, nil, now)
		if want := tc.line + ErrorText(tc.lang, failed); !strings.HasSuffix(got, want) {
			t.Errorf("%s: line %q, want it to end with %q", tc.lang, got, want)
		}
		if level != widget.DangerImportance {
			t.Errorf("%s: a failure after the last good look is not red", tc.lang)
		}
		st.LastErrorAt = lastScan.Add(-time.Hour)
		if _, level := exchangeSummary(tc.lang, st, nil, now); level != widget.WarningImportance {
			t.Errorf("%s: a failure before the last good look is not amber: %v", tc.lang, level)
		}

		test.NewTempApp(t)
		sh, q, w := shellFor(t, newRegister(t, 1), tc.lang, "")
		x := busyExchange()
		x.st.LastError, x.st.LastErrorAt = failed, at
		sh.SetExchange(x)
		sh.ShowExchange()
		want := tc.view + ErrorText(tc.lang, failed)
		q.until(t, "the alarm", func() bool { return reads(w.Content(), want) })
		q.until(t, "the line", func() bool { return strings.HasSuffix(sh.ExchangeLine().Text(), tc.line+ErrorText(tc.lang, failed)) })
	}
}

// An exchange that did not start offers "Try again", which starts it again.
func TestFailedExchangeTryAgain(t *testing.T) {
	test.NewTempApp(t)
	sh, q, w := shellFor(t, newRegister(t, 1), "it", "")
	share := `\\server\share\ascolto`
	var tries int
	sh.SetExchange(RetryableExchange(share, data.Problemf("exchange.unreachable", "folder", share), func() { tries++ }))
	sh.ShowExchange()
	v := sh.Exchange()
	q.until(t, "the view", func() bool { return v.retry != nil && reads(w.Content(), share) })
	if !v.sync.Disabled() || v.retry.Disabled() {
		t.Fatal("Try again is not the action offered")
	}
	test.Tap(v.retry)
	if tries != 1 || !reads(w.Content(), translations.T("it", "exchange.view.retrying")) {
		t.Errorf("%d tries: %q", tries, texts(w.Content()))
	}
}
