package stats

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"ascolto/data"
)

func f(v float64) *float64 { return &v }

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

func show(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func checkTimes(t *testing.T, what string, got Times, n int, median, p90, mean *float64) {
	t.Helper()
	if got.Cases != n || !sameFloat(got.Median, median) || !sameFloat(got.P90, p90) || !sameFloat(got.Mean, mean) {
		t.Errorf("%s: got n=%d median=%v p90=%v mean=%v, want n=%d median=%v p90=%v mean=%v", what,
			got.Cases, show(got.Median), show(got.P90), show(got.Mean), n, show(median), show(p90), show(mean))
	}
}

// TestIndicatorsOfTheHandMadeRegister compares every indicator with the figures worked
// out by hand beside handCases.
func TestIndicatorsOfTheHandMadeRegister(t *testing.T) {
	s, _, _ := handRegister(t)
	ctx := context.Background()
	in, err := Compute(ctx, s, Query{From: "2026-01-01", To: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	counts := []struct {
		name      string
		got, want int
	}{
		{"total", in.Total, 10}, {"answered", in.Answered, 7}, {"answered on time", in.AnsweredOnTime, 5},
		{"open", in.Open, 3}, {"waiting", in.WaitingNow, 1}, {"overdue", in.Overdue, 1}, {"closed", in.Closed, 2},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	// Reply times 0, 1, 2, 3, 3, 4, 5: median the 4th (3), p90 the 7th (5), mean 18/7.
	if !sameFloat(in.OnTimeRate, f(5.0/7)) || !sameFloat(in.MedianReply, f(3)) || !sameFloat(in.P90Reply, f(5)) || !sameFloat(in.MeanReply, f(18.0/7)) {
		t.Errorf("on time %v, median %v, p90 %v, mean %v", show(in.OnTimeRate), show(in.MedianReply), show(in.P90Reply), show(in.MeanReply))
	}
	wantMaps := map[string][2]map[string]int{
		"by_kind":     {in.ByKind, {"request": 4, "complaint": 3, "praise": 1, "report": 1, "suggestion": 1, "proposal": 0}},
		"by_channel":  {in.ByChannel, {"counter": 4, "email": 4, "phone": 1, "letter": 1, "pec": 0, "other": 0}},
		"by_office":   {in.ByOffice, {"BZ": 9, "EGNA": 1}},
		"by_language": {in.ByLanguage, {"it": 5, "de": 4, NoValue: 1}},
		"by_status":   {in.ByStatus, {"received": 1, "in_progress": 1, "waiting": 1, "answered": 5, "closed": 2}},
		"by_outcome":  {in.ByOutcome, {"granted": 1, "rejected": 1, NoValue: 8, "partly_granted": 0, "informed": 0, "forwarded": 0, "acknowledged": 0}},
	}
	for name, m := range wantMaps {
		if !reflect.DeepEqual(m[0], m[1]) {
			t.Errorf("%s = %v, want %v", name, m[0], m[1])
		}
	}
	// First action 0, 0, 0, 1, 2, 2, 3, 3, 4 (C5 has none); handling 0 ×6 and 3 (C3);
	// closure 2 and 1; waiting: C3 waited 3 days, C7 waits now.
	checkTimes(t, "receipt to first action", in.Phases.FirstAction, 9, f(2), f(4), f(15.0/9))
	checkTimes(t, "first action to reply", in.Phases.Handling, 7, f(0), f(3), f(3.0/7))
	checkTimes(t, "receipt to reply", in.Phases.Reply, 7, f(3), f(5), f(18.0/7))
	checkTimes(t, "reply to closed", in.Phases.Closure, 2, f(1.5), f(2), f(1.5))
	checkTimes(t, "waiting", in.Phases.Waiting.Times, 1, f(3), f(3), f(3))
	if in.Phases.Waiting.Days != 3 || in.Phases.Waiting.Now != 1 {
		t.Errorf("waiting days %d, now %d", in.Phases.Waiting.Days, in.Phases.Waiting.Now)
	}
	wantDist := []DayCount{{0, 1}, {1, 1}, {2, 1}, {3, 2}, {4, 1}, {5, 1}}
	if !reflect.DeepEqual(in.ReplyDistribution, wantDist) {
		t.Errorf("reply distribution %v, want %v", in.ReplyDistribution, wantDist)
	}
	// C6 is 1 working day old, C5 8 (overdue), C7 9 (waiting).
	ages := [][3]int{}
	for _, b := range in.OpenByAge {
		ages = append(ages, [3]int{b.Cases, b.Waiting, b.Overdue})
	}
	if want := [][3]int{{1, 0, 0}, {0, 0, 0}, {2, 1, 1}, {0, 0, 0}, {0, 0, 0}}; !reflect.DeepEqual(ages, want) {
		t.Errorf("open by age %v, want %v", ages, want)
	}
	sat := in.Satisfaction
	if sat.Rated != 3 || !sameFloat(sat.Mean, f(11.0/3)) || !sameFloat(sat.Satisfied, f(2.0/3)) ||
		!reflect.DeepEqual(sat.Faces, map[string]int{"unhappy": 1, "neutral": 0, "happy": 2}) || sat.Scores["2"] != 1 || sat.Scores["4"] != 1 || sat.Scores["5"] != 1 {
		t.Errorf("satisfaction %+v", sat)
	}
	var months []string
	var totals []int
	for _, m := range in.Months {
		months = append(months, m.Key)
		totals = append(totals, m.Total)
	}
	if !reflect.DeepEqual(months, []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}) || !reflect.DeepEqual(totals, []int{1, 0, 0, 3, 2, 4}) {
		t.Errorf("months %v %v", months, totals)
	}
	// April: C1 and C8 on time, C9 late.
	if apr := in.Months[3]; apr.Answered != 3 || apr.AnsweredOnTime != 2 || apr.ByKind["request"] != 2 || apr.ByKind["complaint"] != 1 {
		t.Errorf("April %+v", apr)
	}
	if g := in.Group(DimCategory, "tempi di attesa"); g == nil || g.Total != 3 || g.AnsweredOnTime != 1 || !sameFloat(g.MedianReply, f(4)) {
		t.Errorf("category tempi di attesa: %+v", g)
	}
	if g := in.Group(DimOffice, "EGNA"); g == nil || g.Total != 1 || g.AnsweredOnTime != 0 || !sameFloat(g.P90Reply, f(4)) {
		t.Errorf("office EGNA: %+v", g)
	}
}

// TestFilters: an office, a kind, a language, a category, a period.
func TestFilters(t *testing.T) {
	s, _, _ := handRegister(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name                    string
		q                       Query
		total, answered, onTime int
		median, p90             *float64
	}{
		// Bolzano: replies 2, 3, 5, 0, 3, 1 → 0 1 2 3 3 5: median (2+3)/2, p90 the 6th.
		{"office", Query{Offices: []string{"bz"}}, 9, 6, 5, f(2.5), f(5)},
		{"kind", Query{Kinds: []data.Kind{data.KindComplaint}}, 3, 3, 1, f(4), f(5)},
		{"language", Query{Languages: []data.Language{data.German}}, 4, 3, 1, f(4), f(5)},
		{"category", Query{Categories: []string{"certificati"}}, 3, 2, 2, f(2.5), f(3)},
		{"unknown category", Query{Categories: []string{"nessuna"}}, 0, 0, 0, nil, nil},
		{"April", Query{From: "2026-04-01", To: "2026-04-30"}, 3, 3, 2, f(3), f(4)},
		{"channel and period", Query{From: "2026-05-01", Channels: []data.Channel{data.ChannelCounter}}, 2, 1, 0, f(5), f(5)},
	} {
		in, err := Compute(ctx, s, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if in.Total != tc.total || in.Answered != tc.answered || in.AnsweredOnTime != tc.onTime ||
			!sameFloat(in.MedianReply, tc.median) || !sameFloat(in.P90Reply, tc.p90) {
			t.Errorf("%s: total %d answered %d on time %d median %v p90 %v", tc.name, in.Total, in.Answered,
				in.AnsweredOnTime, show(in.MedianReply), show(in.P90Reply))
		}
	}
	for _, q := range []Query{{From: "2026-02-30"}, {From: "2026-05-01", To: "2026-04-01"}, {Kinds: []data.Kind{"grumble"}}} {
		if _, err := Compute(ctx, s, q); err == nil {
			t.Errorf("%+v accepted", q)
		}
	}
}

// TestRefreshFollowsChanges: a change of a case and a new closure day reach the
// figures; nothing is written when nothing changed.
func TestRefreshFollowsChanges(t *testing.T) {
	s, clock, numbers := handRegister(t)
	ctx := context.Background()
	april2 := Query{From: "2026-04-02", To: "2026-04-02"}
	in, err := Compute(ctx, s, april2)
	if err != nil {
		t.Fatal(err)
	}
	if !sameFloat(in.MedianReply, f(2)) {
		t.Fatalf("C1 took %v days", show(in.MedianReply))
	}
	// A closure on Friday 3 April, recorded afterwards: C1 took one working day.
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.AddClosure("BZ", "2026-04-03", "") }); err != nil {
		t.Fatal(err)
	}
	if in, _ = Compute(ctx, s, april2); !sameFloat(in.MedianReply, f(1)) || in.AnsweredOnTime != 1 {
		t.Errorf("after the closure C1 took %v days", show(in.MedianReply))
	}
	// C5 is answered today: it leaves the open and overdue cases.
	clock.set(at(handToday))
	if _, err := s.Reply(ctx, numbers[4], "Gentile cittadino, …", data.German, at(handToday)); err != nil {
		t.Fatal(err)
	}
	if in, _ = Compute(ctx, s, Query{}); in.Overdue != 0 || in.Open != 2 || in.Answered != 8 {
		t.Errorf("after replying to C5: overdue %d open %d answered %d", in.Overdue, in.Open, in.Answered)
	}
	var mark1, mark2 string
	s.DB().QueryRow(`SELECT value FROM meta WHERE key = 'figures_audit_seq'`).Scan(&mark1)
	if err := Refresh(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	s.DB().QueryRow(`SELECT value FROM meta WHERE key = 'figures_audit_seq'`).Scan(&mark2)
	var tip string
	s.DB().QueryRow(`SELECT max(seq) FROM audit`).Scan(&tip)
	if mark1 != tip || mark2 != tip {
		t.Errorf("mark %s then %s, audit ends at %s", mark1, mark2, tip)
	}
	// Rebuilding from scratch gives the same figures as following the changes.
	before, _ := Compute(ctx, s, Query{})
	if _, err := s.DB().Exec(`DELETE FROM meta WHERE key = 'figures_audit_seq'`); err != nil {
		t.Fatal(err)
	}
	after, err := Compute(ctx, s, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, before), mustJSON(t, after); a != b {
		t.Errorf("rebuilt figures differ:\n%s\n%s", a, b)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEmptyRegister: no cases, no division by zero, nulls where nothing was measured.
func TestEmptyRegister(t *testing.T) {
	clock := &handClock{t: at(handToday)}
	s, err := data.Create(t.TempDir()+"/r.ascolto", data.Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, data.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in, err := Compute(context.Background(), s, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if in.Total != 0 || in.OnTimeRate != nil || in.MedianReply != nil || len(in.Months) != 0 {
		t.Errorf("empty register: %+v", in)
	}
	b := mustJSON(t, in)
	for _, field := range []string{`"total":0`, `"on_time_rate":null`, `"median_reply_working_days":null`, `"by_kind":{`} {
		if !strings.Contains(b, field) {
			t.Errorf("JSON lacks %s: %s", field, b)
		}
	}
}

func TestPacking(t *testing.T) {
	d := dims{office: 4095, kind: 6, channel: 6, lang: 2, status: 5, satisfaction: 5, outcome: 6, category: 65535, service: 4095}
	if got := unpackDims(d.pack()); got != d {
		t.Errorf("dims %+v → %+v", d, got)
	}
	tm := times{due: 4094, reply: none, first: 0, close: 17, waited: 4094, onTime: true}
	if got := unpackTimes(tm.pack()); got != tm {
		t.Errorf("times %+v → %+v", tm, got)
	}
	if got := unpackTimes(times{reply: 99999, first: none, close: none}.pack()); got.reply != none-1 || got.first != none {
		t.Errorf("clamping: %+v", got)
	}
}

func TestPercentiles(t *testing.T) {
	for _, tc := range []struct {
		values            []int
		median, p90, mean float64
	}{
		{[]int{7}, 7, 7, 7},
		{[]int{1, 2}, 1.5, 2, 1.5},
		{[]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 10}, 0, 0, 1},      // rank ⌈9⌉ = 9: still 0
		{[]int{0, 0, 0, 0, 0, 0, 0, 0, 10, 10}, 0, 10, 2},    // rank 9 is the first 10
		{[]int{5, 1, 3, 2, 4, 6, 8, 7, 9, 10, 11}, 6, 10, 6}, // rank ⌈9.9⌉ = 10
	} {
		var h hist
		for _, v := range tc.values {
			h.add(v)
		}
		tm := h.times()
		if *tm.Median != tc.median || *tm.P90 != tc.p90 || *tm.Mean != tc.mean {
			t.Errorf("%v: median %v p90 %v mean %v", tc.values, *tm.Median, *tm.P90, *tm.Mean)
		}
	}
}
