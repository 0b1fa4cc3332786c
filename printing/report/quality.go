package report

import (
	"io"
	"strconv"
	"strings"
	"time"

	"ascolto/data"
	"ascolto/data/stats"
	"ascolto/printing"
)

// Options say for whom and in which language a report is written.
type Options struct {
	Lang string
	// Office is the register's own office, named in the title.
	Office data.Office
	// Offices name the offices of the per-office table (code → name in the language).
	Offices []data.Office
	// Actions are the improvement actions to list (the pending ones and those of the
	// period, as the caller chooses).
	Actions []*data.ImprovementAction
	// Created stamps the PDF; the same figures and time give the same bytes.
	Created time.Time
}

// OfficeName is an office's name in the language (both names in English).
func OfficeName(o data.Office, lang string) string {
	switch lang {
	case "it":
		return o.NameIT
	case "de":
		return o.NameDE
	}
	if o.NameIT == o.NameDE || o.NameDE == "" {
		return o.NameIT
	}
	return o.NameIT + " / " + o.NameDE
}

func (o *Options) officeName(code string) string {
	for _, of := range o.Offices {
		if of.Code == code {
			return code + " – " + OfficeName(of, o.Lang)
		}
	}
	return code
}

// Filter describes the query's filters in words ("" for none), for a report's subtitle.
func (f *Format) Filter(q stats.Query) string {
	var parts []string
	add := func(label string, vals []string) {
		if len(vals) > 0 {
			parts = append(parts, f.T(label)+": "+List(vals))
		}
	}
	add("field.office", q.Offices)
	var words []string
	for _, k := range q.Kinds {
		words = append(words, f.T("kind."+string(k)))
	}
	add("field.kind", words)
	words = nil
	for _, c := range q.Channels {
		words = append(words, f.T("channel."+string(c)))
	}
	add("field.channel", words)
	words = nil
	for _, l := range q.Languages {
		words = append(words, f.T("language."+string(l)))
	}
	add("field.language", words)
	add("field.category", q.Categories)
	add("field.service", q.Services)
	return strings.Join(parts, " · ")
}

// Key names a group's key in words: a kind, channel or language by its translation, a
// month by its name, "none" as "not given", anything else (offices, categories) as is.
func (f *Format) Key(dim, key string) string {
	if key == stats.NoValue {
		return f.T("stats.no_value")
	}
	switch dim {
	case stats.DimKind:
		return f.Word("kind." + key)
	case stats.DimChannel:
		return f.Word("channel." + key)
	case stats.DimLanguage:
		return f.Word("language." + key)
	}
	return key
}

// OutcomeKeys and ActionStatusKeys translate outcomes and action statuses.
var (
	OutcomeKeys = map[data.Outcome]string{data.OutcomeGranted: "stats.outcome.granted", data.OutcomePartly: "stats.outcome.partly_granted",
		data.OutcomeRejected: "stats.outcome.rejected", data.OutcomeInformed: "stats.outcome.informed",
		data.OutcomeForwarded: "stats.outcome.forwarded", data.OutcomeAcknowledged: "stats.outcome.acknowledged"}
	ActionStatusKeys = map[data.ActionStatus]string{data.ActionOpen: "stats.action.open", data.ActionInProgress: "stats.action.in_progress",
		data.ActionDone: "stats.action.done", data.ActionDropped: "stats.action.dropped"}
)

// Quality writes the quality report of the indicators as a PDF: the headline figures,
// charts of volumes, on-time rate, reply times and categories, tables per office,
// phase, age, kind and channel, satisfaction, outcomes and improvement actions, and the
// definitions the figures follow.
func Quality(w io.Writer, in *stats.Indicators, opt Options) error {
	f := NewFormat(opt.Lang)
	opt.Lang = f.Lang
	title := f.T("stats.report.title")
	head := title + " · " + OfficeName(opt.Office, f.Lang) + " · " + f.Period(in.Query.From, in.Query.To)
	return render(w, f, opt.Created, head, func(p *page) {
		q := &quality{page: p, in: in, opt: &opt}
		q.cover(title)
		q.tiles()
		if in.Total == 0 {
			p.note(f.T("stats.no_cases"), 10)
			return
		}
		q.volumes()
		q.onTime()
		q.phases()
		q.distribution()
		q.categories()
		q.offices()
		q.ages()
		q.breakdown("stats.section.kinds", "field.kind", stats.DimKind)
		q.breakdown("stats.section.channels", "field.channel", stats.DimChannel)
		q.satisfaction()
		q.outcomes()
		q.actions()
		p.section(f.T("stats.section.definitions"), 10)
		p.note(f.T("stats.definitions"), 7.5)
	})
}

type quality struct {
	*page
	in  *stats.Indicators
	opt *Options
}

func (q *quality) cover(title string) {
	pdf, f := q.pdf, q.f
	pdf.SetFont(printing.Family, "B", 18)
	ink(pdf, colorText)
	pdf.SetXY(margin, q.y)
	pdf.CellFormat(bodyW, 9, title, "", 0, "LM", false, 0, "")
	q.y += 9
	pdf.SetFont(printing.Family, "", 10.5)
	pdf.SetXY(margin, q.y)
	pdf.CellFormat(bodyW, 5.5, printing.Clean(OfficeName(q.opt.Office, f.Lang)), "", 0, "LM", false, 0, "")
	q.y += 5.5
	ink(pdf, colorMuted)
	sub := f.Period(q.in.Query.From, q.in.Query.To) + " · " + f.T("stats.report.as_of", "date", f.Date(q.in.Today))
	if filter := f.Filter(q.in.Query); filter != "" {
		sub += " · " + filter
	}
	for _, l := range printing.Wrap(pdf, sub, bodyW) {
		pdf.SetXY(margin, q.y)
		pdf.CellFormat(bodyW, 5, l, "", 0, "LM", false, 0, "")
		q.y += 5
	}
	draw(pdf, ColorMain)
	pdf.SetLineWidth(0.6)
	pdf.Line(margin, q.y+1.5, pageW-margin, q.y+1.5)
	q.y += 5
}

// tiles are the eight figures a quality manager looks at first.
func (q *quality) tiles() {
	in, f := q.in, q.f
	days := f.T("stats.working_days")
	tiles := [][3]string{
		{f.Int(in.Total), f.T("stats.total"), ""},
		{f.Int(in.Answered), f.T("stats.answered"), ""},
		{f.Rate(in.OnTimeRate), f.T("stats.on_time_rate"), f.T("stats.of", "n", f.Int(in.AnsweredOnTime), "total", f.Int(in.Answered))},
		{f.Days(in.MedianReply), f.T("stats.tile.median"), days},
		{f.Days(in.P90Reply), f.T("stats.tile.p90"), days},
		{f.Int(in.Open), f.T("stats.open"), f.T("stats.waiting_now", "n", f.Int(in.WaitingNow))},
		{f.Int(in.Overdue), f.T("stats.overdue"), ""},
		{f.Score(in.Satisfaction.Mean), f.T("stats.satisfaction_mean"), f.T("stats.rated", "n", f.Int(in.Satisfaction.Rated))},
	}
	const gap, h = 3.0, 21.0
	w := (bodyW - 3*gap) / 4
	pdf := q.pdf
	for i, t := range tiles {
		x := margin + float64(i%4)*(w+gap)
		y := q.y + float64(i/4)*(h+gap)
		fill(pdf, colorShade)
		pdf.Rect(x, y, w, h, "F")
		pdf.SetFont(printing.Family, "B", 15)
		ink(pdf, colorText)
		if i == 6 && in.Overdue > 0 {
			ink(pdf, ColorLate)
		}
		pdf.SetXY(x+2.5, y+2)
		pdf.CellFormat(w-5, 8, t[0], "", 0, "LM", false, 0, "")
		pdf.SetFont(printing.Family, "", 7.5)
		ink(pdf, colorText)
		pdf.SetXY(x+2.5, y+10.5)
		pdf.CellFormat(w-5, 4, fitText(pdf, t[1], w-5), "", 0, "LM", false, 0, "")
		ink(pdf, colorMuted)
		pdf.SetXY(x+2.5, y+14.8)
		pdf.CellFormat(w-5, 4, fitText(pdf, t[2], w-5), "", 0, "LM", false, 0, "")
	}
	q.y += 2*h + gap + 3
}

// monthLabels are the months' short names, with the year under each January and the
// first month.
func (q *quality) monthLabels() ([]string, func(int) string) {
	var labels []string
	for _, m := range q.in.Months {
		labels = append(labels, q.f.Month(m.Key, true))
	}
	return labels, func(i int) string {
		if k := q.in.Months[i].Key; i == 0 || strings.HasSuffix(k, "-01") {
			return k[:4]
		}
		return ""
	}
}

func (q *quality) volumes() {
	f := q.f
	q.section(f.T("stats.chart.volumes"), 62)
	labels, sub := q.monthLabels()
	var stacks [][]float64
	var colors []RGB
	var names []string
	for _, k := range data.Kinds {
		row := make([]float64, len(q.in.Months))
		for i, m := range q.in.Months {
			row[i] = float64(m.ByKind[string(k)])
		}
		stacks = append(stacks, row)
		colors = append(colors, KindColors[k])
		names = append(names, f.Word("kind."+string(k)))
	}
	q.y += legend(q.pdf, margin, q.y, bodyW, names, colors) + 1
	stackedBars(q.pdf, box{margin, q.y, bodyW, 56}, f, labels, sub, stacks, colors)
	q.y += 58
}

func (q *quality) onTime() {
	f := q.f
	q.section(f.T("stats.chart.on_time"), 52)
	labels, sub := q.monthLabels()
	rates := make([]*float64, len(q.in.Months))
	for i, m := range q.in.Months {
		rates[i] = m.OnTimeRate
	}
	rateLine(q.pdf, box{margin, q.y, bodyW, 50}, f, labels, sub, rates, ColorOnTime)
	q.y += 52
}

func (q *quality) phases() {
	f, ph := q.f, q.in.Phases
	q.section(f.T("stats.section.phases"), 38)
	cols := spread(column{f.T("stats.col.phase"), 0, "L"}, column{f.T("stats.col.cases"), 24, "R"},
		column{f.T("stats.col.median"), 22, "R"}, column{f.T("stats.col.p90"), 22, "R"}, column{f.T("stats.col.mean"), 22, "R"})
	row := func(key string, t stats.Times) []string {
		return []string{f.T(key), f.Int(t.Cases), f.Days(t.Median), f.Days(t.P90), f.Days(t.Mean)}
	}
	q.table(cols, [][]string{row("stats.phase.first_action", ph.FirstAction), row("stats.phase.handling", ph.Handling),
		row("stats.phase.reply", ph.Reply), row("stats.phase.closure", ph.Closure), row("stats.phase.waiting", ph.Waiting.Times)})
	q.note(f.T("stats.waiting_note", "days", f.Int(ph.Waiting.Days), "now", f.Int(ph.Waiting.Now)), 7.5)
}

// distribution draws how many replies took 0, 1, 2… working days (11 and more together);
// bars within the ordinary three working days in the colour of "on time".
func (q *quality) distribution() {
	f := q.f
	q.section(f.T("stats.chart.distribution"), 50)
	const last = 10
	counts := make([]float64, last+2)
	for _, d := range q.in.ReplyDistribution {
		counts[min(d.Days, last+1)] += float64(d.Cases)
	}
	var labels []string
	within, beyond := make([]float64, len(counts)), make([]float64, len(counts))
	for i, n := range counts {
		labels = append(labels, strconv.Itoa(i))
		if i <= data.DefaultDeadlineDays {
			within[i] = n
		} else {
			beyond[i] = n
		}
	}
	labels[last+1] = strconv.Itoa(last+1) + "+"
	q.y += legend(q.pdf, margin, q.y, bodyW, []string{f.T("stats.legend.within"), f.T("stats.legend.beyond")},
		[]RGB{ColorOnTime, ColorLate}) + 1
	stackedBars(q.pdf, box{margin, q.y, bodyW, 48}, f, labels, func(int) string { return "" }, [][]float64{within, beyond},
		[]RGB{ColorOnTime, ColorLate})
	q.y += 50
}

func (q *quality) categories() {
	f := q.f
	groups := q.in.Groups[stats.DimCategory]
	if len(groups) > 10 {
		groups = groups[:10]
	}
	if len(groups) == 0 {
		return
	}
	h := float64(len(groups)) * 6
	q.section(f.T("stats.chart.categories"), h)
	var labels, texts []string
	var values []float64
	for _, g := range groups {
		labels = append(labels, f.Key(stats.DimCategory, g.Key))
		values = append(values, float64(g.Total))
		share := float64(g.Total) / float64(q.in.Total)
		texts = append(texts, f.Int(g.Total)+" ("+f.Rate(&share)+")")
	}
	hBars(q.pdf, box{margin, q.y, bodyW, h}, labels, values, texts, ColorMain)
	q.y += h + 2
}

// groupTable is the usual columns of a breakdown.
func (q *quality) groupTable(first string, groups []stats.Group, name func(string) string) {
	f := q.f
	cols := spread(column{first, 0, "L"}, column{f.T("stats.col.cases"), 18, "R"}, column{f.T("stats.col.answered"), 20, "R"},
		column{f.T("stats.col.on_time"), 20, "R"}, column{f.T("stats.col.median"), 16, "R"}, column{f.T("stats.col.p90"), 16, "R"},
		column{f.T("stats.col.open"), 16, "R"}, column{f.T("stats.col.overdue"), 16, "R"})
	var rows [][]string
	for _, g := range groups {
		rows = append(rows, []string{name(g.Key), f.Int(g.Total), f.Int(g.Answered), f.Rate(g.OnTimeRate), f.Days(g.MedianReply),
			f.Days(g.P90Reply), f.Int(g.Open), f.Int(g.Overdue)})
	}
	q.table(cols, rows)
}

func (q *quality) offices() {
	f := q.f
	groups := q.in.Groups[stats.DimOffice]
	q.section(f.T("stats.section.offices"), 20)
	q.groupTable(f.T("field.office"), groups, q.opt.officeName)
}

func (q *quality) breakdown(title, first, dim string) {
	q.section(q.f.T(title), 20)
	q.groupTable(q.f.T(first), q.in.Groups[dim], func(k string) string { return q.f.Key(dim, k) })
}

func (q *quality) ages() {
	f := q.f
	q.section(f.T("stats.section.ages"), 35)
	cols := spread(column{f.T("stats.col.age"), 0, "L"}, column{f.T("stats.col.cases"), 28, "R"},
		column{f.T("stats.col.waiting"), 34, "R"}, column{f.T("stats.col.overdue"), 28, "R"})
	var rows [][]string
	for _, b := range q.in.OpenByAge {
		rows = append(rows, []string{AgeLabel(f, b), f.Int(b.Cases), f.Int(b.Waiting), f.Int(b.Overdue)})
	}
	q.table(cols, rows)
}

// AgeLabel names an age bucket: "0–3 giorni lavorativi", "oltre 20…".
func AgeLabel(f *Format, b stats.AgeBucket) string {
	if b.To == nil {
		return f.T("stats.age.over", "from", f.Int(b.From-1))
	}
	return f.T("stats.age.range", "from", f.Int(b.From), "to", f.Int(*b.To))
}

func (q *quality) satisfaction() {
	f, s := q.f, q.in.Satisfaction
	q.section(f.T("stats.section.satisfaction"), 30)
	cols := spread(column{f.T("stats.col.score"), 0, "L"}, column{f.T("stats.col.cases"), 30, "R"}, column{f.T("stats.col.share"), 30, "R"})
	var rows [][]string
	for v := 5; v >= 1; v-- {
		n := s.Scores[strconv.Itoa(v)]
		rows = append(rows, []string{f.T("stats.score", "n", strconv.Itoa(v)), f.Int(n), f.Rate(shareOf(n, s.Rated))})
	}
	q.table(cols, rows)
	q.note(f.T("stats.satisfaction_note", "rated", f.Int(s.Rated), "mean", f.Score(s.Mean), "satisfied", f.Rate(s.Satisfied),
		"happy", f.Int(s.Faces["happy"]), "neutral", f.Int(s.Faces["neutral"]), "unhappy", f.Int(s.Faces["unhappy"])), 7.5)
}

func shareOf(n, total int) *float64 {
	if total == 0 {
		return nil
	}
	v := float64(n) / float64(total)
	return &v
}

func (q *quality) outcomes() {
	f := q.f
	q.section(f.T("stats.section.outcomes"), 30)
	cols := spread(column{f.T("stats.col.outcome"), 0, "L"}, column{f.T("stats.col.cases"), 30, "R"}, column{f.T("stats.col.share"), 30, "R"})
	var rows [][]string
	for _, o := range data.Outcomes {
		n := q.in.ByOutcome[string(o)]
		rows = append(rows, []string{f.T(OutcomeKeys[o]), f.Int(n), f.Rate(shareOf(n, q.in.Total))})
	}
	n := q.in.ByOutcome[stats.NoValue]
	rows = append(rows, []string{f.T("stats.outcome.none"), f.Int(n), f.Rate(shareOf(n, q.in.Total))})
	q.table(cols, rows)
}

func (q *quality) actions() {
	f := q.f
	q.section(f.T("stats.section.actions"), 16)
	if len(q.opt.Actions) == 0 {
		q.note(f.T("stats.no_actions"), 8)
		return
	}
	cols := spread(column{f.T("stats.col.action"), 0, "L"}, column{f.T("stats.col.owner"), 28, "L"},
		column{f.T("stats.col.due"), 22, "R"}, column{f.T("stats.col.status"), 26, "L"}, column{f.T("stats.col.cases"), 16, "R"})
	var rows [][]string
	for _, a := range q.opt.Actions {
		status := f.T(ActionStatusKeys[a.Status])
		if a.Overdue {
			status += " (" + f.T("stats.action.overdue") + ")"
		}
		rows = append(rows, []string{strconv.FormatInt(a.ID, 10) + ". " + a.Title, a.Owner, f.Date(a.DueDate), status, f.Int(a.Cases)})
	}
	q.table(cols, rows)
}
