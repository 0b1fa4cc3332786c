package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// Backup writes a consistent copy of the register to out, even while the window or
// another program is writing to it: VACUUM INTO reads one snapshot. The copy is made
// under a temporary name, checked, and only then renamed to out; an existing out is
// refused rather than overwritten.
func (s *Store) Backup(ctx context.Context, out string) error {
	return vacuumInto(ctx, s.db, out)
}

func vacuumInto(ctx context.Context, db *sql.DB, out string) error {
	fail := func(err error) error {
		return &Problem{Key: "err.backup", Args: map[string]string{"path": out}, Err: err}
	}
	if _, err := os.Stat(out); err == nil {
		return Problemf("err.exists", "path", out)
	}
	dir := filepath.Dir(out)
	if err := MkdirPrivate(dir); err != nil {
		return fail(err)
	}
	own := filepath.Base(out)
	release := HoldFolder(dir, func(name string) bool { return isBackupDebris(name, own) })
	defer release()
	// The copy is made in an empty file created private beforehand (VACUUM INTO accepts
	// one): SQLite would create it readable by every local account.
	tmp := out + ".partial"
	if err := CreatePrivate(tmp); err != nil {
		return fail(err) // a backup to the same name is running now
	}
	unpin := pinPartial(tmp)
	defer unpin()
	drop := func(err error) error {
		unpin()
		removeWithSidecars(tmp)
		return fail(err)
	}
	// On a connection of its own with a small page cache and temporary data on disk:
	// copying a large register must not hold it in memory (on a million cases the
	// copy otherwise took well over a gigabyte while the window was open).
	conn, err := db.Conn(ctx)
	if err != nil {
		return drop(err)
	}
	defer conn.Close()
	var cache int64
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return drop(err)
	}
	for _, p := range []string{`PRAGMA temp_store = FILE`, `PRAGMA cache_size = -8192`} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return drop(err)
		}
	}
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, tmp)
	// The connection goes back to the pool as the others are.
	conn.ExecContext(context.Background(), `PRAGMA temp_store = MEMORY`)
	conn.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
	if err != nil {
		return drop(err)
	}
	if err := checkCopy(ctx, tmp, true); err != nil {
		return drop(err)
	}
	unpin()
	if err := os.Rename(tmp, out); err != nil {
		return drop(err)
	}
	if err := SyncDir(dir); err != nil {
		return fail(err)
	}
	return nil
}

// Leftovers of backups that were killed half-way: the partial copy and the journal or
// WAL files SQLite keeps beside it while it writes or checks the copy.
var partialSuffixes = []string{".partial", ".partial-journal", ".partial-wal", ".partial-shm"}

// isBackupDebris tells whether name is a leftover of a backup made by Ascolto: an
// automatic or hand-made backup of a register (*.ascolto) or of the name own, which this
// very run is about to make. Other programs' *.partial files (downloads) are not ours.
func isBackupDebris(name, own string) bool {
	for _, suf := range partialSuffixes {
		if stem, ok := strings.CutSuffix(name, suf); ok {
			return own != "" && stem == own || strings.HasSuffix(stem, ".ascolto")
		}
	}
	return false
}

// cleanBackupFolder removes the leftovers of killed backups in dir (see clearLeftovers).
func cleanBackupFolder(dir, own string) int {
	return clearLeftovers(dir, func(name string) bool { return isBackupDebris(name, own) })
}

// clearLeftovers removes the files in dir that leftover names when no program is writing
// in the folder under HoldFolder right now (see backuplock_*.go); otherwise it leaves
// everything for a later run. It returns how many files it removed.
func clearLeftovers(dir string, leftover func(name string) bool) int {
	d, err := os.Open(dir)
	if err != nil {
		return 0
	}
	defer d.Close()
	if !tryLockDirExclusive(d) {
		return 0
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() && leftover(e.Name()) {
			if os.Remove(filepath.Join(dir, e.Name())) == nil {
				n++
			}
		}
	}
	if n > 0 {
		log.Printf("ascolto: removed %d leftover files of interrupted writes in %s", n, dir)
	}
	return n
}

// HoldFolder is for a program about to write a file under a temporary name in dir and
// rename it when whole (a backup, an export): it first removes the files that leftover
// names, left by earlier writers that were killed, then marks a write as running in dir
// until release is called, so that no other program takes this one's temporary file for
// a leftover. leftover must match only temporary names of Ascolto's own.
func HoldFolder(dir string, leftover func(name string) bool) (release func()) {
	clearLeftovers(dir, leftover)
	d, err := os.Open(dir)
	if err != nil {
		return func() {}
	}
	if err := lockDirShared(d); err != nil {
		// No locks on this file system: nobody's clean-up gets the exclusive lock
		// either, so nothing is removed behind this backup's back.
		d.Close()
		return func() {}
	}
	return func() { d.Close() }
}

// checkCopy looks at a backup without migrating it: an Ascolto register this program
// can read, whole by SQLite's quick check. With settle it is also made one self-contained
// file (rollback journal rather than WAL), as a copy that is moved around should be.
func checkCopy(ctx context.Context, path string, settle bool) error {
	if err := checkFile(path); err != nil {
		return err
	}
	// A small page cache: quick_check reads every page once, a cache would only grow.
	db, err := sql.Open("sqlite", dsnWith(path, 8))
	if err != nil {
		return err
	}
	defer db.Close()
	var appID, version int
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil || appID != ApplicationID {
		return Problemf("err.not_register", "path", path)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > SchemaVersion() {
		return Problemf("err.too_new", "path", path, "version", strconv.Itoa(version), "supported", strconv.Itoa(SchemaVersion()))
	}
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil || res != "ok" {
		return Problemf("err.damaged", "path", path, "detail", res)
	}
	if settle {
		if _, err := db.ExecContext(ctx, `PRAGMA journal_mode=DELETE`); err != nil {
			return err
		}
	}
	return nil
}

// DefaultBackupKeep is how many automatic backups are kept unless the office says
// otherwise: two weeks of daily copies.
const DefaultBackupKeep = 14

// BackupSettings are where automatic backups go and how many are kept.
type BackupSettings struct {
	Dir  string `json:"dir"`
	Keep int    `json:"keep"`
}

// defaultBackupDir is "backups" beside the register.
func defaultBackupDir(register string) string {
	return filepath.Join(filepath.Dir(register), "backups")
}

func readBackupSettings(q queryer, register string) BackupSettings {
	b := BackupSettings{Dir: defaultBackupDir(register), Keep: DefaultBackupKeep}
	var dir, keep string
	if q.QueryRow(`SELECT value FROM meta WHERE key = 'backup_dir'`).Scan(&dir) == nil && dir != "" {
		b.Dir = dir
	}
	if q.QueryRow(`SELECT value FROM meta WHERE key = 'backup_keep'`).Scan(&keep) == nil {
		if n, err := strconv.Atoi(keep); err == nil && n > 0 {
			b.Keep = n
		}
	}
	return b
}

// BackupSettings tells where automatic backups go and how many are kept.
func (s *Store) BackupSettings() BackupSettings { return readBackupSettings(s.db, s.path) }

// SetBackupSettings changes the backup folder ("" for the default beside the register)
// and how many automatic backups are kept (1 to 1000). The folder must be writable.
func (t *Tx) SetBackupSettings(b BackupSettings) error {
	if b.Keep < 1 || b.Keep > 1000 {
		return Problemf("err.backup_keep", "value", strconv.Itoa(b.Keep))
	}
	if b.Dir != "" {
		if err := MkdirPrivate(b.Dir); err != nil {
			return &Problem{Key: "err.backup_dir", Args: map[string]string{"path": b.Dir}, Err: err}
		}
		probe, err := os.CreateTemp(b.Dir, ".ascolto-probe-*")
		if err != nil {
			return &Problem{Key: "err.backup_dir", Args: map[string]string{"path": b.Dir}, Err: err}
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	old := readBackupSettings(txReader{t}, t.s.path)
	for k, v := range map[string]string{"backup_dir": b.Dir, "backup_keep": strconv.Itoa(b.Keep)} {
		if _, err := t.exec(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return t.writeErr(err)
		}
	}
	return t.audit(t.Now(), &Case{}, "settings:"+t.s.local.Code, []FieldChange{
		{Field: "backup_dir", Old: old.Dir, New: readBackupSettings(txReader{t}, t.s.path).Dir},
		{Field: "backup_keep", Old: strconv.Itoa(old.Keep), New: strconv.Itoa(b.Keep)}}, "")
}

// backupName is register-<reason>-YYYYMMDD-HHMMSS.mmm.ascolto: names sort by time, a
// person can tell what each copy is for, and two imports in one second get two names.
func backupName(reason string, at time.Time) string {
	return "register-" + reason + "-" + at.In(Rome).Format(backupStamp) + ".ascolto"
}

const backupStamp = "20060102-150405.000"

// AutoBackup makes an automatic backup (reason: "daily", "before-import", …) in the
// backup folder and then removes the oldest automatic backups beyond the number kept.
func (s *Store) AutoBackup(ctx context.Context, reason string) (string, error) {
	b := s.BackupSettings()
	out := filepath.Join(b.Dir, backupName(reason, s.clock.Now()))
	if err := vacuumInto(ctx, s.db, out); err != nil {
		return "", err
	}
	return out, pruneBackups(b)
}

// DailyBackup makes today's backup unless one from today is already there.
func (s *Store) DailyBackup(ctx context.Context) (string, error) {
	b := s.BackupSettings()
	// The window asks for this at every start: leftovers of backups killed since the
	// last one go even on a day that needs no new copy.
	cleanBackupFolder(b.Dir, "")
	today := s.clock.Now().In(Rome).Format("20060102")
	if matches, _ := filepath.Glob(filepath.Join(b.Dir, "register-daily-"+today+"-*.ascolto")); len(matches) > 0 {
		return "", nil
	}
	return s.AutoBackup(ctx, "daily")
}

// Backups lists the backups in the backup folder, newest first: the automatic ones and
// the copies made with the window's "Back up now" (see IsBackupName).
func (s *Store) Backups() ([]string, error) {
	return BackupsIn(s.BackupSettings().Dir)
}

// HandBackupName is the name of a copy the clerk makes with the window's "Back up now":
// ascolto-<office>-YYYYMMDD-HHMMSS.mmm.ascolto. Like the automatic backups' it carries
// the time to the millisecond (two copies in one minute get two names) and is one that
// IsBackupName recognises, so that the restore lists the copy; unlike theirs it is never
// pruned. An office code that is not one (it would not be safe in a file name) is left
// out.
func HandBackupName(office string, at time.Time) string {
	if !validOfficeCode(office) {
		office = "register"
	}
	return handPrefix + office + "-" + at.In(Rome).Format(backupStamp) + ".ascolto"
}

const (
	handPrefix = "ascolto-"
	autoPrefix = "register-"
	// handStampOld is the minute stamp of the copies "Back up now" made before it named
	// them with HandBackupName; they lie in offices' backup folders and are restored too.
	handStampOld = "2006-01-02-1504"
)

// IsBackupName tells whether name (a file's base name) is a backup Ascolto named: an
// automatic one (register-<reason>-<time>.ascolto, see backupName) or a copy made with
// "Back up now" (HandBackupName, and the minute-stamped ascolto-<office>-YYYY-MM-DD-HHMM
// .ascolto of earlier versions).
func IsBackupName(name string) bool {
	_, _, ok := parseBackupName(name)
	return ok
}

// parseBackupName reads the time in a backup's name, and whether it is an automatic one.
func parseBackupName(name string) (at time.Time, auto bool, ok bool) {
	stem, found := strings.CutSuffix(name, ".ascolto")
	if !found {
		return time.Time{}, false, false
	}
	if rest, found := strings.CutPrefix(stem, autoPrefix); found {
		n := len(backupStamp)
		if len(rest) < n+2 || rest[len(rest)-n-1] != '-' {
			return time.Time{}, false, false
		}
		at, err := time.ParseInLocation(backupStamp, rest[len(rest)-n:], Rome)
		return at, true, err == nil
	}
	rest, found := strings.CutPrefix(stem, handPrefix)
	if !found {
		return time.Time{}, false, false
	}
	office, stamp, found := strings.Cut(rest, "-")
	if !found || office == "" {
		return time.Time{}, false, false
	}
	for _, layout := range []string{backupStamp, handStampOld} {
		if len(stamp) == len(layout) {
			if at, err := time.ParseInLocation(layout, stamp, Rome); err == nil {
				return at, false, true
			}
		}
	}
	return time.Time{}, false, false
}

// BackupsIn lists the backups in dir that IsBackupName recognises, newest first by the
// time in their names. A folder that does not exist has none.
func BackupsIn(dir string) ([]string, error) {
	return backupsIn(dir, func(auto bool) bool { return true })
}

// listBackups lists the automatic backups in dir, newest first: the ones pruning counts.
func listBackups(dir string) ([]string, error) {
	return backupsIn(dir, func(auto bool) bool { return auto })
}

func backupsIn(dir string, want func(auto bool) bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type found struct {
		path string
		at   time.Time
	}
	var list []found
	for _, e := range entries {
		at, auto, ok := parseBackupName(e.Name())
		if ok && e.Type().IsRegular() && want(auto) {
			list = append(list, found{filepath.Join(dir, e.Name()), at})
		}
	}
	// Newest first by the time in the name, whatever the kind or the reason.
	sort.Slice(list, func(i, j int) bool {
		if !list[i].at.Equal(list[j].at) {
			return list[i].at.After(list[j].at)
		}
		return list[i].path > list[j].path
	})
	out := make([]string, len(list))
	for i, f := range list {
		out[i] = f.path
	}
	return out, nil
}

// pruneBackups keeps the newest Keep automatic backups. Copies made by hand (any other
// name) are never touched. The kept ones that an older program made readable by every
// local account are narrowed to 0600.
func pruneBackups(b BackupSettings) error {
	all, err := listBackups(b.Dir)
	if err != nil {
		return err
	}
	for _, p := range all[:min(b.Keep, len(all))] {
		NarrowFile(p)
	}
	for i := b.Keep; i < len(all); i++ {
		if err := os.Remove(all[i]); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// BackupInfo is what a backup holds, read without changing it.
type BackupInfo struct {
	Version int // the register's format
	Cases   int
}

// CheckBackup checks a backup the way Restore does before it replaces anything (an
// Ascolto register this program can read, intact) and counts its cases. The window asks
// this first, while the register is still open, so that a file it would refuse is
// refused before the register is closed, and the clerk confirms knowing what comes back.
func CheckBackup(ctx context.Context, path string) (BackupInfo, error) {
	if err := checkBackup(ctx, path); err != nil {
		return BackupInfo{}, err
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return BackupInfo{}, &Problem{Key: "err.restore", Args: map[string]string{"path": path}, Err: err}
	}
	defer db.Close()
	var info BackupInfo
	err = db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&info.Version)
	if err == nil {
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&info.Cases)
	}
	if err != nil {
		return BackupInfo{}, &Problem{Key: "err.restore", Args: map[string]string{"path": path}, Err: err}
	}
	return info, nil
}

// checkBackup is checkCopy with a translatable refusal for whatever it finds.
func checkBackup(ctx context.Context, from string) error {
	if err := checkCopy(ctx, from, false); err != nil {
		if _, ok := AsProblem(err); ok {
			return err
		}
		return &Problem{Key: "err.restore", Args: map[string]string{"path": from}, Err: err}
	}
	return nil
}

// Restore replaces the register at path with the backup from, which is checked first
// (an Ascolto register this program can read, intact); the register being replaced is
// itself kept as a backup ("before-restore"). It refuses while any other program has the
// register open, naming it, and holds the register alone from that check until the
// restored register is in place (see restorelock.go), so that nothing another program
// saved is lost between the copy and the restore.
func Restore(ctx context.Context, from, path string) (saved string, err error) {
	if err := checkBackup(ctx, from); err != nil {
		return "", err
	}
	fail := func(err error) (string, error) {
		return "", explain(err, path, func(err error) error {
			return &Problem{Key: "err.restore", Args: map[string]string{"path": from}, Err: err}
		})
	}
	if _, err := os.Stat(path); err != nil {
		return "", restoreNew(ctx, from, path, fail)
	}
	release, err := holdRestoreLock(path)
	if err != nil {
		return "", err
	}
	defer release()
	db, err := ownRegister(ctx, path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	b := readBackupSettings(db, path)
	saved = filepath.Join(b.Dir, backupName("before-restore", time.Now()))
	if err := vacuumInto(ctx, db, saved); err != nil {
		return "", err
	}
	if err := pruneBackups(b); err != nil {
		return "", err
	}
	// The backup's pages are written into the register through the connection that holds
	// it, in one transaction: until it commits the old register stays whole.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail(err)
	}
	err = conn.Raw(func(dc any) error {
		r, ok := dc.(interface {
			NewRestore(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("the SQLite driver cannot restore")
		}
		bk, err := r.NewRestore(from)
		if err != nil {
			return err
		}
		_, err = bk.Step(-1)
		if ferr := bk.Finish(); err == nil {
			err = ferr
		}
		return err
	})
	if err == nil {
		// Into the register file itself, so that a copy of the file alone is whole.
		_, err = conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	var res string
	if err == nil {
		err = conn.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res)
		if err == nil && res != "ok" {
			err = fmt.Errorf("quick_check after restoring: %s", res)
		}
	}
	conn.Close()
	if err != nil {
		return fail(err)
	}
	if err := db.Close(); err != nil {
		return fail(err)
	}
	return saved, nil
}

// restoreNew puts the backup in place where there is no register (it was lost): a copy
// beside the path, flushed, then renamed to it.
func restoreNew(ctx context.Context, from, path string, fail func(error) (string, error)) error {
	tmp := path + ".restoring"
	removeWithSidecars(tmp) // a restore killed half-way
	src, err := os.Open(from)
	if err != nil {
		_, err = fail(err)
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, privateFile)
	if err != nil {
		_, err = fail(err)
		return err
	}
	err = chmodPrivate(tmp, privateFile)
	if err == nil {
		_, err = io.Copy(dst, src)
	}
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = checkCopy(ctx, tmp, true)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		removeWithSidecars(tmp)
		_, err = fail(err)
		return err
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		_, err = fail(err)
		return err
	}
	return nil
}

// Migration says what opening the register did to it: from which format to which, and
// where the copy made before is.
type Migration struct {
	From, To int
	Backup   string
}

func (m *Migration) String() string {
	if m == nil {
		return ""
	}
	return fmt.Sprintf("v%d→v%d (%s)", m.From, m.To, m.Backup)
}

// migrateWithBackup copies a register of an older format to the backup folder before
// migrating it, so that an upgrade can always be undone.
func migrateWithBackup(ctx context.Context, db *sql.DB, path string, from int, progress Progress) (*Migration, error) {
	if from == SchemaVersion() {
		return nil, nil
	}
	m := &Migration{From: from, To: SchemaVersion()}
	if from > 0 {
		b := readBackupSettings(db, path)
		m.Backup = filepath.Join(b.Dir, backupName("before-v"+strconv.Itoa(SchemaVersion()), time.Now()))
		if err := vacuumInto(ctx, db, m.Backup); err != nil {
			return nil, err
		}
		if err := pruneBackups(b); err != nil {
			return nil, err
		}
	}
	if err := migrate(db, from, progress); err != nil {
		return nil, err
	}
	if from > 0 && from < compactVersion() {
		// The entries compressed in place left their pages half empty: the register
		// is written anew once, so that the upgrade makes it smaller on disk too.
		if _, err := db.ExecContext(ctx, `VACUUM`); err != nil {
			return nil, err
		}
	}
	return m, nil
}
