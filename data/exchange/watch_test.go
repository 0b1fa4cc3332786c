package exchange

import (
	"context"
	"testing"
	"time"
)

// watchFor runs Watch on office o until the test ends.
func watchFor(t *testing.T, o *testOffice) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.x.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func TestWatchByEvents(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	// Polling so slow that only change notifications can bring the file in time.
	me := newTestOffice(t, root, "ME", func(c *Config) { c.Poll = time.Hour })
	trustEach(t, bz, me)
	watchFor(t, me)
	time.Sleep(200 * time.Millisecond) // the first look is done
	bz.add("uno")
	bz.sync()
	if !eventually(2*time.Second, func() bool { return me.count() == 1 }) {
		t.Fatal("the new file was not taken within 2 s from a change notification")
	}
	select {
	case <-me.x.Changed():
	case <-time.After(time.Second):
		t.Fatal("Changed not signalled")
	}
}

func TestWatchByPolling(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	// No real path: no change notifications, as on a share.
	me := newTestOffice(t, root, "ME", func(c *Config) { c.Root = ""; c.Poll = 300 * time.Millisecond })
	trustEach(t, bz, me)
	watchFor(t, me)
	bz.add("uno")
	bz.sync()
	if !eventually(2*time.Second, func() bool { return me.count() == 1 }) {
		t.Fatal("the new file was not taken within 2 s by polling")
	}
}

func TestWatchPublishesAfterQuiet(t *testing.T) {
	root := t.TempDir()
	// The quiet moment is far longer than two saves take under the race detector on a
	// loaded machine.
	bz := newTestOffice(t, root, "BZ", func(c *Config) { c.BatchIdle = 3 * time.Second; c.Poll = 200 * time.Millisecond })
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	// The watcher's first look publishes what is waiting at once: a change made before
	// it, so that the two below come after that look (two changes made as it started were
	// once split by it, the first published alone).
	bz.add("zero")
	watchFor(t, bz)
	if !eventually(15*time.Second, func() bool { return len(files(t, root, "BZ")) == 1 }) {
		t.Fatal("what was waiting was not published at the start")
	}
	bz.add("uno")
	bz.add("due")
	if !eventually(15*time.Second, func() bool { return len(files(t, root, "BZ")) == 2 }) {
		t.Fatal("not published after a quiet moment")
	}
	if got := files(t, root, "BZ"); got[0] != FileName("BZ", 1, 1) || got[1] != FileName("BZ", 2, 3) {
		t.Fatalf("published %v, want the first change, then one file of both later changes", got)
	}
}
