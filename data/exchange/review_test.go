package exchange

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ascolto/data"
)

// A register restored from a copy older than what it published, whose clerk wrote on
// before the first look, must not publish a second version of its sequences.
func TestRestoredRegisterDoesNotPublishAFork(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	path := filepath.Join(t.TempDir(), "register.ascolto")
	st, err := data.Create(path, data.Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, data.Options{Actor: "test-bz"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := LoadOrCreateKey(KeyPath(path))
	if err != nil {
		t.Fatal(err)
	}
	mk := func(st *data.Store) *testOffice {
		x, err := New(Config{Store: st, Folder: OSFolder(root), Root: root, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Join(ctx); err != nil {
			t.Fatal(err)
		}
		return &testOffice{t: t, code: "BZ", st: st, x: x}
	}
	bz := mk(st)
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	bz.add("uno")
	bz.sync()
	backup := readFile(t, path)
	bz.add("due")
	bz.add("tre")
	bz.sync()
	me.sync()
	st.Close()
	writeFile(t, path, backup) // restored from the copy
	for _, ext := range []string{"-wal", "-shm"} {
		os.Remove(path + ext)
	}
	st2, err := data.Open(path, data.Options{Actor: "test-bz"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	bz = mk(st2)
	before := files(t, root, "BZ")
	bz.add("altro due") // operation 2 again, other content
	bz.x.SyncOnce(ctx)
	bz.x.SyncOnce(ctx)
	if after := files(t, root, "BZ"); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("the restored office wrote over its published sequences: %v, was %v", after, before)
	}
	if len(bz.status().Forks) == 0 {
		t.Error("no alarm in the restored office's status")
	}
	me.sync()
	if f := me.status().Forks; len(f) != 0 {
		t.Errorf("the other office got a fork alarm: %+v", f)
	}
}

// failingWrites refuses every write, as a full or read-only share does, and counts
// the listings.
type failingWrites struct {
	Folder
	fail  atomic.Bool
	lists atomic.Int64
}

var errNoSpace = errors.New("no space left on device")

func (f *failingWrites) List(dir string) ([]Entry, error) {
	f.lists.Add(1)
	return f.Folder.List(dir)
}

func (f *failingWrites) WriteNew(p string, b []byte) error {
	if f.fail.Load() {
		return errNoSpace
	}
	return f.Folder.WriteNew(p, b)
}

func (f *failingWrites) Replace(p string, b []byte) error {
	if f.fail.Load() {
		return errNoSpace
	}
	return f.Folder.Replace(p, b)
}

// A write that fails does not make the folder unreachable, does not stop the look, and
// is in Status as the last error.
func TestWriteFailureIsNotUnreachable(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	var fw *failingWrites
	bz := newTestOffice(t, root, "BZ", func(c *Config) {
		fw = &failingWrites{Folder: c.Folder}
		c.Folder = fw
	})
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	me.add("uno")
	me.sync()
	bz.sync()
	fw.fail.Store(true)
	bz.add("locale")
	me.add("due")
	me.sync()
	rep, err := bz.x.SyncOnce(ctx)
	if p, ok := data.AsProblem(err); !ok || p.Key != "exchange.write_failed" {
		t.Fatalf("sync: %v", err)
	}
	if rep.Applied == 0 {
		t.Error("a failed write stopped the look before the other office's files")
	}
	s := bz.status()
	if !s.Reachable {
		t.Error("a failed write made the folder unreachable")
	}
	if p, ok := data.AsProblem(s.LastError); !ok || p.Key != "exchange.write_failed" || s.LastErrorAt.IsZero() {
		t.Errorf("last error %v at %v", s.LastError, s.LastErrorAt)
	}
	if s.LastScan.IsZero() {
		t.Error("the look did not finish")
	}
	bz.x.smu.Lock()
	down := bz.x.looked && !bz.x.reachable
	bz.x.smu.Unlock()
	if down {
		t.Error("marked unreachable: the next look would read everything again")
	}
	fw.fail.Store(false)
	bz.sync()
	if s := bz.status(); s.LastError != nil || s.Unpublished != 0 {
		t.Errorf("after a good look: last error %v, unpublished %d", s.LastError, s.Unpublished)
	}
}

// Watch with operations waiting that cannot be published tries again at the polls,
// not at every check.
func TestWatchDoesNotSpinWhenPublishingFails(t *testing.T) {
	root := t.TempDir()
	var fw *failingWrites
	bz := newTestOffice(t, root, "BZ", func(c *Config) {
		fw = &failingWrites{Folder: c.Folder}
		c.Folder = fw
		c.Poll = 500 * time.Millisecond
		c.BatchIdle = 40 * time.Millisecond
	})
	fw.fail.Store(true)
	bz.add("uno")
	watchFor(t, bz)
	time.Sleep(2500 * time.Millisecond)
	// About 6 polls (and the first look) of a few listings each; spinning at every
	// check (20 ms) would be some hundreds.
	if n := fw.lists.Load(); n > 60 {
		t.Errorf("%d listings in 2.5 s: Watch looks at every check", n)
	}
}

// A forged office.json in this office's own folder is replaced, with an alarm; a new
// office on a taken code is still refused.
func TestForgedOwnOfficeFileIsReplaced(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	_, other, _ := ed25519GenerateKey()
	forged, err := EncodeOffice(other, OfficeFile{Code: "BZ", NameIT: "x", NameDE: "x", Created: fmtTime(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "BZ", OfficeFileName)
	writeFile(t, p, forged)
	bz.x.mu.Lock()
	bz.x.reset() // as after an outage: join runs again
	bz.x.mu.Unlock()
	if _, err := bz.x.SyncOnce(ctx); err != nil {
		t.Fatalf("sync with a forged office.json: %v", err)
	}
	o, err := ParseOffice(readFile(t, p))
	if err != nil || !o.Key().Equal(bz.x.pub) {
		t.Fatalf("office.json not written again: %v", err)
	}
	alarm := false
	for _, r := range bz.status().Forks {
		alarm = alarm || r.Reason == ReasonOfficeReplaced
	}
	if !alarm {
		t.Error("no alarm for the forged office.json")
	}
	// A brand-new register with the same code: refused.
	regPath := filepath.Join(t.TempDir(), "r.ascolto")
	st, err := data.Create(regPath, data.Office{Code: "BZ", NameIT: "a", NameDE: "b"}, data.Options{Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := LoadOrCreateKey(KeyPath(regPath))
	x, _ := New(Config{Store: st, Folder: OSFolder(root), Root: root, Key: key})
	if err := x.Join(ctx); err == nil || !strings.Contains(err.Error(), "exchange.code_taken") {
		t.Errorf("a new office joined on a taken code: %v", err)
	}
}

// Trust never takes the key of an office.json that was refused.
func TestTrustIgnoresRefusedOfficeFile(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	_, other, _ := ed25519GenerateKey()
	o, err := EncodeOffice(other, OfficeFile{Code: "BX", NameIT: "x", NameDE: "x", Created: fmtTime(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	// ME's office.json now says it is BX (signed by another key): refused (wrong folder).
	writeFile(t, filepath.Join(root, "ME", OfficeFileName), o)
	bz.sync()
	if err := bz.x.Trust(ctx, "ME", Fingerprint(other.Public().(ed25519.PublicKey))); err == nil {
		t.Error("trusted the key of a refused office.json")
	}
}

// Own temporary files left by a crash are removed; the others' never.
func TestOwnOldTempFilesRemoved(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ", func(c *Config) { c.TempGrace = time.Minute })
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	old := time.Now().Add(-time.Hour)
	mine := filepath.Join(root, "BZ", TempPrefix+"0011-BZ-1-1.ascx")
	theirs := filepath.Join(root, "ME", TempPrefix+"0022-ME-1-1.ascx")
	fresh := filepath.Join(root, "BZ", TempPrefix+"0033-BZ-2-2.ascx")
	for _, p := range []string{mine, theirs, fresh} {
		writeFile(t, p, []byte("half"))
	}
	os.Chtimes(mine, old, old)
	os.Chtimes(theirs, old, old)
	bz.sync()
	if _, err := os.Stat(mine); !os.IsNotExist(err) {
		t.Error("own old temporary file kept")
	}
	if _, err := os.Stat(theirs); err != nil {
		t.Error("another office's temporary file removed")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a temporary file being written removed")
	}
}

// Without hard links a file created meanwhile is never replaced.
func TestCopyNewNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	tmp, dst := filepath.Join(dir, "tmp"), filepath.Join(dir, "dst")
	writeFile(t, tmp, []byte("new"))
	writeFile(t, dst, []byte("there"))
	if err := moveNew(tmp, dst); !errors.Is(err, os.ErrExist) {
		t.Fatalf("moveNew over a file: %v", err)
	}
	if string(readFile(t, dst)) != "there" {
		t.Fatal("the file there was replaced")
	}
	os.Remove(dst)
	if err := moveNew(tmp, dst); err != nil || string(readFile(t, dst)) != "new" {
		t.Fatalf("moveNew: %v", err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Error("temporary file left")
	}
}

// After Close every call is refused and Watch returns.
func TestClose(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	done := make(chan error, 1)
	go func() { done <- bz.x.Watch(ctx) }()
	time.Sleep(100 * time.Millisecond)
	if err := bz.x.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after Close")
	}
	if _, err := bz.x.SyncOnce(ctx); err == nil || !strings.Contains(err.Error(), "exchange.closed") {
		t.Errorf("SyncOnce after Close: %v", err)
	}
	if err := bz.x.Join(ctx); err == nil {
		t.Error("Join after Close")
	}
}
