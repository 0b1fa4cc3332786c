package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// largeText is the window's theme with its text sizes multiplied by f: the larger
// text a clerk with poor sight sets (EN 301 549 9.1.4.4, text resized to 200%).
type largeText struct {
	fyne.Theme
	f float32
}

func (l largeText) Size(n fyne.ThemeSizeName) float32 {
	s := l.Theme.Size(n)
	switch n {
	case theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText, theme.SizeNameCaptionText:
		return s * l.f
	}
	return s
}

// drawnText is a text with the part of it the window shows: a scroll container (an
// entry's too) clips what lies outside it.
type drawnText struct {
	text       string
	x, y, w, h float32
}

// drawnTexts lists the visible texts under o with their shown rectangles.
func drawnTexts(o fyne.CanvasObject) []drawnText {
	d := fyne.CurrentApp().Driver()
	type rect struct{ x0, y0, x1, y1 float32 }
	var out []drawnText
	var walk func(o fyne.CanvasObject, clip rect)
	walk = func(o fyne.CanvasObject, clip rect) {
		if o == nil || !o.Visible() {
			return
		}
		p := d.AbsolutePositionForObject(o)
		s := o.Size()
		var kids []fyne.CanvasObject
		switch x := o.(type) {
		case *canvas.Text:
			r := rect{max(clip.x0, p.X), max(clip.y0, p.Y), min(clip.x1, p.X+x.MinSize().Width), min(clip.y1, p.Y+s.Height)}
			if x.Text != "" && r.x1 > r.x0 && r.y1 > r.y0 {
				out = append(out, drawnText{x.Text, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0})
			}
			return
		case *container.Scroll, *widget.Table, *caseTable: // a table scrolls sideways itself
			clip = rect{max(clip.x0, p.X), max(clip.y0, p.Y), min(clip.x1, p.X+s.Width), min(clip.y1, p.Y+s.Height)}
		}
		switch x := o.(type) {
		case *fyne.Container:
			kids = x.Objects
		case fyne.Widget:
			kids = test.WidgetRenderer(x).Objects()
		}
		for _, k := range kids {
			walk(k, clip)
		}
	}
	walk(o, rect{-1e9, -1e9, 1e9, 1e9})
	return out
}

// overlappingTexts lists pairs of texts under o drawn one over the other, and texts
// cut at the window's right edge.
func overlappingTexts(o fyne.CanvasObject, width float32) [][2]string {
	ts := drawnTexts(o)
	var out [][2]string
	for i, a := range ts {
		if a.x+a.w > width+1 {
			out = append(out, [2]string{a.text, "(the window's edge)"})
		}
		for _, b := range ts[i+1:] {
			if a.x < b.x+b.w-1 && b.x < a.x+a.w-1 && a.y < b.y+b.h-2 && b.y < a.y+a.h-2 {
				out = append(out, [2]string{a.text, b.text})
			}
		}
	}
	return out
}

// At scale 1 the window's content needs no more than 1024x700; with the text twice as
// large the main screens lay their texts out without one over another.
func TestUsableAt1024AndWithLargeText(t *testing.T) {
	for _, f := range []float32{1, 2} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(largeText{OfficeTheme(), f})
		s := mixedRegister(t)
		sh, q, w := shellFor(t, s, "it", "")
		size := fyne.NewSize(1024, 700)
		w.Resize(size)
		if f == 1 {
			contentFits(t, w, size, "the register")
		}
		screens := []struct {
			name string
			show func()
		}{
			{"register", sh.ShowRegister},
			{"intake", sh.ShowIntake},
			{"settings", sh.ShowSettings},
			{"case", func() {
				list, _ := s.List(t.Context(), data.Filter{Limit: 1})
				showCase(t, sh, q, list[0].Number)
			}},
		}
		for _, sc := range screens {
			sc.show()
			relayout(w)
			if f == 1 {
				contentFits(t, w, size, sc.name)
			}
			if o := overlappingTexts(w.Canvas().Content(), size.Width); len(o) > 0 {
				t.Errorf("text at %.0f%%, %s: %d texts over others, e.g. %q", f*100, sc.name, len(o), o[:min(3, len(o))])
			}
		}
	}
}

// The register's table follows the theme's text size: with the text twice as large its
// cells draw their text twice as large, each row is tall enough for it (nothing cut at
// the top or the bottom), and the protocol numbers still fit their column whole.
func TestRegisterTableTextFollowsTheTextSize(t *testing.T) {
	drawn := map[float32]float32{}
	for _, f := range []float32{1, 2} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(largeText{OfficeTheme(), f})
		s := mixedRegister(t)
		sh, q, w := shellFor(t, s, "it", "")
		w.Resize(fyne.NewSize(1024, 700))
		q.until(t, "the rows", func() bool { return settled(sh.register) && shows(w.Content(), "BZ-2026-000001") })
		relayout(w)
		rows := 0
		for _, o := range visibleObjects(sh.register.table) {
			c, ok := o.(*cell)
			if !ok || c.text == "" {
				continue
			}
			text := test.WidgetRenderer(c).(*cellRenderer).text
			if size, seen := drawn[f]; seen && size != text.TextSize {
				t.Fatalf("at %.0f%% cells draw at %v and at %v", f*100, size, text.TextSize)
			}
			drawn[f] = text.TextSize
			need := fyne.MeasureText(text.Text, text.TextSize, text.TextStyle).Height
			if top, bottom := text.Position().Y, text.Position().Y+need; top < 0 || bottom > c.Size().Height {
				t.Errorf("at %.0f%% the text %q (%.0f px high) is cut by its row of %.0f px", f*100, text.Text, need, c.Size().Height)
			}
			if strings.HasPrefix(c.text, "BZ-2026-") {
				rows++
				if text.Text != c.text {
					t.Errorf("at %.0f%% the protocol number is cut: %q", f*100, text.Text)
				}
			}
		}
		if rows == 0 {
			t.Fatalf("at %.0f%% no rows found", f*100)
		}
	}
	if drawn[2] != 2*drawn[1] {
		t.Errorf("the table's text is %v px at 100%% and %v px at 200%%, want twice as large", drawn[1], drawn[2])
	}
}

// With the text twice as large the register's filter bar no longer fits one line of a
// 1024 px window: the search box takes a line of its own and the filters wrap, so that
// the search box keeps a usable width, no filter lies beyond the window's edge, and the
// table starts below them; the reminder's line at the foot wraps as well, its figures
// not drawn over each other.
func TestRegisterFilterBarReflowsWithLargeText(t *testing.T) {
	for _, f := range []float32{1, 2} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(largeText{OfficeTheme(), f})
		s := mixedRegister(t)
		sh, q, w := shellFor(t, s, "it", "")
		w.Resize(fyne.NewSize(1024, 700))
		v := sh.register
		checked := false
		sh.reminder.done = func() { checked = true }
		sh.reminder.Check() // the foot's figures, whose line wraps too
		q.until(t, "the rows and the reminder", func() bool { return settled(v) && checked })
		relayout(w)
		d := fyne.CurrentApp().Driver()
		var bottom float32
		q.until(t, "the filter bar laid out", func() bool {
			bottom = 0
			for _, o := range []fyne.CanvasObject{v.search, v.kind, v.status, v.channel, v.office, v.overdueBox, v.todayBox, v.clear} {
				bottom = max(bottom, d.AbsolutePositionForObject(o).Y+o.Size().Height)
			}
			return d.AbsolutePositionForObject(v.table).Y >= bottom
		})
		if got := v.search.Size().Width; got < 150 {
			t.Errorf("at %.0f%% the search box is %.0f px wide", f*100, got)
		}
		for _, o := range []fyne.CanvasObject{v.kind, v.status, v.channel, v.office, v.overdueBox, v.todayBox, v.clear} {
			p := d.AbsolutePositionForObject(o)
			if p.X < 0 || p.X+o.Size().Width > 1024+1 || o.Size().Width < o.MinSize().Width {
				t.Errorf("at %.0f%% a filter (%T) lies at %.0f…%.0f, past the window's width", f*100, o, p.X, p.X+o.Size().Width)
			}
		}
		if o := overlappingTexts(w.Canvas().Content(), 1024); len(o) > 0 {
			t.Errorf("at %.0f%%: %d texts over others, e.g. %q", f*100, len(o), o[:min(3, len(o))])
		}
	}
}
