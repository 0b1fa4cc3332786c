package ui

import (
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"ascolto/data"
	"ascolto/printing/signature/token"
)

// moduleRow is the smart card module's field in Settings, with Choose (the library
// file) and Check (the cards the module sees, said in the places' message).
func (v *SettingsView) moduleRow() fyne.CanvasObject {
	if v.pkcs11.Text == "" {
		v.pkcs11.SetPlaceHolder(defaultModule())
	}
	return container.NewBorder(nil, nil, nil, container.NewHBox(
		v.button(v.e.t("settings.choose"), theme.FileIcon(), v.chooseModule),
		v.button(v.e.t("letter.token.ui_check"), theme.SearchIcon(), v.checkCards)), v.pkcs11)
}

// defaultModule is where OpenSC installs its module, as a hint in the empty field.
func defaultModule() string {
	if runtime.GOOS == "windows" {
		return `C:\Windows\System32\opensc-pkcs11.dll`
	}
	return "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
}

func (v *SettingsView) chooseModule() {
	if v.e.win == nil {
		return
	}
	d := fileOpen(v.e.store, []string{".so", ".dll", ".dylib"}, func(r fyne.URIReadCloser, err error) {
		if err == nil && r != nil {
			v.pkcs11.SetText(r.URI().Path())
			r.Close()
		}
	}, v.e.win)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// checkCards loads the module in the field and says which cards it sees and whose
// signing certificate each holds, or why it cannot.
func (v *SettingsView) checkCards() {
	m, err := token.Open(strings.TrimSpace(v.pkcs11.Text))
	if err != nil {
		say(v.placesMsg, v.e.errText(err), true)
		return
	}
	defer m.Close()
	ts, err := m.Tokens()
	if err == nil && len(ts) == 0 {
		err = data.Problemf("letter.token.err_no_token")
	}
	if err != nil {
		say(v.placesMsg, v.e.errText(err), true)
		return
	}
	var lines []string
	for _, t := range ts {
		if len(t.Certificates) == 0 {
			lines = append(lines, v.e.t("letter.token.ui_check_nocert", "card", t.Label, "maker", t.Manufacturer))
			continue
		}
		lines = append(lines, v.e.t("letter.token.ui_check_card", "card", t.Label, "maker", t.Manufacturer, "name", t.Certificates[0].Name()))
	}
	say(v.placesMsg, strings.Join(lines, "\n"), false)
}
