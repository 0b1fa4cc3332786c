// Command ascolto is the desktop register: it opens the office's register and shows it.
// On the very first start (no register at the usual place) it asks how to begin: set
// up the office's register, open an existing one, or try the demo register.
//
//	ascolto [--db PATH] [--lang it|de|en] [--demo] [--screenshot FILE.png [--show SCREEN]]
//
// --db and --lang are for admins and tests (by default the register in the user's data
// folder and the language chosen last, else the system's). --demo makes the demo
// register on a first start without asking. --screenshot is for the smoke test and
// for documentation: once the first rows are on screen (or the first-start screen, or
// the problem screen) the window is captured to FILE.png and the program ends; --show
// first brings register, intake, case (the newest), settings or keys to the front.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"ascolto/assets"
	"ascolto/cmd/internal/buildinfo"
	"ascolto/data"
	"ascolto/translations"
	"ascolto/ui"
)

// appID is FyneApp.toml's ID: the Province's domain reversed. A plain `go build` does
// not read the toml, so the program names itself; preferences live under this name.
const appID = "it.bz.provincia.ascolto"

// Exit codes, for scripts and the smoke test.
const (
	exitOK        = 0
	exitNoOpen    = 1 // the register could not be opened or created (the window said why)
	exitUsage     = 2
	exitNoPicture = 3 // --screenshot: nothing to capture in time, or the file was not written
)

var screens = map[string]bool{"": true, "register": true, "intake": true, "case": true, "settings": true, "keys": true}

func main() { os.Exit(run()) }

func run() int {
	started := time.Now()
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: ascolto [--db PATH] [--lang it|de|en] [--demo] [--screenshot FILE.png [--show SCREEN]]\n")
		flag.PrintDefaults()
	}
	path := flag.String("db", "", "the register file (default: the one set up on the first start, else "+data.DefaultPath()+")")
	lang := flag.String("lang", "", "interface language: it, de or en (default: the one chosen last, else the system's)")
	demo := flag.Bool("demo", false, "on a first start, make the demo register without asking")
	shot := flag.String("screenshot", "", "capture the window to this PNG once it is drawn, then quit")
	show := flag.String("show", "", "with --screenshot: the screen to capture (register, intake, case, settings, keys)")
	version := flag.Bool("version", false, "print the version and build, then quit")
	flag.Parse()
	if *version {
		fmt.Println(buildinfo.String("Ascolto"))
		return exitOK
	}
	if flag.NArg() > 0 || (*lang != "" && !translations.Supported(*lang)) || !screens[*show] {
		flag.Usage()
		return exitUsage
	}

	a := app.NewWithID(appID)
	a.Settings().SetTheme(ui.OfficeTheme())
	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	a.SetIcon(icon)

	p := &program{app: a, shot: *shot, show: *show, demo: *demo, started: started}
	p.lang = p.chooseLanguage(*lang)
	p.path, p.explicitPath = p.choosePath(*path)
	ui.UseFyneLanguage(p.lang)
	defer openLog()()
	release, forwarded, held := p.holdRegister()
	defer release()
	if forwarded { // the program that has the register came forward: nothing to do here
		return exitOK
	}

	w := a.NewWindow("Ascolto")
	w.SetIcon(icon)
	// 1280×720 fits the 1366×768 laptops common at counters; larger screens get room
	// to grow, and the subject column takes any extra width.
	w.Resize(fyne.NewSize(1280, 720))
	w.CenterOnScreen()
	p.win = w

	ctx, cancel := context.WithCancel(context.Background())
	p.ctx = ctx
	w.SetOnClosed(func() {
		cancel() // stops a demo register being filled; its half-made file is removed
		p.closeShell()
	})
	if p.shot != "" {
		p.watchdog(3 * time.Minute)
	}
	var wg sync.WaitGroup
	if held != nil { // another program has the register and does not answer
		p.setExit(exitNoOpen)
		fyne.Do(func() { p.showProblem(held) })
	} else {
		wg.Go(p.start) // never read or write the register on the UI thread
	}
	w.ShowAndRun()
	cancel()
	wg.Wait()
	p.closeShell()
	return p.exitCode()
}

// chooseLanguage: --lang, else the language the clerk chose last, else the system's
// (English where the locale says nothing usable, e.g. LANG=C).
func (p *program) chooseLanguage(flagLang string) string {
	if flagLang != "" {
		return flagLang
	}
	if l := p.app.Preferences().String(ui.PrefLanguage); translations.Supported(l) {
		return l
	}
	return translations.Detect()
}

// choosePath: --db, else the register chosen on the first start, else the default
// place. explicit says whether --db named it (a register that is not there is then
// an error for an admin to see, as before, not a first start elsewhere).
func (p *program) choosePath(flagPath string) (path string, explicit bool) {
	if flagPath != "" {
		return flagPath, true
	}
	if chosen := p.app.Preferences().String(ui.PrefRegister); chosen != "" {
		if _, err := os.Stat(chosen); err == nil {
			return chosen, false
		}
	}
	return data.DefaultPath(), false
}
