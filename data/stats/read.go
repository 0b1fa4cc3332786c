package stats

import (
	"context"
	"database/sql"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"ascolto/data"
	"ascolto/data/deadline"
)

// Compute brings the figures up to date (Refresh) and reads the indicators of the cases
// q selects.
func Compute(ctx context.Context, s *data.Store, q Query) (*Indicators, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	if err := Refresh(ctx, s, nil); err != nil {
		return nil, err
	}
	return Read(ctx, s, q)
}

func (q *Query) check() error {
	for _, d := range []string{q.From, q.To} {
		if _, ok := parseDay(d); d != "" && (!ok || len(d) != 10) {
			return data.Problemf("err.date", "value", d)
		}
	}
	if q.From != "" && q.To != "" && q.From > q.To {
		return data.Problemf("stats.period", "from", q.From, "to", q.To)
	}
	for _, k := range q.Kinds {
		if !k.Valid() {
			return data.Problemf("err.kind", "kind", string(k))
		}
	}
	for _, c := range q.Channels {
		if !c.Valid() {
			return data.Problemf("err.channel", "channel", string(c))
		}
	}
	for _, l := range q.Languages {
		if !l.Valid() {
			return data.Problemf("err.language", "language", string(l))
		}
	}
	return nil
}

// codebook is the text values of the packed dimensions, both ways.
type codebook struct {
	values map[string][]string       // dim → code → value
	codes  map[string]map[string]int // dim → value → code
}

func loadCodebook(ctx context.Context, s *data.Store) (*codebook, error) {
	cb := &codebook{values: map[string][]string{}, codes: map[string]map[string]int{}}
	rows, err := s.DB().QueryContext(ctx, `SELECT dim, code, value FROM figure_codes`)
	if err != nil {
		return nil, &data.Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	for rows.Next() {
		var dim, value string
		var code int
		if err := rows.Scan(&dim, &code, &value); err != nil {
			return nil, &data.Problem{Key: "err.read", Err: err}
		}
		v := cb.values[dim]
		for len(v) <= code {
			v = append(v, "")
		}
		v[code] = value
		cb.values[dim] = v
		if cb.codes[dim] == nil {
			cb.codes[dim] = map[string]int{}
		}
		cb.codes[dim][value] = code
	}
	return cb, rows.Err()
}

func (cb *codebook) value(dim string, code int) string {
	if v := cb.values[dim]; code > 0 && code < len(v) {
		return v[code]
	}
	return NoValue
}

// allow is a set of codes a filter admits; nil admits all.
type allow []bool

func (a allow) has(code int) bool { return a == nil || code < len(a) && a[code] }

func allowCodes(codes []int) allow {
	a := allow{}
	for _, c := range codes {
		for len(a) <= c {
			a = append(a, false)
		}
		a[c] = true
	}
	return a
}

func allowList[T comparable](vals []T, code func(T) int) allow {
	if len(vals) == 0 {
		return nil
	}
	var codes []int
	for _, v := range vals {
		codes = append(codes, code(v))
	}
	return allowCodes(codes)
}

func allowText(cb *codebook, dim string, vals []string) allow {
	if len(vals) == 0 {
		return nil
	}
	// A value the register never saw admits nothing: an empty set, not nil.
	a := allow{}
	for _, v := range vals {
		if dim == "office" {
			v = strings.ToUpper(v)
		}
		if c, ok := cb.codes[dim][strings.TrimSpace(v)]; ok {
			for len(a) <= c {
				a = append(a, false)
			}
			a[c] = true
		}
	}
	return a
}

// filter is a Query as code sets.
type filter struct {
	office, kind, channel, lang, category, service allow
}

func (f *filter) admits(d dims) bool {
	return f.office.has(d.office) && f.kind.has(d.kind) && f.channel.has(d.channel) && f.lang.has(d.lang) &&
		f.category.has(d.category) && f.service.has(d.service)
}

// Read computes the indicators from case_figures as they stand (see Refresh): one pass
// over the period's rows in the order of the primary key.
func Read(ctx context.Context, s *data.Store, q Query) (*Indicators, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	cb, err := loadCodebook(ctx, s)
	if err != nil {
		return nil, err
	}
	f := &filter{office: allowText(cb, "office", q.Offices), category: allowText(cb, "category", q.Categories),
		service: allowText(cb, "service", q.Services), kind: allowList(q.Kinds, kindCode),
		channel: allowList(q.Channels, channelCode), lang: allowList(q.Languages, langCode)}
	today := data.Today(s.Now())
	from, to := -1<<40, 1<<40
	if d, ok := parseDay(q.From); ok {
		from = d
	}
	if d, ok := parseDay(q.To); ok {
		to = d
	}
	t, err := scanParts(ctx, s, f, from, to, mustDay(today))
	if err != nil {
		return nil, err
	}
	if q.From != "" {
		t.firstMonth = monthOf(from)
	}
	if q.To != "" {
		t.lastMonth = monthOf(min(to, t.today))
	}
	return t.finish(s, cb, q, today)
}

// maxParts bounds how many connections read a period at once.
const maxParts = 4

// scanParts reads the period in parts of equal length, each on its own connection and
// processor, and adds their tallies up: a million cases take half the time on two cores.
// Parts are ranges of days, so no case is read twice.
func scanParts(ctx context.Context, s *data.Store, f *filter, from, to, today int) (*tally, error) {
	var lo, hi sql.NullInt64
	if err := s.DB().QueryRowContext(ctx, `SELECT min(day), max(day) FROM case_figures WHERE day BETWEEN ? AND ?`, from, to).Scan(&lo, &hi); err != nil {
		return nil, &data.Problem{Key: "err.read", Err: err}
	}
	t := newTally(today)
	if !lo.Valid {
		return t, nil
	}
	parts := min(runtime.GOMAXPROCS(0), maxParts, int(hi.Int64-lo.Int64)/30+1)
	span := (int(hi.Int64-lo.Int64) + parts) / parts
	tallies := make([]*tally, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		a := int(lo.Int64) + i*span
		b := min(a+span-1, int(hi.Int64))
		wg.Go(func() { tallies[i], errs[i] = scan(ctx, s, f, a, b, today) })
	}
	wg.Wait()
	for i := range parts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		t.merge(tallies[i])
	}
	return t, nil
}

// scan tallies the figures of the days from a to b.
func scan(ctx context.Context, s *data.Store, f *filter, a, b, today int) (*tally, error) {
	t := newTally(today)
	rows, err := s.DB().QueryContext(ctx, `SELECT day, dims, times FROM case_figures WHERE day BETWEEN ? AND ?`, a, b)
	if err != nil {
		return nil, &data.Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var day int
	var dv, tv int64
	for rows.Next() {
		if err := rows.Scan(&day, &dv, &tv); err != nil {
			return nil, &data.Problem{Key: "err.read", Err: err}
		}
		d := unpackDims(dv)
		if f.admits(d) {
			t.add(day, d, unpackTimes(tv))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, &data.Problem{Key: "err.read", Err: err}
	}
	return t, nil
}

func mustDay(s string) int {
	d, _ := parseDay(s)
	return d
}

// monthOf is a day's month as year*12 + month-1.
func monthOf(day int) int {
	y, m, _ := time.Unix(int64(day)*86400, 0).UTC().Date()
	return y*12 + int(m) - 1
}

func monthKey(m int) string {
	return time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// acc accumulates the figures of one group.
type acc struct {
	total, answered, onTime, open, overdue, satN, satSum int
	reply                                                hist
	kinds                                                [8]int
}

func (a *acc) add(d dims, t times, open, overdue bool) {
	a.total++
	a.kinds[d.kind]++
	if t.reply != none {
		a.answered++
		a.reply.add(t.reply)
		if t.onTime {
			a.onTime++
		}
	}
	if open {
		a.open++
	}
	if overdue {
		a.overdue++
	}
	if d.satisfaction > 0 {
		a.satN++
		a.satSum += d.satisfaction
	}
}

func (a *acc) merge(o *acc) {
	a.total += o.total
	a.answered += o.answered
	a.onTime += o.onTime
	a.open += o.open
	a.overdue += o.overdue
	a.satN += o.satN
	a.satSum += o.satSum
	a.reply.merge(o.reply)
	for i, n := range o.kinds {
		a.kinds[i] += n
	}
}

func (a *acc) group(key string, withKinds bool) Group {
	tm := a.reply.times()
	g := Group{Key: key, Total: a.total, Answered: a.answered, AnsweredOnTime: a.onTime, OnTimeRate: ratio(a.onTime, a.answered),
		MedianReply: tm.Median, P90Reply: tm.P90, MeanReply: tm.Mean, Open: a.open, Overdue: a.overdue,
		SatisfactionMean: ratio(a.satSum, a.satN)}
	if withKinds {
		g.ByKind = map[string]int{}
		for i, k := range data.Kinds {
			g.ByKind[string(k)] = a.kinds[i+1]
		}
	}
	return g
}

// openCase is what the ages of open cases need (the calendar comes at the end).
type openCase struct {
	day, office      int
	waiting, overdue bool
}

// tally is one pass over the figures.
type tally struct {
	today                 int
	all                   acc
	status                [8]int
	outcome               [16]int
	sat                   [6]int
	first, handling, clos hist
	waited                hist
	waitedDays, waitNow   int
	groups                [6][]*acc // office, kind, channel, language, category, service by code
	months                map[int]*acc
	firstMonth, lastMonth int
	lastDay, lastMonthIdx int
	lastMonthAcc          *acc
	open                  []openCase
}

var groupDims = [6]string{DimOffice, DimKind, DimChannel, DimLanguage, DimCategory, DimService}

func newTally(today int) *tally {
	return &tally{today: today, months: map[int]*acc{}, firstMonth: 1 << 30, lastMonth: -1, lastDay: -1 << 40}
}

func (t *tally) groupAcc(g, code int) *acc {
	s := t.groups[g]
	if code >= len(s) {
		s = append(s, make([]*acc, code+1-len(s))...)
		t.groups[g] = s
	}
	if s[code] == nil {
		s[code] = &acc{}
	}
	return s[code]
}

func (t *tally) add(day int, d dims, tm times) {
	st := data.Status("")
	if d.status > 0 && d.status <= len(data.Statuses) {
		st = data.Statuses[d.status-1]
	}
	open := st == data.StatusReceived || st == data.StatusInProgress || st == data.StatusWaiting
	overdue := st.Open() && day+tm.due < t.today
	t.all.add(d, tm, open, overdue)
	for g, code := range [6]int{d.office, d.kind, d.channel, d.lang, d.category, d.service} {
		t.groupAcc(g, code).add(d, tm, open, overdue)
	}
	if day != t.lastDay {
		t.lastDay = day
		t.lastMonthIdx = monthOf(day)
		t.lastMonthAcc = t.months[t.lastMonthIdx]
		if t.lastMonthAcc == nil {
			t.lastMonthAcc = &acc{}
			t.months[t.lastMonthIdx] = t.lastMonthAcc
		}
		t.firstMonth = min(t.firstMonth, t.lastMonthIdx)
		t.lastMonth = max(t.lastMonth, t.lastMonthIdx)
	}
	t.lastMonthAcc.add(d, tm, open, overdue)
	t.status[d.status]++
	t.outcome[d.outcome]++
	t.sat[d.satisfaction]++
	if tm.first != none {
		t.first.add(tm.first)
		if tm.reply != none {
			t.handling.add(max(0, tm.reply-tm.first))
		}
	}
	if tm.close != none {
		t.clos.add(tm.close)
	}
	if tm.waited > 0 {
		t.waited.add(tm.waited)
		t.waitedDays += tm.waited
	}
	if st == data.StatusWaiting {
		t.waitNow++
	}
	if open {
		t.open = append(t.open, openCase{day: day, office: d.office, waiting: st == data.StatusWaiting, overdue: overdue})
	}
}

// merge adds another part's tally to t.
func (t *tally) merge(o *tally) {
	t.all.merge(&o.all)
	for i := range o.status {
		t.status[i] += o.status[i]
	}
	for i := range o.outcome {
		t.outcome[i] += o.outcome[i]
	}
	for i := range o.sat {
		t.sat[i] += o.sat[i]
	}
	t.first.merge(o.first)
	t.handling.merge(o.handling)
	t.clos.merge(o.clos)
	t.waited.merge(o.waited)
	t.waitedDays += o.waitedDays
	t.waitNow += o.waitNow
	for g := range o.groups {
		for code, a := range o.groups[g] {
			if a != nil {
				t.groupAcc(g, code).merge(a)
			}
		}
	}
	for m, a := range o.months {
		if t.months[m] == nil {
			t.months[m] = &acc{}
		}
		t.months[m].merge(a)
	}
	t.firstMonth = min(t.firstMonth, o.firstMonth)
	t.lastMonth = max(t.lastMonth, o.lastMonth)
	t.open = append(t.open, o.open...)
}

// finish turns the tally into Indicators.
func (t *tally) finish(s *data.Store, cb *codebook, q Query, today string) (*Indicators, error) {
	a := &t.all
	rt := a.reply.times()
	in := &Indicators{Query: q, Today: today, Total: a.total, Answered: a.answered, AnsweredOnTime: a.onTime,
		OnTimeRate: ratio(a.onTime, a.answered), MedianReply: rt.Median, P90Reply: rt.P90, MeanReply: rt.Mean,
		Open: a.open, WaitingNow: t.waitNow, Overdue: a.overdue, Closed: t.status[statusCode(data.StatusClosed)],
		ByKind: map[string]int{}, ByChannel: map[string]int{}, ByOffice: map[string]int{}, ByLanguage: map[string]int{},
		ByStatus: map[string]int{}, ByOutcome: map[string]int{}, Groups: map[string][]Group{}}
	for i, k := range data.Kinds {
		in.ByKind[string(k)] = t.groupCount(1, i+1)
	}
	for i, c := range data.Channels {
		in.ByChannel[string(c)] = t.groupCount(2, i+1)
	}
	for i, l := range data.Languages {
		in.ByLanguage[string(l)] = t.groupCount(3, i+1)
	}
	if n := t.groupCount(3, 0); n > 0 {
		in.ByLanguage[NoValue] = n
	}
	for code, g := range t.groups[0] {
		if g != nil {
			in.ByOffice[cb.value("office", code)] = g.total
		}
	}
	for i, st := range data.Statuses {
		in.ByStatus[string(st)] = t.status[i+1]
	}
	for i, o := range data.Outcomes {
		in.ByOutcome[string(o)] = t.outcome[i+1]
	}
	in.ByOutcome[NoValue] = t.outcome[0]

	in.Phases = Phases{FirstAction: t.first.times(), Handling: t.handling.times(), Reply: rt, Closure: t.clos.times(),
		Waiting: Waiting{Times: t.waited.times(), Days: t.waitedDays, Now: t.waitNow}}
	in.ReplyDistribution = []DayCount{}
	for d, n := range a.reply {
		in.ReplyDistribution = append(in.ReplyDistribution, DayCount{Days: d, Cases: n})
	}
	in.Satisfaction = satisfaction(t.sat)
	ages, err := t.ages(s, cb)
	if err != nil {
		return nil, err
	}
	in.OpenByAge = ages

	in.Months = []Group{}
	for m := t.firstMonth; m <= t.lastMonth; m++ {
		g := t.months[m]
		if g == nil {
			g = &acc{}
		}
		in.Months = append(in.Months, g.group(monthKey(m), true))
	}
	for gi, dim := range groupDims {
		list := []Group{}
		for code, g := range t.groups[gi] {
			if g == nil {
				continue
			}
			list = append(list, g.group(t.keyOf(cb, gi, code), false))
		}
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Total != list[j].Total {
				return list[i].Total > list[j].Total
			}
			return list[i].Key < list[j].Key
		})
		in.Groups[dim] = list
	}
	return in, nil
}

func (t *tally) groupCount(g, code int) int {
	if code < len(t.groups[g]) && t.groups[g][code] != nil {
		return t.groups[g][code].total
	}
	return 0
}

// keyOf is the key of a group: the value of package data for closed lists, the text
// for offices, categories and services, NoValue for none.
func (t *tally) keyOf(cb *codebook, g, code int) string {
	if code == 0 {
		return NoValue
	}
	switch g {
	case 1:
		return string(data.Kinds[code-1])
	case 2:
		return string(data.Channels[code-1])
	case 3:
		return string(data.Languages[code-1])
	}
	return cb.value(groupDims[g], code)
}

func satisfaction(sat [6]int) Satisfaction {
	s := Satisfaction{Scores: map[string]int{}, Faces: map[string]int{"unhappy": sat[1] + sat[2], "neutral": sat[3], "happy": sat[4] + sat[5]}}
	sum := 0
	for v := 1; v <= 5; v++ {
		s.Scores[strconv.Itoa(v)] = sat[v]
		s.Rated += sat[v]
		sum += v * sat[v]
	}
	s.Mean = ratio(sum, s.Rated)
	s.Satisfied = ratio(sat[4]+sat[5], s.Rated)
	return s
}

// ages sorts the open cases into age buckets: working days since receipt up to today on
// the office's calendar.
func (t *tally) ages(s *data.Store, cb *codebook) ([]AgeBucket, error) {
	out := make([]AgeBucket, len(ageBuckets))
	for i, b := range ageBuckets {
		out[i].From = b[0]
		if b[1] >= 0 {
			to := b[1]
			out[i].To = &to
		}
	}
	cals := map[int]*deadline.Calendar{}
	type key struct{ office, day int }
	memo := map[key]int{}
	today := date(t.today)
	for _, c := range t.open {
		age, ok := memo[key{c.office, c.day}]
		if !ok {
			cal, seen := cals[c.office]
			if !seen {
				var err error
				if cal, err = s.Calendar(cb.value("office", c.office)); err != nil {
					return nil, &data.Problem{Key: "err.read", Err: err}
				}
				cals[c.office] = cal
			}
			age = cal.WorkdaysBetween(date(c.day), today)
			memo[key{c.office, c.day}] = age
		}
		for i, b := range ageBuckets {
			if age >= b[0] && (b[1] < 0 || age <= b[1]) {
				out[i].Cases++
				if c.waiting {
					out[i].Waiting++
				}
				if c.overdue {
					out[i].Overdue++
				}
				break
			}
		}
	}
	return out, nil
}
