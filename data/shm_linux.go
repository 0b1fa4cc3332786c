package data

import (
	"log"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// repairSharedMemory removes a -shm file this account cannot write (left by a program run
// under another account, or made read-only by a copy or a chmod) when no program has the
// register open. SQLite opens such a file read-only and then refuses every write as
// "busy", for ever; the -shm holds nothing that is not in the register and its WAL, and
// SQLite builds it again at the next open.
//
// It is safe only while nobody uses the file: the check and the removal are made under a
// write lock on the register's SHARED bytes, which SQLite must read-lock before it looks
// at the -shm, and which cannot be had while any program (this one included, through the
// store's own locks, see lock_linux.go) has the register open.
func repairSharedMemory(path string) {
	shm := path + "-shm"
	if _, err := os.Stat(shm); err != nil || canWrite(shm) {
		return
	}
	if !canWrite(path) || !canWrite(filepath.Dir(path)) {
		return // nothing to repair here: the register or its folder is read-only (causeOf says so)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: sharedFirst, Len: sharedSize}
	if unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk) != nil {
		return // in use: the write will say why it cannot be done
	}
	defer func() {
		lk.Type = unix.F_UNLCK
		unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
	}()
	if err := os.Remove(shm); err == nil {
		log.Printf("ascolto: removed the read-only leftover %s (no program had the register open)", shm)
	}
}
