package exchange

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/demo"
)

// Figures for docs/exchange.md ("Measured"); bench/exchange runs them and prints the
// table. Benchmarks measure and report; they assert nothing about time, which depends
// on the machine.

// benchSource is a real register with at least benchOps operations, made once per run
// by the demo generator (the same write path as a clerk's), and its operations.
var benchSource struct {
	once sync.Once
	dir  string
	path string
	ops  []data.Operation
	err  error
}

const benchOps = 100_000

func sourceOps(b testing.TB) (string, []data.Operation) {
	benchSource.once.Do(func() {
		dir, err := os.MkdirTemp("", "ascolto-bench-")
		if err != nil {
			benchSource.err = err
			return
		}
		benchSource.dir = dir
		benchSource.path = filepath.Join(dir, "bz.ascolto")
		ctx := context.Background()
		s, err := data.Create(benchSource.path, demo.Office(), data.Options{Actor: "bench"})
		if err != nil {
			benchSource.err = err
			return
		}
		defer s.Close()
		// Demo cases carry three to four operations each; add until there are enough.
		for seed := int64(1); ; seed++ {
			if err := demo.Generate(ctx, s, demo.Options{Count: 10_000, Seed: seed}); err != nil {
				benchSource.err = err
				return
			}
			hw, _ := s.HighWater(ctx, "BZ")
			if hw >= benchOps {
				break
			}
		}
		benchSource.ops, benchSource.err = s.Operations(ctx, "BZ", 0, benchOps)
	})
	if benchSource.err != nil {
		b.Fatal(benchSource.err)
	}
	return benchSource.path, benchSource.ops
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchSource.dir != "" {
		os.RemoveAll(benchSource.dir)
	}
	os.Exit(code)
}

func receiver(b testing.TB, code string) *data.Store {
	s, err := data.Create(filepath.Join(b.TempDir(), code+".ascolto"),
		data.Office{Code: code, NameIT: "Ufficio " + code, NameDE: "Amt " + code}, data.Options{Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkApplyRemote100k is the import alone: 100 files of 1000 operations of a real
// register, each applied in its own transaction, as the engine does after verifying.
func BenchmarkApplyRemote100k(b *testing.B) {
	_, ops := sourceOps(b)
	const per = 1000
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := receiver(b, fmt.Sprintf("R%d", i))
		b.StartTimer()
		start := time.Now()
		for f := 0; f*per < len(ops); f++ {
			batch := ops[f*per : min((f+1)*per, len(ops))]
			rf := data.RemoteFile{Origin: "BZ", First: batch[0].Seq, Last: batch[len(batch)-1].Seq,
				SHA256: fmt.Sprintf("bench-%d", f), Name: FileName("BZ", batch[0].Seq, batch[len(batch)-1].Seq)}
			n, err := s.ApplyRemote(ctx, rf, batch)
			if err != nil {
				b.Fatal(err)
			}
			if n != len(batch) {
				b.Fatalf("applied %d of %d", n, len(batch))
			}
		}
		el := time.Since(start)
		b.ReportMetric(float64(len(ops))/el.Seconds(), "ops/s")
		b.ReportMetric(el.Seconds(), "s/100k")
	}
}

// benchOffice is a register with its exchange over a real folder.
type benchOffice struct {
	s   *data.Store
	x   *Exchange
	key ed25519.PrivateKey
}

func benchExchange(b testing.TB, s *data.Store, folder string, root string, batch int, poll time.Duration) *benchOffice {
	_, key, _ := ed25519.GenerateKey(nil)
	x, err := New(Config{Store: s, Folder: OSFolder(folder), Root: root, Key: key, BatchOps: batch, BatchIdle: 20 * time.Millisecond, Poll: poll})
	if err != nil {
		b.Fatal(err)
	}
	if err := x.Join(context.Background()); err != nil {
		b.Fatal(err)
	}
	return &benchOffice{s: s, x: x, key: key}
}

func trustPair(b testing.TB, offices ...*benchOffice) {
	for _, o := range offices {
		for _, p := range offices {
			if o != p {
				if err := o.x.Trust(context.Background(), p.s.Local().Code, Fingerprint(p.key.Public().(ed25519.PublicKey))); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

func openCopy(b testing.TB, from string) *data.Store {
	to := filepath.Join(b.TempDir(), "source.ascolto")
	raw, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	s, err := data.Open(to, data.Options{Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkEngineImport100k is the import through the engine: the source office
// publishes its 100,000 operations as files of 1000 into a real folder, the receiver's
// SyncOnce lists, reads, verifies and applies them all (measured: the receiver only).
func BenchmarkEngineImport100k(b *testing.B) {
	path, ops := sourceOps(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		src := openCopy(b, path)
		folder := b.TempDir()
		a := benchExchange(b, src, folder, "", 1000, time.Hour)
		r := benchExchange(b, receiver(b, fmt.Sprintf("R%d", i)), folder, "", 1000, time.Hour)
		trustPair(b, a, r)
		start := time.Now()
		rep, err := a.x.SyncOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s-publish")
		var size int64
		filepath.Walk(folder, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				size += fi.Size()
			}
			return nil
		})
		b.ReportMetric(float64(size)/float64(rep.Published), "bytes/op")
		b.StartTimer()
		start = time.Now()
		got, err := r.x.SyncOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.StopTimer()
		hw, _ := r.s.HighWater(ctx, "BZ")
		if got.Applied < len(ops) || hw < int64(len(ops)) {
			b.Fatalf("applied %d, high-water %d", got.Applied, hw)
		}
		b.ReportMetric(float64(got.Applied)/el.Seconds(), "ops/s")
		b.ReportMetric(el.Seconds()*float64(benchOps)/float64(got.Applied), "s/100k")
		b.StartTimer()
	}
}

// landing measures, per case, the time from its file landing in the receiver's folder
// (renamed in, as a synchronisation program or a share delivers it) to the case being
// readable in the receiver's register, with Watch running.
func landing(b *testing.B, notify bool, poll time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	shared, staging := b.TempDir(), b.TempDir()
	mk := func(code string) *data.Store { return receiver(b, code) }
	a := benchExchange(b, mk("BZ"), staging, "", 1, time.Hour)
	root := ""
	if notify {
		root = shared
	}
	r := benchExchange(b, mk("ME"), shared, root, 1000, poll)
	// The sender publishes into its own copy of the folder; the test moves each file
	// into the shared one at a known moment. Each side sees the other's office.json.
	copyFile(b, filepath.Join(staging, "BZ", OfficeFileName), filepath.Join(shared, "BZ", OfficeFileName))
	copyFile(b, filepath.Join(shared, "ME", OfficeFileName), filepath.Join(staging, "ME", OfficeFileName))
	trustPair(b, a, r)
	done := make(chan struct{})
	go func() { r.x.Watch(ctx); close(done) }()
	time.Sleep(300 * time.Millisecond) // Watch's first look
	var delays []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := a.s.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, Subject: fmt.Sprintf("Caso %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		before := listNames(filepath.Join(staging, "BZ"))
		if _, err := a.x.SyncOnce(ctx); err != nil {
			b.Fatal(err)
		}
		var moved []string
		for n := range listNames(filepath.Join(staging, "BZ")) {
			if !before[n] && strings.HasSuffix(n, fileExt) {
				moved = append(moved, n)
			}
		}
		sort.Strings(moved)
		landed := time.Now()
		for _, n := range moved {
			if err := os.Rename(filepath.Join(staging, "BZ", n), filepath.Join(shared, "BZ", n)); err != nil {
				b.Fatal(err)
			}
		}
		for {
			if _, err := r.s.Get(ctx, c.ID); err == nil {
				break
			}
			if time.Since(landed) > 30*time.Second {
				b.Fatalf("case %d not visible after 30 s", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		delays = append(delays, time.Since(landed))
		// The next file lands at a random moment of the receiver's polling cycle.
		if notify {
			time.Sleep(time.Duration(rand.Intn(200)) * time.Millisecond)
		} else {
			time.Sleep(time.Duration(rand.Int63n(int64(poll) * 6 / 5)))
		}
	}
	b.StopTimer()
	cancel()
	<-done
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	b.ReportMetric(float64(delays[len(delays)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(delays[len(delays)-1].Milliseconds()), "max-ms")
}

func listNames(dir string) map[string]bool {
	out := map[string]bool{}
	des, _ := os.ReadDir(dir)
	for _, d := range des {
		out[d.Name()] = true
	}
	return out
}

func copyFile(b testing.TB, from, to string) {
	raw, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(to), 0o755)
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLandingToVisibleNotify: file-system events on, polling far away (1 h).
func BenchmarkLandingToVisibleNotify(b *testing.B) { landing(b, true, time.Hour) }

// BenchmarkLandingToVisiblePoll2s: no events (as on a share written by another
// machine), a look every 2 s ±20%.
func BenchmarkLandingToVisiblePoll2s(b *testing.B) { landing(b, false, 2*time.Second) }

// BenchmarkFolderScan measures listing a share of 200 office folders with the given
// number of files each (ASCOLTO_BENCH_SCAN_FILES, default 250): the part of a full scan
// that grows with the files left in the folder. Reading and verifying a file happens once
// per file and program start (the engine remembers what it has seen), and is measured by
// BenchmarkEngineImport100k.
func BenchmarkFolderScan(b *testing.B) {
	per := 250
	if v := os.Getenv("ASCOLTO_BENCH_SCAN_FILES"); v != "" {
		fmt.Sscan(v, &per)
	}
	dir := b.TempDir()
	content := make([]byte, 700)
	for o := 0; o < 200; o++ {
		code := fmt.Sprintf("OFF%03d", o)
		os.MkdirAll(filepath.Join(dir, code), 0o755)
		for i := 0; i < per; i++ {
			if err := os.WriteFile(filepath.Join(dir, code, FileName(code, int64(i+1), int64(i+1))), content, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	f := OSFolder(dir)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		root, err := f.List("")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, e := range root {
			entries, err := f.List(e.Name)
			if err != nil {
				b.Fatal(err)
			}
			for _, x := range entries {
				if classify(x.Name) == kindOps {
					n++
				}
			}
		}
		if n != 200*per {
			b.Fatalf("listed %d files", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(200*per), "ns/file")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/scan")
}

// BenchmarkFolderProjection projects the folder of 200 offices over a year from measured
// file sizes, without running 200 registers for a year (which would take days):
//
//   - 200 offices, 250 working days, 50 cases a day each, 4 operations a case;
//   - files as Watch writes them: a file when the clerk's changes pause (BatchIdle),
//     counted as one file per 1.33 operations;
//   - compaction as the engine does it (Config defaults): an office compacts its files
//     into its base once every active office has CompactFiles of them, and keeps at most
//     KeepFiles (+ CompactFiles) files however far behind the others are; its bases
//     follow baseStart, the engine's own rule, played over the year's compactions;
//   - bytes per file and per operation measured by encoding the demo register's real
//     operations, base bytes per operation by compressing 100,000 of them.
//
// The scan time comes from BenchmarkFolderScan's ns/file (passed in
// ASCOLTO_BENCH_NS_PER_FILE by bench/exchange; a fixed guess otherwise).
func BenchmarkFolderProjection(b *testing.B) {
	_, ops := sourceOps(b)
	_, key, _ := ed25519.GenerateKey(nil)
	one, err := Encode(key, Header{Origin: "BZ"}, ops[:1])
	if err != nil {
		b.Fatal(err)
	}
	big, err := Encode(key, Header{Origin: "BZ"}, ops[:1000])
	if err != nil {
		b.Fatal(err)
	}
	snap, err := EncodeSnapshot(key, SnapshotHeader{Origin: "BZ", HighWater: map[string]int64{"BZ": ops[len(ops)-1].Seq}, First: 1}, append([]data.Operation(nil), ops...))
	if err != nil {
		b.Fatal(err)
	}
	perOp := float64(len(big)-len(one)) / 999
	overhead := float64(len(one)) - perOp
	snapPerOp := float64(len(snap)) / float64(len(ops))
	nsPerFile := 2000.0
	if v := os.Getenv("ASCOLTO_BENCH_NS_PER_FILE"); v != "" {
		fmt.Sscan(v, &nsPerFile)
	}
	const offices, days, casesPerDay, opsPerCase = 200, 250, 50, 4
	opsPerOfficeDay := float64(casesPerDay * opsPerCase)
	filesPerOfficeDay := opsPerOfficeDay / 1.33
	bytesPerFile := overhead + perOp*1.33
	yearOps := float64(offices * days * casesPerDay * opsPerCase)
	cfg := Config{}
	cfg.CompactFiles, cfg.KeepFiles = 32, 250 // the defaults of New

	// One office's bases over the year: a compaction every CompactFiles files.
	perCompaction := int64(float64(cfg.CompactFiles) * 1.33)
	officeYear := int64(days * casesPerDay * opsPerCase)
	var bases []baseRec
	rewritten, maxBases, sumBases, compactions := int64(0), 0, 0, 0
	for end := perCompaction; end <= officeYear; end += perCompaction {
		first := baseStart(bases, covers(bases)+1, end)
		nb := baseRec{First: first, Last: end}
		keep := bases[:0]
		for _, x := range bases {
			if x.First < first {
				keep = append(keep, x)
			}
		}
		bases = append(keep, nb)
		rewritten += end - first + 1
		compactions++
		maxBases = max(maxBases, len(bases))
		sumBases += len(bases)
	}
	avgBases := float64(sumBases) / float64(compactions)
	// What an office back after 10 working days reads of one office: the bases that hold
	// its operations of those days, and the files after them.
	behind := officeYear - int64(10*opsPerOfficeDay)
	readBack := int64(0)
	for _, x := range bases {
		if x.Last > behind {
			readBack += x.Last - x.First + 1
		}
	}

	type row struct {
		what         string
		files, bytes float64
	}
	meta := 2.0 // office.json and ack.json of each office
	fiveMin := filesPerOfficeDay / (8.5 * 12)
	baseBytes := float64(officeYear) * snapPerOp // at the end of the year an office's bases hold all its operations
	online := meta + avgBases + float64(cfg.CompactFiles)/2 + fiveMin
	away := meta + avgBases + float64(cfg.KeepFiles+cfg.CompactFiles/2)
	rows := []row{
		{"all offices online", offices * online, offices*((online-meta-avgBases)*bytesPerFile+meta*400) + offices*baseBytes},
		{"one office away 2 weeks (or 59 days, or a year)", (offices-1)*away + online, (offices-1)*((away-meta-avgBases)*bytesPerFile+meta*400) + offices*baseBytes},
		{"before: one office away 59 days", meta*offices + (offices-1)*42*filesPerOfficeDay, (offices-1)*42*filesPerOfficeDay*bytesPerFile + meta*offices*400},
		{"nothing ever removed, one year", meta*offices + offices*days*filesPerOfficeDay, offices*days*filesPerOfficeDay*bytesPerFile + meta*offices*400},
	}
	var t strings.Builder
	fmt.Fprintf(&t, "\nmeasured: %.0f bytes per operation in a file, %.0f bytes per file besides, %.1f bytes per operation in a base or snapshot\n", perOp, overhead, snapPerOp)
	fmt.Fprintf(&t, "%-48s %12s %10s %12s\n", "200 offices × 50 cases/day × 4 operations", "files", "MB", "scan (list)")
	for _, r := range rows {
		fmt.Fprintf(&t, "%-48s %12.0f %10.1f %9.2f s\n", r.what, r.files, r.bytes/1e6, r.files*nsPerFile/1e9)
	}
	fmt.Fprintf(&t, "%-48s %12d compactions a year, %.1f bases on average (%d at most), each operation written %.1f times into bases (%.1f MB a year)\n",
		"bases of one office", compactions, avgBases, maxBases, float64(rewritten)/float64(officeYear), float64(rewritten)*snapPerOp/1e6)
	fmt.Fprintf(&t, "%-48s %12.1f MB (every office's bases at the end of the year)\n", "a newcomer reads", float64(offices*officeYear)*snapPerOp/1e6)
	fmt.Fprintf(&t, "%-48s %12.1f MB (%.0f operations an office, 10 days hold %.0f)\n", "an office back after 2 weeks reads", float64(offices*readBack)*snapPerOp/1e6, float64(readBack), 10*opsPerOfficeDay)
	fmt.Fprintf(&t, "%-48s %12s %10.1f   (limit %d MB; not needed, bases are per office)\n", "one snapshot after a year (every operation)", "1", yearOps*snapPerOp/1e6, MaxSnapshotSize>>20)
	fmt.Fprintf(&t, "%-48s %12.0f operations a year (%.0f a working day) to import per office\n", "each register", yearOps, yearOps/days)
	b.Log(t.String())
	b.ReportMetric(perOp, "bytes/op")
	b.ReportMetric(snapPerOp, "snap-bytes/op")
	b.ReportMetric(yearOps*snapPerOp/1e6, "snap-MB/year")
	b.ReportMetric(offices*online, "files-online")
	b.ReportMetric((offices-1)*away+online, "files-away")
}
