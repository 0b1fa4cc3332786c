package data

import (
	"fmt"
	"time"
)

// HLC is a hybrid logical clock reading: wall milliseconds plus a counter that breaks
// ties and keeps the order causal when a clock is behind. Offices compare readings to
// order changes for display and to pick a provisional winner, never alone to decide that
// two edits conflict (EXCHANGE.md).
type HLC struct {
	Wall    int64 // Unix milliseconds
	Logical uint32
}

// Tick advances the clock for a local event at wall time now.
func (h HLC) Tick(now time.Time) HLC {
	ms := now.UnixMilli()
	if ms > h.Wall {
		return HLC{Wall: ms}
	}
	return HLC{Wall: h.Wall, Logical: h.Logical + 1}
}

// Observe merges a reading received from another office, so that whatever this office
// does next is ordered after what it has seen, even if its own wall clock is behind.
func (h HLC) Observe(remote HLC, now time.Time) HLC {
	ms := now.UnixMilli()
	switch {
	case ms > h.Wall && ms > remote.Wall:
		return HLC{Wall: ms}
	case h.Wall == remote.Wall:
		return HLC{Wall: h.Wall, Logical: max(h.Logical, remote.Logical) + 1}
	case h.Wall > remote.Wall:
		return HLC{Wall: h.Wall, Logical: h.Logical + 1}
	default:
		return HLC{Wall: remote.Wall, Logical: remote.Logical + 1}
	}
}

// String is fixed-width, so that text order is clock order in SQL and in files.
func (h HLC) String() string { return fmt.Sprintf("%015d.%010d", h.Wall, h.Logical) }

// Less orders two readings.
func (h HLC) Less(o HLC) bool {
	return h.Wall < o.Wall || h.Wall == o.Wall && h.Logical < o.Logical
}

// ParseHLC reads a String() value back.
func ParseHLC(s string) (HLC, error) {
	var h HLC
	if _, err := fmt.Sscanf(s, "%d.%d", &h.Wall, &h.Logical); err != nil || len(s) != 26 {
		return HLC{}, fmt.Errorf("bad clock reading %q", s)
	}
	return h, nil
}
