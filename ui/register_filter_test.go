package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// mixedRegister has cases of several kinds, citizens and deadlines: two of Jörg Müller
// (one overdue), one due today, and a few others.
func mixedRegister(t testing.TB) *data.Store {
	t.Helper()
	s := newRegister(t, 0)
	ctx := context.Background()
	add := func(kind data.Kind, ch data.Channel, received time.Time, subject, name, email string) *data.Case {
		c, err := s.Create(ctx, data.NewCase{Kind: kind, Channel: ch, ReceivedAt: received, Subject: subject,
			Citizen: data.Citizen{Name: name, Email: email, Language: data.German}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	add(data.KindComplaint, data.ChannelCounter, now.AddDate(0, 0, -30), "Wartezeiten am Schalter", "Jörg Müller", "")
	add(data.KindRequest, data.ChannelEmail, now.Add(-2*time.Hour), "Auskunft Umschulung", "Jörg Müller", "joerg@example.org")
	// Received Wednesday 10 June: three working days later is Monday 15 June, today.
	add(data.KindReport, data.ChannelPhone, time.Date(2026, 6, 10, 10, 0, 0, 0, data.Rome), "Terminale guasto", "Giulia Rossi", "")
	add(data.KindPraise, data.ChannelCounter, now.Add(-time.Hour), "Grazie per la cortesia", "Anna Pichler", "")
	add(data.KindRequest, data.ChannelCounter, now.Add(-30*time.Minute), "Iscrizione liste di mobilità", "Nicolò Bernardi", "")
	return s
}

// settled reports whether the list the filter asks for is counted and its first page
// has arrived.
func settled(v *RegisterView) bool {
	_, ok := v.pages.first()
	return v.counted && ok
}

// rowsShown lists the protocol numbers the table shows, top to bottom.
func rowsShown(v *RegisterView) []string {
	var out []string
	for i := 0; i < v.total; i++ {
		c, _ := v.pages.row(i)
		if c != nil {
			out = append(out, c.Number)
		}
	}
	return out
}

// The filter narrows the table: the search as typed (accents left out, as a clerk
// types a name), then a kind, then the overdue toggle; the count says how many of the
// register are shown; clearing shows everything again.
func TestFilterNarrowsTheTable(t *testing.T) {
	s := mixedRegister(t)
	v, q, w := showView(t, s, "it")
	q.until(t, "the first rows", func() bool { return v.firstDone })
	root := w.Canvas().Content()
	if len(rowsShown(v)) != 5 || !shows(root, "5 pratiche") {
		t.Fatalf("unfiltered: %v %q", rowsShown(v), texts(root))
	}

	typeInto(w, v.search, "muller")
	q.until(t, "the search", func() bool { return settled(v) && v.filter.Query == "muller" })
	if got := rowsShown(v); len(got) != 2 {
		t.Fatalf("muller finds %v, want Jörg Müller's two cases", got)
	}
	if !shows(root, "2 di 5 pratiche") {
		t.Errorf("count of the search not shown: %q", texts(root))
	}

	v.kind.SetValue(string(data.KindComplaint))
	q.until(t, "the kind filter", func() bool { return settled(v) && v.filter.Kind == "complaint" })
	if got := rowsShown(v); len(got) != 1 || got[0] != "BZ-2026-000001" {
		t.Fatalf("muller + complaint: %v", got)
	}

	test.Tap(v.clear)
	q.until(t, "the cleared filter", func() bool { return settled(v) && !v.filter.filtered() })
	if len(rowsShown(v)) != 5 || v.search.Text != "" || v.kind.Value() != "" {
		t.Fatalf("after clearing: %v %q %q", rowsShown(v), v.search.Text, v.kind.Value())
	}

	test.Tap(v.overdueBox)
	q.until(t, "the overdue filter", func() bool { return settled(v) && v.filter.Overdue })
	if got := rowsShown(v); len(got) != 1 || got[0] != "BZ-2026-000001" {
		t.Fatalf("overdue: %v", got)
	}
	test.Tap(v.todayBox) // the two deadline toggles exclude each other
	q.until(t, "the due-today filter", func() bool { return settled(v) && v.filter.DueToday && !v.filter.Overdue })
	if got := rowsShown(v); len(got) != 1 || got[0] != "BZ-2026-000003" || v.overdueBox.Checked {
		t.Fatalf("due today: %v (overdue still checked: %v)", got, v.overdueBox.Checked)
	}
	if !shows(root, "1 in scadenza oggi") {
		t.Errorf("the due-today count is not shown: %q", texts(root))
	}
}

// Overdue rows and rows due today carry an icon and a word in the due-date cell, not
// colour alone; the counts above the table say how many there are.
func TestUrgentRowsAreMarkedInWords(t *testing.T) {
	s := mixedRegister(t)
	for _, tc := range []struct{ lang, overdue, today, overdueCount, todayCount string }{
		{"it", "scaduta", "oggi", "1 scaduta", "1 in scadenza oggi"},
		{"de", "überfällig", "heute", "1 überfällig", "1 heute fällig"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			v, q, w := showView(t, s, tc.lang)
			q.until(t, "the first rows", func() bool { return v.firstDone })
			relayout(w)
			marks := map[string]fyne.Resource{}
			for _, c := range cellsOf(v.table) {
				if c.icon != nil {
					marks[c.text] = c.icon
				}
			}
			overdue := formatDay(mustGet(t, s, "BZ-2026-000001").DueDate, tc.lang) + " " + tc.overdue
			today := formatDay("2026-06-15", tc.lang) + " " + tc.today
			if marks[overdue] == nil || marks[overdue].Name() != overdueIcon().Name() || marks[today] == nil || marks[today].Name() != todayIcon().Name() || len(marks) != 2 {
				t.Errorf("marked cells %v; want %q with the warning and %q with the clock", marks, overdue, today)
			}
			root := w.Canvas().Content()
			for _, want := range []string{tc.overdueCount, tc.todayCount} {
				if !shows(root, want) {
					t.Errorf("%q not shown: %q", want, texts(root))
				}
			}
		})
	}
}

// A click on a column title sorts by it; a second click turns the order round.
func TestSortByColumn(t *testing.T) {
	s := mixedRegister(t)
	v, q, w := showView(t, s, "it")
	q.until(t, "the first rows", func() bool { return v.firstDone })
	relayout(w)
	var subjectHeader *headerCell
	for _, o := range visibleObjects(v.table) {
		if h, ok := o.(*headerCell); ok && h.text == "Oggetto" {
			subjectHeader = h
		}
	}
	if subjectHeader == nil {
		t.Fatal("no header Oggetto")
	}
	test.Tap(subjectHeader)
	q.until(t, "sorted by subject", func() bool { return settled(v) && v.filter.Sort == data.SortSubject })
	first, _ := v.pages.row(0)
	if first.Subject != "Auskunft Umschulung" {
		t.Errorf("ascending by subject starts with %q", first.Subject)
	}
	test.Tap(subjectHeader)
	q.until(t, "sorted by subject, descending", func() bool { return settled(v) && v.filter.Desc })
	first, _ = v.pages.row(0)
	if first.Subject != "Wartezeiten am Schalter" {
		t.Errorf("descending by subject starts with %q", first.Subject)
	}
}

// With the keyboard alone: Down leaves the search box for the table, Enter opens the
// case the keyboard is on.
func TestOpenACaseFromTheKeyboard(t *testing.T) {
	s := mixedRegister(t)
	v, q, w := showView(t, s, "it")
	q.until(t, "the first rows", func() bool { return v.firstDone })
	var opened *data.Case
	v.OnOpen = func(c *data.Case) { opened = c }
	typeInto(w, v.search, "bernardi")
	q.until(t, "the search", func() bool { return settled(v) && v.filter.Query == "bernardi" })
	key(w, fyne.KeyDown)
	if w.Canvas().Focused() != fyne.Focusable(v.table) {
		t.Fatalf("Down did not move into the table; focus on %T", w.Canvas().Focused())
	}
	key(w, fyne.KeyReturn)
	q.until(t, "the case to open", func() bool { return opened != nil })
	if opened.Citizen.Name != "Nicolò Bernardi" {
		t.Errorf("opened %s of %s", opened.Number, opened.Citizen.Name)
	}
	_ = widget.TableCellID{}
}

// The dashboard opens the cases behind a figure: several statuses at once and a period
// of receipt; the filter bar shows them, and clearing shows everything again.
func TestShowCasesFromTheDashboard(t *testing.T) {
	s := mixedRegister(t)
	sh, q, w := shellFor(t, s, "it", "")
	ctx := context.Background()
	if _, err := s.Reply(ctx, "BZ-2026-000004", "Grazie a Lei!", data.Italian, time.Time{}); err != nil {
		t.Fatal(err)
	}
	sh.ShowCases(data.Filter{Statuses: []data.Status{data.StatusAnswered, data.StatusClosed}, From: "2026-06-01", To: "2026-06-30"})
	v := sh.register
	q.until(t, "the dashboard's cases", func() bool { return settled(v) && v.filter.Status == "answered,closed" })
	if got := rowsShown(v); len(got) != 1 || got[0] != "BZ-2026-000004" {
		t.Fatalf("answered or closed in June: %v", got)
	}
	relayout(w)
	root := w.Canvas().Content()
	if v.status.Selected != "con risposta + chiusa" {
		t.Errorf("status shown as %q", v.status.Selected)
	}
	for _, want := range []string{"dall'01/06/2026 al 30/06/2026", "1 di 5 pratiche"} {
		if !shows(root, want) {
			t.Errorf("filter bar lacks %q: %q", want, texts(root))
		}
	}
	test.Tap(v.clear)
	q.until(t, "everything", func() bool { return settled(v) && !v.filter.filtered() })
	if v.period.Visible() || len(rowsShown(v)) != 5 {
		t.Errorf("after clearing: period shown %v, rows %v", v.period.Visible(), rowsShown(v))
	}
}
