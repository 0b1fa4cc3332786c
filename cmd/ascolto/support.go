package main

import (
	"context"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"ascolto/cmd/internal/applog"
	"ascolto/cmd/internal/buildinfo"
	"ascolto/cmd/internal/support"
	"ascolto/data"
	"ascolto/data/instance"
	"ascolto/translations"
)

// windowOptions: a far smaller page cache than ascoltoctl's bulk work. The window reads
// in short bursts, and each open connection has a cache of its own: at the start four
// of them count and read side by side, and with 32 MB each the page caches were the
// largest part of the window's memory that is its own (some 110 MB of a 1,000,000-case
// register's index pages). The register file is in the system's file cache anyway, so
// a page SQLite must read again costs a copy, not a disk read: with 8 MB instead of 32
// a page deep in a million cases (BenchmarkFarRow), the first rows and the search as
// you type (BenchmarkKeystrokeToTable) took the same time, within the noise
// (docs/window.md, "Measured").
var windowOptions = data.Options{CacheMiB: 8}

// windowConns bounds the connections the window opens, and so its page caches to
// windowConns × CacheMiB. The watch for other programs holds one all the time (it asks
// its own connection's data_version); the table's pages and the counts take one each
// while they read, which leaves one for a save, the reminder's count or the background
// index merge. More only wait their turn; nothing in the window holds a connection
// while it asks for another, so the bound cannot block it.
const windowConns = 4

// limitConns is applied to every store the window opens (at the start and after a
// restore). A connection that falls idle is closed, and its page cache freed: between
// the bursts of reading only one stays open beside the watch's.
func limitConns(store *data.Store) {
	store.DB().SetMaxOpenConns(windowConns)
	store.DB().SetMaxIdleConns(1)
}

// The Go heap of the window is small and steady — some 25 MB live while the table
// scrolls, most of it Fyne's fonts — but with the default GOGC of 100 it is let grow to
// twice that before a collection. At 50 the heap peaks some 12 MB lower, for a
// collection of a few milliseconds about twice a second while scrolling. GOGC in the
// environment still decides when it is set.
func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

// logPath is the window's log in the user's data folder (rotated, see applog).
func logPath() string { return filepath.Join(data.DefaultDir(), "logs", "ascolto.log") }

// openLog sends the standard logger to the rotating log file as well as to stderr.
func openLog() func() {
	w, err := applog.Open(logPath())
	if err != nil {
		log.Printf("ascolto: no log file: %v", err)
		return func() {}
	}
	log.SetOutput(io.MultiWriter(os.Stderr, w))
	log.Printf("%s started", buildinfo.String("Ascolto"))
	return func() { log.SetOutput(os.Stderr); w.Close() }
}

// holdRegister makes this the one program on the register. When another already has
// it, that one is asked to come forward and this start ends; if it does not answer,
// the clerk is told (problem is then non-nil and shown instead of the register).
func (p *program) holdRegister() (release func(), forwarded bool, problem error) {
	in, err := instance.Acquire(p.path)
	switch {
	case err == instance.ErrRunning:
		if instance.Knock(p.path) {
			os.Stderr.WriteString("ascolto: " + translations.T(p.lang, "window.already_open") + "\n")
			return func() {}, true, nil
		}
		return func() {}, false, data.Problemf("window.already_open_noanswer")
	case err != nil: // no lock possible (read-only folder): carry on, data.Open will say more
		log.Printf("ascolto: no lock beside the register: %v", err)
		return func() {}, false, nil
	}
	if err := in.Listen(func() {
		fyne.Do(func() { p.win.Show(); p.win.RequestFocus() })
	}); err != nil {
		log.Printf("ascolto: a second start cannot call this window: %v", err)
	}
	return in.Release, false, nil
}

// current is the register the window has open now: a restore replaces the store, and
// fallback (the one a caller was given) serves until there is one again.
func (p *program) current(fallback *data.Store) *data.Store {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.store != nil {
		return p.store
	}
	return fallback
}

// housekeep keeps the register safe while the window is open: today's backup at start
// and, checked every hour, the next day's; the retention rule applied once at start.
// It follows a restore: the hourly backup is of the register open at that hour.
func (p *program) housekeep(store *data.Store) {
	backup := func() {
		store := p.current(store)
		if path, err := store.DailyBackup(p.ctx); err != nil {
			log.Printf("ascolto: daily backup: %v", err)
		} else if path != "" {
			log.Printf("ascolto: daily backup %s", path)
		}
	}
	backup()
	if n, err := store.ApplyRetention(p.ctx); err != nil {
		log.Printf("ascolto: retention: %v", err)
	} else if n > 0 {
		log.Printf("ascolto: retention rule anonymised %d cases", n)
	}
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-tick.C:
			backup()
		}
	}
}

// tellMigration says, once, that opening upgraded the register and where the old
// version is kept. UI thread.
func (p *program) tellMigration(store *data.Store) {
	m := store.Migrated()
	if m == nil || m.Backup == "" {
		return
	}
	log.Printf("ascolto: register upgraded %s", m)
	dialog.ShowInformation(translations.T(p.lang, "window.migrated_title"),
		translations.T(p.lang, "window.migrated", "from", itoa(m.From), "to", itoa(m.To), "backup", m.Backup), p.win)
}

func itoa(n int) string { return strconv.Itoa(n) }

// stopEngine stops the exchange r and closes its engine, waiting at most stopWait for
// the engine's work under way; false when it did not end in time (the register must
// then not be closed under it).
func stopEngine(r *exchanger) bool {
	r.close()
	x := r.engine()
	if x == nil {
		return true
	}
	closed := make(chan error, 1)
	go func() { closed <- x.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			log.Printf("ascolto: exchange: closing: %v", err)
		}
		return true
	case <-time.After(stopWait):
		log.Printf("ascolto: exchange: its work did not end within %v", stopWait)
		return false
	}
}

// diagnostics is Help → Copy diagnostics, about the register open at the time.
func (p *program) diagnostics(store *data.Store) func() string {
	return func() string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return support.Report(ctx, "Ascolto", p.current(store), logPath())
	}
}

// restore is Settings → Restore a backup (ui.RestoreFunc). The window has stopped
// reading the register; here it is closed, so that data.Restore — which checks the
// backup first and keeps a copy of the register it replaces — is the only one at the
// file, and then opened again as at the start. When restoring fails the register that
// is still there (untouched: Restore replaces it by a rename, at the very end) is
// opened again, so the clerk goes on working. A window closed meanwhile cancels the
// work (p.ctx) and nothing is opened.
//
// The exchange writes to the register: it is stopped and its engine closed (which
// waits for the engine's work under way, the window's too, to end) before the register
// is closed. An exchange that does not stop within stopWait (a share that hangs in
// the middle of a look) refuses the restore: nothing is replaced, and the register
// stays open.
func (p *program) restore(_ context.Context, from string) (*data.Store, string, error) {
	p.mu.Lock()
	old, exch := p.store, p.exch
	p.store, p.exch = nil, nil // closing the window meanwhile must not close it a second time
	p.mu.Unlock()
	if exch != nil { // it stops first (stopEngine, below), and follows the register opened after
		defer func() {
			p.mu.Lock()
			store := p.store
			p.mu.Unlock()
			if store != nil {
				fyne.Do(func() {
					p.mu.Lock()
					defer p.mu.Unlock()
					if p.store == store && p.exch == nil && p.shell != nil {
						p.exch = p.startExchange(store, p.shell)
					}
				})
			}
		}()
	}
	if old == nil {
		if exch != nil {
			exch.close()
		}
		return nil, "", data.Problemf("err.restore", "path", from)
	}
	if exch != nil && !stopEngine(exch) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.ctx.Err() != nil { // the window closed meanwhile: it is not closed twice
			old.Close()
			return nil, "", p.ctx.Err()
		}
		p.store = old // the exchange starts on it again (above)
		log.Printf("ascolto: restore from %s refused: the exchange did not stop", from)
		return old, "", data.Problemf("exchange.view.restore_busy")
	}
	path := old.Path()
	old.Close()
	saved, err := data.Restore(p.ctx, from, path)
	if err != nil {
		log.Printf("ascolto: restore from %s: %v", from, err)
	} else {
		log.Printf("ascolto: register restored from %s; the replaced one is kept in %s", from, saved)
	}
	store, oerr := data.Open(path, windowOptions)
	if oerr != nil {
		if err == nil {
			err = oerr
		}
		return nil, saved, err
	}
	limitConns(store) // as opened at the start
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil { // the window closed meanwhile
		store.Close()
		return nil, saved, p.ctx.Err()
	}
	p.store = store
	if err == nil {
		fyne.Do(func() { p.tellMigration(store) }) // a backup of an older format was upgraded
	}
	return store, saved, err
}
