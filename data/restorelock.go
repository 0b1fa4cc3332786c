package data

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"ascolto/data/instance"
)

// Why a restore owns the register
//
// A restore replaces every case. If another program (a second ascoltoctl, a `sync
// --watch` service, the window) had the register open meanwhile, what it wrote after the
// copy "before-restore" was made and before the restore went in was lost, and numbers it
// had handed out were handed out again. So a restore opens the register on one
// connection in SQLite's EXCLUSIVE locking mode: for a register in WAL mode SQLite then
// takes the exclusive lock on the file at the first read and keeps it until the
// connection closes. Every program that has the register open holds SQLite's shared
// lock on it for as long (and on Linux the store's own lock on the same bytes, see
// lock.go), so the restore is refused while anybody has it open; and once it holds the
// lock, nobody can open the register until the restore is done. The copy before the
// restore and the restore itself are made through that same connection, into the same
// file, so nothing can come in between. A program that tries to open the register then
// waits for its busy timeout; if the restore takes longer it is told that the register
// is being restored (the .restore-lock file beside it is locked while a restore runs).

// restoreLockPath is the file whose lock says a restore is running.
func restoreLockPath(path string) string { return path + ".restore-lock" }

// holdRestoreLock marks a restore as running on path until release is called.
func holdRestoreLock(path string) (release func(), err error) {
	f, err := os.OpenFile(restoreLockPath(path), os.O_RDWR|os.O_CREATE, privateFile)
	if err != nil {
		return nil, explain(err, path, func(err error) error {
			return &Problem{Key: "err.restore", Args: map[string]string{"path": path}, Err: err}
		})
	}
	if err := lockRestoreFile(f); err != nil {
		f.Close()
		return nil, Problemf("err.being_restored", "path", path)
	}
	return func() { f.Close() }, nil
}

// restoring tells whether a restore holds the register at path now.
func restoring(path string) bool {
	f, err := os.OpenFile(restoreLockPath(path), os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close() // drops the probe's lock if it got it
	return lockRestoreFile(f) != nil
}

// ownWait is how long a restore waits for the register to be let go (a program that is
// just closing it) before it refuses.
var ownWait = "1500"

// ownRegister opens the register on one connection that holds SQLite's exclusive lock
// on it until the returned db is closed; if another process has the register open it
// returns a Problem naming it.
func ownRegister(ctx context.Context, path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+ownWait+")")
	q.Add("_pragma", "locking_mode(EXCLUSIVE)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?"+q.Encode())
	if err != nil {
		return nil, &Problem{Key: "err.restore", Args: map[string]string{"path": path}, Err: err}
	}
	// One connection, kept: the lock lives as long as it does.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	fail := func(err error) (*sql.DB, error) {
		db.Close()
		if c := sqliteCode(err); c == sqliteBusy || c == sqliteLocked {
			return nil, inUse(path, err)
		}
		return nil, explain(err, path, func(err error) error {
			return &Problem{Key: "err.open", Args: map[string]string{"path": path}, Err: err}
		})
	}
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fail(err)
	}
	// In WAL mode the read above took the exclusive lock already; a register in
	// rollback mode (an old one) takes it with a write transaction and keeps it.
	if _, err := db.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		return fail(err)
	}
	if _, err := db.ExecContext(ctx, `COMMIT`); err != nil {
		return fail(err)
	}
	var appID int
	if err := db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return fail(err)
	}
	if appID != ApplicationID {
		db.Close()
		return nil, Problemf("err.not_register", "path", path)
	}
	return db, nil
}

// inUse is the refusal of an operation that must have the register alone, naming the
// programs that have it open where the system tells.
func inUse(path string, err error) *Problem {
	var who []string
	for _, u := range instance.Users(path) {
		who = append(who, u.String())
	}
	if len(who) == 0 {
		return &Problem{Key: "err.in_use", Args: map[string]string{"path": path}, Err: err}
	}
	return &Problem{Key: "err.in_use_by", Args: map[string]string{"path": path, "who": strings.Join(who, ", ")}, Err: err}
}
