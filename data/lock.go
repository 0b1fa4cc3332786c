package data

import (
	"os"
	"sync/atomic"
)

// Why the register guards its own files
//
// SQLite coordinates the programs that share a register (the window, ascoltoctl, a
// backup) with POSIX record locks on the register and on its -shm file. Two of them are
// held for as long as a program has the register open: a read lock on the register's
// SHARED bytes ("somebody is still reading") and one on the -shm file's DMS byte
// ("the shared index is in use"). On Unix these locks belong to the process and the
// file, not to a descriptor: closing ANY descriptor of the file in the process, opened
// by anybody for any reason (a file chooser guessing the type of register.ascolto, a
// copy, a checksum), silently drops them all. The next program to close the register
// then takes itself for the last one: it copies the WAL into the register and deletes
// the WAL and the -shm under the program still using them, which goes on writing into
// a deleted file. Its cases vanish, protocol numbers are given twice, and the register
// is damaged as soon as it closes. Nothing in SQLite notices.
//
// Three things keep it from happening:
//
//  1. Nothing in the program opens the register's files except SQLite (the window's
//     file choosers never show them, see ui/filechooser.go).
//  2. On Linux the store takes the same two read locks a second time as open file
//     description locks (F_OFD_SETLK), on descriptors of its own that stay open while
//     the register is open. Such a lock belongs to its descriptor alone: closing other
//     descriptors cannot drop it, so another program never sees the register unused
//     while this one has it, whatever else happens in the process. A program cannot ask
//     the system whether its own POSIX lock is still there (F_GETLK shows only other
//     processes' locks), so rather than detecting the loss the store makes it harmless.
//     (A BSD flock on a separate lock file would not help: SQLite decides from its own
//     fcntl locks alone.)
//  3. Before every write transaction the store checks, with three stat calls, that the
//     register, its WAL and its -shm are still the files it opened (device and inode).
//     If one was deleted or replaced (another program restored a backup over it, or,
//     on a Unix without OFD locks, the loss above happened) the store writes nothing
//     more: the change is refused with a message telling the clerk to start the program
//     again, which opens the register as it now is.
//
// Windows needs none of this: a lock there is released only with the handle that took
// it, and SQLite opens the files so that nobody can delete or replace them meanwhile.

// registerSides are the files SQLite keeps for a register in WAL mode, by suffix.
var registerSides = [...]string{"", "-wal", "-shm"}

// fileGuard is what a store knows of the files it opened.
type fileGuard struct {
	path  string
	files [len(registerSides)]os.FileInfo // as opened; nil: not there then
	held  *heldFiles
	// changed is set once a check has found the files changed; the store writes nothing
	// more after that.
	changed atomic.Bool
}

// guardFiles records the register's files as SQLite has them open now, and on Linux
// takes the locks that keep other programs from taking them away. It is called once the
// register is open in WAL mode (the -wal and -shm exist).
func guardFiles(path string) *fileGuard {
	if !filesCanChange {
		return nil
	}
	g := &fileGuard{path: path}
	for i, side := range registerSides {
		if fi, err := os.Stat(path + side); err == nil {
			g.files[i] = fi
		}
	}
	g.held = holdFiles(path)
	return g
}

// same tells whether the register's files are still the ones opened.
func (g *fileGuard) same() bool {
	for i, fi := range g.files {
		if fi == nil {
			continue
		}
		now, err := os.Stat(g.path + registerSides[i])
		if err != nil || !os.SameFile(fi, now) {
			return false
		}
	}
	return true
}

// beforeWrite refuses to write into a register whose files are no longer the ones the
// store opened. Once refused, every later write is refused too, even if the files look
// right again: what the store's connections have open is no longer what other programs
// see.
func (s *Store) beforeWrite() error {
	g := s.guard
	if g == nil {
		return nil
	}
	if g.changed.Load() || !g.same() {
		g.changed.Store(true)
		return Problemf("err.register_changed", "path", s.path)
	}
	return nil
}

// filesOK is beforeWrite for the background work, which just skips its turn.
func (s *Store) filesOK() bool { return s.beforeWrite() == nil }

// unguard lets go of the locks; after is to be called once the connections are closed.
// If the files were replaced, the locks are kept until then: the last connection closing
// would otherwise copy its WAL into the file it has open and delete, by name, the WAL
// and -shm now belonging to the register that took its place.
func (g *fileGuard) unguard() (after func()) {
	if g == nil || g.held == nil {
		return func() {}
	}
	h := g.held
	g.held = nil // a second Close must not let go of another store's share
	if g.changed.Load() || !g.same() {
		g.changed.Store(true)
		return func() { h.release()() }
	}
	return h.release()
}
