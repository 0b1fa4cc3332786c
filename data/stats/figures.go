// Package stats computes Ascolto's quality indicators (EFQM): volumes, replies on time,
// working days to reply per phase, waiting, open and overdue cases, outcomes and
// satisfaction, for any period and filter. Definitions are in docs/indicators.md.
//
// The indicators are read from case_figures, a derived table with one row per case that
// this package keeps up to date from the audit trail (Refresh): each row holds the
// case's dimensions (office, kind, channel, language, status, category, service,
// outcome, satisfaction) and its times in working days on the office's calendar, packed
// into two integers. A million cases are then one range scan of three integer columns,
// aggregated in one pass in Go: every indicator at once in well under a second.
package stats

import (
	"time"

	"ascolto/data"
)

// none marks a time that does not exist (no reply yet, no first action, not closed) in a
// 12-bit field; larger values are stored as none-1 (11 years of working days).
const (
	fieldBits = 12
	fieldMask = 1<<fieldBits - 1
	none      = fieldMask
)

// dims are a case's dimensions, packed:
//
//	bits  0–11 office code      bits 12–14 kind (index+1)   bits 15–17 channel (index+1)
//	bits 18–19 language         bits 20–22 status (index+1) bits 23–25 satisfaction 0–5
//	bits 26–29 outcome (index+1) bits 30–45 category code   bits 46–57 service code
//
// Codes 0 mean "none"; text codes are numbered in figure_codes.
type dims struct {
	office, kind, channel, lang, status, satisfaction, outcome, category, service int
}

func (d dims) pack() int64 {
	return int64(clamp(d.office, 1<<12-1)) | int64(d.kind)<<12 | int64(d.channel)<<15 | int64(d.lang)<<18 |
		int64(d.status)<<20 | int64(d.satisfaction)<<23 | int64(d.outcome)<<26 |
		int64(clamp(d.category, 1<<16-1))<<30 | int64(clamp(d.service, 1<<12-1))<<46
}

func unpackDims(v int64) dims {
	return dims{office: int(v & 0xfff), kind: int(v >> 12 & 7), channel: int(v >> 15 & 7), lang: int(v >> 18 & 3),
		status: int(v >> 20 & 7), satisfaction: int(v >> 23 & 7), outcome: int(v >> 26 & 15),
		category: int(v >> 30 & 0xffff), service: int(v >> 46 & 0xfff)}
}

// times are a case's times in working days, packed in 12-bit fields (none if absent):
//
//	due: calendar days from receipt to the due date   reply: working days to reply
//	first: working days from receipt to first action  close: from reply to closure
//	waited: working days waited for the citizen        bit 60: replied on time
type times struct {
	due, reply, first, close, waited int
	onTime                           bool
}

func (t times) pack() int64 {
	v := int64(clamp(t.due, none-1)) | int64(clampNone(t.reply))<<12 | int64(clampNone(t.first))<<24 |
		int64(clampNone(t.close))<<36 | int64(clamp(t.waited, none-1))<<48
	if t.onTime {
		v |= 1 << 60
	}
	return v
}

func unpackTimes(v int64) times {
	return times{due: int(v & fieldMask), reply: int(v >> 12 & fieldMask), first: int(v >> 24 & fieldMask),
		close: int(v >> 36 & fieldMask), waited: int(v >> 48 & fieldMask), onTime: v>>60&1 == 1}
}

func clamp(v, hi int) int { return max(0, min(v, hi)) }

// clampNone keeps none as it is and every real value below it.
func clampNone(v int) int {
	if v == none {
		return none
	}
	return clamp(v, none-1)
}

// Codes of the closed lists, in the order of package data (index+1; 0 = none).
func kindCode(k data.Kind) int       { return indexOf(data.Kinds, k) }
func channelCode(c data.Channel) int { return indexOf(data.Channels, c) }
func statusCode(s data.Status) int   { return indexOf(data.Statuses, s) }
func outcomeCode(o data.Outcome) int { return indexOf(data.Outcomes, o) }
func langCode(l data.Language) int   { return indexOf(data.Languages, l) }
func indexOf[T comparable](all []T, v T) int {
	for i, a := range all {
		if a == v {
			return i + 1
		}
	}
	return 0
}

// dayNumber is a civil date as days since 1970-01-01, the key of case_figures.
func dayNumber(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// parseDay reads YYYY-MM-DD as a day number; ok is false for anything else.
func parseDay(s string) (int, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return int(t.Unix() / 86400), true
}

// dayString writes a day number as YYYY-MM-DD.
func dayString(n int) string { return time.Unix(int64(n)*86400, 0).UTC().Format(time.DateOnly) }

// romeDay is the day number of an instant's civil date in the offices' zone.
func romeDay(t time.Time) int {
	y, m, d := t.In(data.Rome).Date()
	return dayNumber(y, m, d)
}
