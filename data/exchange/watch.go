package exchange

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch keeps the register and the folder in step until ctx ends. Change notifications
// from the file system are only a hint (shares deliver none for other machines' writes),
// so it also looks at the folder every Poll (±20%), and reads everything again at the
// start and when the folder comes back after being unreachable. Local changes are
// published once nothing changed for BatchIdle, or as soon as BatchOps are waiting.
func (x *Exchange) Watch(ctx context.Context) error {
	w := x.notifier()
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	var events <-chan fsnotify.Event
	var errs <-chan error
	if w != nil {
		events, errs = w.Events, w.Errors
	}
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return nil
	}
	x.reset()
	x.mu.Unlock()

	localSeq, _ := x.st.HighWater(ctx, x.local.Code)
	lastChange := time.Now()
	// stuck: the last publishing look wrote nothing while operations wait (this office's
	// fork, operations missing, every file name taken, a share that refuses writes).
	// Trying at every check would look at the whole folder many times a second for
	// ever; the next poll tries again.
	stuck := false
	look := func(publish bool) {
		x.smu.Lock()
		wasDown := x.looked && !x.reachable
		x.smu.Unlock()
		x.mu.Lock()
		if x.closed { // Close came between two looks: the register may be gone
			x.mu.Unlock()
			return
		}
		rep, err := x.sync(ctx, publish)
		x.mu.Unlock()
		if publish {
			stuck = false
			if rep.Published == 0 {
				seq, serr := x.st.HighWater(ctx, x.local.Code)
				pub, perr := x.publishedHigh(ctx)
				stuck = serr == nil && perr == nil && seq > pub
			}
		}
		x.smu.Lock()
		up := x.reachable
		x.smu.Unlock()
		if err != nil && ctx.Err() == nil {
			x.log.Debug("exchange: look at the folder", "err", err)
		}
		if wasDown && up && w != nil {
			x.addWatches(w) // the share is back: its folders must be watched again
		}
	}
	look(true)

	poll := time.NewTimer(jitter(x.cfg.Poll))
	defer poll.Stop()
	step := min(x.cfg.BatchIdle/4, 500*time.Millisecond)
	step = max(step, 20*time.Millisecond)
	check := time.NewTicker(step)
	defer check.Stop()
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		publish, scan := false, false
		select {
		case <-ctx.Done():
			return nil
		case <-x.done:
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if ev.Has(fsnotify.Create) {
				// Lstat: a link to a folder is no office's folder (List skips it too).
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					w.Add(ev.Name) // a new office's folder
				}
			}
			// Files arrive in bursts (a copy, a rename): look once it settles.
			settle.Reset(100 * time.Millisecond)
			continue
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			x.log.Debug("exchange: change notifications", "err", err)
			continue
		case <-settle.C:
			scan = true
		case <-poll.C:
			poll.Reset(jitter(x.cfg.Poll))
			scan, publish = true, stuck
		case <-check.C:
			seq, err := x.st.HighWater(ctx, x.local.Code)
			if err != nil {
				continue
			}
			if seq != localSeq {
				localSeq, lastChange = seq, time.Now()
			}
			pub, err := x.publishedHigh(ctx)
			if err != nil || seq <= pub || stuck {
				continue
			}
			if seq-pub >= int64(x.cfg.BatchOps) || time.Since(lastChange) >= x.cfg.BatchIdle {
				publish = true
			}
		}
		if publish || scan {
			look(publish)
		}
	}
}

// notifier watches the folder and its sub-folders, where the system can; nil if not.
func (x *Exchange) notifier() *fsnotify.Watcher {
	if x.cfg.Root == "" {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		x.log.Debug("exchange: no change notifications", "err", err)
		return nil
	}
	x.addWatches(w)
	return w
}

func (x *Exchange) addWatches(w *fsnotify.Watcher) {
	if err := w.Add(x.cfg.Root); err != nil {
		x.log.Debug("exchange: no change notifications", "folder", x.cfg.Root, "err", err)
		return
	}
	entries, err := os.ReadDir(x.cfg.Root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && validCode(e.Name()) {
			w.Add(filepath.Join(x.cfg.Root, e.Name()))
		}
	}
}
