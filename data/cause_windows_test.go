package data

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/windows"
)

// TestFileLockedByProgramSaysSo: another program holds the register without sharing
// it (a backup tool, Excel after a mistaken double click); opening it says so instead
// of "could not be opened".
func TestFileLockedByProgramSaysSo(t *testing.T) {
	s, _ := testStore(t, "2026-03-02 09:00")
	reg := s.Path()
	s.Close()
	p, err := windows.UTF16PtrFromString(reg)
	if err != nil {
		t.Fatal(err)
	}
	// Share nothing: every other open of the file fails with ERROR_SHARING_VIOLATION.
	h, err := windows.CreateFile(p, windows.GENERIC_READ, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	_, err = Open(reg, Options{Actor: "test"})
	wantProblem(t, err, "err.locked_by_program")
	for _, e := range []error{windows.ERROR_SHARING_VIOLATION, windows.ERROR_LOCK_VIOLATION,
		&os.PathError{Op: "open", Path: reg, Err: windows.ERROR_SHARING_VIOLATION}, fmt.Errorf("write: %w", windows.ERROR_LOCK_VIOLATION)} {
		if !lockedByProgram(e, reg) {
			t.Errorf("%v is not taken for a lock by another program", e)
		}
	}
}
