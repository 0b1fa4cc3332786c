package data

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// filesCanChange: on Unix a register's files can be deleted or replaced while open.
const filesCanChange = true

// The bytes SQLite's unix VFS read-locks for as long as a connection has the register
// open (sqlite3.c: SHARED_FIRST = PENDING_BYTE + 2, SHARED_SIZE; UNIX_SHM_DMS).
const (
	sharedFirst = 0x40000000 + 2
	sharedSize  = 510
	shmDMS      = 128
)

// heldFiles are the descriptors carrying the open file description locks of one
// register in this process. Closing them would itself drop the process's POSIX locks on
// the files, so they are shared by every store of the process on the same register and
// closed only after the last of them has closed its connections.
type heldFiles struct {
	key   heldKey
	files []*os.File
	refs  int
}

type heldKey struct{ dev, ino uint64 }

var held = struct {
	sync.Mutex
	m map[heldKey]*heldFiles
}{m: map[heldKey]*heldFiles{}}

// holdFiles read-locks the register's SHARED bytes and the -shm's DMS byte through
// descriptors of its own (see lock.go). Where the system has no OFD locks (before Linux
// 3.15) it holds nothing and the check of the files is what remains.
func holdFiles(path string) *heldFiles {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nil
	}
	key := heldKey{uint64(st.Dev), uint64(st.Ino)}
	held.Lock()
	defer held.Unlock()
	if h := held.m[key]; h != nil {
		h.refs++
		return h
	}
	h := &heldFiles{key: key, refs: 1}
	for _, l := range []struct {
		side       string
		start, len int64
	}{{"", sharedFirst, sharedSize}, {"-shm", shmDMS, 1}} {
		f, err := os.Open(path + l.side)
		if err != nil {
			continue
		}
		lk := unix.Flock_t{Type: unix.F_RDLCK, Whence: 0, Start: l.start, Len: l.len}
		// Should this fail (another program closing the register holds the bytes for
		// a moment, and then finds our SQLite locks and lets go), the descriptor is
		// kept all the same: closing it would drop those.
		_ = unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
		h.files = append(h.files, f)
	}
	held.m[key] = h
	return h
}

// shared tells whether another store of the process has the register open too.
func (h *heldFiles) shared() bool {
	held.Lock()
	defer held.Unlock()
	return h.refs > 1
}

// release lets go of the locks when the last store of the process on the register
// closes, so that its closing connection can copy the WAL into the register and remove
// it; the descriptors are closed by the function returned, after the connections.
func (h *heldFiles) release() func() {
	held.Lock()
	defer held.Unlock()
	if h.refs--; h.refs > 0 {
		return func() {}
	}
	delete(held.m, h.key)
	for _, f := range h.files {
		lk := unix.Flock_t{Type: unix.F_UNLCK, Whence: 0, Start: 0, Len: 0}
		unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
	}
	return func() {
		for _, f := range h.files {
			f.Close()
		}
	}
}
