package main

import (
	"errors"
	"os"
	"time"

	"fyne.io/fyne/v2"

	"ascolto/data"
	"ascolto/data/demo"
	"ascolto/ui"
)

// trialCases is the size of the register made on the first start: enough to scroll and
// to find overdue cases, quick enough to make while the clerk watches.
const trialCases = 2000

// createTrial makes the trial register at p.path. It is built under another name and
// renamed into place only when complete, so that a start interrupted half-way leaves no
// half-filled register behind: the next start simply begins again.
func (p *program) createTrial() (*data.Store, error) {
	setup := make(chan *ui.SetupView, 1)
	fyne.Do(func() {
		v := ui.NewSetupView(p.lang, p.path, trialCases)
		p.win.SetContent(v.Object())
		setup <- v
	})
	var view *ui.SetupView
	select {
	case view = <-setup:
	case <-p.ctx.Done(): // the program ended before the screen was shown
		return nil, p.ctx.Err()
	}

	begun := time.Now()
	tmp := p.path + ".trial"
	removeDB(tmp) // left over from an interrupted start; the name is ours
	store, err := data.Create(tmp, demo.Office(), windowOptions)
	if err != nil {
		return nil, err
	}
	var last time.Time
	progress := func(done, total int) {
		// A few updates a second are enough for the eye and keep the UI queue short.
		if now := time.Now(); done == total || now.Sub(last) > 100*time.Millisecond {
			last = now
			fyne.Do(func() { view.SetProgress(done, total) })
		}
	}
	err = demo.Generate(p.ctx, store, demo.Options{Count: trialCases, Seed: 1, Progress: progress})
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = moveDB(tmp, p.path)
	}
	if errors.Is(err, os.ErrExist) { // another start (or ascoltoctl init) was quicker: use its register
		removeDB(tmp)
		return data.Open(p.path, windowOptions)
	}
	if err != nil {
		removeDB(tmp)
		return nil, err
	}
	p.logf("trial register of %d cases made in %v", trialCases, time.Since(begun).Round(time.Millisecond))
	return data.Open(p.path, windowOptions)
}

// registerCompanions are the files that belong to a register by its name: SQLite's
// write-ahead log and shared memory, and the office's key that signs its audit trail
// (data.SealKeyPath). A register moved without its key no longer verifies.
var registerCompanions = []string{"-wal", "-shm", data.SealKeyPath("")}

// moveDB renames a closed SQLite file (and a write-ahead log, should one remain, and its
// key) into place. It never replaces a register that appeared meanwhile: that gives
// os.ErrExist.
func moveDB(from, to string) error {
	if _, err := os.Stat(to); err == nil {
		return os.ErrExist
	}
	for _, suffix := range registerCompanions {
		if _, err := os.Stat(from + suffix); err == nil {
			if err := os.Rename(from+suffix, to+suffix); err != nil {
				return err
			}
		}
	}
	return os.Rename(from, to)
}

// removeDB deletes a SQLite file of ours with its companions; best effort, since
// data.Create says so if the name is still taken.
func removeDB(path string) {
	os.Remove(path)
	for _, suffix := range registerCompanions {
		os.Remove(path + suffix)
	}
}
