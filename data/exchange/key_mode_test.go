//go:build !windows

package exchange

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func wantKeyMode(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("%s: mode %04o, want 0600", path, got)
	}
}

// TestOfficeKeyIsPrivate: the office's signing key is readable by the account that runs
// Ascolto only: when made (by link, and by copy where the file system has no links) and,
// for a key an older program left readable by all, from the next load on.
func TestOfficeKeyIsPrivate(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	dir := t.TempDir()
	path := KeyPath(filepath.Join(dir, "register.ascolto"))
	k, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	wantKeyMode(t, path)

	copied := filepath.Join(dir, "copied.key")
	tmp := filepath.Join(dir, ".tmp-key-test")
	os.WriteFile(tmp, []byte("key"), 0o600)
	if err := copyNew(tmp, copied); err != nil {
		t.Fatal(err)
	}
	wantKeyMode(t, copied)

	os.Chmod(path, 0o644)
	again, err := LoadOrCreateKey(path)
	if err != nil || !again.Equal(k) {
		t.Fatalf("reload: %v", err)
	}
	wantKeyMode(t, path)
}
