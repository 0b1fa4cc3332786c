package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
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

// A restore while the exchange syncs: the exchange is stopped and its engine closed —
// which waits for the sync under way — before the register is closed and replaced;
// nothing of the exchange reaches the closed register, later calls are refused, and
// the exchange starts again on the restored register.
func TestExchangeStopsForARestore(t *testing.T) {
	app := test.NewApp()
	defer test.NewApp()
	dir, folder := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "register.ascolto")
	store, err := data.Create(path, data.Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, windowOptions)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	newCase := func(s *data.Store) {
		t.Helper()
		if _, err := s.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: "Orari"}); err != nil {
			t.Fatal(err)
		}
	}
	newCase(store)
	backup := filepath.Join(t.TempDir(), "copy.ascolto")
	if err := store.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	newCase(store)
	p := &program{app: app, win: app.NewWindow("Ascolto"), lang: "it", ctx: ctx, store: store}
	p.shell = ui.NewShell(ui.Config{Store: store, Lang: "it", Window: p.win, App: app})
	app.Preferences().SetString(ui.PrefExchangeDir, folder)
	p.exch = p.startExchange(store, p.shell)

	within := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("%s: not within 20 s", what)
	}
	within("the exchange running", func() bool { return p.exch.engine() != nil && p.shell.ExchangeLine() != nil })
	x := p.exch.engine()

	// Syncs one after the other, as the view's Sync now, while the restore runs.
	stop := make(chan struct{})
	var errs []error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := x.SyncOnce(context.Background()); err != nil {
				errs = append(errs, err)
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)
	restored, _, err := p.restore(ctx, backup)
	close(stop)
	wg.Wait()
	if err != nil || restored == nil {
		t.Fatalf("restore: %v", err)
	}
	if n, _ := restored.Count(ctx, data.Filter{}); n != 1 {
		t.Errorf("%d cases after the restore", n)
	}
	for _, err := range errs {
		if pr, ok := data.AsProblem(err); !ok || pr.Key != "exchange.closed" {
			t.Errorf("a sync during the restore: %v", err)
		}
	}
	if _, err := x.SyncOnce(ctx); err == nil {
		t.Error("the closed exchange still syncs")
	}

	within("the exchange on the restored register", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.exch != nil && p.exch.store == restored && p.exch.engine() != nil
	})
	p.mu.Lock()
	r := p.exch
	p.mu.Unlock()
	if !r.close() {
		t.Error("the exchange did not stop")
	}
	restored.Close()
}
