package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/translations"
)

// The register in each language: translated headers, kinds and statuses, dates in the
// language's form, the count above the table, and the overdue case marked in words and
// with an icon, not by colour alone.
func TestRegisterViewShowsTheRegister(t *testing.T) {
	cases := []struct {
		lang, title, count, overdue, number, received, kind, status, marker, due string
	}{
		{"it", "Ascolto — Ufficio relazioni con il pubblico", "3 pratiche", "1 scaduta", "N. protocollo",
			"15/06/2026 11:58", "reclamo", "ricevuta", "scaduta", "Scadenza"},
		{"de", "Ascolto — Bürgerservice", "3 Vorgänge", "1 überfällig", "Protokollnr.",
			"15.06.2026 11:58", "Beschwerde", "eingegangen", "überfällig", "Frist"},
		{"en", "Ascolto — Ufficio relazioni con il pubblico / Bürgerservice", "3 cases", "1 overdue", "Number",
			"2026-06-15 11:58", "complaint", "received", "overdue", "Due"},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			s := newRegister(t, 0)
			ctx := context.Background()
			late, err := s.Create(ctx, data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail,
				ReceivedAt: now.AddDate(0, 0, -30), Subject: "Rumore notturno in via Roma", Citizen: data.Citizen{Name: "Hans Gruber"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []int{3, 2} {
				if _, err := s.Create(ctx, data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelCounter,
					ReceivedAt: now.Add(-time.Duration(m) * time.Minute), Subject: "Orari dello sportello"}); err != nil {
					t.Fatal(err)
				}
			}
			v, q, w := showView(t, s, tc.lang)
			first := false
			v.OnFirstRows = func() { first = true }
			q.until(t, "the first rows", func() bool { return first })
			// The last refresh of the table happened in the same UI-thread call.
			root := w.Canvas().Content()

			if got := v.Title(); got != tc.title {
				t.Errorf("title %q, want %q", got, tc.title)
			}
			for _, want := range []string{tc.count, tc.overdue, tc.number, tc.due, tc.received, tc.kind, tc.status,
				"BZ-2026-000001", "BZ-2026-000002", "BZ-2026-000003", "Rumore notturno in via Roma", "Hans Gruber"} {
				if !shows(root, want) {
					t.Errorf("window does not show %q; it shows %q", want, texts(root))
				}
			}
			for _, col := range columns {
				if h := translations.T(tc.lang, col.header); h == col.header || !shows(root, h) {
					t.Errorf("header %s: %q not shown", col.header, h)
				}
			}
			if !mustGet(t, s, late.Number).Overdue {
				t.Fatal("the case received 30 days ago should be overdue")
			}
			// The overdue row: its due cell has the word and the warning icon.
			marked := 0
			for _, c := range cellsOf(v.table) {
				text := c.text
				overdueText := formatDay(mustGet(t, s, late.Number).DueDate, tc.lang) + " " + tc.marker
				if text == overdueText {
					marked++
					if c.icon == nil {
						t.Errorf("the overdue cell %q has no warning icon", text)
					}
				} else if c.icon != nil {
					t.Errorf("cell %q has a warning icon but is not an overdue due date", text)
				}
			}
			if marked != 1 {
				t.Errorf("%d cells marked overdue, want 1", marked)
			}
		})
	}
}

func mustGet(t *testing.T, s *data.Store, ref string) *data.Case {
	t.Helper()
	c, err := s.Get(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cellsOf lists the table's data cells on screen (header cells are bold).
func cellsOf(tb fyne.CanvasObject) []*cell {
	var out []*cell
	for _, o := range visibleObjects(tb) {
		if c, ok := o.(*cell); ok && c.Visible() {
			out = append(out, c)
		}
	}
	return out
}

// A register of a thousand cases: the count is formatted for the language, only the
// pages on screen are read, and scrolling far down brings the far rows.
func TestRegisterViewPagesThroughALargeRegister(t *testing.T) {
	const n = 1000
	s := newRegister(t, n)
	v, q, w := showView(t, s, "it")
	first := false
	v.OnFirstRows = func() { first = true }
	q.until(t, "the first rows", func() bool { return first })
	root := w.Canvas().Content()
	if !shows(root, "1.000 pratiche") {
		t.Errorf("count not shown as 1.000 pratiche: %q", texts(root))
	}
	if !shows(root, fmt.Sprintf("BZ-2026-%06d", n)) { // the newest comes first
		t.Errorf("newest case not on top: %q", texts(root))
	}

	const far = 900 // page 6
	want := fmt.Sprintf("BZ-2026-%06d", n-far)
	if shows(root, want) {
		t.Fatalf("%s shown before scrolling", want)
	}
	v.table.ScrollTo(widget.TableCellID{Row: far, Col: 0})
	q.until(t, want, func() bool { return shows(root, want) })

	v.pages.mu.Lock()
	loaded := len(v.pages.pages)
	_, farPage := v.pages.pages[far/pageSize]
	v.pages.mu.Unlock()
	if !farPage {
		t.Errorf("page %d was not read", far/pageSize)
	}
	if loaded > 3 {
		t.Errorf("%d pages in memory after looking at the top and at row %d: the view reads more than it shows", loaded, far)
	}
}

// An empty register says so, and still counts as shown (the screenshot is taken).
func TestRegisterViewEmpty(t *testing.T) {
	s := newRegister(t, 0)
	v, q, w := showView(t, s, "de")
	first := false
	v.OnFirstRows = func() { first = true }
	q.until(t, "the count", func() bool { return first })
	root := w.Canvas().Content()
	for _, want := range []string{"0 Vorgänge", "Das Register ist noch leer."} {
		if !shows(root, want) {
			t.Errorf("window does not show %q: %q", want, texts(root))
		}
	}
	if shows(root, "0 überfällig") {
		t.Error("an overdue count of zero is shown")
	}
}

// Reload shows a case added meanwhile and the new count.
func TestRegisterViewReload(t *testing.T) {
	s := newRegister(t, 2)
	v, q, w := showView(t, s, "it")
	q.until(t, "the first rows", func() bool { return v.firstDone })
	if _, err := s.Create(context.Background(), data.NewCase{Kind: data.KindPraise, Channel: data.ChannelCounter,
		ReceivedAt: now.Add(-time.Second), Subject: "Grazie"}); err != nil {
		t.Fatal(err)
	}
	v.Reload()
	root := w.Canvas().Content()
	q.until(t, "the new case", func() bool { return shows(root, "3 pratiche") && shows(root, "elogio") })
}
