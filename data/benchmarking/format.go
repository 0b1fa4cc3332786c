// Package benchmarking is the file offices and municipalities exchange to compare their
// quality indicators (the benchmarking club): an anonymised aggregate of one office over
// one period, and the loader that puts several of them side by side.
//
// The format is JSON, named "ascolto-benchmark", with a version. It holds counts,
// rates and working days only — no case, no name, no text a citizen wrote, no
// category or service (their names are each office's own and could point at people in
// a small office). A breakdown cell of fewer than MinCell cases is suppressed: its
// figures are left out and "suppressed" is true, so that a single complaint cannot be
// read from a table. The version changes only when a reader of the old version would
// misread a new file; fields may be added within a version, and readers ignore fields
// they do not know. The format is documented in docs/indicators.md.
package benchmarking

// Format names the file format; Version is the one this program writes and the newest
// it reads.
const (
	Format  = "ascolto-benchmark"
	Version = 1
)

// MinCell is the smallest number of cases a breakdown cell shows.
const MinCell = 5

// File is one office's indicators for one period.
type File struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	Generator string `json:"generator"`
	// CreatedOn is the day the file was made (a day, not an instant: nothing more is
	// needed, and nothing more is told).
	CreatedOn string `json:"created_on"`
	Office    Source `json:"office"`
	Period    Period `json:"period"`
	MinCell   int    `json:"min_cell"`

	Indicators Indicators `json:"indicators"`

	ByKind     map[string]Cell `json:"by_kind"`
	ByChannel  map[string]Cell `json:"by_channel"`
	ByLanguage map[string]Cell `json:"by_language"`
	ByMonth    map[string]Cell `json:"by_month"`

	// path is where the file was loaded from, for messages.
	path string
}

// Source says whose figures these are: the office (its code and official names) and,
// optionally, the municipality or body it belongs to.
type Source struct {
	Code         string `json:"code"`
	NameIT       string `json:"name_it"`
	NameDE       string `json:"name_de"`
	Municipality string `json:"municipality,omitempty"`
}

// Period is the days of receipt the figures cover, both inclusive (YYYY-MM-DD).
type Period struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Indicators are the office's headline figures; definitions as in docs/indicators.md.
// Rates are 0..1; times are working days; nil (null) where nothing was measured.
type Indicators struct {
	Total          int            `json:"total"`
	Answered       int            `json:"answered"`
	AnsweredOnTime int            `json:"answered_on_time"`
	OnTimeRate     *float64       `json:"on_time_rate"`
	MedianReply    *float64       `json:"median_reply_working_days"`
	P90Reply       *float64       `json:"p90_reply_working_days"`
	MeanReply      *float64       `json:"mean_reply_working_days"`
	Open           int            `json:"open"`
	Overdue        int            `json:"overdue"`
	MedianFirst    *float64       `json:"median_first_action_working_days"`
	MedianClosure  *float64       `json:"median_closure_working_days"`
	WaitedCases    int            `json:"cases_waited_for_citizen"`
	WaitedDays     int            `json:"working_days_waited_for_citizen"`
	SatisfiedRate  *float64       `json:"satisfied_rate"`
	Satisfaction   *float64       `json:"satisfaction_mean"`
	Rated          int            `json:"satisfaction_rated"`
	Outcomes       map[string]int `json:"outcomes"`
}

// Cell is one value of a breakdown (a kind, a month…).
type Cell struct {
	Suppressed     bool     `json:"suppressed,omitempty"`
	Total          *int     `json:"total,omitempty"`
	Answered       *int     `json:"answered,omitempty"`
	AnsweredOnTime *int     `json:"answered_on_time,omitempty"`
	OnTimeRate     *float64 `json:"on_time_rate,omitempty"`
	MedianReply    *float64 `json:"median_reply_working_days,omitempty"`
	P90Reply       *float64 `json:"p90_reply_working_days,omitempty"`
}

// Path is where the file was loaded from ("" if made here).
func (f *File) Path() string { return f.path }
