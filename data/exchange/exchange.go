// Package exchange keeps the registers of several offices in step through one shared
// folder, without a server (docs/exchange.md). Each office writes only in its own
// sub-folder: signed, immutable files of its operations, its public key (office.json)
// and what it has applied (ack.json). Each office reads the others' files, verifies
// them whole, and hands them to data.Store.ApplyRemote, which merges them in one
// transaction each.
package exchange

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"ascolto/data"
)

// Config is what an Exchange works with.
type Config struct {
	Store  *data.Store
	Folder Folder
	Root   string             // the folder's real path, for change notifications ("" for fakes)
	Key    ed25519.PrivateKey // this office's key (LoadOrCreateKey)
	Clock  data.Clock         // nil = system clock
	Log    *slog.Logger       // nil = discard

	BatchOps  int           // most operations per file; default 1000
	BatchIdle time.Duration // Watch publishes when no local change for this long; default 3s
	Poll      time.Duration // Watch looks at the folder this often (±20%); default 5s

	// Active is how recently an office must have been heard from for its
	// acknowledgement to hold back the removal of old files; default 60 days.
	Active time.Duration
	// TempGrace is how long a file being written or copied is left alone before it is
	// listed as incomplete; default 10 minutes.
	TempGrace time.Duration
	// CompactFiles is how many of its own files every active office has before an office
	// compacts them into its base and removes them; default 32. Fewer would rewrite the
	// base more often, more would leave more files for every office to list.
	CompactFiles int
	// KeepFiles is the most of its own files an office leaves in the folder however far
	// behind the others are (plus up to CompactFiles before it acts); older ones go into
	// its base, from which an office that far behind catches up. Default 250 (about two
	// days of a busy office): an office away for weeks no longer makes the folder grow.
	KeepFiles int

	// FilesPasses and FilesWait: a file of another office that has not come after this
	// many looks, or this long after the first, is listed for the administrator
	// (FilesStatus.Late); defaults 60 looks and 1 hour.
	FilesPasses int
	FilesWait   time.Duration
	// FilesCheckEvery and FilesCheckBytes: every FilesCheckEvery looks an office reads
	// back up to FilesCheckBytes of its own published files (at least one), in turn, to
	// write again one that was changed in the folder; defaults 12 looks (a minute at the
	// default poll) and 16 MiB. Missing or cut files are found at every look (32 files a
	// look, by their size).
	FilesCheckEvery int
	FilesCheckBytes int64
	// FilesFetchBytes is how much of other offices' files one look takes (at least one
	// file); the rest comes at the next looks. Default 256 MiB.
	FilesFetchBytes int64
	// FilesTemp is where fetched files wait while checked; "" = beside the register.
	FilesTemp string
}

// Exchange is one office's side of the exchange folder.
type Exchange struct {
	cfg     Config
	st      *data.Store
	f       Folder
	key     ed25519.PrivateKey
	pub     ed25519.PublicKey
	local   data.Office
	clock   data.Clock
	log     *slog.Logger
	changed chan struct{}

	mu sync.Mutex // one look at the folder at a time
	// closed: Close was called; every later call is refused (guarded by mu). done is
	// closed with it, so that Watch returns without waiting for its next tick.
	closed    bool
	done      chan struct{}
	closeOnce sync.Once
	// What earlier looks learned, so that a file is read again only when it changes.
	seen      map[string]mark
	snaps     map[string]snapInfo
	offices   map[string]officeSeen
	acks      map[string]*AckFile
	ackMarks  map[string]mark
	joined    bool
	ownFork   bool
	ownCheck  map[string]mark // own files checked after another office stopped before them
	lastAck   string
	lastAckAt time.Time
	newKeys   map[string]string // guarded by smu: offices publishing another key than the trusted one
	scans     int               // looks since the start: refused files are read again after some
	parsed    *parsedSnapshot   // the snapshot read last, during one look (several offices come from it)
	// lookErr is what went wrong during the current look without stopping it (a write
	// that failed, an office whose file the register would not take): the look goes on
	// for the others and ends with it.
	lookErr error
	// written are the bases written during this look outside compact (in place of a
	// lost file), which compact must record although its listing predates them.
	written []baseRec
	// alarms are found outside the files of a look (a foreign office.json replaced in
	// this office's folder): listed with the refused files until the program ends.
	alarms map[string]Rejected

	smu       sync.Mutex // what Status reports between looks
	reachable bool
	looked    bool
	lastScan  time.Time
	gaps      map[string]Gap
	lastErr   error      // what the last look ended with, or a write that failed since; nil after a good look
	lastErrAt time.Time  // when lastErr happened
	fileWaits []FileWait // own files over the budget at the last look

	fileCursor   string // the own published file checked last (checkOwnFiles, under mu)
	filesStarted bool   // data.Store.StartTakingFiles done (under mu)
}

// mark is a file as listed: a file read before is read again when it changes, and a
// refused one also after a while, since a share may have given a bad read once.
type mark struct {
	size  int64
	mtime time.Time
	bad   *Rejected // why it was not applied; nil if it was fine
	last  int64     // for an operations file or a base: its last sequence
	fails int       // refused this many times in a row, unchanged
	retry int       // refused: read again from this look on
}

func markOf(e Entry) mark { return mark{size: e.Size, mtime: e.ModTime} }

func (m mark) same(e Entry) bool { return m.size == e.Size && m.mtime.Equal(e.ModTime) }

// Refused files are read again after recheckScans looks, then after twice as many each
// time they are still bad, up to maxRecheckScans (an hour at the default 5 s): a short
// read of a share heals quickly, a forged file costs one read an hour.
const (
	recheckScans    = 6
	maxRecheckScans = 720
)

// badMark remembers that a file as listed was refused.
func (x *Exchange) badMark(prev mark, e Entry, r *Rejected) mark {
	m := markOf(e)
	m.bad, m.fails = r, 1
	if prev.bad != nil && prev.same(e) {
		m.fails = prev.fails + 1
	}
	m.retry = x.scans + min(recheckScans<<min(m.fails-1, 16), maxRecheckScans)
	return m
}

// known tells whether a file's mark still holds: same size and time, and, if it was
// refused, not yet time to read it again.
func (x *Exchange) known(m mark, e Entry) bool {
	return m.same(e) && (m.bad == nil || x.scans < m.retry)
}

// officeSeen is an office.json as last read.
type officeSeen struct {
	m   mark
	o   *OfficeFile
	bad *Rejected
}

// snapInfo is a snapshot as last read: its author and high-water marks.
type snapInfo struct {
	m      mark
	author string
	hw     map[string]int64
}

// parsedSnapshot is a snapshot read whole, kept during one look.
type parsedSnapshot struct {
	path string
	m    mark
	s    *Snapshot
}

// New prepares the exchange of a register with a folder; nothing is read or written yet.
func New(cfg Config) (*Exchange, error) {
	if cfg.Store == nil || cfg.Folder == nil || len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("exchange: Store, Folder and Key are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = data.SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.BatchOps <= 0 {
		cfg.BatchOps = 1000
	}
	if cfg.BatchIdle <= 0 {
		cfg.BatchIdle = 3 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Active <= 0 {
		cfg.Active = 60 * 24 * time.Hour
	}
	if cfg.TempGrace <= 0 {
		cfg.TempGrace = 10 * time.Minute
	}
	if cfg.CompactFiles <= 0 {
		cfg.CompactFiles = 32
	}
	if cfg.KeepFiles <= 0 {
		cfg.KeepFiles = 250
	}
	if cfg.FilesPasses <= 0 {
		cfg.FilesPasses = 60
	}
	if cfg.FilesWait <= 0 {
		cfg.FilesWait = time.Hour
	}
	if cfg.FilesCheckEvery <= 0 {
		cfg.FilesCheckEvery = 12
	}
	if cfg.FilesCheckBytes <= 0 {
		cfg.FilesCheckBytes = 16 << 20
	}
	if cfg.FilesFetchBytes <= 0 {
		cfg.FilesFetchBytes = 256 << 20
	}
	x := &Exchange{cfg: cfg, st: cfg.Store, f: cfg.Folder, key: cfg.Key, pub: cfg.Key.Public().(ed25519.PublicKey),
		local: cfg.Store.Local(), clock: cfg.Clock, log: cfg.Log, changed: make(chan struct{}, 1), done: make(chan struct{})}
	x.reset()
	return x, nil
}

// Close ends the exchange: it waits until no look, Trust, Join or SyncOnce is running
// (the register may be closed or replaced right after, by a restore), and every later
// call is refused with exchange.closed; Watch returns. Closing again does nothing.
func (x *Exchange) Close() error {
	x.mu.Lock()
	x.closed = true
	x.closeOnce.Do(func() { close(x.done) })
	x.mu.Unlock()
	return nil
}

// errClosed is the refusal of every call after Close.
func errClosed() error { return data.Problemf("exchange.closed") }

// isClosed tells whether Close was called, without waiting for a look.
func (x *Exchange) isClosed() bool {
	select {
	case <-x.done:
		return true
	default:
		return false
	}
}

// reset forgets what earlier looks learned: the next look reads everything again.
func (x *Exchange) reset() {
	x.seen = map[string]mark{}
	x.snaps = map[string]snapInfo{}
	x.offices = map[string]officeSeen{}
	x.acks = map[string]*AckFile{}
	x.ackMarks = map[string]mark{}
	x.joined = false
	x.ownFork = false
}

func (x *Exchange) db() *sql.DB { return x.st.DB() }

// Changed is signalled after something from another office was applied.
func (x *Exchange) Changed() <-chan struct{} { return x.changed }

func (x *Exchange) notify() {
	select {
	case x.changed <- struct{}{}:
	default:
	}
}

// unreachable is the refusal when the folder cannot be read.
func (x *Exchange) unreachable(err error) error {
	x.smu.Lock()
	was := x.reachable || !x.looked
	x.reachable, x.looked = false, true
	x.smu.Unlock()
	if was {
		x.log.Warn("exchange: folder unreachable", "folder", x.cfg.Root, "err", err)
	}
	return &data.Problem{Key: "exchange.unreachable", Args: map[string]string{"folder": x.cfg.Root}, Err: err}
}

// writeFailed is the refusal when a file could not be written in the folder. It does
// not say the folder is unreachable: a full or read-only share still lists and reads,
// and what earlier looks learned holds (forgetting it would make every later look
// read and hash every file again). Only a failed List or Read marks the folder down.
func (x *Exchange) writeFailed(p string, err error) error {
	x.log.Warn("exchange: cannot write in the folder", "file", p, "err", err)
	pr := &data.Problem{Key: "exchange.write_failed", Args: map[string]string{"path": p, "detail": err.Error()}, Err: err}
	x.setLastError(pr)
	return pr
}

// setLastError records err for Status (nil: all went well).
func (x *Exchange) setLastError(err error) {
	if err != nil {
		if _, ok := data.AsProblem(err); !ok {
			err = &data.Problem{Key: "err.read", Err: err}
		}
	}
	x.smu.Lock()
	x.lastErr, x.lastErrAt = err, time.Time{}
	if err != nil {
		x.lastErrAt = x.clock.Now()
	}
	x.smu.Unlock()
}

// lookFailed records what went wrong in this look without stopping it: the look goes
// on and ends with the first such error.
func (x *Exchange) lookFailed(err error) {
	if x.lookErr == nil {
		x.lookErr = err
	}
}

// Join publishes this office's office.json (its code, names and public key) in its own
// sub-folder. Doing it again changes nothing; a code already published with another key
// is refused, since two offices cannot share a code.
func (x *Exchange) Join(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errClosed()
	}
	return x.join(ctx)
}

func (x *Exchange) join(ctx context.Context) error {
	code := x.local.Code
	if err := x.f.MkdirAll(code); err != nil {
		return x.writeFailed(code, err)
	}
	ros, err := x.roster(ctx)
	if err != nil {
		return err
	}
	p := code + "/" + OfficeFileName
	cur, err := readWhole(ctx, x.f, p, maxMetaSize)
	switch {
	case err == nil:
		o, perr := ParseOffice(cur)
		if perr == nil && !o.Key().Equal(x.pub) {
			// This register joined the folder with its key before: the sub-folder is
			// its own, and an office.json with another key was put there by someone
			// who can write on the share. Refusing would stop the office for good
			// (join runs again after every outage), so its own is written again and
			// the clerks are alarmed. A register that never joined does not know the
			// folder is its own: two offices may have been given the same code.
			if r := ros[code]; r == nil || !r.Key.Equal(x.pub) {
				return data.Problemf("exchange.code_taken", "code", code, "fingerprint", o.Fingerprint)
			}
			if x.alarms == nil {
				x.alarms = map[string]Rejected{}
			}
			x.alarms[p] = Rejected{Path: p, Reason: ReasonOfficeReplaced, Detail: o.Fingerprint, Size: int64(len(cur)), ModTime: x.clock.Now()}
			x.log.Error("exchange: alarm: another key in this office's office.json, written again", "file", p, "fingerprint", o.Fingerprint)
			perr = errors.New("another key")
		}
		if perr == nil && o.NameIT == x.local.NameIT && o.NameDE == x.local.NameDE {
			break // published already, as it is
		}
		fallthrough
	case isNotExist(err) || ReasonOf(err) != "":
		// Missing, or something else under its name (a pipe, a link, junk): this
		// office's own folder holds its own office.json, written in its place.
		b, err := EncodeOffice(x.key, OfficeFile{Code: code, NameIT: x.local.NameIT, NameDE: x.local.NameDE, Created: fmtTime(x.clock.Now())})
		if err != nil {
			return err
		}
		if err := x.f.Replace(p, b); err != nil {
			return x.writeFailed(p, err)
		}
		delete(x.offices, code) // read again: the listing before may be the foreign one's
		x.log.Info("exchange: office published", "office", code, "fingerprint", Fingerprint(x.pub))
	default:
		return x.unreachable(err)
	}
	now := fmtTime(x.clock.Now())
	r := ros[code]
	if r == nil {
		r = &officeRow{Code: code, FirstSeen: now}
	}
	if !r.Key.Equal(x.pub) || !r.Trusted {
		r.Key, r.Fingerprint, r.Trusted, r.TrustedAt, r.TrustedBy = x.pub, Fingerprint(x.pub), true, now, x.st.Actor()
	}
	r.NameIT, r.NameDE = x.local.NameIT, x.local.NameDE
	if err := x.putRoster(ctx, r); err != nil {
		return err
	}
	if err := x.setState(ctx, "folder", x.cfg.Root); err != nil {
		return err
	}
	x.joined = true
	return nil
}

// OfficeInfo is an office of the exchange roster.
type OfficeInfo struct {
	Code        string    `json:"code"`
	NameIT      string    `json:"name_it"`
	NameDE      string    `json:"name_de"`
	Fingerprint string    `json:"fingerprint"`
	Trusted     bool      `json:"trusted"`
	Local       bool      `json:"local"`
	TrustedAt   time.Time `json:"trusted_at,omitzero"`
	TrustedBy   string    `json:"trusted_by,omitempty"`
	FirstSeen   time.Time `json:"first_seen,omitzero"`
	LastHeard   time.Time `json:"last_received,omitzero"`
	// HighWater is the last of its operations applied here; Pending how many more its
	// files in the folder hold.
	HighWater int64 `json:"high_water"`
	Pending   int64 `json:"pending"`
	// KeyChanged: the office now publishes another key than the one trusted (its files
	// are checked with the trusted one until a clerk confirms the new fingerprint).
	KeyChanged     bool   `json:"key_changed,omitempty"`
	NewFingerprint string `json:"new_fingerprint,omitempty"`
}

// Offices reads the offices' office.json files, adds new offices to the roster (not
// trusted) and returns the roster, this office first.
func (x *Exchange) Offices(ctx context.Context) ([]OfficeInfo, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil, errClosed()
	}
	if _, err := x.f.List(""); err != nil {
		return nil, x.unreachable(err)
	}
	if _, _, err := x.scanOffices(ctx, map[string]Rejected{}); err != nil {
		return nil, err
	}
	return x.officeInfos(ctx, nil)
}

func (x *Exchange) officeInfos(ctx context.Context, avail map[string]int64) ([]OfficeInfo, error) {
	ros, err := x.roster(ctx)
	if err != nil {
		return nil, err
	}
	hws, err := x.st.HighWaters(ctx)
	if err != nil {
		return nil, err
	}
	var out []OfficeInfo
	for _, r := range ros {
		oi := OfficeInfo{Code: r.Code, NameIT: r.NameIT, NameDE: r.NameDE, Fingerprint: r.Fingerprint, Trusted: r.Trusted,
			Local: r.Code == x.local.Code, TrustedAt: parseTime(r.TrustedAt), TrustedBy: r.TrustedBy, FirstSeen: parseTime(r.FirstSeen),
			LastHeard: parseTime(r.LastHeard), HighWater: hws[r.Code]}
		if a, ok := avail[r.Code]; ok && a > oi.HighWater {
			oi.Pending = a - oi.HighWater
		}
		x.smu.Lock()
		if fp, ok := x.newKeys[r.Code]; ok && fp != r.Fingerprint {
			oi.KeyChanged, oi.NewFingerprint = true, fp
		}
		x.smu.Unlock()
		out = append(out, oi)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Local != out[j].Local {
			return out[i].Local
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// Trust records that a clerk confirmed an office's key by its fingerprint (read out on
// the phone, say). A fingerprint that does not match is refused and nothing changes.
// The office also becomes one of the register's offices, so cases can be forwarded to it.
func (x *Exchange) Trust(ctx context.Context, code, fingerprint string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errClosed()
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	if _, err := x.f.List(""); err == nil {
		if _, _, err := x.scanOffices(ctx, map[string]Rejected{}); err != nil {
			return err
		}
	}
	ros, err := x.roster(ctx)
	if err != nil {
		return err
	}
	r := ros[code]
	if r == nil {
		return data.Problemf("exchange.unknown_office", "code", code)
	}
	// The key to trust is the one the office publishes now (it may have replaced its
	// key: confirming the new fingerprint accepts the new key).
	key, names := r.Key, [2]string{r.NameIT, r.NameDE}
	if s, ok := x.offices[code]; ok && s.o != nil && s.bad == nil { // never a refused office.json
		key, names = s.o.Key(), [2]string{s.o.NameIT, s.o.NameDE}
	}
	if normalFingerprint(fingerprint) != normalFingerprint(Fingerprint(key)) {
		return data.Problemf("exchange.wrong_fingerprint", "code", code, "fingerprint", fingerprint)
	}
	o := data.Office{Code: code, NameIT: names[0], NameDE: names[1]}
	if strings.TrimSpace(o.NameIT) == "" {
		o.NameIT = code
	}
	if strings.TrimSpace(o.NameDE) == "" {
		o.NameDE = code
	}
	known, err := x.st.Offices()
	if err != nil {
		return readErr(err)
	}
	for _, k := range known {
		if k.Code == code {
			o.Address = k.Address
		}
	}
	if code != x.local.Code {
		if err := x.st.PutOffice(o); err != nil {
			return err
		}
	}
	now := fmtTime(x.clock.Now())
	r.Key, r.Fingerprint, r.NameIT, r.NameDE = key, Fingerprint(key), names[0], names[1]
	if !r.Trusted || r.TrustedAt == "" {
		r.TrustedAt = now
	}
	r.Trusted, r.TrustedBy = true, x.st.Actor()
	if err := x.putRoster(ctx, r); err != nil {
		return err
	}
	x.log.Info("exchange: office trusted", "office", code, "fingerprint", r.Fingerprint, "by", r.TrustedBy)
	return nil
}

// scanOffices reads every office sub-folder's office.json (when it changed) and keeps
// the roster up to date: a new office is added, not trusted; a trusted office that now
// publishes another key keeps its trusted key (an alarm). It returns the listing of
// every office folder.
func (x *Exchange) scanOffices(ctx context.Context, rej map[string]Rejected) (map[string][]Entry, []Entry, error) {
	root, err := x.f.List("")
	if err != nil {
		return nil, nil, x.unreachable(err)
	}
	ros, err := x.roster(ctx)
	if err != nil {
		return nil, nil, err
	}
	folders := map[string][]Entry{}
	now := x.clock.Now()
	for _, e := range root {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if !e.Dir || !validCode(e.Name) {
			continue
		}
		code := e.Name
		entries, err := x.f.List(code)
		if err != nil {
			if isNotExist(err) {
				continue
			}
			return nil, nil, x.unreachable(err)
		}
		folders[code] = entries
		var oe *Entry
		for i := range entries {
			if entries[i].Name == OfficeFileName && !entries[i].Dir {
				oe = &entries[i]
			}
		}
		if oe == nil {
			delete(x.offices, code)
			continue
		}
		p := code + "/" + OfficeFileName
		s, ok := x.offices[code]
		if !ok || !x.known(s.m, *oe) {
			old := s.m
			s = officeSeen{m: markOf(*oe)}
			b, err := x.readLimited(ctx, p, *oe, maxMetaSize)
			var o *OfficeFile
			if err == nil {
				o, err = ParseOffice(b)
			}
			if err == nil && o.Code != code {
				err = fail(ReasonWrongFolder, "office.json of %s", o.Code)
			}
			if err != nil {
				if isNotExist(err) {
					continue
				}
				s.bad = rejection(p, *oe, err)
				s.m = x.badMark(old, *oe, s.bad)
			}
			s.o = o
			x.offices[code] = s
		}
		if s.bad != nil {
			rej[p] = *s.bad
			continue
		}
		o := s.o
		x.smu.Lock()
		if x.newKeys == nil {
			x.newKeys = map[string]string{}
		}
		x.newKeys[code] = o.Fingerprint
		x.smu.Unlock()
		r := ros[code]
		switch {
		case r == nil:
			r = &officeRow{Code: code, NameIT: o.NameIT, NameDE: o.NameDE, Key: o.Key(), Fingerprint: o.Fingerprint, FirstSeen: fmtTime(now)}
			x.log.Info("exchange: new office in the folder", "office", code, "fingerprint", o.Fingerprint)
		case r.Key.Equal(o.Key()):
			if r.NameIT == o.NameIT && r.NameDE == o.NameDE {
				continue
			}
			r.NameIT, r.NameDE = o.NameIT, o.NameDE
		case r.Trusted || code == x.local.Code:
			// Never swap a trusted key behind the clerks' back.
			rej[p] = Rejected{Path: p, Reason: ReasonKeyChanged, Detail: o.Fingerprint, Size: oe.Size, ModTime: oe.ModTime}
			continue
		default:
			r.Key, r.Fingerprint, r.NameIT, r.NameDE = o.Key(), o.Fingerprint, o.NameIT, o.NameDE
		}
		if err := x.putRoster(ctx, r); err != nil {
			return nil, nil, err
		}
	}
	return folders, root, nil
}

// readLimited reads a file the listing says is not larger than limit (openLimited).
func (x *Exchange) readLimited(ctx context.Context, p string, e Entry, limit int64) ([]byte, error) {
	r, n, err := x.openLimited(ctx, p, e, limit)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := readAll(ctx, r, n)
	if err != nil {
		return nil, readFailed(ctx, err)
	}
	return b, nil
}

// rejection describes a refused file for the list.
func rejection(p string, e Entry, err error) *Rejected {
	r := &Rejected{Path: p, Reason: ReasonOf(err), Size: e.Size, ModTime: e.ModTime}
	var fe *FileError
	if errors.As(err, &fe) {
		r.Detail = fe.Detail
		if fe.Err != nil {
			r.Detail = strings.TrimSpace(r.Detail + " " + fe.Err.Error())
		}
	} else if err != nil {
		r.Reason, r.Detail = ReasonUnreadable, err.Error()
	}
	if r.Reason == "" {
		r.Reason = ReasonMalformed
	}
	r.Detail = printable(r.Detail) // errors quote paths: the name stays in Path only
	return r
}

// Report is what one look at the folder did.
type Report struct {
	Published    int        `json:"published"`     // operations of this office published
	Files        int        `json:"files"`         // files written
	Applied      int        `json:"applied"`       // operations of other offices applied
	AppliedFiles int        `json:"applied_files"` // their files
	Origins      []string   `json:"origins,omitempty"`
	Rejected     int        `json:"rejected"`   // files listed as not applied
	Gaps         int        `json:"gaps"`       // offices whose next file is missing
	Forks        int        `json:"forks"`      // fork alarms
	Removed      int        `json:"removed"`    // own old files removed (all offices have them)
	CaseFiles    FileReport `json:"case_files"` // the files of cases (files.go)
}

// SyncOnce publishes the local operations not yet published, reads every trusted
// office's new files (verified whole, applied in sequence order), writes this office's
// acknowledgement and removes its own files every active office has.
func (x *Exchange) SyncOnce(ctx context.Context) (Report, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return Report{}, errClosed()
	}
	return x.sync(ctx, true)
}

// sync is one look at the folder; what it ends with is kept for Status.
func (x *Exchange) sync(ctx context.Context, publish bool) (Report, error) {
	x.lookErr, x.written = nil, nil
	rep, err := x.look(ctx, publish)
	if err == nil {
		err = x.lookErr
	}
	var ferr error
	if err == nil && ctx.Err() == nil {
		// After the operations: the manifest entries they bring are what is fetched.
		rep.CaseFiles, ferr = x.syncFiles(ctx, publish)
	}
	if err == nil && ctx.Err() == nil {
		// An anonymisation received from another office redacts the rows; the copies
		// left in the file's free space, the search index and the WAL go only with the
		// rewrite the erasure owes (data.Store.FinishErasure; one read when none is
		// owed). Failing, it stays owed and is tried again at the next look.
		if ferr := x.st.FinishErasure(ctx); ferr != nil {
			x.log.Warn("exchange: the register was not rewritten after an anonymisation received", "err", ferr)
		}
	}
	if err == nil {
		err = ferr
	}
	x.lookErr, x.written = nil, nil
	if ctx.Err() == nil {
		x.setLastError(err)
	}
	return rep, err
}

func (x *Exchange) look(ctx context.Context, publish bool) (Report, error) {
	var rep Report
	x.smu.Lock()
	wasDown := x.looked && !x.reachable
	x.smu.Unlock()
	if wasDown {
		x.reset() // the folder is back: read everything again
	}
	if _, err := x.f.List(""); err != nil {
		return rep, x.unreachable(err)
	}
	if !x.joined {
		if err := x.join(ctx); err != nil {
			return rep, err
		}
	}
	x.scans++
	defer func() { x.parsed = nil }()
	rej := map[string]Rejected{}
	folders, root, err := x.scanOffices(ctx, rej)
	if err != nil {
		return rep, err
	}
	x.smu.Lock()
	if !x.reachable && x.looked {
		x.log.Info("exchange: folder reachable again", "folder", x.cfg.Root)
	}
	x.reachable, x.looked = true, true
	x.smu.Unlock()
	for _, e := range root {
		if e.Dir {
			continue
		}
		switch classify(e.Name) {
		case kindOps, kindSnapshot, kindBase:
			rej[e.Name] = Rejected{Path: e.Name, Reason: ReasonWrongFolder, Size: e.Size, ModTime: e.ModTime}
		case kindConflict:
			rej[e.Name] = Rejected{Path: e.Name, Reason: ReasonConflictCopy, Size: e.Size, ModTime: e.ModTime}
		}
	}
	ros, err := x.roster(ctx)
	if err != nil {
		return rep, err
	}
	hws, err := x.st.HighWaters(ctx)
	if err != nil {
		return rep, err
	}
	fresh := true // nothing of another office held yet: a snapshot may start the register
	for o, n := range hws {
		if o != x.local.Code && n > 0 {
			fresh = false
		}
	}
	gaps := map[string]Gap{}
	codes := make([]string, 0, len(folders))
	for c := range folders {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { // this office first: a restored register takes back its own files
		if (codes[i] == x.local.Code) != (codes[j] == x.local.Code) {
			return codes[i] == x.local.Code
		}
		return codes[i] < codes[j]
	})
	if _, ok := folders[x.local.Code]; !ok {
		codes = append([]string{x.local.Code}, codes...)
	}
	for _, code := range codes {
		entries := folders[code]
		r := ros[code]
		files := x.sortFolder(code, entries, r, rej)
		if r == nil || !r.Trusted {
			continue
		}
		if code != x.local.Code {
			x.readAck(ctx, code, r, entries, rej)
		}
		if err := x.receive(ctx, code, r.Key, files, folders, ros, fresh, rej, gaps, &rep); err != nil {
			return rep, err
		}
		if code == x.local.Code && publish {
			if err := x.publish(ctx, files, rej, &rep); err != nil {
				if !isWriteFailed(err) {
					return rep, err
				}
				x.lookFailed(err) // the others' files are still taken
			}
		}
	}
	for p, r := range x.alarms {
		rej[p] = r
	}
	if err := x.saveRejected(ctx, rej); err != nil {
		return rep, err
	}
	for _, r := range rej {
		if r.Reason == ReasonFork || r.Reason == ReasonChain {
			rep.Forks++
		}
	}
	rep.Rejected, rep.Gaps = len(rej), len(gaps)
	if err := x.writeAck(ctx); err != nil {
		if !isWriteFailed(err) {
			return rep, err
		}
		x.lookFailed(err) // tried again at the next look; the rest of the look goes on
	}
	n, err := x.compact(ctx, folders[x.local.Code], ros)
	if err != nil {
		return rep, err
	}
	rep.Removed = n
	x.smu.Lock()
	x.gaps, x.lastScan = gaps, x.clock.Now()
	x.smu.Unlock()
	if rep.Applied > 0 {
		x.notify()
	}
	return rep, nil
}

// isWriteFailed tells a file that could not be written from what stops a look.
func isWriteFailed(err error) bool {
	p, ok := data.AsProblem(err)
	return ok && p.Key == "exchange.write_failed"
}

// candidate is an operations file named in an office's folder.
type candidate struct {
	e           Entry
	path        string
	first, last int64
	base        bool // a base (the office's own operations first…last, compacted)
}

// sortFolder lists an office folder's operations files in sequence order, and lists as
// rejected what must not be applied: other offices' files, copies made by
// synchronisation programs, old temporary files, strange names, and every file of an
// office nobody trusted.
func (x *Exchange) sortFolder(code string, entries []Entry, r *officeRow, rej map[string]Rejected) []candidate {
	var out []candidate
	now := x.clock.Now()
	for _, e := range entries {
		if e.Dir {
			continue
		}
		p := code + "/" + e.Name
		bad := func(reason Reason, detail string) {
			rej[p] = Rejected{Path: p, Reason: reason, Detail: detail, Size: e.Size, ModTime: e.ModTime}
		}
		switch kind := classify(e.Name); kind {
		case kindTemp:
			if now.Sub(e.ModTime) > x.cfg.TempGrace {
				bad(ReasonIncomplete, "")
			}
		case kindConflict:
			bad(ReasonConflictCopy, "")
		case kindUnknown:
			bad(ReasonBadName, "")
		case kindOps, kindBase:
			parse := parseName
			if kind == kindBase {
				parse = parseBaseName
			}
			origin, first, last, ok := parse(e.Name)
			switch {
			case !ok:
				bad(ReasonBadName, "")
			case origin != code:
				bad(ReasonWrongFolder, origin)
			case r == nil:
				bad(ReasonUnknownOffice, "")
			case !r.Trusted:
				bad(ReasonUntrusted, "")
			default:
				out = append(out, candidate{e: e, path: p, first: first, last: last, base: kind == kindBase})
			}
		case kindSnapshot:
			if r == nil {
				bad(ReasonUnknownOffice, "")
			} else if !r.Trusted {
				bad(ReasonUntrusted, "")
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].first != out[j].first {
			return out[i].first < out[j].first
		}
		return out[i].last < out[j].last
	})
	return out
}

// Gap is an office whose next operations are not in the folder (yet): its later files
// wait.
type Gap struct {
	Origin string    `json:"origin"`
	Want   int64     `json:"want"` // the first sequence missing
	Next   int64     `json:"next"` // the first sequence of the next file there
	Since  time.Time `json:"since"`
}

// receive applies an office's files in sequence order, each verified whole before.
func (x *Exchange) receive(ctx context.Context, code string, pub ed25519.PublicKey, files []candidate, folders map[string][]Entry,
	ros map[string]*officeRow, fresh bool, rej map[string]Rejected, gaps map[string]Gap, rep *Report) error {
	own := code == x.local.Code
	hw, err := x.st.HighWater(ctx, code)
	if err != nil {
		return readErr(err)
	}
	var mine map[string]bool
	if own {
		pub := map[string]bool{}
		ps, err := x.publishedFiles(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			pub[p.Name] = true
		}
		mine = pub
	}
	// A register that holds nothing of other offices yet starts from a snapshot.
	if !own && fresh && hw == 0 {
		n, err := x.fromSnapshot(ctx, code, hw, folders, ros, rej, rep)
		if err != nil {
			return err
		}
		hw += n
	}
	for round := 0; ; round++ {
		var err error
		if hw, err = x.receiveFiles(ctx, code, pub, own, mine, hw, files, rej, gaps, rep); err != nil {
			return err
		}
		// The next operations are in no file that can be taken (removed once everybody
		// else had them): a trusted office's snapshot may hold them.
		if _, waiting := gaps[code]; !waiting || own || round > 0 {
			return nil
		}
		n, err := x.fromSnapshot(ctx, code, hw, folders, ros, rej, rep)
		if err != nil || n == 0 {
			return err
		}
		delete(gaps, code)
		hw += n
	}
}

// receiveFiles applies an office's files and bases after hw in sequence order, and
// returns how far the office's operations got. Several files may cover the next
// sequence wanted (a file and a base holding it, a forged or damaged file beside the
// real one): each is tried, the one reaching furthest first, so that a file that is
// refused never keeps a valid one from being taken. Refused files stay listed.
func (x *Exchange) receiveFiles(ctx context.Context, code string, pub ed25519.PublicKey, own bool, mine map[string]bool, hw int64,
	files []candidate, rej map[string]Rejected, gaps map[string]Gap, rep *Report) (int64, error) {
	tried := map[string]bool{}
	for _, c := range files {
		if m, ok := x.seen[c.path]; ok && x.known(m, c.e) && m.bad != nil {
			rej[c.path] = *m.bad
			tried[c.path] = true
		}
	}
	for {
		var pick *candidate
		for i := range files {
			c := &files[i]
			if tried[c.path] || mine[c.e.Name] || c.first > hw+1 || c.last <= hw {
				continue
			}
			if pick == nil || c.last > pick.last || c.last == pick.last && pick.base && !c.base {
				pick = c
			}
		}
		if pick == nil {
			break
		}
		tried[pick.path] = true
		stop, err := x.take(ctx, *pick, code, pub, own, &hw, rej, rep)
		if err != nil || stop {
			return hw, err
		}
	}
	// Files over sequences held already (and not just taken) are compared once per
	// program start, so that a fork shows and a bad file is listed. Bases are not:
	// they are large, and they hold what the office's own files held.
	for _, c := range files {
		if c.base || tried[c.path] || mine[c.e.Name] || c.last > hw {
			continue
		}
		if m, ok := x.seen[c.path]; ok && x.known(m, c.e) {
			continue
		}
		tried[c.path] = true
		stop, err := x.take(ctx, c, code, pub, own, &hw, rej, rep)
		if err != nil || stop {
			return hw, err
		}
	}
	if heldAt(files, hw+1, rej) {
		return hw, nil // not missing: waiting for this office's clock
	}
	next := int64(0)
	for _, c := range files {
		if c.first > hw+1 && (next == 0 || c.first < next) {
			next = c.first
		}
	}
	if next > 0 {
		gaps[code] = x.gap(code, hw+1, next)
	}
	return hw, nil
}

// take reads a file or base, verifies it whole and applies it; hw moves on with what it
// held. stop says that nothing more is to be taken from this office (a fork).
func (x *Exchange) take(ctx context.Context, c candidate, code string, pub ed25519.PublicKey, own bool, hw *int64,
	rej map[string]Rejected, rep *Report) (stop bool, err error) {
	if c.base {
		return x.takeBase(ctx, c, code, pub, hw, rej, rep)
	}
	f, err := x.readOps(ctx, c, pub)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !isNotExist(err) { // removed meanwhile: nothing to say
			x.refuse(c, err, rej)
		}
		return false, nil
	}
	ok, err := x.chainOK(ctx, code, f.Header.First, f.Header.Prev)
	if err != nil {
		return false, err
	}
	if !ok {
		x.refuse(c, fail(ReasonChain, "prev %s", f.Header.Prev), rej)
		return false, nil
	}
	if op, ahead := aheadOf(f.Ops, *hw, x.clock.Now()); ahead {
		// Its later files wait behind it: operations are applied in sequence.
		x.hold(c.path, c.e, op, rej)
		return true, nil
	}
	n, err := x.applyFile(ctx, c, f, *hw, own)
	switch {
	case errors.Is(err, data.ErrGap):
		return false, nil
	case errors.Is(err, data.ErrFork):
		x.refuse(c, fail(ReasonFork, "%s %d-%d", code, f.Header.First, f.Header.Last), rej)
		if own {
			// This office's own file holds other operations than its register under the
			// same sequences: the register was restored from a copy older than what it
			// had published, and the clerks wrote on. Publishing now would put a second
			// version of those sequences in the folder, which every office would refuse
			// as a fork for ever: this office stops writing (the alarm stays) until an
			// administrator sorts it out.
			x.ownFork = true
			x.log.Error("exchange: alarm: this office's files in the folder differ from its register (restored from an older copy?); publishing stopped", "file", c.path)
		}
		return true, nil // nothing after a fork is taken from this office until it is cleared
	case err != nil:
		if p, ok := data.AsProblem(err); ok && strings.HasPrefix(p.Key, "exchange.") {
			x.refuse(c, &FileError{Reason: ReasonMalformed, Detail: printable(p.Error())}, rej)
			return false, nil
		}
		if ctx.Err() != nil {
			return false, err
		}
		// The register failed (a full disk, a locked database): this office's file is
		// listed and tried again later, and the other offices are still taken.
		x.notApplied(c.path, c.e, code, err, rej)
		return true, nil
	}
	if own {
		if err := x.addPublished(ctx, published{First: f.Header.First, Last: f.Header.Last, SHA256: f.SHA256, Prev: f.Header.Prev,
			Created: f.Header.Created, Name: c.e.Name}); err != nil {
			return false, err
		}
	}
	x.seen[c.path] = mark{size: c.e.Size, mtime: c.e.ModTime, last: f.Header.Last}
	*hw = max(*hw, f.Header.Last)
	if n > 0 {
		rep.Applied += n
		rep.AppliedFiles++
		if !own {
			rep.Origins = appendOnce(rep.Origins, code)
		}
		x.log.Info("exchange: applied", "office", code, "file", c.path, "operations", n)
	}
	return false, nil
}

// takeBase applies what a base holds after hw, in batches as files are applied. The
// office's operations chain starts again after a base (its files after it name the
// file before them, which a newcomer never saw).
func (x *Exchange) takeBase(ctx context.Context, c candidate, code string, pub ed25519.PublicKey, hw *int64,
	rej map[string]Rejected, rep *Report) (bool, error) {
	b, err := x.readSealed(ctx, c.path, c.e, MaxSnapshotSize, pub)
	var snap *Snapshot
	if err == nil {
		snap, err = ParseBase(b, code, c.first, c.last)
	}
	if err == nil {
		err = snap.Verify(pub)
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !isNotExist(err) {
			x.refuse(c, err, rej)
		}
		return false, nil
	}
	ops := snap.Ops[*hw-c.first+1:]
	n, stop, err := x.applyBatches(ctx, code, c.path, c.e, snap.SHA256, ops, rej, rep)
	*hw += n
	if err != nil || stop {
		return stop, err
	}
	if n < int64(len(ops)) {
		// Refused by the register: listed; the office's other files may still serve.
		x.refuse(c, fail(ReasonMalformed, "operation %d not taken", *hw+1), rej)
		return false, nil
	}
	x.seen[c.path] = mark{size: c.e.Size, mtime: c.e.ModTime, last: c.last}
	*hw = c.last
	if n > 0 {
		x.log.Info("exchange: applied from base", "office", code, "file", c.path, "operations", n)
	}
	return false, nil
}

// applyBatches applies consecutive operations of one office from a snapshot or base,
// BatchOps at a time, each batch recorded as a part of the file (path#office:first). It
// returns how many it applied; stop on a fork.
func (x *Exchange) applyBatches(ctx context.Context, code, p string, e Entry, sha string, ops []data.Operation,
	rej map[string]Rejected, rep *Report) (int64, bool, error) {
	done := int64(0)
	for i := 0; i < len(ops); i += x.cfg.BatchOps {
		batch := ops[i:min(i+x.cfg.BatchOps, len(ops))]
		if !consecutive(batch) {
			break
		}
		if op, ahead := aheadOf(batch, 0, x.clock.Now()); ahead {
			x.hold(p, e, op, rej)
			return done, true, nil
		}
		rf := data.RemoteFile{Origin: code, First: batch[0].Seq, Last: batch[len(batch)-1].Seq, SHA256: sha,
			Name: p + "#" + code + ":" + strconv.FormatInt(batch[0].Seq, 10)}
		n, err := x.st.ApplyRemote(ctx, rf, batch)
		if errors.Is(err, data.ErrFork) {
			rej[p] = Rejected{Path: p, Reason: ReasonFork, Detail: code, Size: e.Size, ModTime: e.ModTime}
			x.seen[p] = x.badMark(x.seen[p], e, &Rejected{Path: p, Reason: ReasonFork, Detail: code, Size: e.Size, ModTime: e.ModTime})
			if code == x.local.Code {
				x.ownFork = true // as for a file (take): never publish over it
			}
			return done, true, nil
		}
		if err != nil {
			if pr, ok := data.AsProblem(err); ok && strings.HasPrefix(pr.Key, "exchange.") || errors.Is(err, data.ErrGap) {
				x.log.Warn("exchange: snapshot not applied", "file", p, "office", code, "err", err)
				break
			}
			if ctx.Err() != nil {
				return done, false, err
			}
			x.notApplied(p, e, code, err, rej)
			return done, true, nil
		}
		done += int64(len(batch))
		rep.Applied += n
		rep.AppliedFiles++
		rep.Origins = appendOnce(rep.Origins, code)
	}
	return done, false, nil
}

func appendOnce(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func (x *Exchange) gap(code string, want, next int64) Gap {
	x.smu.Lock()
	old, ok := x.gaps[code]
	x.smu.Unlock()
	g := Gap{Origin: code, Want: want, Next: next, Since: x.clock.Now()}
	if ok && old.Want == want {
		g.Since = old.Since
	}
	return g
}

// notApplied lists a file the register failed to take (not the file's fault) and ends
// the look with the error once the other offices were taken.
func (x *Exchange) notApplied(p string, e Entry, code string, err error, rej map[string]Rejected) {
	x.log.Error("exchange: the register did not take a file", "file", p, "office", code, "err", err)
	r := &Rejected{Path: p, Reason: ReasonNotApplied, Detail: printable(err.Error()), Size: e.Size, ModTime: e.ModTime}
	rej[p] = *r
	x.seen[p] = x.badMark(x.seen[p], e, r)
	x.lookFailed(err)
}

// refuse lists a file as not applied, and remembers it until the file changes or it is
// time to read it again.
func (x *Exchange) refuse(c candidate, err error, rej map[string]Rejected) {
	r := rejection(c.path, c.e, err)
	rej[c.path] = *r
	if r.Reason != ReasonUnreadable { // the share may give it next time
		x.seen[c.path] = x.badMark(x.seen[c.path], c.e, r)
	}
}

// readOps reads an operations file and verifies it whole: structure, length, hash, that
// its header says what its name says, and the signature of its office's trusted key.
func (x *Exchange) readOps(ctx context.Context, c candidate, pub ed25519.PublicKey) (*File, error) {
	b, err := x.readSealed(ctx, c.path, c.e, MaxFileSize, pub)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b)
	if err != nil {
		return nil, err
	}
	origin, _, _, _ := parseName(c.e.Name)
	if f.Header.Origin != origin || f.Header.First != c.first || f.Header.Last != c.last {
		return nil, fail(ReasonBadName, "holds %s %d-%d", f.Header.Origin, f.Header.First, f.Header.Last)
	}
	if err := f.Verify(pub); err != nil {
		return nil, err
	}
	return f, nil
}

// applyFile hands a verified file to the register. A file whose operations are held
// already (from a snapshot, or this office's own) is compared instead: the same is
// nothing to do, different is a fork.
func (x *Exchange) applyFile(ctx context.Context, c candidate, f *File, hw int64, own bool) (int, error) {
	h := f.Header
	rf := data.RemoteFile{Origin: h.Origin, First: h.First, Last: h.Last, SHA256: f.SHA256, Name: c.path}
	ops := f.Ops
	sha, name, known, err := x.appliedFile(ctx, h.Origin, h.First)
	if err != nil {
		return 0, err
	}
	if known && sha != f.SHA256 && isSnapshotRow(name) || own && h.Last <= hw && !known {
		// Held already, from a snapshot (whose batches are cut differently) or written
		// here before a restore: compare what is held, apply only what is new.
		held := min(h.Last, hw)
		if held >= h.First {
			have, err := x.st.Operations(ctx, h.Origin, h.First-1, int(held-h.First+1))
			if err != nil {
				return 0, err
			}
			if !sameOps(have, ops[:held-h.First+1]) {
				return 0, data.ErrFork
			}
		}
		if h.Last <= hw {
			return 0, nil
		}
		ops = ops[hw-h.First+1:]
		rf.First = hw + 1
	}
	return x.st.ApplyRemote(ctx, rf, ops)
}

// sameOps compares operations as ApplyRemote does: same clock reading, case and action.
func sameOps(a, b []data.Operation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Origin != b[i].Origin || a[i].Seq != b[i].Seq || a[i].HLC != b[i].HLC || a[i].CaseID != b[i].CaseID || a[i].Action != b[i].Action {
			return false
		}
	}
	return true
}

func isSnapshotRow(name string) bool {
	return strings.HasSuffix(strings.SplitN(name, "#", 2)[0], snapshotExt)
}

// publish writes the local operations not yet in the folder, BatchOps at most per file,
// each file chained to the one before. Files this office wrote that are missing from
// the folder (deleted by someone, a folder restored from an old copy) are written again
// with the same bytes.
func (x *Exchange) publish(ctx context.Context, own []candidate, rej map[string]Rejected, rep *Report) error {
	if x.ownFork {
		return nil
	}
	code := x.local.Code
	ps, err := x.publishedFiles(ctx)
	if err != nil {
		return err
	}
	compacted, err := x.stateInt(ctx, "compacted")
	if err != nil {
		return err
	}
	present := map[string]bool{}
	for _, c := range own {
		present[c.e.Name] = true
	}
	inBase := func(first, last int64) bool { // a base in the folder holds them already
		for _, c := range own {
			if c.base && c.first <= first && c.last >= last {
				return true
			}
		}
		return false
	}
	for _, p := range ps {
		if p.Last <= compacted || present[p.Name] || classify(p.Name) == kindBase || inBase(p.First, p.Last) {
			continue // (a base written in place of a file is not written again: the next base holds it)
		}
		ops, err := x.st.Operations(ctx, code, p.First-1, int(p.Last-p.First+1))
		if err != nil {
			return err
		}
		if len(ops) != int(p.Last-p.First+1) {
			x.log.Error("exchange: cannot write again a lost file", "file", p.Name, "operations", len(ops))
			continue
		}
		b, sha, err := encodeFile(x.key, Header{Origin: code, Prev: p.Prev, Created: p.Created}, ops)
		if err != nil {
			return err
		}
		if sha != p.SHA256 {
			// Its operations changed since (a case anonymised): the same bytes cannot be
			// written again, and the offices behind would wait at this hole for ever. A
			// base over the same sequences takes its place, as for a damaged file
			// (repairStuck); it is recorded with this office's bases.
			rec, err := x.writeBase(ctx, p.First, p.Last)
			if err != nil {
				if isWriteFailed(err) {
					return err
				}
				x.log.Error("exchange: a lost file would not be the same again, and no base was written", "file", p.Name, "err", err)
				continue
			}
			x.written = append(x.written, rec)
			if err := x.recordBase(ctx, rec); err != nil {
				return err
			}
			x.log.Warn("exchange: lost file, changed since; a base holds its operations", "file", code+"/"+p.Name, "base", rec.Name)
			continue
		}
		if err := x.f.WriteNew(code+"/"+p.Name, b); err != nil && !errors.Is(err, fs.ErrExist) {
			return x.writeFailed(code+"/"+p.Name, err)
		}
		x.log.Warn("exchange: lost file written again", "file", code+"/"+p.Name)
	}
	high, prev := int64(0), ""
	if n := len(ps); n > 0 {
		high, prev = ps[n-1].Last, ps[n-1].SHA256
	}
	for {
		ops, err := x.st.Operations(ctx, code, high, x.cfg.BatchOps)
		if err != nil {
			return err
		}
		if len(ops) == 0 {
			return nil
		}
		if ops[0].Seq != high+1 {
			x.log.Error("exchange: local operations missing", "after", high, "next", ops[0].Seq)
			return nil
		}
		p, ok, err := x.publishFile(ctx, ops, prev, rej)
		if err != nil || !ok {
			return err
		}
		ops = ops[:p.Last-p.First+1]
		name, last := p.Name, p.Last
		if err := x.addPublished(ctx, p); err != nil {
			return err
		}
		rep.Published += len(ops)
		rep.Files++
		x.log.Info("exchange: published", "file", code+"/"+name, "operations", len(ops))
		high, prev = last, p.SHA256
	}
}

// publishFile writes the next file of this office's operations. A file of that name
// there already is adopted if it holds the same operations (written before this
// register recorded it); signed by this office with other operations, it is a fork.
// A file there that is not this office's (forged, damaged) must not stop the office:
// it stays, listed, and a file with fewer of the operations is written instead, under
// another name. ok is false when nothing could be written now.
func (x *Exchange) publishFile(ctx context.Context, ops []data.Operation, prev string, rej map[string]Rejected) (published, bool, error) {
	code := x.local.Code
	for k := len(ops); k > 0; k-- {
		ops := ops[:k]
		created := fmtTime(x.clock.Now())
		b, sha, err := encodeFile(x.key, Header{Origin: code, Prev: prev, Created: created}, ops)
		if err != nil {
			return published{}, false, err
		}
		first, last := ops[0].Seq, ops[len(ops)-1].Seq
		name := FileName(code, first, last)
		p := published{First: first, Last: last, SHA256: sha, Prev: prev, Created: created, Name: name}
		err = x.f.WriteNew(code+"/"+name, b)
		if err == nil {
			return p, true, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return p, false, x.writeFailed(code+"/"+name, err)
		}
		cur, rerr := readWhole(ctx, x.f, code+"/"+name, MaxFileSize)
		if rerr != nil && ReasonOf(rerr) == "" {
			if isNotExist(rerr) {
				continue
			}
			return p, false, x.unreachable(rerr)
		}
		var f *File
		if rerr == nil {
			f, rerr = Parse(cur)
		}
		if rerr == nil {
			rerr = f.Verify(x.pub)
		}
		if rerr != nil {
			r := rejection(code+"/"+name, Entry{Size: int64(len(cur))}, rerr)
			rej[r.Path] = *r
			x.log.Warn("exchange: a file not written here has the name of the next file", "file", r.Path, "reason", string(r.Reason))
			continue
		}
		if !sameOps(f.Ops, ops) {
			x.ownFork = true
			rej[code+"/"+name] = Rejected{Path: code + "/" + name, Reason: ReasonFork, Detail: "not this register's operations", Size: int64(len(cur))}
			return p, false, nil
		}
		return published{First: first, Last: last, SHA256: f.SHA256, Prev: f.Header.Prev, Created: f.Header.Created, Name: name}, true, nil
	}
	// Every name of a file of these operations is taken by a file not this office's: a
	// base holds them instead (taken like a file; the chain starts again after it).
	first, last := ops[0].Seq, ops[len(ops)-1].Seq
	created := fmtTime(x.clock.Now())
	b, sha, err := encodeSnapshot(x.key, SnapshotHeader{Origin: code, Created: created, HighWater: map[string]int64{code: last}, First: first}, ops)
	if err != nil {
		return published{}, false, err
	}
	name := BaseName(code, first, last)
	if err := x.f.WriteNew(code+"/"+name, b); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return published{}, false, nil // taken too: with the next operation other names come
		}
		return published{}, false, x.writeFailed(code+"/"+name, err)
	}
	return published{First: first, Last: last, SHA256: sha, Prev: prev, Created: created, Name: name}, true, nil
}

func (x *Exchange) stateInt(ctx context.Context, key string) (int64, error) {
	v, err := x.state(ctx, key)
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// readAck reads another office's acknowledgement when it changed.
func (x *Exchange) readAck(ctx context.Context, code string, r *officeRow, entries []Entry, rej map[string]Rejected) {
	var e *Entry
	for i := range entries {
		if entries[i].Name == AckFileName && !entries[i].Dir {
			e = &entries[i]
		}
	}
	if e == nil {
		return
	}
	p := code + "/" + AckFileName
	old, ok := x.ackMarks[code]
	if ok && x.known(old, *e) {
		if old.bad != nil {
			rej[p] = *old.bad
		}
		return
	}
	m := markOf(*e)
	b, err := x.readLimited(ctx, p, *e, maxMetaSize)
	var a *AckFile
	if err == nil {
		a, err = ParseAck(b, r.Key)
	}
	if err == nil && a.Office != code {
		err = fail(ReasonWrongFolder, "ack of %s", a.Office)
	}
	if err != nil {
		if isNotExist(err) {
			return
		}
		m = x.badMark(old, *e, rejection(p, *e, err))
		rej[p] = *m.bad
		x.ackMarks[code] = m
		return
	}
	x.ackMarks[code] = m
	x.acks[code] = a
	x.keepWitness(ctx, code, r.Key, a)
	if err := x.heard(ctx, code, x.clock.Now()); err != nil {
		x.log.Warn("exchange: roster", "err", err)
	}
}

// writeAck writes this office's acknowledgement when what it has applied changed, and
// once a day anyway, so that the others know it is still there.
func (x *Exchange) writeAck(ctx context.Context) error {
	hws, err := x.st.HighWaters(ctx)
	if err != nil {
		return err
	}
	a := AckFile{Office: x.local.Code, HighWater: hws}
	key := AckFileName
	sig := formatHW(hws)
	if a.Audit, err = x.witness(ctx); err != nil {
		return err
	}
	if a.Audit != nil {
		sig += "audit:" + strconv.FormatInt(a.Audit.Seq, 10) // a new head is published too
	}
	now := x.clock.Now()
	if sig == x.lastAck && now.Sub(x.lastAckAt) < 24*time.Hour {
		return nil
	}
	a.At = fmtTime(now)
	b, err := EncodeAck(x.key, a)
	if err != nil {
		return err
	}
	if err := x.f.Replace(x.local.Code+"/"+key, b); err != nil {
		return x.writeFailed(x.local.Code+"/"+key, err)
	}
	x.lastAck, x.lastAckAt = sig, now
	return nil
}

func formatHW(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + ":" + strconv.FormatInt(m[k], 10) + ",")
	}
	return b.String()
}

// Bases hold at most maxBaseOps operations (a few years of a busy office) and at most
// maxBaseSize bytes, far below the snapshot limit, so that reading one needs little
// memory; a longer history is split by sequence range into several bases.
const (
	maxBaseOps  = 100_000
	maxBaseSize = MaxSnapshotSize / 4
)

// baseRec is a base this office wrote (exchange_state "bases"): only those are ever
// removed, never a file someone else put under such a name.
type baseRec struct {
	Name  string `json:"name"`
	First int64  `json:"first"`
	Last  int64  `json:"last"`
	Size  int64  `json:"size"`
}

func (x *Exchange) ownBases(ctx context.Context) ([]baseRec, error) {
	v, err := x.state(ctx, "bases")
	if err != nil || v == "" {
		return nil, err
	}
	var out []baseRec
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, readErr(err)
	}
	return out, nil
}

// recordBase adds a base just written to this office's bases, so that it is known as
// this office's (and removed once a newer one covers it).
func (x *Exchange) recordBase(ctx context.Context, rec baseRec) error {
	recs, err := x.ownBases(ctx)
	if err != nil {
		return err
	}
	for i, b := range recs {
		if b.Name == rec.Name {
			recs[i] = rec
			return x.setOwnBases(ctx, recs)
		}
	}
	return x.setOwnBases(ctx, append(recs, rec))
}

func (x *Exchange) setOwnBases(ctx context.Context, bs []baseRec) error {
	sort.Slice(bs, func(i, j int) bool {
		return bs[i].First < bs[j].First || bs[i].First == bs[j].First && bs[i].Last < bs[j].Last
	})
	b, err := json.Marshal(bs)
	if err != nil {
		return err
	}
	return x.setState(ctx, "bases", string(b))
}

// covers is how far bases cover an office's operations without a hole from 1.
func covers(bs []baseRec) int64 {
	end := int64(0)
	for moved := true; moved; {
		moved = false
		for _, b := range bs {
			if b.First <= end+1 && b.Last > end {
				end, moved = b.Last, true
			}
		}
	}
	return end
}

var errBaseTooBig = errors.New("exchange: base too big")

// baseStart is where the next base over first…target starts: it takes in the bases
// before it while they are not more than twice its size (and the whole stays within
// maxBaseOps), so that base sizes roughly double going back in time: few bases, each
// operation rewritten a few times, and an office behind by a day reads about a day's
// worth of bases.
func baseStart(present []baseRec, first, target int64) int64 {
	for {
		var p *baseRec
		for i := range present {
			if b := &present[i]; b.Last == first-1 && (p == nil || b.First < p.First) {
				p = b
			}
		}
		if p == nil || p.Last-p.First+1 > 2*(target-first+1) || target-p.First+1 > maxBaseOps {
			return first
		}
		first = p.First
	}
}

// compact keeps this office's sub-folder sufficient and small. The office is the
// authority for its own operations: once every trusted, active office has acknowledged
// CompactFiles of its files, it writes a base holding its operations up to the last of
// them (signed, written whole under a temporary name), and only then removes those
// files. A newcomer, or an office back after longer than Active, takes the office's
// operations from its bases and the files after them. A base merges the bases before it
// while they are not more than twice its size, so an office keeps a few bases (their
// sizes roughly doubling) and each operation is rewritten a few times in all; a base is
// removed only once a newer one covers its whole range. A base that went missing is
// written again. Other offices' files are never touched; without another active office
// nothing is removed.
func (x *Exchange) compact(ctx context.Context, entries []Entry, ros map[string]*officeRow) (int, error) {
	if x.ownFork {
		return 0, nil
	}
	code := x.local.Code
	x.removeOwnTemps(entries)
	upTo, n := int64(-1), 0
	now := x.clock.Now()
	for c, r := range ros {
		if c == code || !r.Trusted {
			continue
		}
		heard := parseTime(r.LastHeard)
		if t := parseTime(r.TrustedAt); t.After(heard) {
			heard = t
		}
		if now.Sub(heard) > x.cfg.Active {
			continue
		}
		acked := int64(0)
		if a := x.acks[c]; a != nil {
			acked = a.HighWater[code]
		}
		if upTo < 0 || acked < upTo {
			upTo = acked
		}
		n++
	}
	pubs, err := x.publishedFiles(ctx)
	if err != nil {
		return 0, err
	}
	compacted, err := x.stateInt(ctx, "compacted")
	if err != nil {
		return 0, err
	}
	listed := map[string]Entry{}
	for _, e := range entries {
		if !e.Dir {
			listed[e.Name] = e
		}
	}
	// How far the files may go: to the end of the last file every active office has
	// (an ack from a register ahead of this one's record counts only as far as the
	// record goes), once enough of them wait.
	target, waiting := compacted, 0
	if n > 0 && upTo > 0 {
		for _, p := range pubs {
			if p.Last <= upTo && p.Last > compacted {
				target = max(target, p.Last)
				if _, ok := listed[p.Name]; ok {
					waiting++
				}
			}
		}
	}
	if waiting < x.cfg.CompactFiles {
		target = compacted
	}
	// However far behind the others are, at most KeepFiles files stay.
	var kept []published
	for _, p := range pubs {
		if _, ok := listed[p.Name]; ok && p.Last > compacted {
			kept = append(kept, p)
		}
	}
	if len(kept) >= x.cfg.KeepFiles+x.cfg.CompactFiles {
		target = max(target, kept[len(kept)-x.cfg.KeepFiles-1].Last)
	}
	recs, err := x.ownBases(ctx)
	if err != nil {
		return 0, err
	}
	var present []baseRec
	for _, b := range recs {
		if e, ok := listed[b.Name]; ok && e.Size == b.Size {
			present = append(present, b)
		}
	}
	for _, rec := range x.written { // written this look, after the listing
		present = append(present, rec)
	}
	if rec, ok := x.repairStuck(ctx, upTo, n, pubs, listed, present); ok {
		present = append(present, rec)
	}
	for covers(present) < target {
		first := baseStart(present, covers(present)+1, target)
		last := min(target, first+maxBaseOps-1)
		rec, err := x.writeBase(ctx, first, last)
		for errors.Is(err, errBaseTooBig) && last > first {
			last = first + (last-first)/2
			rec, err = x.writeBase(ctx, first, last)
		}
		if err != nil {
			if _, ok := data.AsProblem(err); ok && !isWriteFailed(err) {
				return 0, err
			}
			if isWriteFailed(err) {
				x.lookFailed(err)
			}
			x.log.Error("exchange: base not written, own files kept", "first", first, "last", last, "err", err)
			break
		}
		present = append(present, rec)
	}
	// Bases a newer one covers whole are removed; then the files the bases cover.
	keep := present[:0:0]
	removed := 0
	for i, b := range present {
		covered := false
		for j, c := range present {
			if j != i && c.First <= b.First && c.Last >= b.Last && (c.First < b.First || c.Last > b.Last) {
				covered = true
			}
		}
		if covered {
			if err := x.f.Remove(code + "/" + b.Name); err != nil && !isNotExist(err) {
				x.log.Warn("exchange: cannot remove an old base", "file", code+"/"+b.Name, "err", err)
				keep = append(keep, b)
				continue
			}
			removed++
			delete(x.seen, code+"/"+b.Name)
			x.log.Info("exchange: old base removed, a newer one holds it", "file", code+"/"+b.Name)
			continue
		}
		keep = append(keep, b)
	}
	if err := x.setOwnBases(ctx, keep); err != nil {
		return removed, err
	}
	limit := min(covers(keep), max(target, compacted))
	for _, p := range pubs {
		if _, ok := listed[p.Name]; !ok || p.Last > limit {
			continue
		}
		if err := x.f.Remove(code + "/" + p.Name); err != nil && !isNotExist(err) {
			x.log.Warn("exchange: cannot remove an old file", "file", code+"/"+p.Name, "err", err)
			continue
		}
		removed++
		delete(x.seen, code+"/"+p.Name)
		x.log.Info("exchange: old file removed, every office has it and a base holds it", "file", code+"/"+p.Name)
	}
	if limit > compacted {
		if err := x.setState(ctx, "compacted", strconv.FormatInt(limit, 10)); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// removeOwnTemps removes temporary files left in this office's own sub-folder by a
// crash (a file being written is named .tmp-… until it is whole). Only this office
// writes there, so one older than TempGrace is nobody's any more; the other offices'
// folders are never touched.
func (x *Exchange) removeOwnTemps(entries []Entry) {
	now := x.clock.Now()
	for _, e := range entries {
		if e.Dir || classify(e.Name) != kindTemp || now.Sub(e.ModTime) <= x.cfg.TempGrace {
			continue
		}
		p := x.local.Code + "/" + e.Name
		if err := x.f.Remove(p); err != nil && !isNotExist(err) {
			x.log.Warn("exchange: cannot remove an old temporary file", "file", p, "err", err)
			continue
		}
		x.log.Info("exchange: old temporary file removed", "file", p)
	}
}

// repairStuck looks again at this office's file that the slowest active office needs
// next (its acknowledgement stops just before it): a share may have damaged it after it
// was written, and a file never changes once published, so the others would wait for it
// for ever. When its bytes are no longer what this office wrote, a base over the same
// operations is written beside it (the damaged file stays, listed by the others); the
// others take the base like the file. A file is read again only when it changed since
// it was last found whole.
func (x *Exchange) repairStuck(ctx context.Context, upTo int64, offices int, pubs []published, listed map[string]Entry, bases []baseRec) (baseRec, bool) {
	if offices == 0 || upTo < 0 {
		return baseRec{}, false
	}
	for _, b := range bases {
		if b.First <= upTo+1 && b.Last > upTo {
			return baseRec{}, false // a base already holds what they need next
		}
	}
	for _, p := range pubs {
		e, ok := listed[p.Name]
		if p.First != upTo+1 || !ok || classify(p.Name) == kindBase {
			continue
		}
		if m, ok := x.ownCheck[p.Name]; ok && m.same(e) {
			return baseRec{}, false
		}
		b, err := readWhole(ctx, x.f, x.local.Code+"/"+p.Name, MaxFileSize)
		if err != nil {
			return baseRec{}, false // unreachable now: the next look tries again
		}
		if f, err := Parse(b); err == nil && f.Verify(x.pub) == nil && f.SHA256 == p.SHA256 {
			if x.ownCheck == nil {
				x.ownCheck = map[string]mark{}
			}
			x.ownCheck[p.Name] = markOf(e)
			return baseRec{}, false
		}
		rec, err := x.writeBase(ctx, p.First, p.Last)
		if err != nil {
			x.log.Error("exchange: own file damaged in the folder, no base written", "file", x.local.Code+"/"+p.Name, "err", err)
			return baseRec{}, false
		}
		x.log.Warn("exchange: own file damaged in the folder; a base holds its operations", "file", x.local.Code+"/"+p.Name, "base", rec.Name)
		return rec, true
	}
	return baseRec{}, false
}

// writeBase writes this office's base over its operations first…last from the register.
// A file of that name there already is taken if it is this office's base of that range.
func (x *Exchange) writeBase(ctx context.Context, first, last int64) (baseRec, error) {
	code := x.local.Code
	ops := make([]data.Operation, 0, last-first+1)
	for after := first - 1; after < last; {
		batch, err := x.st.Operations(ctx, code, after, int(min(10000, last-after)))
		if err != nil {
			return baseRec{}, err
		}
		if len(batch) == 0 || batch[0].Seq != after+1 || !consecutive(batch) {
			return baseRec{}, errors.New("operations missing from the register")
		}
		ops = append(ops, batch...)
		after = batch[len(batch)-1].Seq
	}
	b, _, err := encodeSnapshot(x.key, SnapshotHeader{Origin: code, Created: fmtTime(x.clock.Now()), HighWater: map[string]int64{code: last}, First: first}, ops)
	if err != nil {
		return baseRec{}, err
	}
	if len(b) > maxBaseSize {
		return baseRec{}, errBaseTooBig
	}
	name := BaseName(code, first, last)
	rec := baseRec{Name: name, First: first, Last: last, Size: int64(len(b))}
	if err := x.f.WriteNew(code+"/"+name, b); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return baseRec{}, x.writeFailed(code+"/"+name, err)
		}
		cur, rerr := readWhole(ctx, x.f, code+"/"+name, MaxSnapshotSize)
		var s *Snapshot
		if rerr == nil {
			s, rerr = ParseBase(cur, code, first, last)
		}
		if rerr == nil {
			rerr = s.Verify(x.pub)
		}
		if rerr != nil {
			return baseRec{}, fmt.Errorf("another file is named %s: %w", name, rerr)
		}
		rec.Size = int64(len(cur))
	}
	x.log.Info("exchange: base written", "file", code+"/"+name, "operations", len(ops))
	return rec, nil
}

// Status is the exchange as the window shows it.
type Status struct {
	Folder      string       `json:"folder"`
	Reachable   bool         `json:"reachable"`
	Office      string       `json:"office"`
	Fingerprint string       `json:"fingerprint"`
	Offices     []OfficeInfo `json:"offices"`
	// Unpublished counts this office's operations not yet in the folder.
	Unpublished int64      `json:"unpublished"`
	Gaps        []Gap      `json:"gaps"`
	Rejected    []Rejected `json:"rejected"`
	// Forks are the alarms among the rejected: an office's operations with two
	// different contents, or a trusted office publishing another key.
	Forks     []Rejected `json:"forks"`
	Conflicts int        `json:"conflicts"`
	LastScan  time.Time  `json:"last_scan,omitzero"`
	// LastError is what the last look ended with, or a write in the folder that failed
	// since (a *data.Problem where possible, for the window to translate); nil after a
	// look that went well. LastErrorAt is when it happened.
	LastError   error     `json:"-"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Files: the files of cases (FilesStatus).
	Files FilesStatus `json:"files"`
}

// Status says how the exchange stands. It reads the register and lists the folder (no
// file is read), so the window may ask often.
func (x *Exchange) Status(ctx context.Context) (Status, error) {
	st := Status{Folder: x.cfg.Root, Office: x.local.Code, Fingerprint: Fingerprint(x.pub)}
	if x.isClosed() {
		return st, errClosed()
	}
	avail := map[string]int64{}
	firsts := map[string][]int64{}
	root, err := x.f.List("")
	st.Reachable = err == nil
	if err == nil {
		for _, e := range root {
			if !e.Dir || !validCode(e.Name) {
				continue
			}
			entries, err := x.f.List(e.Name)
			if err != nil {
				continue
			}
			for _, f := range entries {
				o, first, last, ok := parseName(f.Name)
				if !ok {
					o, first, last, ok = parseBaseName(f.Name)
				}
				if ok && o == e.Name {
					avail[o] = max(avail[o], last)
					firsts[o] = append(firsts[o], first, last)
				}
			}
		}
	}
	var err2 error
	if st.Offices, err2 = x.officeInfos(ctx, avail); err2 != nil {
		return st, err2
	}
	hw, err := x.st.HighWater(ctx, x.local.Code)
	if err != nil {
		return st, readErr(err)
	}
	pub, err := x.publishedHigh(ctx)
	if err != nil {
		return st, err
	}
	st.Unpublished = max(hw-pub, 0)
	if st.Rejected, err = x.rejectedFiles(ctx); err != nil {
		return st, err
	}
	for _, r := range st.Rejected {
		if r.Reason == ReasonFork || r.Reason == ReasonChain || r.Reason == ReasonKeyChanged || r.Reason == ReasonOfficeReplaced {
			st.Forks = append(st.Forks, r)
		}
	}
	cs, err := x.st.Conflicts(ctx)
	if err != nil {
		return st, err
	}
	st.Conflicts = len(cs)
	if st.Files, err = x.FilesStatus(ctx); err != nil {
		return st, err
	}
	x.smu.Lock()
	st.LastScan = x.lastScan
	st.LastError, st.LastErrorAt = x.lastErr, x.lastErrAt
	for _, g := range x.gaps {
		st.Gaps = append(st.Gaps, g)
	}
	looked := x.looked
	x.smu.Unlock()
	if !looked && st.Reachable {
		// No look yet in this program: say from the names what is missing.
		for _, o := range st.Offices {
			if !o.Trusted || o.Local {
				continue
			}
			want, next := o.HighWater+1, int64(0)
			covered := false
			fs := firsts[o.Code]
			for i := 0; i+1 < len(fs); i += 2 {
				if fs[i] <= want && fs[i+1] >= want {
					covered = true
				}
				if fs[i] > want && (next == 0 || fs[i] < next) {
					next = fs[i]
				}
			}
			if !covered && next > 0 {
				st.Gaps = append(st.Gaps, Gap{Origin: o.Code, Want: want, Next: next})
			}
		}
	}
	sort.Slice(st.Gaps, func(i, j int) bool { return st.Gaps[i].Origin < st.Gaps[j].Origin })
	return st, nil
}

// Snapshot writes every operation this register holds, of every office, into one
// signed, compressed file in this office's folder: a new office may start from it (and
// the files after it) instead of from each office's bases and files, which it does not
// need for correctness. The snapshot is named by what it holds, never by this office's
// clock; this office's older snapshots that the new one covers (for every office, as
// far or further) are then removed.
func (x *Exchange) Snapshot(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errClosed()
	}
	hws, err := x.st.HighWaters(ctx)
	if err != nil {
		return err
	}
	var ops []data.Operation
	held := map[string]int64{}
	total := int64(0)
	for origin := range hws {
		after := int64(0)
		for {
			batch, err := x.st.Operations(ctx, origin, after, 10000)
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				break
			}
			ops = append(ops, batch...)
			after = batch[len(batch)-1].Seq
		}
		if after > 0 {
			held[origin] = after
			total += after
		}
	}
	b, sha, err := encodeSnapshot(x.key, SnapshotHeader{Origin: x.local.Code, Created: fmtTime(x.clock.Now()), HighWater: held}, ops)
	if err != nil {
		return err
	}
	if err := x.f.MkdirAll(x.local.Code); err != nil {
		return x.writeFailed(x.local.Code, err)
	}
	name := SnapshotName(total, sha)
	if err := x.f.WriteNew(x.local.Code+"/"+name, b); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return data.Problemf("exchange.snapshot_exists", "file", x.local.Code+"/"+name)
		}
		return x.writeFailed(x.local.Code+"/"+name, err)
	}
	x.log.Info("exchange: snapshot written", "file", x.local.Code+"/"+name, "operations", len(ops))
	entries, err := x.f.List(x.local.Code)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if e.Dir || e.Name == name || classify(e.Name) != kindSnapshot {
			continue
		}
		p := x.local.Code + "/" + e.Name
		cur, err := x.readSealed(ctx, p, e, MaxSnapshotSize, x.pub)
		var old *Snapshot
		if err == nil {
			old, err = snapshotHead(cur)
		}
		if err == nil && old.Header.Origin == x.local.Code {
			err = old.Verify(x.pub)
		} else if err == nil {
			err = fail(ReasonWrongFolder, "")
		}
		if err != nil {
			continue // not this office's snapshot: never removed
		}
		covered := true
		for o, n := range old.Header.HighWater {
			covered = covered && n <= held[o]
		}
		if !covered {
			continue // holds something the new one does not (a register restored from an older copy)
		}
		if err := x.f.Remove(p); err == nil {
			x.log.Info("exchange: older snapshot removed", "file", p)
		}
	}
	return nil
}

// readSnapshot reads a snapshot whole and checks it; the last one read is kept for the
// rest of the look, since a new office takes several offices from the same snapshot.
func (x *Exchange) readSnapshot(ctx context.Context, p string, e Entry, author string, pub ed25519.PublicKey) (*Snapshot, error) {
	if c := x.parsed; c != nil && c.path == p && c.m.same(e) {
		return c.s, nil
	}
	b, err := x.readSealed(ctx, p, e, MaxSnapshotSize, pub)
	var snap *Snapshot
	if err == nil {
		snap, err = ParseSnapshot(b)
	}
	if err == nil && snap.Header.Origin != author {
		err = fail(ReasonWrongFolder, "snapshot of %s", snap.Header.Origin)
	}
	if err == nil {
		err = snap.Verify(pub)
	}
	if err != nil {
		return nil, err
	}
	x.parsed = &parsedSnapshot{path: p, m: markOf(e), s: snap}
	return snap, nil
}

// fromSnapshot takes an office's operations after hw from the trusted snapshot that holds
// the most of them (by its content: the authors' clocks are not compared), in batches;
// it returns how far the office's operations got.
func (x *Exchange) fromSnapshot(ctx context.Context, code string, hw int64, folders map[string][]Entry,
	ros map[string]*officeRow, rej map[string]Rejected, rep *Report) (int64, error) {
	type ref struct {
		path   string
		e      Entry
		author string
	}
	var refs []ref
	for author, entries := range folders {
		r := ros[author]
		if r == nil || !r.Trusted {
			continue
		}
		for _, e := range entries {
			if !e.Dir && classify(e.Name) == kindSnapshot {
				refs = append(refs, ref{author + "/" + e.Name, e, author})
			}
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].path < refs[j].path })
	var best *ref
	bestHW := hw
	for i, s := range refs {
		info, ok := x.snaps[s.path]
		if !ok || !x.known(info.m, s.e) {
			// Choosing needs only what each holds: its head, checked and signed.
			snap, err := x.snapshotHeadOf(ctx, s.path, s.e, s.author, ros[s.author].Key)
			if err != nil && ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if err != nil {
				if !isNotExist(err) {
					x.snaps[s.path] = snapInfo{m: x.badMark(info.m, s.e, rejection(s.path, s.e, err)), author: s.author}
				}
			} else {
				x.snaps[s.path] = snapInfo{m: markOf(s.e), author: s.author, hw: snap.Header.HighWater}
			}
			info = x.snaps[s.path]
		}
		if info.m.bad != nil {
			rej[s.path] = *info.m.bad
			continue
		}
		if info.hw[code] > bestHW {
			best, bestHW = &refs[i], info.hw[code]
		}
	}
	if best == nil {
		return 0, nil
	}
	snap, err := x.readSnapshot(ctx, best.path, best.e, best.author, ros[best.author].Key)
	if err != nil && ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err != nil {
		if !isNotExist(err) {
			r := rejection(best.path, best.e, err)
			x.snaps[best.path] = snapInfo{m: x.badMark(x.snaps[best.path].m, best.e, r), author: best.author}
			rej[best.path] = *r
		}
		return 0, nil
	}
	var ops []data.Operation
	for _, op := range snap.Ops {
		if op.Origin == code && op.Seq > hw {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 || ops[0].Seq != hw+1 {
		return 0, nil
	}
	n, stop, err := x.applyBatches(ctx, code, best.path, best.e, snap.SHA256, ops, rej, rep)
	if n > 0 {
		x.log.Info("exchange: applied from snapshot", "file", best.path, "office", code, "operations", n)
	}
	if err == nil && (stop || n < int64(len(ops))) {
		// A fork, a gap or a refusal in it: the choice above goes by x.snaps, so it is
		// marked bad there too, or the same snapshot (up to MaxSnapshotSize) would be
		// read and parsed again at every look. It is read again when it changes, or
		// when refused files are looked at again.
		r, ok := rej[best.path]
		if !ok {
			r = Rejected{Path: best.path, Reason: ReasonMalformed, Detail: fmt.Sprintf("%s: operation %d not taken", code, hw+n+1),
				Size: best.e.Size, ModTime: best.e.ModTime}
			rej[best.path] = r
		}
		info := x.snaps[best.path]
		info.m = x.badMark(info.m, best.e, &r)
		x.snaps[best.path] = info
	}
	return n, err
}

// snapshotHeadOf reads a snapshot and checks its head: whole, its hash, its author's
// signature; its operations are not parsed.
func (x *Exchange) snapshotHeadOf(ctx context.Context, p string, e Entry, author string, pub ed25519.PublicKey) (*Snapshot, error) {
	if c := x.parsed; c != nil && c.path == p && c.m.same(e) {
		return c.s, nil
	}
	b, err := x.readSealed(ctx, p, e, MaxSnapshotSize, pub)
	var snap *Snapshot
	if err == nil {
		snap, err = snapshotHead(b)
	}
	if err == nil && snap.Header.Version != Version {
		err = fail(ReasonVersion, "version %d", snap.Header.Version)
	}
	if err == nil && snap.Header.Origin != author {
		err = fail(ReasonWrongFolder, "snapshot of %s", snap.Header.Origin)
	}
	if err == nil {
		err = snap.Verify(pub)
	}
	return snap, err
}

func consecutive(ops []data.Operation) bool {
	for i := 1; i < len(ops); i++ {
		if ops[i].Seq != ops[i-1].Seq+1 {
			return false
		}
	}
	return true
}

// jitter spreads the offices' looks at the folder: d ± 20%.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}
