//go:build !windows

package data

import (
	"bytes"
	"context"
	"log"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// withUmask runs the test under the usual umask 022, with which files created 0666 and
// folders 0777 become readable by every local account.
func withUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

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

// TestRegisterFilesArePrivate: the register, its WAL files, its backups and the folders
// Ascolto makes for them can be read by the account that runs Ascolto only.
func TestRegisterFilesArePrivate(t *testing.T) {
	withUmask(t)
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "home", "ascolto")
	path := filepath.Join(home, "register.ascolto")
	s, err := Create(path, bz, Options{Clock: &stepClock{t: rome("2026-11-23 09:00")}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	wantMode(t, filepath.Dir(home), 0o700)
	wantMode(t, home, 0o700)
	wantMode(t, path, 0o600)
	mustCreate(t, s, NewCase{Subject: "Rossi Maria, via Roma 1"})
	wantMode(t, path+"-wal", 0o600)
	wantMode(t, path+"-shm", 0o600)

	byHand := filepath.Join(t.TempDir(), "copies", "monday.ascolto")
	if err := s.Backup(ctx, byHand); err != nil {
		t.Fatal(err)
	}
	wantMode(t, byHand, 0o600)
	wantMode(t, filepath.Dir(byHand), 0o700)
	auto, err := s.AutoBackup(ctx, "daily")
	if err != nil {
		t.Fatal(err)
	}
	wantMode(t, auto, 0o600)
	wantMode(t, filepath.Dir(auto), 0o700)
	// An automatic backup an older program left readable by all is narrowed with the
	// next backup.
	old := filepath.Join(filepath.Dir(auto), "register-daily-20261120-090000.000.ascolto")
	copyFile(t, auto, old)
	os.Chmod(old, 0o644)
	if _, err := s.AutoBackup(ctx, "manual"); err != nil {
		t.Fatal(err)
	}
	wantMode(t, old, 0o600)
	dir := filepath.Join(t.TempDir(), "set", "backups")
	if err := s.Update(ctx, func(tx *Tx) error { return tx.SetBackupSettings(BackupSettings{Dir: dir, Keep: 3}) }); err != nil {
		t.Fatal(err)
	}
	wantMode(t, dir, 0o700)

	s.Close()
	if _, err := Restore(ctx, byHand, path); err != nil {
		t.Fatal(err)
	}
	wantMode(t, path, 0o600)
	if s, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestOpenNarrowsARegisterOthersCanRead: a register made by an older program (0644) and
// its WAL are narrowed to 0600 when opened, and the log says so.
func TestOpenNarrowsARegisterOthersCanRead(t *testing.T) {
	withUmask(t)
	s, _ := testStore(t, "2026-11-23 09:00")
	mustCreate(t, s, NewCase{})
	path := s.Path()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	log.SetOutput(&buf)
	defer log.SetOutput(os.Stderr)
	again, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, p, 0o600)
	}
	if !strings.Contains(buf.String(), path+" could be read by other accounts (mode 0644); narrowed to 0600") {
		t.Fatalf("log: %q", buf.String())
	}
}

// TestRunningBackupIsNotALeftover: the partial file of a backup another program is
// writing right now (it holds the folder, see backuplock_unix.go) is left alone; once
// that program is gone, the next backup removes it.
func TestRunningBackupIsNotALeftover(t *testing.T) {
	s, clock := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	mustCreate(t, s, NewCase{})
	dir := filepath.Dir(s.Path())
	running := filepath.Join(dir, "backups", "register-manual-20261123-085959.000.ascolto.partial")
	if err := MkdirPrivate(filepath.Dir(running)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(running, []byte("being written"), 0o600)
	other, err := os.Open(filepath.Dir(running)) // the other program's hold on the folder
	if err != nil {
		t.Fatal(err)
	}
	if err := lockDirShared(other); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AutoBackup(ctx, "manual"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(running); err != nil {
		t.Fatal("the partial file of a running backup was removed")
	}
	// A backup to the very name being written is refused, not mixed into it.
	err = s.Backup(ctx, strings.TrimSuffix(running, ".partial"))
	wantProblem(t, err, "err.backup")
	if b, _ := os.ReadFile(running); string(b) != "being written" {
		t.Fatal("the running backup's file was touched")
	}
	other.Close() // the other program dies
	clock.Set(rome("2026-11-23 09:01"))
	if _, err := s.AutoBackup(ctx, "manual"); err != nil {
		t.Fatal(err)
	}
	gone(t, []string{running})
}

// TestNoAccessIsSaidPlainly: a register this account may not read is refused with a
// problem that says so, not a bare "could not be opened".
func TestNoAccessIsSaidPlainly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file; cmd/ascoltoctl runs this as another user")
	}
	s, _ := testStore(t, "2026-11-23 09:00")
	path := s.Path()
	s.Close()
	os.Chmod(path, 0)
	_, err := Open(path, Options{})
	wantProblem(t, err, "err.no_access")
}
