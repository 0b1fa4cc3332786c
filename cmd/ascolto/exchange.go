package main

import (
	"context"
	"log"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"ascolto/data"
	"ascolto/data/exchange"
	"ascolto/ui"
)

// exchanger keeps the exchange with the other offices running while the register is
// open, on the folder the settings keep in the preferences (ui.PrefExchangeDir): started
// when the register opens with a folder set, started again on another folder, stopped
// when the folder is cleared or the window closes. The folder is used as the clerk wrote
// it — a Windows share (\\server\share\ascolto) stays as it is.
type exchanger struct {
	store *data.Store
	shell *ui.Shell
	prefs fyne.Preferences

	want  chan string   // the folder asked for, newest only
	again chan struct{} // "Try again" in the view, for a folder that did not start
	ctx   context.Context
	stop  context.CancelFunc
	done  chan struct{}

	mu     sync.Mutex
	closed bool
	x      *exchange.Exchange // the engine running now, nil when none (guarded by mu)
}

// stopWait bounds how long closing the window waits for the exchange's last round: a
// share that hangs must not keep the program from ending.
const stopWait = 10 * time.Second

// startExchange follows the exchange folder of the preferences for store's register,
// shown in shell. UI thread.
func (p *program) startExchange(store *data.Store, shell *ui.Shell) *exchanger {
	ctx, cancel := context.WithCancel(p.ctx)
	r := &exchanger{store: store, shell: shell, prefs: p.app.Preferences(), want: make(chan string, 1),
		again: make(chan struct{}, 1), ctx: ctx, stop: cancel, done: make(chan struct{})}
	r.ask()
	// Fyne calls this after any preference changed (it cannot be removed: closed says
	// when it no longer matters); what changed is read here, the work is done by run.
	r.prefs.AddChangeListener(r.ask)
	go r.run()
	return r
}

// ask hands the current folder to run, replacing one it has not taken yet.
func (r *exchanger) ask() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	folder := r.prefs.String(ui.PrefExchangeDir)
	select {
	case <-r.want:
	default:
	}
	r.want <- folder
}

// retry starts the folder that failed to start again (the view's "Try again"); it
// does not wait.
func (r *exchanger) retry() {
	select {
	case r.again <- struct{}{}:
	default:
	}
}

// engine is the exchange engine running now, nil when none: a restore closes it (it
// waits for the engine's work to end) before it closes the register.
func (r *exchanger) engine() *exchange.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.x
}

func (r *exchanger) setEngine(x *exchange.Exchange) {
	r.mu.Lock()
	r.x = x
	r.mu.Unlock()
}

// close stops the exchange and waits (a while) for it to end, before the register is
// closed under it; false when it did not end within stopWait.
func (r *exchanger) close() bool {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.stop()
	select {
	case <-r.done:
		return true
	case <-time.After(stopWait):
		log.Printf("ascolto: exchange: did not stop within %v", stopWait)
		return false
	}
}

// run starts and stops the exchange as the folder changes, one at a time.
func (r *exchanger) run() {
	defer close(r.done)
	current := ""
	stop := func() {}
	defer func() { stop() }()
	// retry is set while current failed to start: it is tried again after watchAgain
	// (a share down at the start is usually back soon), or at once on "Try again".
	var retry <-chan time.Time
	for {
		var folder string
		again := false
		select {
		case <-r.ctx.Done():
			return
		case folder = <-r.want:
		case <-retry:
			folder, again = current, true
		case <-r.again:
			if retry == nil {
				continue // nothing failed: the exchange runs
			}
			folder, again = current, true
		}
		if folder == current && !again {
			continue
		}
		retry = nil
		stop()
		stop = func() {}
		r.setEngine(nil)
		current = folder
		if folder == "" {
			log.Printf("ascolto: exchange: no folder, stopped")
			fyne.Do(func() { r.shell.SetExchange(nil) })
			continue
		}
		x, err := r.open(folder)
		if err != nil {
			log.Printf("ascolto: exchange on %s: %v (again in %v)", folder, err, watchAgain)
			fyne.Do(func() { r.shell.SetExchange(ui.RetryableExchange(folder, err, r.retry)) })
			retry = time.After(watchAgain)
			continue
		}
		r.setEngine(x)
		shown := ui.ExchangeEngine(x)
		fyne.Do(func() { r.shell.SetExchange(shown) })
		stop = r.start(x, shown, folder)
	}
}

// start follows folder until the function returned is called, which waits (a while)
// for the end: a share that hangs must not keep the next folder from starting. The old
// folder's work then ends on its own, on a cancelled context.
func (r *exchanger) start(x *exchange.Exchange, shown ui.Exchanger, folder string) (stop func()) {
	ctx, cancel := context.WithCancel(r.ctx)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		r.watch(ctx, x, shown, folder)
	}()
	return func() {
		cancel()
		// Closed, the engine refuses what the window may still ask of it, and a look
		// that hangs ends without touching the register again.
		go func() {
			if err := x.Close(); err != nil {
				log.Printf("ascolto: exchange on %s: closing: %v", folder, err)
			}
		}()
		select {
		case <-ended:
		case <-time.After(stopWait):
			log.Printf("ascolto: exchange on %s did not stop within %v; going on without waiting", folder, stopWait)
		}
	}
}

// open makes the engine for folder with this workstation's key for the register
// (made on first use beside the register file).
func (r *exchanger) open(folder string) (*exchange.Exchange, error) {
	key, err := exchange.LoadOrCreateKey(exchange.KeyPath(r.store.Path()))
	if err != nil {
		return nil, err
	}
	return exchange.New(exchange.Config{Store: r.store, Folder: exchange.OSFolder(folder), Root: folder,
		Key: key, Clock: data.SystemClock{}, Log: slog.Default()})
}

// watchAgain is the pause before the exchange is taken up again after it stopped on an
// error: the program runs all day, the exchange must not end with one bad moment.
const watchAgain = time.Minute

// watch joins the folder (publishing this office's key; a folder that does not answer
// now is joined from the view later) and follows it until ctx ends.
func (r *exchanger) watch(ctx context.Context, x *exchange.Exchange, shown ui.Exchanger, folder string) {
	if err := shown.Join(ctx); err != nil { // through the window's side, which then knows
		log.Printf("ascolto: exchange: joining %s: %v", folder, err)
	} else {
		log.Printf("ascolto: exchange on %s", folder)
	}
	for {
		err := x.Watch(ctx)
		if ctx.Err() != nil {
			return
		}
		log.Printf("ascolto: exchange on %s stopped, again in %v: %v", folder, watchAgain, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(watchAgain):
		}
	}
}
