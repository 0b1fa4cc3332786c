package data

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestRestoreRefusedWhileOpen: a restore while the register is open (here by a store of
// this process, which holds SQLite's lock as another program would) is refused and
// changes nothing; once it is closed, the restore goes through and the case added after
// the backup is in the copy made before the restore.
func TestRestoreRefusedWhileOpen(t *testing.T) {
	s, _ := testStore(t, "2026-03-02 09:00")
	reg := s.Path()
	mustCreate(t, s, NewCase{Subject: "prima del backup"})
	backup := filepath.Join(t.TempDir(), "copy.ascolto")
	if err := s.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, NewCase{Subject: "dopo il backup"})
	_, err := Restore(context.Background(), backup, reg)
	p, ok := AsProblem(err)
	if !ok || (p.Key != "err.in_use" && p.Key != "err.in_use_by") {
		t.Fatalf("restore while open: %v", err)
	}
	if n, _ := s.Count(context.Background(), Filter{}); n != 2 {
		t.Fatalf("after the refused restore the register has %d cases", n)
	}
	s.Close()
	saved, err := Restore(context.Background(), backup, reg)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{reg: 1, saved: 2} {
		info, err := CheckBackup(context.Background(), path)
		if err != nil || info.Cases != want {
			t.Errorf("%s: %+v %v, want %d cases", path, info, err, want)
		}
	}
	again, err := Open(reg, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	mustCreate(t, again, NewCase{Subject: "dopo il ripristino"})
}

// TestOpenDuringRestoreSaysSo: a program that opens the register while a restore holds
// it waits its busy timeout and is then told the register is being restored, not that
// it is no register or busy.
func TestOpenDuringRestoreSaysSo(t *testing.T) {
	if testing.Short() {
		t.Skip("waits the busy timeout (10 s)")
	}
	s, _ := testStore(t, "2026-03-02 09:00")
	reg := s.Path()
	backup := filepath.Join(t.TempDir(), "copy.ascolto")
	if err := s.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	s.Close()
	release, err := holdRestoreLock(reg)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	db, err := ownRegister(context.Background(), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Restore(context.Background(), backup, reg)
	wantProblem(t, err, "err.being_restored") // a second restore beside the first
	_, err = Open(reg, Options{Actor: "test"})
	wantProblem(t, err, "err.being_restored")
}

// TestUpgradeWaitsForTheOlderProgram: a register of an older format that another
// program (here a plain SQLite connection, as the older program has it) holds open is
// not upgraded under it: the open is refused, saying so, and nothing is changed; once
// the other program has let go, the upgrade is made, with its copy before.
func TestUpgradeWaitsForTheOlderProgram(t *testing.T) {
	if SchemaVersion() == 2 {
		t.Skip("nothing to upgrade")
	}
	path := filepath.Join(t.TempDir(), "register.ascolto")
	copyFile(t, filepath.Join("testdata", "register-v2.ascolto"), path)
	older, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := older.QueryRow(`PRAGMA journal_mode=WAL`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q: %v", mode, err)
	}
	var n int
	if err := older.QueryRow(`SELECT count(*) FROM cases`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, Options{Actor: "test"})
	p, ok := AsProblem(err)
	if !ok || (p.Key != "err.in_use" && p.Key != "err.in_use_by") {
		older.Close()
		t.Fatalf("upgrade while an older program has the register open: %v", err)
	}
	var v int
	older.QueryRow(`PRAGMA user_version`).Scan(&v)
	older.Close()
	if v != 2 {
		t.Fatalf("the refused upgrade left version %d", v)
	}
	s, err := Open(path, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := s.Migrated(); m == nil || m.From != 2 || m.Backup == "" {
		t.Fatalf("migration %v", m)
	}
}
