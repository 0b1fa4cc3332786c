package benchmarking

import (
	"sort"

	"ascolto/data"
)

// Measure says how a row's values read: a count, a rate (0..1) or working days.
type Measure int

const (
	Count Measure = iota
	Rate
	Days
	Score // satisfaction, 1..5
)

// Row is one indicator across the files compared. Label is a translation key; Of, if
// set, is the translation key of what the row is about (a kind, a channel) or a month
// (YYYY-MM). Values follow the files' order; nil where a file has no value (nothing
// measured, a suppressed cell).
type Row struct {
	Label   string     `json:"label"`
	Of      string     `json:"of,omitempty"`
	Measure Measure    `json:"measure"`
	Values  []*float64 `json:"values"`
}

// Comparison puts the indicators of several files side by side.
type Comparison struct {
	Files []*File `json:"files"`
	Rows  []Row   `json:"rows"`
}

func num(n int) *float64 { v := float64(n); return &v }

func numPtr(n *int) *float64 {
	if n == nil {
		return nil
	}
	return num(*n)
}

// Compare lines up the files' indicators: the headline figures first, then each kind
// and each channel any file has (on-time rate and volume).
func Compare(files []*File) *Comparison {
	c := &Comparison{Files: files}
	row := func(label, of string, m Measure, value func(*File) *float64) {
		r := Row{Label: label, Of: of, Measure: m}
		for _, f := range files {
			r.Values = append(r.Values, value(f))
		}
		c.Rows = append(c.Rows, r)
	}
	row("stats.total", "", Count, func(f *File) *float64 { return num(f.Indicators.Total) })
	row("stats.answered", "", Count, func(f *File) *float64 { return num(f.Indicators.Answered) })
	row("stats.on_time_rate", "", Rate, func(f *File) *float64 { return f.Indicators.OnTimeRate })
	row("stats.median_reply", "", Days, func(f *File) *float64 { return f.Indicators.MedianReply })
	row("stats.p90_reply", "", Days, func(f *File) *float64 { return f.Indicators.P90Reply })
	row("stats.mean_reply", "", Days, func(f *File) *float64 { return f.Indicators.MeanReply })
	row("stats.median_first_action", "", Days, func(f *File) *float64 { return f.Indicators.MedianFirst })
	row("stats.median_closure", "", Days, func(f *File) *float64 { return f.Indicators.MedianClosure })
	row("stats.open", "", Count, func(f *File) *float64 { return num(f.Indicators.Open) })
	row("stats.overdue", "", Count, func(f *File) *float64 { return num(f.Indicators.Overdue) })
	row("stats.waited_cases", "", Count, func(f *File) *float64 { return num(f.Indicators.WaitedCases) })
	row("stats.satisfaction_mean", "", Score, func(f *File) *float64 { return f.Indicators.Satisfaction })
	row("stats.satisfied_rate", "", Rate, func(f *File) *float64 { return f.Indicators.SatisfiedRate })
	for _, k := range union(files, func(f *File) map[string]Cell { return f.ByKind }, kindOrder) {
		row("stats.on_time_rate", "kind."+k, Rate, func(f *File) *float64 { return f.ByKind[k].OnTimeRate })
		row("stats.total", "kind."+k, Count, func(f *File) *float64 { return numPtr(f.ByKind[k].Total) })
	}
	for _, ch := range union(files, func(f *File) map[string]Cell { return f.ByChannel }, channelOrder) {
		row("stats.total", "channel."+ch, Count, func(f *File) *float64 { return numPtr(f.ByChannel[ch].Total) })
	}
	return c
}

var (
	kindOrder    = order(data.Kinds)
	channelOrder = order(data.Channels)
)

func order[T ~string](all []T) map[string]int {
	m := map[string]int{}
	for i, v := range all {
		m[string(v)] = i
	}
	return m
}

// union lists the keys any file has, known ones in their usual order; keys this program
// does not know (a newer kind) are left out, since they could not be named.
func union(files []*File, pick func(*File) map[string]Cell, known map[string]int) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		for k := range pick(f) {
			if _, ok := known[k]; ok && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return known[out[i]] < known[out[j]] })
	return out
}
