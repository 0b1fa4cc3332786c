package ui

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// RestoreFunc is the program's part of Settings → Restore a backup. The program holds
// the register open, so only it can close and reopen it: it closes the register, calls
// data.Restore (which checks the backup before it replaces anything and keeps a copy of
// the register it replaces), and opens the register again — the restored one, or the
// one that was there when restoring failed — returning it with restore's error and
// where the replaced register was kept. It runs off the UI thread. A nil store means
// no register could be opened at all.
type RestoreFunc func(ctx context.Context, from string) (store *data.Store, saved string, err error)

// SetRestore lets the settings restore a backup while the window is open; without it
// the action is not offered.
func (s *Shell) SetRestore(restore RestoreFunc) {
	s.e.restore = nil
	if restore != nil {
		s.e.restore = func(from string, done func(string, error)) { s.restoreFrom(restore, from, done) }
	}
	s.settings.offerRestore()
}

// restoreFrom stops every reader of the register and writes the drafts (the program
// is about to close it), lets the program restore, then builds the screens on the
// register it opened again, keeping the filter and what was typed in the form, as a
// language switch does. Open cases are not brought back: the restored register may
// not have them (a reply being typed stays in its draft for when the case is opened).
func (s *Shell) restoreFrom(restore RestoreFunc, from string, done func(string, error)) {
	f := s.register.filter
	keep := s.intake.state()
	selected := s.selectedName()
	// The exchange writes to the register: the window's calls of it end first (the
	// program then stops the exchange itself and waits for it), and the window stops
	// following it; the program gives the window the exchange again on the register
	// it opens.
	s.SetExchange(nil)
	if s.stopWatch != nil {
		s.stopWatch()
		s.stopWatch = nil
	}
	s.closeViews()
	// The menu's shortcuts would reach screens whose register is closed; Show puts the
	// menu back.
	s.cfg.Window.SetMainMenu(nil)
	var store *data.Store
	var saved string
	s.e.background(func() error {
		var err error
		store, saved, err = restore(context.Background(), from)
		return err
	}, func(err error) {
		if store == nil {
			quit := func() {}
			if s.cfg.App != nil {
				quit = s.cfg.App.Quit
			}
			s.cfg.Window.SetContent(NewProblemView(s.e.lang, err, quit))
			return
		}
		s.e.store, s.cfg.Store = store, store
		s.cases = nil
		s.firstSeen = true
		s.build(f, &keep)
		s.Show()
		if strings.HasPrefix(selected, "case:") {
			selected = "settings"
		}
		s.selectName(selected)
		done(saved, err)
	})
}

// offerRestore shows the action where the program can restore.
func (v *SettingsView) offerRestore() {
	if v.e.restore != nil {
		v.restoreButton.Show()
	} else {
		v.restoreButton.Hide()
	}
}

// backupFile is a backup offered for restoring.
type backupFile struct {
	path string
	at   time.Time
	size int64
}

// maxBackupsListed keeps the list readable; older copies are reached with "Choose a
// file…".
const maxBackupsListed = 40

// listBackups finds the backups in the register's backup folder and in the folder set
// here (the automatic ones and the copies made with "Back up now", recognised by their
// names as data names them: data.IsBackupName), newest first. Any other file is reached
// with "Choose a file…". The register itself is never offered, even when the folder
// chosen is its own.
func listBackups(store *data.Store, handDir string) []backupFile {
	paths, _ := store.Backups()
	if handDir != "" {
		hand, _ := data.BackupsIn(handDir)
		paths = append(paths, hand...)
	}
	self, _ := filepath.Abs(store.Path())
	seen := map[string]bool{self: true}
	var out []backupFile
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil || seen[abs] {
			continue
		}
		seen[abs] = true
		st, err := os.Stat(abs)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		out = append(out, backupFile{path: abs, at: st.ModTime(), size: st.Size()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.After(out[j].at) })
	return out[:min(len(out), maxBackupsListed)]
}

// chooseBackup lists the backups to restore from, with "Choose a file…" for any other.
func (v *SettingsView) chooseBackup() {
	if v.e.restore == nil {
		return
	}
	store := v.e.store
	dir := strings.TrimSpace(v.backupDir.Text)
	var found []backupFile
	v.e.background(func() error {
		found = listBackups(store, dir)
		return nil
	}, func(error) { v.showBackups(found) })
}

func (v *SettingsView) showBackups(found []backupFile) {
	e := v.e
	var d dialog.Dialog
	rows := container.NewVBox()
	if len(found) == 0 {
		none := widget.NewLabel(e.t("settings.restore_none"))
		none.Wrapping = fyne.TextWrapWord
		rows.Add(none)
	}
	for _, b := range found {
		b := b
		label := e.t("settings.restore_item", "date", formatDateTime(b.at, e.lang),
			"size", formatSize(b.size, e.lang), "name", filepath.Base(b.path))
		pick := newButton(label, theme.HistoryIcon(), func() {
			d.Hide()
			v.checkBackup(b.path)
		})
		pick.Alignment = widget.ButtonAlignLeading
		rows.Add(pick)
	}
	intro := widget.NewLabel(e.t("settings.restore_intro"))
	intro.Wrapping = fyne.TextWrapWord
	other := newButton(e.t("settings.restore_choose_file"), theme.FileIcon(), func() {
		d.Hide()
		v.chooseBackupFile()
	})
	content := container.NewBorder(intro, container.NewHBox(other), nil, nil, container.NewVScroll(rows))
	// Esc cancels; Enter presses the backup or the button that has the keyboard.
	d = showDialog(e.win, e.t("settings.restore_title"), "", e.t("settings.restore_cancel"), content, nil, nil)
	d.Resize(fyne.NewSize(680, 480))
}

func (v *SettingsView) chooseBackupFile() {
	d := fileOpen(v.e.store, []string{".ascolto"}, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		v.checkBackup(path)
	}, v.e.win)
	if dir := v.e.store.BackupSettings().Dir; dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// checkBackup checks the file while the register is still open: a file that is not a
// register, is damaged or comes from a newer program is refused here, in words, and
// nothing is closed or changed. A good one goes to the question.
func (v *SettingsView) checkBackup(path string) {
	done := v.progress(v.e.t("settings.restore_checking", "path", path))
	var info data.BackupInfo
	v.e.background(func() error {
		var err error
		info, err = data.CheckBackup(context.Background(), path)
		return err
	}, func(err error) {
		done()
		if err != nil {
			say(v.backupMsg, v.e.errText(err), true)
			return
		}
		v.backupMsg.Hide()
		v.confirmRestore(path, info)
	})
}

// confirmRestore says in plain words what will happen before anything does.
func (v *SettingsView) confirmRestore(path string, info data.BackupInfo) {
	e := v.e
	when := ""
	if st, err := os.Stat(path); err == nil {
		when = formatDateTime(st.ModTime(), e.lang)
	}
	question := e.t("settings.restore_confirm", "register", e.store.Path(), "from", path, "date", when,
		"cases", formatNumber(info.Cases, e.lang), "folder", e.store.BackupSettings().Dir)
	confirm(e, e.t("settings.restore_title"), question, func() { v.restore(path) })
}

// restore hands the work to the shell and the program; the window is busy meanwhile.
// The settings are built anew on the restored register, so the outcome is told in a
// dialog rather than in this view.
func (v *SettingsView) restore(path string) {
	e := v.e
	done := v.progress(e.t("settings.restore_running"))
	e.restore(path, func(saved string, err error) {
		done()
		if err != nil {
			showError(e, err)
			return
		}
		inform(e, e.t("settings.restore_title"), e.t("settings.restore_done", "from", path, "saved", saved))
	})
}

// progress shows that work is under way (a window-wide dialog, so nothing is pressed
// meanwhile); the function returned takes it away.
func (v *SettingsView) progress(text string) func() {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	bar := widget.NewProgressBarInfinite()
	d := dialog.NewCustomWithoutButtons(v.e.t("settings.restore_title"), container420(container.NewVBox(msg, bar)), v.e.win)
	d.Show()
	return func() {
		bar.Stop()
		d.Hide()
	}
}
