package data

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
}

// TestUpgradeFromTheFirstRelease opens the register kept from the first release (format
// 2, 40 demo cases): every later program must read it, and where it migrates it, it
// must first keep a copy of the old one that still opens as it was.
func TestUpgradeFromTheFirstRelease(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "register.ascolto")
	copyFile(t, filepath.Join("testdata", "register-v2.ascolto"), path)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if n, _ := s.Count(ctx, Filter{}); n != 40 {
		t.Fatalf("%d cases after upgrade", n)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after upgrade: %v %+v", err, rep)
	}
	if _, err := s.Create(ctx, NewCase{Kind: KindPraise, Channel: ChannelLetter, Subject: "Lob"}); err != nil {
		t.Fatal(err)
	}
	m := s.Migrated()
	if SchemaVersion() == 2 {
		if m != nil {
			t.Fatalf("nothing to migrate, but %v", m)
		}
		return
	}
	if m == nil || m.From != 2 || m.To != SchemaVersion() {
		t.Fatalf("migration %v", m)
	}
	db, err := sql.Open("sqlite", m.Backup)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v, n int
	db.QueryRow(`PRAGMA user_version`).Scan(&v)
	db.QueryRow(`SELECT count(*) FROM cases`).Scan(&n)
	if v != 2 || n != 40 {
		t.Fatalf("backup before migration: version %d, %d cases", v, n)
	}
}

func TestAutomaticBackupsAreKeptAndPruned(t *testing.T) {
	s, clock := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	mustCreate(t, s, NewCase{})
	dir := filepath.Join(t.TempDir(), "copies")
	if err := s.Update(ctx, func(tx *Tx) error { return tx.SetBackupSettings(BackupSettings{Dir: dir, Keep: 3}) }); err != nil {
		t.Fatal(err)
	}
	handMade := filepath.Join(dir, "before-the-audit.ascolto")
	if err := s.Backup(ctx, handMade); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		clock.Set(rome("2026-11-23 09:00").AddDate(0, 0, i))
		p, err := s.DailyBackup(ctx)
		if err != nil || p == "" {
			t.Fatal(p, err)
		}
		if again, _ := s.DailyBackup(ctx); again != "" {
			t.Fatal("a second daily backup on the same day")
		}
	}
	list, _ := s.Backups()
	if len(list) != 3 || filepath.Base(list[0]) != "register-daily-20261127-090000.000.ascolto" {
		t.Fatalf("kept %v", list)
	}
	if _, err := os.Stat(handMade); err != nil {
		t.Fatal("a copy made by hand was removed")
	}
	err := s.Update(ctx, func(tx *Tx) error { return tx.SetBackupSettings(BackupSettings{Keep: 0}) })
	wantProblem(t, err, "err.backup_keep")
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o644)
	err = s.Update(ctx, func(tx *Tx) error { return tx.SetBackupSettings(BackupSettings{Dir: notDir, Keep: 3}) })
	wantProblem(t, err, "err.backup_dir")
}

func TestRestoreChecksFirstAndKeepsTheReplacedRegister(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	mustCreate(t, s, NewCase{Subject: "prima"})
	backup := filepath.Join(t.TempDir(), "monday.ascolto")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, NewCase{Subject: "dopo il backup"})
	path := s.Path()
	s.Close()

	notes := filepath.Join(t.TempDir(), "notes.ascolto")
	os.WriteFile(notes, []byte("not a register"), 0o644)
	before, _ := os.ReadFile(path)
	_, err := Restore(ctx, notes, path)
	wantProblem(t, err, "err.not_register")
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("a refused restore changed the register")
	}

	saved, err := Restore(ctx, backup, path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, _ := r.Count(ctx, Filter{}); n != 1 {
		t.Fatalf("%d cases after restore", n)
	}
	kept, err := Open(saved, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	if n, _ := kept.Count(ctx, Filter{}); n != 2 {
		t.Fatalf("the replaced register kept %d cases", n)
	}
}

// TestCheckBackupRefusesWhatRestoreWouldRefuse: the window checks a backup before it
// closes the register; what it refuses is named in words, and the file is not touched.
func TestCheckBackupRefusesWhatRestoreWouldRefuse(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	mustCreate(t, s, NewCase{Subject: "uno"})
	mustCreate(t, s, NewCase{Subject: "due"})
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ascolto")
	if err := s.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	info, err := CheckBackup(ctx, good)
	if err != nil || info.Cases != 2 || info.Version != SchemaVersion() {
		t.Fatalf("good backup: %+v %v", info, err)
	}

	// Damaged: the pages after the first overwritten, the header still SQLite's.
	raw, _ := os.ReadFile(good)
	damaged := append([]byte(nil), raw...)
	for i := 4096; i < len(damaged); i++ {
		damaged[i] = byte(i * 7)
	}
	bad := filepath.Join(dir, "damaged.ascolto")
	os.WriteFile(bad, damaged, 0o644)
	if _, err := CheckBackup(ctx, bad); err == nil {
		t.Fatal("a damaged backup passed")
	} else if p, ok := AsProblem(err); !ok || (p.Key != "err.damaged" && p.Key != "err.restore" && p.Key != "err.not_register") {
		t.Fatalf("damaged: %v", err)
	}
	if after, _ := os.ReadFile(bad); string(after) != string(damaged) {
		t.Fatal("checking changed the damaged file")
	}

	// Written by a newer program.
	newer := filepath.Join(dir, "newer.ascolto")
	copyFile(t, good, newer)
	db, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA user_version = ` + strconv.Itoa(SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = CheckBackup(ctx, newer)
	wantProblem(t, err, "err.too_new")

	notes := filepath.Join(dir, "notes.ascolto")
	os.WriteFile(notes, []byte("not a register"), 0o644)
	_, err = CheckBackup(ctx, notes)
	wantProblem(t, err, "err.not_register")
}
