//go:build !windows

package data

import (
	"os"

	"golang.org/x/sys/unix"
)

// canWrite tells whether this account may write path (a file or a folder), as the
// system decides it: mode, owner, a read-only mount.
func canWrite(path string) bool { return unix.Access(path, unix.W_OK) == nil }

// lockedByProgram: on Unix no program can keep another from opening a file.
func lockedByProgram(error, string) bool { return false }

// The restore lock: an exclusive flock on the register's .restore-lock file for as long
// as a restore holds the register, released by the system when the process dies.
func lockRestoreFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}

// freeBytes is the space this account may still use on the disk holding dir, -1 if
// unknown.
func freeBytes(dir string) int64 {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
