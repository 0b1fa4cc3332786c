package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/data/exchange"
	"ascolto/ui"
)

// TestExchangeFollowsTheSettings drives the program's wiring of the exchange: with an
// exchange folder in the preferences the register's key is made beside it, the office is
// published in the folder, a case registered here reaches the folder, and the window
// shows the exchange; clearing the folder stops it and hides it.
func TestExchangeFollowsTheSettings(t *testing.T) {
	app := test.NewApp()
	defer test.NewApp()
	dir, folder := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "register.ascolto")
	store, err := data.Create(path, data.Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, windowOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &program{app: app, win: app.NewWindow("Ascolto"), lang: "it", ctx: ctx}
	shell := ui.NewShell(ui.Config{Store: store, Lang: "it", Window: p.win, App: app})
	app.Preferences().SetString(ui.PrefExchangeDir, folder)
	r := p.startExchange(store, shell)
	defer r.close()

	within := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("%s: not within 20 s", what)
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	within("office published", func() bool { return exists(filepath.Join(folder, "BZ", "office.json")) })
	if !exists(exchange.KeyPath(path)) {
		t.Fatal("no key beside the register")
	}
	within("exchange shown", func() bool { return shell.ExchangeLine() != nil })
	if _, err := store.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: "Orari"}); err != nil {
		t.Fatal(err)
	}
	within("case published", func() bool {
		m, _ := filepath.Glob(filepath.Join(folder, "BZ", "BZ-*.ascx"))
		return len(m) == 1
	})

	app.Preferences().SetString(ui.PrefExchangeDir, "")
	within("exchange hidden", func() bool { return shell.ExchangeLine() == nil })
}
