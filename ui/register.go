// Package ui holds Ascolto's windows and widgets. It knows the register only through
// package data and the words only through package translations, and it never imports the
// GL driver, so every screen can be built and tested without a display.
package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/printing/history"
	"ascolto/translations"
)

// Page size and cache: a screen shows some 25 rows, so a page of 150 covers a few
// screens of scrolling, and 40 pages (6,000 cases) are a few megabytes at most however
// large the register is.
const (
	pageSize  = 150
	pagesKept = 40
)

// searchDelay is how long the search waits after a keystroke for the next one: long
// enough that a clerk typing a name at speed does not start a search per letter, short
// enough that the table follows the typing.
const searchDelay = 30 * time.Millisecond

// registerFilter is what the filter bar and the column titles say about the list: the
// search, one value per drop-down ("" for all), the deadline toggles and the sort.
//
// A drop-down's value may name several values joined by commas (the dashboard opens
// "answered or closed"), and From and To bound the date of receipt (YYYY-MM-DD).
type registerFilter struct {
	Query                         string
	Kind, Status, Channel, Office string
	Overdue, DueToday             bool
	From, To                      string
	Sort                          data.SortKey
	Desc                          bool
}

func (f registerFilter) filtered() bool {
	return f.Query != "" || f.Kind != "" || f.Status != "" || f.Channel != "" || f.Office != "" || f.Overdue ||
		f.DueToday || f.From != "" || f.To != ""
}

func split[T ~string](v string) []T {
	if v == "" {
		return nil
	}
	var out []T
	for _, x := range strings.Split(v, ",") {
		out = append(out, T(x))
	}
	return out
}

func join[T ~string](vals []T) string { return strings.Join(strs(vals), ",") }

func (f registerFilter) data() data.Filter {
	return data.Filter{Query: f.Query, Overdue: f.Overdue, DueToday: f.DueToday, From: f.From, To: f.To,
		Sort: f.Sort, Desc: f.Desc, Kinds: split[data.Kind](f.Kind), Statuses: split[data.Status](f.Status),
		Channels: split[data.Channel](f.Channel), Offices: split[string](f.Office)}
}

// filterOf is the register's filter as the filter bar shows it.
func filterOf(f data.Filter) registerFilter {
	return registerFilter{Query: f.Query, Overdue: f.Overdue, DueToday: f.DueToday && !f.Overdue, From: f.From, To: f.To,
		Sort: f.Sort, Desc: f.Desc, Kind: join(f.Kinds), Status: join(f.Statuses), Channel: join(f.Channels), Office: join(f.Offices)}
}

// sortShown is the column the list is ordered by and the direction (1 up, -1 down),
// spelling out the register's default order when none is chosen; none while a search
// lists its matches by relevance.
func (f registerFilter) sortShown() (data.SortKey, int) {
	switch {
	case data.Ranked(f.Query):
		return "", 0
	case f.Sort == "" && (f.Overdue || f.DueToday):
		return data.SortDue, 1
	case f.Sort == "":
		return data.SortReceived, -1
	case f.Desc:
		return f.Sort, -1
	}
	return f.Sort, 1
}

// RegisterView is the register as a table with a filter bar above it: search as you
// type, kind, status, channel, office, overdue and due today, and the counts of what is
// shown. It reads the register a page at a time, off the UI thread, so that it stays
// smooth with a million cases.
type RegisterView struct {
	// OnFirstRows, if set, is called once on the UI thread when the table first shows
	// cases (or the count says there are none): the moment a screenshot is worth taking.
	OnFirstRows func()
	// OnOpen, if set, is called on the UI thread when the clerk opens a case from the
	// table (Enter or Space on a row, or a click).
	OnOpen func(c *data.Case)
	// OnEscape, if set, is called for Esc in the filter bar.
	OnEscape func()

	e     *env
	pages *pager
	// undelivered: cases of the pages read with a letter that did not arrive (ui/delivery.go)
	undelivered undeliveredSet
	filter      registerFilter
	today       string

	total, all, overdue, dueToday int
	counted                       bool
	gotRows                       bool
	firstDone                     bool
	readErr                       error
	widths                        []float32
	width                         float32 // of the table, as last laid out
	codes                         []string
	offices                       []data.Office // the register's, for their names
	debounce                      *time.Timer
	countLater                    bool // count once the first page has arrived
	// shown, if set, is called after every page that reaches the table (benchmarks).
	shown func()

	table        *caseTable
	search       *textEntry
	kind         *choice
	status       *choice
	channel      *choice
	office       *choice
	overdueBox   *checkBox
	todayBox     *checkBox
	clear        *button
	period       *widget.Label
	count        *widget.Label
	overdueMark  *widget.Icon
	overdueCount *widget.Label
	todayMark    *widget.Icon
	todayCount   *widget.Label
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
	return registerViewFor(&env{store: store, lang: lang, do: do}, registerFilter{})
}

// registerViewFor builds the view with a filter already set (after a language switch
// the clerk finds the list as it was).
func registerViewFor(e *env, f registerFilter) *RegisterView {
	v := &RegisterView{e: e, filter: f, today: data.Today(e.store.Now())}
	v.pages = newPager(pageSize, pagesKept, v.fetcher(), e.do, v.pageArrived)
	v.build()
	v.recount()
	v.pages.prefetch(0) // while the count runs: the first screen is page 0
	return v
}

func (v *RegisterView) fetcher() fetchFunc {
	f := v.filter.data()
	store := v.e.store
	return func(ctx context.Context, offset, limit int) ([]*data.Case, error) {
		q := f
		q.Offset, q.Limit = offset, limit
		rows, err := store.List(ctx, q)
		if err == nil {
			err = v.undelivered.read(ctx, store, rows)
		}
		return rows, err
	}
}

// Object is the view's content for a window.
func (v *RegisterView) Object() fyne.CanvasObject { return v.root }

// Title is the window title: the program and the office, in the interface language.
func (v *RegisterView) Title() string {
	return "Ascolto — " + OfficeName(v.e.store.Local(), v.e.lang)
}

// Close stops reading the register; the store stays open (it belongs to the caller).
func (v *RegisterView) Close() {
	if v.debounce != nil {
		v.debounce.Stop()
	}
	v.pages.stop()
}

// Reload counts the cases again and rereads the pages on screen, e.g. after a change.
// The rows shown stay until their fresh copies arrive, so nothing flickers.
func (v *RegisterView) Reload() {
	v.pages.reset(nil)
	v.recount()
	v.pages.prefetch(0)
	v.refreshTable()
}

// FocusSearch puts the keyboard in the search box, its text selected so that typing
// replaces it (Ctrl+F).
func (v *RegisterView) FocusSearch(c fyne.Canvas) {
	if c != nil {
		c.Focus(v.search)
	}
	v.search.TypedShortcut(&fyne.ShortcutSelectAll{})
}

// setFilter shows another list: the pages of the old one go, the table goes back to
// its top, and the counts follow.
func (v *RegisterView) setFilter(f registerFilter) {
	if f == v.filter {
		return
	}
	v.filter = f
	v.pages.reset(v.fetcher())
	v.total, v.counted, v.gotRows = 0, false, false
	v.table.ScrollToTop()
	v.updateHeaders()
	// The counts wait for the first page (pageArrived starts them): on two cores four
	// counts beside it would slow down what the clerk is waiting for.
	v.countLater = true
	v.pages.prefetch(0)
	v.refreshTable()
}

// recount counts what the filter shows, and of it what is overdue and due today, off
// the UI thread; a count that arrives after the filter changed again is dropped.
func (v *RegisterView) recount() {
	gen, ctx := v.pages.generation()
	f := v.filter.data()
	filtered := v.filter.filtered()
	store := v.e.store
	go func() {
		// One after the other, on one connection: side by side each would fill a
		// connection's page cache of its own with the same index pages (a hundred
		// megabytes and more on a million cases), for a few tens of milliseconds won.
		var codes []string
		offices, err := store.Offices()
		for _, o := range offices {
			codes = append(codes, o.Code)
		}
		var shown, all, overdue, today int
		if err == nil {
			shown, err = store.Count(ctx, f)
		}
		all = shown
		if err == nil && filtered {
			all, err = store.Count(ctx, data.Filter{})
		}
		if err == nil && !f.DueToday {
			g := f
			g.Overdue = true
			overdue, err = store.Count(ctx, g)
		}
		if err == nil && !f.Overdue {
			g := f
			g.DueToday = true
			today, err = store.Count(ctx, g)
		}
		if ctx.Err() != nil {
			return
		}
		day := data.Today(store.Now())
		v.e.do(func() {
			if g, _ := v.pages.generation(); g != gen {
				return
			}
			v.today = day
			v.offices = offices
			v.countArrived(codes, shown, all, overdue, today, err)
		})
	}()
}

func (v *RegisterView) build() {
	t := &caseTable{}
	t.Length = func() (int, int) { return v.total, len(columns) }
	t.CreateCell = func() fyne.CanvasObject { return newCell() }
	t.UpdateCell = v.updateCell
	t.ExtendBaseWidget(t)
	v.table = t
	t.ShowHeaderRow = true
	// The protocol number stays in view when a narrow window scrolls sideways.
	t.StickyColumnCount = 1
	t.CreateHeader = func() fyne.CanvasObject { return newHeaderCell() }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row >= 0 || id.Col < 0 || id.Col >= len(columns) {
			return
		}
		h := o.(*headerCell)
		col := columns[id.Col]
		key, dir := v.filter.sortShown()
		if col.sort != key {
			dir = 0
		}
		h.setHeader(translations.T(v.e.lang, col.header), dir)
		h.onTap = func() { v.sortBy(col.sort) }
	}
	t.OnSelected = func(id widget.TableCellID) {
		c, _ := v.pages.row(id.Row)
		t.UnselectAll()
		if c != nil && v.OnOpen != nil {
			// After the table has finished with the tap (it takes the focus), so that
			// the case view can give the focus to its own first field.
			v.e.do(func() { v.OnOpen(c) })
		}
	}
	v.setCodes([]string{v.e.store.Local().Code})

	top := container.NewVBox(v.buildHeading(), v.buildFilterBar(), widget.NewSeparator())
	v.empty = widget.NewLabel(v.e.t("window.empty"))
	v.empty.Alignment = fyne.TextAlignCenter
	v.empty.Hide()
	table := container.New(fillLayout{v}, t)
	v.root = container.NewBorder(top, nil, nil, nil, container.NewStack(table, container.NewCenter(v.empty)))
}

// buildHeading is the line above the filter bar: the office on the left, the counts on
// the right, and a read error below if there is one.
func (v *RegisterView) buildHeading() fyne.CanvasObject {
	local := v.e.store.Local()
	office := widget.NewLabel(OfficeName(local, v.e.lang))
	office.TextStyle.Bold = true
	office.SizeName = theme.SizeNameSubHeadingText
	office.Truncation = fyne.TextTruncateEllipsis
	address := widget.NewLabel(local.Address)
	address.SizeName = theme.SizeNameCaptionText
	address.Truncation = fyne.TextTruncateEllipsis
	// Labels carry their own padding; stacked without the VBox's gap they read as one block.
	heading := container.New(tightColumn{}, office, address)
	if local.Address == "" {
		heading = container.New(tightColumn{}, office)
	}

	// The figures have the office name's size, so that they stand on its line.
	v.count = widget.NewLabel(v.e.t("window.loading"))
	v.count.SizeName = theme.SizeNameSubHeadingText
	v.overdueMark = widget.NewIcon(overdueIcon())
	v.overdueCount = widget.NewLabel("")
	v.overdueCount.SizeName = theme.SizeNameSubHeadingText
	v.overdueCount.TextStyle.Bold = true
	v.overdueCount.Importance = widget.DangerImportance
	v.todayMark = widget.NewIcon(todayIcon())
	v.todayCount = widget.NewLabel("")
	v.todayCount.SizeName = theme.SizeNameSubHeadingText
	v.todayCount.TextStyle.Bold = true
	v.todayCount.Importance = widget.WarningImportance
	for _, o := range []fyne.CanvasObject{v.overdueMark, v.overdueCount, v.todayMark, v.todayCount} {
		o.Hide()
	}
	v.problem = widget.NewLabel("")
	v.problem.Importance = widget.DangerImportance
	v.problem.Wrapping = fyne.TextWrapWord
	v.problem.Hide()

	figures := container.NewVBox(container.NewHBox(v.count, v.overdueMark, v.overdueCount, v.todayMark, v.todayCount))
	return container.NewBorder(nil, v.problem, nil, figures, heading)
}

// buildFilterBar is the search box and the filters, in the order Tab visits them.
func (v *RegisterView) buildFilterBar() fyne.CanvasObject {
	lang := v.e.lang
	v.search = newTextEntry()
	v.search.SetPlaceHolder(v.e.t("window.search.placeholder"))
	v.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	v.search.SetText(v.filter.Query)
	v.search.OnChanged = func(string) { v.searchSoon() }
	v.search.OnSubmitted = func(string) { v.searchNow() }
	v.search.onDown = func() { v.focusTable() }

	v.kind = newChoice(append([]string{v.e.t("window.filter.all_kinds")}, words(lang, "kind", data.Kinds)...),
		append([]string{""}, strs(data.Kinds)...), func(string) { v.filtersChanged() })
	v.status = newChoice(append([]string{v.e.t("window.filter.all_statuses")}, words(lang, "status", data.Statuses)...),
		append([]string{""}, strs(data.Statuses)...), func(string) { v.filtersChanged() })
	v.channel = newChoice(append([]string{v.e.t("window.filter.all_channels")}, words(lang, "channel", data.Channels)...),
		append([]string{""}, strs(data.Channels)...), func(string) { v.filtersChanged() })
	v.office = newChoice([]string{v.e.t("window.filter.all_offices")}, []string{""}, func(string) { v.filtersChanged() })
	v.offices = []data.Office{v.e.store.Local()}
	v.setOfficeOptions([]string{v.e.store.Local().Code})
	v.overdueBox = newCheckBox(v.e.t("window.filter.overdue"), func(on bool) {
		if on && v.todayBox.Checked {
			v.todayBox.SetChecked(false) // overdue and due today exclude each other
		}
		v.filtersChanged()
	})
	v.todayBox = newCheckBox(v.e.t("window.filter.due_today"), func(on bool) {
		if on && v.overdueBox.Checked {
			v.overdueBox.SetChecked(false)
		}
		v.filtersChanged()
	})
	v.clear = newButton(v.e.t("window.filter.clear"), theme.ContentClearIcon(), v.clearFilters)
	v.period = widget.NewLabel("")
	v.period.Importance = widget.HighImportance

	// Show the filter as it was (after a language switch) without running it again.
	v.showFilter(v.filter)
	for _, c := range []*choice{v.kind, v.status, v.channel, v.office} {
		c.onEscape = v.escape
	}
	v.search.onEscape = v.escape
	v.overdueBox.onEscape = v.escape
	v.todayBox.onEscape = v.escape
	v.clear.onEscape = v.escape

	flow := &flowRow{}
	filters := container.New(flow, v.period, v.kind, v.status, v.channel, v.office, v.overdueBox, v.todayBox, v.clear)
	// A bar that needs another height asks the screen to lay itself out again.
	bar := &filterBarLayout{filters: flow, changed: func() {
		v.e.do(func() {
			if r, ok := v.root.(*fyne.Container); ok {
				r.Refresh()
			}
		})
	}}
	return container.New(bar, v.search, filters)
}

// filterBarLayout puts the search box and the filters on one line, the filters at the
// right, where the width allows it. Where it does not (text made larger, a narrow
// window), the search box takes a line of its own and the filters wrap onto as many
// lines as they need: none is squeezed to nothing or pushed off the window (EN 301 549
// 9.1.4.10, content reflows rather than scrolling sideways).
type filterBarLayout struct {
	filters *flowRow
	changed func() // the bar's height changed after a layout
	wrapped bool
	height  float32 // needed at the last layout
}

func (l *filterBarLayout) oneLine(objects []fyne.CanvasObject, width float32) bool {
	return objects[0].MinSize().Width+theme.Padding()+l.filters.lineWidth(objects[1].(*fyne.Container).Objects) <= width
}

func (l *filterBarLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	search, filters := objects[0], objects[1]
	pad := theme.Padding()
	l.wrapped = !l.oneLine(objects, size.Width)
	if !l.wrapped { // as a Border with the filters at the right
		w := l.filters.lineWidth(filters.(*fyne.Container).Objects)
		filters.Resize(fyne.NewSize(w, size.Height))
		filters.Move(fyne.NewPos(size.Width-w, 0))
		search.Resize(fyne.NewSize(size.Width-w-pad, size.Height))
		search.Move(fyne.NewPos(0, 0))
	} else {
		sh := search.MinSize().Height
		search.Resize(fyne.NewSize(size.Width, sh))
		search.Move(fyne.NewPos(0, 0))
		fh := l.filters.heightAt(filters.(*fyne.Container).Objects, size.Width)
		filters.Resize(fyne.NewSize(size.Width, fh))
		filters.Move(fyne.NewPos(0, sh+pad))
	}
	if h := l.MinSize(objects).Height; h != l.height {
		l.height = h
		if size.Height != h && l.changed != nil {
			l.changed()
		}
	}
}

func (l *filterBarLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	search, filters := objects[0].MinSize(), objects[1].(*fyne.Container).Objects
	if !l.wrapped {
		line := l.filters.lineSize(filters)
		return fyne.NewSize(search.Width+theme.Padding()+line.Width, max(search.Height, line.Height))
	}
	return fyne.NewSize(max(search.Width, l.filters.widest(filters)),
		search.Height+theme.Padding()+l.filters.heightAt(filters, l.filters.width))
}

// flowRow lays its objects out left to right at their least width, as an HBox does
// (spacers share what is left over), and starts a new line where the next one would
// cross the right edge; there the spacers take nothing.
type flowRow struct {
	width float32 // laid out at
}

func isSpacer(o fyne.CanvasObject) bool {
	s, ok := o.(layout.SpacerObject)
	return ok && s.ExpandHorizontal()
}

// visibleOnly lists the objects shown, spacers left out.
func visibleOnly(objects []fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, o := range objects {
		if o.Visible() && !isSpacer(o) {
			out = append(out, o)
		}
	}
	return out
}

// lineSize is the size of the objects on one line.
func (f *flowRow) lineSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for i, o := range visibleOnly(objects) {
		m := o.MinSize()
		if i > 0 {
			s.Width += theme.Padding()
		}
		s.Width += m.Width
		s.Height = max(s.Height, m.Height)
	}
	return s
}

func (f *flowRow) lineWidth(objects []fyne.CanvasObject) float32 { return f.lineSize(objects).Width }

func (f *flowRow) widest(objects []fyne.CanvasObject) float32 {
	var w float32
	for _, o := range visibleOnly(objects) {
		w = max(w, o.MinSize().Width)
	}
	return w
}

// place lays the objects out in width (moving them only if move) and returns the
// height they take.
func (f *flowRow) place(objects []fyne.CanvasObject, width float32, move bool) float32 {
	pad := theme.Padding()
	line := f.lineSize(objects).Height // every line as high as the highest object, as in an HBox
	x, y := float32(0), float32(0)
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		if isSpacer(o) {
			if move {
				o.Move(fyne.NewPos(x, y))
				o.Resize(fyne.NewSize(0, line))
			}
			continue
		}
		w := o.MinSize().Width
		if x > 0 && x+w > width {
			x, y = 0, y+line+pad
		}
		if move {
			o.Move(fyne.NewPos(x, y))
			o.Resize(fyne.NewSize(w, line))
		}
		x += w + pad
	}
	return y + line
}

func (f *flowRow) heightAt(objects []fyne.CanvasObject, width float32) float32 {
	if width <= 0 {
		return f.lineSize(objects).Height
	}
	return f.place(objects, width, false)
}

func (f *flowRow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	f.width = size.Width
	line := f.lineWidth(objects)
	if line > size.Width {
		f.place(objects, size.Width, true)
		return
	}
	// One line, as an HBox: the spacers share what the objects leave.
	spacers := 0
	for _, o := range objects {
		if o.Visible() && isSpacer(o) {
			spacers++
		}
	}
	var extra float32
	if spacers > 0 {
		extra = (size.Width - line) / float32(spacers)
	}
	pad := theme.Padding()
	x := float32(0)
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		o.Move(fyne.NewPos(x, 0))
		if isSpacer(o) {
			o.Resize(fyne.NewSize(extra, size.Height))
			x += extra
			continue
		}
		w := o.MinSize().Width
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

func (f *flowRow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	if f.width <= 0 || f.lineWidth(objects) <= f.width {
		return f.lineSize(objects)
	}
	return fyne.NewSize(f.widest(objects), f.heightAt(objects, f.width))
}

// showFilter sets the filter bar's widgets to f, without running the filter.
func (v *RegisterView) showFilter(f registerFilter) {
	for _, c := range []struct {
		ch     *choice
		value  string
		prefix string
	}{{v.kind, f.Kind, "kind"}, {v.status, f.Status, "status"}, {v.channel, f.Channel, "channel"}, {v.office, f.Office, ""}} {
		changed := c.ch.OnChanged
		c.ch.OnChanged = nil
		if strings.Contains(c.value, ",") {
			// Several values (from the dashboard): an option of their own.
			var labels []string
			for _, x := range strings.Split(c.value, ",") {
				if c.prefix == "" {
					labels = append(labels, x)
				} else {
					labels = append(labels, word(v.e.lang, c.prefix, x))
				}
			}
			c.ch.offer(c.value, strings.Join(labels, " + "))
		}
		c.ch.SetValue(c.value)
		if c.ch.SelectedIndex() < 0 {
			c.ch.SetSelectedIndex(0)
		}
		c.ch.OnChanged = changed
	}
	v.overdueBox.Checked, v.todayBox.Checked = f.Overdue, f.DueToday
	v.overdueBox.Refresh()
	v.todayBox.Refresh()
	if f.From != "" || f.To != "" {
		v.period.SetText(v.e.t("window.filter.period", "from", formatDay(f.From, v.e.lang), "to", formatDay(f.To, v.e.lang)))
		v.period.Show()
	} else {
		v.period.Hide()
	}
}

// ShowCases shows the cases f selects (the dashboard opens the cases behind a figure).
func (v *RegisterView) ShowCases(f data.Filter) {
	rf := filterOf(f)
	v.search.OnChanged = nil
	v.search.SetText(rf.Query)
	v.search.OnChanged = func(string) { v.searchSoon() }
	v.showFilter(rf)
	v.setFilter(rf)
}

func (v *RegisterView) escape() {
	if v.OnEscape != nil {
		v.OnEscape()
	}
}

// setOfficeOptions offers the register's offices by their names in the interface
// language, in the language's order of names.
func (v *RegisterView) setOfficeOptions(codes []string) {
	names, byName := make([]string, 0, len(codes)), map[string]string{}
	for _, code := range codes {
		n := v.officeName(code)
		if _, dup := byName[n]; dup {
			n += " (" + code + ")"
		}
		names, byName[n] = append(names, n), code
	}
	sortNames(v.e.lang, names)
	sorted := make([]string, len(names))
	for i, n := range names {
		sorted[i] = byName[n]
	}
	cur := v.office.Value()
	v.office.values = append([]string{""}, sorted...)
	v.office.OnChanged = nil // the options change, not the filter
	v.office.SetOptions(append([]string{v.e.t("window.filter.all_offices")}, names...))
	v.office.SetValue(cur)
	if v.office.SelectedIndex() < 0 {
		v.office.SetSelectedIndex(0)
	}
	v.office.OnChanged = func(string) { v.filtersChanged() }
}

// searchSoon runs the search once the clerk pauses typing.
func (v *RegisterView) searchSoon() {
	if v.debounce != nil {
		v.debounce.Stop()
	}
	v.debounce = time.AfterFunc(searchDelay, func() { v.e.do(v.searchNow) })
}

func (v *RegisterView) searchNow() {
	if v.debounce != nil {
		v.debounce.Stop()
	}
	f := v.filter
	f.Query = v.search.Text
	v.setFilter(f)
}

func (v *RegisterView) filtersChanged() {
	f := v.filter
	f.Kind, f.Status, f.Channel, f.Office = v.kind.Value(), v.status.Value(), v.channel.Value(), v.office.Value()
	f.Overdue, f.DueToday = v.overdueBox.Checked, v.todayBox.Checked
	v.setFilter(f)
}

// clearFilters shows the whole register again, in the order chosen.
func (v *RegisterView) clearFilters() {
	f := registerFilter{Sort: v.filter.Sort, Desc: v.filter.Desc}
	for _, c := range []*choice{v.kind, v.status, v.channel, v.office} {
		c.OnChanged = nil
		c.SetSelectedIndex(0)
	}
	v.overdueBox.OnChanged, v.todayBox.OnChanged = nil, nil
	v.overdueBox.SetChecked(false)
	v.todayBox.SetChecked(false)
	v.search.OnChanged = nil
	v.search.SetText("")
	v.search.OnChanged = func(string) { v.searchSoon() }
	v.period.Hide()
	for _, c := range []*choice{v.kind, v.status, v.channel, v.office} {
		c.OnChanged = func(string) { v.filtersChanged() }
	}
	v.overdueBox.OnChanged = func(on bool) {
		if on && v.todayBox.Checked {
			v.todayBox.SetChecked(false)
		}
		v.filtersChanged()
	}
	v.todayBox.OnChanged = func(on bool) {
		if on && v.overdueBox.Checked {
			v.overdueBox.SetChecked(false)
		}
		v.filtersChanged()
	}
	v.setFilter(f)
}

// ShowOverdue filters the list to the overdue cases (from the reminder).
func (v *RegisterView) ShowOverdue() { v.overdueBox.SetChecked(true) }

// sortBy orders the list by a column; the same column again turns the order round.
func (v *RegisterView) sortBy(key data.SortKey) {
	f := v.filter
	cur, dir := f.sortShown()
	f.Sort = key
	f.Desc = false
	if key == cur {
		f.Desc = dir > 0
	} else if key == data.SortReceived {
		f.Desc = true // newest first is what a clerk expects of dates received
	}
	v.setFilter(f)
}

func (v *RegisterView) updateHeaders() { v.refreshTable() }

func (v *RegisterView) refreshTable() { v.table.Refresh() }

// focusTable moves the keyboard from the search box into the table.
func (v *RegisterView) focusTable() {
	if c := fyne.CurrentApp().Driver().CanvasForObject(v.table); c != nil {
		c.Focus(v.table)
	}
}

// officeName is the office's name in the interface language, its code if the register
// does not know it.
func (v *RegisterView) officeName(code string) string {
	return history.OfficeByCode(v.offices, code, v.e.lang)
}

// maxOfficeWidth bounds the office column: a long name is cut with an ellipsis rather
// than taking the subject's room.
const maxOfficeWidth = 180

// setCodes sizes the columns for the register's office codes (they start every
// protocol number), the offices' names and the language's words.
func (v *RegisterView) setCodes(codes []string) {
	v.widths = make([]float32, len(columns))
	names := make([]string, len(codes))
	for i, code := range codes {
		names[i] = v.officeName(code)
	}
	for i, col := range columns {
		v.widths[i] = columnWidth(col, v.e.lang, codes)
		if col.key == "office" {
			v.widths[i] = min(columnWidth(col, v.e.lang, names), max(maxOfficeWidth, v.widths[i]))
		}
	}
	v.fitSubject(v.width)
}

// The width a wide window leaves over the columns' own goes first to the subject, up to
// subjectComfort (a subject of some forty characters read whole), and what is left
// beyond to the columns of free text by growShare: the subject most, then the citizen's
// name, the office's name and the assignee, which were cut with "…" before. The dates,
// numbers and words of a fixed set keep their width.
const subjectComfort = 320

var growShare = map[string]float32{"subject": 4, "citizen": 2, "office": 1, "assignee": 1}

// fitSubject shares the width a table this wide leaves over the columns' own among the
// free-text columns; no column gets less than it needs to be read.
func (v *RegisterView) fitSubject(width float32) {
	v.width = width
	for i, w := range spreadColumns(v.widths, width) {
		v.table.SetColumnWidth(i, w)
	}
}

// spreadColumns is the columns' widths in a table this wide, from their own widths.
func spreadColumns(own []float32, width float32) []float32 {
	rest := width // each column's separator takes a padding (the table's edge one more, less the last's)
	var shares float32
	for i, w := range own {
		rest -= w + theme.Padding()
		shares += growShare[columns[i].key]
	}
	rest = max(rest, 0)
	out := make([]float32, len(own))
	copy(out, own)
	for i, c := range columns[:len(own)] {
		if c.key == "subject" {
			more := min(rest, max(0, subjectComfort-out[i]))
			out[i] += more
			rest -= more
		}
	}
	for i := range out {
		out[i] += rest * growShare[columns[i].key] / shares
	}
	return out
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
		c.set(text, false, markNone)
		return
	}
	text := col.text(row, v.e.lang, v.today)
	if col.key == "office" {
		text = v.officeName(row.Office)
	}
	mark := markOf(row, v.today)
	if v.undelivered.has(row.ID) {
		mark = markOverdue
		if col.key == "due" && !row.Overdue {
			text += " " + v.e.t("window.undelivered")
		}
	}
	c.set(text, col.key == "due", mark)
}

func (v *RegisterView) countArrived(codes []string, shown, all, overdue, today int, err error) {
	if err != nil {
		v.showProblem(err)
		return
	}
	if v.readErr != nil { // the register reads again
		v.readErr = nil
		v.problem.Hide()
	}
	if !equalStrings(codes, v.codes) {
		v.codes = codes
		v.setCodes(codes)
		v.setOfficeOptions(codes)
	}
	v.total, v.all, v.overdue, v.dueToday, v.counted = shown, all, overdue, today, true
	if v.filter.filtered() {
		v.count.SetText(translations.T(v.e.lang, "window.count.filtered", "n", formatNumber(shown, v.e.lang),
			"total", formatNumber(all, v.e.lang)))
	} else {
		v.count.SetText(plural(v.e.lang, shown, "window.count.one", "window.count.other"))
	}
	showFigure(v.overdueMark, v.overdueCount, overdue, plural(v.e.lang, overdue, "window.overdue_count.one", "window.overdue_count.other"))
	showFigure(v.todayMark, v.todayCount, today, plural(v.e.lang, today, "window.today_count.one", "window.today_count.other"))
	if v.filter.filtered() {
		v.empty.SetText(v.e.t("window.empty_filtered"))
	} else {
		v.empty.SetText(v.e.t("window.empty"))
	}
	v.empty.Hidden = shown > 0
	v.empty.Refresh()
	v.refreshTable()
	v.maybeFirstRows()
}

func showFigure(icon *widget.Icon, label *widget.Label, n int, text string) {
	if n > 0 {
		label.SetText(text)
		icon.Show()
		label.Show()
	} else {
		icon.Hide()
		label.Hide()
	}
}

func (v *RegisterView) pageArrived(err error) {
	if err != nil {
		v.showProblem(err)
	} else {
		v.gotRows = true
	}
	if !v.counted {
		// The first page says how many rows there are at least, before the count: a
		// short list is complete, a long one shows its first page at once.
		if rows, ok := v.pages.first(); ok {
			if v.countLater {
				v.countLater = false
				v.recount()
			}
			if len(rows) < pageSize {
				v.total = len(rows)
			} else {
				v.total = max(v.total, pageSize)
			}
		}
	}
	v.refreshTable()
	v.maybeFirstRows()
	if v.shown != nil {
		v.shown()
	}
}

func (v *RegisterView) showProblem(err error) {
	v.readErr = err
	v.problem.SetText(v.e.errText(err))
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

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func strs[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// caseTable is the register's table with Enter opening the row the keyboard is on,
// as Space does in Fyne's table.
type caseTable struct {
	widget.Table
}

// TypedKey opens the focused row on Enter.
func (t *caseTable) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
		k = &fyne.KeyEvent{Name: fyne.KeySpace}
	}
	t.Table.TypedKey(k)
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
