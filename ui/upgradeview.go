package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/translations"
)

// UpgradeView is shown while opening converts a register of an older format (a large
// one takes minutes): what happens, that a copy was kept first, and how far it is. It
// only shows progress; the upgrade runs elsewhere.
type UpgradeView struct {
	lang     string
	bar      *widget.ProgressBar
	progress *widget.Label
	root     fyne.CanvasObject
}

// NewUpgradeView explains that the register at path is being upgraded.
func NewUpgradeView(lang, path string) *UpgradeView {
	v := &UpgradeView{lang: lang, bar: widget.NewProgressBar(), progress: widget.NewLabel("")}
	title := widget.NewLabel(translations.T(lang, "window.upgrade.title"))
	title.TextStyle.Bold = true
	title.SizeName = theme.SizeNameSubHeadingText
	intro := widget.NewLabel(translations.T(lang, "window.upgrade.intro", "path", path))
	intro.Wrapping = fyne.TextWrapWord
	v.bar.TextFormatter = func() string { return "" } // the label below says it in words
	v.progress.Alignment = fyne.TextAlignCenter
	box := container.NewVBox(title, intro, v.bar, v.progress)
	v.root = container.NewCenter(container.New(readingWidth(520), box))
	return v
}

// Object is the view's content for a window.
func (v *UpgradeView) Object() fyne.CanvasObject { return v.root }

// SetProgress shows done of total history entries; call it on the UI thread.
func (v *UpgradeView) SetProgress(done, total int64) {
	if total > 0 {
		v.bar.SetValue(float64(done) / float64(total))
	}
	v.progress.SetText(translations.T(v.lang, "window.upgrade.progress",
		"done", formatNumber(int(done), v.lang), "total", formatNumber(int(total), v.lang)))
}
