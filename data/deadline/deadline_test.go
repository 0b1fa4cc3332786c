package deadline

import (
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/it"
)

// md parses a date in tests.
func md(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// easter holds Western (Gregorian) Easter Sunday for 2000-2040, typed in from
// the published tables (e.g. the Astronomical Society of South Australia's
// Easter Dating Method tables): month and day. The expected Easter and Whit
// Mondays are derived from it by adding 1 and 50 days, independently of the
// Meeus/Jones/Butcher computation inside rickar/cal.
var easter = map[int][2]int{
	2000: {4, 23}, 2001: {4, 15}, 2002: {3, 31}, 2003: {4, 20}, 2004: {4, 11},
	2005: {3, 27}, 2006: {4, 16}, 2007: {4, 8}, 2008: {3, 23}, 2009: {4, 12},
	2010: {4, 4}, 2011: {4, 24}, 2012: {4, 8}, 2013: {3, 31}, 2014: {4, 20},
	2015: {4, 5}, 2016: {3, 27}, 2017: {4, 16}, 2018: {4, 1}, 2019: {4, 21},
	2020: {4, 12}, 2021: {4, 4}, 2022: {4, 17}, 2023: {4, 9}, 2024: {3, 31},
	2025: {4, 20}, 2026: {4, 5}, 2027: {3, 28}, 2028: {4, 16}, 2029: {4, 1},
	2030: {4, 21}, 2031: {4, 13}, 2032: {3, 28}, 2033: {4, 17}, 2034: {4, 9},
	2035: {3, 25}, 2036: {4, 13}, 2037: {4, 5}, 2038: {4, 25}, 2039: {4, 10},
	2040: {4, 1},
}

func easterSunday(y int) Date {
	e := easter[y]
	return Date{y, time.Month(e[0]), e[1]}
}

// fixed lists the fixed-date holidays with their names; from is the first
// year they apply (0: always, for the purposes of this package).
var fixed = []struct {
	month  time.Month
	day    int
	it, de string
	from   int
}{
	{time.January, 1, "Capodanno", "Neujahr", 0},
	{time.January, 6, "Epifania", "Heilige Drei Könige", 0},
	{time.April, 25, "Festa della Liberazione", "Tag der Befreiung", 0},
	{time.May, 1, "Festa del Lavoro", "Tag der Arbeit", 0},
	{time.June, 2, "Festa della Repubblica", "Tag der Republik", 0},
	{time.August, 15, "Assunzione di Maria (Ferragosto)", "Mariä Himmelfahrt", 0},
	{time.October, 4, "San Francesco d'Assisi, patrono d'Italia", "Hl. Franz von Assisi, Schutzpatron Italiens", 2026},
	{time.November, 1, "Ognissanti", "Allerheiligen", 0},
	{time.December, 8, "Immacolata Concezione", "Mariä Empfängnis", 0},
	{time.December, 25, "Natale", "Weihnachten", 0},
	{time.December, 26, "Santo Stefano", "Stefanitag", 0},
}

func isWeekend(d Date) bool {
	w := d.Time().Weekday()
	return w == time.Saturday || w == time.Sunday
}

// --- Date ---

func TestDayNumbersMatchTimePackage(t *testing.T) {
	start := time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2600, 12, 31, 0, 0, 0, 0, time.UTC)
	z := Date{1500, 1, 1}.days()
	for tt := start; !tt.After(end); tt = tt.AddDate(0, 0, 1) {
		want := DateOf(tt)
		if got := fromDays(z); got != want {
			t.Fatalf("fromDays(%d) = %v, want %v", z, got, want)
		}
		if got := want.days(); got != z {
			t.Fatalf("%v.days() = %d, want %d", want, got, z)
		}
		if got, w := weekday(z), tt.Weekday(); got != w {
			t.Fatalf("weekday(%v) = %v, want %v", want, got, w)
		}
		if u := tt.Unix() / 86400; int64(z) != u {
			t.Fatalf("%v: day number %d, Unix day %d", want, z, u)
		}
		z++
	}
	for _, y := range []int{-1000, -1, 0, 1, 9999, 10000, 123456} {
		for _, m := range []time.Month{1, 2, 3, 12} {
			d := Date{y, m, 28}
			want := DateOf(time.Date(y, m, 28, 0, 0, 0, 0, time.UTC))
			if got := fromDays(d.days()); got != want {
				t.Errorf("round trip of %#v = %#v, want %#v", d, got, want)
			}
		}
	}
}

func TestParseDateAndString(t *testing.T) {
	for _, s := range []string{"2026-11-27", "2024-02-29", "1900-01-01", "2199-12-31", "0001-01-01", "9999-12-31"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatalf("ParseDate(%q): %v", s, err)
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, d.String())
		}
	}
	if d := md(t, "2026-11-27"); d != (Date{2026, time.November, 27}) {
		t.Errorf("ParseDate = %#v", d)
	}
	for _, s := range []string{"", "2026-2-3", "2026-02-30", "2025-02-29", "2026-13-01", "26-11-27",
		"2026-11-27T00:00:00Z", " 2026-11-27", "27.11.2026", "2026/11/27"} {
		if d, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", s, d)
		}
	}
	norm := []struct {
		d    Date
		want string
	}{
		{Date{2026, 2, 30}, "2026-03-02"},
		{Date{2026, 13, 1}, "2027-01-01"},
		{Date{2026, 0, 1}, "2025-12-01"},
		{Date{2026, 1, 0}, "2025-12-31"},
		{Date{2026, -11, 1}, "2025-01-01"},
		{Date{2024, 2, 29}, "2024-02-29"},
		{Date{2100, 2, 29}, "2100-03-01"},
		{Date{-1, 1, 1}, "-001-01-01"},
		{Date{12345, 1, 1}, "12345-01-01"},
	}
	for _, c := range norm {
		if got := c.d.String(); got != c.want {
			t.Errorf("%v.String() = %q, want %q", c.d, got, c.want)
		}
	}
	if !(Date{}).IsZero() || md(t, "2026-11-27").IsZero() {
		t.Error("IsZero")
	}
}

func TestDateOf(t *testing.T) {
	rome := time.FixedZone("CET", 3600)
	at := time.Date(2026, 11, 28, 0, 30, 0, 0, rome)
	if got := DateOf(at); got.String() != "2026-11-28" {
		t.Errorf("DateOf(%v) = %v", at, got)
	}
	if got := DateOf(at.UTC()); got.String() != "2026-11-27" {
		t.Errorf("DateOf(%v) = %v", at.UTC(), got)
	}
	d := md(t, "2026-11-27")
	if tm := d.Time(); !tm.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) || DateOf(tm) != d {
		t.Errorf("%v.Time() = %v", d, tm)
	}
}

func TestDateArithmeticAndComparison(t *testing.T) {
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2024-02-28", 1, "2024-02-29"},
		{"2024-02-28", 2, "2024-03-01"},
		{"2100-02-28", 1, "2100-03-01"},
		{"2000-02-28", 1, "2000-02-29"},
		{"2026-12-31", 1, "2027-01-01"},
		{"2027-01-01", -1, "2026-12-31"},
		{"2026-11-27", 0, "2026-11-27"},
		{"2026-11-27", 365, "2027-11-27"},
		{"2026-11-27", -3650, "2016-11-29"},
	}
	for _, c := range cases {
		if got := md(t, c.from).AddDays(c.n); got.String() != c.want {
			t.Errorf("%s.AddDays(%d) = %v, want %s", c.from, c.n, got, c.want)
		}
	}
	a, b := md(t, "2026-11-27"), md(t, "2026-11-28")
	if !a.Before(b) || a.After(b) || !b.After(a) || b.Before(a) || a.Equal(b) || !a.Equal(a) {
		t.Error("Before/After/Equal")
	}
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("Compare")
	}
	if !(Date{2026, 2, 30}).Equal(md(t, "2026-03-02")) {
		t.Error("Equal does not normalise")
	}
	if a.Weekday() != time.Friday || b.Weekday() != time.Saturday {
		t.Errorf("Weekday: %v %v", a.Weekday(), b.Weekday())
	}
}

// --- holiday rules ---

// TestLibraryList guards the assumption that rickar/cal's Italian list is the
// eleven pre-2026 holidays and lacks 4 October: if an upgrade adds it, drop
// sanFrancesco rather than count the day twice.
func TestLibraryList(t *testing.T) {
	if len(it.Holidays) != 11 {
		t.Fatalf("rickar/cal it.Holidays has %d entries, want 11", len(it.Holidays))
	}
	for _, h := range it.Holidays {
		if _, ok := names[h]; !ok {
			t.Errorf("no Italian/German names for rickar/cal holiday %q", h.Name)
		}
		for _, y := range []int{2025, 2026, 2030} {
			if _, obs := h.Calc(y); obs.Month() == time.October && obs.Day() == 4 {
				t.Errorf("rickar/cal now has 4 October (%q): remove sanFrancesco", h.Name)
			}
		}
	}
	if len(defs) != 13 {
		t.Errorf("%d rules, want 13", len(defs))
	}
}

func TestEasterAndWhitMonday(t *testing.T) {
	c := New(nil)
	for y := 2000; y <= 2040; y++ {
		e := easterSunday(y)
		if e.Weekday() != time.Sunday {
			t.Fatalf("table error: Easter %v is not a Sunday", e)
		}
		mon := e.AddDays(1)
		h, ok := c.Holiday(mon)
		if !ok || !strings.Contains(h.NameDE, "Ostermontag") || !strings.Contains(h.NameIT, "Lunedì dell'Angelo") || h.Kind != National {
			t.Errorf("Easter Monday %v: Holiday = %+v, %v", mon, h, ok)
		}
		if c.IsWorkday(mon) {
			t.Errorf("Easter Monday %v is a workday", mon)
		}
		whit := e.AddDays(50)
		h, ok = c.Holiday(whit)
		if !ok || !strings.Contains(h.NameDE, "Pfingstmontag") || !strings.Contains(h.NameIT, "Lunedì di Pentecoste") {
			t.Errorf("Whit Monday %v: Holiday = %+v, %v", whit, h, ok)
		}
		if h.NameDE == "Pfingstmontag" && h.Kind != Provincial {
			t.Errorf("Whit Monday %v: kind %v", whit, h.Kind)
		}
		if c.IsWorkday(whit) {
			t.Errorf("Whit Monday %v is a workday", whit)
		}
		// Easter Sunday and Whit Sunday are Sundays, not listed holidays;
		// Good Friday, Ascension and Corpus Christi are working days (the
		// last two were abolished in 1977) unless a fixed holiday falls on them.
		for _, off := range []int{0, 49} {
			if d := e.AddDays(off); isFixed(d) {
				continue // Easter on 25 April in 2038
			}
			if _, ok := c.Holiday(e.AddDays(off)); ok {
				t.Errorf("%v (Easter%+d) reported as a holiday", e.AddDays(off), off)
			}
		}
		for _, off := range []int{-2, 39, 60} {
			d := e.AddDays(off)
			if isFixed(d) {
				continue
			}
			if !c.IsWorkday(d) {
				t.Errorf("%v (Easter%+d) is not a workday", d, off)
			}
		}
	}
	// Coincidences: both names are shown.
	for _, s := range []string{"2011-04-25", "2031-06-02", "2036-06-02"} {
		h, ok := c.Holiday(md(t, s))
		if !ok || !strings.Contains(h.NameIT, " / ") || h.Kind != National {
			t.Errorf("%s: Holiday = %+v, %v; want two joined names", s, h, ok)
		}
	}
}

func isFixed(d Date) bool {
	for _, f := range fixed {
		if d.Month == f.month && d.Day == f.day && d.Year >= f.from {
			return true
		}
	}
	return false
}

func TestOctober4(t *testing.T) {
	c := New(nil)
	for y := 1977; y <= 2025; y++ {
		d := Date{y, time.October, 4}
		if h, ok := c.Holiday(d); ok {
			t.Errorf("%v: Holiday = %+v before legge 151/2025", d, h)
		}
		if got, want := c.IsWorkday(d), !isWeekend(d); got != want {
			t.Errorf("%v: IsWorkday = %v, want %v", d, got, want)
		}
	}
	for y := 2026; y <= 2035; y++ {
		d := Date{y, time.October, 4}
		h, ok := c.Holiday(d)
		if !ok || h.Kind != National || !strings.Contains(h.NameIT, "San Francesco d'Assisi") || !strings.Contains(h.NameDE, "Franz von Assisi") {
			t.Errorf("%v: Holiday = %+v, %v", d, h, ok)
		}
		if c.IsWorkday(d) {
			t.Errorf("%v is a workday", d)
		}
	}
	// 2026-10-04 is a Sunday; 2027-10-04 is the first Monday off.
	if w := md(t, "2027-10-04").Weekday(); w != time.Monday {
		t.Fatalf("2027-10-04 is a %v", w)
	}
}

func TestFixedHolidays(t *testing.T) {
	c := New(nil)
	for y := 1990; y <= 2060; y++ {
		for _, f := range fixed {
			d := Date{y, f.month, f.day}
			h, ok := c.Holiday(d)
			if y < f.from {
				if ok {
					t.Errorf("%v: Holiday = %+v, want none before %d", d, h, f.from)
				}
				continue
			}
			if !ok || !strings.Contains(h.NameIT, f.it) || !strings.Contains(h.NameDE, f.de) || h.Kind != National {
				t.Errorf("%v: Holiday = %+v, %v; want %s / %s", d, h, ok, f.it, f.de)
			}
			if c.IsWorkday(d) {
				t.Errorf("%v (%s) is a workday", d, f.it)
			}
		}
	}
}

// TestNoOtherHolidays checks that each year 1990-2060 has exactly the
// expected holidays: the fixed ones plus Easter Monday and Whit Monday.
func TestNoOtherHolidays(t *testing.T) {
	c := New(nil)
	for y := 1990; y <= 2060; y++ {
		var movable []Date
		for d := (Date{y, 1, 1}); d.Year == y; d = d.AddDays(1) {
			h, ok := c.Holiday(d)
			if !ok {
				continue
			}
			if !isFixed(d) {
				movable = append(movable, d)
			} else if strings.Contains(h.NameIT, " / ") {
				movable = append(movable, d) // a movable Monday on a fixed holiday
			}
		}
		if len(movable) != 2 {
			t.Errorf("%d: movable holidays %v, want Easter and Whit Monday", y, movable)
			continue
		}
		em, wm := movable[0], movable[1]
		if _, ok := easter[y]; ok {
			if em != easterSunday(y).AddDays(1) || wm != easterSunday(y).AddDays(50) {
				t.Errorf("%d: movable holidays %v, %v", y, em, wm)
			}
			continue
		}
		lo, hi := Date{y, time.March, 23}, Date{y, time.April, 26}
		if em.Weekday() != time.Monday || em.Before(lo) || em.After(hi) || wm != em.AddDays(49) {
			t.Errorf("%d: movable holidays %v, %v", y, em, wm)
		}
	}
}

// TestAgainstRickarBusinessCalendar compares every day's IsWorkday with
// rickar/cal's own BusinessCalendar built from the same rules, across the
// edges of the precomputed table and well beyond it.
func TestAgainstRickarBusinessCalendar(t *testing.T) {
	bc := cal.NewBusinessCalendar()
	for _, d := range defs {
		bc.AddHoliday(d.rule)
	}
	c := New(nil)
	for _, r := range [][2]int{{1600, 1601}, {1895, 1905}, {1990, 2060}, {2195, 2205}, {2999, 3000}} {
		for d := (Date{r[0], 1, 1}); d.Year <= r[1]; d = d.AddDays(1) {
			want := bc.IsWorkday(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC))
			if got := c.IsWorkday(d); got != want {
				t.Fatalf("%v: IsWorkday = %v, rickar/cal says %v", d, got, want)
			}
			if isWeekend(d) && c.IsWorkday(d) {
				t.Fatalf("%v: weekend day is a workday", d)
			}
			if _, hol := c.Holiday(d); !isWeekend(d) && !hol && !c.IsWorkday(d) {
				t.Fatalf("%v: plain weekday is not a workday", d)
			}
		}
	}
}

func TestOutsideTableHolidays(t *testing.T) {
	c := New(nil)
	for _, s := range []string{"1850-12-25", "1899-12-26", "2200-01-01", "2250-10-04", "3000-01-06"} {
		if _, ok := c.Holiday(md(t, s)); !ok {
			t.Errorf("%s is not a holiday", s)
		}
	}
	if _, ok := c.Holiday(md(t, "1850-10-04")); ok {
		t.Error("1850-10-04 is a holiday")
	}
}

// --- closures ---

func TestClosures(t *testing.T) {
	closures := []Date{
		md(t, "2026-12-31"), md(t, "2026-12-24"), md(t, "2026-12-24"), // duplicate
		md(t, "2026-12-26"), // Saturday and Santo Stefano
		md(t, "2026-12-27"), // Sunday
		md(t, "2026-11-30"), // Monday
		md(t, "2027-08-16"), md(t, "2027-08-17"), md(t, "2027-08-18"), md(t, "2027-08-19"), md(t, "2027-08-20"),
		{1850, 3, 4}, {2250, 3, 4}, // outside the table: both Mondays
	}
	c := New(closures)
	plain := New(nil)

	got := c.Closures()
	want := []string{"1850-03-04", "2026-11-30", "2026-12-24", "2026-12-26", "2026-12-27", "2026-12-31",
		"2027-08-16", "2027-08-17", "2027-08-18", "2027-08-19", "2027-08-20", "2250-03-04"}
	if fmt.Sprint(got) != "["+strings.Join(want, " ")+"]" {
		t.Errorf("Closures() = %v, want %v", got, want)
	}
	for _, s := range []string{"2026-12-24", "2026-11-30", "1850-03-04", "2250-03-04"} {
		d := md(t, s)
		if c.IsWorkday(d) {
			t.Errorf("closure %s is a workday", s)
		}
		if !plain.IsWorkday(d) {
			t.Errorf("%s is not a workday without closures", s)
		}
		if h, ok := c.Holiday(d); !ok || h != closureInfo {
			t.Errorf("%s: Holiday = %+v, %v", s, h, ok)
		}
		if _, ok := plain.Holiday(d); ok {
			t.Errorf("closure leaked into another calendar: %s", s)
		}
	}
	if h, ok := c.Holiday(md(t, "2026-12-26")); !ok || h.NameIT != "Santo Stefano" {
		t.Errorf("holiday should win over closure: %+v", h)
	}
	if h, ok := c.Holiday(md(t, "2026-12-27")); !ok || h.Kind != Closure {
		t.Errorf("weekend closure: %+v, %v", h, ok)
	}

	cases := []struct {
		cal      *Calendar
		received string
		n        int
		want     string
	}{
		{plain, "2026-12-22", 3, "2026-12-28"},
		{c, "2026-12-22", 3, "2026-12-29"},
		{c, "2026-12-22", 5, "2027-01-04"},
		{plain, "2026-12-22", 5, "2026-12-30"},
		{c, "2026-11-27", 1, "2026-12-01"},
		{c, "2027-08-13", 1, "2027-08-23"},
		{c, "2027-08-13", 3, "2027-08-25"},
		{c, "2027-08-16", 0, "2027-08-16"},
		{c, "1850-03-01", 1, "1850-03-05"},
		{c, "2250-03-03", 1, "2250-03-05"},
	}
	for _, k := range cases {
		if got := k.cal.AddWorkdays(md(t, k.received), k.n); got.String() != k.want {
			t.Errorf("AddWorkdays(%s, %d) = %v, want %s", k.received, k.n, got, k.want)
		}
	}
	if got := c.WorkdaysBetween(md(t, "2026-12-22"), md(t, "2026-12-31")); got != 4 {
		t.Errorf("WorkdaysBetween with closures = %d, want 4", got)
	}
	if got := plain.WorkdaysBetween(md(t, "2026-12-22"), md(t, "2026-12-31")); got != 6 {
		t.Errorf("WorkdaysBetween without closures = %d, want 6", got)
	}

	// The zero Calendar and a nil *Calendar have no closures.
	var zero Calendar
	var nilCal *Calendar
	for _, x := range []*Calendar{&zero, nilCal} {
		if got := x.AddWorkdays(md(t, "2026-12-22"), 3).String(); got != "2026-12-28" {
			t.Errorf("zero/nil calendar: %s", got)
		}
		if !x.IsWorkday(md(t, "2026-12-24")) || x.WorkdaysBetween(md(t, "2026-12-22"), md(t, "2026-12-31")) != 6 {
			t.Error("zero/nil calendar: closures")
		}
		if _, ok := x.Holiday(md(t, "2026-12-24")); ok {
			t.Error("zero/nil calendar: Holiday")
		}
		if x.Closures() != nil && len(x.Closures()) != 0 {
			t.Error("zero/nil calendar: Closures")
		}
	}
	if New([]Date{}).Closures() == nil && len(New(nil).Closures()) != 0 {
		t.Error("Closures of New(nil)")
	}
}

// --- counting ---

func TestAddWorkdays(t *testing.T) {
	c := New(nil)
	cases := []struct {
		name     string
		received string
		n        int
		want     string
	}{
		{"same day when n=0", "2026-11-27", 0, "2026-11-27"},
		{"n=0 on a Saturday", "2026-11-28", 0, "2026-11-28"},
		{"negative n", "2026-11-27", -2, "2026-11-27"},
		{"Friday receipt, day 1", "2026-11-27", 1, "2026-11-30"},
		{"Friday receipt", "2026-11-27", 3, "2026-12-02"},
		{"Saturday receipt, day 1 is Monday", "2026-11-28", 1, "2026-11-30"},
		{"Saturday receipt", "2026-11-28", 3, "2026-12-02"},
		{"Sunday receipt", "2026-11-29", 3, "2026-12-02"},
		{"Monday receipt", "2026-11-30", 3, "2026-12-03"},
		{"across 8 December", "2026-12-04", 3, "2026-12-10"},
		{"received on a holiday (2 June)", "2026-06-02", 3, "2026-06-05"},
		{"received on a holiday (8 December)", "2026-12-08", 3, "2026-12-11"},
		{"Christmas: Tuesday before", "2026-12-22", 3, "2026-12-28"},
		{"Christmas: Wednesday before", "2026-12-23", 3, "2026-12-29"},
		{"Christmas on a weekend is not moved", "2027-12-23", 3, "2027-12-28"},
		{"New Year and Epiphany", "2025-12-31", 3, "2026-01-07"},
		{"New Year 2027", "2026-12-30", 3, "2027-01-05"},
		{"New Year 2027 and Epiphany", "2026-12-30", 4, "2027-01-07"},
		{"Easter 2026", "2026-04-02", 3, "2026-04-08"},
		{"Good Friday counts", "2025-04-17", 1, "2025-04-18"},
		{"Easter 2025", "2025-04-17", 3, "2025-04-23"},
		{"Easter and 25 April 2025", "2025-04-17", 5, "2025-04-28"},
		{"Whit Monday 2026, Friday", "2026-05-22", 3, "2026-05-28"},
		{"Whit Monday 2026, Saturday", "2026-05-23", 3, "2026-05-28"},
		{"4 October 2027 (Monday)", "2027-10-01", 3, "2027-10-07"},
		{"4 October 2021 was a working day", "2021-10-01", 3, "2021-10-06"},
		{"4 October 2026 is a Sunday", "2026-10-02", 1, "2026-10-05"},
		{"Ferragosto 2025 (Friday)", "2025-08-14", 1, "2025-08-18"},
		{"long wait", "2026-11-27", 13, "2026-12-17"},
		{"a year of working days", "2025-12-31", 253, "2026-12-31"},
	}
	for _, k := range cases {
		if got := c.AddWorkdays(md(t, k.received), k.n); got.String() != k.want {
			t.Errorf("%s: AddWorkdays(%s, %d) = %v, want %s", k.name, k.received, k.n, got, k.want)
		}
	}
	if got := c.DueDate(md(t, "2026-11-27"), 3, 10); got.String() != "2026-12-17" {
		t.Errorf("DueDate(2026-11-27, 3, 10) = %v", got)
	}
	if got := c.DueDate(md(t, "2026-11-27"), 3, 0); got.String() != "2026-12-02" {
		t.Errorf("DueDate(2026-11-27, 3, 0) = %v", got)
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := New(nil)
	cases := []struct {
		from, to string
		want     int
	}{
		{"2026-11-27", "2026-11-27", 0},
		{"2026-11-30", "2026-11-27", 0},
		{"2026-11-27", "2026-11-28", 0},
		{"2026-11-27", "2026-11-29", 0},
		{"2026-11-27", "2026-11-30", 1},
		{"2026-11-28", "2026-11-30", 1},
		{"2026-12-22", "2026-12-28", 3},
		{"2025-12-31", "2026-01-07", 3},
		{"2024-12-31", "2025-12-31", 250},
		{"2025-12-31", "2026-12-31", 253},
		{"2026-12-31", "2027-12-31", 253},
		{"2027-10-01", "2027-10-04", 0},
		{"2021-10-01", "2021-10-04", 1},
	}
	for _, k := range cases {
		if got := c.WorkdaysBetween(md(t, k.from), md(t, k.to)); got != k.want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", k.from, k.to, got, k.want)
		}
	}
}

// TestConsistency checks, for random dates and a fixed seed, that
// WorkdaysBetween agrees with counting IsWorkday day by day and that
// AddWorkdays is its inverse, with and without closures, inside the
// precomputed table, across its edges and outside it.
func TestConsistency(t *testing.T) {
	rng := rand.New(rand.NewSource(20261127))
	var closures []Date
	for i := 0; i < 300; i++ {
		closures = append(closures, Date{2018, 1, 1}.AddDays(rng.Intn(15*365)))
	}
	for i := 0; i < 20; i++ { // runs of consecutive closures
		start := Date{2018, 1, 1}.AddDays(rng.Intn(15 * 365))
		for j := 0; j < 1+rng.Intn(12); j++ {
			closures = append(closures, start.AddDays(j))
		}
	}
	closures = append(closures, Date{1899, 12, 27}, Date{1900, 1, 2}, Date{2199, 12, 30}, Date{2200, 1, 2})
	cals := map[string]*Calendar{"plain": New(nil), "closures": New(closures)}
	ranges := [][2]int{{1995, 2055}, {2018, 2033}, {1890, 1910}, {2190, 2210}, {1700, 1702}, {2500, 2502}}

	for name, c := range cals {
		for _, r := range ranges {
			lo := Date{r[0], 1, 1}
			span := Date{r[1], 12, 31}.days() - lo.days()
			for i := 0; i < 1500; i++ {
				d := lo.AddDays(rng.Intn(span))
				x := d.AddDays(rng.Intn(430) - 30)

				brute, last := 0, d
				for y := d.AddDays(1); !y.After(x); y = y.AddDays(1) {
					if c.IsWorkday(y) {
						brute++
						last = y
					}
				}
				w := c.WorkdaysBetween(d, x)
				if w != brute {
					t.Fatalf("%s: WorkdaysBetween(%v, %v) = %d, counted %d", name, d, x, w, brute)
				}
				if got := c.AddWorkdays(d, w); got != last {
					t.Fatalf("%s: AddWorkdays(%v, %d) = %v, want last workday <= %v: %v", name, d, w, got, x, last)
				}

				n := rng.Intn(300)
				due := c.AddWorkdays(d, n)
				if got := c.WorkdaysBetween(d, due); got != n {
					t.Fatalf("%s: WorkdaysBetween(%v, AddWorkdays(%v, %d) = %v) = %d", name, d, d, n, due, got)
				}
				if n > 0 {
					if !c.IsWorkday(due) || !due.After(d) {
						t.Fatalf("%s: AddWorkdays(%v, %d) = %v is not a later workday", name, d, n, due)
					}
					if got := c.WorkdaysBetween(d, due.AddDays(-1)); got != n-1 {
						t.Fatalf("%s: AddWorkdays(%v, %d) = %v is not the first such day", name, d, n, due)
					}
				}
				if got := c.DueDate(d, 3, n); got != c.AddWorkdays(d, 3+n) {
					t.Fatalf("%s: DueDate(%v, 3, %d) = %v", name, d, n, got)
				}
			}
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New([]Date{{2026, 12, 24}, {2026, 12, 31}})
	start := Date{2020, 1, 1}
	want := make([]Date, 2000)
	for i := range want {
		want[i] = c.DueDate(start.AddDays(i), 3, i%5)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range want {
				d := start.AddDays(i)
				if got := c.DueDate(d, 3, i%5); got != want[i] {
					errs <- fmt.Sprintf("goroutine %d: DueDate(%v) = %v, want %v", g, d, got, want[i])
					return
				}
				c.Holiday(d)
				c.WorkdaysBetween(d, want[i])
				c.IsWorkday(d.AddDays(100000)) // outside the table: the slow path's cache
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestKindString(t *testing.T) {
	for k, s := range map[Kind]string{National: "national", Provincial: "provincial", Closure: "closure", 0: "unknown"} {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q", k, k.String())
		}
	}
}

func BenchmarkDueDate(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	c := New([]Date{{2026, 12, 24}, {2026, 12, 31}, {2027, 8, 16}, {2027, 8, 17}})
	received := make([]Date, 1024)
	for i := range received {
		received[i] = Date{2020, 1, 1}.AddDays(rng.Intn(10 * 365))
	}
	var sink Date
	for i := 0; b.Loop(); i++ {
		sink = c.DueDate(received[i&1023], 3, i&7)
	}
	_ = sink
}

func BenchmarkWorkdaysBetween(b *testing.B) {
	c := New(nil)
	from, to := Date{2026, 1, 1}, Date{2026, 11, 27}
	for b.Loop() {
		c.WorkdaysBetween(from, to)
	}
}
