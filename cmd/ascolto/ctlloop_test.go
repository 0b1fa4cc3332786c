//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The other writer of the day: ascoltoctl add, a new process every second or so, on the
// register the window has open (as a script at the office's mail gateway would).

var caseNumber = regexp.MustCompile(`\b[A-Z][A-Z0-9]*-\d{4}-\d{6}\b`)

// ctlBinary builds ascoltoctl without cgo, as it is shipped.
func ctlBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ascoltoctl")
	cmd := exec.Command("go", "build", "-o", bin, "../ascoltoctl")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build ascoltoctl: %v\n%s", err, out)
	}
	return bin
}

// ctlLoop adds cases until stopped; acked are the numbers ascoltoctl printed with exit
// status 0, each with the subject it was given.
type ctlLoop struct {
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	acked map[string]string // number → subject
	fails []string
	runs  int
}

func startCtlLoop(t *testing.T, bin, db, home, lang string) *ctlLoop {
	// In the interface's language: a case on screen must not bring the other's words.
	call := map[string]string{"it": "Telefonata", "de": "Anruf"}[lang]
	l := &ctlLoop{stop: make(chan struct{}), done: make(chan struct{}), acked: map[string]string{}}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 1; ; i++ {
			subject := fmt.Sprintf("%s %s %03d", call, strings.ToUpper(lang), i)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			cmd := exec.CommandContext(ctx, bin, "--db", db, "add", "--kind", "request", "--channel", "phone",
				"--subject", subject, "--citizen-name", "Anna Obkircher")
			cmd.Env = append(os.Environ(), ctlEnv(home)...)
			out, err := cmd.CombinedOutput()
			cancel()
			l.mu.Lock()
			l.runs++
			if num := caseNumber.FindString(string(out)); err == nil && num != "" {
				if prev, dup := l.acked[num]; dup {
					l.fails = append(l.fails, fmt.Sprintf("number %s given twice (%q and %q)", num, prev, subject))
				}
				l.acked[num] = subject
			} else {
				// Not acknowledged: it need not be in the register, but the test says why.
				l.fails = append(l.fails, fmt.Sprintf("%q: %v %s", subject, err, strings.TrimSpace(string(out))))
			}
			l.mu.Unlock()
			select {
			case <-l.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return l
}

// end stops the loop after the process running now and returns what it did.
func (l *ctlLoop) end() (acked map[string]string, fails []string, runs int) {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acked, l.fails, l.runs
}

// ctlEnv is the window's environment for ascoltoctl: the same home and settings
// folders (home is the window's ASCOLTO_HOME, its settings beside it in config).
func ctlEnv(home string) []string {
	return []string{"ASCOLTO_HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(filepath.Dir(home), "config")}
}
