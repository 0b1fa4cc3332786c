package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/translations"
)

// restoreLikeTheProgram is cmd/ascolto's part of a restore on a test register: close,
// data.Restore, open again (the restored register, or the one still there).
func restoreLikeTheProgram(t *testing.T, cur **data.Store, calls *atomic.Int32) RestoreFunc {
	return func(ctx context.Context, from string) (*data.Store, string, error) {
		calls.Add(1)
		path := (*cur).Path()
		(*cur).Close()
		saved, err := data.Restore(ctx, from, path)
		s, oerr := data.Open(path, data.Options{Clock: fixedClock{}, Actor: "test"})
		if oerr != nil {
			return nil, saved, oerr
		}
		t.Cleanup(func() { s.Close() })
		*cur = s
		return s, saved, err
	}
}

// tapIn taps the button labelled label in the dialog on top of the window (or in the
// window when there is none), waiting for it to appear.
func tapIn(t *testing.T, q uiQueue, w fyne.Window, label string) {
	t.Helper()
	var found fyne.Tappable
	q.until(t, "the button "+label, func() bool {
		top := w.Canvas().Overlays().Top()
		if top == nil {
			top = w.Content()
		}
		for _, o := range visibleObjects(top) {
			switch b := o.(type) {
			case *button:
				if b.Text == label {
					found = b
				}
			case *widget.Button:
				if b.Text == label {
					found = b
				}
			}
		}
		return found != nil
	})
	test.Tap(found)
}

// overlayReads reports whether the dialog on top says want, wherever its lines wrap
// (a long path wraps inside itself).
func overlayReads(w fyne.Window, want string) bool {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return false
	}
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return strings.Contains(squeeze(strings.Join(texts(top), "")), squeeze(want))
}

func TestRestoreBringsBackTheBackupsCases(t *testing.T) {
	s := newRegister(t, 3)
	dir := t.TempDir()
	monday := data.HandBackupName("BZ", time.Date(2026, 6, 8, 17, 30, 0, 0, data.Rome))
	backup := filepath.Join(dir, monday)
	if err := s.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := s.Create(context.Background(), data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail,
			Subject: "Dopo la copia"}); err != nil {
			t.Fatal(err)
		}
	}
	sh, q, w := shellFor(t, s, "it", "")
	cur := s
	var calls atomic.Int32
	sh.SetRestore(restoreLikeTheProgram(t, &cur, &calls))

	// Something typed in the form meanwhile: it must survive the restore.
	sh.ShowIntake()
	typeInto(w, sh.intake.subject, "Orari dello sportello")

	sh.ShowSettings()
	sh.settings.backupDir.SetText(dir)
	tapIn(t, q, w, translations.T("it", "settings.restore"))
	q.until(t, "the list of backups", func() bool { return overlayReads(w, monday) })
	var pick string
	for _, o := range visibleObjects(w.Canvas().Overlays().Top()) {
		if b, ok := o.(*button); ok && strings.HasSuffix(b.Text, monday) {
			pick = b.Text
		}
	}
	tapIn(t, q, w, pick)
	// The question says what is replaced, how many cases come back, and that the
	// register is saved first.
	q.until(t, "the question", func() bool { return overlayReads(w, "Sostituire il registro?") })
	if !overlayReads(w, "che contiene 3 pratiche") || !overlayReads(w, s.BackupSettings().Dir) {
		t.Fatalf("the question: %q", texts(w.Canvas().Overlays().Top()))
	}
	if calls.Load() != 0 {
		t.Fatal("restored before the clerk agreed")
	}
	tapIn(t, q, w, translations.T("it", "window.yes"))
	q.until(t, "the restore", func() bool { return overlayReads(w, "Il registro è stato ripristinato") })

	if cur == s || sh.e.store != cur || sh.tabs.Selected() != sh.settingsTab {
		t.Fatal("the window does not show the restored register")
	}
	sh.ShowRegister()
	q.until(t, "the restored table", func() bool { return sh.register.firstDone && sh.register.total == 3 })
	q.until(t, "its rows", func() bool { return shows(w.Content(), "BZ-2026-000003") })
	if shows(w.Content(), "BZ-2026-000005") {
		t.Error("a case recorded after the backup is still shown")
	}
	if got := sh.intake.subject.Text; got != "Orari dello sportello" {
		t.Errorf("the form lost what was typed: %q", got)
	}
	// The register replaced is kept, whole, with its five cases.
	saved, _ := cur.Backups()
	var kept string
	for _, p := range saved {
		if strings.Contains(filepath.Base(p), "before-restore") {
			kept = p
		}
	}
	if kept == "" {
		t.Fatalf("no copy of the replaced register in %v", saved)
	}
	k, err := data.Open(kept, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if n, _ := k.Count(context.Background(), data.Filter{}); n != 5 {
		t.Errorf("the copy kept %d cases", n)
	}
}

func TestRestoreRefusesADamagedFile(t *testing.T) {
	s := newRegister(t, 4)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ascolto")
	if err := s.Backup(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	for i := 4096; i < len(raw); i++ {
		raw[i] = byte(i * 7)
	}
	os.Remove(good)
	broken := data.HandBackupName("BZ", time.Date(2026, 6, 12, 9, 0, 0, 0, data.Rome))
	bad := filepath.Join(dir, broken)
	writeFile(t, bad, string(raw))
	_, want := data.CheckBackup(context.Background(), bad)
	if want == nil {
		t.Fatal("the damaged file passes the check")
	}

	sh, q, w := shellFor(t, s, "de", "")
	cur := s
	var calls atomic.Int32
	sh.SetRestore(restoreLikeTheProgram(t, &cur, &calls))
	sh.ShowSettings()
	v := sh.settings
	v.backupDir.SetText(dir)
	tapIn(t, q, w, translations.T("de", "settings.restore"))
	q.until(t, "the list of backups", func() bool { return overlayReads(w, broken) })
	var pick string
	for _, o := range visibleObjects(w.Canvas().Overlays().Top()) {
		if b, ok := o.(*button); ok && strings.HasSuffix(b.Text, broken) {
			pick = b.Text
		}
	}
	tapIn(t, q, w, pick)
	q.until(t, "the refusal", func() bool { return v.backupMsg.Visible() })
	if v.backupMsg.Text != ErrorText("de", want) || v.backupMsg.Importance != widget.DangerImportance {
		t.Fatalf("message %q, want %q", v.backupMsg.Text, ErrorText("de", want))
	}
	if calls.Load() != 0 || sh.e.store != s {
		t.Fatal("the register was closed for a file that is no backup")
	}
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Fatalf("a dialog is still open: %q", texts(top))
	}
	// Unchanged, and still open: the table and the register work on.
	if n, err := s.Count(context.Background(), data.Filter{}); err != nil || n != 4 {
		t.Fatalf("%d cases, %v", n, err)
	}
	sh.ShowRegister()
	q.until(t, "the table", func() bool { return shows(w.Content(), "BZ-2026-000004") })
}

// A restore while the exchange view's Sync now runs: the window's call of the exchange
// is ended first, the program's part waits for the exchange's work to end (as the
// engine's Close does) and only then closes and replaces the register; nothing of the
// exchange runs after. When the exchange does not stop, the restore is refused and the
// register stays as it was.
func TestRestoreWhileTheExchangeSyncs(t *testing.T) {
	for _, deaf := range []bool{false, true} {
		test.NewTempApp(t)
		s := newRegister(t, 3)
		backup := filepath.Join(t.TempDir(), "ascolto-BZ-monday.ascolto")
		if err := s.Backup(context.Background(), backup); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(context.Background(), data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail,
			Subject: "Dopo la copia"}); err != nil {
			t.Fatal(err)
		}
		sh, q, w := shellFor(t, s, "it", "")
		x := newHeldExchange()
		x.deaf = deaf
		sh.SetExchange(x)
		sh.ShowExchange()
		v := sh.Exchange()
		q.until(t, "the view", func() bool { return v.sync != nil && !v.sync.Disabled() })
		test.Tap(v.sync)
		<-x.started

		cur := s
		var calls atomic.Int32
		plain := restoreLikeTheProgram(t, &cur, &calls)
		var syncEnded error
		sh.SetRestore(func(ctx context.Context, from string) (*data.Store, string, error) {
			select {
			case syncEnded = <-x.ended:
			case <-time.After(time.Second):
				return cur, "", data.Problemf("exchange.view.restore_busy")
			}
			return plain(ctx, from)
		})
		var done bool
		var rerr error
		sh.e.restore(backup, func(_ string, err error) { done, rerr = true, err })
		q.until(t, "the restore", func() bool { return done })
		if deaf {
			x.release <- nil // the share answers at last
			<-x.ended
			if !strings.Contains(ErrorText("it", rerr), translations.T("it", "exchange.view.restore_busy")) || calls.Load() != 0 {
				t.Errorf("an exchange that does not stop: %v, %d restores", rerr, calls.Load())
			}
			if n, _ := cur.Count(context.Background(), data.Filter{}); cur != s || n != 4 {
				t.Errorf("the register was replaced: %d cases", n)
			}
			continue
		}
		if rerr != nil || calls.Load() != 1 {
			t.Fatalf("restore: %v, %d calls", rerr, calls.Load())
		}
		if !errors.Is(syncEnded, context.Canceled) {
			t.Errorf("the view's sync was not stopped by the restore: %v", syncEnded)
		}
		if n, _ := cur.Count(context.Background(), data.Filter{}); n != 3 {
			t.Errorf("%d cases after the restore", n)
		}
		if sh.exch != nil || sh.ExchangeLine() != nil {
			t.Error("the window still follows the exchange of the register replaced")
		}
		select {
		case <-x.started:
			t.Error("the exchange was called after the register was closed")
		default:
		}
		if overlayReads(w, translations.T("it", "exchange.view.busy")) {
			t.Error("the sync stopped by the restore is told as a failure")
		}
	}
}

// A copy made with "Back up now" is one the restore offers: listed in the window's list
// of backups (and in the register's own, which ascoltoctl backups and the diagnostics
// show), by the name it was written under; a file of another name in the folder is not.
func TestBackUpNowIsListedForRestore(t *testing.T) {
	s := newRegister(t, 2)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.ascolto"), "not a backup")
	sh, q, w := shellFor(t, s, "it", "")
	var calls atomic.Int32
	cur := s
	sh.SetRestore(restoreLikeTheProgram(t, &cur, &calls))
	sh.ShowSettings()
	v := sh.settings
	v.backupDir.SetText(dir)
	test.Tap(findButton(t, w, translations.T("it", "settings.backup_now")))
	q.until(t, "the backup", func() bool { return strings.HasPrefix(v.backupMsg.Text, "Copia di sicurezza scritta") })
	made := filepath.Join(dir, data.HandBackupName("BZ", now))
	if _, err := os.Stat(made); err != nil {
		t.Fatalf("no copy %s: %v (%s)", made, err, v.backupMsg.Text)
	}
	if list, _ := s.Backups(); len(list) != 1 || list[0] != made {
		t.Errorf("the register's list of backups: %v, want %s", list, made)
	}
	tapIn(t, q, w, translations.T("it", "settings.restore"))
	q.until(t, "the list of backups", func() bool { return overlayReads(w, translations.T("it", "settings.restore_intro")) })
	if !overlayReads(w, filepath.Base(made)) {
		t.Errorf("the restore does not list the copy made with Back up now: %q", texts(w.Canvas().Overlays().Top()))
	}
	if overlayReads(w, "notes.ascolto") {
		t.Error("the restore lists a file that is no backup of Ascolto's")
	}
}
