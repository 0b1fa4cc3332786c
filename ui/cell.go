package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// mark is how urgent a row is.
type mark int

const (
	markNone    mark = iota
	markOverdue      // the clock runs and the due date has passed
	markToday        // the clock runs and today is the due date
)

// The marks' icons: the warning triangle in the error colour for overdue, the clock in
// the warning colour for due today. (Functions, not variables: Fyne's icons are looked
// up in the theme of the running app.)
func overdueIcon() fyne.Resource { return theme.NewErrorThemedResource(theme.WarningIcon()) }

func todayIcon() fyne.Resource { return theme.NewWarningThemedResource(theme.HistoryIcon()) }

// cell is one cell of the register table: a background that tints urgent rows, an
// optional icon and the text, cut with an ellipsis to the column. Colour is never the
// only mark: an overdue row carries the warning triangle and the word ("scaduta",
// "überfällig") in its due-date cell, a row due today the clock and "oggi"/"heute" —
// shapes and words a colour-blind clerk reads as well as anyone.
//
// A register is read line by line like a ledger, so its table is denser than the rest
// of the window: the cell draws its text itself at tableTextSize (a little smaller than
// the theme's text, and growing with it) with tableInnerPadding around it (some 30 px a
// row at the usual size, about 20 rows on a laptop screen); its height follows the text,
// so that larger text is never cut. It takes its colours from the theme.
type cell struct {
	widget.BaseWidget
	text   string
	bold   bool
	colour fyne.ThemeColorName
	icon   fyne.Resource
	tint   fyne.ThemeColorName // "" for none
	header bool
	arrow  int // header: 1 ascending, -1 descending
}

func newCell() *cell {
	c := &cell{colour: theme.ColorNameForeground}
	c.ExtendBaseWidget(c)
	return c
}

// headerCell is a column title: bold, on the theme's header background, so that the
// titles stay apart from the rows scrolling under them. A click sorts by the column.
// (Data cells are not tappable: a click on a row belongs to the table.)
type headerCell struct {
	cell
	onTap func()
}

func newHeaderCell() *headerCell {
	h := &headerCell{}
	h.colour, h.bold, h.header = theme.ColorNameForeground, true, true
	h.ExtendBaseWidget(h)
	return h
}

// set shows text; icon adds the row's mark to this cell (the due date), and row tints
// the background of every cell of an urgent row.
func (c *cell) set(text string, icon bool, row mark) {
	c.text = text
	c.icon, c.colour, c.tint = nil, theme.ColorNameForeground, ""
	switch row {
	case markOverdue:
		c.tint = theme.ColorNameError
		if icon {
			c.icon, c.colour = overdueIcon(), theme.ColorNameError
		}
	case markToday:
		c.tint = theme.ColorNameWarning
		if icon {
			c.icon, c.colour = todayIcon(), theme.ColorNameWarning
		}
	}
	c.Refresh()
}

// setHeader shows a column title; dir is 0 for a column not sorted by, 1 ascending,
// -1 descending.
func (h *headerCell) setHeader(text string, dir int) {
	h.text, h.arrow = text, dir
	h.Refresh()
}

// Tapped sorts by the column.
func (h *headerCell) Tapped(*fyne.PointEvent) {
	if h.onTap != nil {
		h.onTap()
	}
}

// Cursor says a column title can be clicked.
func (h *headerCell) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (c *cell) CreateRenderer() fyne.WidgetRenderer {
	r := &cellRenderer{c: c, bg: canvas.NewRectangle(color.Transparent), text: canvas.NewText("", color.Black),
		icon: canvas.NewImageFromResource(nil), arrow: canvas.NewImageFromResource(nil)}
	r.icon.FillMode = canvas.ImageFillContain
	r.arrow.FillMode = canvas.ImageFillContain
	r.Refresh()
	return r
}

type cellRenderer struct {
	c     *cell
	bg    *canvas.Rectangle
	text  *canvas.Text
	icon  *canvas.Image
	arrow *canvas.Image
	size  fyne.Size
}

func (r *cellRenderer) Destroy() {}

func (r *cellRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.icon, r.text, r.arrow}
}

func (r *cellRenderer) MinSize() fyne.Size {
	h := fyne.MeasureText("Mgjß", tableTextSize(), fyne.TextStyle{Bold: true}).Height
	return fyne.NewSize(2*tableInnerPadding+theme.IconInlineSize(), h+2*tableInnerPadding)
}

func (r *cellRenderer) Layout(size fyne.Size) {
	r.size = size
	r.bg.Resize(size)
	x := float32(tableInnerPadding)
	iconSize := theme.IconInlineSize()
	if r.c.icon != nil {
		r.icon.Move(fyne.NewPos(x, (size.Height-iconSize)/2))
		r.icon.Resize(fyne.NewSquareSize(iconSize))
		x += iconSize + theme.Padding()
	}
	right := size.Width - tableInnerPadding
	if r.c.arrow != 0 {
		right -= iconSize
		r.arrow.Move(fyne.NewPos(right, (size.Height-iconSize)/2))
		r.arrow.Resize(fyne.NewSquareSize(iconSize))
	}
	r.text.Text = ellipsis(r.c.text, right-x, r.text.TextStyle)
	th := fyne.MeasureText(r.text.Text, tableTextSize(), r.text.TextStyle).Height
	r.text.Move(fyne.NewPos(x, (size.Height-th)/2))
	r.text.Resize(fyne.NewSize(right-x, th))
}

func (r *cellRenderer) Refresh() {
	c := r.c
	r.text.TextStyle.Bold = c.bold
	r.text.TextSize = tableTextSize()
	r.text.Color = theme.ColorForWidget(c.colour, c)
	switch {
	case c.header:
		r.bg.FillColor = theme.ColorForWidget(theme.ColorNameHeaderBackground, c)
	case c.tint != "":
		r.bg.FillColor = tint(c, c.tint)
	default:
		r.bg.FillColor = color.Transparent
	}
	r.icon.Resource = c.icon
	r.icon.Hidden = c.icon == nil
	switch c.arrow {
	case 1:
		r.arrow.Resource = theme.MenuDropUpIcon()
	case -1:
		r.arrow.Resource = theme.MenuDropDownIcon()
	}
	r.arrow.Hidden = c.arrow == 0
	r.Layout(r.size)
	for _, o := range r.Objects() {
		o.Refresh()
	}
}

// ellipsis cuts s to fit width at the table's text size, ending in "…".
func ellipsis(s string, width float32, style fyne.TextStyle) string {
	if width <= 0 {
		return ""
	}
	if fyne.MeasureText(s, tableTextSize(), style).Width <= width {
		return s
	}
	runes := []rune(s)
	lo, hi := 0, len(runes)
	for lo < hi { // the longest prefix that fits with the ellipsis
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(string(runes[:mid])+"…", tableTextSize(), style).Width <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(runes[:lo]) + "…"
}

// tint is a theme colour made faint, so that the row stands out in the light and in the
// dark theme without hiding the text.
func tint(w fyne.Widget, name fyne.ThemeColorName) color.Color {
	r, g, b, _ := theme.ColorForWidget(name, w).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x24}
}
