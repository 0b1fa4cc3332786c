// Package draft keeps what a clerk has typed but not yet saved — an intake form, a reply
// being written — in files beside the register, so that closing the window or a crash
// of the program loses nothing. Every write is atomic: the draft goes to a temporary
// file, is flushed to the disk, and only then takes the draft's name, so a file on disk
// is always a whole draft, the previous one or the new one, never half of each.
package draft

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// suffix ends every draft file; temporary files end in suffix+".tmp-*".
const suffix = ".json"

// Store is a folder of drafts, one file per name.
type Store struct {
	dir string
	mu  sync.Mutex // one write at a time per store, so renames never cross
}

// DirFor is the drafts folder of a register file: beside it, named after it, so that
// drafts typed against one register never turn up in another.
func DirFor(registerPath string) string { return registerPath + ".drafts" }

// Open opens (and creates if needed) the drafts folder dir. Temporary files left by a
// crash in the middle of a write are removed: the draft they belonged to is intact.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open drafts %s: %w", dir, err)
	}
	if tmps, err := filepath.Glob(filepath.Join(dir, "*"+suffix+".tmp-*")); err == nil {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	return &Store{dir: dir}, nil
}

// Dir is the drafts folder.
func (s *Store) Dir() string { return s.dir }

// validName keeps names to plain file names: letters, digits, '-' and '_'.
func validName(name string) bool {
	if name == "" || len(name) > 120 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Store) path(name string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("draft name %q: use letters, digits, - and _", name)
	}
	return filepath.Join(s.dir, name+suffix), nil
}

// Save writes v (as JSON) as the draft name, atomically and durably: when Save returns
// nil the draft survives a crash and a power cut.
func (s *Store) Save(name string, v any) error {
	p, err := s.path(name)
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("draft %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return writeAtomic(p, b)
}

func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write draft %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write draft %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil { // the content is on the disk before it gets the name
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write draft %s: %w", path, err)
	}
	// The rename itself is made durable by syncing the folder (where the OS allows it).
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ErrCorrupt says a draft file exists but cannot be read as a draft. It is kept aside
// (renamed *.corrupt) rather than deleted, so that support can still look at it.
var ErrCorrupt = errors.New("draft unreadable")

// Load reads the draft name into v. found is false if there is none.
func (s *Store) Load(name string, v any) (found bool, err error) {
	p, err := s.path(name)
	if err != nil {
		return false, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read draft %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		s.mu.Lock()
		os.Rename(p, p+".corrupt")
		s.mu.Unlock()
		return false, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	return true, nil
}

// Remove deletes the draft name (once its content is saved in the register). A draft
// that does not exist is not an error.
func (s *Store) Remove(name string) error {
	p, err := s.path(name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove draft %s: %w", name, err)
	}
	return nil
}

// Info is one draft on disk.
type Info struct {
	Name     string
	Modified time.Time
}

// List names the drafts in the folder, oldest first.
func (s *Store) List() ([]Info, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	var out []Info
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), suffix)
		if !ok || e.IsDir() || !validName(name) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, Info{Name: name, Modified: fi.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Modified.Before(out[j].Modified) })
	return out, nil
}

// Autosaver saves the latest value given to Set a short moment later, on a goroutine
// of its own, so that a form can hand it every keystroke without waiting for the disk.
// Values given while a write is running are coalesced: only the last one is written.
type Autosaver struct {
	store *Store
	name  string
	delay time.Duration
	// OnError, if set, is called (on the saver's goroutine) when a write fails.
	OnError func(error)

	mu      sync.Mutex
	pending any
	has     bool
	timer   *time.Timer
	writing sync.Mutex // held during a write, so Flush can wait for one in flight
}

// NewAutosaver saves into store under name, delay after the last Set.
func NewAutosaver(store *Store, name string, delay time.Duration) *Autosaver {
	return &Autosaver{store: store, name: name, delay: delay}
}

// Set schedules v to be written. v must not be changed afterwards (pass a copy).
func (a *Autosaver) Set(v any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending, a.has = v, true
	if a.timer == nil {
		a.timer = time.AfterFunc(a.delay, a.write)
	} else {
		a.timer.Reset(a.delay)
	}
}

func (a *Autosaver) write() {
	a.writing.Lock()
	defer a.writing.Unlock()
	a.mu.Lock()
	v, has := a.pending, a.has
	a.pending, a.has = nil, false
	a.mu.Unlock()
	if !has {
		return
	}
	if err := a.store.Save(a.name, v); err != nil && a.OnError != nil {
		a.OnError(err)
	}
}

// Flush writes a pending value now and returns when it is on the disk.
func (a *Autosaver) Flush() {
	a.mu.Lock()
	if a.timer != nil {
		a.timer.Stop()
	}
	a.mu.Unlock()
	a.write()
}

// Discard drops a pending value and removes the draft (after a successful save).
func (a *Autosaver) Discard() error {
	a.mu.Lock()
	if a.timer != nil {
		a.timer.Stop()
	}
	a.pending, a.has = nil, false
	a.mu.Unlock()
	a.writing.Lock() // a write in flight finishes first, then the file goes
	defer a.writing.Unlock()
	return a.store.Remove(a.name)
}
