// Package ui holds Ascolto's windows and widgets. It knows the register only through
// package data and the words only through package translations, and it never imports the
// GL driver, so every screen can be built and tested without a display.
package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/translations"
)

// Page size and cache: a screen shows some 25 rows, so a page of 150 covers a few
// screens of scrolling, and 40 pages (6,000 cases) are a few megabytes at most however
// large the register is.
const (
	pageSize  = 150
	pagesKept = 40
)

// RegisterView is the register as a table, newest case first, with the office and the
// number of cases above it. It reads the register a page at a time, off the UI thread,
// so that it stays smooth with a million cases.
type RegisterView struct {
	// OnFirstRows, if set, is called once on the UI thread when the table first shows
	// cases (or the count says there are none): the moment a screenshot is worth taking.
	OnFirstRows func()

	store *data.Store
	lang  string
	do    func(func())
	pages *pager

	total, overdue int
	counted        bool
	gotRows        bool
	firstDone      bool
	readErr        error
	widths         []float32
	width          float32 // of the table, as last laid out

	table        *widget.Table
	count        *widget.Label
	overdueIcon  *widget.Icon
	overdueCount *widget.Label
	problem      *widget.Label
	empty        *widget.Label
	root         fyne.CanvasObject
}

// NewRegisterView shows store in lang ("it", "de" or "en"). Call Close when the view
// goes away, to stop its loader.
func NewRegisterView(store *data.Store, lang string) *RegisterView {
	return newRegisterView(store, lang, fyne.Do)
}

// newRegisterView takes the function that runs work on the UI thread, so that tests can
// run it on their own goroutine, in order.
func newRegisterView(store *data.Store, lang string, do func(func())) *RegisterView {
	v := &RegisterView{store: store, lang: lang, do: do}
	fetch := func(ctx context.Context, offset, limit int) ([]*data.Case, error) {
		return store.List(ctx, data.Filter{Sort: data.SortReceived, Desc: true, Offset: offset, Limit: limit})
	}
	v.pages = newPager(pageSize, pagesKept, fetch, do, v.pageArrived)
	v.build()
	v.Reload()
	v.pages.prefetch(0) // while the count runs: the first screen is page 0
	return v
}

// Object is the view's content for a window.
func (v *RegisterView) Object() fyne.CanvasObject { return v.root }

// Title is the window title: the program and the office, in the interface language.
func (v *RegisterView) Title() string {
	return "Ascolto — " + OfficeName(v.store.Local(), v.lang)
}

// Close stops reading the register; the store stays open (it belongs to the caller).
func (v *RegisterView) Close() { v.pages.stop() }

// Reload counts the cases again and rereads the pages on screen, e.g. after a change.
// The rows shown stay until their fresh copies arrive, so nothing flickers.
func (v *RegisterView) Reload() {
	v.pages.reset()
	ctx := v.pages.ctx
	go func() {
		var codes []string
		offices, err := v.store.Offices()
		for _, o := range offices {
			codes = append(codes, o.Code)
		}
		total, overdue := 0, 0
		if err == nil {
			total, err = v.store.Count(ctx, data.Filter{})
		}
		if err == nil {
			overdue, err = v.store.Count(ctx, data.Filter{Overdue: true})
		}
		if ctx.Err() != nil {
			return
		}
		v.do(func() { v.countArrived(codes, total, overdue, err) })
	}()
}

func (v *RegisterView) build() {
	v.table = widget.NewTable(
		func() (int, int) { return v.total, len(columns) },
		func() fyne.CanvasObject { return newCell() },
		v.updateCell,
	)
	v.table.ShowHeaderRow = true
	// The protocol number stays in view when a narrow window scrolls sideways.
	v.table.StickyColumnCount = 1
	// Headers get the dense theme themselves: the table sizes its rows from a header
	// made outside the theme scope.
	v.table.CreateHeader = func() fyne.CanvasObject { return container.NewThemeOverride(newCell(), denseTheme{}) }
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 && id.Col < len(columns) {
			c := o.(*container.ThemeOverride).Content.(*cell)
			c.setHeader(translations.T(v.lang, columns[id.Col].header))
		}
	}
	// The dense theme must be in place before the table first lays out: the row height
	// is measured once, from a template cell.
	dense := container.NewThemeOverride(v.table, denseTheme{})
	v.setCodes([]string{v.store.Local().Code})

	top := container.NewVBox(v.buildHeading(), widget.NewSeparator())
	v.empty = widget.NewLabel(translations.T(v.lang, "window.empty"))
	v.empty.Alignment = fyne.TextAlignCenter
	v.empty.Hide()
	table := container.New(fillLayout{v}, dense)
	v.root = container.NewBorder(top, nil, nil, nil, container.NewStack(table, container.NewCenter(v.empty)))
}

// buildHeading is the line above the table: the office on the left, the number of
// cases and of overdue ones on the right, and a read error below if there is one.
func (v *RegisterView) buildHeading() fyne.CanvasObject {
	office := widget.NewLabel(OfficeName(v.store.Local(), v.lang))
	office.TextStyle.Bold = true
	office.SizeName = theme.SizeNameSubHeadingText
	office.Truncation = fyne.TextTruncateEllipsis
	address := widget.NewLabel(v.store.Local().Address)
	address.SizeName = theme.SizeNameCaptionText
	address.Truncation = fyne.TextTruncateEllipsis
	// Labels carry their own padding; stacked without the VBox's gap they read as one block.
	heading := container.New(tightColumn{}, office, address)
	if v.store.Local().Address == "" {
		heading = container.New(tightColumn{}, office)
	}

	// The figures have the office name's size, so that they stand on its line.
	v.count = widget.NewLabel(translations.T(v.lang, "window.loading"))
	v.count.SizeName = theme.SizeNameSubHeadingText
	v.overdueIcon = widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon()))
	v.overdueCount = widget.NewLabel("")
	v.overdueCount.SizeName = theme.SizeNameSubHeadingText
	v.overdueCount.TextStyle.Bold = true
	v.overdueCount.Importance = widget.DangerImportance
	v.overdueIcon.Hide()
	v.overdueCount.Hide()
	v.problem = widget.NewLabel("")
	v.problem.Importance = widget.DangerImportance
	v.problem.Wrapping = fyne.TextWrapWord
	v.problem.Hide()

	figures := container.NewVBox(container.NewHBox(v.count, v.overdueIcon, v.overdueCount))
	return container.NewBorder(nil, v.problem, nil, figures, heading)
}

// setCodes sizes the columns for the register's office codes (they start every
// protocol number) and the language's words.
func (v *RegisterView) setCodes(codes []string) {
	v.widths = make([]float32, len(columns))
	for i, col := range columns {
		v.widths[i] = columnWidth(col, v.lang, codes)
		if i != subjectColumn {
			v.table.SetColumnWidth(i, v.widths[i])
		}
	}
	v.fitSubject(v.width)
}

// fitSubject gives the subject the width the other columns leave in a table this wide,
// but never less than it needs to be read.
func (v *RegisterView) fitSubject(width float32) {
	v.width = width
	rest := width - theme.Padding() // the table's separators take a padding each
	for i, w := range v.widths {
		if i != subjectColumn {
			rest -= w + theme.Padding()
		}
	}
	v.table.SetColumnWidth(subjectColumn, max(v.widths[subjectColumn], rest))
}

func (v *RegisterView) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	c := o.(*cell)
	col := columns[id.Col]
	row, _ := v.pages.row(id.Row)
	if row == nil {
		// Not read yet (or the page failed: the message is above the table).
		text := ""
		if id.Col == 0 {
			text = "…"
		}
		c.set(text, false, false)
		return
	}
	c.set(col.text(row, v.lang), col.key == "due" && row.Overdue, row.Overdue)
}

func (v *RegisterView) countArrived(codes []string, total, overdue int, err error) {
	if err != nil {
		v.showProblem(err)
		return
	}
	if v.readErr != nil { // the register reads again
		v.readErr = nil
		v.problem.Hide()
	}
	v.setCodes(codes)
	v.total, v.overdue, v.counted = total, overdue, true
	v.count.SetText(plural(v.lang, total, "window.count.one", "window.count.other"))
	if overdue > 0 {
		v.overdueCount.SetText(plural(v.lang, overdue, "window.overdue_count.one", "window.overdue_count.other"))
		v.overdueIcon.Show()
		v.overdueCount.Show()
	} else {
		v.overdueIcon.Hide()
		v.overdueCount.Hide()
	}
	v.empty.Hidden = total > 0
	v.empty.Refresh()
	v.table.Refresh()
	v.maybeFirstRows()
}

func (v *RegisterView) pageArrived(err error) {
	if err != nil {
		v.showProblem(err)
	} else {
		v.gotRows = true
	}
	v.table.Refresh()
	v.maybeFirstRows()
}

func (v *RegisterView) showProblem(err error) {
	v.readErr = err
	v.problem.SetText(ErrorText(v.lang, err))
	v.problem.Show()
}

func (v *RegisterView) maybeFirstRows() {
	if v.firstDone || !v.counted || (v.total > 0 && !v.gotRows) {
		return
	}
	v.firstDone = true
	if v.OnFirstRows != nil {
		v.OnFirstRows()
	}
}

// fillLayout lets the table fill its space and tells the view the width, so that the
// subject column can take what the other columns leave.
type fillLayout struct{ v *RegisterView }

func (l fillLayout) MinSize(objects []fyne.CanvasObject) fyne.Size { return objects[0].MinSize() }

func (l fillLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	if size.Width != l.v.width {
		l.v.fitSubject(size.Width)
	}
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
