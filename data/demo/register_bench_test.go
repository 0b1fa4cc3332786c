package demo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"ascolto/data"
)

// The register benchmarks run on a demo register: the one named by ASCOLTO_BENCH_DB
// (bench/run makes one of 1,000,000 cases), or a smaller one made here once.
var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

func benchRegister(b *testing.B) string {
	benchOnce.Do(func() {
		if p := os.Getenv("ASCOLTO_BENCH_DB"); p != "" {
			benchPath = p
			return
		}
		dir, err := os.MkdirTemp("", "ascolto-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "bench.ascolto")
		s, err := data.Create(benchPath, Office(), data.Options{})
		if err != nil {
			benchErr = err
			return
		}
		defer s.Close()
		benchErr = Generate(context.Background(), s, Options{Count: 20000, Seed: 1})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// latencies collects the time of each operation and reports the percentiles a clerk
// feels, the 99th above all.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	q := func(p float64) float64 { return float64(l[int(p*float64(len(l)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(l[len(l)-1].Microseconds())/1000, "max-ms")
}

func openBench(b *testing.B) *data.Store {
	s, err := data.Open(benchRegister(b), data.Options{Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAddCase is one case registered at the counter, committed (fsync) like the
// window does it.
func BenchmarkAddCase(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	var lat latencies
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		_, err := s.Create(ctx, data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelCounter,
			Subject: "Beschwerde: Wartezeiten am Schalter", Description: "Über eine Stunde gewartet.",
			Citizen: data.Citizen{Name: "Zoë Thöni", Email: "zoe.thoeni@example.it", Language: data.German}})
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	lat.report(b)
}

// typicalQueries are what clerks type: names without accents, part of a word, a
// protocol number, words of a subject or reply, an e-mail, a street.
var typicalQueries = []string{"muller", "nicolo", "wartezeit", "BZ-2025-000123", "certificato pronto",
	"Pichler Anna", "joerg.kroess", "Kerschbaumer", "reclamo attesa", "Umschulung"}

// BenchmarkSearch runs the ten typical queries, first page (20) ranked.
func BenchmarkSearch(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	var lat latencies
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := typicalQueries[i%len(typicalQueries)]
		t0 := time.Now()
		res, err := s.Search(ctx, data.Filter{Query: q, Limit: 20})
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if len(res) == 0 && q != "BZ-2025-000123" {
			b.Fatalf("%q found nothing", q)
		}
	}
	lat.report(b)
}

// BenchmarkListFirstPage is the first page (50 rows) of the lists a clerk opens:
// overdue (most urgent first), one status (newest first), and everything.
func BenchmarkListFirstPage(b *testing.B) {
	for _, tc := range []struct {
		name string
		f    data.Filter
	}{
		{"overdue", data.Filter{Overdue: true}},
		{"status=in_progress", data.Filter{Statuses: []data.Status{data.StatusInProgress}}},
		{"status=received,kind=complaint", data.Filter{Statuses: []data.Status{data.StatusReceived}, Kinds: []data.Kind{data.KindComplaint}}},
		{"all", data.Filter{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := openBench(b)
			ctx := context.Background()
			var lat latencies
			tc.f.Limit = 50
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				res, err := s.List(ctx, tc.f)
				lat = append(lat, time.Since(t0))
				if err != nil || len(res) == 0 {
					b.Fatal(err, len(res))
				}
			}
			lat.report(b)
		})
	}
}

// BenchmarkOpenRegister is opening the register and reading the first page, as the
// window does at start.
func BenchmarkOpenRegister(b *testing.B) {
	path := benchRegister(b)
	ctx := context.Background()
	var lat latencies
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		s, err := data.Open(path, data.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.List(ctx, data.Filter{Limit: 50}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		s.Close()
	}
	lat.report(b)
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/(1<<20), "MiB-on-disk")
	}
}

// BenchmarkSearchSQLite3 runs the ten typical queries through the sqlite3 program (C
// SQLite, the Debian package) on the same register: the same FTS5 expression, ranked by
// FTS5's own bm25, first 20 with their case rows. It is the yardstick for
// BenchmarkSearch, which adds weights, filters and the pure-Go engine. Each query is
// timed from writing it to sqlite3 until the marker after its rows comes back, so the
// figure includes a pipe round trip (tens of microseconds).
func BenchmarkSearchSQLite3(b *testing.B) {
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Skip("no sqlite3 program (apt-get install sqlite3)")
	}
	cmd := exec.Command(bin, "-batch", benchRegister(b))
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		in.Close()
		cmd.Wait()
	}()
	out := bufio.NewReader(outPipe)
	const marker = "#end-of-query"
	ask := func(q string) (rows int) {
		if _, err := io.WriteString(in, q+";\nSELECT '"+marker+"';\n"); err != nil {
			b.Fatal(err)
		}
		for {
			line, err := out.ReadString('\n')
			if err != nil {
				b.Fatalf("sqlite3: %v", err)
			}
			if strings.TrimSpace(line) == marker {
				return rows
			}
			rows++
		}
	}
	ask(`PRAGMA cache_size = -262144`) // the register's own page cache (data.Options)
	queries := make([]string, len(typicalQueries))
	for i, q := range typicalQueries {
		expr := strings.ReplaceAll(data.SearchExpression(q), "'", "''")
		queries[i] = fmt.Sprintf(`SELECT c.id, c.number, c.subject, c.citizen_name, c.status, c.received_at
			FROM cases_fts JOIN cases c ON c.rowid = cases_fts.rowid
			WHERE cases_fts MATCH '%s' ORDER BY rank LIMIT 20`, expr)
	}
	for _, q := range queries { // warm the cache as BenchmarkSearch's first round does
		ask(q)
	}
	var lat latencies
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		n := ask(queries[i%len(queries)])
		lat = append(lat, time.Since(t0))
		if n == 0 && typicalQueries[i%len(queries)] != "BZ-2025-000123" {
			b.Fatalf("%q found nothing", typicalQueries[i%len(queries)])
		}
	}
	lat.report(b)
}

// BenchmarkRegisterSize reports the register's bytes per case, in all and per table
// with its indexes (SQLite's dbstat: pages in use and free). It measures, it does not
// repeat: run it with -benchtime 1x.
func BenchmarkRegisterSize(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	db := s.DB()
	var cases int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&cases); err != nil || cases == 0 {
		b.Fatal(err, cases)
	}
	// Every b-tree under the table it belongs to; the search index's shadow tables
	// (cases_fts_data, _idx, _docsize, _config) under "search".
	rows, err := db.QueryContext(ctx, `SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize)
		FROM dbstat AS d LEFT JOIN sqlite_schema AS m ON m.name = d.name
		GROUP BY 1`)
	if err != nil {
		b.Fatal(err)
	}
	per := map[string]int64{}
	var total int64
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			b.Fatal(err)
		}
		switch {
		case strings.HasPrefix(name, "cases_fts"):
			name = "search"
		case strings.HasPrefix(name, "sqlite_"):
			name = "other"
		}
		per[name] += n
		total += n
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	var pageSize, free int64
	db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize)
	db.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free)
	per["free"] = free * pageSize
	total += free * pageSize
	// The small tables (offices, counters, meta, …) together, so the list stays short.
	for name, n := range per {
		if n*100 < total && name != "free" {
			per["other"] += n
			delete(per, name)
		}
	}
	b.ReportMetric(float64(cases), "cases")
	b.ReportMetric(float64(total)/float64(cases), "total-B/case")
	for name, n := range per {
		b.ReportMetric(float64(n)/float64(cases), name+"-B/case")
	}
}
