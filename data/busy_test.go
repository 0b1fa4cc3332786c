package data

import (
	"context"
	"sync"
	"testing"
	"time"
)

// quickMaintenance makes maintain look every 20 ms and merge after 200 ms without
// writes, and a write wait for another's lock at most 300 ms, for stores opened after
// it (the busy timeout is part of each connection's settings).
func quickMaintenance(t *testing.T) {
	every, idle, busy := maintainEvery, idleBefore, busyTimeout
	maintainEvery, idleBefore, busyTimeout = 20*time.Millisecond, 200*time.Millisecond, 300*time.Millisecond
	t.Cleanup(func() {
		maintainEvery, idleBefore, busyTimeout = every, idle, busy
		mergeStepHook.Store(nil)
	})
}

// slowMergeSteps makes every search-index merge step hold the register's write for d,
// as one does on a million cases on a loaded machine; started is closed by the first.
func slowMergeSteps(d time.Duration) (started chan struct{}) {
	started = make(chan struct{})
	var once sync.Once
	hook := func() {
		once.Do(func() { close(started) })
		time.Sleep(d)
	}
	mergeStepHook.Store(&hook)
	return started
}

// TestLongBatchesAreNotBusyForTheRegistersOwnMerge: a long batch of writes (the demo
// makes transactions of 20,000 cases, many seconds each) with a short pause between two
// transactions. The background merge of the search index used to count the long
// transaction as idle time, take the register in the pause, and hold it past the busy
// timeout: the next batch failed with "The register is busy" though no other program
// used it.
func TestLongBatchesAreNotBusyForTheRegistersOwnMerge(t *testing.T) {
	quickMaintenance(t)
	s, _ := testStore(t, "2026-11-23 09:00")
	started := slowMergeSteps(time.Second)
	ctx := context.Background()
	for batch := 0; batch < 3; batch++ {
		err := s.Update(ctx, func(tx *Tx) error {
			for i := 0; i < 5; i++ {
				if _, err := tx.Create(NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Anfrage", Citizen: Citizen{Name: "Zoë Thöni"}}); err != nil {
					return err
				}
			}
			time.Sleep(600 * time.Millisecond) // three times idleBefore inside the transaction
			return nil
		})
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		time.Sleep(100 * time.Millisecond) // the progress line, the next batch's set-up
	}
	select {
	case <-started:
		t.Error("a merge step ran between the batches of a long write")
	default:
	}
}

// TestSaveWaitsForTheRunningMergeStep: a save that comes while a background merge step
// holds the register (longer than the busy timeout) waits for it and succeeds.
func TestSaveWaitsForTheRunningMergeStep(t *testing.T) {
	quickMaintenance(t)
	s, _ := testStore(t, "2026-11-23 09:00")
	for i := 0; i < 3; i++ {
		mustCreate(t, s, NewCase{Subject: "Anfrage", Citizen: Citizen{Name: "Zoë Thöni"}})
	}
	started := slowMergeSteps(time.Second)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no merge step after the writes stopped")
	}
	t0 := time.Now()
	mustCreate(t, s, NewCase{Subject: "Beschwerde", Citizen: Citizen{Name: "Anna Pichler"}})
	if waited := time.Since(t0); waited < 300*time.Millisecond {
		t.Errorf("the save took %v: it did not wait for the merge step at all (the hook is not in the step?)", waited)
	}
}

// TestCancelledWaitForTheRegister: a write waiting for this program's other write
// gives up when its context ends, without writing.
func TestCancelledWaitForTheRegister(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	done, err := s.ownWrite(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = s.Update(ctx, func(tx *Tx) error {
		_, err := tx.Create(NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Anfrage"})
		return err
	})
	done()
	if err == nil {
		t.Fatal("the write went ahead beside another")
	}
	if n, _ := s.Count(context.Background(), Filter{}); n != 0 {
		t.Fatalf("%d cases written", n)
	}
}
