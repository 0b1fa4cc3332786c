package exchange

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// fakeShare is a shared folder in memory that behaves like a slow, unreliable share kept
// in step by Syncthing or an SMB server between offices: each office sees it through a
// fakeView. While faults are on, what one office writes reaches each other office after
// a random delay, listings come in any order and name a file twice or name files already
// removed, and an office's copy of a file may for a while be cut short or have a flipped
// bit (a copy still arriving, a bad copy) until the good one replaces it. A damaged copy
// is listed as it is (its own size, its own time), as a file system would list it.
// Everything that depends on chance draws from one seeded source, so that a seed replays
// the same run.
type fakeShare struct {
	mu     sync.Mutex
	rnd    *rand.Rand
	now    func() time.Time
	step   int
	faults bool
	files  map[string]*fakeFile
	dirs   map[string]bool
	gone   map[string]*fakeGone // removed files some offices still see listed

	// Fault rates while faults are on (per call).
	maxDelay  int     // steps before a write is visible to another office
	pDup      float64 // a listing names an entry twice
	pTruncate float64 // an office's copy of a new file is cut short for a while
	pFlip     float64 // an office's copy of a new file has a flipped bit for a while
	pFailNew  float64 // a WriteNew fails half-way and leaves its temp file
	pShort    float64 // a read gives a file cut short once, though it is whole and listed whole

	stats  fakeStats
	writeN int // makes every write's time distinct, as on a file system with fine times
}

type fakeStats struct {
	lists, reads, writes, removes int
	truncated, flipped, failedNew int
	shortReads                    int
	duplicated, stale, invisible  int
	injected, unreachable         int
}

// fakeFile is a file's versions, newest last: an office sees the newest one that has
// reached it.
type fakeFile struct {
	versions []fakeVersion
}

type fakeVersion struct {
	data    []byte
	mod     time.Time
	visible map[string]int // office → step from which it sees this version; absent: at once
	step    int
	damaged map[string]*fakeDamage
}

// fakeDamage is an office's bad copy of a version, until the good one arrives.
type fakeDamage struct {
	data  []byte
	mod   time.Time
	until int
}

type fakeGone struct {
	size  int64
	mod   time.Time
	until map[string]int // office → last step it still lists the file
}

func newFakeShare(seed int64, now func() time.Time) *fakeShare {
	return &fakeShare{rnd: rand.New(rand.NewSource(seed)), now: now, files: map[string]*fakeFile{},
		dirs: map[string]bool{"": true}, gone: map[string]*fakeGone{},
		maxDelay: 6, pDup: 0.1, pTruncate: 0.05, pFlip: 0.03, pFailNew: 0.03, pShort: 0.02}
}

// advance moves the share's time on by one step: delayed files arrive.
func (s *fakeShare) advance() {
	s.mu.Lock()
	s.step++
	s.mu.Unlock()
}

// setFaults turns the faults on or off; off, everything written is visible to every
// office at once and reads are exact, as on a healthy share after Syncthing caught up.
func (s *fakeShare) setFaults(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = on
	if on {
		return
	}
	for _, f := range s.files {
		for i := range f.versions {
			f.versions[i].visible = nil
			f.versions[i].damaged = nil
		}
	}
	s.gone = map[string]*fakeGone{}
}

func (s *fakeShare) chance(p float64) bool { return s.faults && s.rnd.Float64() < p }

func clean(p string) string { return strings.TrimPrefix(path.Clean("/"+p), "/") }

func (s *fakeShare) mkdirs(dir string) {
	for d := clean(dir); ; d = clean(path.Dir(d)) {
		s.dirs[d] = true
		if d == "" {
			return
		}
	}
}

// inject puts a file on the share as a third party would (an intruder, a program that
// left it behind), visible to everyone at once. It replaces nothing.
func (s *fakeShare) inject(p string, b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p = clean(p)
	if _, ok := s.files[p]; ok {
		return false
	}
	s.mkdirs(path.Dir(p))
	s.files[p] = &fakeFile{versions: []fakeVersion{{data: append([]byte(nil), b...), mod: s.now(), step: s.step}}}
	s.stats.injected++
	return true
}

// names lists every file path on the share (as the share holds it), sorted.
func (s *fakeShare) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.files))
	for p := range s.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// size is the total bytes and number of files on the share.
func (s *fakeShare) size() (int64, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, f := range s.files {
		n += int64(len(f.versions[len(f.versions)-1].data))
	}
	return n, len(s.files)
}

// content is a file's newest content, nil if there is none.
func (s *fakeShare) content(p string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.files[clean(p)]; ok {
		return f.versions[len(f.versions)-1].data
	}
	return nil
}

// view is the share as office sees it.
func (s *fakeShare) view(office string) *fakeView { return &fakeView{s: s, office: office} }

// fakeView is one office's access to the share; offline, every call fails as a share
// that cannot be reached does.
type fakeView struct {
	s       *fakeShare
	office  string
	mu      sync.Mutex
	offline bool
}

var errUnreachable = errors.New("fake share: network path not found")

func (v *fakeView) setOffline(off bool) { v.mu.Lock(); v.offline = off; v.mu.Unlock() }

func (v *fakeView) check() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.offline {
		v.s.stats.unreachable++
		return errUnreachable
	}
	return nil
}

// visible is the newest version of f that has reached the office, or -1.
func (v *fakeView) visible(f *fakeFile) int {
	for i := len(f.versions) - 1; i >= 0; i-- {
		at, ok := f.versions[i].visible[v.office]
		if !ok || at <= v.s.step {
			return i
		}
	}
	return -1
}

func (v *fakeView) List(dir string) ([]Entry, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.lists++
	dir = clean(dir)
	if !s.dirs[dir] {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrNotExist}
	}
	var out []Entry
	for d := range s.dirs {
		if d != "" && d != dir && clean(path.Dir(d)) == dir {
			out = append(out, Entry{Name: path.Base(d), Dir: true, ModTime: s.now()})
		}
	}
	for p, f := range s.files {
		if clean(path.Dir(p)) != dir {
			continue
		}
		i := v.visible(f)
		if i < 0 {
			s.stats.invisible++
			continue
		}
		b, mod := v.replica(&f.versions[i])
		out = append(out, Entry{Name: path.Base(p), Size: int64(len(b)), ModTime: mod})
	}
	for p, g := range s.gone {
		if clean(path.Dir(p)) == dir && g.until[v.office] >= s.step {
			if _, back := s.files[p]; !back {
				out = append(out, Entry{Name: path.Base(p), Size: g.size, ModTime: g.mod})
				s.stats.stale++
			}
		}
	}
	// A share lists in no particular order; the engine must not rely on any.
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if s.faults {
		s.rnd.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		for i := 0; i < len(out); i++ {
			if s.chance(s.pDup) {
				out = append(out, out[i])
				s.stats.duplicated++
			}
		}
	}
	return out, nil
}

// memReader is a file of the fake share as opened: the bytes of the moment.
type memReader struct{ *bytes.Reader }

func (memReader) Close() error { return nil }

func (v *fakeView) Open(ctx context.Context, p string, limit int64) (Reader, error) {
	b, err := v.read(p)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &FileError{Reason: ReasonTooBig, Path: p}
	}
	return memReader{bytes.NewReader(b)}, nil
}

func (v *fakeView) read(p string) ([]byte, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.reads++
	p = clean(p)
	f, ok := s.files[p]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	i := v.visible(f)
	if i < 0 {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	b, _ := v.replica(&f.versions[i])
	if len(b) > 1 && s.chance(s.pShort) {
		// A network share's bad moment: the listing is right, the read is not, and
		// the next read is (the engine must not believe the bad one for ever).
		s.stats.shortReads++
		return append([]byte(nil), b[:s.rnd.Intn(len(b))]...), nil
	}
	return append([]byte(nil), b...), nil
}

// replica is the office's copy of a version: damaged while its damage lasts.
func (v *fakeView) replica(ver *fakeVersion) ([]byte, time.Time) {
	if d, ok := ver.damaged[v.office]; ok && d.until >= v.s.step {
		return d.data, d.mod
	}
	return ver.data, ver.mod
}

// version makes a new version written by writer now: when each other office sees it,
// and whether its copy arrives damaged first.
func (s *fakeShare) version(writer string, b []byte) fakeVersion {
	s.writeN++
	ver := fakeVersion{data: append([]byte(nil), b...), mod: s.now().Add(time.Duration(s.writeN) * time.Microsecond), step: s.step, visible: s.delays(writer)}
	if !s.faults {
		return ver
	}
	for _, o := range s.offices() {
		if o == writer || len(b) < 2 {
			continue
		}
		at := s.step
		if v, ok := ver.visible[o]; ok {
			at = v
		}
		switch {
		case s.chance(s.pTruncate):
			d := &fakeDamage{data: ver.data[:s.rnd.Intn(len(b))], mod: ver.mod.Add(-time.Second), until: at + 1 + s.rnd.Intn(s.maxDelay+1)}
			mapPut(&ver.damaged, o, d)
			s.stats.truncated++
		case s.chance(s.pFlip):
			bad := append([]byte(nil), b...)
			bad[s.rnd.Intn(len(bad))] ^= 1 << uint(s.rnd.Intn(8))
			d := &fakeDamage{data: bad, mod: ver.mod.Add(-time.Second), until: at + 1 + s.rnd.Intn(s.maxDelay+1)}
			mapPut(&ver.damaged, o, d)
			s.stats.flipped++
		}
	}
	return ver
}

func mapPut(m *map[string]*fakeDamage, k string, d *fakeDamage) {
	if *m == nil {
		*m = map[string]*fakeDamage{}
	}
	(*m)[k] = d
}

// delays draws, for every office but the writer, when a new version reaches it.
func (s *fakeShare) delays(writer string) map[string]int {
	if !s.faults {
		return nil
	}
	m := map[string]int{}
	for _, o := range s.offices() {
		if o != writer {
			m[o] = s.step + s.rnd.Intn(s.maxDelay+1)
		}
	}
	return m
}

// offices are the office folders on the share, sorted (the draw order must not depend
// on map order).
func (s *fakeShare) offices() []string {
	var out []string
	for d := range s.dirs {
		if d != "" && !strings.Contains(d, "/") {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

func (v *fakeView) WriteNew(p string, b []byte) error {
	if err := v.check(); err != nil {
		return err
	}
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p = clean(p)
	if !s.dirs[clean(path.Dir(p))] {
		return &fs.PathError{Op: "create", Path: p, Err: fs.ErrNotExist}
	}
	if _, ok := s.files[p]; ok {
		return &fs.PathError{Op: "create", Path: p, Err: fs.ErrExist}
	}
	if s.chance(s.pFailNew) {
		// The connection dropped while the temp file was being written: it stays,
		// half-written, under its temp name, and nothing is published.
		tmp := path.Join(path.Dir(p), fmt.Sprintf("%s%08x-%s", TempPrefix, s.rnd.Uint32(), path.Base(p)))
		s.files[tmp] = &fakeFile{versions: []fakeVersion{{data: append([]byte(nil), b[:len(b)/2]...), mod: s.now(), step: s.step}}}
		s.stats.failedNew++
		return fmt.Errorf("write %s: %w", p, errUnreachable)
	}
	s.stats.writes++
	delete(s.gone, p)
	s.files[p] = &fakeFile{versions: []fakeVersion{s.version(v.office, b)}}
	return nil
}

func (v *fakeView) Replace(p string, b []byte) error {
	if err := v.check(); err != nil {
		return err
	}
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p = clean(p)
	if !s.dirs[clean(path.Dir(p))] {
		return &fs.PathError{Op: "create", Path: p, Err: fs.ErrNotExist}
	}
	s.stats.writes++
	ver := s.version(v.office, b)
	f, ok := s.files[p]
	if !ok {
		delete(s.gone, p)
		s.files[p] = &fakeFile{versions: []fakeVersion{ver}}
		return nil
	}
	f.versions = append(f.versions, ver)
	if len(f.versions) > 8 {
		f.versions = f.versions[len(f.versions)-8:]
	}
	return nil
}

func (v *fakeView) Remove(p string) error {
	if err := v.check(); err != nil {
		return err
	}
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p = clean(p)
	f, ok := s.files[p]
	if !ok {
		if s.dirs[p] {
			delete(s.dirs, p)
			return nil
		}
		return &fs.PathError{Op: "remove", Path: p, Err: fs.ErrNotExist}
	}
	s.stats.removes++
	delete(s.files, p)
	if s.faults {
		// Other offices go on listing the file for a while; reading it fails.
		last := f.versions[len(f.versions)-1]
		g := &fakeGone{size: int64(len(last.data)), mod: last.mod, until: map[string]int{}}
		for _, o := range s.offices() {
			if o != v.office {
				g.until[o] = s.step + s.rnd.Intn(s.maxDelay+1)
			}
		}
		s.gone[p] = g
	}
	return nil
}

func (v *fakeView) MkdirAll(dir string) error {
	if err := v.check(); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	v.s.mkdirs(dir)
	return nil
}

var _ Folder = (*fakeView)(nil)
