package ui

import (
	"context"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/benchmarking"
	"ascolto/data/stats"
	"ascolto/printing/history"
	"ascolto/printing/report"
)

// Dashboard is the quality dashboard: this period's headline figures, charts of volumes,
// on-time rate, reply times and categories, the offices side by side, the open
// improvement actions with the cases behind them, and benchmarking files compared with
// this office. Every chart element can be clicked to open the cases behind it. It reads
// the register off the UI thread (stats.Compute) and knows nothing of the main window:
// open is how it asks for a list of cases.
type Dashboard struct {
	widget.BaseWidget

	store *data.Store
	lang  string
	f     *report.Format
	open  func(data.Filter)
	do    func(func())

	// OnReady, if set, is called on the UI thread each time new figures are shown.
	OnReady func()

	presets []dashPreset
	offices []data.Office
	period  *widget.Select
	office  *widget.Select
	status  *widget.Label
	tiles   *fyne.Container
	charts  [4]*dashChart
	chartOf [4]*widget.Label
	officeT *fyne.Container
	ages    *fyne.Container
	actions *fyne.Container
	behind  *fyne.Container
	bench   *fyne.Container
	benchE  *widget.Label
	tabs    *container.AppTabs
	root    fyne.CanvasObject

	in      *stats.Indicators
	query   stats.Query
	files   []*benchmarking.File
	loading int // generation of the latest load, so a slow old load never wins
	cancel  context.CancelFunc
	ready   bool
}

// NewDashboard shows the quality indicators of store in lang ("it", "de" or "en"). open
// is called on the UI thread with the filter of the cases behind what was clicked.
func NewDashboard(store *data.Store, lang string, open func(filter data.Filter)) fyne.CanvasObject {
	return newDashboard(store, lang, open, fyne.Do)
}

// newDashboard takes the function that runs work on the UI thread, so that tests run
// it in order on their own goroutine.
func newDashboard(store *data.Store, lang string, open func(data.Filter), do func(func())) *Dashboard {
	if open == nil {
		open = func(data.Filter) {}
	}
	d := &Dashboard{store: store, lang: lang, f: report.NewFormat(lang), open: open, do: do}
	d.ExtendBaseWidget(d)
	d.offices, _ = store.Offices()
	d.build()
	d.Reload()
	return d
}

// CreateRenderer draws the dashboard's content.
func (d *Dashboard) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(d.root) }

func (d *Dashboard) t(key string, kv ...string) string { return d.f.T(key, kv...) }

// dashPreset is a period the dashboard offers.
type dashPreset struct {
	key      string
	from, to string
}

// dashPresets are the periods a quality manager looks at, as of now: this year first,
// since it is what the offices report on.
func dashPresets(now time.Time) []dashPreset {
	today := now.In(data.Rome)
	y, m, _ := today.Date()
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	q := (int(m) - 1) / 3
	qStart := time.Date(y, time.Month(3*q+1), 1, 0, 0, 0, 0, data.Rome)
	return []dashPreset{
		{"stats.dash.this_year", fmt.Sprintf("%04d-01-01", y), day(today)},
		{"stats.dash.last_12_months", day(today.AddDate(-1, 0, 1)), day(today)},
		{"stats.dash.this_quarter", day(qStart), day(today)},
		{"stats.dash.last_quarter", day(qStart.AddDate(0, -3, 0)), day(qStart.AddDate(0, 0, -1))},
		{"stats.dash.last_year", fmt.Sprintf("%04d-01-01", y-1), fmt.Sprintf("%04d-12-31", y-1)},
		{"stats.dash.all", "", ""},
	}
}

func (d *Dashboard) build() {
	d.presets = dashPresets(d.store.Now())
	var names []string
	for _, p := range d.presets {
		names = append(names, d.t(p.key))
	}
	d.status = widget.NewLabel("")
	d.period = widget.NewSelect(names, nil)
	d.period.SetSelectedIndex(0)
	d.period.OnChanged = func(string) { d.Reload() }
	officeNames := []string{d.t("stats.dash.all_offices")}
	for _, o := range d.offices {
		officeNames = append(officeNames, history.OfficeName(o, d.lang))
	}
	d.office = widget.NewSelect(officeNames, nil)
	d.office.SetSelectedIndex(0)
	d.office.OnChanged = func(string) { d.Reload() }
	pdf := widget.NewButtonWithIcon(d.t("stats.dash.export_pdf"), theme.DocumentSaveIcon(), func() { d.export("pdf") })
	xlsx := widget.NewButtonWithIcon(d.t("stats.dash.export_xlsx"), theme.DocumentSaveIcon(), func() { d.export("xlsx") })
	wide := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	// The choices on the left, the exports on the right, and the line saying as of when
	// the figures are (or what is being done) under them, cut with "…" if need be: in one
	// row the bar asked for more than a 1024 px window and the office's list covered it.
	d.status.Truncation = fyne.TextTruncateEllipsis
	bar := container.NewVBox(
		container.NewBorder(nil, nil,
			container.NewHBox(widget.NewLabel(d.t("stats.col.period")), wide(d.period, 180), widget.NewLabel(d.t("field.office")), wide(d.office, 220)),
			container.NewHBox(pdf, xlsx)),
		d.status)

	d.tiles = container.NewGridWithColumns(4)
	titles := [4]string{"stats.chart.volumes", "stats.chart.on_time", "stats.chart.distribution", "stats.chart.categories"}
	var cells []fyne.CanvasObject
	for i := range d.charts {
		d.charts[i] = newDashChart()
		d.chartOf[i] = dashHeading(d.t(titles[i]))
		cells = append(cells, container.NewBorder(d.chartOf[i], nil, nil, nil, d.charts[i]))
	}
	chartGrid := container.NewGridWithColumns(2, cells...)
	d.officeT = container.NewVBox()
	d.ages = container.NewVBox()
	// Side by side where the width allows both tables all their columns, else one
	// under the other.
	below := container.New(&sideBySide{},
		container.NewVBox(dashHeading(d.t("stats.section.offices")), d.officeT),
		container.NewVBox(dashHeading(d.t("stats.section.ages")), d.ages))
	overview := container.NewVScroll(container.NewVBox(d.tiles, below, container.New(dashMinHeight(560), chartGrid)))

	d.actions = container.NewVBox()
	d.behind = container.NewVBox()
	actionsTab := container.NewVScroll(container.NewVBox(dashHeading(d.t("stats.dash.pending_actions")), d.actions,
		widget.NewSeparator(), d.behind))

	d.bench = container.NewVBox()
	d.benchE = widget.NewLabel("")
	d.benchE.Wrapping = fyne.TextWrapWord
	d.benchE.Importance = widget.DangerImportance
	addFile := widget.NewButtonWithIcon(d.t("stats.dash.add_benchmark"), theme.FolderOpenIcon(), d.chooseBenchmark)
	saveOwn := widget.NewButtonWithIcon(d.t("stats.dash.save_benchmark"), theme.DocumentSaveIcon(), d.saveBenchmark)
	clearFiles := widget.NewButtonWithIcon(d.t("stats.dash.clear_benchmark"), theme.ContentClearIcon(), func() {
		d.files = nil
		d.showBenchmark()
	})
	benchTab := container.NewVScroll(container.NewVBox(container.NewHBox(addFile, clearFiles, saveOwn), d.benchE, d.bench))

	d.tabs = container.NewAppTabs(
		container.NewTabItem(d.t("stats.dash.overview"), overview),
		container.NewTabItem(d.t("stats.section.actions"), actionsTab),
		container.NewTabItem(d.t("stats.dash.benchmarking"), benchTab))
	d.root = container.NewBorder(bar, nil, nil, nil, d.tabs)
}

func dashHeading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle.Bold = true
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// dashMinHeight gives its content at least a height: charts need room to be read.
type dashMinHeight float32

func (h dashMinHeight) MinSize(objects []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(0, float32(h))
	for _, o := range objects {
		m := o.MinSize()
		s = fyne.NewSize(max(s.Width, m.Width), max(s.Height, m.Height))
	}
	return s
}

func (h dashMinHeight) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// currentQuery is the period and office chosen.
func (d *Dashboard) currentQuery() stats.Query {
	q := stats.Query{}
	if i := d.period.SelectedIndex(); i >= 0 && i < len(d.presets) {
		q.From, q.To = d.presets[i].from, d.presets[i].to
	}
	if i := d.office.SelectedIndex(); i > 0 && i-1 < len(d.offices) {
		q.Offices = []string{d.offices[i-1].Code}
	}
	return q
}

// dashLoad is what one reading of the register brings to the screen.
type dashLoad struct {
	in      *stats.Indicators
	actions []*data.ImprovementAction
	err     error
}

// Reload reads the figures again for the chosen period and office, off the UI thread.
// The first reading of a large register builds the figures (a few seconds for a million
// cases); the dashboard says how far it has come meanwhile.
func (d *Dashboard) Reload() {
	if d.period == nil || d.office == nil {
		return
	}
	d.loading++
	gen, q := d.loading, d.currentQuery()
	d.status.SetText(d.t("stats.dash.loading"))
	if d.cancel != nil {
		d.cancel() // the period changed: the reading of the old one is of no use
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() {
		var l dashLoad
		// The figures are brought up to date whatever happens to this reading: a first
		// build of a large register is worth finishing.
		l.err = stats.Refresh(context.Background(), d.store, func(done, total int) {
			d.do(func() {
				if gen == d.loading {
					d.status.SetText(d.t("stats.dash.building", "done", d.f.Int(done), "total", d.f.Int(total)))
				}
			})
		})
		if l.err == nil {
			l.in, l.err = stats.Read(ctx, d.store, q)
		}
		if l.err == nil {
			l.actions, l.err = d.store.Actions(ctx, data.ActionFilter{Pending: true})
		}
		d.do(func() {
			if gen != d.loading {
				return
			}
			cancel()
			d.show(q, l)
		})
	}()
}

func (d *Dashboard) show(q stats.Query, l dashLoad) {
	if l.err != nil {
		d.status.SetText(ErrorText(d.lang, l.err))
		return
	}
	d.in, d.query = l.in, q
	in, f := l.in, d.f
	d.status.SetText(f.T("stats.report.as_of", "date", f.Date(in.Today)))
	d.showTiles()
	d.showCharts()
	d.showOffices()
	d.showAges()
	d.showActions(l.actions)
	d.showBenchmark()
	d.ready = true
	d.Refresh()
	if d.OnReady != nil {
		d.OnReady()
	}
}

// filter is the register's filter for the cases of the current period and office.
func (d *Dashboard) filter() data.Filter {
	return data.Filter{From: d.query.From, To: d.query.To, Offices: d.query.Offices}
}

// dashTile is one headline figure; tapping it opens the cases behind it.
type dashTile struct {
	widget.BaseWidget
	value, label, sub string
	alert             bool
	onTap             func()
}

func (t *dashTile) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	value := canvas.NewText(t.value, theme.Color(theme.ColorNameForeground))
	if t.alert {
		value.Color = theme.Color(theme.ColorNameError)
	}
	value.TextSize = theme.TextSize() * 1.9
	value.TextStyle.Bold = true
	label := widget.NewLabel(t.label)
	label.Truncation = fyne.TextTruncateEllipsis
	sub := canvas.NewText(t.sub, theme.Color(theme.ColorNamePlaceHolder))
	sub.TextSize = theme.CaptionTextSize()
	box := container.New(&dashTileLayout{}, bg, value, label, sub)
	return widget.NewSimpleRenderer(box)
}

func (t *dashTile) Tapped(*fyne.PointEvent) {
	if t.onTap != nil {
		t.onTap()
	}
}

// Cursor shows the hand where a tile opens cases.
func (t *dashTile) Cursor() desktop.Cursor {
	if t.onTap != nil {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

// dashTileLayout stacks a tile's value, label and note on its background.
type dashTileLayout struct{}

func (dashTileLayout) MinSize(o []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(150, o[1].MinSize().Height+o[2].MinSize().Height+o[3].MinSize().Height)
}

func (dashTileLayout) Layout(o []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding() * 2
	o[0].Resize(size)
	o[1].Move(fyne.NewPos(pad, pad/2))
	o[1].Resize(fyne.NewSize(size.Width-2*pad, o[1].MinSize().Height))
	y := pad/2 + o[1].MinSize().Height - theme.Padding()
	o[2].Move(fyne.NewPos(pad-theme.InnerPadding(), y))
	o[2].Resize(fyne.NewSize(size.Width-2*pad+theme.InnerPadding(), o[2].MinSize().Height))
	y += o[2].MinSize().Height - theme.Padding()*2
	o[3].Move(fyne.NewPos(pad, y))
	o[3].Resize(fyne.NewSize(size.Width-2*pad, o[3].MinSize().Height))
}

func (d *Dashboard) newTile(value, label, sub string, alert bool, tap func()) *dashTile {
	t := &dashTile{value: value, label: label, sub: sub, alert: alert, onTap: tap}
	t.ExtendBaseWidget(t)
	return t
}

func (d *Dashboard) showTiles() {
	in, f := d.in, d.f
	days := f.T("stats.working_days")
	base := d.filter()
	with := func(mod func(*data.Filter)) func() {
		return func() { fl := base; mod(&fl); d.open(fl) }
	}
	d.tiles.Objects = []fyne.CanvasObject{
		d.newTile(f.Int(in.Total), f.T("stats.total"), f.Period(in.Query.From, in.Query.To), false, with(func(*data.Filter) {})),
		d.newTile(f.Rate(in.OnTimeRate), f.T("stats.on_time_rate"), f.T("stats.of", "n", f.Int(in.AnsweredOnTime), "total", f.Int(in.Answered)), false,
			with(func(fl *data.Filter) { fl.Statuses = []data.Status{data.StatusAnswered, data.StatusClosed} })),
		d.newTile(f.Days(in.MedianReply), f.T("stats.tile.median"), days, false, nil),
		d.newTile(f.Days(in.P90Reply), f.T("stats.tile.p90"), days, false, nil),
		d.newTile(f.Int(in.Open), f.T("stats.open"), f.T("stats.waiting_now", "n", f.Int(in.WaitingNow)), false,
			with(func(fl *data.Filter) {
				fl.Statuses = []data.Status{data.StatusReceived, data.StatusInProgress, data.StatusWaiting}
			})),
		d.newTile(f.Int(in.Overdue), f.T("stats.dash.overdue_period"), "", in.Overdue > 0, with(func(fl *data.Filter) { fl.Overdue = true })),
		d.newTile(f.Score(in.Satisfaction.Mean), f.T("stats.satisfaction_mean"), f.T("stats.rated", "n", f.Int(in.Satisfaction.Rated)), false, nil),
		d.newTile(f.Rate(in.Satisfaction.Satisfied), f.T("stats.satisfied_rate"), d.faces(), false, nil),
	}
	d.tiles.Refresh()
}

// faces writes the three faces' counts: 🙂 happy · 😐 neutral · 🙁 unhappy, in words.
func (d *Dashboard) faces() string {
	s := d.in.Satisfaction
	return d.t("stats.dash.faces", "happy", d.f.Int(s.Faces["happy"]), "neutral", d.f.Int(s.Faces["neutral"]), "unhappy", d.f.Int(s.Faces["unhappy"]))
}

// monthRange is the days of a month within the period shown.
func (d *Dashboard) monthRange(key string) (string, string) {
	t, _ := time.Parse("2006-01", key)
	from, to := t.Format("2006-01-02"), t.AddDate(0, 1, -1).Format("2006-01-02")
	if d.query.From != "" && from < d.query.From {
		from = d.query.From
	}
	if d.query.To != "" && to > d.query.To {
		to = d.query.To
	}
	return from, to
}

func (d *Dashboard) showCharts() {
	in, f := d.in, d.f
	var labels, subs []string
	for i, m := range in.Months {
		labels = append(labels, f.Month(m.Key, true))
		sub := ""
		if i == 0 || strings.HasSuffix(m.Key, "-01") {
			sub = m.Key[:4]
		}
		subs = append(subs, sub)
	}
	// Volumes per month by kind: a bar segment opens that month's cases of that kind.
	vol := d.charts[0]
	vol.kind, vol.labels, vol.subs, vol.stacks, vol.colors, vol.names = dashBars, labels, subs, nil, nil, nil
	for _, k := range data.Kinds {
		row := make([]float64, len(in.Months))
		for i, m := range in.Months {
			row[i] = float64(m.ByKind[string(k)])
		}
		vol.stacks = append(vol.stacks, row)
		vol.colors = append(vol.colors, dashColor(report.KindColors[k]))
		vol.names = append(vol.names, f.Word("kind."+string(k)))
	}
	vol.axis = func(v float64) string { return f.Int(int(v)) }
	vol.tip = func(i, s int) string {
		return f.Month(in.Months[i].Key, false) + " · " + vol.names[s] + ": " + f.Int(int(vol.stacks[s][i]))
	}
	vol.onTap = func(i, s int) {
		fl := d.filter()
		fl.From, fl.To = d.monthRange(in.Months[i].Key)
		fl.Kinds = []data.Kind{data.Kinds[s]}
		d.open(fl)
	}
	// On-time rate per month of receipt: a dot opens the month's answered cases.
	rate := d.charts[1]
	rate.kind, rate.labels, rate.subs, rate.colors = dashLine, labels, subs, []color.Color{dashColor(report.ColorOnTime)}
	rate.rates = nil
	for _, m := range in.Months {
		rate.rates = append(rate.rates, m.OnTimeRate)
	}
	rate.axis = func(v float64) string { return f.Rate(&v) }
	rate.tip = func(i, _ int) string {
		m := in.Months[i]
		return f.Month(m.Key, false) + " · " + f.Rate(m.OnTimeRate) + " (" + f.T("stats.of", "n", f.Int(m.AnsweredOnTime), "total", f.Int(m.Answered)) + ")"
	}
	rate.onTap = func(i, _ int) {
		fl := d.filter()
		fl.From, fl.To = d.monthRange(in.Months[i].Key)
		fl.Statuses = []data.Status{data.StatusAnswered, data.StatusClosed}
		d.open(fl)
	}
	// Reply times: 0, 1, … 10, 11+ working days, within the ordinary term in the colour
	// of "on time". The register cannot list cases by reply time, so a bar opens the
	// period's answered cases.
	dist := d.charts[2]
	const last = 10
	within, beyond := make([]float64, last+2), make([]float64, last+2)
	var dl []string
	for i := 0; i <= last+1; i++ {
		dl = append(dl, strconv.Itoa(i))
	}
	dl[last+1] += "+"
	for _, c := range in.ReplyDistribution {
		i := min(c.Days, last+1)
		if i <= data.DefaultDeadlineDays {
			within[i] += float64(c.Cases)
		} else {
			beyond[i] += float64(c.Cases)
		}
	}
	dist.kind, dist.labels, dist.subs, dist.stacks = dashBars, dl, nil, [][]float64{within, beyond}
	dist.colors = []color.Color{dashColor(report.ColorOnTime), dashColor(report.ColorLate)}
	dist.names = []string{f.T("stats.legend.within"), f.T("stats.legend.beyond")}
	dist.axis = vol.axis
	dist.tip = func(i, s int) string {
		return f.T("stats.dash.reply_bar", "days", dl[i], "n", f.Int(int(within[i]+beyond[i])))
	}
	dist.onTap = func(int, int) {
		fl := d.filter()
		fl.Statuses = []data.Status{data.StatusAnswered, data.StatusClosed}
		d.open(fl)
	}
	// Top categories: a bar opens the period's cases of that category (found by the
	// search, which reads the category).
	cat := d.charts[3]
	groups := in.Groups[stats.DimCategory]
	if len(groups) > 8 {
		groups = groups[:8]
	}
	cat.kind, cat.labels, cat.subs, cat.stacks, cat.names = dashHBars, nil, nil, [][]float64{nil}, nil
	cat.colors = []color.Color{dashColor(report.ColorMain)}
	cat.texts = nil
	for _, g := range groups {
		cat.labels = append(cat.labels, f.Key(stats.DimCategory, g.Key))
		cat.stacks[0] = append(cat.stacks[0], float64(g.Total))
		cat.texts = append(cat.texts, f.Int(g.Total))
	}
	cat.tip = func(i, _ int) string { return cat.labels[i] + ": " + cat.texts[i] }
	cat.onTap = func(i, _ int) {
		if groups[i].Key == stats.NoValue {
			return
		}
		fl := d.filter()
		fl.Query = groups[i].Key
		d.open(fl)
	}
	for _, c := range d.charts {
		c.Refresh()
	}
}

// dashColor turns a report colour into a screen colour.
func dashColor(c report.RGB) color.Color {
	return color.NRGBA{R: uint8(c.R), G: uint8(c.G), B: uint8(c.B), A: 0xff}
}

// dashTable lays rows of cells out as a table with a bold heading; a row's first cell
// is a button that opens its cases when onRow is set.
func (d *Dashboard) dashTable(head []string, rows [][]string, onRow func(i int)) fyne.CanvasObject {
	g := &dashGrid{cols: len(head)}
	var cells []fyne.CanvasObject
	measure := func(s string, bold bool) float32 {
		return fyne.MeasureText(s, theme.TextSize(), fyne.TextStyle{Bold: bold}).Width + 4*theme.InnerPadding()
	}
	for j, h := range head {
		l := widget.NewLabel(h)
		l.TextStyle.Bold = true
		if j == 0 {
			l.Truncation = fyne.TextTruncateEllipsis
			g.first = max(g.first, measure(h, true))
		} else {
			l.Alignment = fyne.TextAlignTrailing
		}
		cells = append(cells, l)
	}
	for i, r := range rows {
		for j, v := range r {
			switch {
			case j == 0 && onRow != nil:
				i := i
				b := widget.NewButton(v, func() { onRow(i) })
				b.Importance = widget.LowImportance
				b.Alignment = widget.ButtonAlignLeading
				g.first = max(g.first, measure(v, false))
				cells = append(cells, container.New(dashClip{}, b))
			case j == 0:
				l := widget.NewLabel(v)
				l.Truncation = fyne.TextTruncateEllipsis
				g.first = max(g.first, measure(v, false))
				cells = append(cells, l)
			default:
				l := widget.NewLabel(v)
				l.Alignment = fyne.TextAlignTrailing
				cells = append(cells, l)
			}
		}
	}
	return container.New(g, cells...)
}

// dashGrid lays cells out row by row in cols columns, each as wide as its widest cell,
// except the first (names, which may be long): it takes what the others leave, and its
// texts end in "…" when that is too little.
type dashGrid struct {
	cols  int
	first float32 // the first column's natural width
}

func (g *dashGrid) widths(objects []fyne.CanvasObject) ([]float32, []float32) {
	w := make([]float32, g.cols)
	var h []float32
	for i, o := range objects {
		m := o.MinSize()
		if c := i % g.cols; c > 0 {
			w[c] = max(w[c], m.Width)
		}
		if i%g.cols == 0 {
			h = append(h, 0)
		}
		h[len(h)-1] = max(h[len(h)-1], m.Height)
	}
	return w, h
}

func (g *dashGrid) MinSize(objects []fyne.CanvasObject) fyne.Size {
	w, h := g.widths(objects)
	total := min(g.first, 160)
	for _, x := range w[1:] {
		total += x
	}
	height := float32(0)
	for _, y := range h {
		height += y
	}
	return fyne.NewSize(total, height)
}

func (g *dashGrid) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	w, h := g.widths(objects)
	others := float32(0)
	for _, x := range w[1:] {
		others += x
	}
	w[0] = max(size.Width-others, 40)
	if w[0] > g.first && g.cols > 1 {
		// Room to spare goes to the figures, so that they do not huddle at the right.
		extra := (w[0] - g.first) / float32(g.cols)
		w[0] = g.first + extra
		for c := 1; c < g.cols; c++ {
			w[c] += extra
		}
	}
	y := float32(0)
	for r := range h {
		x := float32(0)
		for c := 0; c < g.cols && r*g.cols+c < len(objects); c++ {
			o := objects[r*g.cols+c]
			o.Move(fyne.NewPos(x, y))
			o.Resize(fyne.NewSize(w[c], h[r]))
			x += w[c]
		}
		y += h[r]
	}
}

// dashClip lets a button be narrower than its text: its label is cut at the cell's edge.
type dashClip struct{}

func (dashClip) MinSize(objects []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(40, objects[0].MinSize().Height)
}

func (dashClip) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	objects[0].Move(fyne.NewPos(0, 0))
	objects[0].Resize(size)
}

func (d *Dashboard) showOffices() {
	f := d.f
	groups := d.in.Groups[stats.DimOffice]
	var rows [][]string
	for _, g := range groups {
		rows = append(rows, []string{history.OfficeByCode(d.offices, g.Key, d.lang), f.Int(g.Total), f.Rate(g.OnTimeRate), f.Days(g.MedianReply), f.Days(g.P90Reply), f.Int(g.Overdue)})
	}
	d.officeT.Objects = []fyne.CanvasObject{d.dashTable([]string{f.T("field.office"), f.T("stats.col.cases"), f.T("stats.col.on_time"),
		f.T("stats.col.median"), f.T("stats.col.p90"), f.T("stats.col.overdue")}, rows, func(i int) {
		fl := d.filter()
		fl.Offices = []string{groups[i].Key}
		d.open(fl)
	})}
	d.officeT.Refresh()
}

func (d *Dashboard) showAges() {
	f := d.f
	var rows [][]string
	for _, b := range d.in.OpenByAge {
		rows = append(rows, []string{report.AgeLabel(f, b), f.Int(b.Cases), f.Int(b.Waiting), f.Int(b.Overdue)})
	}
	d.ages.Objects = []fyne.CanvasObject{d.dashTable([]string{f.T("stats.col.age"), f.T("stats.col.cases"), f.T("stats.col.waiting"),
		f.T("stats.col.overdue")}, rows, nil)}
	note := widget.NewLabel(f.T("stats.waiting_note", "days", f.Int(d.in.Phases.Waiting.Days), "now", f.Int(d.in.Phases.Waiting.Now)))
	note.Wrapping = fyne.TextWrapWord
	d.ages.Add(note)
	d.ages.Refresh()
}

func (d *Dashboard) showActions(list []*data.ImprovementAction) {
	f := d.f
	if len(list) == 0 {
		d.actions.Objects = []fyne.CanvasObject{widget.NewLabel(f.T("stats.no_actions"))}
		d.actions.Refresh()
		return
	}
	var rows [][]string
	for _, a := range list {
		status := f.T(report.ActionStatusKeys[a.Status])
		if a.Overdue {
			status = "⚠ " + status + " – " + f.T("stats.action.overdue")
		}
		rows = append(rows, []string{strconv.FormatInt(a.ID, 10) + ". " + a.Title, a.Owner, f.Date(a.DueDate), status, f.Int(a.Cases)})
	}
	d.actions.Objects = []fyne.CanvasObject{d.dashTable([]string{f.T("stats.col.action"), f.T("stats.col.owner"), f.T("stats.col.due"),
		f.T("stats.col.status"), f.T("stats.col.cases")}, rows, func(i int) { d.showBehind(list[i]) })}
	d.actions.Refresh()
}

// showBehind lists the cases behind an action; each opens in the register.
func (d *Dashboard) showBehind(a *data.ImprovementAction) {
	d.behind.Objects = []fyne.CanvasObject{dashHeading(d.t("stats.dash.cases_behind", "title", a.Title, "n", d.f.Int(a.Cases)))}
	d.behind.Refresh()
	go func() {
		cases, err := d.store.ActionCases(context.Background(), a.ID, 200)
		d.do(func() {
			if err != nil {
				d.behind.Add(widget.NewLabel(ErrorText(d.lang, err)))
				return
			}
			for _, c := range cases {
				c := c
				b := widget.NewButton(c.Number+"  "+d.f.Date(data.Today(c.ReceivedAt))+"  "+c.Subject, func() {
					d.open(data.Filter{Query: c.Number})
				})
				b.Alignment = widget.ButtonAlignLeading
				b.Importance = widget.LowImportance
				d.behind.Add(b)
			}
			d.behind.Refresh()
		})
	}()
}

// window is the window the dashboard is shown in, for its dialogs.
func (d *Dashboard) window() fyne.Window {
	app := fyne.CurrentApp()
	if app == nil {
		return nil
	}
	c := app.Driver().CanvasForObject(d)
	for _, w := range app.Driver().AllWindows() {
		if w.Canvas() == c {
			return w
		}
	}
	return nil
}

// export saves the figures shown as a PDF report or an XLSX workbook, where the quality
// manager chooses.
func (d *Dashboard) export(format string) {
	w := d.window()
	if w == nil || d.in == nil {
		return
	}
	in := d.in
	save := fileSave(d.store, []string{"." + format}, func(uc fyne.URIWriteCloser, err error) {
		if err != nil || uc == nil {
			return
		}
		go func() {
			defer uc.Close()
			err := d.writeReport(uc, format, in)
			d.do(func() {
				if err != nil {
					msg := widget.NewLabel(ErrorText(d.lang, err))
					msg.Wrapping = fyne.TextWrapWord
					showDialog(w, d.t("window.error.dialog_title"), d.t("window.ok"), "", container420(msg), nil, nil)
					return
				}
				d.status.SetText(d.t("stats.cli.written", "path", uc.URI().Name()))
			})
		}()
	}, w)
	name := "ascolto-" + strings.ReplaceAll(d.f.Period(in.Query.From, in.Query.To), " ", "_")
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return '-'
		}
		return r
	}, name)
	save.SetFileName(name + "." + format)
	save.Show()
}

// writeReport writes the report of in as PDF or XLSX.
func (d *Dashboard) writeReport(w io.Writer, format string, in *stats.Indicators) error {
	actions, err := d.store.Actions(context.Background(), data.ActionFilter{})
	if err != nil {
		return err
	}
	opt := report.Options{Lang: d.lang, Office: d.store.Local(), Offices: d.offices, Actions: actions, Created: d.store.Now()}
	if format == "xlsx" {
		return report.XLSX(w, in, opt)
	}
	return report.Quality(w, in, opt)
}

func (d *Dashboard) chooseBenchmark() {
	w := d.window()
	if w == nil {
		return
	}
	open := fileOpen(d.store, []string{".json"}, func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		path := rc.URI().Path()
		rc.Close()
		d.addBenchmark(path)
	}, w)
	open.Show()
}

// benchmarkOwn is what this register's benchmarking file covers: the office chosen
// above (this register's own if all are shown, since a file speaks for one office) and
// the period shown.
func (d *Dashboard) benchmarkOwn() (data.Office, benchmarking.Period) {
	office := d.store.Local()
	if len(d.query.Offices) == 1 {
		for _, o := range d.offices {
			if o.Code == d.query.Offices[0] {
				office = o
			}
		}
	}
	from, to := d.query.From, d.query.To
	if d.in != nil {
		if from == "" && len(d.in.Months) > 0 {
			from = d.in.Months[0].Key + "-01"
		}
		if to == "" {
			to = d.in.Today
		}
	}
	return office, benchmarking.Period{From: from, To: to}
}

// saveBenchmark writes the office's benchmarking file for the period shown, for the
// quality manager to send to other offices and municipalities: the file their own
// Quality tab adds beside their figures.
func (d *Dashboard) saveBenchmark() {
	w := d.window()
	if w == nil || d.in == nil {
		return
	}
	office, period := d.benchmarkOwn()
	today := d.in.Today
	save := fileSave(d.store, []string{".json"}, func(uc fyne.URIWriteCloser, err error) {
		if err != nil || uc == nil {
			return
		}
		// File.Write writes beside the file and renames, so that the other office never
		// reads half a file: the chooser's own writer is closed unused.
		path := uc.URI().Path()
		uc.Close()
		go func() {
			err := d.writeBenchmark(path, office, period, today)
			d.do(func() {
				if err != nil {
					d.benchE.SetText(ErrorText(d.lang, err))
					return
				}
				d.benchE.SetText("")
				d.status.SetText(d.t("stats.cli.written", "path", filepath.Base(path)))
			})
		}()
	}, w)
	save.SetFileName("benchmarking-" + strings.ToLower(office.Code) + "-" + period.From + "-" + period.To + ".json")
	save.Show()
}

// writeBenchmark writes office's benchmarking file for period at path.
func (d *Dashboard) writeBenchmark(path string, office data.Office, period benchmarking.Period, today string) error {
	in, err := stats.Read(context.Background(), d.store, stats.Query{From: period.From, To: period.To, Offices: []string{office.Code}})
	if err != nil {
		return err
	}
	return benchmarking.New(in, office, "", period, today).Write(path)
}

// addBenchmark loads a benchmarking file and puts it beside the others.
func (d *Dashboard) addBenchmark(path string) {
	f, err := benchmarking.Load(path)
	if err != nil {
		d.benchE.SetText(ErrorText(d.lang, err))
		return
	}
	d.benchE.SetText("")
	d.files = append(d.files, f)
	d.showBenchmark()
}

// showBenchmark compares the loaded files with this register's office over the period
// shown (its own figures as they would be exported).
func (d *Dashboard) showBenchmark() {
	f := d.f
	d.bench.Objects = nil
	if len(d.files) == 0 {
		l := widget.NewLabel(f.T("stats.dash.benchmark_intro", "button", strings.TrimSuffix(d.t("stats.dash.save_benchmark"), "…")))
		l.Wrapping = fyne.TextWrapWord
		d.bench.Add(l)
		d.bench.Refresh()
		return
	}
	files := d.files
	if d.in != nil {
		from, to := d.query.From, d.query.To
		if from == "" && len(d.in.Months) > 0 {
			from = d.in.Months[0].Key + "-01"
		}
		if to == "" {
			to = d.in.Today
		}
		office, label := d.store.Local(), f.T("stats.dash.this_register_all")
		if len(d.query.Offices) == 1 {
			label = f.T("stats.dash.this_register")
			for _, o := range d.offices {
				if o.Code == d.query.Offices[0] {
					office = o
				}
			}
		}
		own := benchmarking.New(d.in, office, label, benchmarking.Period{From: from, To: to}, d.in.Today)
		files = append([]*benchmarking.File{own}, files...)
	}
	c := benchmarking.Compare(files)
	head := []string{f.T("stats.col.indicator")}
	period := []string{f.T("stats.col.period")}
	for _, b := range c.Files {
		head = append(head, f.FileLabel(b))
		period = append(period, f.Date(b.Period.From)+" – "+f.Date(b.Period.To))
	}
	rows := [][]string{period}
	for _, r := range c.Rows {
		row := []string{f.RowLabel(r)}
		for _, v := range r.Values {
			row = append(row, f.CompareValue(r.Measure, v))
		}
		rows = append(rows, row)
	}
	d.bench.Add(d.dashTable(head, rows, nil))
	note := widget.NewLabel(f.T("stats.compare.note", "min", f.Int(benchmarking.MinCell)))
	note.Wrapping = fyne.TextWrapWord
	d.bench.Add(note)
	d.bench.Refresh()
}

// Chart kinds of the dashboard.
const (
	dashBars  = iota // stacked vertical bars
	dashLine         // a rate (0..1) per label, as a line with dots
	dashHBars        // horizontal bars with their values
)

// dashChart is a chart drawn with canvas lines, rectangles and texts. A tap on a bar or
// a dot calls onTap with its index (and series); the element under the pointer is
// described below the chart.
type dashChart struct {
	widget.BaseWidget
	kind         int
	labels, subs []string
	stacks       [][]float64
	rates        []*float64
	colors       []color.Color
	names        []string // legend
	texts        []string // values written beside horizontal bars
	axis         func(float64) string
	tip          func(i, s int) string
	onTap        func(i, s int)

	hits  []dashHit
	hover string
}

type dashHit struct {
	pos  fyne.Position
	size fyne.Size
	i, s int
}

func newDashChart() *dashChart {
	c := &dashChart{}
	c.ExtendBaseWidget(c)
	return c
}

// MinSize: a chart is readable from 260×200.
func (c *dashChart) MinSize() fyne.Size { return fyne.NewSize(260, 200) }

func (c *dashChart) hit(p fyne.Position) (dashHit, bool) {
	for _, h := range c.hits {
		if p.X >= h.pos.X && p.X <= h.pos.X+h.size.Width && p.Y >= h.pos.Y && p.Y <= h.pos.Y+h.size.Height {
			return h, true
		}
	}
	return dashHit{}, false
}

// Tapped opens the cases behind the element tapped.
func (c *dashChart) Tapped(e *fyne.PointEvent) {
	if h, ok := c.hit(e.Position); ok && c.onTap != nil {
		c.onTap(h.i, h.s)
	}
}

// MouseIn, MouseMoved and MouseOut describe the element under the pointer.
func (c *dashChart) MouseIn(e *desktop.MouseEvent) { c.MouseMoved(e) }

func (c *dashChart) MouseMoved(e *desktop.MouseEvent) {
	text := ""
	if h, ok := c.hit(e.Position); ok && c.tip != nil {
		text = c.tip(h.i, h.s)
	}
	if text != c.hover {
		c.hover = text
		c.Refresh()
	}
}

func (c *dashChart) MouseOut() {
	if c.hover != "" {
		c.hover = ""
		c.Refresh()
	}
}

// Cursor is the hand: every element opens cases.
func (c *dashChart) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (c *dashChart) CreateRenderer() fyne.WidgetRenderer { return &dashChartRenderer{c: c} }

type dashChartRenderer struct {
	c    *dashChart
	objs []fyne.CanvasObject
	size fyne.Size
}

func (r *dashChartRenderer) Destroy()                     {}
func (r *dashChartRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *dashChartRenderer) MinSize() fyne.Size           { return r.c.MinSize() }
func (r *dashChartRenderer) Refresh()                     { r.Layout(r.size); canvas.Refresh(r.c) }

func (r *dashChartRenderer) text(s string, x, y float32, align fyne.TextAlign, col color.Color, size float32) *canvas.Text {
	t := canvas.NewText(s, col)
	t.TextSize = size
	w := fyne.MeasureText(s, size, t.TextStyle).Width
	switch align {
	case fyne.TextAlignCenter:
		x -= w / 2
	case fyne.TextAlignTrailing:
		x -= w
	}
	t.Move(fyne.NewPos(x, y))
	r.objs = append(r.objs, t)
	return t
}

func (r *dashChartRenderer) rect(col color.Color, x, y, w, h float32) {
	b := canvas.NewRectangle(col)
	b.Move(fyne.NewPos(x, y))
	b.Resize(fyne.NewSize(w, h))
	r.objs = append(r.objs, b)
}

func (r *dashChartRenderer) line(col color.Color, x1, y1, x2, y2, width float32) {
	l := canvas.NewLine(col)
	l.StrokeWidth = width
	l.Position1, l.Position2 = fyne.NewPos(x1, y1), fyne.NewPos(x2, y2)
	r.objs = append(r.objs, l)
}

func (r *dashChartRenderer) Layout(size fyne.Size) {
	r.size = size
	r.objs = r.objs[:0]
	c := r.c
	c.hits = c.hits[:0]
	if size.Width <= 0 || len(c.labels) == 0 {
		return
	}
	fg := theme.Color(theme.ColorNameForeground)
	muted := theme.Color(theme.ColorNamePlaceHolder)
	small := theme.CaptionTextSize()
	top := float32(0)
	// Legend, wrapped.
	if len(c.names) > 0 && c.kind != dashHBars {
		x := float32(0)
		for i, n := range c.names {
			w := 14 + fyne.MeasureText(n, small, fyne.TextStyle{}).Width + 12
			if x+w > size.Width && x > 0 {
				x, top = 0, top+small+6
			}
			r.rect(c.colors[i%len(c.colors)], x, top+3, 9, 9)
			r.text(n, x+13, top, fyne.TextAlignLeading, fg, small)
			x += w
		}
		top += small + 10
	}
	bottom := size.Height - small - 6 // the hover line
	if c.hover != "" {
		r.text(c.hover, 0, bottom+2, fyne.TextAlignLeading, fg, small)
	}
	plot := fyne.NewSize(size.Width, bottom-top)
	switch c.kind {
	case dashHBars:
		r.hbars(top, plot, fg, muted, small)
	default:
		r.vertical(top, plot, fg, muted, small)
	}
}

// vertical draws stacked bars or a rate line over labels, with a y axis.
func (r *dashChartRenderer) vertical(top float32, plot fyne.Size, fg, muted color.Color, small float32) {
	c := r.c
	labelH := small + 4
	if len(c.subs) > 0 {
		labelH *= 2
	}
	h := plot.Height - labelH
	var lo, hi, step float64
	if c.kind == dashLine {
		lo = 1.0
		for _, v := range c.rates {
			if v != nil {
				lo = math.Min(lo, *v)
			}
		}
		lo = math.Min(0.9, math.Max(0, math.Floor(lo*10-0.5)/10))
		hi, step = 1, 0.1
		if 1-lo > 0.5 {
			step = 0.2
		}
	} else {
		for i := range c.labels {
			sum := 0.0
			for s := range c.stacks {
				sum += c.stacks[s][i]
			}
			hi = math.Max(hi, sum)
		}
		hi, step = report.NiceScale(hi)
	}
	axisW := float32(0)
	for v := lo; v <= hi+step/2; v += step {
		axisW = max(axisW, fyne.MeasureText(c.axis(v), small, fyne.TextStyle{}).Width)
	}
	x0 := axisW + 6
	w := plot.Width - x0
	yOf := func(v float64) float32 { return top + h - float32((v-lo)/(hi-lo))*h }
	grid := theme.Color(theme.ColorNameSeparator)
	for v := lo; v <= hi+step/2; v += step {
		y := yOf(v)
		r.line(grid, x0, y, x0+w, y, 1)
		r.text(c.axis(v), axisW, y-small/2-1, fyne.TextAlignTrailing, muted, small)
	}
	n := len(c.labels)
	slot := w / float32(n)
	every := 1
	for every < n {
		widest := float32(0)
		for i := 0; i < n; i += every {
			widest = max(widest, fyne.MeasureText(c.labels[i], small, fyne.TextStyle{}).Width)
		}
		if widest+4 <= slot*float32(every) {
			break
		}
		every++
	}
	for i, l := range c.labels {
		cx := x0 + (float32(i)+0.5)*slot
		if i%every == 0 {
			r.text(l, cx, top+h+2, fyne.TextAlignCenter, muted, small)
		}
		if i < len(c.subs) && c.subs[i] != "" {
			r.text(c.subs[i], cx, top+h+2+small+2, fyne.TextAlignCenter, muted, small)
		}
	}
	if c.kind == dashLine {
		col := c.colors[0]
		var px, py float32
		have := false
		for i, v := range c.rates {
			if v == nil {
				have = false
				continue
			}
			x, y := x0+(float32(i)+0.5)*slot, yOf(*v)
			if have {
				r.line(col, px, py, x, y, 2.5)
			}
			dot := canvas.NewCircle(col)
			dot.Move(fyne.NewPos(x-4, y-4))
			dot.Resize(fyne.NewSize(8, 8))
			r.objs = append(r.objs, dot)
			c.hits = append(c.hits, dashHit{pos: fyne.NewPos(x-slot/2, top), size: fyne.NewSize(slot, h), i: i})
			px, py, have = x, y, true
		}
		return
	}
	bw := slot * 0.72
	for i := range c.labels {
		base := float64(0)
		for s := range c.stacks {
			v := c.stacks[s][i]
			if v <= 0 {
				continue
			}
			y1, y2 := yOf(base+v), yOf(base)
			x := x0 + float32(i)*slot + (slot-bw)/2
			r.rect(c.colors[s%len(c.colors)], x, y1, bw, max(y2-y1, 1))
			c.hits = append(c.hits, dashHit{pos: fyne.NewPos(x, y1), size: fyne.NewSize(bw, max(y2-y1, 3)), i: i, s: s})
			base += v
		}
	}
}

// hbars draws one horizontal bar per label, the label left and the value right.
func (r *dashChartRenderer) hbars(top float32, plot fyne.Size, fg, muted color.Color, small float32) {
	c := r.c
	size := theme.TextSize() * 0.9
	labelW, textW := float32(0), float32(0)
	for i, l := range c.labels {
		labelW = max(labelW, fyne.MeasureText(l, size, fyne.TextStyle{}).Width)
		textW = max(textW, fyne.MeasureText(c.texts[i], small, fyne.TextStyle{}).Width)
	}
	labelW = min(labelW+8, plot.Width*0.4)
	maxV := 0.0
	for _, v := range c.stacks[0] {
		maxV = math.Max(maxV, v)
	}
	if maxV == 0 {
		maxV = 1
	}
	row := plot.Height / float32(len(c.labels))
	barH := min(row*0.7, 22)
	w := plot.Width - labelW - textW - 10
	for i, l := range c.labels {
		y := top + float32(i)*row
		r.text(dashEllipsis(l, labelW-8, size), labelW-8, y+(row-size)/2-2, fyne.TextAlignTrailing, fg, size)
		bw := float32(c.stacks[0][i]/maxV) * w
		r.rect(c.colors[0], labelW, y+(row-barH)/2, max(bw, 1), barH)
		r.text(c.texts[i], labelW+bw+5, y+(row-small)/2-2, fyne.TextAlignLeading, muted, small)
		c.hits = append(c.hits, dashHit{pos: fyne.NewPos(0, y), size: fyne.NewSize(plot.Width, row), i: i})
	}
}

// dashEllipsis shortens s with "…" to fit width at a text size.
func dashEllipsis(s string, width, size float32) string {
	if fyne.MeasureText(s, size, fyne.TextStyle{}).Width <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && fyne.MeasureText(string(r)+"…", size, fyne.TextStyle{}).Width > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
