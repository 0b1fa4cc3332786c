package data

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestReplacedRegisterIsNotWritten: another program puts a different file where the
// register was (a restore, a copy over it) while the store has it open. The store must
// not go on writing into the file it still has open: the change is refused in words,
// and so is every later one, and the new file is left as it was.
func TestReplacedRegisterIsNotWritten(t *testing.T) {
	if !filesCanChange {
		t.Skip("the system keeps open files from being replaced")
	}
	s, _ := testStore(t, "2026-12-07 09:00")
	mustCreate(t, s, NewCase{Subject: "Prima"})

	other := filepath.Join(t.TempDir(), "other.ascolto")
	o, err := Create(other, bz, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	// As a restore does it: the old WAL and -shm away, the new file renamed in place.
	for _, side := range []string{"-wal", "-shm"} {
		os.Remove(s.Path() + side)
	}
	if err := os.Rename(other, s.Path()); err != nil {
		t.Fatal(err)
	}
	// Another program works on the new register meanwhile.
	o, err = Open(s.Path(), Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, o, NewCase{Subject: "Nel registro nuovo"})
	for i := 0; i < 2; i++ {
		_, err := s.Create(context.Background(), NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Dopo"})
		if p, ok := AsProblem(err); !ok || p.Key != "err.register_changed" {
			t.Fatalf("write %d into a replaced register: %v", i, err)
		}
	}
	if err := s.PutOffice(Office{Code: "ME", NameIT: "Merano", NameDE: "Meran"}); err == nil {
		t.Fatal("settings were written into a replaced register")
	}
	// Closing the store must not copy its WAL anywhere nor delete the new WAL.
	s.Close()
	if _, err := os.Stat(s.Path() + "-wal"); err != nil {
		t.Fatalf("the new register's WAL: %v", err)
	}
	o.Close()
	back, err := Open(s.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	var subjects []string
	rows, err := back.DB().Query(`SELECT subject FROM cases`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var x string
		rows.Scan(&x)
		subjects = append(subjects, x)
	}
	rows.Close()
	if len(subjects) != 1 || subjects[0] != "Nel registro nuovo" {
		t.Fatalf("the new register has %q", subjects)
	}
	var check string
	if err := back.DB().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
}

// TestDeletedWALIsNoticed: the WAL is deleted under the store (what another program
// does when it takes itself for the register's last user). The next write is refused.
func TestDeletedWALIsNoticed(t *testing.T) {
	if !filesCanChange {
		t.Skip("the system keeps open files from being deleted")
	}
	s, _ := testStore(t, "2026-12-07 09:00")
	mustCreate(t, s, NewCase{Subject: "Prima"})
	if err := os.Remove(s.Path() + "-wal"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Create(context.Background(), NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Dopo"})
	if p, ok := AsProblem(err); !ok || p.Key != "err.register_changed" {
		t.Fatalf("write after the WAL was deleted: %v", err)
	}
}

// TestClosingLeavesNoWAL: the store lets go of its own locks when it closes, so that its
// last connection still copies the WAL into the register and removes it.
func TestClosingLeavesNoWAL(t *testing.T) {
	s, _ := testStore(t, "2026-12-07 09:00")
	mustCreate(t, s, NewCase{Subject: "Prima"})
	if _, err := os.Stat(s.Path() + "-wal"); err != nil {
		t.Fatalf("no WAL while open: %v", err)
	}
	// A second store on the same register in the same process shares the locks; the
	// first one closing must leave them to it.
	second, err := Open(s.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	lockedOutside(t, s.Path(), true)
	second.Close()
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(s.Path() + side); !os.IsNotExist(err) {
			t.Errorf("%s still there after closing: %v", side, err)
		}
	}
}

// TestForeignCloseKeepsTheRegisterHeld: some code in the process opens and closes the
// register's files (a file chooser guessing their type did). Another process must still
// find the register in use: it must not get the write lock a closing SQLite takes before
// it deletes the WAL, nor the one that makes it reset the -shm.
func TestForeignCloseKeepsTheRegisterHeld(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("open file description locks are Linux's")
	}
	s, _ := testStore(t, "2026-12-07 09:00")
	mustCreate(t, s, NewCase{Subject: "Prima"})
	lockedOutside(t, s.Path(), true)
	for _, side := range registerSides {
		f, err := os.Open(s.Path() + side)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	lockedOutside(t, s.Path(), true)
	s.Close()
	lockedOutside(t, s.Path(), false)
}

// BenchmarkBeforeWrite is what the check of the files adds to every write transaction.
func BenchmarkBeforeWrite(b *testing.B) {
	s, err := Create(filepath.Join(b.TempDir(), "register.ascolto"), bz, Options{Actor: "test"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if err := s.beforeWrite(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateCase is a whole write (one case, committed and synced), for scale.
func BenchmarkCreateCase(b *testing.B) {
	s, err := Create(filepath.Join(b.TempDir(), "register.ascolto"), bz, Options{Actor: "test"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Create(ctx, NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Richiesta"}); err != nil {
			b.Fatal(err)
		}
	}
}
