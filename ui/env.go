package ui

import (
	"fyne.io/fyne/v2"

	"ascolto/data"
	"ascolto/data/draft"
	"ascolto/translations"
)

// env is what every screen needs: the register, the interface language, the way back
// to the UI thread, and the window's services. Screens never touch the register on the
// UI thread: they hand the work to background, which runs it on a goroutine and its
// result through do, on the UI thread (fyne.Do in the program, a queue in tests).
type env struct {
	store  *data.Store
	lang   string
	do     func(func())
	win    fyne.Window
	app    fyne.App
	prefs  fyne.Preferences
	drafts *draft.Store

	// restore replaces the open register with the backup from (Settings → Restore a
	// backup); nil where the program cannot close and reopen its register (see
	// Shell.SetRestore). done runs on the UI thread.
	restore func(from string, done func(saved string, err error))
}

// t translates key in the interface language.
func (e *env) t(key string, kv ...string) string { return translations.T(e.lang, key, kv...) }

// errText is what the clerk reads for err.
func (e *env) errText(err error) string { return ErrorText(e.lang, err) }

// background runs work off the UI thread and then done, with work's error, on it.
func (e *env) background(work func() error, done func(error)) {
	go func() {
		err := work()
		e.do(func() { done(err) })
	}()
}

// pref reads a preference ("" without preferences, as in some tests).
func (e *env) pref(key string) string {
	if e.prefs == nil {
		return ""
	}
	return e.prefs.String(key)
}

func (e *env) setPref(key, value string) {
	if e.prefs != nil {
		e.prefs.SetString(key, value)
	}
}

// Preferences of the workstation (Fyne keeps them per user and program). The names
// are the program's, never shown.
const (
	// PrefLanguage is the interface language the clerk chose last.
	PrefLanguage = "pref.language"
	// PrefRegister is the register chosen at the first start, if not the default one.
	PrefRegister = "pref.register"
	// PrefSigner is the default signer of reply letters.
	PrefSigner = "pref.signer"
	// PrefBackupDir is where "Back up now" writes copies of the register.
	PrefBackupDir = "pref.backup_dir"
	// PrefExchangeDir is the shared folder of the exchange between offices.
	PrefExchangeDir = "pref.exchange_dir"
	// PrefCertificate is the signing certificate file (PKCS#12) for reply letters.
	PrefCertificate = "pref.certificate"
)
