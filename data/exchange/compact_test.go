package exchange

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ascolto/data"
)

// A forged and an unsigned file over the very sequence an office wants next must not
// keep it from the real base and files; they stay where they are, listed.
func TestForgedNextFileDoesNotBlock(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ", func(c *Config) { c.CompactFiles = 1 })
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	for _, s := range []string{"uno", "due", "tre"} {
		bz.add(s)
		bz.sync()
	}
	me.sync()
	if r := bz.sync(); r.Removed != 3 || len(files(t, root, "BZ")) != 0 {
		t.Fatalf("compaction: %+v %v", r, files(t, root, "BZ"))
	}
	ops, err := bz.st.Operations(context.Background(), "BZ", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	_, wrong, _ := ed25519.GenerateKey(nil)
	forged, err := Encode(wrong, Header{Origin: "BZ"}, ops)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := unsign(forged)
	forgedBase, err := EncodeSnapshot(wrong, SnapshotHeader{Origin: "BZ", HighWater: map[string]int64{"BZ": 3}, First: 1}, append([]data.Operation(nil), ops...))
	if err != nil {
		t.Fatal(err)
	}
	// Names that reach as far as the real base or further, so they are tried first.
	bad := map[string][]byte{FileName("BZ", 1, 3): forged, FileName("BZ", 1, 2): unsigned}
	for name, b := range bad {
		if err := os.WriteFile(filepath.Join(root, "BZ", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A forged base over a longer range than the real one.
	if err := os.WriteFile(filepath.Join(root, "BZ", BaseName("BZ", 1, 4)), forgedBase, 0o644); err != nil {
		t.Fatal(err)
	}
	eg := newTestOffice(t, root, "EGNA")
	trustEach(t, eg, bz, me)
	if r := eg.sync(); r.Applied != 3 || eg.hash() != bz.hash() || len(eg.status().Gaps) != 0 {
		t.Fatalf("newcomer: %+v %+v", r, eg.status())
	}
	for name := range bad {
		if rj := eg.rejected("BZ/" + name); rj == nil {
			t.Errorf("%s not listed", name)
		}
		if _, err := os.Stat(filepath.Join(root, "BZ", name)); err != nil {
			t.Errorf("%s gone: %v", name, err)
		}
	}
	if rj := eg.rejected("BZ/" + BaseName("BZ", 1, 4)); rj == nil {
		t.Error("forged base not listed")
	}
	// BZ goes on: its next file follows the base.
	bz.add("quattro")
	bz.sync()
	if r := eg.sync(); r.Applied != 1 {
		t.Fatalf("after the base: %+v", r)
	}
}

// shortOnce is a share that gives a file cut short at its first read, though it lists
// it whole.
type shortOnce struct {
	Folder
	mu   sync.Mutex
	done map[string]bool
	name string
}

func (f *shortOnce) Open(ctx context.Context, p string, limit int64) (Reader, error) {
	b, err := readWhole(ctx, f.Folder, p, limit)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if filepath.Base(p) == f.name && !f.done[p] {
		f.done[p] = true
		b = b[:len(b)/2]
	}
	return memReader{bytes.NewReader(b)}, nil
}

func TestBadReadIsReadAgain(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	flaky := &shortOnce{Folder: OSFolder(root), done: map[string]bool{}, name: FileName("BZ", 1, 1)}
	me := newTestOffice(t, root, "ME", func(c *Config) { c.Folder = flaky })
	trustEach(t, bz, me)
	bz.add("uno")
	bz.sync()
	if r := me.sync(); r.Applied != 0 || r.Rejected != 1 {
		t.Fatalf("short read: %+v", r)
	}
	for i := 1; i < recheckScans; i++ {
		if r := me.sync(); r.Applied != 0 || r.Rejected != 1 {
			t.Fatalf("look %d: %+v (a refused file is not read at every look)", i, r)
		}
	}
	if r := me.sync(); r.Applied != 1 || r.Rejected != 0 {
		t.Fatalf("read again: %+v", r)
	}
}

// fixedClock is a clock an office can set wrong.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// Snapshots are ordered by what they hold: one made later with a clock set days back
// still replaces the older one of the same office.
func TestSnapshotOrderIgnoresClock(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	clock := &fixedClock{t: time.Now()}
	bz := newTestOffice(t, root, "BZ", func(c *Config) { c.Clock = clock })
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	bz.add("uno")
	bz.sync()
	if err := bz.x.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	bz.add("due")
	bz.sync()
	clock.t = clock.t.Add(-72 * time.Hour)
	if err := bz.x.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	snaps, _ := filepath.Glob(filepath.Join(root, "BZ", "snapshot-*.ascs"))
	if len(snaps) != 1 || filepath.Base(snaps[0])[:len("snapshot-000000000002")] != "snapshot-000000000002" {
		t.Fatalf("snapshots: %v", snaps)
	}
	for _, f := range files(t, root, "BZ") {
		os.Remove(filepath.Join(root, "BZ", f))
	}
	eg := newTestOffice(t, root, "EGNA")
	trustEach(t, eg, bz, me)
	if r := eg.sync(); r.Applied != 2 || eg.hash() != bz.hash() {
		t.Fatalf("newcomer: %+v", r)
	}
}

// TestDamagedOwnFileIsReplacedByABase: a file damaged on the share after it was
// published (a flipped bit) stops every office at it, since files never change. Its
// office notices that the others stop just before it, finds its bytes changed, and
// writes a base with the same operations; the others go on from there. The damaged file
// stays where it is, listed.
func TestDamagedOwnFileIsReplacedByABase(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	bz.add("uno")
	bz.sync()
	me.sync()
	bz.sync() // ME's acknowledgement of the first file
	bz.add("due")
	bz.sync()
	p := filepath.Join(root, "BZ", "BZ-000000000002-000000000002.ascx")
	b := readFile(t, p)
	b[len(b)/3] ^= 0x20
	writeFile(t, p, b)
	me.sync()
	if me.count() != 1 || me.rejected("BZ/BZ-000000000002-000000000002.ascx") == nil {
		t.Fatalf("the damaged file: %d cases at ME, rejected %+v", me.count(), me.status().Rejected)
	}
	bz.sync()
	if _, err := os.Stat(filepath.Join(root, "BZ", BaseName("BZ", 2, 2))); err != nil {
		t.Fatalf("no base for the damaged file: %v", err)
	}
	me.sync()
	if me.count() != 2 || me.hash() != bz.hash() {
		t.Fatalf("after the base: %d cases at ME, registers differ: %v", me.count(), me.hash() != bz.hash())
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the damaged file was removed: %v", err)
	}
}
