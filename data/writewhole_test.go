package data

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
)

// TestWriteWholeLeavesNoLeftovers: the temporary file of an export killed midway is
// removed by the next write of the same name; a failed write leaves nothing; other
// programs' files stay.
func TestWriteWholeLeavesNoLeftovers(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "export.csv")
	for _, name := range []string{".export.csv.81723.partial", ".export.csv.99.partial", "notes.partial", ".other.csv.1.partial"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteWhole(out, func(f *os.File) error { _, err := f.WriteString("kind;subject\n"); return err }); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("disk gone")
	if err := WriteWhole(out, func(f *os.File) error { f.WriteString("half a"); return failed }); !errors.Is(err, failed) {
		t.Fatalf("failed write: %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "kind;subject\n" {
		t.Errorf("a failed write changed the file: %q", b)
	}
	var left []string
	des, _ := os.ReadDir(dir)
	for _, d := range des {
		left = append(left, d.Name())
	}
	sort.Strings(left)
	want := []string{".other.csv.1.partial", "export.csv", "notes.partial"}
	if len(left) != len(want) {
		t.Fatalf("left in the folder: %q, want %q", left, want)
	}
	for i := range want {
		if left[i] != want[i] {
			t.Fatalf("left in the folder: %q, want %q", left, want)
		}
	}
	if st, err := os.Stat(out); err != nil || (st.Mode().Perm()&0o077 != 0 && runtime.GOOS != "windows") {
		t.Errorf("export mode %v, %v", st.Mode(), err)
	}
}
