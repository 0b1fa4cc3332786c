package ui

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// SettingsView is where the office sets up the program: the interface language
// (switched at once), the office's profile and default signer, the working days
// promised per kind, the days the office is closed, the backup folder (a backup now, a
// backup restored: restore.go), and the places of the exchange folder and of the
// signing certificate; the letters' own settings (role, place, envelope window, logo,
// scanned signature, templates) open from here in a dialog (lettersettings.go).
//
// Where each one is read: the names and address by the letterhead and the window's
// title; the signer is the register's letter setting (the name under every letter's
// closing, in the window and with ascoltoctl); days and closures by the due dates of
// new cases; the backup folder is the register's (the daily backups and "Back up
// now" write there, the restore lists it); the exchange folder and the certificate
// are this workstation's preferences, read by the exchange (cmd/ascolto) and by the
// letter panel of every case.
type SettingsView struct {
	// OnLanguage is called when the clerk chooses another interface language.
	OnLanguage func(lang string)
	// OnEscape is called for Esc in the view.
	OnEscape func()

	e    *env
	root *fyne.Container

	language                *choice
	nameIT, nameDE, address *textEntry
	signer                  *textEntry
	defaultDays             *textEntry
	days                    map[data.Kind]*textEntry
	loadedDays              map[data.Kind]int
	loadedDefault           int
	closureDay, closureNote *textEntry
	closures                *fyne.Container
	backupDir, exchangeDir  *textEntry
	certificate             *textEntry
	pkcs11                  *textEntry // the smart card's module (settings_token.go)
	officeMsg, daysMsg      *widget.Label
	closureMsg, backupMsg   *widget.Label
	placesMsg               *widget.Label
	restoreButton           *button
	letters                 *LetterSettings // the letter settings last opened (tests)
	first                   fyne.Focusable
	// saves are each field's part's save (the office, the days, a closure, the places):
	// Enter in the field and Ctrl+S while it has the keyboard (Save).
	saves       map[fyne.Focusable]func()
	loaded      func() // tests
	closureList []string
}

func newSettingsView(e *env) *SettingsView {
	v := &SettingsView{e: e, days: map[data.Kind]*textEntry{}, saves: map[fyne.Focusable]func(){}}
	v.build()
	v.load()
	return v
}

// Object is the view for a window or a tab.
func (v *SettingsView) Object() fyne.CanvasObject { return v.root }

// FocusFirst puts the keyboard on the language choice.
func (v *SettingsView) FocusFirst(c fyne.Canvas) {
	if c != nil && v.first != nil {
		c.Focus(v.first)
	}
}

func (v *SettingsView) escape() {
	if v.OnEscape != nil {
		v.OnEscape()
	}
}

func messageLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func say(l *widget.Label, text string, err bool) {
	l.SetText(text)
	if err {
		l.Importance = widget.DangerImportance
	} else {
		l.Importance = widget.SuccessImportance
	}
	l.Show()
}

func section(title string) *widget.Label {
	l := widget.NewLabel(title)
	l.TextStyle.Bold = true
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

func (v *SettingsView) entry(text string) *textEntry {
	t := newTextEntry()
	t.SetText(text)
	t.onEscape = v.escape
	return t
}

func (v *SettingsView) button(label string, icon fyne.Resource, tapped func()) *button {
	b := newButton(label, icon, tapped)
	b.onEscape = v.escape
	return b
}

func (v *SettingsView) build() {
	e := v.e
	local := e.store.Local()
	v.language = newChoice([]string{e.t("settings.language_name.it"), e.t("settings.language_name.de"), e.t("settings.language_name.en")}, []string{"it", "de", "en"}, nil)
	v.language.SetValue(e.lang)
	v.language.onEscape = v.escape
	v.language.onPick = func(lang string) {
		if lang != "" && lang != v.e.lang && v.OnLanguage != nil {
			v.OnLanguage(lang)
		}
	}
	v.first = v.language
	langHint := widget.NewLabel(e.t("settings.language_hint"))
	langHint.Wrapping = fyne.TextWrapWord
	langHint.SizeName = theme.SizeNameCaptionText

	v.nameIT = v.entry(local.NameIT)
	v.nameDE = v.entry(local.NameDE)
	v.address = v.entry(local.Address)
	v.signer = v.entry(e.pref(PrefSigner)) // the register's, once loaded (load)
	v.officeMsg = messageLabel()
	office := container.New(layout.NewFormLayout(),
		widget.NewLabel(e.t("settings.office_code")), widget.NewLabel(local.Code),
		widget.NewLabel(e.t("settings.name_it")), v.nameIT,
		widget.NewLabel(e.t("settings.name_de")), v.nameDE,
		widget.NewLabel(e.t("field.address")), v.address,
		widget.NewLabel(e.t("settings.signer")), v.signer,
	)

	v.defaultDays = v.entry("")
	// The six kinds in three columns of two: a figure of one to three digits each.
	var cols []fyne.CanvasObject
	for i := 0; i < len(data.Kinds); i += 2 {
		var pair []fyne.CanvasObject
		for _, k := range data.Kinds[i:min(i+2, len(data.Kinds))] {
			t := v.entry("")
			v.days[k] = t
			pair = append(pair, widget.NewLabel(capital(word(e.lang, "kind", k))), t)
		}
		cols = append(cols, container.New(layout.NewFormLayout(), pair...))
	}
	v.daysMsg = messageLabel()
	days := container.NewVBox(
		container.New(layout.NewFormLayout(), widget.NewLabel(e.t("settings.days_default")),
			container.NewGridWithColumns(3, v.defaultDays)),
		container.NewGridWithColumns(3, cols...))
	daysHint := widget.NewLabel(e.t("settings.days_hint"))
	daysHint.Wrapping = fyne.TextWrapWord
	daysHint.SizeName = theme.SizeNameCaptionText

	v.closureDay = v.entry("")
	v.closureDay.SetPlaceHolder(formatDay("2026-12-24", e.lang))
	v.closureNote = v.entry("")
	v.closureNote.SetPlaceHolder(e.t("settings.closure_note"))
	v.closures = container.NewVBox()
	v.closureMsg = messageLabel()
	addClosure := container.NewBorder(nil, nil, nil, v.button(e.t("settings.closure_add"), theme.ContentAddIcon(), v.addClosure),
		container.NewGridWithColumns(2, v.closureDay, v.closureNote))

	// The folder the register's backups go to, the default beside the register
	// included: the clerk sees where the daily copies are.
	v.backupDir = v.entry(e.store.BackupSettings().Dir)
	v.backupMsg = messageLabel()
	v.restoreButton = v.button(e.t("settings.restore"), theme.HistoryIcon(), v.chooseBackup)
	v.offerRestore()
	v.exchangeDir = v.entry(e.pref(PrefExchangeDir))
	v.certificate = v.entry(e.pref(PrefCertificate))
	v.pkcs11 = v.entry(e.pref(PrefPKCS11Module))
	v.placesMsg = messageLabel()
	places := container.New(layout.NewFormLayout(),
		widget.NewLabel(e.t("settings.exchange_dir")), container.NewBorder(nil, nil, nil,
			v.button(e.t("settings.choose"), theme.FolderOpenIcon(), func() { v.chooseFolder(v.exchangeDir) }), v.exchangeDir),
		// the card's module above the .p12 file: Shift+Tab from the top of the screen
		// still reaches the certificate's field first
		widget.NewLabel(e.t("letter.token.ui_module")), v.moduleRow(),
		widget.NewLabel(e.t("settings.certificate")), container.NewBorder(nil, nil, nil,
			v.button(e.t("settings.choose"), theme.FileIcon(), v.chooseCertificate), v.certificate),
	)
	placesHint := widget.NewLabel(e.t("settings.places_hint"))
	placesHint.Wrapping = fyne.TextWrapWord
	placesHint.SizeName = theme.SizeNameCaptionText

	lettersHint := widget.NewLabel(e.t("settings.letters_hint"))
	lettersHint.Wrapping = fyne.TextWrapWord
	lettersHint.SizeName = theme.SizeNameCaptionText

	leftCol := container.NewVBox(
		section(e.t("settings.section.language")), container.NewHBox(v.language), langHint,
		widget.NewSeparator(),
		section(e.t("settings.section.office")), office,
		container.NewHBox(v.button(e.t("settings.save_office"), theme.DocumentSaveIcon(), v.saveOffice),
			v.button(e.t("window.mailbox.settings_button"), theme.MailComposeIcon(), func() { showMailSettings(v.e) })), v.officeMsg,
		widget.NewSeparator(),
		section(e.t("settings.section.deadlines")), daysHint, days,
		container.NewHBox(v.button(e.t("settings.save_days"), theme.DocumentSaveIcon(), v.saveDays)), v.daysMsg,
	)
	rightCol := container.NewVBox(
		section(e.t("settings.section.closures")), v.closures, addClosure, v.closureMsg,
		widget.NewSeparator(),
		section(e.t("settings.section.backup")),
		container.NewBorder(nil, nil, widget.NewLabel(e.t("settings.backup_dir")),
			v.button(e.t("settings.choose"), theme.FolderOpenIcon(), func() { v.chooseFolder(v.backupDir) }), v.backupDir),
		container.NewHBox(v.button(e.t("settings.backup_now"), theme.UploadIcon(), v.backupNow), v.restoreButton), v.backupMsg,
		widget.NewSeparator(),
		section(e.t("settings.section.places")), placesHint, places,
		container.NewHBox(v.button(e.t("settings.save_places"), theme.DocumentSaveIcon(), v.savePlaces)), v.placesMsg,
		widget.NewSeparator(),
		section(e.t("settings.section.letters")), lettersHint,
		container.NewHBox(v.button(e.t("settings.letters"), theme.DocumentIcon(), v.openLetterSettings)),
	)
	v.root = container.NewStack(container.NewVScroll(container.NewPadded(container.NewGridWithColumns(2, leftCol, rightCol))))

	v.part(v.saveOffice, v.nameIT, v.nameDE, v.address, v.signer)
	dayFields := []*textEntry{v.defaultDays}
	for _, k := range data.Kinds {
		dayFields = append(dayFields, v.days[k])
	}
	v.part(v.saveDays, dayFields...)
	v.part(v.addClosure, v.closureDay, v.closureNote)
	v.part(v.savePlaces, v.backupDir, v.exchangeDir, v.certificate, v.pkcs11)
}

// part makes save the save of fields: Enter in one of them, or Ctrl+S while it has the
// keyboard, saves the part of the screen it stands in, as its button does.
func (v *SettingsView) part(save func(), fields ...*textEntry) {
	for _, f := range fields {
		v.saves[f] = save
		f.OnSubmitted = func(string) { save() }
	}
}

// Save is Ctrl+S: it saves the part of the screen whose field has the keyboard (the
// office, the days, a closure day, the places); elsewhere there is nothing to save.
func (v *SettingsView) Save(c fyne.Canvas) {
	if c == nil {
		return
	}
	if save := v.saves[c.Focused()]; save != nil {
		save()
	}
}

// load reads the deadline rules and the closure days off the UI thread.
func (v *SettingsView) load() {
	store := v.e.store
	code := store.Local().Code
	days := map[data.Kind]int{}
	var def int
	var closures []string
	var letters data.LetterSettings
	v.e.background(func() error {
		var err error
		if letters, err = store.LetterSettings(context.Background()); err != nil {
			return err
		}
		if def, err = store.DeadlineDays(code, ""); err != nil {
			return err
		}
		for _, k := range data.Kinds {
			if days[k], err = store.DeadlineDays(code, k); err != nil {
				return err
			}
		}
		closures, err = store.Closures(code)
		return err
	}, func(err error) {
		if err != nil {
			say(v.daysMsg, v.e.errText(err), true)
			return
		}
		v.loadedDefault, v.loadedDays = def, days
		if letters.Signer != "" {
			v.signer.SetText(letters.Signer)
		}
		v.defaultDays.SetText(strconv.Itoa(def))
		for k, t := range v.days {
			t.SetText(strconv.Itoa(days[k]))
		}
		v.showClosures(closures)
		if v.loaded != nil {
			v.loaded()
		}
	})
}

func (v *SettingsView) showClosures(days []string) {
	v.closureList = days
	v.closures.RemoveAll()
	if len(days) == 0 {
		v.closures.Add(widget.NewLabel(v.e.t("settings.closures_none")))
	}
	for _, d := range days {
		d := d
		remove := v.button(v.e.t("settings.closure_remove"), theme.DeleteIcon(), func() { v.removeClosure(d) })
		v.closures.Add(container.NewBorder(nil, nil, nil, remove, widget.NewLabel(formatDay(d, v.e.lang))))
	}
	v.closures.Refresh()
}

// saveOffice writes the office's names and address, and the signer: into the
// register's letter settings, which every letter reads (the window's and
// ascoltoctl's), and into this workstation's preferences, where the first start put it.
func (v *SettingsView) saveOffice() {
	local := v.e.store.Local()
	o := data.Office{Code: local.Code, NameIT: strings.TrimSpace(v.nameIT.Text), NameDE: strings.TrimSpace(v.nameDE.Text),
		Address: strings.TrimSpace(v.address.Text)}
	signer := strings.TrimSpace(v.signer.Text)
	store := v.e.store
	v.e.background(func() error {
		if err := store.Update(context.Background(), func(tx *data.Tx) error {
			return tx.SetLetterSetting(data.SettingSigner, signer)
		}); err != nil {
			return err
		}
		return store.PutOffice(o)
	}, func(err error) {
		if err != nil {
			say(v.officeMsg, v.e.errText(err), true)
			return
		}
		v.e.setPref(PrefSigner, signer)
		say(v.officeMsg, v.e.t("settings.saved"), false)
	})
}

// saveDays writes the deadline rules that changed, all in one transaction.
func (v *SettingsView) saveDays() {
	type rule struct {
		kind data.Kind
		days int
	}
	var rules []rule
	read := func(t *textEntry) (int, bool) {
		n, err := strconv.Atoi(strings.TrimSpace(t.Text))
		return n, err == nil
	}
	n, ok := read(v.defaultDays)
	if !ok {
		say(v.daysMsg, v.e.errText(data.Problemf("err.deadline_days", "value", v.defaultDays.Text)), true)
		return
	}
	if n != v.loadedDefault {
		rules = append(rules, rule{"", n})
	}
	for _, k := range data.Kinds {
		n, ok := read(v.days[k])
		if !ok {
			say(v.daysMsg, v.e.errText(data.Problemf("err.deadline_days", "value", v.days[k].Text)), true)
			return
		}
		if n != v.loadedDays[k] {
			rules = append(rules, rule{k, n})
		}
	}
	code := v.e.store.Local().Code
	store := v.e.store
	v.e.background(func() error {
		return store.Update(context.Background(), func(tx *data.Tx) error {
			for _, r := range rules {
				if err := tx.SetDeadlineDays(code, r.kind, r.days); err != nil {
					return err
				}
			}
			return nil
		})
	}, func(err error) {
		if err != nil {
			say(v.daysMsg, v.e.errText(err), true)
			return
		}
		say(v.daysMsg, v.e.t("settings.days_saved"), false)
		v.load()
	})
}

func (v *SettingsView) addClosure() {
	day, ok := parseDay(v.closureDay.Text, v.e.lang)
	if !ok {
		say(v.closureMsg, v.e.errText(data.Problemf("err.date", "value", v.closureDay.Text)), true)
		return
	}
	note := strings.TrimSpace(v.closureNote.Text)
	v.closureChange(func(tx *data.Tx, code string) error { return tx.AddClosure(code, day, note) }, func() {
		v.closureDay.SetText("")
		v.closureNote.SetText("")
	})
}

func (v *SettingsView) removeClosure(day string) {
	v.closureChange(func(tx *data.Tx, code string) error { return tx.RemoveClosure(code, day) }, nil)
}

func (v *SettingsView) closureChange(fn func(tx *data.Tx, code string) error, after func()) {
	store := v.e.store
	code := store.Local().Code
	var days []string
	v.e.background(func() error {
		if err := store.Update(context.Background(), func(tx *data.Tx) error { return fn(tx, code) }); err != nil {
			return err
		}
		var err error
		days, err = store.Closures(code)
		return err
	}, func(err error) {
		if err != nil {
			say(v.closureMsg, v.e.errText(err), true)
			return
		}
		v.closureMsg.Hide()
		v.showClosures(days)
		if after != nil {
			after()
		}
	})
}

// openLetterSettings opens the letters' own settings (lettersettings.go). The signer is
// one of them and is shown in the office's part too: it shows what was saved.
func (v *SettingsView) openLetterSettings() {
	v.letters = showLetterSettings(v.e, func(st data.LetterSettings) {
		v.signer.SetText(st.Signer)
		v.e.setPref(PrefSigner, st.Signer)
	})
}

// backupNow writes a copy of the register into the backup folder, named after the
// office and the time, while the program keeps working.
func (v *SettingsView) backupNow() {
	dir := strings.TrimSpace(v.backupDir.Text)
	if dir == "" {
		say(v.backupMsg, v.e.t("settings.backup_no_dir"), true)
		return
	}
	store := v.e.store
	// Named as the restore recognises its backups (data.IsBackupName), so that the copy
	// is listed there.
	path := filepath.Join(dir, data.HandBackupName(store.Local().Code, store.Now()))
	say(v.backupMsg, v.e.t("settings.backup_running"), false)
	v.e.background(func() error {
		if err := v.keepBackupDir(dir); err != nil {
			return err
		}
		return store.Backup(context.Background(), path)
	}, func(err error) {
		if err != nil {
			say(v.backupMsg, v.e.errText(err), true)
			return
		}
		say(v.backupMsg, v.e.t("settings.backup_done", "path", path), false)
	})
}

// keepBackupDir makes dir the register's backup folder, where the daily backups go
// too (off the UI thread: the folder is tried by writing into it). The default folder
// beside the register is kept as the default, so that it follows a moved register.
func (v *SettingsView) keepBackupDir(dir string) error {
	store := v.e.store
	cur := store.BackupSettings()
	if filepath.Clean(dir) == filepath.Clean(cur.Dir) {
		return nil
	}
	if filepath.Clean(dir) == filepath.Join(filepath.Dir(store.Path()), "backups") {
		dir = ""
	}
	return store.Update(context.Background(), func(tx *data.Tx) error {
		return tx.SetBackupSettings(data.BackupSettings{Dir: dir, Keep: cur.Keep})
	})
}

// savePlaces keeps the exchange folder and the certificate's file in this
// workstation's preferences, and the backup folder in the register.
func (v *SettingsView) savePlaces() {
	v.e.setPref(PrefExchangeDir, strings.TrimSpace(v.exchangeDir.Text))
	v.e.setPref(PrefCertificate, strings.TrimSpace(v.certificate.Text))
	v.e.setPref(PrefPKCS11Module, strings.TrimSpace(v.pkcs11.Text))
	dir := strings.TrimSpace(v.backupDir.Text)
	v.e.background(func() error {
		if dir == "" {
			return nil
		}
		return v.keepBackupDir(dir)
	}, func(err error) {
		if err != nil {
			say(v.placesMsg, v.e.errText(err), true)
			return
		}
		v.backupDir.SetText(v.e.store.BackupSettings().Dir)
		say(v.placesMsg, v.e.t("settings.saved"), false)
	})
}

func (v *SettingsView) chooseFolder(into *textEntry) {
	if v.e.win == nil {
		return
	}
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			into.SetText(u.Path())
		}
	}, v.e.win)
	if cur := strings.TrimSpace(into.Text); cur != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(cur)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

func (v *SettingsView) chooseCertificate() {
	if v.e.win == nil {
		return
	}
	d := fileOpen(v.e.store, []string{".p12", ".pfx"}, func(r fyne.URIReadCloser, err error) {
		if err == nil && r != nil {
			v.certificate.SetText(r.URI().Path())
			r.Close()
		}
	}, v.e.win)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// capital begins a word with a capital letter, as a label does ("richiesta" → "Richiesta").
func capital(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return string(unicode.ToUpper(r[0])) + string(r[1:])
}
