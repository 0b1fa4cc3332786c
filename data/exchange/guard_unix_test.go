//go:build unix

package exchange

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// syncWithin runs one look of o and fails the test if it does not end within d: a look
// blocked for ever on the folder would otherwise hang the whole test run.
func syncWithin(t *testing.T, o *testOffice, d time.Duration) Report {
	t.Helper()
	type result struct {
		r   Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := o.x.SyncOnce(context.Background())
		done <- result{r, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("%s sync: %v", o.code, res.err)
		}
		return res.r
	case <-time.After(d):
		t.Fatalf("%s: one look at the folder did not end within %v", o.code, d)
	}
	return Report{}
}

// TestFolderHoldsNoTrap: a FIFO, a link to a FIFO, a link to /dev/zero and 100 MB of
// junk under a base's name, all covering the next operation wanted, beside a valid file
// and in place of another office's ack.json and office.json. The look ends at once, takes
// the valid file, lists each of the others with its reason, deletes nothing and holds
// little memory.
func TestFolderHoldsNoTrap(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	bz.add("uno")
	bz.sync()
	me.sync()
	bz.add("due")
	bz.sync() // BZ-000000000002-000000000002.ascx

	dir := filepath.Join(root, "BZ")
	fifo := filepath.Join(dir, FileName("BZ", 2, 3))
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if err := os.Symlink(fifo, filepath.Join(dir, FileName("BZ", 2, 4))); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, FileName("BZ", 2, 5))); err != nil {
		t.Fatal(err)
	}
	junk, err := os.Create(filepath.Join(dir, BaseName("BZ", 2, 6)))
	if err != nil {
		t.Fatal(err)
	}
	if err := junk.Truncate(100 << 20); err != nil { // sparse: 100 MB of zeros, no disk
		t.Fatal(err)
	}
	junk.Close()
	if err := os.Remove(filepath.Join(dir, AckFileName)); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, AckFileName), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "XX"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(fifo, filepath.Join(root, "XX", OfficeFileName)); err != nil {
		t.Fatal(err)
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := syncWithin(t, me, 10*time.Second)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("look with the traps: %v, %.1f MB allocated, heap in use %.1f MB", took, float64(alloc)/(1<<20), float64(after.HeapInuse)/(1<<20))
	if r.Applied != 1 {
		t.Fatalf("the valid file beside the traps: %+v", r)
	}
	if alloc > 16<<20 {
		t.Fatalf("%d bytes allocated in one look: something was read whole", alloc)
	}
	want := map[string]Reason{
		"BZ/" + FileName("BZ", 2, 3): ReasonNotRegular,
		"BZ/" + FileName("BZ", 2, 4): ReasonNotRegular,
		"BZ/" + FileName("BZ", 2, 5): ReasonNotRegular,
		"BZ/" + BaseName("BZ", 2, 6): ReasonTruncated,
		"BZ/" + AckFileName:          ReasonNotRegular,
		"XX/" + OfficeFileName:       ReasonNotRegular,
	}
	for p, reason := range want {
		got := me.rejected(p)
		if got == nil || got.Reason != reason {
			t.Errorf("%s: listed as %+v, want %s", p, got, reason)
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
			t.Errorf("%s: %v (refused files are never deleted)", p, err)
		}
	}
	// The next looks still end at once, and BZ still publishes beside its traps.
	bz.add("tre")
	if r := syncWithin(t, bz, 10*time.Second); r.Published != 1 {
		t.Fatalf("BZ publishing beside the traps: %+v", r)
	}
	if r := syncWithin(t, me, 10*time.Second); r.Applied != 1 {
		t.Fatalf("the next file: %+v", r)
	}
}

// TestOpenDoesNotWaitForAWriter: should a FIFO take a file's place between the look and
// the opening, the opening returns at once (O_NONBLOCK) and the check after it refuses
// what was opened.
func TestOpenDoesNotWaitForAWriter(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() {
		h, err := openFile(fifo)
		if err == nil {
			st, serr := h.Stat()
			if serr == nil && st.Mode().IsRegular() {
				err = os.ErrInvalid
			}
			h.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("opening a FIFO waited for a writer")
	}
	// A link is never followed, whatever it points to.
	link := filepath.Join(dir, "link")
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "file"), link); err != nil {
		t.Fatal(err)
	}
	if h, err := openFile(link); err == nil {
		h.Close()
		t.Fatal("openFile followed a symbolic link")
	}
	if _, err := OSFolder(dir).Open(context.Background(), "link", 10); ReasonOf(err) != ReasonNotRegular {
		t.Fatalf("a link to a regular file: %v", err)
	}
	if _, err := OSFolder(dir).Open(context.Background(), "pipe", 10); ReasonOf(err) != ReasonNotRegular {
		t.Fatalf("a FIFO: %v", err)
	}
}
