package ui

import (
	"embed"
	"encoding/json"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// Fyne's own words — the buttons of its dialogs (OK, Cancel, Yes, No), the file chooser,
// an entry's right-click menu, the Quit item Fyne adds to the menu — come from Fyne's
// translations, which have German but no Italian, and which follow the system's locale,
// not the language chosen in Ascolto. The files in fynetext/ give them in the three
// languages of the program (Fyne's message format, keys as Fyne names them).
//
//go:embed fynetext/*.json
var fyneText embed.FS

// UseFyneLanguage makes Fyne's own words speak lng from now on (dialogs made
// afterwards; an open one keeps its words). Fyne 2.7 has no call that sets its language:
// it picks the closest of its translations to the user's locales whenever translations
// are added. So the words are added with the locale pointed at lng for that moment —
// on Linux and the BSDs Fyne reads the locale from LC_ALL/LC_MESSAGES/LANG/LANGUAGE,
// which are set just for the call and put back afterwards. Where Fyne asks the system
// instead (Windows, macOS), the words are added under the language Fyne chose from the
// system, so that its choice now says them in lng. It reports whether Fyne speaks lng.
func UseFyneLanguage(lng string) bool {
	b, err := fyneText.ReadFile("fynetext/" + lng + ".json")
	if err != nil {
		return false
	}
	var words map[string]any
	if json.Unmarshal(b, &words) != nil {
		return false
	}
	want, _ := words["Cancel"].(string)
	speaks := func() bool { return lang.L("Cancel") == want }

	restore := pointLocaleAt(lng)
	err = lang.AddTranslationsForLocale(b, fyne.Locale(lng))
	restore()
	if err == nil && speaks() {
		return true
	}
	for _, tag := range []string{lang.SystemLocale().LanguageString(), "en"} {
		if lang.AddTranslationsForLocale(b, fyne.Locale(tag)) == nil && speaks() {
			return true
		}
	}
	return speaks()
}

// pointLocaleAt sets the locale variables to lng and returns what puts them back.
func pointLocaleAt(lng string) (restore func()) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return func() {}
	}
	vars := []string{"LC_ALL", "LANGUAGE"}
	old := map[string]*string{}
	for _, v := range vars {
		if s, ok := os.LookupEnv(v); ok {
			old[v] = &s
		} else {
			old[v] = nil
		}
	}
	os.Setenv("LC_ALL", lng)
	os.Setenv("LANGUAGE", lng)
	return func() {
		for _, v := range vars {
			if old[v] == nil {
				os.Unsetenv(v)
			} else {
				os.Setenv(v, *old[v])
			}
		}
	}
}

// fileDialogTitle is the file chooser's title in the words of Fyne's current language.
// Fyne puts it together as "Open" + " " + "File", which German reads backwards
// ("Öffnen Datei"): the title is given whole instead.
func fileDialogTitle(save bool) string {
	if save {
		return lang.L("Save File")
	}
	return lang.L("Open File")
}
