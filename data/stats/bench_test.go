package stats

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/demo"
)

// The benchmarks read the register named by ASCOLTO_BENCH_DB (bench/stats passes a copy
// of the million-case demo register), or a demo register of 20,000 cases made here once.
var (
	benchOnce sync.Once
	benchDir  string
	benchPath string
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func benchStore(b *testing.B) *data.Store {
	benchOnce.Do(func() {
		if benchPath = os.Getenv("ASCOLTO_BENCH_DB"); benchPath != "" {
			return
		}
		if benchDir, benchErr = os.MkdirTemp("", "ascolto-stats-bench"); benchErr != nil {
			return
		}
		benchPath = filepath.Join(benchDir, "bench.ascolto")
		s, err := data.Create(benchPath, demo.Office(), data.Options{})
		if err != nil {
			benchErr = err
			return
		}
		defer s.Close()
		benchErr = demo.Generate(context.Background(), s, demo.Options{Count: 20000, Seed: 1})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	s, err := data.Open(benchPath, data.Options{Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := Refresh(context.Background(), s, nil); err != nil { // built once, as on any later start
		b.Fatal(err)
	}
	return s
}

// report gives the median and the slowest of the timings, in milliseconds.
func report(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkIndicators computes every indicator at once (stats.Compute, as `ascoltoctl
// stats` and the dashboard do) for the usual selections.
func BenchmarkIndicators(b *testing.B) {
	s := benchStore(b)
	today := data.Today(s.Now())
	year := today[:4]
	var n int
	s.DB().QueryRow(`SELECT count(*) FROM cases`).Scan(&n)
	for _, tc := range []struct {
		name string
		q    Query
	}{
		{"all", Query{}},
		{"this-year", Query{From: year + "-01-01", To: today}},
		{"one-office", Query{Offices: []string{"BZ"}}},
		{"complaints", Query{Kinds: []data.Kind{data.KindComplaint}}},
		{"one-category", Query{Categories: []string{"tempi di attesa"}}},
		{"german-email", Query{Languages: []data.Language{data.German}, Channels: []data.Channel{data.ChannelEmail}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				t0 := time.Now()
				in, err := Compute(context.Background(), s, tc.q)
				times = append(times, time.Since(t0))
				if err != nil || in.Total == 0 {
					b.Fatal(err)
				}
			}
			report(b, times)
			b.ReportMetric(float64(n), "cases")
		})
	}
}

// BenchmarkRefreshAfterAChange: a clerk records one change, the next reading of the
// indicators brings that case's figures up to date.
func BenchmarkRefreshAfterAChange(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	cases, err := s.List(ctx, data.Filter{Statuses: []data.Status{data.StatusClosed}, Limit: 100})
	if err != nil || len(cases) == 0 {
		b.Fatal(err)
	}
	var times []time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		if _, err := s.SetSatisfaction(ctx, cases[i%len(cases)].Number, 1+i%5); err != nil {
			b.Fatal(err)
		}
		i++
		b.StartTimer()
		t0 := time.Now()
		if err := Refresh(ctx, s, nil); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	report(b, times)
}

// BenchmarkRebuild: the figures of the whole register built from nothing, as on the
// first reading after an upgrade (once per register).
func BenchmarkRebuild(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	var times []time.Duration
	for b.Loop() {
		b.StopTimer()
		if _, err := s.DB().Exec(`DELETE FROM meta WHERE key = ?`, markKey); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if err := Refresh(ctx, s, nil); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	report(b, times)
}
