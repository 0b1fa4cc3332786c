package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"ascolto/data"
	"ascolto/translations"
)

// hugeSubject is a subject as a register from elsewhere may hold (the window's own
// intake stops at 500 characters).
var hugeSubject = strings.Repeat("Richiesta di informazioni sugli orari ", 264)[:10000]

// tooWide lists the texts under o drawn wider than width: one such text is a texture
// wider than the graphics card takes, drawn as a black bar.
func tooWide(o fyne.CanvasObject, width float32) []string {
	var out []string
	for _, x := range visibleObjects(o) {
		if t, ok := x.(*canvas.Text); ok && t.MinSize().Width > width {
			out = append(out, t.Text[:min(40, len(t.Text))]+"…")
		}
	}
	return out
}

// contentFits says whether the window's content asks for no more than size: the desktop
// window grows to its content's least size by itself, so this is what keeps it as the
// clerk set it.
func contentFits(t *testing.T, w fyne.Window, size fyne.Size, what string) {
	t.Helper()
	m := w.Content().MinSize()
	if m.Width > size.Width || m.Height > size.Height {
		t.Errorf("%s: the window's content needs %.0fx%.0f, more than %.0fx%.0f: the window would grow", what,
			m.Width, m.Height, size.Width, size.Height)
	}
}

// A 10,000-character subject: cut with "…" in the table, wrapped in the case view, no
// text drawn wider than the window; the window asks for no more than 1024x700 with the
// case open and with the Quality tab, so it never grows by itself.
func TestLongSubjectAndTheWindowsSize(t *testing.T) {
	test.NewTempApp(t)
	s := mixedRegister(t)
	q := make(uiQueue, 1000)
	w := test.NewTempWindow(t, nil)
	size := fyne.NewSize(1024, 700)
	w.Resize(size)
	dash := func(st *data.Store, lang string, open func(data.Filter)) fyne.CanvasObject {
		return newDashboard(st, lang, open, q.do)
	}
	sh := newShell(Config{Store: s, Lang: "it", Window: w, App: fyne.CurrentApp(), Dashboard: dash, WatchEvery: 3600e9, ReminderEvery: 3600e9}, q.do)
	t.Cleanup(sh.Close)
	sh.Show()
	q.until(t, "the first rows", func() bool { return settled(sh.register) })
	contentFits(t, w, size, "the register")

	// The table's cell: the subject ends in "…" within its column.
	c := newCell()
	c.set(hugeSubject, false, markNone)
	c.Resize(fyne.NewSize(300, 30))
	r := test.WidgetRenderer(c).(*cellRenderer)
	if !strings.HasSuffix(r.text.Text, "…") || r.text.MinSize().Width > 300 {
		t.Errorf("the subject in the table: %d characters, %.0f px wide", len(r.text.Text), r.text.MinSize().Width)
	}

	first, err := s.List(t.Context(), data.Filter{Limit: 1})
	if err != nil || len(first) == 0 {
		t.Fatal(err)
	}
	v := showCase(t, sh, q, first[0].Number)
	v.c.Subject = hugeSubject
	v.show()
	relayout(w)
	if w.Canvas().Size() != size {
		t.Errorf("the window is %v", w.Canvas().Size())
	}
	contentFits(t, w, size, "a case with a 10,000-character subject")
	if bars := tooWide(w.Canvas().Content(), size.Width); len(bars) > 0 {
		t.Errorf("texts wider than the window in the case view: %q", bars)
	}
	if !reads(w.Canvas().Content(), hugeSubject[:200]) {
		t.Error("the subject is not shown in the case view")
	}

	sh.tabs.Select(sh.dashTab)
	d := sh.dashTab.Content.(*Dashboard)
	q.until(t, "the figures", func() bool { return d.ready })
	relayout(w)
	contentFits(t, w, size, "the Quality tab")
	dashNotOverlapping(t, d)
}

// dashNotOverlapping: the bar's texts and the tables' cells lie side by side, none over
// another, and every cell within the dashboard.
func dashNotOverlapping(t *testing.T, d *Dashboard) {
	t.Helper()
	pos := func(o fyne.CanvasObject) fyne.Position {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	}
	var boxes []fyne.CanvasObject
	for _, o := range visibleObjects(d.root) {
		if x, ok := o.(*canvas.Text); ok && x.Text != "" {
			boxes = append(boxes, x)
		}
	}
	right := pos(d.root).X + d.root.Size().Width
	for i, a := range boxes {
		pa, sa := pos(a), a.Size()
		if pa.X+sa.Width > right+1 {
			t.Errorf("%q is cut at the right (%.0f > %.0f)", a.(*canvas.Text).Text, pa.X+sa.Width, right)
		}
		for _, b := range boxes[i+1:] {
			pb, sb := pos(b), b.Size()
			if pa.X < pb.X+sb.Width-1 && pb.X < pa.X+sa.Width-1 && pa.Y < pb.Y+sb.Height-1 && pb.Y < pa.Y+sa.Height-1 {
				t.Errorf("%q and %q overlap", a.(*canvas.Text).Text, b.(*canvas.Text).Text)
			}
		}
	}
}

// columnWidths are the register table's column widths as drawn, by column title.
func columnWidths(v *RegisterView) map[string]float32 {
	out := map[string]float32{}
	for _, o := range visibleObjects(v.Object()) {
		if h, ok := o.(*headerCell); ok && h.text != "" {
			out[h.text] = h.Size().Width
		}
	}
	return out
}

// The register at 1024 and 1600 px: at 1024 every column has its own width (the table
// scrolls sideways, the number staying in view); at 1600 the columns fill the table and
// the extra width goes to the subject, the citizen, the office and the assignee, the
// subject the most, while the columns of dates and fixed words keep their width.
func TestRegisterColumnsShareTheWidth(t *testing.T) {
	s := mixedRegister(t)
	v, q, w := showView(t, s, "it")
	q.until(t, "the rows", func() bool { return settled(v) })
	own := map[string]float32{}
	for i, c := range columns {
		own[c.key] = v.widths[i]
	}
	w.Resize(fyne.NewSize(1024, 700))
	for i, x := range spreadColumns(v.widths, v.table.Size().Width) {
		if x != v.widths[i] {
			t.Errorf("1024 px: the %s column is %.0f px, its own width is %.0f", columns[i].key, x, v.widths[i])
		}
	}
	w.Resize(fyne.NewSize(1600, 700))
	drawn := columnWidths(v)
	if len(drawn) != len(columns) {
		t.Fatalf("1600 px: %d column titles drawn: %v", len(drawn), drawn)
	}
	var sum float32
	for _, x := range drawn {
		sum += x
	}
	if table := v.table.Size().Width; sum > table || sum < table-float32(len(columns)+1)*theme.Padding()-2 {
		t.Errorf("1600 px: the columns take %.0f px of a table of %.0f", sum, table)
	}
	grew := func(key string) float32 { return drawn[translations.T("it", "window.col."+key)] - own[key] }
	for _, key := range []string{"subject", "citizen", "office", "assignee"} {
		if grew(key) <= 20 {
			t.Errorf("the %s column grew by %.0f px only", key, grew(key))
		}
	}
	if grew("subject") <= grew("citizen") || grew("subject") > 0.75*(sum-1024) {
		t.Errorf("the subject took %.0f px, the citizen %.0f", grew("subject"), grew("citizen"))
	}
	for _, key := range []string{"number", "received", "kind", "status", "due"} {
		if grew(key) != 0 {
			t.Errorf("the %s column changed by %.0f px", key, grew(key))
		}
	}
}
