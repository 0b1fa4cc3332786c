package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// arrows lists the column headers that show a sort arrow, with its direction.
func arrows(w fyne.Window, v *RegisterView) map[string]int {
	relayout(w)
	v.table.Refresh()
	out := map[string]int{}
	for _, o := range visibleObjects(v.table) {
		if h, ok := o.(*headerCell); ok && h.arrow != 0 {
			out[h.text] = h.arrow
		}
	}
	return out
}

// While a search lists its matches by relevance no column shows a sort arrow: the rows
// are not in the order of any column. A single letter is no search (the list keeps its
// order and its arrow), and the arrow comes back when the search is cleared.
func TestNoSortArrowWhileSearching(t *testing.T) {
	s := mixedRegister(t)
	v, q, w := showView(t, s, "it")
	q.until(t, "the first rows", func() bool { return v.firstDone })
	before := arrows(w, v)
	if len(before) != 1 {
		t.Fatalf("the register's own order shows one arrow, got %v", before)
	}

	typeInto(w, v.search, "muller")
	q.until(t, "the search", func() bool { return settled(v) && v.filter.Query == "muller" })
	if got := arrows(w, v); len(got) != 0 {
		t.Errorf("relevance order shows sort arrows %v", got)
	}

	test.Tap(v.clear)
	q.until(t, "the cleared search", func() bool { return settled(v) && !v.filter.filtered() })
	if got := arrows(w, v); len(got) != 1 {
		t.Errorf("after the search: arrows %v, want %v", got, before)
	}

	typeInto(w, v.search, "m")
	q.until(t, "one letter", func() bool { return settled(v) && v.filter.Query == "m" })
	if got := arrows(w, v); len(got) != 1 {
		t.Errorf("a single letter is no search, the order stays: arrows %v", got)
	}
}
