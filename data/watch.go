package data

import (
	"context"
	"time"
)

// Watch calls changed, on a goroutine of its own, whenever the register has changed
// since the last look: a case or a setting written by ascoltoctl, an import, the
// exchange, another window, or this program itself. It looks every interval, cheaply:
// SQLite's data_version on a connection of its own says whether anybody committed
// anything, and only then the head of the audit trail (every change to a case or to
// the office's rules appends an entry) or the offices say whether it was a change a
// person can see (the background index merging is not). It returns when ctx ends.
func (s *Store) Watch(ctx context.Context, interval time.Duration, changed func()) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer func() { conn.Close() }() // the one held at the end: a reopen replaces it
	type mark struct{ audit, offices int64 }
	look := func() (int64, mark, error) {
		var version int64
		var m mark
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&version); err != nil {
			return 0, m, err
		}
		err := conn.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(seq), 0) FROM audit),
			(SELECT count(*) + coalesce(sum(length(name_it) + length(name_de) + length(address)), 0) FROM offices)`).Scan(&m.audit, &m.offices)
		return version, m, err
	}
	version, last, err := look()
	if err != nil {
		return
	}
	gen := s.generation()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if g := s.generation(); g != gen {
			// The register is being reopened (lock.go): give the connection back, take
			// a new one when it is done, and let the window read everything again.
			conn.Close()
			if conn, err = s.db.Conn(ctx); err != nil {
				return
			}
			gen = g
			if version, last, err = look(); err != nil {
				return
			}
			changed()
			continue
		}
		var v int64
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil || v == version {
			continue
		}
		v, m, err := look()
		if err != nil {
			continue
		}
		version = v
		if m != last {
			last = m
			changed()
		}
	}
}
