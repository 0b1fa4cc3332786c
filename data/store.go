package data

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // the register's engine: pure Go, so data builds without cgo
)

// ApplicationID marks a SQLite file as an Ascolto register ("ASCO"), so that the program
// never migrates or writes into some other program's database by mistake.
const ApplicationID = 0x4153434f

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are applied in file-name order (ReadDir sorts); the register's user_version
// is how many ran. migrationNames are their file names, by which migrationSteps finds
// the Go part of one.
var migrations, migrationNames = func() ([]string, []string) {
	entries, err := migrationFS.ReadDir("migrations")
	if err != nil {
		panic(err)
	}
	var out, names []string
	for _, e := range entries {
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, string(b))
		names = append(names, e.Name())
	}
	return out, names
}()

// SchemaVersion is the register format this program writes.
func SchemaVersion() int { return len(migrations) }

// Clock gives the time; tests and simulations pass a fixed or stepping one.
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// IDSource makes case and attachment ids; tests pass a deterministic one.
type IDSource interface{ NewID() string }

// UUIDv7 makes time-ordered UUIDs, so ids sort roughly by creation across offices.
type UUIDv7 struct{}

// NewID returns a new UUID version 7.
func (UUIDv7) NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Office is one office of the department.
type Office struct {
	Code    string `json:"code"`
	NameIT  string `json:"name_it"`
	NameDE  string `json:"name_de"`
	Address string `json:"address"`
	Local   bool   `json:"local"`
}

// Options tune a Store; the zero value is the production setting.
type Options struct {
	Clock Clock
	IDs   IDSource
	// Actor is the clerk recorded in the audit trail; empty: the operating-system user.
	Actor string
	// CacheMiB is SQLite's page cache per connection (default 256: bulk work on a large
	// register). The window passes less: it reads in short bursts and must stay small.
	CacheMiB int
	// Progress, if set, hears how far an upgrade of an older register has come while
	// Open converts it (a large register takes a while); called on Open's goroutine.
	Progress Progress
}

// Progress is told how much of a long step is done, of how much in all.
type Progress func(done, total int64)

// Store is an open register.
type Store struct {
	db    *sql.DB
	path  string
	clock Clock
	ids   IDSource
	actor string
	local Office

	calMu   sync.Mutex
	cals    map[string]*officeRules
	offices map[string]bool // codes known, so intake need not ask SQLite each time

	migration *Migration // what opening did to an older register, nil if nothing
	guard     *fileGuard // the register's files as opened (lock.go)

	writes atomic.Int64 // transactions committed, for maintain
	// own serialises this program's writes to the register (ownWrite): a clerk's save,
	// an import or the demo wait here for a background step of maintain to end rather
	// than for SQLite's busy timeout, which a long step on a large register outlasted.
	own chan struct{}
	// writing counts the writes under way or waiting for own; lastWrite is when the
	// last one ended (UnixNano). Background work starts only when both say idle.
	writing   atomic.Int32
	lastWrite atomic.Int64
	stop      chan struct{}
	stopped   sync.WaitGroup
	stopOnce  sync.Once
}

// Path is the register file.
func (s *Store) Path() string { return s.path }

// Migrated tells whether opening upgraded an older register, and where the copy made
// before is; nil if the register was already of this program's format.
func (s *Store) Migrated() *Migration { return s.migration }

// Local is the office this register belongs to.
func (s *Store) Local() Office { return s.local }

// Actor is the clerk named in the audit trail.
func (s *Store) Actor() string { return s.actor }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.clock.Now() }

// DB gives read access for packages beside data (statistics, exchange). Writes to case
// tables must go through Update.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the register, first refreshing the planner's statistics where the
// tables changed much (SQLite's advice for every closing connection).
func (s *Store) Close() error {
	s.stopOnce.Do(func() {
		if s.stop != nil {
			close(s.stop)
			s.stopped.Wait()
		}
	})
	if s.filesOK() {
		optimize(s.db, `PRAGMA optimize`)
	}
	after := s.guard.unguard()
	defer after()
	return s.db.Close()
}

// optimize refreshes the planner's statistics where SQLite thinks they are stale,
// sampled (milliseconds even on a million cases) and best effort: it writes, so while
// another program is writing it gives up after a moment instead of holding up an open
// or a close.
func optimize(db *sql.DB, pragma string) {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.ExecContext(ctx, `PRAGMA busy_timeout = 50`)
	conn.ExecContext(ctx, `PRAGMA analysis_limit = 400`)
	conn.ExecContext(ctx, pragma)
	conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyTimeout.Milliseconds()))
}

// busyTimeout is how long a write waits for another program's write to end before the
// clerk is told the register is busy (tests shorten it).
var busyTimeout = 10 * time.Second

// ownWrite waits until no other write of this program is under way (a background step
// of maintain included) and returns the function that ends this one. Only another
// program's write can then make it wait in SQLite, for at most busyTimeout.
func (s *Store) ownWrite(ctx context.Context) (func(), error) {
	s.writing.Add(1)
	select {
	case s.own <- struct{}{}:
	case <-ctx.Done():
		s.writing.Add(-1)
		return nil, ctx.Err()
	}
	return func() {
		s.lastWrite.Store(time.Now().UnixNano())
		<-s.own
		s.writing.Add(-1)
	}, nil
}

// idleFor tells whether no write of this program is under way or waiting, and none
// ended within d: a background step would not hold anybody up.
func (s *Store) idleFor(d time.Duration) bool {
	return s.writing.Load() == 0 && time.Since(time.Unix(0, s.lastWrite.Load())) >= d
}

// backgroundWrite takes the register's write for a background step only when this
// program is not writing; false: it is, and the step is left for later.
func (s *Store) backgroundWrite() (func(), bool) {
	if s.writing.Load() > 0 {
		return nil, false
	}
	select {
	case s.own <- struct{}{}:
		return func() { <-s.own }, true
	default:
		return nil, false
	}
}

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		name := u.Username
		if i := strings.LastIndexAny(name, `\/`); i >= 0 { // DOMAIN\user on Windows
			name = name[i+1:]
		}
		return name
	}
	for _, v := range []string{"USER", "USERNAME", "LOGNAME"} {
		if n := os.Getenv(v); n != "" {
			return n
		}
	}
	return "unknown"
}

func dsn(path string) string { return dsnWith(path, 0) }

func dsnWith(path string, cacheMiB int) string {
	if cacheMiB <= 0 {
		cacheMiB = 256
	}
	// busy_timeout: the window and ascoltoctl share the file; a writer waits rather
	// than failing. synchronous FULL: a saved case survives a power cut.
	// _txlock immediate: write transactions take the write lock at BEGIN, so two
	// writers queue instead of failing on a lock upgrade.
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	// A larger page cache keeps a million-case register's indexes in memory.
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheMiB*1024))
	// Checkpoints (copying the WAL into the register) run in the background, see
	// maintain; this is only the limit past which a writer does one itself.
	q.Add("_pragma", "wal_autocheckpoint(65536)")
	// Statement journals in memory: a batch of changes must not write temp files.
	q.Add("_pragma", "temp_store(2)")
	q.Add("_txlock", "immediate")
	return "file:" + filepath.ToSlash(path) + "?" + q.Encode()
}

var sqliteMagic = []byte("SQLite format 3\x00")

// checkFile refuses early what is not a SQLite file, before the engine touches it.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Problem{Key: "err.no_register", Args: map[string]string{"path": path}, Err: err}
	}
	if err != nil {
		if lockedByProgram(err, path) {
			return &Problem{Key: "err.locked_by_program", Args: map[string]string{"path": path, "dir": filepath.Dir(path)}, Err: err}
		}
		return openProblem(path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
		return Problemf("err.not_register", "path", path)
	}
	return nil
}

// Open opens an existing register. A file that is not a register, or one written by a
// newer program, is refused before anything is written to it.
func Open(path string, opt Options) (*Store, error) {
	if err := checkFile(path); err != nil {
		return nil, err
	}
	if err := refuseNetworkShare(path); err != nil {
		return nil, err
	}
	tightenRegister(path)
	repairSharedMemory(path)
	migration, err := upgradeAlone(path, opt.Progress)
	if err != nil {
		return nil, err
	}
	// The connections are opened through a gate, so that the register can be reopened
	// with every connection closed first (lock.go).
	gt := newGate(dsnWith(path, opt.CacheMiB))
	db := sql.OpenDB(keptStatements{gt}) // stmtcache.go
	s, err := open(db, gt, path, opt)
	if err != nil {
		db.Close()
		return nil, err
	}
	if migration != nil {
		s.migration = migration
	}
	return s, nil
}

// upgradeAlone migrates a register of an older format before it is opened for use,
// holding it alone as a restore does (restorelock.go): the copy kept before the upgrade
// and the upgrade itself are made with no other program in the register, so that an
// older program still running cannot write into it meanwhile, or on into the new
// format. While another program has the register open the upgrade is refused, naming
// it. A register of this program's format is not touched.
func upgradeAlone(path string, progress Progress) (*Migration, error) {
	ctx := context.Background()
	version, err := peekVersion(ctx, path)
	if err != nil || version == 0 || version >= SchemaVersion() {
		return nil, nil // open() says what is wrong, or there is nothing to upgrade
	}
	db, err := ownRegister(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return nil, openErr(err, path)
	}
	m, err := migrateWithBackup(ctx, db, path, version, progress)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `PRAGMA journal_mode=WAL`); err != nil {
		return nil, openErr(err, path)
	}
	return m, db.Close()
}

// peekVersion reads the register's format, and nothing else.
func peekVersion(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", dsnWith(path, 1))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var appID, version int
	if err := db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil || appID != ApplicationID {
		return 0, err
	}
	err = db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version)
	return version, err
}

func open(db *sql.DB, gt *gate, path string, opt Options) (*Store, error) {
	var appID, version int
	if err := db.QueryRow("PRAGMA application_id").Scan(&appID); err != nil {
		return nil, openErr(err, path)
	}
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return nil, openErr(err, path)
	}
	if appID != ApplicationID {
		return nil, Problemf("err.not_register", "path", path)
	}
	if version > SchemaVersion() {
		return nil, Problemf("err.too_new", "path", path, "version", fmt.Sprint(version), "supported", fmt.Sprint(SchemaVersion()))
	}
	if _, err := db.Exec("PRAGMA journal_mode=WAL"); err != nil {
		return nil, openErr(err, path)
	}
	migration, err := migrateWithBackup(context.Background(), db, path, version, opt.Progress)
	if err != nil {
		return nil, err
	}
	// Give the query planner statistics: without them it may sort all open cases for
	// the overdue list instead of reading the partial index.
	optimize(db, `PRAGMA optimize = 0x10002`)
	s := newStore(db, path, opt)
	s.migration = migration
	if err := s.loadLocal(); err != nil {
		return nil, err
	}
	s.guard = guardFiles(path, gt)
	s.stop = make(chan struct{})
	s.stopped.Go(s.maintain)
	return s, nil
}

// maintainEvery is how often maintain looks at the register; idleBefore is how long
// this program must have written nothing before maintain merges the search index.
var (
	maintainEvery = 500 * time.Millisecond
	idleBefore    = 2 * time.Second
)

// maintain keeps the register in shape in the background, so that a clerk's save never
// waits for it: twice a second, when something was written, it copies committed changes
// from the WAL into the register file (a PASSIVE checkpoint never blocks a writer or a
// reader); after two seconds without writes it merges search-index segments in small
// steps until there is nothing left worth merging.
//
// "Without writes" counts from the end of the last write, not from its commit: a batch
// of 20,000 demo cases holds its transaction for many seconds, and a merge step taken
// in the moment between two batches used to hold the register until the next batch
// gave up as "busy" (ownWrite now makes it wait, and this keeps it from waiting).
func (s *Store) maintain() {
	tick := time.NewTicker(maintainEvery)
	defer tick.Stop()
	var seen int64
	merge := true
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		if !s.filesOK() {
			continue // the files were replaced: write nothing, not even here
		}
		if n := s.writes.Load(); n != seen {
			s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			seen, merge = n, true
			// A write made outside ownWrite (an erasure's rewrite) counts as well.
			if s.idleFor(0) {
				s.lastWrite.Store(time.Now().UnixNano())
			}
			continue
		}
		if merge && s.idleFor(idleBefore) {
			merge = s.mergeIndex(256)
			if !merge && s.purgePending() {
				// After an anonymisation: the idle time goes to rewriting the index.
				merge = s.mergeIndex(-256) || s.finishPurge()
			}
		}
	}
}

// The search index keeps a removed case's words in its older segments until they are
// merged. After an anonymisation (meta 'search_purge') the register merges the whole
// index into one segment, in short steps while idle (PurgeSearchIndex does it at once),
// with freed pages zeroed, so that the citizen's words leave the file too.
func (s *Store) purgePending() bool {
	var v string
	s.db.QueryRow(`SELECT value FROM meta WHERE key = 'search_purge'`).Scan(&v)
	return v == "1"
}

func (s *Store) finishPurge() bool {
	s.db.Exec(`DELETE FROM meta WHERE key = 'search_purge'`)
	return false
}

// PurgeSearchIndex does the whole pending purge of the search index now.
func (s *Store) PurgeSearchIndex(ctx context.Context) error {
	for s.purgePending() {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, err := s.ownWrite(ctx)
		if err != nil {
			return err
		}
		more := s.mergeStep(-1024)
		done()
		if !more {
			s.finishPurge()
		}
	}
	return nil
}

// mergeIndex does a background step of search-index merging (mergeStep) when this
// program is not writing, and reports whether there may be more to do.
func (s *Store) mergeIndex(pages int) bool {
	done, ok := s.backgroundWrite()
	if !ok {
		return true // a write goes first; the merge waits for the next idle moment
	}
	defer done()
	return s.mergeStep(pages)
}

// mergeStepHook, when set, runs inside a merge step's transaction (tests: a step as
// slow as one on a million cases on a loaded machine).
var mergeStepHook atomic.Pointer[func()]

// mergeStep does up to pages pages of search-index merging in one short transaction and
// reports whether there may be more to do (FTS5 says so through total_changes). Another
// program writing goes first: the step gives up after 50 ms.
func (s *Store) mergeStep(pages int) bool {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false
	}
	defer conn.Close()
	var before, after int64
	conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before)
	conn.ExecContext(ctx, `PRAGMA busy_timeout = 50`)
	if pages < 0 {
		conn.ExecContext(ctx, `PRAGMA secure_delete = 1`)
	}
	err = func() error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `INSERT INTO cases_fts(cases_fts, rank) VALUES ('merge', ?)`, pages); err != nil {
			return err
		}
		if hook := mergeStepHook.Load(); hook != nil {
			(*hook)()
		}
		return tx.Commit()
	}()
	if pages < 0 {
		conn.ExecContext(ctx, `PRAGMA secure_delete = 0`)
	}
	conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyTimeout.Milliseconds()))
	conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after)
	return err != nil || after-before >= 2
}

func newStore(db *sql.DB, path string, opt Options) *Store {
	s := &Store{db: db, path: path, clock: opt.Clock, ids: opt.IDs, actor: opt.Actor, cals: map[string]*officeRules{},
		own: make(chan struct{}, 1)}
	s.lastWrite.Store(time.Now().UnixNano()) // opening is no idle time: no merge at once
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	if s.ids == nil {
		s.ids = UUIDv7{}
	}
	if s.actor == "" {
		s.actor = osUser()
	}
	return s
}

func migrate(db *sql.DB, from int, progress Progress) error {
	for v := from; v < len(migrations); v++ {
		tx, err := db.Begin()
		if err != nil {
			return fmt.Errorf("migrate register to version %d: %w", v+1, err)
		}
		if _, err := tx.Exec(migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate register to version %d: %w", v+1, err)
		}
		if step := migrationSteps[migrationNames[v][:4]]; step != nil {
			if err := step(tx, progress); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate register to version %d: %w", v+1, err)
			}
		}
		if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate register to version %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate register to version %d: %w", v+1, err)
		}
	}
	return nil
}

// Create makes a new register for an office. It refuses to touch an existing file.
func Create(path string, office Office, opt Options) (*Store, error) {
	office = office.cleaned()
	if err := checkOffice(office); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		return nil, Problemf("err.exists", "path", path)
	}
	if err := refuseNetworkShare(path); err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := MkdirPrivate(dir); err != nil {
			return nil, &Problem{Key: "err.create", Args: map[string]string{"path": path}, Err: err}
		}
	}
	// Build the register under a temporary name and rename it into place, so that a
	// crash during set-up never leaves a half-made register behind.
	tmp := path + ".creating"
	if err := newRegisterFile(tmp); err != nil {
		return nil, &Problem{Key: "err.create", Args: map[string]string{"path": path}, Err: err}
	}
	db, err := sql.Open("sqlite", dsn(tmp))
	if err != nil {
		return nil, &Problem{Key: "err.create", Args: map[string]string{"path": path}, Err: err}
	}
	fail := func(err error) (*Store, error) {
		db.Close()
		os.Remove(tmp)
		os.Remove(tmp + "-wal")
		os.Remove(tmp + "-shm")
		if _, ok := AsProblem(err); ok {
			return nil, err
		}
		return nil, &Problem{Key: "err.create", Args: map[string]string{"path": path}, Err: err}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
		return fail(err)
	}
	if err := migrate(db, 0, nil); err != nil {
		return fail(err)
	}
	s := newStore(db, tmp, opt)
	office.Local = true
	err = s.withTx(context.Background(), func(tx *sql.Tx) error {
		if err := putOffice(tx, office); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO deadline_rules(office, kind, days) VALUES (?, '', ?)`, office.Code, DefaultDeadlineDays)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO meta(key, value) VALUES ('created_at', ?), ('local_office', ?)`,
			formatTime(s.clock.Now()), office.Code)
		return err
	})
	if err != nil {
		return fail(err)
	}
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	SyncDir(filepath.Dir(path)) // the new name survives a power cut (best effort: the register is made)
	return Open(path, opt)
}

func checkOffice(o Office) error {
	if !validOfficeCode(o.Code) {
		return Problemf("err.office_code", "code", o.Code)
	}
	if strings.TrimSpace(o.NameIT) == "" || strings.TrimSpace(o.NameDE) == "" {
		return Problemf("err.office_names")
	}
	return nil
}

// validOfficeCode: 2 to 10 capital letters or digits, starting with a letter, since the
// code is part of every protocol number and of exchange folder names.
func validOfficeCode(c string) bool {
	if len(c) < 2 || len(c) > 10 || c[0] < 'A' || c[0] > 'Z' {
		return false
	}
	for _, r := range c {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func putOffice(tx *sql.Tx, o Office) error {
	_, err := tx.Exec(`INSERT INTO offices(code, name_it, name_de, address, is_local) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(code) DO UPDATE SET name_it = excluded.name_it, name_de = excluded.name_de, address = excluded.address`,
		o.Code, o.NameIT, o.NameDE, o.Address, o.Local)
	return err
}

func (s *Store) loadLocal() error {
	row := s.db.QueryRow(`SELECT code, name_it, name_de, address FROM offices WHERE is_local = 1`)
	if err := row.Scan(&s.local.Code, &s.local.NameIT, &s.local.NameDE, &s.local.Address); err != nil {
		return &Problem{Key: "err.not_register", Args: map[string]string{"path": s.path}, Err: err}
	}
	s.local.Local = true
	return nil
}

// Offices lists the offices the register knows, the local one first.
func (s *Store) Offices() ([]Office, error) {
	rows, err := s.db.Query(`SELECT code, name_it, name_de, address, is_local FROM offices ORDER BY is_local DESC, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Office
	for rows.Next() {
		var o Office
		if err := rows.Scan(&o.Code, &o.NameIT, &o.NameDE, &o.Address, &o.Local); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// PutOffice adds an office of the department (or renames one), e.g. the competent office
// a case may be forwarded to.
func (s *Store) PutOffice(o Office) error {
	o = o.cleaned()
	if err := checkOffice(o); err != nil {
		return err
	}
	o.Local = o.Code == s.local.Code
	err := s.withTx(context.Background(), func(tx *sql.Tx) error { return putOffice(tx, o) })
	s.calMu.Lock()
	s.offices = nil
	s.calMu.Unlock()
	if err == nil && o.Local {
		err = s.loadLocal()
	}
	return err
}

func (s *Store) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	done, err := s.ownWrite(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := s.beforeWrite(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.writeProblem(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		if p := causeOf(err, s.path); p != nil {
			return p
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.writeProblem(err)
	}
	return nil
}

// openErr is the problem of a register SQLite could not read at open: the cause when
// there is one a person can act on (a read-only folder, a full disk), a register that
// is not one only when SQLite says so, and otherwise "could not be opened". A folder
// where the -shm cannot be created used to be called "not an Ascolto register".
func openErr(err error, path string) error {
	if p := causeOf(err, path); p != nil {
		return p
	}
	if sqliteCode(err) == sqliteNotADB {
		return &Problem{Key: "err.not_register", Args: map[string]string{"path": path}, Err: err}
	}
	return &Problem{Key: "err.open", Args: map[string]string{"path": path}, Err: err}
}

// writeProblem is the problem of a write SQLite refused: its cause, or "busy" when the
// register's write lock was not had in time, or "could not be saved".
func (s *Store) writeProblem(err error) error {
	if p := causeOf(err, s.path); p != nil {
		return p
	}
	if _, ok := AsProblem(err); ok {
		return err
	}
	if c := sqliteCode(err); c == sqliteBusy || c == sqliteLocked {
		return &Problem{Key: "err.busy", Err: err}
	}
	return &Problem{Key: "err.write", Err: err}
}

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// formatTime stores instants as UTC text with milliseconds: sortable, and exact enough to
// order a clerk's clicks.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}
