package ui

import (
	"fmt"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// benchRegister is the register the benchmarks read: ASCOLTO_BENCH_REGISTER names a
// large one made beforehand (e.g. a million demo cases with ascoltoctl); without it a
// register of 20,000 cases is made for the run.
func benchRegister(b *testing.B) *data.Store {
	if path := os.Getenv("ASCOLTO_BENCH_REGISTER"); path != "" {
		s, err := data.Open(path, data.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	return newRegister(b, 20000)
}

// BenchmarkFirstRows: from building the view to the first screen of rows, the time a
// clerk waits after the register is open.
func BenchmarkFirstRows(b *testing.B) {
	s := benchRegister(b)
	test.NewTempApp(b)
	for b.Loop() {
		q := make(uiQueue, 1000)
		v := newRegisterView(s, "it", q.do)
		w := test.NewWindow(v.Object())
		w.Resize(fyne.NewSize(1280, 720))
		q.until(b, "the first rows", func() bool { return v.firstDone })
		v.Close()
		w.Close()
	}
}

// BenchmarkFarRow: a jump to 90% of the register (the scroll bar dragged near the end),
// until the row is on screen. A deep page is the slowest read: SQLite steps over the
// rows before it.
func BenchmarkFarRow(b *testing.B) {
	s := benchRegister(b)
	v, q, _ := showView(b, s, "it")
	q.until(b, "the first rows", func() bool { return v.firstDone })
	far := v.total * 9 / 10
	b.ReportMetric(float64(v.total), "cases")
	for b.Loop() {
		v.pages.reset() // read it again every time
		v.pages.mu.Lock()
		clear(v.pages.pages)
		v.pages.mu.Unlock()
		v.table.ScrollTo(widget.TableCellID{Row: far, Col: 0})
		v.table.Refresh()
		q.until(b, fmt.Sprint("row ", far), func() bool { c, _ := v.pages.row(far); return c != nil })
		v.table.ScrollToTop()
	}
}
