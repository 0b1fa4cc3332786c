package data

import (
	"context"
	"testing"
	"time"
)

// Another program (here a second Store on the same file, as ascoltoctl would be)
// writes a case: the watcher of the first one notices.
func TestWatchSeesAnotherProgramsChange(t *testing.T) {
	s, clock := testStore(t, "2026-06-15 12:00")
	other, err := Open(s.Path(), Options{Clock: clock, Actor: "ctl"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := make(chan struct{}, 10)
	go s.Watch(ctx, 10*time.Millisecond, func() { changed <- struct{}{} })
	time.Sleep(50 * time.Millisecond)
	select {
	case <-changed:
		t.Fatal("a change reported before anything was written")
	default:
	}
	mustCreate(t, other, NewCase{Subject: "Da ascoltoctl"})
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("the change was not seen")
	}
	// A closure day (office settings) counts too.
	if err := other.Update(ctx, func(tx *Tx) error { return tx.AddClosure("BZ", "2026-12-24", "") }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("the settings change was not seen")
	}
	cancel()
}
