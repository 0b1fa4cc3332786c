package stats

import (
	"ascolto/data"
)

// Query selects the cases the indicators are about: those received from From to To
// (YYYY-MM-DD, both inclusive; empty: open-ended) that match every list given. Empty
// lists select everything.
type Query struct {
	From       string          `json:"from,omitempty"`
	To         string          `json:"to,omitempty"`
	Offices    []string        `json:"offices,omitempty"`
	Kinds      []data.Kind     `json:"kinds,omitempty"`
	Channels   []data.Channel  `json:"channels,omitempty"`
	Languages  []data.Language `json:"languages,omitempty"`
	Categories []string        `json:"categories,omitempty"`
	Services   []string        `json:"services,omitempty"`
}

// Indicators are the quality figures of the cases a Query selects. Every figure is
// about those cases (received in the period), counted as they stand today; the
// definitions are in docs/indicators.md. Rates and times are nil (JSON null) when
// nothing was there to measure.
type Indicators struct {
	Query Query  `json:"query"`
	Today string `json:"today"`

	Total          int      `json:"total"`
	Answered       int      `json:"answered"`
	AnsweredOnTime int      `json:"answered_on_time"`
	OnTimeRate     *float64 `json:"on_time_rate"`
	MedianReply    *float64 `json:"median_reply_working_days"`
	P90Reply       *float64 `json:"p90_reply_working_days"`
	MeanReply      *float64 `json:"mean_reply_working_days"`
	Open           int      `json:"open"`
	WaitingNow     int      `json:"waiting"`
	Overdue        int      `json:"overdue"`
	Closed         int      `json:"closed"`

	ByKind     map[string]int `json:"by_kind"`
	ByChannel  map[string]int `json:"by_channel"`
	ByOffice   map[string]int `json:"by_office"`
	ByLanguage map[string]int `json:"by_language"`
	ByStatus   map[string]int `json:"by_status"`
	ByOutcome  map[string]int `json:"by_outcome"`

	Phases            Phases       `json:"phases"`
	ReplyDistribution []DayCount   `json:"reply_distribution"`
	OpenByAge         []AgeBucket  `json:"open_by_age"`
	Satisfaction      Satisfaction `json:"satisfaction"`

	// Months are the months of receipt in the period, oldest first, none left out.
	Months []Group `json:"by_month"`
	// Groups break the figures down by office, kind, channel, language, category and
	// service, largest first.
	Groups map[string][]Group `json:"groups"`
}

// Times summarises a time in working days over the cases that have it.
type Times struct {
	Cases  int      `json:"cases"`
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
	Mean   *float64 `json:"mean"`
}

// Phases are the working days of each step of a case: receipt → first action → reply →
// closed, and apart from them the time spent waiting for the citizen (which the reply
// times do not count).
type Phases struct {
	FirstAction Times   `json:"receipt_to_first_action"`
	Handling    Times   `json:"first_action_to_reply"`
	Reply       Times   `json:"receipt_to_reply"`
	Closure     Times   `json:"reply_to_closed"`
	Waiting     Waiting `json:"waiting_for_citizen"`
}

// Waiting is the time cases spent waiting for the citizen.
type Waiting struct {
	Times
	// Days is the working days waited by all cases together.
	Days int `json:"days"`
	// Now is how many cases are waiting today.
	Now int `json:"now"`
}

// DayCount is how many replies took a number of working days.
type DayCount struct {
	Days  int `json:"days"`
	Cases int `json:"cases"`
}

// AgeBucket counts the open cases (no reply yet) whose age in working days since
// receipt is within [From, To] (To nil: and older).
type AgeBucket struct {
	From    int  `json:"from"`
	To      *int `json:"to"`
	Cases   int  `json:"cases"`
	Waiting int  `json:"waiting"`
	Overdue int  `json:"overdue"`
}

// ageBuckets: within the promise (0–3 working days), just late, a second week, a month,
// and what has been forgotten.
var ageBuckets = [][2]int{{0, 3}, {4, 5}, {6, 10}, {11, 20}, {21, -1}}

// Satisfaction is what citizens said of the handling, on the five-point scale (the three
// faces are recorded as 1, 3 and 5).
type Satisfaction struct {
	Rated int      `json:"rated"`
	Mean  *float64 `json:"mean"`
	// Satisfied is the share of ratings of 4 or 5.
	Satisfied *float64       `json:"satisfied_rate"`
	Scores    map[string]int `json:"scores"`
	// Faces groups the scores as the three faces: unhappy 1–2, neutral 3, happy 4–5.
	Faces map[string]int `json:"faces"`
}

// Group is the figures of one value of a dimension (an office, a kind, a month…).
type Group struct {
	Key              string         `json:"key"`
	Total            int            `json:"total"`
	Answered         int            `json:"answered"`
	AnsweredOnTime   int            `json:"answered_on_time"`
	OnTimeRate       *float64       `json:"on_time_rate"`
	MedianReply      *float64       `json:"median_reply_working_days"`
	P90Reply         *float64       `json:"p90_reply_working_days"`
	MeanReply        *float64       `json:"mean_reply_working_days"`
	Open             int            `json:"open"`
	Overdue          int            `json:"overdue"`
	SatisfactionMean *float64       `json:"satisfaction_mean"`
	ByKind           map[string]int `json:"by_kind,omitempty"`
}

// Dimensions of Indicators.Groups.
const (
	DimOffice   = "office"
	DimKind     = "kind"
	DimChannel  = "channel"
	DimLanguage = "language"
	DimCategory = "category"
	DimService  = "service"
)

// NoValue is the key of cases without a value (no language recorded, no category).
const NoValue = "none"

// Group returns the group of dimension dim with key, or nil.
func (in *Indicators) Group(dim, key string) *Group {
	for i := range in.Groups[dim] {
		if in.Groups[dim][i].Key == key {
			return &in.Groups[dim][i]
		}
	}
	return nil
}
