//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSyncWatchStopsWithAPipeInTheFolder: a FIFO under an exchange file's name (here
// another office's office.json, which every look reads) must neither block the look nor
// keep `sync --watch` from stopping on SIGTERM.
func TestSyncWatchStopsWithAPipeInTheFolder(t *testing.T) {
	bin := buildCtl(t)
	root := t.TempDir()
	folder := filepath.Join(root, "share")
	if err := os.MkdirAll(filepath.Join(folder, "XX"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(folder, "XX", "office.json"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	db := filepath.Join(root, "bz", "register.ascolto")
	procOK(t, bin, db, "init", "--office", "BZ", "--name-it", "Ufficio di Bolzano", "--name-de", "Amt Bozen")
	procOK(t, bin, db, "exchange", "join", "--folder", folder)
	procOK(t, bin, db, "add", "--kind", "request", "--channel", "email", "--subject", "Richiesta")

	out := &lockedBuffer{}
	cmd := exec.Command(bin, "--db", db, "--actor", "sync", "sync", "--folder", folder, "--watch", "--poll", "200ms")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	}()
	// The process publishes the case beside the pipe: its looks are not blocked.
	published := func() bool {
		m, _ := filepath.Glob(filepath.Join(folder, "BZ", "BZ-*.ascx"))
		return len(m) > 0
	}
	for end := time.Now().Add(20 * time.Second); !published() && time.Now().Before(end); {
		time.Sleep(50 * time.Millisecond)
	}
	if !published() {
		t.Fatalf("nothing published beside the pipe\n%s", out.String())
	}
	time.Sleep(500 * time.Millisecond) // a few more looks at the folder
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		t.Logf("stopped %v after SIGTERM", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatalf("still running 5 s after SIGTERM\n%s", out.String())
	}
	if st := cmd.ProcessState; st == nil || !st.Success() {
		t.Fatalf("exit: %v\n%s", st, out.String())
	}
	// The pipe is listed (the log names it and why), not read.
	if log := out.String(); !strings.Contains(log, "XX/office.json") || !strings.Contains(log, "not_regular") {
		t.Fatalf("the pipe is not listed:\n%s", log)
	}
}
