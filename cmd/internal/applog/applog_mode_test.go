//go:build !windows

package applog

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

// TestLogIsPrivate: the log, its folder and its rotated files can be read by the
// account that runs Ascolto only, under the usual umask; a log an older program left
// readable by all is narrowed when opened.
func TestLogIsPrivate(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	path := filepath.Join(t.TempDir(), "logs", "ascolto.log")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	w.MaxBytes = 100
	for i := 0; i < 20; i++ {
		fmt.Fprintf(w, "line %03d: case BZ-2026-%05d saved\n", i, i)
	}
	w.Close()
	wantMode(t, filepath.Dir(path), 0o700)
	wantMode(t, path, 0o600)
	wantMode(t, path+".1", 0o600)

	old := filepath.Join(t.TempDir(), "ascolto.log")
	os.WriteFile(old, []byte("written by an older program\n"), 0o644)
	os.Chmod(old, 0o644)
	w, err = Open(old)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	wantMode(t, old, 0o600)
}
