package ui

import (
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// benchRegister is the register the benchmarks read: ASCOLTO_BENCH_REGISTER names a
// large one made beforehand (e.g. a copy of bench/out/1m.ascolto, a million demo
// cases); without it a register of 20,000 cases is made for the run.
func benchRegister(b *testing.B) *data.Store {
	if path := os.Getenv("ASCOLTO_BENCH_REGISTER"); path != "" {
		s, err := data.Open(path, data.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		// As the program does (cmd/ascolto): idle connections and their page caches go.
		s.DB().SetMaxIdleConns(1)
		if kb := os.Getenv("ASCOLTO_BENCH_CACHE_KB"); kb != "" {
			// What the register's page cache costs: the same run with a smaller cache
			// per connection (the register sets 256 MB). Two connections, both set.
			db := s.DB()
			db.SetMaxOpenConns(2)
			db.SetMaxIdleConns(2)
			ctx := b.Context()
			c1, _ := db.Conn(ctx)
			c2, _ := db.Conn(ctx)
			for _, c := range []*sql.Conn{c1, c2} {
				if _, err := c.ExecContext(ctx, "PRAGMA cache_size = -"+kb); err != nil {
					b.Fatal(err)
				}
			}
			c1.Close()
			c2.Close()
		}
		return s
	}
	return newRegister(b, 20000)
}

// BenchmarkFirstRows: from building the view to the first screen of rows, the time a
// clerk waits after the register is open.
func BenchmarkFirstRows(b *testing.B) {
	s := benchRegister(b)
	test.NewTempApp(b)
	for b.Loop() {
		q := make(uiQueue, 1000)
		v := newRegisterView(s, "it", q.do)
		w := test.NewWindow(v.Object())
		w.Resize(fyne.NewSize(1280, 720))
		q.until(b, "the first rows", func() bool { return v.firstDone })
		v.Close()
		w.Close()
	}
}

// BenchmarkFarRow: a jump to 90% of the register (the scroll bar dragged near the end),
// until the row is on screen. A deep page is the slowest read: SQLite steps over the
// rows before it.
func BenchmarkFarRow(b *testing.B) {
	s := benchRegister(b)
	v, q, _ := showView(b, s, "it")
	q.until(b, "the first rows", func() bool { return v.firstDone })
	far := v.total * 9 / 10
	b.ReportMetric(float64(v.total), "cases")
	for b.Loop() {
		v.pages.reset(nil) // read it again every time
		v.pages.mu.Lock()
		clear(v.pages.pages)
		v.pages.mu.Unlock()
		v.table.ScrollTo(widget.TableCellID{Row: far, Col: 0})
		v.table.Refresh()
		q.until(b, fmt.Sprint("row ", far), func() bool { c, _ := v.pages.row(far); return c != nil })
		v.table.ScrollToTop()
	}
}

// searches are what clerks type: names without their accents, words of subjects, a
// protocol number.
var searches = []string{"muller", "nicolo", "rossi", "gruber", "wartezeit", "sportello", "mobilitat",
	"bz-2026-123", "maria rossi", "orari"}

// BenchmarkKeystrokeToTable: the last letter of a search typed into the search box,
// until the table shows the first page of what it finds — with the pause the box
// waits for the next keystroke (searchDelay) included. Reported as p50, p95 and the
// slowest, in milliseconds.
func BenchmarkKeystrokeToTable(b *testing.B) {
	s := benchRegister(b)
	v, q, w := showView(b, s, "it")
	q.until(b, "the first rows", func() bool { return v.firstDone })
	var times []time.Duration
	shownQuery := ""
	v.shown = func() {
		if _, ok := v.pages.first(); ok {
			shownQuery = v.filter.Query
		}
	}
	i := 0
	for b.Loop() {
		query := searches[i%len(searches)]
		i++
		// Type all but the last letter and let that search settle, unmeasured.
		v.search.SetText("")
		v.searchNow()
		typeInto(w, v.search, query[:len(query)-1])
		v.searchNow()
		q.until(b, "the partial search", func() bool { return shownQuery == query[:len(query)-1] })
		begun := time.Now()
		test.Type(v.search, query[len(query)-1:])
		q.until(b, "the search "+query, func() bool { return shownQuery == query })
		times = append(times, time.Since(begun))
		if os.Getenv("ASCOLTO_BENCH_VERBOSE") != "" {
			b.Logf("%-14s %v", query, time.Since(begun).Round(time.Millisecond))
		}
	}
	reportLatencies(b, times)
}

func reportLatencies(b *testing.B, times []time.Duration) {
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	at := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkScrollMemory scrolls through the register as a clerk would — a long stretch
// from the top a screen at a time, then the scroll bar dragged to every tenth of the
// register with a stretch of scrolling there — and reports the process's resident
// memory at its highest (VmHWM) and the Go heap in use at its highest.
func BenchmarkScrollMemory(b *testing.B) {
	s := benchRegister(b)
	v, q, _ := showView(b, s, "it")
	q.until(b, "the first rows", func() bool { return v.firstDone })
	var heap uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heap = max(heap, m.HeapInuse)
	}
	visit := func(row int) {
		v.table.ScrollTo(widget.TableCellID{Row: row, Col: 0})
		v.table.Refresh()
		q.until(b, fmt.Sprint("row ", row), func() bool { c, _ := v.pages.row(row); return c != nil })
	}
	begun := time.Now()
	rows := 0
	for b.Loop() {
		for r := 0; r < min(v.total, 6000); r += 20 { // a screen at a time
			visit(r)
			rows++
		}
		sample()
		for tenth := 1; tenth <= 10; tenth++ {
			start := min(v.total-1, v.total*tenth/10-1)
			for r := start; r >= max(0, start-1500); r -= 20 {
				visit(r)
				rows++
			}
			sample()
		}
	}
	b.ReportMetric(float64(v.total), "cases")
	b.ReportMetric(float64(rows), "screens")
	b.ReportMetric(time.Since(begun).Seconds()/float64(b.N), "s-per-pass")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
	b.ReportMetric(float64(procStatus("VmHWM"))/1024, "peak-RSS-MB")
}

// procStatus reads a figure in kB from /proc/self/status (0 where there is none).
func procStatus(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}
