package demo

import (
	"sort"
	"time"

	"ascolto/data"
	"ascolto/data/deadline"
)

// Office hours of the demo offices, Monday to Friday on working days, in Europe/Rome:
// the counter is open 8:00–12:30 and 14:00–17:00, and that is when clerks register,
// answer and close cases.
const (
	morningOpen   = 8 * time.Hour
	morningLength = 4*time.Hour + 30*time.Minute
	afternoonOpen = 14 * time.Hour
	dayLength     = morningLength + 3*time.Hour
)

// workTime is the working time of an office between two instants, laid end to end:
// an offset of working time maps to the instant it was reached, and back. Events are
// placed by their working-time offsets, so they all fall within office hours on working
// days (holidays and closures of the office's calendar left out), keep their order, and
// "three working days later" is what it says.
type workTime struct {
	days  []deadline.Date // the working days from the first to the last, in order
	total time.Duration   // the working time in them up to the end instant
}

// newWorkTime lays out the working time from the day of from up to until.
func newWorkTime(cal *deadline.Calendar, from, until time.Time) *workTime {
	w := &workTime{}
	last := deadline.DateOf(until.In(data.Rome))
	for d := deadline.DateOf(from.In(data.Rome)); !d.After(last); d = d.AddDays(1) {
		if cal.IsWorkday(d) {
			w.days = append(w.days, d)
		}
	}
	w.total = time.Duration(len(w.days)) * dayLength
	if n := len(w.days); n > 0 && w.days[n-1] == last {
		// Today counts only as far as it has gone.
		w.total -= dayLength - workedBy(until.In(data.Rome))
	}
	return w
}

// clockOf is t's time of day on the wall clock.
func clockOf(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
}

// workedBy is the working time of t's day up to t.
func workedBy(t time.Time) time.Duration {
	s := clockOf(t)
	switch {
	case s < morningOpen:
		return 0
	case s < morningOpen+morningLength:
		return s - morningOpen
	case s < afternoonOpen:
		return morningLength
	case s < afternoonOpen+dayLength-morningLength:
		return morningLength + s - afternoonOpen
	}
	return dayLength
}

// at is the instant the working time off (0 ≤ off < total) is reached.
func (w *workTime) at(off time.Duration) time.Time {
	off = max(0, min(off, w.total-time.Second))
	d := w.days[off/dayLength]
	in := off % dayLength
	start := morningOpen
	if in >= morningLength {
		start, in = afternoonOpen, in-morningLength
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(start+in), data.Rome) // wall clock, whatever the day's DST
}

// offset is the working time reached at t (an instant within the laid-out days).
func (w *workTime) offset(t time.Time) time.Duration {
	t = t.In(data.Rome)
	d := deadline.DateOf(t)
	i := sort.Search(len(w.days), func(i int) bool { return !w.days[i].Before(d) })
	off := time.Duration(i) * dayLength
	if i < len(w.days) && w.days[i] == d {
		off += workedBy(t)
	}
	return off
}

// later is the instant a working time of d after t, at the latest the last working
// moment laid out.
func (w *workTime) later(t time.Time, d time.Duration) time.Time {
	return w.at(w.offset(t) + d)
}

// inOfficeHours reports whether t is within office hours on a working day of cal.
func inOfficeHours(cal *deadline.Calendar, t time.Time) bool {
	t = t.In(data.Rome)
	if !cal.IsWorkday(deadline.DateOf(t)) {
		return false
	}
	s := clockOf(t)
	return s >= morningOpen && s < morningOpen+morningLength || s >= afternoonOpen && s < afternoonOpen+dayLength-morningLength
}
