package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"ascolto/data"
	"ascolto/ui"
)

// program is the running window: which register, in which language, and what it shows.
type program struct {
	app     fyne.App
	win     fyne.Window
	lang    string
	path    string
	shot    string
	ctx     context.Context
	started time.Time

	mu    sync.Mutex
	exit  int
	store *data.Store
	view  *ui.RegisterView
}

func (p *program) setExit(code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exit == exitOK {
		p.exit = code
	}
}

func (p *program) exitCode() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exit
}

// start opens the register, creating the trial one on the first start, and puts the
// right screen in the window. It runs on its own goroutine.
func (p *program) start() {
	store, err := data.Open(p.path, data.Options{})
	if pr, ok := data.AsProblem(err); ok && pr.Key == "err.no_register" {
		store, err = p.createTrial()
	}
	if p.ctx.Err() != nil { // the window was closed meanwhile: nothing to show
		if store != nil {
			store.Close()
		}
		return
	}
	if err != nil {
		p.setExit(exitNoOpen)
		fmt.Fprintf(os.Stderr, "ascolto: %s\n", ui.ErrorText(p.lang, err))
		fyne.Do(func() { p.showProblem(err) })
		return
	}
	opened := time.Now()
	p.logf("register open %v after start", opened.Sub(p.started).Round(time.Millisecond))
	fyne.Do(func() { p.showRegister(store, opened) })
}

func (p *program) showRegister(store *data.Store, opened time.Time) {
	if p.ctx.Err() != nil { // the window closed meanwhile
		store.Close()
		return
	}
	view := ui.NewRegisterView(store, p.lang)
	p.mu.Lock()
	p.store, p.view = store, view
	p.mu.Unlock()
	view.OnFirstRows = func() {
		p.logf("first rows on screen %v after the register opened, %v after start",
			time.Since(opened).Round(time.Millisecond), time.Since(p.started).Round(time.Millisecond))
		if p.shot != "" {
			go p.capture()
		}
	}
	p.win.SetTitle(view.Title())
	p.win.SetContent(view.Object())
}

func (p *program) showProblem(err error) {
	p.win.SetContent(ui.NewProblemView(p.lang, err, p.app.Quit))
	if p.shot != "" {
		go p.capture()
	}
}

// closeView stops the view's loader and closes the register when the window goes.
func (p *program) closeView() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.view != nil {
		p.view.Close()
	}
	if p.store != nil {
		p.store.Close()
	}
	p.store, p.view = nil, nil
}

// logf reports timings on standard error when taking a screenshot (the smoke test keeps
// them in its log); a clerk's normal start stays quiet.
func (p *program) logf(format string, args ...any) {
	if p.shot != "" {
		fmt.Fprintf(os.Stderr, "ascolto: "+format+"\n", args...)
	}
}
