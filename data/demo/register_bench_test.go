package demo

import (
	"context"
	"os"
	"path/filepath"
	"sort"
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
