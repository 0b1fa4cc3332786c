package data

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestBackupDebrisNames(t *testing.T) {
	for _, c := range []struct {
		name, own string
		want      bool
	}{
		{"register-daily-20261120-090000.000.ascolto.partial", "", true},
		{"register-daily-20261120-090000.000.ascolto.partial-journal", "", true},
		{"register-before-import-20261120-090000.000.ascolto.partial-wal", "", true},
		{"register-manual-20261120-090000.000.ascolto.partial-shm", "", true},
		{"monday.ascolto.partial", "", true},
		{"copy.db.partial", "copy.db", true}, // this run's own name
		{"copy.db.partial", "other.db", false},
		{"film.mkv.partial", "", false}, // a download of some other program
		{"notes.partial-journal", "", false},
		{"register-daily-20261120-090000.000.ascolto", "", false},
		{"register.ascolto", "", false},
		{"register.ascolto-wal", "", false},
		{".partial", "", false},
	} {
		if got := isBackupDebris(c.name, c.own); got != c.want {
			t.Errorf("isBackupDebris(%q, %q) = %v", c.name, c.own, got)
		}
	}
}

// plantDebris leaves in dir what a backup killed half-way leaves, and a file of some
// other program that merely ends alike; it returns the debris.
func plantDebris(t *testing.T, dir, stamp string) []string {
	t.Helper()
	var debris []string
	for _, suf := range []string{".partial", ".partial-journal", ".partial-wal", ".partial-shm"} {
		p := filepath.Join(dir, "register-daily-"+stamp+".ascolto"+suf)
		if err := os.WriteFile(p, make([]byte, 64<<10), 0o600); err != nil {
			t.Fatal(err)
		}
		debris = append(debris, p)
	}
	if err := os.WriteFile(filepath.Join(dir, "film.mkv.partial"), []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	return debris
}

func gone(t *testing.T, paths []string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("leftover still there: %s", filepath.Base(p))
		}
	}
}

// TestKilledBackupLeftoversGo: what killed backups leave beside the good ones is removed
// by the next backup (and by the daily check at start, even on a day that needs no new
// copy); it is never listed nor counted as a backup; other programs' files stay.
func TestKilledBackupLeftoversGo(t *testing.T) {
	s, clock := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	mustCreate(t, s, NewCase{})
	dir := filepath.Join(t.TempDir(), "copies")
	if err := s.Update(ctx, func(tx *Tx) error { return tx.SetBackupSettings(BackupSettings{Dir: dir, Keep: 2}) }); err != nil {
		t.Fatal(err)
	}
	var good []string
	for i := 0; i < 2; i++ {
		clock.Set(rome("2026-11-23 09:00").AddDate(0, 0, i))
		p, err := s.DailyBackup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		good = append(good, p)
	}
	debris := plantDebris(t, dir, "20261130-090000.000")
	if list, _ := s.Backups(); len(list) != 2 || slices.ContainsFunc(list, func(p string) bool { return slices.Contains(debris, p) }) {
		t.Fatalf("listed %v", list)
	}
	clock.Set(rome("2026-11-25 09:00"))
	p, err := s.DailyBackup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gone(t, debris)
	list, _ := s.Backups()
	if want := []string{p, good[1]}; !slices.Equal(list, want) {
		t.Fatalf("kept %v, want %v", list, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "film.mkv.partial")); err != nil {
		t.Fatal("another program's file was removed")
	}

	// A start on a day that already has its copy makes none, but still clears up.
	debris = plantDebris(t, dir, "20261130-100000.000")
	if p, err := s.DailyBackup(ctx); err != nil || p != "" {
		t.Fatalf("second daily backup of the day: %q %v", p, err)
	}
	gone(t, debris)

	// A hand-made backup into some folder clears the leftovers of registers' backups
	// there too, and of its own name.
	other := t.TempDir()
	debris = plantDebris(t, other, "20261130-110000.000")
	own := filepath.Join(other, "before-the-audit.db")
	if err := os.WriteFile(own+".partial-journal", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, own); err != nil {
		t.Fatal(err)
	}
	gone(t, append(debris, own+".partial-journal", own+".partial"))
}

// TestFailedBackupLeavesNothing: a backup that fails after the copy was started (here:
// the check finds the copy is not a register the program can read back) removes its
// partial file and everything SQLite made beside it.
func TestFailedBackupLeavesNothing(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx, cancel := context.WithCancel(context.Background())
	mustCreate(t, s, NewCase{})
	dir := t.TempDir()
	cancel()
	out := filepath.Join(dir, "copy.ascolto")
	if err := s.Backup(ctx, out); err == nil {
		t.Fatal("a cancelled backup succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
}
