package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"ascolto/data"
	"ascolto/data/benchmarking"
	"ascolto/data/stats"
	"ascolto/printing/report"
)

// The quality commands: indicators, reports, benchmarking, improvement actions,
// outcomes, and privacy over time (retention, access, erasure). docs/indicators.md.
func init() {
	for _, c := range []command{
		{"stats", "stats [--from DATE] [--to DATE] [--year YYYY | --quarter YYYY-QN | --month YYYY-MM] [--office CODE] [--kind K] [--channel C] [--language it|de] [--category TEXT] [--service TEXT] [--json]", cmdStats},
		{"report", "report --format pdf|xlsx|csv --out FILE [period and filters as stats] [--separator ';'|','] (in the language of --lang)", cmdReport},
		{"benchmark", "benchmark export --out FILE [--office CODE] [--municipality TEXT] [period as stats] | benchmark compare FILE... [--json] [--pdf FILE]", cmdBenchmark},
		{"action", "action add --title TEXT --owner NAME --due DATE [--cause TEXT] [--description TEXT] [--office CODE] | action list [--all] [--json] | action show ID [--json] | action set ID [--status open|in_progress|done|dropped] [--owner NAME] [--due DATE] [--title TEXT] [--cause TEXT] [--result TEXT] | action link ID [REF...] [--category TEXT [--from DATE] [--to DATE]] | action unlink ID REF", cmdAction},
		{"outcome", "outcome REF granted|partly_granted|rejected|informed|forwarded|acknowledged|none", cmdOutcome},
		{"retention", "retention [--years N] [--run] [--dry-run]", cmdRetention},
		{"access", "access [REF...] [--name TEXT] [--email TEXT] [--phone TEXT] --out DIR (the PDF in the language of --lang)", cmdAccess},
		{"erase", "erase REF... --note TEXT", cmdErase},
	} {
		register(c)
	}
}

// words parses a command's flags, which may stand anywhere, and returns the other words,
// however many (a list of files, of cases).
func (e *env) words(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &usageError{e.t("cli.bad_flag", "detail", err.Error())}
		}
		args = fs.Args()
		if len(args) == 0 {
			return words, nil
		}
		words = append(words, args[0])
		args = args[1:]
	}
}

// periodFlags choose the days of receipt: --from/--to, or a whole year, quarter or month.
type periodFlags struct{ from, to, year, quarter, month *string }

func addPeriodFlags(fs *flag.FlagSet) *periodFlags {
	return &periodFlags{from: fs.String("from", "", ""), to: fs.String("to", "", ""), year: fs.String("year", "", ""),
		quarter: fs.String("quarter", "", ""), month: fs.String("month", "", "")}
}

var quarterPattern = regexp.MustCompile(`^(\d{4})-?[Qq]([1-4])$`)

// period returns the days chosen; def is used when nothing was given ("": everything).
func (p *periodFlags) period(def func() (string, string)) (string, string, error) {
	given := 0
	for _, v := range []string{*p.year, *p.quarter, *p.month} {
		if v != "" {
			given++
		}
	}
	if given > 1 || given == 1 && (*p.from != "" || *p.to != "") {
		return "", "", data.Problemf("stats.period_flags")
	}
	switch {
	case *p.year != "":
		y, err := strconv.Atoi(*p.year)
		if err != nil || y < 1990 || y > 9999 {
			return "", "", data.Problemf("err.date", "value", *p.year)
		}
		return fmt.Sprintf("%04d-01-01", y), fmt.Sprintf("%04d-12-31", y), nil
	case *p.quarter != "":
		m := quarterPattern.FindStringSubmatch(*p.quarter)
		if m == nil {
			return "", "", data.Problemf("err.date", "value", *p.quarter)
		}
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		start := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
		return start.Format(time.DateOnly), start.AddDate(0, 3, -1).Format(time.DateOnly), nil
	case *p.month != "":
		start, err := time.Parse("2006-01", *p.month)
		if err != nil {
			return "", "", data.Problemf("err.date", "value", *p.month)
		}
		return start.Format(time.DateOnly), start.AddDate(0, 1, -1).Format(time.DateOnly), nil
	case *p.from == "" && *p.to == "" && def != nil:
		from, to := def()
		return from, to, nil
	}
	return *p.from, *p.to, nil
}

// queryFlags are the filters of the indicators.
type queryFlags struct {
	period                                             *periodFlags
	office, kind, channel, language, category, service *string
}

func addQueryFlags(fs *flag.FlagSet) *queryFlags {
	return &queryFlags{period: addPeriodFlags(fs), office: fs.String("office", "", ""), kind: fs.String("kind", "", ""),
		channel: fs.String("channel", "", ""), language: fs.String("language", "", ""), category: fs.String("category", "", ""),
		service: fs.String("service", "", "")}
}

func (q *queryFlags) query(def func() (string, string)) (stats.Query, error) {
	from, to, err := q.period.period(def)
	if err != nil {
		return stats.Query{}, err
	}
	return stats.Query{From: from, To: to, Offices: split[string](strings.ToUpper(*q.office)), Kinds: split[data.Kind](*q.kind),
		Channels: split[data.Channel](*q.channel), Languages: split[data.Language](*q.language),
		Categories: splitText(*q.category), Services: splitText(*q.service)}, nil
}

// splitText reads a list of names that may contain commas only when quoted by the
// shell as one value: a category "Tempi, attese" stays one.
func splitText(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return []string{strings.TrimSpace(s)}
}

// thisYear is the default period of reports and benchmarking files: this year so far.
func thisYear(now time.Time) func() (string, string) {
	return func() (string, string) {
		today := data.Today(now)
		return today[:4] + "-01-01", today
	}
}

func cmdStats(e *env, args []string) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	qf := addQueryFlags(fs)
	asJSON := fs.Bool("json", false, "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	q, err := qf.query(nil)
	if err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	in, err := stats.Compute(e.ctx, s, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(in)
	}
	e.showStats(s, in)
	return nil
}

// showStats prints the headline figures, the offices and the phases.
func (e *env) showStats(s *data.Store, in *stats.Indicators) {
	f := report.NewFormat(e.lang)
	fmt.Fprintln(e.stdout, e.t("stats.cli.heading", "period", f.Period(in.Query.From, in.Query.To), "date", f.Date(in.Today)))
	if filter := f.Filter(in.Query); filter != "" {
		fmt.Fprintln(e.stdout, term(filter))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	line := func(key, value string) { fmt.Fprintf(tw, "  %s\t%s\n", e.t(key), value) }
	line("stats.total", f.Int(in.Total))
	line("stats.answered", f.Int(in.Answered))
	line("stats.on_time_rate", f.Rate(in.OnTimeRate)+"  ("+e.t("stats.of", "n", f.Int(in.AnsweredOnTime), "total", f.Int(in.Answered))+")")
	line("stats.median_reply", f.Days(in.MedianReply))
	line("stats.p90_reply", f.Days(in.P90Reply))
	line("stats.mean_reply", f.Days(in.MeanReply))
	line("stats.open", f.Int(in.Open)+"  ("+e.t("stats.waiting_now", "n", f.Int(in.WaitingNow))+")")
	line("stats.overdue", f.Int(in.Overdue))
	line("stats.satisfaction_mean", f.Score(in.Satisfaction.Mean)+"  ("+e.t("stats.rated", "n", f.Int(in.Satisfaction.Rated))+")")
	tw.Flush()
	if len(in.Groups[stats.DimOffice]) > 1 {
		fmt.Fprintln(e.stdout)
		e.groupTable(f, e.t("field.office"), in.Groups[stats.DimOffice], func(k string) string { return k })
	}
	fmt.Fprintln(e.stdout)
	tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", e.t("stats.col.phase"), e.t("stats.col.cases"), e.t("stats.col.median"), e.t("stats.col.p90"), e.t("stats.col.mean"))
	ph := in.Phases
	for _, p := range []struct {
		key string
		t   stats.Times
	}{{"stats.phase.first_action", ph.FirstAction}, {"stats.phase.handling", ph.Handling}, {"stats.phase.reply", ph.Reply},
		{"stats.phase.closure", ph.Closure}, {"stats.phase.waiting", ph.Waiting.Times}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", e.t(p.key), f.Int(p.t.Cases), f.Days(p.t.Median), f.Days(p.t.P90), f.Days(p.t.Mean))
	}
	tw.Flush()
}

func (e *env) groupTable(f *report.Format, first string, groups []stats.Group, name func(string) string) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", first, e.t("stats.col.cases"), e.t("stats.col.on_time"), e.t("stats.col.median"),
		e.t("stats.col.p90"), e.t("stats.col.open"), e.t("stats.col.overdue"))
	for _, g := range groups {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", term(name(g.Key)), f.Int(g.Total), f.Rate(g.OnTimeRate), f.Days(g.MedianReply),
			f.Days(g.P90Reply), f.Int(g.Open), f.Int(g.Overdue))
	}
	tw.Flush()
}

// writeOut writes a file under a temporary name and renames it into place, so that a
// failed report never leaves half a file that looks whole.
func writeOut(path string, write func(w io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	err := data.WriteWhole(path, func(f *os.File) error {
		_, err := f.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return &data.Problem{Key: "err.export", Args: map[string]string{"path": path}, Err: err}
	}
	return nil
}

// reportActions are the improvement actions a report lists: the pending ones and those
// changed in the period, of the offices reported on.
func reportActions(e *env, s *data.Store, q stats.Query) ([]*data.ImprovementAction, error) {
	all, err := s.Actions(e.ctx, data.ActionFilter{})
	if err != nil {
		return nil, err
	}
	var out []*data.ImprovementAction
	for _, a := range all {
		if len(q.Offices) > 0 && !contains(q.Offices, a.Office) {
			continue
		}
		changed := data.Today(a.UpdatedAt)
		if a.Status.Pending() || (q.From == "" || changed >= q.From) && (q.To == "" || changed <= q.To) {
			out = append(out, a)
		}
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func cmdReport(e *env, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	qf := addQueryFlags(fs)
	format := fs.String("format", "", "")
	out := fs.String("out", "", "")
	sep := fs.String("separator", ";", "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("format", *format, "out", *out); err != nil {
		return err
	}
	if *format != "pdf" && *format != "xlsx" && *format != "csv" {
		return data.Problemf("err.format", "format", *format)
	}
	if *sep != ";" && *sep != "," {
		return &usageError{e.t("cli.bad_flag", "detail", "--separator "+*sep)}
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	q, err := qf.query(thisYear(s.Now()))
	if err != nil {
		return err
	}
	in, err := stats.Compute(e.ctx, s, q)
	if err != nil {
		return err
	}
	offices, err := s.Offices()
	if err != nil {
		return err
	}
	actions, err := reportActions(e, s, q)
	if err != nil {
		return err
	}
	opt := report.Options{Lang: e.lang, Office: s.Local(), Offices: offices, Actions: actions, Created: s.Now()}
	err = writeOut(*out, func(w io.Writer) error {
		switch *format {
		case "pdf":
			return report.Quality(w, in, opt)
		case "xlsx":
			return report.XLSX(w, in, opt)
		}
		return report.CSV(w, in, rune((*sep)[0]))
	})
	if err != nil {
		return err
	}
	e.say("stats.cli.report_done", "path", *out, "period", report.NewFormat(e.lang).Period(q.From, q.To))
	return nil
}

func cmdBenchmark(e *env, args []string) error {
	if len(args) == 0 {
		return &usageError{e.t("cli.bad_args", "want", "1", "have", "0")}
	}
	switch args[0] {
	case "export":
		return benchmarkExport(e, args[1:])
	case "compare":
		return benchmarkCompare(e, args[1:])
	}
	return &usageError{e.t("cli.unknown_command", "command", "benchmark "+args[0])}
}

func benchmarkExport(e *env, args []string) error {
	fs := flag.NewFlagSet("benchmark export", flag.ContinueOnError)
	pf := addPeriodFlags(fs)
	out := fs.String("out", "", "")
	office := fs.String("office", "", "")
	municipality := fs.String("municipality", "", "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("out", *out); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	from, to, err := pf.period(thisYear(s.Now()))
	if err != nil {
		return err
	}
	if from == "" || to == "" {
		return data.Problemf("stats.benchmark_period")
	}
	code := strings.ToUpper(*office)
	if code == "" {
		code = s.Local().Code
	}
	offices, err := s.Offices()
	if err != nil {
		return err
	}
	var of *data.Office
	for i := range offices {
		if offices[i].Code == code {
			of = &offices[i]
		}
	}
	if of == nil {
		return data.Problemf("err.unknown_office", "code", code)
	}
	in, err := stats.Compute(e.ctx, s, stats.Query{From: from, To: to, Offices: []string{code}})
	if err != nil {
		return err
	}
	file := benchmarking.New(in, *of, strings.TrimSpace(*municipality), benchmarking.Period{From: from, To: to}, data.Today(s.Now()))
	if err := file.Write(*out); err != nil {
		return err
	}
	e.say("stats.cli.benchmark_done", "path", *out, "office", code, "period", report.NewFormat(e.lang).Period(from, to))
	return nil
}

func benchmarkCompare(e *env, args []string) error {
	fs := flag.NewFlagSet("benchmark compare", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	pdf := fs.String("pdf", "", "")
	paths, err := e.words(fs, args)
	if err != nil {
		return err
	}
	if len(paths) < 1 {
		return &usageError{e.t("cli.bad_args", "want", "1", "have", "0")}
	}
	var files []*benchmarking.File
	for _, p := range paths {
		f, err := benchmarking.Load(p)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	c := benchmarking.Compare(files)
	if *pdf != "" {
		if err := writeOut(*pdf, func(w io.Writer) error { return report.Comparison(w, c, e.lang, time.Now()) }); err != nil {
			return err
		}
	}
	if *asJSON {
		return e.json(c)
	}
	f := report.NewFormat(e.lang)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{""}
	period := []string{""}
	for _, b := range files {
		head = append(head, term(f.FileLabel(b)))
		period = append(period, f.Date(b.Period.From)+"–"+f.Date(b.Period.To))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	fmt.Fprintln(tw, strings.Join(period, "\t")+"\t")
	for _, r := range c.Rows {
		row := []string{f.RowLabel(r)}
		for _, v := range r.Values {
			row = append(row, f.CompareValue(r.Measure, v))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
	if *pdf != "" {
		e.say("stats.cli.written", "path", *pdf)
	}
	return nil
}

func cmdAction(e *env, args []string) error {
	if len(args) == 0 {
		return &usageError{e.t("cli.bad_args", "want", "1", "have", "0")}
	}
	switch args[0] {
	case "add":
		return actionAdd(e, args[1:])
	case "list":
		return actionList(e, args[1:])
	case "show":
		return actionShow(e, args[1:])
	case "set":
		return actionSet(e, args[1:])
	case "link":
		return actionLink(e, args[1:])
	case "unlink":
		return actionUnlink(e, args[1:])
	}
	return &usageError{e.t("cli.unknown_command", "command", "action "+args[0])}
}

// openAction reads an action's number and then opens the register (a bad number is
// refused before the register is looked for).
func (e *env) openAction(word string) (int64, *data.Store, error) {
	id, err := actionID(word)
	if err != nil {
		return 0, nil, err
	}
	s, err := e.open()
	return id, s, err
}

// actionID reads an action's number.
func actionID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, data.Problemf("stats.action_unknown", "id", s)
	}
	return id, nil
}

func actionAdd(e *env, args []string) error {
	fs := flag.NewFlagSet("action add", flag.ContinueOnError)
	title := fs.String("title", "", "")
	owner := fs.String("owner", "", "")
	due := fs.String("due", "", "")
	cause := fs.String("cause", "", "")
	desc := fs.String("description", "", "")
	office := fs.String("office", "", "")
	asJSON := fs.Bool("json", false, "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("title", *title, "owner", *owner, "due", *due); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	var a *data.ImprovementAction
	err = s.Update(e.ctx, func(tx *data.Tx) error {
		var err error
		a, err = tx.CreateAction(data.NewAction{Office: *office, Title: *title, Cause: *cause, Description: *desc, Owner: *owner, DueDate: *due})
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(a)
	}
	e.say("stats.cli.action_added", "id", strconv.FormatInt(a.ID, 10), "owner", a.Owner, "due", e.date(a.DueDate))
	return nil
}

func actionList(e *env, args []string) error {
	fs := flag.NewFlagSet("action list", flag.ContinueOnError)
	all := fs.Bool("all", false, "")
	office := fs.String("office", "", "")
	asJSON := fs.Bool("json", false, "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.Actions(e.ctx, data.ActionFilter{Pending: !*all, Office: *office})
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(list)
	}
	e.showActions(list)
	return nil
}

func (e *env) showActions(list []*data.ImprovementAction) {
	f := report.NewFormat(e.lang)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "#\t%s\t%s\t%s\t%s\t%s\t\n", e.t("stats.col.action"), e.t("stats.col.owner"), e.t("stats.col.due"), e.t("stats.col.status"), e.t("stats.col.cases"))
	for _, a := range list {
		status := e.t(report.ActionStatusKeys[a.Status])
		if a.Overdue {
			status = "⚠ " + status + " (" + e.t("stats.action.overdue") + ")"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t\n", a.ID, cut(term(a.Title), 50), term(a.Owner), e.date(a.DueDate), status, f.Int(a.Cases))
	}
	tw.Flush()
}

func actionShow(e *env, args []string) error {
	fs := flag.NewFlagSet("action show", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	w, err := e.parse(fs, args, 1)
	if err != nil {
		return err
	}
	id, s, err := e.openAction(w[0])
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.Action(e.ctx, id)
	if err != nil {
		return err
	}
	cases, err := s.ActionCases(e.ctx, id, 0)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(struct {
			*data.ImprovementAction
			Linked []*data.Case `json:"linked_cases"`
		}{a, cases})
	}
	e.showActions([]*data.ImprovementAction{a})
	for _, l := range [][2]string{{"stats.col.cause", a.Cause}, {"field.description", a.Description}, {"stats.col.result", a.Result}} {
		if l[1] != "" {
			fmt.Fprintf(e.stdout, "%s: %s\n", e.t(l[0]), strings.Join(termLines(l[1]), "\n  "))
		}
	}
	if len(cases) > 0 {
		fmt.Fprintln(e.stdout)
		e.showList(cases, len(cases))
	}
	return nil
}

func actionSet(e *env, args []string) error {
	fs := flag.NewFlagSet("action set", flag.ContinueOnError)
	var ed data.ActionEdit
	vals := map[string]*string{}
	for _, name := range []string{"title", "owner", "due", "cause", "result", "description", "status"} {
		vals[name] = fs.String(name, "\x00", "")
	}
	w, err := e.parse(fs, args, 1)
	if err != nil {
		return err
	}
	id, err := actionID(w[0])
	if err != nil {
		return err
	}
	given := func(name string) *string {
		if v := vals[name]; *v != "\x00" {
			return v
		}
		return nil
	}
	ed.Title, ed.Owner, ed.DueDate, ed.Cause, ed.Result, ed.Description = given("title"), given("owner"), given("due"), given("cause"), given("result"), given("description")
	if st := given("status"); st != nil {
		v := data.ActionStatus(*st)
		ed.Status = &v
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	var a *data.ImprovementAction
	err = s.Update(e.ctx, func(tx *data.Tx) error {
		var err error
		a, err = tx.EditAction(id, ed)
		return err
	})
	if err != nil {
		return err
	}
	e.say("stats.cli.action_changed", "id", strconv.FormatInt(a.ID, 10), "status", e.t(report.ActionStatusKeys[a.Status]))
	return nil
}

func actionLink(e *env, args []string) error {
	fs := flag.NewFlagSet("action link", flag.ContinueOnError)
	category := fs.String("category", "", "")
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	w, err := e.words(fs, args)
	if err != nil {
		return err
	}
	if len(w) < 1 || len(w) == 1 && *category == "" {
		return &usageError{e.t("cli.bad_args", "want", "2", "have", strconv.Itoa(len(w)))}
	}
	id, s, err := e.openAction(w[0])
	if err != nil {
		return err
	}
	defer s.Close()
	linked := 0
	err = s.Update(e.ctx, func(tx *data.Tx) error {
		n, err := tx.LinkCases(id, w[1:]...)
		if err != nil {
			return err
		}
		linked = n
		if *category != "" {
			m, err := tx.LinkCategory(id, *category, *from, *to)
			linked += m
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.say("stats.cli.linked", "n", report.NewFormat(e.lang).Int(linked), "id", strconv.FormatInt(id, 10))
	return nil
}

func actionUnlink(e *env, args []string) error {
	fs := flag.NewFlagSet("action unlink", flag.ContinueOnError)
	w, err := e.parse(fs, args, 2)
	if err != nil {
		return err
	}
	id, s, err := e.openAction(w[0])
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Update(e.ctx, func(tx *data.Tx) error { return tx.UnlinkCase(id, w[1]) }); err != nil {
		return err
	}
	e.say("stats.cli.unlinked", "number", w[1], "id", strconv.FormatInt(id, 10))
	return nil
}

func cmdOutcome(e *env, args []string) error {
	fs := flag.NewFlagSet("outcome", flag.ContinueOnError)
	w, err := e.parse(fs, args, 2)
	if err != nil {
		return err
	}
	o := data.Outcome(w[1])
	if w[1] == "none" {
		o = ""
	}
	return e.change("", func(s *data.Store, _ time.Time) (*data.Case, error) { return s.SetOutcome(e.ctx, w[0], o) })
}

func cmdRetention(e *env, args []string) error {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	years := fs.Int("years", -1, "")
	run := fs.Bool("run", false, "")
	dry := fs.Bool("dry-run", false, "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if *run && *dry {
		return &usageError{e.t("cli.bad_flag", "detail", "--run --dry-run")}
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	if *years >= 0 {
		if err := s.Update(e.ctx, func(tx *data.Tx) error { return tx.SetRetentionYears(*years) }); err != nil {
			return err
		}
	}
	f := report.NewFormat(e.lang)
	if *run {
		n, err := s.ApplyRetention(e.ctx)
		if err != nil {
			return err
		}
		e.say("stats.cli.retention_done", "n", f.Int(n))
		return nil
	}
	y, err := s.RetentionYears(e.ctx)
	if err != nil {
		return err
	}
	due, err := s.RetentionDue(e.ctx, 0)
	if err != nil {
		return err
	}
	if y == 0 {
		e.say("stats.cli.retention_off")
	} else {
		e.say("stats.cli.retention_rule", "years", f.Int(y), "cutoff", e.date(data.RetentionCutoff(s.Now(), y)), "n", f.Int(len(due)))
	}
	if *dry {
		for _, id := range due {
			if c, err := s.Get(e.ctx, id); err == nil {
				fmt.Fprintln(e.stdout, c.Number)
			}
		}
	}
	return nil
}

// subjectFlags name the person of an access or erasure request.
type subjectFlags struct{ name, email, phone *string }

func addSubjectFlags(fs *flag.FlagSet) *subjectFlags {
	return &subjectFlags{name: fs.String("name", "", ""), email: fs.String("email", "", ""), phone: fs.String("phone", "", "")}
}

func (f *subjectFlags) subject(refs []string) data.Subject {
	return data.Subject{Name: *f.name, Email: *f.email, Phone: *f.phone, Refs: refs}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func cmdAccess(e *env, args []string) error {
	fs := flag.NewFlagSet("access", flag.ContinueOnError)
	sf := addSubjectFlags(fs)
	out := fs.String("out", "", "")
	refs, err := e.words(fs, args)
	if err != nil {
		return err
	}
	if err := e.required("out", *out); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.SubjectAccess(e.ctx, sf.subject(refs))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return &data.Problem{Key: "err.export", Args: map[string]string{"path": *out}, Err: err}
	}
	who := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(*sf.email+" "+*sf.name+" "+*sf.phone), "-"), "-")
	if who == "" {
		who = "cases"
	}
	base := filepath.Join(*out, "access-"+data.Today(rep.Made)+"-"+who)
	err = writeOut(base+".json", func(w io.Writer) error {
		b, err := jsonIndent(rep)
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := writeOut(base+".pdf", func(w io.Writer) error { return report.SubjectAccess(w, rep, e.lang) }); err != nil {
		return err
	}
	e.say("stats.cli.access_done", "n", report.NewFormat(e.lang).Int(len(rep.Cases)), "json", base+".json", "pdf", base+".pdf")
	return nil
}

func jsonIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}

func cmdErase(e *env, args []string) error {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	note := fs.String("note", "", "")
	refs, err := e.words(fs, args)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		return &usageError{e.t("cli.bad_args", "want", "1", "have", "0")}
	}
	if err := e.required("note", *note); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	// Erase also rewrites the register so that nothing of the data stays in the file;
	// when only that rewrite fails, the cases are erased all the same and are named
	// before the error, which says the rewrite is still owed.
	cases, err := s.Erase(e.ctx, refs, *note)
	if len(cases) == 0 {
		return err
	}
	var numbers []string
	for _, c := range cases {
		numbers = append(numbers, c.Number)
	}
	key := "stats.cli.erased"
	if len(cases) == 1 {
		key = "stats.cli.erased_one" // "1 pratiche" is not Italian, nor "1 Vorgängen" German
	}
	e.say(key, "n", report.NewFormat(e.lang).Int(len(cases)), "numbers", strings.Join(numbers, ", "))
	return err
}
