package exchange

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ascolto/data"
)

// The simulation: several offices, each with a real register, exchange through a fake
// share that misbehaves the way shares and synchronisation programs do (fakefolder_test.go),
// while clerks work. Once the faults stop and every office has synchronised until nothing
// moves, every office must hold the same register and have lost nothing.
//
//	go test -run TestSimulation ./data/exchange/                  # the default seeds
//	go test -run TestSimulation ./data/exchange/ -seeds=5000      # thousands (an hour on 2 cores)
//	go test -run TestSimulation ./data/exchange/ -seed=1234 -v    # one seed, to reproduce
//
// (The simulation's flags go after the package, or with "=": go test cannot tell
// whether an unknown flag takes a value.)
//
// ASCOLTO_SIM_SEEDS sets the number of seeds as -seeds does (for CI); -seed-from moves
// the first one, so that runs on several machines share out a range.

var (
	simSeeds    = flag.Int("seeds", 0, "seeds TestSimulation runs (default $ASCOLTO_SIM_SEEDS, else 100; 10 with -short)")
	simSeed     = flag.Int64("seed", 0, "run TestSimulation for this seed only")
	simSeedFrom = flag.Int64("seed-from", 1, "first seed TestSimulation runs")
	simSteps    = flag.Int("sim-steps", 0, "steps of clerk work per seed (default: drawn per seed, 20…50)")
	simForge    = flag.Bool("sim-forge", true, "put forged and unsigned files on the share")
	// The budget bounds the run by time as well as by seeds: on a loaded machine a seed
	// can take ten times as long, and a run that hits go test's -timeout reports nothing
	// useful. Seeds not started once the budget is spent are skipped, and counted in the log.
	simBudget = flag.Duration("sim-budget", 0, "start no new seed after this long (0: no limit; default $ASCOLTO_SIM_BUDGET)")
)

// simBudgetLeft tells whether a seed may still start.
func simBudgetLeft(start time.Time) bool {
	b := *simBudget
	if b == 0 {
		if d, err := time.ParseDuration(os.Getenv("ASCOLTO_SIM_BUDGET")); err == nil {
			b = d
		}
	}
	return b <= 0 || time.Since(start) < b
}

func simSeedList() []int64 {
	if *simSeed != 0 {
		return []int64{*simSeed}
	}
	n := *simSeeds
	if n == 0 {
		if v, err := strconv.Atoi(os.Getenv("ASCOLTO_SIM_SEEDS")); err == nil && v > 0 {
			n = v
		} else if testing.Short() {
			n = 10
		} else {
			n = 100
		}
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = *simSeedFrom + int64(i)
	}
	return out
}

// simCodes are the offices of a run; the first five take part from the start.
var simCodes = []string{"BZ", "MERANO", "BRIXEN", "EGNA", "SCHLANDERS", "BRUNECK"}

// simBase is where every run's time starts: a Monday morning.
var simBase = time.Date(2025, 3, 3, 8, 30, 0, 0, data.Rome)

// simTime is the run's true time; each office's clock is it plus the office's skew.
type simTime struct {
	mu sync.Mutex
	t  time.Time
}

func (s *simTime) now() time.Time        { s.mu.Lock(); defer s.mu.Unlock(); return s.t }
func (s *simTime) add(d time.Duration)   { s.mu.Lock(); s.t = s.t.Add(d); s.mu.Unlock() }
func (s *simTime) Now() time.Time        { return s.now() }
func (c *skewClock) Now() time.Time      { return c.base.now().Add(c.skew) }
func (c *skewClock) set(d time.Duration) { c.skew = d }

type skewClock struct {
	base *simTime
	skew time.Duration
}

// simTemplates are empty registers made once per run and copied for every seed: making
// a register runs every migration, copying it is a file copy.
var simTemplates struct {
	once sync.Once
	dir  string
	err  error
}

func simTemplate(t *testing.T, code string) string {
	simTemplates.once.Do(func() {
		simTemplates.dir, simTemplates.err = os.MkdirTemp(simTempRoot(), "ascolto-sim-templates-")
		if simTemplates.err != nil {
			return
		}
		for _, c := range simCodes {
			s, err := data.Create(filepath.Join(simTemplates.dir, c+".ascolto"),
				data.Office{Code: c, NameIT: "Centro di mediazione lavoro " + c, NameDE: "Arbeitsvermittlungszentrum " + c},
				data.Options{Clock: &simTime{t: simBase.Add(-24 * time.Hour)}, Actor: "setup"})
			if err != nil {
				simTemplates.err = err
				return
			}
			for _, o := range simCodes {
				if o != c {
					if err := s.PutOffice(data.Office{Code: o, NameIT: "Centro di mediazione lavoro " + o, NameDE: "Arbeitsvermittlungszentrum " + o}); err != nil {
						simTemplates.err = err
						return
					}
				}
			}
			if err := s.Close(); err != nil {
				simTemplates.err = err
				return
			}
		}
	})
	if simTemplates.err != nil {
		t.Fatal(simTemplates.err)
	}
	return filepath.Join(simTemplates.dir, code+".ascolto")
}

// simTempRoot is a memory file system where there is one: the registers are real SQLite
// files, but hundreds of seeds of synchronous commits on a disk take minutes.
func simTempRoot() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "ascolto-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

func copyRegister(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

type simOffice struct {
	code   string
	path   string
	s      *data.Store
	clock  *skewClock
	view   *fakeView
	key    ed25519.PrivateKey
	x      *Exchange
	batch  int
	joined bool
}

type sim struct {
	t        *testing.T
	seed     int64
	rnd      *rand.Rand
	time     *simTime
	share    *fakeShare
	offices  []*simOffice
	dir      string
	log      *slog.Logger
	trace    []string // what happened, printed when the seed fails
	forged   map[string]bool
	syncErrs int
	clerkOps int
	settle   int // where in the trace the faults stopped
	// active is how long an office counts as active for compaction here: hours, not
	// the real 60 days, so that an office away for a while is away for longer than it.
	active  time.Duration
	compact int       // CompactFiles of this run: small, so that offices compact often
	keep    int       // KeepFiles of this run: small, so that offices compact without the slow ones
	rogue   *simRogue // a trusted office that signs changes breaking the rules (sim_rogue_test.go)
	files   *simFiles // files of cases added, erased and damaged (sim_files_test.go)
}

// diagnose says where each office stands: gaps, files not applied, and the files of
// the share.
func (m *sim) diagnose() string {
	ctx := context.Background()
	var b strings.Builder
	for _, o := range m.offices {
		st, err := o.x.Status(ctx)
		if err != nil {
			fmt.Fprintf(&b, "%s status: %v\n", o.code, err)
			continue
		}
		fmt.Fprintf(&b, "%s high-water %s gaps %+v\n", o.code, sortedMap(nonZero(o.s)), st.Gaps)
		for _, r := range st.Rejected {
			if !strings.HasPrefix(r.Path, "ROGUE/") {
				fmt.Fprintf(&b, "  rejected %s %s %s\n", r.Path, r.Reason, r.Detail)
			}
		}
	}
	b.WriteString("share:")
	for _, p := range m.share.names() {
		if !strings.HasPrefix(p, "ROGUE/") {
			fmt.Fprintf(&b, " %s(%d)", p, len(m.share.content(p)))
		}
	}
	return b.String()
}

func (m *sim) tracef(format string, args ...any) {
	m.trace = append(m.trace, fmt.Sprintf("%s ", m.time.now().Format("01-02 15:04"))+fmt.Sprintf(format, args...))
}

// TestSimulation runs the seeds, two at a time (each is one goroutine; the registers
// are separate files); a failing seed says how to run it alone.
func TestSimulation(t *testing.T) {
	seeds := simSeedList()
	start := time.Now()
	var ran atomic.Int64
	t.Run("seeds", func(t *testing.T) {
		for _, seed := range seeds {
			seed := seed
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				if len(seeds) > 1 {
					t.Parallel()
				}
				if !simBudgetLeft(start) {
					t.Skipf("time budget spent before seed %d started", seed)
				}
				ran.Add(1)
				runSim(t, seed)
			})
		}
	})
	t.Logf("%d of %d seeds in %v", ran.Load(), len(seeds), time.Since(start).Round(time.Millisecond))
	if n := int64(len(seeds)); ran.Load() < n {
		fmt.Printf("simulation: %d of %d seeds ran within the time budget\n", ran.Load(), n)
	}
}

func runSim(t *testing.T, seed int64) {
	ctx := context.Background()
	dir, err := os.MkdirTemp(simTempRoot(), "ascolto-sim-")
	if err != nil {
		t.Fatal(err)
	}
	m := &sim{t: t, seed: seed, rnd: rand.New(rand.NewSource(seed)), time: &simTime{t: simBase}, dir: dir, forged: map[string]bool{},
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if testing.Verbose() && *simSeed != 0 {
		m.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m.share = newFakeShare(m.rnd.Int63(), m.time.now)
	m.active = time.Duration(1+m.rnd.Intn(4)) * time.Hour
	m.compact = 1 + m.rnd.Intn(4)
	m.keep = 2 + m.rnd.Intn(20)
	adminSnapshots := m.rnd.Intn(3) == 0 // most runs rely on the offices' own bases alone
	defer func() {
		if t.Failed() {
			end := m.settle
			if end == 0 {
				end = len(m.trace)
			}
			from := max(0, end-60)
			t.Logf("seed %d, last events before the faults stopped:\n%s\n%s", seed, strings.Join(m.trace[from:end], "\n"), m.diagnose())
			t.Logf("reproduce: go test -run TestSimulation ./data/exchange/ -seed=%d -v", seed)
		}
		for _, o := range m.offices {
			if o.s != nil {
				o.s.Close()
			}
		}
		os.RemoveAll(dir)
	}()

	// Five offices from the start, a sixth sometimes joins late (after compaction
	// removed the first files: it must start from the offices' bases and the files after).
	n := 5
	late := m.rnd.Intn(2) == 0
	if late {
		n = 6
	}
	for i := 0; i < n; i++ {
		m.offices = append(m.offices, m.newOffice(simCodes[i]))
	}
	initial := m.offices[:5]
	for _, o := range initial {
		m.join(o)
	}
	m.trustAll()
	m.rogueJoin()

	steps := *simSteps
	if steps == 0 {
		steps = 20 + m.rnd.Intn(31)
	}
	offline := m.offices[m.rnd.Intn(len(initial))]
	offFrom, offTo := m.rnd.Intn(steps/3), steps/3+m.rnd.Intn(steps/2)
	lateAt := steps/2 + m.rnd.Intn(steps/3)
	m.share.setFaults(true)
	for step := 0; step < steps; step++ {
		m.share.advance()
		m.time.add(time.Duration(1+m.rnd.Intn(40)) * time.Minute)
		if m.rnd.Intn(12) == 0 {
			m.time.add(14 * time.Hour) // a night
		}
		if step == offFrom {
			offline.view.setOffline(true)
			m.tracef("%s offline", offline.code)
		}
		if step > offFrom && step < offTo && step == (offFrom+offTo)/2 {
			// Away for longer than the others count it active: they compact without it.
			m.time.add(m.active + time.Hour)
			m.tracef("%s away for longer than %v", offline.code, m.active)
		}
		if step == offTo {
			offline.view.setOffline(false)
			m.tracef("%s back online", offline.code)
		}
		if late && step == lateAt {
			m.join(m.offices[5])
			m.trustAll()
		}
		m.injectFaults()
		m.fileFaults()
		m.rogueStep()
		for _, o := range m.shuffled() {
			if !o.joined {
				continue
			}
			for k := m.rnd.Intn(3); k > 0; k-- {
				m.clerk(o)
			}
			if m.rnd.Intn(4) == 0 {
				m.fileClerk(o)
			}
			if m.rnd.Intn(10) < 7 {
				m.sync(o, false)
			}
		}
		if adminSnapshots && m.rnd.Intn(10) == 0 {
			// An administrator has an office write a snapshot of every office, which
			// makes a newcomer's start quicker but is not needed.
			o := m.offices[m.rnd.Intn(len(m.offices))]
			if o.joined {
				err := o.x.Snapshot(ctx)
				m.tracef("%s snapshot: %v", o.code, err)
			}
		}
		if m.rnd.Intn(10) == 0 {
			// The program is closed and started again: everything it remembered of
			// the folder is gone, the register and the key remain.
			o := m.offices[m.rnd.Intn(len(m.offices))]
			m.restart(o)
		}
		if m.rnd.Intn(15) == 0 {
			// A clock is set right, or wrong: a skew of up to three days either way.
			o := m.offices[m.rnd.Intn(len(m.offices))]
			o.clock.set(time.Duration(m.rnd.Intn(7)-3) * 24 * time.Hour)
			m.tracef("%s clock skew %v", o.code, o.clock.skew)
		}
	}

	// The faults stop, the share catches up, the clocks are right; every office
	// synchronises until a whole round changes nothing.
	m.share.setFaults(false)
	offline.view.setOffline(false)
	m.tracef("faults stop")
	// Operations stamped by a clock days ahead (up to three days plus an hour, read by
	// a clock as far behind) wait in the folder until the receiving office's clock is
	// within maxAhead of them: the days pass.
	m.time.add(2*(3*24*time.Hour+time.Hour) - maxAhead + time.Hour)
	m.tracef("clocks catch up")
	m.settle = len(m.trace)
	for _, o := range m.offices {
		if !o.joined {
			m.join(o)
			m.trustAll()
		}
	}
	m.rogueFlush()
	quiet := false
	prev := ""
	for round := 0; round < 40 && !quiet; round++ {
		m.time.add(time.Minute)
		for _, o := range m.offices {
			m.sync(o, true)
		}
		state := m.fingerprint(ctx)
		quiet = state == prev && m.allEqual(ctx)
		prev = state
	}
	if !quiet {
		t.Errorf("no quiet after 40 rounds of synchronisation")
	}
	m.check(ctx)
	if !t.Failed() {
		m.checkFiles(ctx)
	}
	m.checkRejected(ctx)
	if !t.Failed() {
		m.eraseAtEnd(ctx)
	}
	if !t.Failed() {
		m.newcomer(ctx)
	}
}

func (m *sim) newOffice(code string) *simOffice {
	p := filepath.Join(m.dir, code+".ascolto")
	copyRegister(m.t, simTemplate(m.t, code), p)
	clock := &skewClock{base: m.time, skew: time.Duration(m.rnd.Intn(7)-3) * 24 * time.Hour}
	if m.rnd.Intn(3) == 0 {
		clock.skew += time.Duration(m.rnd.Intn(120)-60) * time.Minute
	}
	s, err := data.Open(p, data.Options{Clock: clock, Actor: "clerk-" + strings.ToLower(code), IDs: &simIDs{rnd: rand.New(rand.NewSource(m.rnd.Int63()))}})
	if err != nil {
		m.t.Fatal(err)
	}
	seed := make([]byte, ed25519.SeedSize)
	m.rnd.Read(seed)
	o := &simOffice{code: code, path: p, s: s, clock: clock, view: m.share.view(code), key: ed25519.NewKeyFromSeed(seed), batch: 1 + m.rnd.Intn(12)}
	m.restart(o)
	return o
}

// restart makes a new Exchange for the office, as a program started again does.
func (m *sim) restart(o *simOffice) {
	x, err := New(Config{Store: o.s, Folder: o.view, Root: "sim", Key: o.key, Clock: o.clock, Log: m.log.With("office", o.code),
		BatchOps: o.batch, Poll: time.Second, Active: m.active, CompactFiles: m.compact, KeepFiles: m.keep, FilesCheckEvery: 1})
	if err != nil {
		m.t.Fatal(err)
	}
	if o.x != nil {
		m.tracef("%s restarted", o.code)
	}
	o.x = x
}

// simIDs makes UUID-shaped case ids from the seed, so that a seed replays exactly.
type simIDs struct {
	mu  sync.Mutex
	rnd *rand.Rand
}

func (g *simIDs) NewID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var b [16]byte
	g.rnd.Read(b[:])
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (m *sim) join(o *simOffice) {
	ctx := context.Background()
	wasOffline := o.view.offline
	o.view.setOffline(false)
	defer o.view.setOffline(wasOffline)
	faults := m.share.faults
	m.share.setFaults(false) // setting up is done with a working share
	defer m.share.setFaults(faults)
	if err := o.x.Join(ctx); err != nil {
		m.t.Fatalf("%s join: %v", o.code, err)
	}
	o.joined = true
	m.tracef("%s joined", o.code)
}

// trustAll has every joined office confirm every other joined office's fingerprint, as
// the clerks do on the phone.
func (m *sim) trustAll() {
	ctx := context.Background()
	faults := m.share.faults
	m.share.setFaults(false)
	defer m.share.setFaults(faults)
	for _, o := range m.offices {
		if !o.joined {
			continue
		}
		wasOffline := o.view.offline
		o.view.setOffline(false)
		for _, p := range m.offices {
			if p == o || !p.joined {
				continue
			}
			if err := o.x.Trust(ctx, p.code, Fingerprint(p.key.Public().(ed25519.PublicKey))); err != nil {
				m.t.Fatalf("%s trusting %s: %v", o.code, p.code, err)
			}
		}
		o.view.setOffline(wasOffline)
	}
	m.trustRogue()
}

func (m *sim) shuffled() []*simOffice {
	out := append([]*simOffice(nil), m.offices...)
	m.rnd.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// sync runs one synchronisation; with faults on it may fail (the share is unreachable,
// a file is half there), once they are off it must not.
func (m *sim) sync(o *simOffice, mustWork bool) {
	r, err := o.x.SyncOnce(context.Background())
	if err != nil {
		if mustWork {
			m.t.Fatalf("%s sync after the faults stopped: %v", o.code, err)
		}
		m.syncErrs++
		m.tracef("%s sync: %v", o.code, err)
		return
	}
	m.tracef("%s sync: %+v", o.code, r)
}

// caseIDs are the office's cases, in id order (a draw from them replays).
func caseIDs(s *data.Store) []string {
	rows, err := s.DB().Query(`SELECT id FROM cases ORDER BY id`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		out = append(out, id)
	}
	return out
}

var simSubjects = []string{"Sportello chiuso", "Öffnungszeiten", "Corso di tedesco", "Arbeitslosengeld", "Modulo mancante", "Termin verschoben"}
var simClerks = []string{"Lukas", "Giulia", "Anna", "Matteo", "Verena", "Paolo"}

// clerk does one random thing a clerk does. The register refuses some of them (a
// closed case, a move the workflow does not allow): that is the clerk's problem, not
// the exchange's. A failed write is the test's.
func (m *sim) clerk(o *simOffice) {
	ctx := context.Background()
	ids := caseIDs(o.s)
	pick := func() string {
		if len(ids) == 0 {
			return ""
		}
		// Offices work on the same few cases more often than chance would have it:
		// that is where concurrent edits come from.
		if m.rnd.Intn(3) == 0 {
			return ids[m.rnd.Intn(min(3, len(ids)))]
		}
		return ids[m.rnd.Intn(len(ids))]
	}
	action := m.rnd.Intn(100)
	ref := pick()
	if ref == "" || action < 20 {
		action = -1
	}
	var what string
	err := o.s.Update(ctx, func(tx *data.Tx) error {
		var err error
		switch {
		case action < 0:
			what = "add"
			lang := data.Italian
			if m.rnd.Intn(2) == 0 {
				lang = data.German
			}
			_, err = tx.Create(data.NewCase{Kind: data.Kinds[m.rnd.Intn(len(data.Kinds))], Channel: data.Channels[m.rnd.Intn(len(data.Channels))],
				Subject: simSubjects[m.rnd.Intn(len(simSubjects))], Citizen: data.Citizen{Name: "Cittadino " + strconv.Itoa(m.rnd.Intn(1000)), Language: lang}})
		case action < 32:
			what = "status"
			to := []data.Status{data.StatusInProgress, data.StatusWaiting}[m.rnd.Intn(2)]
			_, err = tx.SetStatus(ref, to, time.Time{}, "")
		case action < 44:
			what = "assign"
			_, err = tx.Assign(ref, simClerks[m.rnd.Intn(len(simClerks))])
		case action < 54:
			what = "reply"
			_, err = tx.Reply(ref, "Risposta "+o.code+" "+strconv.Itoa(m.rnd.Intn(100)), data.German, time.Time{})
		case action < 70:
			what = "edit"
			subj := simSubjects[m.rnd.Intn(len(simSubjects))] + " (" + o.code + ")"
			cat := []string{"orari", "corsi", "sussidi", "accesso"}[m.rnd.Intn(4)]
			_, err = tx.Edit(ref, data.Edit{Subject: &subj, Category: &cat})
		case action < 76:
			what = "forward"
			to := m.offices[m.rnd.Intn(len(m.offices))].code
			_, err = tx.Forward(ref, to, "Servizio "+strconv.Itoa(m.rnd.Intn(3)), "")
		case action < 82:
			what = "satisfaction"
			_, err = tx.SetSatisfaction(ref, m.rnd.Intn(6))
		case action < 86:
			what = "outcome"
			_, err = tx.SetOutcome(ref, data.Outcomes[m.rnd.Intn(len(data.Outcomes))])
		case action < 88:
			what = "close"
			_, err = tx.Close(ref, time.Time{})
		default:
			what = "resolve"
			cs, cerr := o.s.Conflicts(ctx)
			if cerr != nil {
				return cerr
			}
			if len(cs) == 0 {
				return nil
			}
			c := cs[m.rnd.Intn(len(cs))]
			h := c.Heads[m.rnd.Intn(len(c.Heads))]
			ref = c.CaseID
			_, err = tx.ResolveConflict(c.CaseID, c.Field, h.Value, "")
		}
		return err
	})
	if err != nil {
		if p, ok := data.AsProblem(err); ok && !strings.HasPrefix(p.Key, "err.write") && p.Key != "err.busy" && p.Key != "err.stale" {
			return // refused by the rules
		}
		m.t.Fatalf("%s %s %s: %v\n%s", o.code, what, ref, err, describeCase(o.s, ref))
	}
	m.clerkOps++
	m.tracef("%s %s %s", o.code, what, short(ref))
}

// describeCase is a case as the office holds it, its conflicts and its operations: what
// a failure needs to be understood.
func describeCase(s *data.Store, ref string) string {
	ctx := context.Background()
	c, err := s.Get(ctx, ref)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "case %s status %s waiting_since %q waited %d due %s answered %v reply %q\n", c.Number, c.Status, c.WaitingSince, c.WaitedDays, c.DueDate, c.AnsweredAt != nil, c.Reply.Text)
	cs, _ := s.Conflicts(ctx)
	for _, k := range cs {
		if k.CaseID == c.ID {
			fmt.Fprintf(&b, "  conflict %s %+v\n", k.Field, k.Heads)
		}
	}
	rows, err := s.DB().Query(`SELECT origin, seq, hlc, action, deps FROM ops WHERE case_id = ? ORDER BY hlc`, c.ID)
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var o, h, a, d string
			var seq int64
			rows.Scan(&o, &seq, &h, &a, &d)
			fmt.Fprintf(&b, "  op %s %d %s %s deps %s\n", o, seq, h, a, d)
		}
	}
	if hs, err := s.History(ctx, c.ID); err == nil {
		for _, e := range hs {
			fmt.Fprintf(&b, "  audit %d %s %s %s\n", e.Seq, e.Office, e.Action, e.Changes)
		}
	}
	return b.String()
}

func short(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// injectFaults puts on the share what does not belong there or not yet: files signed
// with a wrong key, unsigned files, half-written temp files, Syncthing's temp files and
// conflict copies, junk.
func (m *sim) injectFaults() {
	if m.rnd.Intn(4) != 0 {
		return
	}
	victim := m.offices[m.rnd.Intn(len(m.offices))]
	last := m.publishedLast(victim.code)
	dir := victim.code
	switch m.rnd.Intn(10) {
	case 0, 1:
		if !*simForge {
			return
		}
		// Another key signs operations in the office's name over a range that
		// overlaps what it published and goes beyond: a file the office itself will
		// never write (it always starts after its last), so it blocks nothing.
		if last == 0 {
			return
		}
		wrong := ed25519.NewKeyFromSeed(randomBytes(m.rnd, ed25519.SeedSize))
		first := 1 + m.rnd.Int63n(last)
		b, name := m.forgedFile(wrong, victim.code, first, last+1+m.rnd.Int63n(5))
		if m.share.inject(path.Join(dir, name), b) {
			m.tracef("forged %s/%s", dir, name)
		}
	case 2:
		if last == 0 || !*simForge {
			return
		}
		first := 1 + m.rnd.Int63n(last)
		b, name := m.forgedFile(victim.key, victim.code, first, last+1+m.rnd.Int63n(5))
		b = unsign(b)
		if m.share.inject(path.Join(dir, name), b) {
			m.tracef("unsigned %s/%s", dir, name)
		}
	case 3:
		// Syncthing's temp file of a file still arriving, and a conflict copy.
		real := m.realFiles(victim.code)
		if len(real) == 0 {
			return
		}
		name := real[m.rnd.Intn(len(real))]
		b := m.share.content(path.Join(dir, name))
		switch m.rnd.Intn(3) {
		case 0:
			m.share.inject(path.Join(dir, ".syncthing."+name+".tmp"), b[:len(b)/2])
		case 1:
			m.share.inject(path.Join(dir, "~syncthing~"+name+".tmp"), b[:len(b)/3])
		default:
			base := strings.TrimSuffix(name, fileExt)
			m.share.inject(path.Join(dir, base+".sync-conflict-20250303-101010-ABCDEFG"+fileExt), b)
		}
		m.tracef("syncthing file for %s/%s", dir, name)
	case 4:
		// A writer that crashed half-way left its temp file.
		real := m.realFiles(victim.code)
		if len(real) == 0 {
			return
		}
		name := real[m.rnd.Intn(len(real))]
		b := m.share.content(path.Join(dir, name))
		m.share.inject(path.Join(dir, fmt.Sprintf("%s%08x-%s", TempPrefix, m.rnd.Uint32(), name)), b[:len(b)/2])
	case 5:
		// Junk a person or a program put there.
		junk := []string{"Thumbs.db", "desktop.ini", "notes.txt", "BZ-1-2.ascx", "copy of office.json"}
		m.share.inject(path.Join(dir, junk[m.rnd.Intn(len(junk))]), []byte("not an exchange file\n"))
	case 7, 8:
		// Forged or unsigned files at the very next sequence the others want of the
		// office, reaching further than the office's next file will (so they are tried
		// first), or a forged base over everything: they must not keep anybody from
		// the office's real files and bases. A forged file may take the name of the
		// office's next file: the office then writes its operations under another.
		if !*simForge {
			return
		}
		wrong := ed25519.NewKeyFromSeed(randomBytes(m.rnd, ed25519.SeedSize))
		hw := m.lowestHeld(victim.code)
		var b []byte
		var name string
		switch m.rnd.Intn(4) {
		case 0:
			b, name = m.forgedFile(wrong, victim.code, hw+1, hw+1+m.rnd.Int63n(15))
		case 1:
			b, name = m.forgedFile(victim.key, victim.code, hw+1, hw+1+m.rnd.Int63n(15))
			b = unsign(b)
		case 2:
			b, name = m.forgedBase(wrong, victim.code, 1, max(hw, 1)+m.rnd.Int63n(20))
		default:
			b, name = m.forgedBase(wrong, victim.code, hw+1, hw+1+m.rnd.Int63n(20))
		}
		if m.share.inject(path.Join(dir, name), b) {
			m.tracef("forged at the next sequence %s/%s", dir, name)
		}
	case 9:
		// A forged snapshot of every office, in an office's folder.
		if !*simForge {
			return
		}
		wrong := ed25519.NewKeyFromSeed(randomBytes(m.rnd, ed25519.SeedSize))
		b, _ := m.forgedFile(wrong, victim.code, 1, 3)
		f, _ := Parse(b)
		sb, err := EncodeSnapshot(wrong, SnapshotHeader{Origin: victim.code, HighWater: map[string]int64{victim.code: 3}}, f.Ops)
		if err != nil {
			m.t.Fatal(err)
		}
		name := SnapshotName(1e6+m.rnd.Int63n(1e6), "deadbeef")
		if m.share.inject(path.Join(dir, name), sb) {
			m.tracef("forged snapshot %s/%s", dir, name)
		}
	case 6:
		// A folder of an office nobody knows, with a file in the right format.
		k := ed25519.NewKeyFromSeed(randomBytes(m.rnd, ed25519.SeedSize))
		b, name := m.forgedFile(k, "ROGUE", 1, 3)
		m.share.inject(path.Join("ROGUE", name), b)
	}
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

// forgedFile is an operations file in office code's name over first…last, creating a
// case whose id marks it as forged.
func (m *sim) forgedFile(key ed25519.PrivateKey, code string, first, last int64) ([]byte, string) {
	id := fmt.Sprintf("f0f0f0f0-0000-7000-8000-%012d", m.rnd.Int63n(1e12))
	m.forged[id] = true
	var ops []data.Operation
	for s := first; s <= last; s++ {
		ops = append(ops, data.Operation{Origin: code, Seq: s, HLC: data.HLC{Wall: m.time.now().UnixMilli() + 1e9}, CaseID: id, Action: "create",
			Fields: map[string]string{"number": code + "-2025-999999", "office": code, "kind": "request", "channel": "email", "status": "received",
				"received_at": "2025-03-03T08:00:00.000Z", "subject": "forged", "due_date": "2025-03-06", "deadline_days": "3"}, Actor: "mallory", At: "2025-03-03T08:00:00.000Z"})
	}
	b, err := Encode(key, Header{Origin: code, Created: m.time.now().UTC().Format(time.RFC3339)}, ops)
	if err != nil {
		m.t.Fatal(err)
	}
	return b, FileName(code, first, last)
}

// forgedBase is a base in office code's name over first…last, signed with key.
func (m *sim) forgedBase(key ed25519.PrivateKey, code string, first, last int64) ([]byte, string) {
	b, _ := m.forgedFile(key, code, first, last)
	f, err := Parse(b)
	if err != nil {
		m.t.Fatal(err)
	}
	sb, err := EncodeSnapshot(key, SnapshotHeader{Origin: code, HighWater: map[string]int64{code: last}, First: first}, f.Ops)
	if err != nil {
		m.t.Fatal(err)
	}
	return sb, BaseName(code, first, last)
}

// lowestHeld is the least of the office's operations any other joined office holds:
// the next sequence wanted of it is one more.
func (m *sim) lowestHeld(code string) int64 {
	low := int64(-1)
	for _, o := range m.offices {
		if o.code == code || !o.joined {
			continue
		}
		hw, _ := o.s.HighWater(context.Background(), code)
		if low < 0 || hw < low {
			low = hw
		}
	}
	return max(low, 0)
}

// unsign removes the signature from a sealed file, leaving length and hash right.
func unsign(b []byte) []byte {
	i := strings.LastIndexByte(string(b[:len(b)-1]), '\n')
	var tr trailer
	if err := json.Unmarshal(b[i+1:len(b)-1], &tr); err != nil {
		panic(err)
	}
	tr.Sig = ""
	tb, _ := json.Marshal(tr)
	return append(append(append([]byte(nil), b[:i+1]...), tb...), '\n')
}

// realFiles are the operations files the office wrote itself (not injected ones).
func (m *sim) realFiles(code string) []string {
	var out []string
	for _, p := range m.share.names() {
		dir, name := path.Split(p)
		if dir != code+"/" || classify(name) != kindOps {
			continue
		}
		if _, err := Parse(m.share.content(p)); err != nil {
			continue
		}
		if f, _ := Parse(m.share.content(p)); f != nil {
			o := m.office(code)
			if o != nil && f.Verify(o.key.Public().(ed25519.PublicKey)) == nil {
				out = append(out, name)
			}
		}
	}
	return out
}

func (m *sim) office(code string) *simOffice {
	for _, o := range m.offices {
		if o.code == code {
			return o
		}
	}
	return nil
}

// publishedLast is the highest sequence the office published (from the share's names).
func (m *sim) publishedLast(code string) int64 {
	var last int64
	for _, name := range m.realFiles(code) {
		if _, _, l, ok := parseName(name); ok && l > last {
			last = l
		}
	}
	return last
}

// fingerprint sums up every office's state: when a round leaves it unchanged and all
// offices agree, the exchange is quiet.
func (m *sim) fingerprint(ctx context.Context) string {
	var b strings.Builder
	for _, o := range m.offices {
		h, _ := o.s.CanonicalHash(ctx)
		hw, _ := o.s.HighWaters(ctx)
		fmt.Fprintf(&b, "%s %s %v %s|", o.code, h, sortedMap(hw), filesState(o.s))
	}
	return b.String()
}

func (m *sim) allEqual(ctx context.Context) bool {
	h0, _ := m.offices[0].s.CanonicalHash(ctx)
	hw0 := nonZero(m.offices[0].s)
	for _, o := range m.offices[1:] {
		h, _ := o.s.CanonicalHash(ctx)
		if h != h0 || !reflect.DeepEqual(nonZero(o.s), hw0) {
			return false
		}
	}
	return true
}

func nonZero(s *data.Store) map[string]int64 {
	hw, _ := s.HighWaters(context.Background())
	for k, v := range hw {
		if v == 0 {
			delete(hw, k)
		}
	}
	return hw
}

func sortedMap(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:%d ", k, m[k])
	}
	return b.String()
}

func (m *sim) check(ctx context.Context) {
	t := m.t
	ref := m.offices[0]
	h0, err := ref.s.CanonicalHash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hw0 := nonZero(ref.s)
	c0 := simConflicts(t, ref.s)
	// Every office's own sequence is what every office holds of it: nothing lost.
	for _, o := range m.offices {
		own, _ := o.s.HighWater(ctx, o.code)
		for _, p := range m.offices {
			if got := nonZero(p.s)[o.code]; got != own {
				t.Errorf("%s holds %s up to %d, %s made %d", p.code, o.code, got, o.code, own)
			}
		}
	}
	for _, o := range m.offices {
		if h, _ := o.s.CanonicalHash(ctx); h != h0 {
			t.Errorf("canonical hash %s %s, %s %s%s", ref.code, h0[:12], o.code, h[:12], caseDiff(ref.s, o.s))
		}
		if hw := nonZero(o.s); !reflect.DeepEqual(hw, hw0) {
			t.Errorf("high-water marks %s %v, %s %v", ref.code, hw0, o.code, hw)
		}
		if c := simConflicts(t, o.s); !reflect.DeepEqual(c, c0) {
			t.Errorf("conflicts differ: %s %d, %s %d", ref.code, len(c0), o.code, len(c))
		}
		for origin, hw := range hw0 {
			ops, err := o.s.Operations(ctx, origin, 0, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(ops)) != hw || len(ops) > 0 && ops[len(ops)-1].Seq != hw {
				t.Errorf("%s holds %d operations of %s, want %d", o.code, len(ops), origin, hw)
			}
			for _, op := range ops {
				if m.forged[op.CaseID] {
					t.Errorf("%s applied a forged operation %s %d", o.code, op.Origin, op.Seq)
				}
			}
		}
		if _, ok := hw0["ROGUE"]; ok {
			t.Errorf("operations of an office nobody trusted were applied")
		}
		r, err := o.s.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Findings {
			t.Errorf("%s verify: %v", o.code, f)
		}
	}
	if t.Failed() {
		return
	}
	bytes, files := m.share.size()
	m.tracef("converged: %d clerk changes, %d sync errors under faults, share %d files %d bytes, stats %+v",
		m.clerkOps, m.syncErrs, files, bytes, m.share.stats)
	if testing.Verbose() {
		t.Log(m.trace[len(m.trace)-1])
	}
}

// caseDiff names the first cases two registers hold differently, field by field.
func caseDiff(a, b *data.Store) string {
	ctx := context.Background()
	var out strings.Builder
	n := 0
	for _, id := range caseIDs(a) {
		ca, _ := a.Get(ctx, id)
		cb, err := b.Get(ctx, id)
		if err != nil {
			fmt.Fprintf(&out, "\n  %s missing", id)
			n++
			continue
		}
		ca.Version, cb.Version = 0, 0
		ca.Overdue, cb.Overdue = false, false // from each office's own clock, not shared
		ja, _ := json.Marshal(ca)
		jb, _ := json.Marshal(cb)
		if string(ja) != string(jb) {
			fmt.Fprintf(&out, "\n  %s\n    %s\n    %s", id, ja, jb)
			n++
		}
		if n >= 2 {
			break
		}
	}
	return out.String()
}

func simConflicts(t *testing.T, s *data.Store) []data.Conflict {
	cs, err := s.Conflicts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		cs[i].Since = ""
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].CaseID != cs[j].CaseID {
			return cs[i].CaseID < cs[j].CaseID
		}
		return cs[i].Field < cs[j].Field
	})
	return cs
}

// newcomer checks that the folder alone is enough: an office that was never part of the
// run joins once everything is quiet and, without any snapshot an administrator may have
// made (it does not see them), takes every office's operations from their bases and
// files, to the same register as the others.
func (m *sim) newcomer(ctx context.Context) {
	t := m.t
	const code = "NEU"
	s, err := data.Create(filepath.Join(m.dir, code+".ascolto"), data.Office{Code: code, NameIT: "Ufficio nuovo", NameDE: "Neues Amt"},
		data.Options{Clock: m.time, Actor: "clerk-neu"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	x, err := New(Config{Store: s, Folder: noSnapshots{m.share.view(code)}, Root: "sim", Key: ed25519.NewKeyFromSeed(randomBytes(m.rnd, ed25519.SeedSize)),
		Clock: m.time, Log: m.log.With("office", code), Active: m.active, CompactFiles: m.compact, KeepFiles: m.keep})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Join(ctx); err != nil {
		t.Fatal(err)
	}
	trusted := m.offices
	if m.rogue != nil {
		trusted = append(trusted[:len(trusted):len(trusted)], m.rogue.o)
	}
	for _, o := range trusted {
		if err := x.Trust(ctx, o.code, Fingerprint(o.key.Public().(ed25519.PublicKey))); err != nil {
			t.Fatalf("newcomer trusting %s: %v", o.code, err)
		}
	}
	taken := 0
	for round := 0; round < 5; round++ {
		r, err := x.SyncOnce(ctx)
		if err != nil {
			t.Fatalf("newcomer sync: %v", err)
		}
		if taken += r.Applied; r.Applied == 0 {
			break
		}
	}
	h0, _ := m.offices[0].s.CanonicalHash(ctx)
	h, _ := s.CanonicalHash(ctx)
	if hw, hw0 := nonZero(s), nonZero(m.offices[0].s); h != h0 || !reflect.DeepEqual(hw, hw0) {
		st, _ := x.Status(ctx)
		t.Errorf("a newcomer from the folder alone holds %v, the offices %v; gaps %+v%s", sortedMap(hw), sortedMap(hw0), st.Gaps, caseDiff(m.offices[0].s, s))
	}
	bytes, files := m.share.size()
	bases := 0
	for _, p := range m.share.names() {
		if classify(path.Base(p)) == kindBase {
			bases++
		}
	}
	m.tracef("newcomer took %d operations; share %d files (%d bases) %d bytes", taken, files, bases, bytes)
	if testing.Verbose() {
		t.Log(m.trace[len(m.trace)-1])
	}
}

// noSnapshots is a view of the share without the snapshots of every office.
type noSnapshots struct{ *fakeView }

func (v noSnapshots) List(dir string) ([]Entry, error) {
	es, err := v.fakeView.List(dir)
	out := es[:0]
	for _, e := range es {
		if classify(e.Name) != kindSnapshot {
			out = append(out, e)
		}
	}
	return out, err
}
