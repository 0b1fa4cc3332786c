// Command ascolto is the desktop register: it opens the office's register (or, on the
// very first start, creates a trial register full of invented cases) and shows it.
//
//	ascolto [--db PATH] [--lang it|de|en] [--screenshot FILE.png]
//
// --screenshot is for the smoke test and for documentation: once the first rows are on
// screen the window is captured to FILE.png and the program ends.
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
	"ascolto/data"
	"ascolto/translations"
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

func main() { os.Exit(run()) }

func run() int {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: ascolto [--db PATH] [--lang it|de|en] [--screenshot FILE.png]\n")
		flag.PrintDefaults()
	}
	path := flag.String("db", data.DefaultPath(), "the register file")
	lang := flag.String("lang", translations.Detect(), "interface language: it, de or en")
	shot := flag.String("screenshot", "", "capture the window to this PNG once the first rows show, then quit")
	flag.Parse()
	if flag.NArg() > 0 || !translations.Supported(*lang) {
		flag.Usage()
		return exitUsage
	}

	a := app.NewWithID(appID)
	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	a.SetIcon(icon)
	w := a.NewWindow("Ascolto")
	w.SetIcon(icon)
	// 1280×720 fits the 1366×768 laptops common at counters; larger screens get room
	// to grow, and the subject column takes any extra width.
	w.Resize(fyne.NewSize(1280, 720))
	w.CenterOnScreen()

	ctx, cancel := context.WithCancel(context.Background())
	p := &program{app: a, win: w, lang: *lang, path: *path, shot: *shot, ctx: ctx, started: time.Now()}
	w.SetOnClosed(func() {
		cancel() // stops a trial register being filled; its half-made file is removed
		p.closeView()
	})
	if p.shot != "" {
		p.watchdog(3 * time.Minute)
	}
	var wg sync.WaitGroup
	wg.Go(p.start) // never read or write the register on the UI thread
	w.ShowAndRun()
	cancel()
	wg.Wait()
	return p.exitCode()
}
