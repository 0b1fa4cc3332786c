package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

var egna = data.Office{Code: "EGNA", NameIT: "Centro di mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt"}

// TestOfficesAreShownByName: in German the register's filter, its office column and a
// case's forward list name the offices as the register holds them in German, never by
// their codes; the choice still stands for the code.
func TestOfficesAreShownByName(t *testing.T) {
	s := mixedRegister(t)
	if err := s.PutOffice(egna); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(tx *data.Tx) error {
		_, err := tx.Forward("BZ-2026-000002", "EGNA", "", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	v, q, _ := showView(t, s, "de")
	q.until(t, "the register", func() bool { return settled(v) && len(v.office.Options) == 3 })
	if want := []string{"Alle Ämter", "Arbeitsvermittlungszentrum Neumarkt", "Bürgerservice"}; !slices.Equal(v.office.Options, want) {
		t.Errorf("office filter offers %q", v.office.Options)
	}
	for _, o := range v.office.Options {
		if o == "EGNA" || o == "BZ" {
			t.Errorf("office filter offers a code: %q", v.office.Options)
		}
	}
	col := slices.IndexFunc(columns, func(c column) bool { return c.key == "office" })
	var shown []string
	for row := 0; row < v.total; row++ {
		c := newCell()
		v.updateCell(widget.TableCellID{Row: row, Col: col}, c)
		shown = append(shown, c.text)
	}
	if !slices.Contains(shown, "Arbeitsvermittlungszentrum Neumarkt") || slices.Contains(shown, "EGNA") || slices.Contains(shown, "BZ") {
		t.Errorf("office column shows %q", shown)
	}

	v.office.SetSelectedIndex(slices.Index(v.office.Options, "Arbeitsvermittlungszentrum Neumarkt"))
	if v.office.Value() != "EGNA" {
		t.Errorf("the German name stands for %q", v.office.Value())
	}

	sh, q2, _ := shellFor(t, s, "de", "")
	cv := showCase(t, sh, q2, "BZ-2026-000001")
	if !slices.Contains(cv.forwardOffice.Options, "Arbeitsvermittlungszentrum Neumarkt") || slices.Contains(cv.forwardOffice.Options, "EGNA") {
		t.Errorf("forward list offers %q", cv.forwardOffice.Options)
	}
	if cv.forwardOffice.Value() != "BZ" || cv.forwardOffice.Selected != "Bürgerservice" {
		t.Errorf("forward list shows %q for the case's office %q", cv.forwardOffice.Selected, cv.forwardOffice.Value())
	}
	// The line under the case's number names its office too.
	heading := func(part string) bool {
		return slices.ContainsFunc(texts(cv.root), func(s string) bool { return strings.HasSuffix(s, part) })
	}
	if !heading("· Amt Bürgerservice") || heading("· Amt BZ") {
		t.Errorf("the case's heading does not name its office: %q", texts(cv.root))
	}
}
