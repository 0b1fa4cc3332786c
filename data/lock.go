package data

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
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
//     on a Unix without OFD locks, the loss above happened), the store does not write:
//     it closes every connection, so that SQLite forgets the old files altogether
//     (it shares one record of locks and one shared-memory map per file among all the
//     connections of a process, so a new connection beside an old one would inherit
//     the stale state), and opens the register again as it now is. The change is
//     refused with a message asking the clerk to repeat it, since what the window
//     showed may be gone. If the register cannot be reopened safely (another store
//     of the process still has it open, a connection is not given back in time, the
//     file is now another office's register or of another format) the store writes
//     nothing more, and says to start the program again.
//
// Windows needs none of this: a lock there is released only with the handle that took
// it, and SQLite opens the files so that nobody can delete or replace them meanwhile.

// registerSides are the files SQLite keeps for a register in WAL mode, by suffix.
var registerSides = [...]string{"", "-wal", "-shm"}

// reopenWait bounds how long a reopen waits for the connections in use to come back.
var reopenWait = 10 * time.Second

// fileGuard is what a store knows of the files it opened.
type fileGuard struct {
	path string
	gate *gate

	mu    sync.Mutex // held while the files are compared or the register reopened
	files [len(registerSides)]os.FileInfo
	held  *heldFiles
	// changed is set when a check found the files changed and cleared by a reopen;
	// stopped, when a reopen was not possible: nothing is written after that.
	changed, stopped atomic.Bool
	// gen counts the reopens, so that a connection held for long (Watch) is let go.
	gen atomic.Uint64
}

// guardFiles records the register's files as SQLite has them open now, and on Linux
// takes the locks that keep other programs from taking them away. It is called once the
// register is open in WAL mode (the -wal and -shm exist).
func guardFiles(path string, gt *gate) *fileGuard {
	if !filesCanChange {
		return nil
	}
	g := &fileGuard{path: path, gate: gt}
	g.record()
	return g
}

// record notes the files as they are now and holds them; with g.mu held, or before the
// guard is shared.
func (g *fileGuard) record() {
	for i, side := range registerSides {
		g.files[i] = nil
		if fi, err := os.Stat(g.path + side); err == nil {
			g.files[i] = fi
		}
	}
	g.held = holdFiles(g.path)
}

// same tells whether the register's files are still the ones opened; with g.mu held.
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

// check compares the files and remembers a change.
func (g *fileGuard) check() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.changed.Load() && !g.same() {
		g.changed.Store(true)
	}
	return !g.changed.Load() && !g.stopped.Load()
}

// generation changes with every reopen (0 where the files are not watched).
func (s *Store) generation() uint64 {
	if s.guard == nil {
		return 0
	}
	return s.guard.gen.Load()
}

// beforeWrite comes before every write transaction: it lets it go ahead only into the
// files the store opened, and reopens the register when they changed (see above).
func (s *Store) beforeWrite() error {
	g := s.guard
	if g == nil {
		return nil
	}
	if g.stopped.Load() {
		return Problemf("err.register_changed", "path", s.path)
	}
	if g.check() {
		return nil
	}
	if g.stopped.Load() {
		return Problemf("err.register_changed", "path", s.path)
	}
	if err := s.reopen(); err != nil {
		g.stopped.Store(true)
		return &Problem{Key: "err.register_changed", Args: map[string]string{"path": s.path}, Err: err}
	}
	return Problemf("err.register_reopened", "path", s.path)
}

// filesOK is the check for the background work, which just skips its turn.
func (s *Store) filesOK() bool { return s.guard == nil || s.guard.check() }

// reopen closes every connection of the store and opens the register again.
func (s *Store) reopen() error {
	g := s.guard
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.changed.Load() {
		return nil // another write reopened it meanwhile
	}
	if g.held != nil && g.held.shared() {
		return errors.New("another store of this program has the register open")
	}
	// No new connection until the old ones are all closed: new ones opened beside them
	// would share SQLite's record of the old files.
	g.gate.shut()
	defer g.gate.open()
	g.gen.Add(1)
	s.db.SetConnMaxLifetime(time.Nanosecond) // every connection given back is closed
	deadline := time.Now().Add(reopenWait)
	for s.db.Stats().OpenConnections > g.gate.waiting() {
		if time.Now().After(deadline) {
			s.db.SetConnMaxLifetime(0)
			return errors.New("connections still in use")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.db.SetConnMaxLifetime(0)
	// The old locks go only now: while a connection closed, they kept it from taking
	// itself for the last user and copying its WAL into the register.
	if g.held != nil {
		g.held.release()()
		g.held = nil
	}
	g.gate.open()
	if err := checkReopened(s.db, s.local.Code); err != nil {
		return err
	}
	g.record()
	g.changed.Store(false)
	s.calMu.Lock()
	s.cals = map[string]*officeRules{}
	s.offices = nil
	s.calMu.Unlock()
	return nil
}

// checkReopened makes sure the file now at the register's path is a register of this
// format and of the same office, and in WAL mode like every open register.
func checkReopened(db *sql.DB, office string) error {
	var appID, version int
	var local string
	if err := db.QueryRow(`PRAGMA application_id`).Scan(&appID); err != nil {
		return err
	}
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if appID != ApplicationID || version != SchemaVersion() {
		return fmt.Errorf("not a register of this format (application id %#x, version %d)", appID, version)
	}
	if _, err := db.Exec(`PRAGMA journal_mode=WAL`); err != nil {
		return err
	}
	if err := db.QueryRow(`SELECT code FROM offices WHERE is_local = 1`).Scan(&local); err != nil {
		return err
	}
	if local != office {
		return fmt.Errorf("now the register of office %s", local)
	}
	return nil
}

// unguard lets go of the locks; after is to be called once the connections are closed.
// If the files were replaced, the locks are kept until then: the last connection closing
// would otherwise copy its WAL into the register, whose WAL it no longer is.
func (g *fileGuard) unguard() (after func()) {
	if g == nil {
		return func() {}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.held
	g.held = nil // a second Close must not let go of another store's share
	if h == nil {
		return func() {}
	}
	if g.changed.Load() || !g.same() {
		g.changed.Store(true)
		return func() { h.release()() }
	}
	return h.release()
}

// gate opens the store's connections, and holds new ones back while the register is
// being reopened.
type gate struct {
	drv driver.Driver
	dsn string

	mu      sync.Mutex
	closed  chan struct{} // non-nil while shut
	waiters atomic.Int64
}

var sqliteDriver = sync.OnceValue(func() driver.Driver {
	db, _ := sql.Open("sqlite", "")
	defer db.Close()
	return db.Driver()
})

func newGate(dsn string) *gate { return &gate{drv: sqliteDriver(), dsn: dsn} }

// Connect opens a connection, once the gate is open.
func (g *gate) Connect(ctx context.Context) (driver.Conn, error) {
	g.mu.Lock()
	wait := g.closed
	g.mu.Unlock()
	if wait != nil {
		g.waiters.Add(1)
		select {
		case <-wait:
			g.waiters.Add(-1)
		case <-ctx.Done():
			g.waiters.Add(-1)
			return nil, ctx.Err()
		}
	}
	return g.drv.Open(g.dsn)
}

// Driver is the SQLite driver.
func (g *gate) Driver() driver.Driver { return g.drv }

func (g *gate) shut() {
	g.mu.Lock()
	if g.closed == nil {
		g.closed = make(chan struct{})
	}
	g.mu.Unlock()
}

func (g *gate) open() {
	g.mu.Lock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
	g.mu.Unlock()
}

// waiting is how many connections wait at the gate; database/sql counts them as open.
func (g *gate) waiting() int { return int(g.waiters.Load()) }
