package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/assets"
	"ascolto/translations"
)

// SetupView is the first-start screen: no register was found, and a trial register is
// being filled with invented cases. It only shows progress; the work runs elsewhere.
type SetupView struct {
	lang     string
	waiting  *widget.ProgressBarInfinite
	bar      *widget.ProgressBar
	progress *widget.Label
	root     fyne.CanvasObject
}

// NewSetupView explains that a trial register of total cases is being made at path.
func NewSetupView(lang, path string, total int) *SetupView {
	v := &SetupView{lang: lang, waiting: widget.NewProgressBarInfinite(), bar: widget.NewProgressBar(),
		progress: widget.NewLabel("")}
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.Icon))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(72))
	title := widget.NewLabel(translations.T(lang, "window.setup.title"))
	title.TextStyle.Bold = true
	title.SizeName = theme.SizeNameSubHeadingText
	intro := widget.NewLabel(translations.T(lang, "window.setup.intro", "path", path, "n", formatNumber(total, lang)))
	intro.Wrapping = fyne.TextWrapWord
	v.bar.TextFormatter = func() string { return "" } // the label below says it in words
	v.bar.Hide()
	v.progress.Alignment = fyne.TextAlignCenter
	v.SetProgress(0, total)

	box := container.NewVBox(container.NewHBox(icon), title, intro, container.NewStack(v.waiting, v.bar), v.progress)
	v.root = container.NewCenter(container.New(readingWidth(520), box))
	return v
}

// Object is the view's content for a window.
func (v *SetupView) Object() fyne.CanvasObject { return v.root }

// SetProgress shows done of total; call it on the UI thread. Until the first cases are
// counted the bar only moves, since the register may report progress in large steps.
func (v *SetupView) SetProgress(done, total int) {
	if done > 0 && total > 0 {
		if v.waiting.Visible() {
			v.waiting.Stop()
			v.waiting.Hide()
			v.bar.Show()
		}
		v.bar.SetValue(float64(done) / float64(total))
	}
	v.progress.SetText(translations.T(v.lang, "window.setup.progress",
		"done", formatNumber(done, v.lang), "total", formatNumber(total, v.lang)))
}
