//go:build !windows

package draft

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDraftsArePrivate: what a clerk typed but has not saved can be read by that
// account only, whatever the umask.
func TestDraftsArePrivate(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	dir := filepath.Join(t.TempDir(), "register.ascolto.drafts")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save("intake", map[string]string{"name": "Rossi Maria", "phone": "0471 123456"}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "intake.json"): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
}
