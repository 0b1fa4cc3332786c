package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/data/exchange"
)

// yearAgo is the clock of a workstation set a year back.
type yearAgo struct{}

func (yearAgo) Now() time.Time { return now.AddDate(-1, 0, 0) }

// TestExchangeTabNamesTheOfficeOfAHeldFile: this office's clock is a year behind, so
// Egna's file is stamped far ahead and waits in the folder. The Exchange tab names
// Egna by its name and writes the time its changes carry as the clerk reads dates, in
// Italian and German (it said only "dated more than a day after this computer's clock").
func TestExchangeTabNamesTheOfficeOfAHeldFile(t *testing.T) {
	folder := t.TempDir()
	ctx := t.Context()
	eg, err := data.Create(filepath.Join(t.TempDir(), "egna.ascolto"),
		data.Office{Code: "EG", NameIT: "Comune di Egna", NameDE: "Gemeinde Neumarkt"}, data.Options{Clock: fixedClock{}, Actor: "eg"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eg.Close() })
	if err := eg.Update(ctx, func(tx *data.Tx) error {
		_, err := tx.Create(data.NewCase{Kind: data.KindReport, Channel: data.ChannelCounter, ReceivedAt: now.Add(-time.Hour),
			Subject: "Lampione guasto in via Portici", Citizen: data.Citizen{Name: "Anna Weiss"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	engine := func(s *data.Store, clock data.Clock) *exchange.Exchange {
		key, err := exchange.LoadOrCreateKey(exchange.KeyPath(s.Path()))
		if err != nil {
			t.Fatal(err)
		}
		x, err := exchange.New(exchange.Config{Store: s, Folder: exchange.OSFolder(folder), Root: folder, Key: key, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	xeg := engine(eg, fixedClock{})
	if _, err := xeg.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	bz := newRegister(t, 1)
	xbz := engine(bz, yearAgo{})
	if err := xbz.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if err := xbz.Trust(ctx, "EG", fingerprintOf(t, eg)); err != nil {
		t.Fatal(err)
	}
	xbz.SyncOnce(ctx)
	st, err := ExchangeEngine(xbz).Status(ctx)
	if err != nil || len(st.Rejected) != 1 || st.Rejected[0].HeldOffice != "EG" || st.Rejected[0].HeldAt.Sub(now).Abs() > time.Minute {
		t.Fatalf("Egna's file is not held for its clock: %+v %v", st.Rejected, err)
	}
	for _, lang := range []string{"it", "de"} {
		want := map[string]string{
			"it": "Le modifiche dell'ufficio Comune di Egna (EG) sono datate 15/06/2026 12:00,",
			"de": "Die Änderungen des Amtes Gemeinde Neumarkt (EG) sind auf 15.06.2026 12:00 datiert",
		}[lang]
		test.NewTempApp(t)
		sh, q, w := shellFor(t, bz, lang, "")
		sh.SetExchange(ExchangeEngine(xbz))
		sh.ShowExchange()
		q.until(t, "the held file's reason", func() bool { return reads(w.Content(), want) })
		if all := strings.Join(texts(w.Content()), "\n"); strings.Contains(all, "UTC") || strings.Contains(all, "T12:00") {
			t.Errorf("%s: the time is shown as the program stores it:\n%s", lang, all)
		}
	}
}
