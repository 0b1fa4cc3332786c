package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/assets"
	"ascolto/data"
)

// FirstStart is what the first-start screen asks of the program. Create and Open run
// off the UI thread; their error (a *data.Problem) is shown on the screen, which keeps
// what was typed.
type FirstStart struct {
	// Create makes a new register for the office, with the default signer.
	Create func(o data.Office, signer string) error
	// Open takes an existing register file as the workstation's register.
	Open func(path string) error
	// Demo makes the demo register of invented cases.
	Demo func()
	// Language switches the interface language (the screen is built again).
	Language func(lang string)
	// TrialCases is how many invented cases the demo register has.
	TrialCases int
}

// FirstStartView is the screen of the very first start: no register at the usual
// place. The clerk (or the office's technician) sets up the office's register — code,
// names in Italian and German, address, default signer — or opens an existing one, or
// tries the program on a demo register; and chooses the language.
type FirstStartView struct {
	e  *env
	fs FirstStart

	root                        fyne.CanvasObject
	language                    *choice
	code, nameIT, nameDE        *textEntry
	address, signer             *textEntry
	codeErr, namesErr, openErr  *widget.Label
	create, open, demo          *button
	busy                        bool
	createdForTest, openForTest func()
}

// NewFirstStartView shows the choices for a register expected at path.
func NewFirstStartView(lang, path string, win fyne.Window, fs FirstStart) *FirstStartView {
	return newFirstStartView(&env{lang: lang, do: fyne.Do, win: win}, path, fs)
}

func newFirstStartView(e *env, path string, fs FirstStart) *FirstStartView {
	v := &FirstStartView{e: e, fs: fs}
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.Icon))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(64))
	title := widget.NewLabel(e.t("window.first.title"))
	title.TextStyle.Bold = true
	title.SizeName = theme.SizeNameHeadingText
	intro := widget.NewLabel(e.t("window.first.intro", "path", path))
	intro.Wrapping = fyne.TextWrapWord

	v.language = newChoice([]string{e.t("settings.language_name.it"), e.t("settings.language_name.de"), e.t("settings.language_name.en")}, []string{"it", "de", "en"}, nil)
	v.language.SetValue(e.lang)
	v.language.onPick = func(lang string) {
		if lang != "" && lang != v.e.lang && v.fs.Language != nil {
			v.fs.Language(lang)
		}
	}
	entry := func(hint string) *textEntry {
		t := newTextEntry()
		t.SetPlaceHolder(hint)
		return t
	}
	v.code = entry("BZ")
	v.nameIT = entry("Centro di mediazione lavoro Bolzano")
	v.nameDE = entry("Arbeitsvermittlungszentrum Bozen")
	v.address = entry("Via Dante 11, 39100 Bolzano")
	v.signer = entry(e.t("window.first.signer_hint"))
	errLabel := func() *widget.Label {
		l := widget.NewLabel("")
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		l.SizeName = theme.SizeNameCaptionText
		l.Hide()
		return l
	}
	v.codeErr, v.namesErr, v.openErr = errLabel(), errLabel(), errLabel()
	// A message goes as soon as its field is being corrected.
	v.code.OnChanged = func(string) { v.codeErr.Hide() }
	v.nameIT.OnChanged = func(string) { v.namesErr.Hide() }
	v.nameDE.OnChanged = func(string) { v.namesErr.Hide() }
	v.create = newButton(e.t("window.first.create"), theme.ConfirmIcon(), v.doCreate)
	v.create.Importance = widget.HighImportance
	v.open = newButton(e.t("window.first.open"), theme.FolderOpenIcon(), v.chooseRegister)
	n := formatNumber(fs.TrialCases, e.lang)
	v.demo = newButton(e.t("window.first.demo", "n", n), theme.MediaPlayIcon(), func() {
		if v.fs.Demo != nil && !v.busy {
			v.busy = true
			v.fs.Demo()
		}
	})

	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(e.t("window.first.code")), container.New(tightColumn{}, v.code, v.codeErr),
		widget.NewLabel(e.t("settings.name_it")), v.nameIT,
		widget.NewLabel(e.t("settings.name_de")), container.New(tightColumn{}, v.nameDE, v.namesErr),
		widget.NewLabel(e.t("field.address")), v.address,
		widget.NewLabel(e.t("settings.signer")), v.signer,
	)
	newRegister := container.NewVBox(section(e.t("window.first.new")), form, container.NewHBox(v.create))
	para := func(key string, kv ...string) *widget.Label {
		l := widget.NewLabel(e.t(key, kv...))
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	others := container.NewVBox(
		section(e.t("window.first.existing")), para("window.first.existing_text"), container.NewHBox(v.open), v.openErr,
		widget.NewSeparator(),
		section(e.t("window.first.try")), para("window.first.try_text", "n", n), container.NewHBox(v.demo),
	)
	head := container.NewBorder(nil, nil, icon, container.NewVBox(layout.NewSpacer(), container.NewHBox(widget.NewLabel(e.t("field.language")), v.language)),
		container.NewVBox(title, intro))
	body := container.NewVBox(head, widget.NewSeparator(), container.NewGridWithColumns(2, newRegister, others))
	v.root = container.NewCenter(container.New(readingWidth(980), body))
	return v
}

// Object is the screen for the window.
func (v *FirstStartView) Object() fyne.CanvasObject { return v.root }

// fieldOf is the field a message of the form speaks about.
func (v *FirstStartView) fieldOf(l *widget.Label) fyne.Focusable {
	switch {
	case l == v.codeErr:
		return v.code
	case strings.TrimSpace(v.nameIT.Text) == "":
		return v.nameIT
	}
	return v.nameDE
}

func (v *FirstStartView) canvas() fyne.Canvas {
	if v.e.win == nil {
		return nil
	}
	return v.e.win.Canvas()
}

// FocusFirst puts the keyboard in the office code.
func (v *FirstStartView) FocusFirst(c fyne.Canvas) {
	if c != nil {
		c.Focus(v.code)
	}
}

func (v *FirstStartView) doCreate() {
	if v.busy || v.fs.Create == nil {
		return
	}
	v.codeErr.Hide()
	v.namesErr.Hide()
	o := data.Office{Code: strings.ToUpper(strings.TrimSpace(v.code.Text)), NameIT: strings.TrimSpace(v.nameIT.Text),
		NameDE: strings.TrimSpace(v.nameDE.Text), Address: strings.TrimSpace(v.address.Text)}
	signer := strings.TrimSpace(v.signer.Text)
	v.busy = true
	v.create.Disable()
	v.e.background(func() error { return v.fs.Create(o, signer) }, func(err error) {
		v.busy = false
		v.create.Enable()
		if err != nil {
			l := v.namesErr
			if p, ok := data.AsProblem(err); ok && p.Key == "err.office_code" {
				l = v.codeErr
			}
			l.SetText(v.e.errText(err))
			l.Show()
			// The keyboard goes where the fault is, not back to the button.
			if c := v.canvas(); c != nil {
				c.Focus(v.fieldOf(l))
			}
		}
		if v.createdForTest != nil {
			v.createdForTest()
		}
	})
}

func (v *FirstStartView) chooseRegister() {
	if v.e.win == nil {
		return
	}
	d := fileOpen(v.e.store, []string{".ascolto"}, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		v.openPath(path)
	}, v.e.win)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// openPath takes the register at path, or says why it cannot.
func (v *FirstStartView) openPath(path string) {
	if v.busy || v.fs.Open == nil {
		return
	}
	v.openErr.Hide()
	v.busy = true
	v.e.background(func() error { return v.fs.Open(path) }, func(err error) {
		v.busy = false
		if err != nil {
			v.openErr.SetText(v.e.errText(err))
			v.openErr.Show()
		}
		if v.openForTest != nil {
			v.openForTest()
		}
	})
}
