package data

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"modernc.org/sqlite"
)

// SQLite's primary result codes that name a cause a person can act on (sqlite3.h).
const (
	sqlitePerm     = 3
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteReadonly = 8
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteNotADB   = 26
)

// sqliteCode is the primary SQLite result code in err's chain, 0 if none.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}

// causeOf names why an operation on the register at path failed when the cause is one a
// person can act on (a full disk, a read-only file or folder, a leftover file another
// account made, another program holding the file, a restore under way); nil otherwise.
// SQLite reports all of these as "could not write" or "busy", which sent clerks after
// the wrong thing (a busy register they waited for in vain, a damage that was none).
func causeOf(err error, path string) *Problem {
	if err == nil {
		return nil
	}
	if p, ok := AsProblem(err); ok && p.Key != "err.write" && p.Key != "err.busy" {
		return nil // already says what it is
	}
	code := sqliteCode(err)
	args := func() map[string]string {
		return map[string]string{"path": path, "dir": filepath.Dir(path)}
	}
	switch {
	case code == sqliteFull || errors.Is(err, syscall.ENOSPC):
		return &Problem{Key: "err.disk_full", Args: args(), Err: err}
	case lockedByProgram(err, path):
		return &Problem{Key: "err.locked_by_program", Args: args(), Err: err}
	}
	switch {
	case code == sqliteReadonly, code == sqliteCantOpen, code == sqlitePerm, code == sqliteIOErr,
		code == sqliteBusy, code == sqliteLocked,
		errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EROFS):
		if p := readOnlyCause(path); p != nil {
			p.Err = err
			return p
		}
	}
	if (code == sqliteBusy || code == sqliteLocked) && restoring(path) {
		return &Problem{Key: "err.being_restored", Args: args(), Err: err}
	}
	return nil
}

// readOnlyCause looks at the register's files and folder for the one this account
// cannot write: SQLite needs to write the register, its -wal and -shm, and to create
// the latter two in the folder.
func readOnlyCause(path string) *Problem {
	args := map[string]string{"path": path, "dir": filepath.Dir(path)}
	if _, err := os.Stat(path); err == nil && !canWrite(path) {
		return &Problem{Key: "err.readonly_file", Args: args}
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + side); err == nil && !canWrite(path+side) {
			args["file"] = path + side
			return &Problem{Key: "err.readonly_side", Args: args}
		}
	}
	if !canWrite(filepath.Dir(path)) {
		return &Problem{Key: "err.readonly_folder", Args: args}
	}
	return nil
}

// explain gives the cause of err when there is one a person can act on, and otherwise
// the problem fallback builds.
func explain(err error, path string, fallback func(error) error) error {
	if p := causeOf(err, path); p != nil {
		return p
	}
	return fallback(err)
}

// uncheckable is the finding of a check of verify that could not run because it has to
// write and the register is read-only here; nil when err is something else (a damage).
// An intact register must never be called damaged because of how it was opened.
func (s *Store) uncheckable(err error) *Problem {
	if sqliteCode(err) != sqliteReadonly && readOnlyCause(s.path) == nil {
		return nil
	}
	return &Problem{Key: "verify.search_index_unchecked", Args: map[string]string{"path": s.path}, Err: err}
}

// causeKeys are the problems that name a cause (causeOf).
var causeKeys = map[string]bool{"err.disk_full": true, "err.readonly_file": true, "err.readonly_side": true,
	"err.readonly_folder": true, "err.locked_by_program": true, "err.being_restored": true}

// Cause finds the cause of a failed operation on the register at path (see causeOf),
// even where a layer above wrapped it in its own "could not be saved"; nil if there is
// none. What a person is shown should be the cause.
func Cause(err error, path string) *Problem {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if p, ok := e.(*Problem); ok && causeKeys[p.Key] {
			return p
		}
	}
	return causeOf(err, path)
}
