package mailtest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SecretService starts a session bus of its own and GNOME Keyring's Secret Service on
// it, its login keyring unlocked with an empty password, and points the test process at
// that bus (DBUS_SESSION_BUS_ADDRESS) until the test ends. As root (make test, CI) a
// missing program or a failed start fails the test; otherwise the test is skipped.
func SecretService(t *testing.T) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		if os.Geteuid() == 0 {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	for _, p := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(p); err != nil {
			fail("no %s (Debian: dbus, gnome-keyring): %v", p, err)
		}
	}
	home := t.TempDir()
	run := filepath.Join(home, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		fail("dbus-daemon: %v", err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	var address string
	select {
	case address = <-addr:
	case <-time.After(10 * time.Second):
	}
	if address == "" {
		fail("dbus-daemon gave no address")
	}
	env := append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+address, "HOME="+home,
		"XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_RUNTIME_DIR="+run)
	kr := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	kr.Env = env
	// --unlock reads the login keyring's password from standard input: an empty line
	// makes (or opens) it with an empty password, unlocked.
	kr.Stdin = strings.NewReader("\n")
	if err := kr.Start(); err != nil {
		fail("gnome-keyring-daemon: %v", err)
	}
	t.Cleanup(func() { kr.Process.Kill(); kr.Wait() })
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", address)
	// Ready when the Secret Service's name is on the bus.
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		q := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
			"/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		q.Env = env
		if b, err := q.Output(); err == nil && strings.Contains(string(b), "true") {
			return
		}
		if time.Since(start) > 15*time.Second {
			fail("GNOME Keyring's Secret Service did not appear on the session bus in 15 s")
		}
	}
}
