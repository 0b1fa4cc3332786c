// Package deadline counts working days for Ascolto's reply deadlines.
//
// Every item a citizen brings to a public office in the Province of
// Bolzano/Bozen must get a written reply within N working days (3 unless the
// office's rules say otherwise). The count starts the day after receipt: that
// day is day one if it is a working day, so an item received on Friday with
// N = 3 is due on Wednesday, and one received on Saturday is due on Wednesday
// too (Monday is day one). Time spent waiting for the citizen is added to N.
//
// A working day is a Monday to Friday that is none of:
//
//   - an Italian national holiday, art. 2 of legge 27 maggio 1949, n. 260 as
//     it stands today: 1 January, 6 January, Easter Monday, 25 April, 1 May,
//     2 June, 15 August, 4 October (from 2026), 1 November, 8 December,
//     25 and 26 December. The list comes from github.com/rickar/cal/v2/it,
//     to which this package adds 4 October, restored as the "festa nazionale
//     di San Francesco d'Assisi, patrono d'Italia" by legge 8 ottobre 2025,
//     n. 151 (Gazzetta Ufficiale n. 236 of 10 October 2025, in force
//     1 January 2026). The day was not a holiday from 1977 (legge 5 marzo
//     1977, n. 54) to 2025, and is not one here before 2026.
//   - Whit Monday (Pfingstmontag, Lunedì di Pentecoste), which in South Tyrol
//     is the public holiday in place of the local patron-saint day.
//   - a closure day declared by the office (New).
//
// Holidays that fall on a weekend are not moved (Italy has no substitute
// days). Apart from 4 October the list is applied to every year as it stands
// today: 6 January (abolished 1977-1985) and 2 June (moved to a Sunday
// 1977-2000) count as holidays in those years too, which only matters for
// items older than any register.
//
// A Calendar is immutable after New and safe for concurrent use. The base
// calendar is computed once for the years 1900-2199 (about 1 MB shared by all
// Calendars) into a prefix count of working days, so WorkdaysBetween and
// AddWorkdays take a few table lookups plus a binary search in the office's
// closures, not a walk over the days. Dates outside those years are still
// answered correctly, day by day.
package deadline

import "sort"

// Calendar is the working-day calendar of one office: the base calendar
// (weekends, national holidays, Whit Monday) minus the office's closure days.
// The zero Calendar and a nil *Calendar have no closures.
type Calendar struct {
	closed    []int // day numbers of all closure days, sorted, unique
	effective []int // those of closed that are otherwise working days
}

// New returns the calendar of an office closed, besides weekends and
// holidays, on the given days. Duplicates, closures on weekends and on
// holidays are allowed (they change nothing). The slice is copied.
func New(closures []Date) *Calendar {
	c := &Calendar{}
	for _, d := range closures {
		c.closed = append(c.closed, d.days())
	}
	sort.Ints(c.closed)
	k := 0
	for i, z := range c.closed {
		if i == 0 || z != c.closed[k-1] {
			c.closed[k] = z
			k++
		}
	}
	c.closed = c.closed[:k:k]
	for _, z := range c.closed {
		if baseWork(z) {
			c.effective = append(c.effective, z)
		}
	}
	return c
}

// Closures returns the office's closure days, sorted and without duplicates.
func (c *Calendar) Closures() []Date {
	if c == nil {
		return nil
	}
	out := make([]Date, len(c.closed))
	for i, z := range c.closed {
		out[i] = fromDays(z)
	}
	return out
}

// IsWorkday reports whether d counts as a working day for this office.
func (c *Calendar) IsWorkday(d Date) bool {
	z := d.days()
	return baseWork(z) && !c.isClosed(z)
}

// Holiday explains why d is not a working day when a holiday or a closure is
// the reason: ok is false for ordinary days, working or weekend. A holiday is
// reported even when it falls on a weekend, and wins over a closure on the
// same day.
func (c *Calendar) Holiday(d Date) (h Holiday, ok bool) {
	z := d.days()
	if m := holidayMask(z); m != 0 {
		return describe(m), true
	}
	if c != nil {
		if i := search(c.closed, z); i < len(c.closed) && c.closed[i] == z {
			return closureInfo, true
		}
	}
	return Holiday{}, false
}

// AddWorkdays returns the n-th working day after received: the day after
// receipt is the first candidate, and weekends, holidays and closures are
// skipped. A receipt on a Saturday, Sunday or holiday changes nothing: day one
// is still the first working day after it. For n <= 0 it returns received.
//
// AddWorkdays(d, WorkdaysBetween(d, x)) is the last working day on or before
// x (or d itself if there is none after d), and
// WorkdaysBetween(d, AddWorkdays(d, n)) == n.
func (c *Calendar) AddWorkdays(received Date, n int) Date {
	if n <= 0 {
		return received
	}
	a := received.days()
	// The answer is the (n+k)-th base working day after a, where k is the
	// number of closures up to it: start from k = 0 and grow k until it is
	// stable. k never overshoots and only grows, so this ends, usually after
	// one pass (and always after one when the office has no closures).
	k := 0
	for {
		x := baseSelect(a, n+k)
		kk := c.closuresIn(a, x)
		if kk == k {
			return fromDays(x)
		}
		k = kk
	}
}

// WorkdaysBetween returns the number of working days d with from < d <= to,
// 0 if to is not after from: the working days an office took to reply (a
// reply on the day of receipt took 0) or that a case spent waiting.
func (c *Calendar) WorkdaysBetween(from, to Date) int {
	a, b := from.days(), to.days()
	if b <= a {
		return 0
	}
	return baseCount(a, b) - c.closuresIn(a, b)
}

// DueDate is the day a reply is due for an item received on received, with
// days working days allowed and waited working days spent waiting for the
// citizen: AddWorkdays(received, days+waited).
func (c *Calendar) DueDate(received Date, days, waited int) Date {
	return c.AddWorkdays(received, days+waited)
}

func (c *Calendar) isClosed(z int) bool {
	if c == nil || len(c.effective) == 0 {
		return false
	}
	i := search(c.effective, z)
	return i < len(c.effective) && c.effective[i] == z
}

// closuresIn returns the number of effective closures in (a, b].
func (c *Calendar) closuresIn(a, b int) int {
	if c == nil || len(c.effective) == 0 {
		return 0
	}
	return search(c.effective, b+1) - search(c.effective, a+1)
}

// search returns the index of the first element of s that is >= z.
func search(s []int, z int) int {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m] < z {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
