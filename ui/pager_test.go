package ui

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"ascolto/data"
)

// fakeList is a register of n cases numbered by position; it records the pages read and
// can hold every read until released.
type fakeList struct {
	n    int
	mu   sync.Mutex
	read []int
	gate chan struct{} // nil: answer at once
}

func (f *fakeList) fetch(ctx context.Context, offset, limit int) ([]*data.Case, error) {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	f.read = append(f.read, offset/limit)
	f.mu.Unlock()
	var out []*data.Case
	for i := offset; i < min(offset+limit, f.n); i++ {
		out = append(out, &data.Case{Number: fmt.Sprint(i)})
	}
	return out, nil
}

func (f *fakeList) pagesRead() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.read...)
}

func newTestPager(t *testing.T, f *fakeList, keep int) (*pager, uiQueue, *int) {
	q := make(uiQueue, 100)
	arrived := 0
	p := newPager(10, keep, f.fetch, q.do, func(error) { arrived++ })
	t.Cleanup(p.stop)
	return p, q, &arrived
}

// rowNumber asks for row i and runs the UI work until it is there.
func rowNumber(t *testing.T, p *pager, q uiQueue, i int) string {
	t.Helper()
	var c *data.Case
	q.until(t, fmt.Sprint("row ", i), func() bool {
		c, _ = p.row(i)
		return c != nil
	})
	return c.Number
}

func TestPagerReadsOnlyThePagesAskedFor(t *testing.T) {
	f := &fakeList{n: 1000}
	p, q, _ := newTestPager(t, f, 4)
	for _, i := range []int{0, 5, 9, 557, 999} {
		if got := rowNumber(t, p, q, i); got != fmt.Sprint(i) {
			t.Errorf("row %d is case %s", i, got)
		}
	}
	if got := f.pagesRead(); fmt.Sprint(got) != "[0 55 99]" {
		t.Errorf("pages read %v, want [0 55 99]", got)
	}
}

func TestPagerForgetsTheLeastRecentlyUsedPage(t *testing.T) {
	f := &fakeList{n: 1000}
	p, q, _ := newTestPager(t, f, 2)
	rowNumber(t, p, q, 0)  // page 0
	rowNumber(t, p, q, 10) // page 1
	rowNumber(t, p, q, 0)  // page 0 used again: page 1 is now the oldest
	rowNumber(t, p, q, 20) // page 2 pushes page 1 out
	p.mu.Lock()
	_, has0 := p.pages[0]
	_, has1 := p.pages[1]
	kept := len(p.pages)
	p.mu.Unlock()
	if !has0 || has1 || kept != 2 {
		t.Errorf("kept %d pages (page 0: %v, page 1: %v); want pages 0 and 2", kept, has0, has1)
	}
}

// While the scroll bar is dragged far through the register, the pages passed over are
// not all read: only the last few asked for.
func TestPagerSkipsPagesScrolledPast(t *testing.T) {
	f := &fakeList{n: 100000, gate: make(chan struct{})}
	p, q, _ := newTestPager(t, f, 10)
	p.row(0) // the loader takes page 0 and waits at the gate
	for {
		p.mu.Lock()
		_, busy := p.loading[0]
		p.mu.Unlock()
		if busy {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for i := 1; i <= 50; i++ {
		p.row(i * 1000) // pages 100, 200, ... 5000
	}
	close(f.gate)
	rowNumber(t, p, q, 50000)
	q.until(t, "the queue to drain", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.wanted) == 0 && len(p.loading) == 0
	})
	read := f.pagesRead()
	if len(read) > 1+maxWanted {
		t.Errorf("read %d pages %v; want at most %d", len(read), read, 1+maxWanted)
	}
	if read[1] != 5000 {
		t.Errorf("pages read %v: the one asked for last (5000) should come right after page 0", read)
	}
}

// After a reset the old rows stay on screen while their fresh copies load.
func TestPagerShowsStaleRowsWhileReloading(t *testing.T) {
	f := &fakeList{n: 100}
	p, q, _ := newTestPager(t, f, 4)
	rowNumber(t, p, q, 3)
	p.reset(nil)
	if c, _ := p.row(3); c == nil || c.Number != "3" {
		t.Fatalf("row 3 after reset: %v, want the stale copy", c)
	}
	q.until(t, "the fresh page", func() bool { return len(f.pagesRead()) == 2 && len(q) == 0 })
	p.mu.Lock()
	fresh := p.pages[0].gen == p.gen
	p.mu.Unlock()
	if !fresh {
		t.Error("page 0 was not read again after the reset")
	}
}

// A new filter is another list: its pages replace the old ones at once, and the read
// still running for the old filter is cancelled rather than waited for.
func TestPagerNewFilterCancelsTheOldRead(t *testing.T) {
	slow := &fakeList{n: 100, gate: make(chan struct{})}
	p, q, _ := newTestPager(t, slow, 4)
	p.row(0)
	for {
		p.mu.Lock()
		_, busy := p.loading[0]
		p.mu.Unlock()
		if busy {
			break
		}
		time.Sleep(time.Millisecond)
	}
	fast := &fakeList{n: 3}
	p.reset(fast.fetch)
	if c, _ := p.row(1); c != nil {
		t.Fatalf("a row of the old list is shown for the new one: %v", c)
	}
	if got := rowNumber(t, p, q, 2); got != "2" {
		t.Fatalf("row 2 of the new list: %s", got)
	}
	if rows, ok := p.first(); !ok || len(rows) != 3 {
		t.Fatalf("first page of the new list: %v %v", rows, ok)
	}
	if read := slow.pagesRead(); len(read) != 0 {
		t.Errorf("the old list's read went on: %v", read)
	}
}
