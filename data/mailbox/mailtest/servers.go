package mailtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Tests that stop a server (StopIMAP, StopSMTP) must run alone: the mailbox tests, the
// window's and the command line's use the same servers, in the same process or in
// others (go test runs packages at once). Each test that finds the servers holds a
// shared lock on a file until it ends; Alone takes it exclusively, waiting for every
// other test using the servers, in any process, to end.
var (
	aloneMu sync.Mutex
	alone   = map[testing.TB]bool{}
)

func lockPath() string { return filepath.Join(os.TempDir(), "ascolto-mailtest.lock") }

// shared takes the shared lock for the test, unless it runs alone.
func shared(t testing.TB) {
	aloneMu.Lock()
	a := alone[t]
	aloneMu.Unlock()
	if a {
		return
	}
	unlock, err := lockFile(lockPath(), false)
	if err != nil {
		t.Fatalf("lock of the test mail servers: %v", err)
	}
	t.Cleanup(unlock)
}

// Alone makes the test the only one using the servers until it ends; call it before
// Find. The servers it stops are started again when it ends (t.Cleanup), before the
// lock is given back.
func Alone(t testing.TB) {
	t.Helper()
	unlock, err := lockFile(lockPath(), true)
	if err != nil {
		t.Fatalf("lock of the test mail servers: %v", err)
	}
	aloneMu.Lock()
	alone[t] = true
	aloneMu.Unlock()
	t.Cleanup(func() {
		aloneMu.Lock()
		delete(alone, t)
		aloneMu.Unlock()
		unlock()
	})
}

// control runs .ci/mailserver.sh with one of its commands (stop-imap, start-imap,
// stop-smtp, start-smtp); only root may.
func control(t testing.TB, what string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "..", ".ci", "mailserver.sh")
	cmd := exec.Command("bash", script, what)
	cmd.Dir = "/" // the daemons' tools want a working directory that exists
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf(".ci/mailserver.sh %s: %v\n%s", what, err, out)
	}
}

func (m *Servers) stop(t testing.TB, server string) {
	t.Helper()
	aloneMu.Lock()
	a := alone[t]
	aloneMu.Unlock()
	if !a {
		t.Fatal("a test that stops a mail server must call mailtest.Alone first")
	}
	if os.Geteuid() != 0 {
		t.Skip("only root can stop and start the test mail servers")
	}
	control(t, "stop-"+server)
	t.Cleanup(func() { control(t, "start-"+server) })
}

// StopIMAP stops Dovecot (IMAP, and the delivery into the mailboxes) until StartIMAP or
// the test's end.
func (m *Servers) StopIMAP(t testing.TB) { t.Helper(); m.stop(t, "imap") }

// StartIMAP starts Dovecot again and returns when it answers.
func (m *Servers) StartIMAP(t testing.TB) { t.Helper(); control(t, "start-imap") }

// StopSMTP stops Postfix (its queue is kept) until StartSMTP or the test's end.
func (m *Servers) StopSMTP(t testing.TB) { t.Helper(); m.stop(t, "smtp") }

// StartSMTP starts Postfix again and returns when it answers.
func (m *Servers) StartSMTP(t testing.TB) { t.Helper(); control(t, "start-smtp") }
