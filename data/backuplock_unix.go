//go:build !windows

package data

import (
	"os"
	"syscall"
)

// On Unix a backup in progress holds a shared flock on its folder, and leftovers are
// removed only under an exclusive one: a folder lock belongs to the open file, so the
// system drops it when the process dies, however it dies (SIGKILL, power cut), and a
// partial file whose writer is gone can never look alive. The lock is on the folder,
// not on the partial file, because SQLite takes its own POSIX locks on the partial
// file and closing a second descriptor of it would silently drop those.

func lockDirShared(d *os.File) error { return syscall.Flock(int(d.Fd()), syscall.LOCK_SH) }

func tryLockDirExclusive(d *os.File) bool {
	return syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// pinPartial does nothing on Unix: the folder lock keeps the partial file alive.
func pinPartial(string) func() { return func() {} }
