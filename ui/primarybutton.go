package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// A focused button is drawn by Fyne with the theme's focus colour laid over its own. Over
// an ordinary (grey) button the translucent navy of OfficeTheme stands out; over the
// accent of a primary button ("Issue letter", a dialog's default answer) it made a
// dark blue on blue, some 1.5:1 from the unfocused button: the keyboard's place could
// not be seen there (EN 301 549 9.2.4.7, 9.1.4.11). No single focus colour serves both:
// the grey button's dark text needs a light focused background, the accent's white
// text a dark one, 3:1 away from the accent. So a focused primary button is filled with
// the theme's colorNamePrimaryFocused instead (ui/theme.go), a near black navy in the
// light variant and a near white in the dark one, 3:1 from the accent and from the
// background and with its text still 4.5:1 on it (ui/contrast_test.go computes each).

// FocusGained notes the focus for the button's renderer before Fyne's refresh.
func (b *button) FocusGained() {
	b.hasFocus = true
	b.Button.FocusGained()
}

// FocusLost is FocusGained's counterpart.
func (b *button) FocusLost() {
	b.hasFocus = false
	b.Button.FocusLost()
}

// CreateRenderer is Fyne's button renderer, which recolours a focused primary button.
func (b *button) CreateRenderer() fyne.WidgetRenderer {
	r := &buttonRenderer{WidgetRenderer: b.Button.CreateRenderer(), b: b}
	// Fyne's button draws its background first (widget/button.go, CreateRenderer).
	if objs := r.Objects(); len(objs) > 0 {
		r.bg, _ = objs[0].(*canvas.Rectangle)
	}
	r.mark()
	return r
}

type buttonRenderer struct {
	fyne.WidgetRenderer
	b  *button
	bg *canvas.Rectangle
}

// Refresh is Fyne's (which a change of focus, hover or theme calls), then the mark.
func (r *buttonRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	r.mark()
}

// mark fills a focused, enabled primary button with the theme's colour for it.
func (r *buttonRenderer) mark() {
	if r.bg == nil || !r.b.hasFocus || r.b.Disabled() || r.b.Importance != widget.HighImportance {
		return
	}
	r.bg.FillColor = r.b.Theme().Color(colorNamePrimaryFocused, fyne.CurrentApp().Settings().ThemeVariant())
	r.bg.Refresh()
}
