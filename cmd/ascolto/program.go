package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"ascolto/cmd/internal/buildinfo"
	"ascolto/data"
	"ascolto/data/draft"
	"ascolto/ui"
)

// program is the running window: which register, in which language, and what it shows.
type program struct {
	app          fyne.App
	win          fyne.Window
	lang         string
	path         string
	explicitPath bool
	shot         string
	show         string
	demo         bool
	ctx          context.Context
	started      time.Time

	mu    sync.Mutex
	exit  int
	store *data.Store
	shell *ui.Shell
	exch  *exchanger // the exchange with other offices (exchange.go)
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

// start opens the register, or shows the first-start screen where there is none, and
// puts the right screen in the window. It runs on its own goroutine.
func (p *program) start() {
	opts := windowOptions
	opts.Progress = p.upgradeProgress() // upgrade.go
	store, err := data.Open(p.path, opts)
	if pr, ok := data.AsProblem(err); ok && pr.Key == "err.no_register" {
		if p.demo {
			store, err = p.createTrial()
		} else {
			fyne.Do(p.showFirstStart)
			return
		}
	}
	p.opened(store, err)
}

// opened shows the register (or why it could not be opened). Any goroutine.
func (p *program) opened(store *data.Store, err error) {
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
	// At most windowConns connections, and those that fall idle are closed with their
	// page caches (support.go): the window's memory on a large register.
	limitConns(store)
	at := time.Now()
	p.logf("register open %v after start", at.Sub(p.started).Round(time.Millisecond))
	drafts, derr := draft.Open(draft.DirFor(store.Path()))
	if derr != nil {
		fmt.Fprintf(os.Stderr, "ascolto: drafts are not kept: %v\n", derr)
	}
	fyne.Do(func() { p.showRegister(store, drafts, at) })
}

// showFirstStart asks how to begin: set up the office's register, open one, or try
// the demo register. UI thread.
func (p *program) showFirstStart() {
	v := ui.NewFirstStartView(p.lang, p.path, p.win, ui.FirstStart{
		TrialCases: trialCases,
		Create: func(o data.Office, signer string) error {
			store, err := data.Create(p.path, o, windowOptions)
			if err != nil {
				return err
			}
			if signer != "" {
				p.app.Preferences().SetString(ui.PrefSigner, signer)
			}
			go p.opened(store, nil)
			return nil
		},
		Open: func(path string) error {
			store, err := data.Open(path, windowOptions)
			if err != nil {
				return err
			}
			p.app.Preferences().SetString(ui.PrefRegister, path)
			p.path = path
			go p.opened(store, nil)
			return nil
		},
		Demo: func() {
			go func() {
				store, err := p.createTrial()
				p.opened(store, err)
			}()
		},
		Language: func(lang string) {
			p.lang = lang
			p.app.Preferences().SetString(ui.PrefLanguage, lang)
			ui.UseFyneLanguage(lang)
			p.showFirstStart()
		},
	})
	p.win.SetTitle("Ascolto")
	p.win.SetContent(v.Object())
	v.FocusFirst(p.win.Canvas())
	if p.shot != "" {
		go p.capture()
	}
}

func (p *program) showRegister(store *data.Store, drafts *draft.Store, opened time.Time) {
	if p.ctx.Err() != nil { // the window closed meanwhile
		store.Close()
		return
	}
	p.logf("window ready for the register %v after start", time.Since(p.started).Round(time.Millisecond))
	shell := ui.NewShell(ui.Config{Store: store, Lang: p.lang, Window: p.win, App: p.app, Drafts: drafts,
		Letter: letterPanel(p.win), Dashboard: dashboard,
		About: buildinfo.String("Ascolto"), Diagnostics: p.diagnostics(store)})
	shell.SetRestore(p.restore)
	p.mu.Lock()
	p.store, p.shell = store, shell
	p.mu.Unlock()
	shell.OnFirstRows = func() {
		p.logf("first rows on screen %v after the register opened, %v after start",
			time.Since(opened).Round(time.Millisecond), time.Since(p.started).Round(time.Millisecond))
		if p.shot != "" {
			p.showForScreenshot(store, shell)
		}
	}
	shell.Show()
	p.logf("screens built %v after start", time.Since(p.started).Round(time.Millisecond))
	p.tellMigration(store)
	if p.shot == "" { // not for a screenshot run: it must not leave backups behind
		go p.housekeep(store)
		// Nor files in an exchange folder, nor a key beside the register.
		exch := p.startExchange(store, shell)
		p.mu.Lock()
		p.exch = exch
		p.mu.Unlock()
	}
}

// showForScreenshot brings the screen asked for with --show to the front, then
// captures the window.
func (p *program) showForScreenshot(store *data.Store, shell *ui.Shell) {
	if p.show != "" {
		// A picture for the documentation: the reminder at the foot of the window
		// counts a moment after the start; it belongs in the picture.
		go func() {
			time.Sleep(2500 * time.Millisecond)
			fyne.Do(func() { p.showScreen(store, shell) })
		}()
		return
	}
	go p.capture()
}

func (p *program) showScreen(store *data.Store, shell *ui.Shell) {
	switch p.show {
	case "intake", "settings", "register":
		shell.ShowScreen(p.show)
	case "keys":
		shell.ShowKeys()
	case "case":
		go func() {
			cases, err := store.List(context.Background(), data.Filter{Overdue: true, Limit: 1})
			if err == nil && len(cases) == 0 {
				cases, err = store.List(context.Background(), data.Filter{Limit: 1})
			}
			if err == nil && len(cases) > 0 {
				id := cases[0].ID
				fyne.Do(func() { shell.ShowScreen("case:" + id) })
				time.Sleep(500 * time.Millisecond) // the case is read and shown
			}
			p.capture()
		}()
		return
	}
	go p.capture()
}

func (p *program) showProblem(err error) {
	p.win.SetContent(ui.NewProblemView(p.lang, err, p.app.Quit))
	if p.shot != "" {
		go p.capture()
	}
}

// closeShell writes pending drafts, stops the window's readers and closes the
// register when the window goes.
func (p *program) closeShell() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exch != nil { // before the register closes under it
		p.exch.close()
		p.exch = nil
	}
	if p.shell != nil {
		p.shell.Close()
	}
	if p.store != nil {
		p.store.Close()
	}
	p.store, p.shell = nil, nil
}

// logf reports timings on standard error when taking a screenshot (the smoke test keeps
// them in its log); a clerk's normal start stays quiet.
func (p *program) logf(format string, args ...any) {
	if p.shot != "" {
		fmt.Fprintf(os.Stderr, "ascolto: "+format+"\n", args...)
	}
}
