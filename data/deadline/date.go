package deadline

import (
	"fmt"
	"strconv"
	"time"
)

// Date is a civil (calendar) date with no time of day and no time zone: the
// day a case was received, the day a reply is due. Deadlines are counted in
// days, so instants would only add time-zone mistakes; convert an instant
// with DateOf after moving it into the office's zone (Europe/Rome).
//
// Any field values are accepted and normalised the way time.Date does
// (Date{2026, 2, 30} is 2026-03-02); the zero Date is "no date" (see IsZero).
// Dates compare with ==, Equal, Before, After and Compare; use == only on
// normalised dates (those returned by this package always are).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date written as YYYY-MM-DD, the form String writes and
// the register stores. It rejects anything else, including impossible days
// such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("deadline: date %q is not YYYY-MM-DD: %w", s, err)
	}
	return DateOf(t), nil
}

// DateOf returns the civil date of t in t's own location. For a receipt
// timestamp call DateOf(t.In(rome)): an e-mail that arrives at 00:30 on
// 28 November in Bolzano was received on the 28th, although in UTC it is
// still the 27th.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is the zero Date, used for "no date".
func (d Date) IsZero() bool { return d == Date{} }

// String formats d (normalised) as YYYY-MM-DD.
func (d Date) String() string {
	d = fromDays(d.days())
	if d.Year < 0 || d.Year > 9999 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	var b [10]byte
	y := d.Year
	b[0] = byte('0' + y/1000)
	b[1] = byte('0' + y/100%10)
	b[2] = byte('0' + y/10%10)
	b[3] = byte('0' + y%10)
	b[4] = '-'
	b[5] = byte('0' + int(d.Month)/10)
	b[6] = byte('0' + int(d.Month)%10)
	b[7] = '-'
	b[8] = byte('0' + d.Day/10)
	b[9] = byte('0' + d.Day%10)
	return string(b[:])
}

// GoString makes %#v readable in test failures.
func (d Date) GoString() string { return "deadline.Date(" + strconv.Quote(d.String()) + ")" }

// Time returns midnight UTC at the start of d: a stable instant for storage or
// for code that insists on time.Time. Do not compare it with instants in other
// zones; convert those with DateOf instead.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return weekday(d.days()) }

// AddDays returns the date n calendar days after d (before, if n < 0).
func (d Date) AddDays(n int) Date { return fromDays(d.days() + n) }

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.days() < e.days() }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.days() > e.days() }

// Equal reports whether d and e are the same day (after normalisation).
func (d Date) Equal(e Date) bool { return d.days() == e.days() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e; it suits
// slices.SortFunc.
func (d Date) Compare(e Date) int {
	a, b := d.days(), e.days()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// days returns the day number of d: days since 1970-01-01 (which is day 0),
// negative before. The algorithm is H. Hinnant's days_from_civil
// (https://howardhinnant.github.io/date_algorithms.html), in plain integer
// arithmetic so that a deadline costs no time.Time conversions; the month is
// normalised first and the day enters linearly, which gives time.Date's
// normalisation.
func (d Date) days() int {
	y, m := d.Year, int(d.Month)
	if m < 1 || m > 12 {
		m--
		y += floorDiv(m, 12)
		m = m - floorDiv(m, 12)*12 + 1
	}
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400 // [0, 399]
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fromDays is the inverse of days (Hinnant's civil_from_days).
func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100) // [0, 365]
	mp := (5*doy + 2) / 153                  // [0, 11], March = 0
	day := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
		y++
	}
	return Date{Year: y, Month: time.Month(m), Day: day}
}

// weekday of a day number; 1970-01-01 was a Thursday.
func weekday(z int) time.Weekday {
	w := (z + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
