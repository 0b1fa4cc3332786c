package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// cell is one cell of the register table: a background that marks overdue rows, an
// optional warning icon and the text. Colour is never the only mark: an overdue row also
// carries the icon and the word ("scaduta", "überfällig") in its due-date cell.
type cell struct {
	widget.BaseWidget
	bg    *canvas.Rectangle
	icon  *widget.Icon
	label *widget.Label
}

func newCell() *cell {
	c := &cell{
		bg:    canvas.NewRectangle(color.Transparent),
		icon:  widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon())),
		label: widget.NewLabel(""),
	}
	c.icon.Hide()
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.ExtendBaseWidget(c)
	return c
}

func (c *cell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.bg, container.NewBorder(nil, nil, c.icon, nil, c.label)))
}

// set shows text; warn adds the warning icon and the danger colour, tint colours the
// background (for every cell of an overdue row).
func (c *cell) set(text string, warn, tint bool) {
	if warn {
		c.icon.Show()
		c.label.Importance = widget.DangerImportance
	} else {
		c.icon.Hide()
		c.label.Importance = widget.MediumImportance
	}
	c.label.Text = text
	c.label.Refresh()
	fill := color.Color(color.Transparent)
	if tint {
		fill = overdueTint(c)
	}
	if c.bg.FillColor != fill {
		c.bg.FillColor = fill
		c.bg.Refresh()
	}
}

// setHeader shows a column title: bold, on the theme's header background, so that the
// titles stay apart from the rows scrolling under them.
func (c *cell) setHeader(text string) {
	c.label.TextStyle.Bold = true
	c.label.Text = text
	c.label.Refresh()
	c.bg.FillColor = theme.ColorForWidget(theme.ColorNameHeaderBackground, c)
	c.bg.Refresh()
}

// overdueTint is the theme's error colour made faint, so that the row stands out in the
// light and in the dark theme without hiding the text.
func overdueTint(w fyne.Widget) color.Color {
	r, g, b, _ := theme.ColorForWidget(theme.ColorNameError, w).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x24}
}
