package ui

import (
	"context"
	"sync"

	"ascolto/data"
)

// fetchFunc reads one page of a list.
type fetchFunc func(ctx context.Context, offset, limit int) ([]*data.Case, error)

// pager keeps the pages of a list the table has shown recently and loads the missing
// ones on a goroutine of its own. The table asks for rows while it draws; a page deep in
// a million cases can take a while to read, so the table is never made to wait: it gets
// nothing for now, and the page arrives through deliver on the UI thread.
//
// A reset starts a new generation: after a change of the register the pages on screen
// stay until their fresh copies arrive (nothing flickers); after a change of the filter
// (another list altogether) they go at once, and a read still running for the old
// filter is cancelled, so that the first page of what the clerk is typing comes first.
type pager struct {
	deliver func(func()) // runs a function on the UI thread (fyne.Do in the program)
	arrived func(err error)
	size    int // rows per page
	keep    int // pages kept in memory; the least recently used goes first

	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}

	mu        sync.Mutex
	fetch     fetchFunc
	gen       int // bumped by reset: pages of an older generation are stale
	genCtx    context.Context
	genCancel context.CancelFunc
	tick      uint64
	pages     map[int]*page
	wanted    []int       // pages to load, the most recently asked for last
	loading   map[int]int // page → generation being read
}

type page struct {
	rows []*data.Case
	err  error
	gen  int
	used uint64
}

// maxWanted bounds the queue: while a clerk drags the scroll bar through the register,
// only the last few pages asked for are still worth reading.
const maxWanted = 4

func newPager(size, keep int, fetch fetchFunc, deliver func(func()), arrived func(error)) *pager {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pager{fetch: fetch, deliver: deliver, arrived: arrived, size: size, keep: keep,
		ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1),
		pages: map[int]*page{}, loading: map[int]int{}}
	p.genCtx, p.genCancel = context.WithCancel(ctx)
	go p.run()
	return p
}

// row returns case i if its page is in memory and asks for the page otherwise. A stale
// page (from before a reset) is still shown while its fresh copy loads, so a refresh
// does not blank the screen. err is the page's read error, if it failed.
func (p *pager) row(i int) (c *data.Case, err error) {
	n := i / p.size
	p.mu.Lock()
	defer p.mu.Unlock()
	pg, ok := p.pages[n]
	if !ok || pg.gen != p.gen {
		p.want(n)
	}
	if !ok {
		return nil, nil
	}
	p.tick++
	pg.used = p.tick
	if pg.err != nil {
		return nil, pg.err
	}
	if k := i % p.size; k < len(pg.rows) {
		return pg.rows[k], nil
	}
	return nil, nil
}

// first returns the current generation's first page, if it has arrived.
func (p *pager) first() (rows []*data.Case, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pg, ok := p.pages[0]
	if !ok || pg.gen != p.gen || pg.err != nil {
		return nil, false
	}
	return pg.rows, true
}

// want queues page n; the caller holds mu.
func (p *pager) want(n int) {
	if g, ok := p.loading[n]; ok && g == p.gen {
		return
	}
	for i, w := range p.wanted {
		if w == n {
			p.wanted = append(p.wanted[:i], p.wanted[i+1:]...)
			break
		}
	}
	p.wanted = append(p.wanted, n)
	if len(p.wanted) > maxWanted {
		p.wanted = p.wanted[len(p.wanted)-maxWanted:]
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// prefetch asks for page n before the table does (the first page at start-up).
func (p *pager) prefetch(n int) {
	p.mu.Lock()
	p.want(n)
	p.mu.Unlock()
}

// reset marks every page stale, e.g. after the register changed; they are read again as
// the table asks for them. With a new fetch (another filter) the pages go at once and a
// read in flight is cancelled.
func (p *pager) reset(fetch fetchFunc) {
	p.mu.Lock()
	p.gen++
	p.wanted = nil
	if fetch != nil {
		p.fetch = fetch
		clear(p.pages)
		p.genCancel()
		p.genCtx, p.genCancel = context.WithCancel(p.ctx)
	}
	p.mu.Unlock()
}

// generation is the current generation, to tell stale results from fresh ones.
func (p *pager) generation() (int, context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen, p.genCtx
}

// stop ends the loader; a page in flight is dropped.
func (p *pager) stop() { p.cancel() }

func (p *pager) run() {
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-p.wake:
		}
		for p.loadNext() {
		}
	}
}

// loadNext reads the most recently wanted page and hands it to the UI thread; it reports
// whether there was one.
func (p *pager) loadNext() bool {
	p.mu.Lock()
	if len(p.wanted) == 0 {
		p.mu.Unlock()
		return false
	}
	n := p.wanted[len(p.wanted)-1]
	p.wanted = p.wanted[:len(p.wanted)-1]
	gen, ctx, fetch := p.gen, p.genCtx, p.fetch
	p.loading[n] = gen
	p.mu.Unlock()

	rows, err := fetch(ctx, n*p.size, p.size)
	if p.ctx.Err() != nil {
		return false
	}
	p.deliver(func() {
		p.mu.Lock()
		if g, ok := p.loading[n]; ok && g == gen {
			delete(p.loading, n)
		}
		current := gen == p.gen
		if current {
			p.tick++
			p.pages[n] = &page{rows: rows, err: err, gen: gen, used: p.tick}
			p.evict()
		}
		p.mu.Unlock()
		if current {
			p.arrived(err)
		} else {
			p.arrived(nil) // the table asks again for what it still shows
		}
	})
	return true
}

// evict drops the least recently used pages beyond keep; the caller holds mu.
func (p *pager) evict() {
	for len(p.pages) > p.keep {
		oldest, first := 0, true
		for n, pg := range p.pages {
			if first || pg.used < p.pages[oldest].used {
				oldest, first = n, false
			}
		}
		delete(p.pages, oldest)
	}
}
