package data

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// replaceRegister puts another register where path is, as a restore does it: the old
// WAL and -shm away, the new file renamed in place. It returns a store open on the new
// one (another program working on it meanwhile) with one case written.
func replaceRegister(t *testing.T, path string, office Office) (*Store, *Case) {
	t.Helper()
	other := filepath.Join(t.TempDir(), "other.ascolto")
	o, err := Create(other, office, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	for _, side := range []string{"-wal", "-shm"} {
		os.Remove(path + side)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if o, err = Open(path, Options{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o, mustCreate(t, o, NewCase{Subject: "Nel registro nuovo"})
}

func problemKey(err error) string {
	if p, ok := AsProblem(err); ok {
		return p.Key
	}
	return fmt.Sprint(err)
}

// subjectsIn reads the subjects of the cases in a register, opened afresh.
func subjectsIn(t *testing.T, path string) []string {
	t.Helper()
	back, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	var check string
	if err := back.DB().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	rows, err := back.DB().Query(`SELECT subject FROM cases ORDER BY subject`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var x string
		rows.Scan(&x)
		out = append(out, x)
	}
	return out
}

// TestReplacedRegisterIsReopened: another program restores a backup of the same office
// over the register while the store has it open. The store must not write into the file
// it still has open: the change is refused, asking to repeat it, the register is opened
// again as it now is, and the repeated change lands in it. The watch tells the window.
func TestReplacedRegisterIsReopened(t *testing.T) {
	if !filesCanChange {
		t.Skip("the system keeps open files from being replaced")
	}
	s, _ := testStore(t, "2026-12-07 09:00")
	mustCreate(t, s, NewCase{Subject: "Prima"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var changes atomic.Int32
	go s.Watch(ctx, 10*time.Millisecond, func() { changes.Add(1) })
	time.Sleep(30 * time.Millisecond) // the watch holds its connection

	o, theirs := replaceRegister(t, s.Path(), bz)
	nc := NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Dopo"}
	if _, err := s.Create(ctx, nc); problemKey(err) != "err.register_reopened" {
		t.Fatalf("write into a replaced register: %v", err)
	}
	mine, err := s.Create(ctx, nc)
	if err != nil {
		t.Fatalf("the repeated write: %v", err)
	}
	if mine.Number == theirs.Number {
		t.Fatalf("both cases numbered %s", mine.Number)
	}
	if _, err := s.Get(ctx, theirs.ID); err != nil {
		t.Fatalf("the reopened store does not see the new register's case: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); changes.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watch did not tell of the reopened register")
		}
	}
	cancel()
	s.Close()
	o.Close()
	if got := subjectsIn(t, s.Path()); strings.Join(got, "|") != "Dopo|Nel registro nuovo" {
		t.Fatalf("the register has %q", got)
	}
}

// TestAnotherOfficesRegisterStopsWriting: the file put in place is another office's
// register. Nothing more is written, by this change or any later one, and closing the
// store leaves the new register as it was.
func TestAnotherOfficesRegisterStopsWriting(t *testing.T) {
	if !filesCanChange {
		t.Skip("the system keeps open files from being replaced")
	}
	s, _ := testStore(t, "2026-12-07 09:00")
	mustCreate(t, s, NewCase{Subject: "Prima"})
	o, _ := replaceRegister(t, s.Path(), Office{Code: "ME", NameIT: "Merano", NameDE: "Meran"})
	for i := 0; i < 2; i++ {
		_, err := s.Create(context.Background(), NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Dopo"})
		if problemKey(err) != "err.register_changed" {
			t.Fatalf("write %d into another office's register: %v", i, err)
		}
	}
	if err := s.PutOffice(Office{Code: "BX", NameIT: "Bressanone", NameDE: "Brixen"}); problemKey(err) != "err.register_changed" {
		t.Fatalf("settings written into another office's register: %v", err)
	}
	s.Close()
	if _, err := os.Stat(s.Path() + "-wal"); err != nil {
		t.Fatalf("the new register's WAL: %v", err)
	}
	o.Close()
	if got := subjectsIn(t, s.Path()); strings.Join(got, "|") != "Nel registro nuovo" {
		t.Fatalf("the register has %q", got)
	}
}

// TestConnectionNotGivenBackStopsWriting: a reopen needs every connection back; one
// kept past the wait means the register cannot be reopened safely, and nothing more is
// written.
func TestConnectionNotGivenBackStopsWriting(t *testing.T) {
	if !filesCanChange {
		t.Skip("the system keeps open files from being replaced")
	}
	defer func(d time.Duration) { reopenWait = d }(reopenWait)
	reopenWait = 100 * time.Millisecond
	s, _ := testStore(t, "2026-12-07 09:00")
	mustCreate(t, s, NewCase{Subject: "Prima"})
	conn, err := s.DB().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	replaceRegister(t, s.Path(), bz)
	for i := 0; i < 2; i++ {
		_, err := s.Create(context.Background(), NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Dopo"})
		if problemKey(err) != "err.register_changed" {
			t.Fatalf("write %d: %v", i, err)
		}
	}
}

// TestDeletedWALIsNoticed: the WAL and -shm are deleted under the store (what another
// program does when it takes itself for the register's last user). The next write is
// refused and the register reopened; the repeated write lands.
func TestDeletedWALIsNoticed(t *testing.T) {
	if !filesCanChange {
		t.Skip("the system keeps open files from being deleted")
	}
	s, _ := testStore(t, "2026-12-07 09:00")
	mustCreate(t, s, NewCase{Subject: "Prima"})
	if _, err := s.DB().Exec(`PRAGMA wal_checkpoint(FULL)`); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if err := os.Remove(s.Path() + side); err != nil {
			t.Fatal(err)
		}
	}
	nc := NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Dopo"}
	if _, err := s.Create(context.Background(), nc); problemKey(err) != "err.register_reopened" {
		t.Fatalf("write after the WAL was deleted: %v", err)
	}
	if _, err := s.Create(context.Background(), nc); err != nil {
		t.Fatalf("the repeated write: %v", err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(s.Path() + side); err != nil {
			t.Fatalf("after the reopen: %v", err)
		}
	}
	s.Close()
	if got := subjectsIn(t, s.Path()); strings.Join(got, "|") != "Dopo|Prima" {
		t.Fatalf("the register has %q", got)
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
