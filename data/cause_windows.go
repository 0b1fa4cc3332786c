package data

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// canWrite tells whether path may be written: on Windows a file marked read-only; a
// folder's read-only mark does not stop creating files in it, and access lists are
// answered by the write itself.
func canWrite(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return err == nil
	}
	return fi.Mode().Perm()&0o200 != 0
}

// lockedByProgram tells whether another program keeps the register's file open without
// sharing it (a backup tool, an antivirus, Excel on a mistaken double click): Windows
// answers ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION. SQLite reports those only as
// an I/O error or "unable to open", so the file is tried once more to see.
func lockedByProgram(err error, path string) bool {
	violation := func(err error) bool {
		return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
	}
	if violation(err) {
		return true
	}
	switch sqliteCode(err) {
	case sqliteIOErr, sqliteCantOpen, sqliteBusy, sqlitePerm:
		f, oerr := os.OpenFile(path, os.O_RDWR, 0)
		if oerr == nil {
			f.Close()
			return false
		}
		return violation(oerr)
	}
	return false
}

// The restore lock: an exclusive lock on the first byte of the register's .restore-lock
// file, released by the system when the process dies.
func lockRestoreFile(f *os.File) error {
	ol := new(windows.Overlapped)
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
}

// freeBytes is the space this account may still use on the disk holding dir, -1 if
// unknown.
func freeBytes(dir string) int64 {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return -1
	}
	var avail, total, free uint64
	if windows.GetDiskFreeSpaceEx(p, &avail, &total, &free) != nil {
		return -1
	}
	return int64(avail)
}
