package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/exchange"
)

// TestSyncProcessesSurviveKills runs the exchange as offices run it: three registers,
// one real shared folder, three `ascoltoctl sync --watch` processes, clerks adding cases
// meanwhile, and processes killed (SIGKILL: no clean-up, a write may stop half-way) and
// started again at random moments. Once they are stopped and `sync --once` has run
// until nothing moves, the three registers must be the same and intact.
//
// The moments come from a seed (ASCOLTO_PROC_SEED, default 1), printed on failure.
func TestSyncProcessesSurviveKills(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("kills processes with SIGKILL and relies on Linux file semantics")
	}
	seed := int64(1)
	if v, err := strconv.ParseInt(os.Getenv("ASCOLTO_PROC_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (ASCOLTO_PROC_SEED)", seed)
	rnd := rand.New(rand.NewSource(seed))
	bin := buildCtl(t)
	root := t.TempDir()
	folder := filepath.Join(root, "share")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}

	type office struct {
		code, nameIT, nameDE, db string
		cmd                      *exec.Cmd
		done                     chan struct{}
		out                      *lockedBuffer
	}
	offices := []*office{
		{code: "BZ", nameIT: "Centro di mediazione lavoro Bolzano", nameDE: "Arbeitsvermittlungszentrum Bozen"},
		{code: "ME", nameIT: "Centro di mediazione lavoro Merano", nameDE: "Arbeitsvermittlungszentrum Meran"},
		{code: "BX", nameIT: "Centro di mediazione lavoro Bressanone", nameDE: "Arbeitsvermittlungszentrum Brixen"},
	}
	added := 0
	for i, o := range offices {
		o.db = filepath.Join(root, strings.ToLower(o.code), "register.ascolto")
		procOK(t, bin, o.db, "init", "--office", o.code, "--name-it", o.nameIT, "--name-de", o.nameDE)
		if i == 0 {
			// The demo also records cases for other offices (numbered with their
			// codes); only one register has them, so no two number alike.
			procOK(t, bin, o.db, "demo", "--count", "5", "--seed", "7")
			added += 5
		} else {
			for k := 0; k < 2; k++ {
				procOK(t, bin, o.db, "add", "--kind", "request", "--channel", "email", "--subject", fmt.Sprintf("Richiesta %s %d", o.code, k))
				added++
			}
		}
		procOK(t, bin, o.db, "exchange", "join", "--folder", folder)
	}
	// The clerks read each other's fingerprints out on the phone.
	for _, o := range offices {
		for _, p := range offices {
			if o != p {
				procOK(t, bin, o.db, "exchange", "trust", p.code, "--fingerprint", fingerprintOf(t, p.db), "--folder", folder)
			}
		}
	}

	start := func(o *office) {
		o.out = &lockedBuffer{}
		o.cmd = exec.Command(bin, "--db", o.db, "--actor", "sync", "sync", "--folder", folder, "--watch", "--poll", "200ms")
		o.cmd.Stdout, o.cmd.Stderr = o.out, o.out
		if err := o.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		o.done = make(chan struct{})
		go func(c *exec.Cmd, done chan struct{}) { c.Wait(); close(done) }(o.cmd, o.done)
	}
	kill := func(o *office) {
		if o.cmd == nil {
			return
		}
		o.cmd.Process.Signal(syscall.SIGKILL)
		<-o.done
		o.cmd = nil
	}
	defer func() {
		for _, o := range offices {
			kill(o)
		}
	}()
	for _, o := range offices {
		start(o)
	}
	kills := 0
	deadline := time.Now().Add(8 * time.Second)
	for step := 0; time.Now().Before(deadline); step++ {
		time.Sleep(time.Duration(50+rnd.Intn(400)) * time.Millisecond)
		o := offices[rnd.Intn(len(offices))]
		switch rnd.Intn(3) {
		case 0, 1:
			procOK(t, bin, o.db, "add", "--kind", "complaint", "--channel", "counter", "--subject", fmt.Sprintf("Caso %s %d", o.code, step))
			added++
		default:
			if o.cmd != nil {
				select {
				case <-o.done:
					t.Fatalf("%s sync exited by itself:\n%s", o.code, o.out.String())
				default:
				}
			}
			kill(o)
			kills++
			time.Sleep(time.Duration(rnd.Intn(300)) * time.Millisecond)
			start(o)
		}
	}
	for _, o := range offices {
		kill(o)
	}
	t.Logf("%d cases added, %d processes killed", added, kills)

	// Every office looks at the folder until a whole round changes nothing.
	var prev []string
	quiet := false
	for round := 0; round < 10 && !quiet; round++ {
		for _, o := range offices {
			procOK(t, bin, o.db, "sync", "--folder", folder, "--once")
		}
		var state []string
		for _, o := range offices {
			state = append(state, registerState(t, o.db))
		}
		quiet = reflect.DeepEqual(state, prev) && allSame(state)
		prev = state
	}
	if !quiet {
		t.Errorf("registers still differ after 10 rounds of sync --once:\n%s", strings.Join(prev, "\n"))
	}
	ctx := context.Background()
	for _, o := range offices {
		s, err := data.Open(o.db, data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var integrity string
		if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
			t.Errorf("%s integrity_check: %q %v", o.code, integrity, err)
		}
		r, err := s.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Findings {
			t.Errorf("%s verify: %v", o.code, f)
		}
		if n, err := s.Count(ctx, data.Filter{}); err != nil || n != added {
			t.Errorf("%s holds %d cases, %d were added (%v)", o.code, n, added, err)
		}
		s.Close()
		procOK(t, bin, o.db, "verify")
	}
}

// buildCtl builds ascoltoctl once for the test, without cgo as it ships.
func buildCtl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ascoltoctl")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	cmd := exec.Command(goTool, "build", "-o", bin, "ascolto/cmd/ascoltoctl")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// procOK runs ascoltoctl on a register and fails the test unless it exits 0.
func procOK(t *testing.T, bin, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--db", db, "--actor", "test"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ascoltoctl %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("ascoltoctl %s: still running after a minute\n%s", strings.Join(args, " "), out.String())
	}
	return out.String()
}

// fingerprintOf is the fingerprint of the office key kept beside a register.
func fingerprintOf(t *testing.T, db string) string {
	t.Helper()
	k, err := exchange.LoadOrCreateKey(exchange.KeyPath(db))
	if err != nil {
		t.Fatal(err)
	}
	return exchange.Fingerprint(k.Public().(ed25519.PublicKey))
}

// registerState is what must be the same in every register: the canonical hash and the
// high-water marks of every office.
func registerState(t *testing.T, db string) string {
	t.Helper()
	ctx := context.Background()
	s, err := data.Open(db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.CanonicalHash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hw, err := s.HighWaters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range []string{"BZ", "ME", "BX"} {
		parts = append(parts, fmt.Sprintf("%s:%d", c, hw[c]))
	}
	return h + " " + strings.Join(parts, " ")
}

func allSame(s []string) bool {
	for _, x := range s[1:] {
		if x != s[0] {
			return false
		}
	}
	return len(s) > 0
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
