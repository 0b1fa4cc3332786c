package report

import (
	"strconv"

	"ascolto/data"
	"ascolto/data/stats"
)

// Kind of a table column, for number formats in a spreadsheet.
type Kind int

const (
	Text  Kind = iota
	Int        // a count
	Ratio      // a share, 0..1 (shown as a percentage)
	Days       // working days, with a decimal
	Score      // satisfaction, 1..5
)

// Table is one table of the report, in the report's language: a sheet of the XLSX.
// Values are string, int or float64; nil is "nothing measured".
type Table struct {
	Name  string
	Head  []string
	Kinds []Kind
	Rows  [][]any
	// RowKinds, if set, give the kind of the last column row by row (a summary whose
	// values are counts, rates and days).
	RowKinds []Kind
}

// KindOf is the kind of a cell.
func (t *Table) KindOf(row, col int) Kind {
	if t.RowKinds != nil && col == len(t.Head)-1 && row < len(t.RowKinds) {
		return t.RowKinds[row]
	}
	return t.Kinds[col]
}

func fp(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// Tables are the report's figures as tables: what the XLSX holds, one sheet each.
func Tables(in *stats.Indicators, opt Options) []Table {
	f := NewFormat(opt.Lang)
	var out []Table
	summary := Table{Name: f.T("stats.sheet.summary"), Head: []string{f.T("stats.col.indicator"), f.T("stats.col.value")}, Kinds: []Kind{Text, Text}}
	add := func(key string, v any, k Kind) {
		summary.Rows = append(summary.Rows, []any{f.T(key), v})
		summary.RowKinds = append(summary.RowKinds, k)
	}
	add("stats.total", in.Total, Int)
	add("stats.answered", in.Answered, Int)
	add("stats.answered_on_time", in.AnsweredOnTime, Int)
	add("stats.on_time_rate", fp(in.OnTimeRate), Ratio)
	add("stats.median_reply", fp(in.MedianReply), Days)
	add("stats.p90_reply", fp(in.P90Reply), Days)
	add("stats.mean_reply", fp(in.MeanReply), Days)
	add("stats.open", in.Open, Int)
	add("stats.waiting_count", in.WaitingNow, Int)
	add("stats.overdue", in.Overdue, Int)
	add("stats.closed", in.Closed, Int)
	add("stats.satisfaction_mean", fp(in.Satisfaction.Mean), Score)
	add("stats.satisfied_rate", fp(in.Satisfaction.Satisfied), Ratio)
	summary.Rows = append([][]any{{f.T("stats.col.period"), f.Period(in.Query.From, in.Query.To)},
		{f.T("stats.col.as_of"), f.Date(in.Today)}, {f.T("field.office"), OfficeName(opt.Office, f.Lang)}}, summary.Rows...)
	summary.RowKinds = append([]Kind{Text, Text, Text}, summary.RowKinds...)
	if filter := f.Filter(in.Query); filter != "" {
		summary.Rows = append(summary.Rows, []any{f.T("stats.col.filter"), filter})
		summary.RowKinds = append(summary.RowKinds, Text)
	}
	out = append(out, summary)

	groupHead := []string{f.T("stats.col.cases"), f.T("stats.col.answered"), f.T("stats.col.on_time_count"), f.T("stats.col.on_time"),
		f.T("stats.col.median"), f.T("stats.col.p90"), f.T("stats.col.mean"), f.T("stats.col.open"), f.T("stats.col.overdue"), f.T("stats.col.satisfaction")}
	groupKinds := []Kind{Int, Int, Int, Ratio, Days, Days, Days, Int, Int, Score}
	groupRow := func(name string, g stats.Group) []any {
		return []any{name, g.Total, g.Answered, g.AnsweredOnTime, fp(g.OnTimeRate), fp(g.MedianReply), fp(g.P90Reply), fp(g.MeanReply),
			g.Open, g.Overdue, fp(g.SatisfactionMean)}
	}
	months := Table{Name: f.T("stats.sheet.months"), Head: append([]string{f.T("stats.col.month")}, groupHead...), Kinds: append([]Kind{Text}, groupKinds...)}
	for _, k := range data.Kinds {
		months.Head = append(months.Head, f.Word("kind."+string(k)))
		months.Kinds = append(months.Kinds, Int)
	}
	for _, m := range in.Months {
		r := groupRow(f.Month(m.Key, false), m)
		for _, k := range data.Kinds {
			r = append(r, m.ByKind[string(k)])
		}
		months.Rows = append(months.Rows, r)
	}
	out = append(out, months)
	for _, d := range []struct{ sheet, dim, first string }{
		{"stats.sheet.offices", stats.DimOffice, "field.office"}, {"stats.sheet.kinds", stats.DimKind, "field.kind"},
		{"stats.sheet.channels", stats.DimChannel, "field.channel"}, {"stats.sheet.languages", stats.DimLanguage, "field.language"},
		{"stats.sheet.categories", stats.DimCategory, "field.category"}, {"stats.sheet.services", stats.DimService, "field.service"},
	} {
		t := Table{Name: f.T(d.sheet), Head: append([]string{f.T(d.first)}, groupHead...), Kinds: append([]Kind{Text}, groupKinds...)}
		for _, g := range in.Groups[d.dim] {
			name := f.Key(d.dim, g.Key)
			if d.dim == stats.DimOffice {
				name = opt.officeName(g.Key)
			}
			t.Rows = append(t.Rows, groupRow(name, g))
		}
		out = append(out, t)
	}

	ph := in.Phases
	phases := Table{Name: f.T("stats.sheet.phases"), Head: []string{f.T("stats.col.phase"), f.T("stats.col.cases"), f.T("stats.col.median"),
		f.T("stats.col.p90"), f.T("stats.col.mean")}, Kinds: []Kind{Text, Int, Days, Days, Days}}
	for _, p := range []struct {
		key string
		t   stats.Times
	}{{"stats.phase.first_action", ph.FirstAction}, {"stats.phase.handling", ph.Handling}, {"stats.phase.reply", ph.Reply},
		{"stats.phase.closure", ph.Closure}, {"stats.phase.waiting", ph.Waiting.Times}} {
		phases.Rows = append(phases.Rows, []any{f.T(p.key), p.t.Cases, fp(p.t.Median), fp(p.t.P90), fp(p.t.Mean)})
	}
	out = append(out, phases)

	dist := Table{Name: f.T("stats.sheet.distribution"), Head: []string{f.T("stats.col.working_days"), f.T("stats.col.cases")}, Kinds: []Kind{Int, Int}}
	for _, d := range in.ReplyDistribution {
		dist.Rows = append(dist.Rows, []any{d.Days, d.Cases})
	}
	out = append(out, dist)

	ages := Table{Name: f.T("stats.sheet.ages"), Head: []string{f.T("stats.col.age"), f.T("stats.col.cases"), f.T("stats.col.waiting"),
		f.T("stats.col.overdue")}, Kinds: []Kind{Text, Int, Int, Int}}
	for _, b := range in.OpenByAge {
		ages.Rows = append(ages.Rows, []any{AgeLabel(f, b), b.Cases, b.Waiting, b.Overdue})
	}
	out = append(out, ages)

	sat := Table{Name: f.T("stats.sheet.satisfaction"), Head: []string{f.T("stats.col.score"), f.T("stats.col.cases")}, Kinds: []Kind{Text, Int}}
	for v := 5; v >= 1; v-- {
		sat.Rows = append(sat.Rows, []any{f.T("stats.score", "n", strconv.Itoa(v)), in.Satisfaction.Scores[strconv.Itoa(v)]})
	}
	out = append(out, sat)

	outcomes := Table{Name: f.T("stats.sheet.outcomes"), Head: []string{f.T("stats.col.outcome"), f.T("stats.col.cases")}, Kinds: []Kind{Text, Int}}
	for _, o := range data.Outcomes {
		outcomes.Rows = append(outcomes.Rows, []any{f.T(OutcomeKeys[o]), in.ByOutcome[string(o)]})
	}
	outcomes.Rows = append(outcomes.Rows, []any{f.T("stats.outcome.none"), in.ByOutcome[stats.NoValue]})
	out = append(out, outcomes)

	actions := Table{Name: f.T("stats.sheet.actions"), Head: []string{"#", f.T("stats.col.action"), f.T("stats.col.cause"), f.T("stats.col.owner"),
		f.T("stats.col.due"), f.T("stats.col.status"), f.T("stats.col.cases"), f.T("stats.col.result")}, Kinds: []Kind{Int, Text, Text, Text, Text, Text, Int, Text}}
	for _, a := range opt.Actions {
		actions.Rows = append(actions.Rows, []any{int(a.ID), a.Title, a.Cause, a.Owner, f.Date(a.DueDate), f.T(ActionStatusKeys[a.Status]), a.Cases, a.Result})
	}
	out = append(out, actions)
	return out
}
