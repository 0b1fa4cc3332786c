package data

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The window's "Back up now" and the restore agree on what a backup is: a copy named by
// HandBackupName is recognised, listed with the automatic ones newest first, and never
// pruned; copies of earlier versions (minute stamp) are listed too; other files are not.
func TestHandBackupsAreNamedAsTheyAreListed(t *testing.T) {
	s, clock := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	mustCreate(t, s, NewCase{})
	dir := filepath.Join(t.TempDir(), "copies")
	if err := s.Update(ctx, func(tx *Tx) error { return tx.SetBackupSettings(BackupSettings{Dir: dir, Keep: 2}) }); err != nil {
		t.Fatal(err)
	}
	at := rome("2026-11-23 17:45").Add(123 * time.Millisecond)
	name := HandBackupName("BZ", at)
	if name != "ascolto-BZ-20261123-174500.123.ascolto" || !IsBackupName(name) {
		t.Fatalf("name %q, recognised %v", name, IsBackupName(name))
	}
	// Two copies in one minute get two names.
	if HandBackupName("BZ", at.Add(time.Second)) == name {
		t.Fatal("two copies a second apart get one name")
	}
	hand := filepath.Join(dir, name)
	if err := s.Backup(ctx, hand); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "ascolto-BZ-2026-11-20-0815.ascolto") // an earlier version's "Back up now"
	if err := s.Backup(ctx, old); err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"notes.ascolto", "register.ascolto", "ascolto-BZ-monday.ascolto", "register-daily.ascolto",
		"ascolto-BZ-20261123-174500.123.ascolto.partial", "ascolto--20261123-174500.123.ascolto"} {
		if err := os.WriteFile(filepath.Join(dir, other), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var daily []string
	for i := 0; i < 4; i++ {
		clock.Set(rome("2026-11-21 09:00").AddDate(0, 0, i))
		p, err := s.DailyBackup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		daily = append(daily, p)
	}
	// Two daily ones kept (23rd and 24th), the hand copies both, newest first.
	want := []string{daily[3], hand, daily[2], old}
	if list, err := s.Backups(); err != nil || !slices.Equal(list, want) {
		t.Fatalf("listed %v (%v), want %v", list, err, want)
	}
	if list, _ := BackupsIn(dir); !slices.Equal(list, want) {
		t.Fatalf("BackupsIn %v", list)
	}
	for _, p := range want {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if list, err := BackupsIn(filepath.Join(dir, "none")); err != nil || len(list) != 0 {
		t.Errorf("a folder that is not there: %v %v", list, err)
	}
	// A code that could not be part of a file name is left out of it.
	for _, bad := range []string{"../x", "", "bz", "A/B"} {
		if n := HandBackupName(bad, at); strings.ContainsAny(n, "/\\") || strings.Contains(n, "..") || !IsBackupName(n) {
			t.Errorf("office %q: name %q", bad, n)
		}
	}
}

// FuzzIsBackupName: any file name found in a folder is judged without a panic, and a
// name HandBackupName makes is always recognised.
func FuzzIsBackupName(f *testing.F) {
	for _, seed := range []string{
		"register-daily-20261127-090000.000.ascolto", "register-before-import-20261120-090000.000.ascolto",
		"ascolto-BZ-20261123-174500.123.ascolto", "ascolto-BZ-2026-11-20-0815.ascolto", "register.ascolto",
		"ascolto-.ascolto", "register--.ascolto", "ascolto-BZ-99999999-999999.999.ascolto", ".ascolto", "",
		"ascolto-BZ-2026-11-20-0815.ascolto.partial", "Registro copia (1).ascolto",
	} {
		f.Add(seed, int64(1795000000))
	}
	f.Fuzz(func(t *testing.T, name string, unix int64) {
		IsBackupName(name)
		at := time.Unix(unix%(1<<33), 0)
		if n := HandBackupName(name, at); !IsBackupName(n) {
			t.Fatalf("HandBackupName(%q) = %q, not recognised", name, n)
		}
	})
}
