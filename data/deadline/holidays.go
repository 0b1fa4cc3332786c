package deadline

import (
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/it"
)

// Kind says why a day is not a working day, besides being a weekend.
type Kind uint8

const (
	// National is an Italian public holiday (giorno festivo) listed in art. 2
	// of legge 27 maggio 1949, n. 260, as amended.
	National Kind = iota + 1
	// Provincial is the South Tyrol holiday that takes the place of the local
	// patron-saint day: Whit Monday (Pfingstmontag, Lunedì di Pentecoste).
	Provincial
	// Closure is a closure day the office declared itself (New).
	Closure
)

// String returns "national", "provincial" or "closure".
func (k Kind) String() string {
	switch k {
	case National:
		return "national"
	case Provincial:
		return "provincial"
	case Closure:
		return "closure"
	}
	return "unknown"
}

// Holiday explains a day that does not count: its name in Italian and German
// for the UI, and its kind. When two holidays fall on the same day (Easter
// Monday on 25 April in 2011 and 2095, Whit Monday on 2 June in 2031) the
// names are joined with " / " and Kind is the first one's.
type Holiday struct {
	NameIT string
	NameDE string
	Kind   Kind
}

// closureInfo is what Holiday reports for an office closure.
var closureInfo = Holiday{NameIT: "Chiusura dell'ufficio", NameDE: "Schließtag des Amtes", Kind: Closure}

// sanFrancesco is the national holiday of 4 October restored by
// legge 8 ottobre 2025, n. 151, "Istituzione della festa nazionale di San
// Francesco d'Assisi" (Gazzetta Ufficiale n. 236 of 10 October 2025, in force
// from 1 January 2026). Its art. 1(2) inserts into art. 2 of legge 260/1949 the
// line «il 4 ottobre: festa nazionale di San Francesco d'Assisi, patrono
// d'Italia». The holiday is St Francis's alone: art. 1(3) leaves 4 October,
// under legge 4 marzo 1958, n. 132, a "solennità civile" (a commemoration, not
// a day off) for St Catherine of Siena, the patroness of Italy.
//
// 4 October was a public holiday under legge 4 marzo 1958, n. 132 until
// legge 5 marzo 1977, n. 54 removed it, and a working day from 1977 to 2025.
// rickar/cal v2.1.13 (package it) predates the new law and lacks the day,
// hence this rule with StartYear 2026. (Before 1977 this package applies
// today's list, see the package comment.)
var sanFrancesco = &cal.Holiday{
	Name:      "Festa nazionale di San Francesco d'Assisi",
	Type:      cal.ObservancePublic,
	StartYear: 2026,
	Month:     time.October,
	Day:       4,
	Func:      cal.CalcDayOfMonth,
}

// pfingstmontag is Whit Monday, 50 days after Easter Sunday. The day of a
// town's patron saint is not in the statutory list of legge 260/1949: it is a
// day off by local custom, recognised by the collective agreements. In the
// Province of Bolzano/Bozen the province-wide Whit Monday takes its place and
// public offices are closed; that rests on the provincial arrangements for
// public staff, not on a state law, which is why it is a rule of its own here
// (Kind Provincial) rather than part of rickar/cal's Italian list.
var pfingstmontag = aa.PentecostMonday.Clone(&cal.Holiday{
	Name: "Lunedì di Pentecoste",
	Type: cal.ObservancePublic,
})

// def is one rule of the base calendar: how rickar/cal computes it, and what
// the UI says about it.
type def struct {
	rule *cal.Holiday
	info Holiday
}

// names gives the Italian and German names of the holidays in package it of
// rickar/cal (whose own names are Italian only, and short).
var names = map[*cal.Holiday]Holiday{
	it.Capodanno:             {"Capodanno", "Neujahr", National},
	it.Epifania:              {"Epifania", "Heilige Drei Könige", National},
	it.Pasquetta:             {"Lunedì dell'Angelo (Pasquetta)", "Ostermontag", National},
	it.FestaDellaLiberazione: {"Festa della Liberazione", "Tag der Befreiung", National},
	it.FestaDelLavoro:        {"Festa del Lavoro", "Tag der Arbeit", National},
	it.FestaDellaRepubblica:  {"Festa della Repubblica", "Tag der Republik", National},
	it.Assunzione:            {"Assunzione di Maria (Ferragosto)", "Mariä Himmelfahrt", National},
	it.TuttiISanti:           {"Ognissanti", "Allerheiligen", National},
	it.Immacolata:            {"Immacolata Concezione", "Mariä Empfängnis", National},
	it.Natale:                {"Natale", "Weihnachten", National},
	it.SantoStefano:          {"Santo Stefano", "Stefanitag", National},
	sanFrancesco:             {"San Francesco d'Assisi, patrono d'Italia", "Hl. Franz von Assisi, Schutzpatron Italiens", National},
	pfingstmontag:            {"Lunedì di Pentecoste", "Pfingstmontag", Provincial},
}

// defs is the base calendar: Italy's national holidays as rickar/cal lists
// them, plus 4 October from 2026, plus Whit Monday for South Tyrol. At most 16
// (one bit each in a uint16 mask).
var defs = func() []def {
	rules := append(append([]*cal.Holiday(nil), it.Holidays...), sanFrancesco, pfingstmontag)
	out := make([]def, 0, len(rules))
	for _, r := range rules {
		info, ok := names[r]
		if !ok { // a holiday added by a later rickar/cal: keep it, named as there
			info = Holiday{NameIT: r.Name, NameDE: r.Name, Kind: National}
		}
		out = append(out, def{rule: r, info: info})
	}
	if len(out) > 16 {
		panic("deadline: more than 16 holiday rules")
	}
	return out
}()

// yearMasks computes the holidays of one year: day number -> bit set of defs.
func yearMasks(year int) map[int]uint16 {
	m := make(map[int]uint16, len(defs))
	for i, d := range defs {
		_, obs := d.rule.Calc(year)
		if obs.IsZero() {
			continue
		}
		m[DateOf(obs).days()] |= 1 << i
	}
	return m
}

// The base calendar (weekends and holidays, without closures) is
// precomputed once for the years tableFirst..tableLast; days outside fall
// back to per-year holiday sets computed on demand and cached in slowYears.
const (
	tableFirst = 1900
	tableLast  = 2199
)

type table struct {
	lo, hi int      // day numbers covered: [lo, hi)
	mask   []uint16 // holidays of each day (bit i = defs[i])
	pre    []int32  // pre[i] = base working days in [lo, lo+i); len = hi-lo+1
	work   []int32  // offsets from lo of the base working days, ascending
}

var (
	tableOnce sync.Once
	tbl       *table
	slowYears sync.Map // int year -> map[int]uint16
)

func base() *table {
	tableOnce.Do(func() { tbl = buildTable(tableFirst, tableLast) })
	return tbl
}

func buildTable(first, last int) *table {
	t := &table{
		lo: Date{first, time.January, 1}.days(),
		hi: Date{last + 1, time.January, 1}.days(),
	}
	n := t.hi - t.lo
	t.mask = make([]uint16, n)
	for y := first; y <= last; y++ {
		for day, m := range yearMasks(y) {
			if day >= t.lo && day < t.hi {
				t.mask[day-t.lo] |= m
			}
		}
	}
	t.pre = make([]int32, n+1)
	t.work = make([]int32, 0, n*5/7)
	for i := 0; i < n; i++ {
		t.pre[i+1] = t.pre[i]
		if t.mask[i] == 0 && !weekend(weekday(t.lo+i)) {
			t.pre[i+1]++
			t.work = append(t.work, int32(i))
		}
	}
	return t
}

func weekend(w time.Weekday) bool { return w == time.Saturday || w == time.Sunday }

// holidayMask returns the holidays on day number z.
func holidayMask(z int) uint16 {
	t := base()
	if z >= t.lo && z < t.hi {
		return t.mask[z-t.lo]
	}
	y := fromDays(z).Year
	v, ok := slowYears.Load(y)
	if !ok {
		v, _ = slowYears.LoadOrStore(y, yearMasks(y))
	}
	return v.(map[int]uint16)[z]
}

// baseWork reports whether day z is a working day before office closures.
func baseWork(z int) bool {
	t := base()
	if z >= t.lo && z < t.hi {
		i := z - t.lo
		return t.pre[i+1] != t.pre[i]
	}
	return !weekend(weekday(z)) && holidayMask(z) == 0
}

// baseCount returns the number of base working days in (a, b].
func baseCount(a, b int) int {
	t := base()
	n := 0
	for a < b && a < t.lo-1 { // below the table
		a++
		if baseWork(a) {
			n++
		}
	}
	if a < b && a < t.hi-1 { // in the table: two lookups
		e := min(b, t.hi-1)
		n += int(t.pre[e-t.lo+1] - t.pre[a-t.lo+1])
		a = e
	}
	for a < b { // above the table
		a++
		if baseWork(a) {
			n++
		}
	}
	return n
}

// baseSelect returns the m-th base working day after day a (m >= 1): the
// smallest x > a with baseCount(a, x) == m.
func baseSelect(a, m int) int {
	t := base()
	x := a
	for m > 0 {
		if x >= t.lo-1 && x < t.hi-1 {
			i := x - t.lo + 1
			if r := int(t.pre[i]) + m; r <= len(t.work) {
				return t.lo + int(t.work[r-1])
			}
			m -= len(t.work) - int(t.pre[i])
			x = t.hi - 1
			continue
		}
		x++
		if baseWork(x) {
			m--
		}
	}
	return x
}

// describe turns a holiday mask into the Holiday shown to users.
func describe(mask uint16) Holiday {
	var h Holiday
	var nIT, nDE []string
	for i, d := range defs {
		if mask&(1<<i) == 0 {
			continue
		}
		if h.Kind == 0 {
			h.Kind = d.info.Kind
		}
		nIT = append(nIT, d.info.NameIT)
		nDE = append(nDE, d.info.NameDE)
	}
	h.NameIT = strings.Join(nIT, " / ")
	h.NameDE = strings.Join(nDE, " / ")
	return h
}
