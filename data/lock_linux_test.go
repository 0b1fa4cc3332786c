package data

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// lockedOutside asks another process whether it could take the write locks a closing
// SQLite takes to decide it is the register's last user (the register's SHARED bytes)
// and a starting one takes to decide it is the first (the -shm's DMS byte). A process
// cannot see its own POSIX locks, hence the second process.
func lockedOutside(t *testing.T, path string, want bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockProbeChild$")
	cmd.Env = append(os.Environ(), "ASCOLTO_LOCK_PROBE="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	got := strings.TrimSpace(string(out))
	if wantS := map[bool]string{true: "held held", false: "free free"}[want]; !strings.HasPrefix(got, wantS) {
		t.Fatalf("register and -shm seen from outside: %q, want %q", got, wantS)
	}
}

// TestLockProbeChild is the other process of lockedOutside; alone it does nothing.
func TestLockProbeChild(t *testing.T) {
	path := os.Getenv("ASCOLTO_LOCK_PROBE")
	if path == "" {
		t.Skip("run by lockedOutside")
	}
	var words []string
	for _, l := range []struct {
		side       string
		start, len int64
	}{{"", sharedFirst, sharedSize}, {"-shm", shmDMS, 1}} {
		f, err := os.OpenFile(path+l.side, os.O_RDWR, 0)
		if err != nil {
			words = append(words, "free") // no -shm: nobody has the register open
			continue
		}
		lk := unix.Flock_t{Type: unix.F_WRLCK, Start: l.start, Len: l.len}
		if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
			words = append(words, "held")
		} else {
			words = append(words, "free")
		}
		f.Close()
	}
	os.Stdout.WriteString(strings.Join(words, " ") + "\n")
	os.Exit(0)
}
