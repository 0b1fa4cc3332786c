package ui

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/benchmarking"
	"ascolto/data/demo"
	"ascolto/data/stats"
	"ascolto/printing/history"
	"ascolto/printing/report"
	"ascolto/translations"
)

// dashNow is when the dashboard tests look at their register: mid-June 2026.
var dashNow = time.Date(2026, 6, 15, 12, 0, 0, 0, data.Rome)

type dashClock struct{}

func (dashClock) Now() time.Time { return dashNow }

// dashRegister is a demo register of 2,500 cases over eighteen months, with satisfaction
// recorded and an improvement action linked to its cases.
func dashRegister(t testing.TB) *data.Store {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), demo.Office(), data.Options{Clock: dashClock{}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := demo.Generate(ctx, s, demo.Options{Count: 2500, Seed: 3, Span: 540 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	cases, err := s.List(ctx, data.Filter{Statuses: []data.Status{data.StatusClosed}, Limit: 300})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *data.Tx) error {
		for i, c := range cases {
			if _, err := tx.SetSatisfaction(c.Number, []int{5, 4, 3, 5, 2, 4}[i%6]); err != nil {
				return err
			}
		}
		a, err := tx.CreateAction(data.NewAction{Title: "Più posti a sedere nella sala d'attesa", Cause: "tempi di attesa",
			Owner: "m.ferrari", DueDate: "2026-05-31"})
		if err != nil {
			return err
		}
		_, err = tx.LinkCategory(a.ID, "tempi di attesa", "2026-01-01", "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// showDashboard opens the dashboard in a window of a laptop's size and waits for its
// figures; opened collects the filters it asks the register to show.
func showDashboard(t testing.TB, s *data.Store, lang string) (*Dashboard, fyne.Window, *[]data.Filter) {
	t.Helper()
	q := make(uiQueue, 1000)
	var opened []data.Filter
	d := newDashboard(s, lang, func(f data.Filter) { opened = append(opened, f) }, q.do)
	w := test.NewWindow(d)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1366, 900))
	q.until(t, "the figures", func() bool { return d.ready })
	return d, w, &opened
}

func dashTexts(o fyne.CanvasObject) string { return strings.Join(texts(o), " | ") }

// saveCapture writes what the window shows to DASHBOARD_OUT (a folder), to look at it.
func saveCapture(t *testing.T, w fyne.Window, name string) {
	dir := os.Getenv("DASHBOARD_OUT")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	png.Encode(f, w.Canvas().Capture())
}

// TestDashboardInItalianAndGerman: this year's figures, in the language's words and
// number forms, as the indicators give them.
func TestDashboardInItalianAndGerman(t *testing.T) {
	test.NewTempApp(t)
	s := dashRegister(t)
	want, err := stats.Compute(context.Background(), s, stats.Query{From: "2026-01-01", To: "2026-06-15"})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"it", "de"} {
		d, w, _ := showDashboard(t, s, lang)
		f := report.NewFormat(lang)
		all := dashTexts(w.Canvas().Content())
		for _, text := range []string{
			translations.T(lang, "stats.total"), f.Int(want.Total), translations.T(lang, "stats.on_time_rate"), f.Rate(want.OnTimeRate),
			translations.T(lang, "stats.chart.volumes"), translations.T(lang, "stats.month.3"),
			f.Word("kind.complaint"), history.OfficeName(demo.Office(), lang), map[string]string{"it": "Centro di mediazione lavoro Merano", "de": "Arbeitsvermittlungszentrum Meran"}[lang], f.Rate(want.Group(stats.DimOffice, "BZ").OnTimeRate),
		} {
			if !strings.Contains(all, text) {
				t.Errorf("%s dashboard lacks %q", lang, text)
			}
		}
		// offices are named in the language, not by their codes
		for _, o := range texts(d.officeT) {
			if o == "MERANO" || o == "EGNA" || o == "BRESSANONE" {
				t.Errorf("%s office table shows the code %q", lang, o)
			}
		}
		if d.period.Selected != translations.T(lang, "stats.dash.this_year") || d.in.Total != want.Total || d.query.From != "2026-01-01" {
			t.Errorf("%s: %d cases from %s", lang, d.in.Total, d.query.From)
		}
		saveCapture(t, w, "dashboard-"+lang+".png")
	}
}

// TestDashboardClickThrough: a bar, a tile, an office and a case of an action open the
// cases behind them.
func TestDashboardClickThrough(t *testing.T) {
	test.NewTempApp(t)
	s := dashRegister(t)
	d, w, opened := showDashboard(t, s, "it")
	vol := d.charts[0]
	if len(vol.hits) == 0 {
		t.Fatal("the volumes chart has nothing to click")
	}
	// The first segment of March: requests received in March 2026.
	var h dashHit
	for _, x := range vol.hits {
		if d.in.Months[x.i].Key == "2026-03" && x.s == 0 {
			h = x
		}
	}
	vol.Tapped(&fyne.PointEvent{Position: h.pos.Add(fyne.NewPos(h.size.Width/2, h.size.Height/2))})
	if len(*opened) != 1 {
		t.Fatalf("tapping a bar opened %d lists", len(*opened))
	}
	got := (*opened)[0]
	if got.From != "2026-03-01" || got.To != "2026-03-31" || len(got.Kinds) != 1 || got.Kinds[0] != data.KindRequest {
		t.Errorf("bar opened %+v", got)
	}
	if n, _ := s.Count(context.Background(), got); n != d.in.Months[2].ByKind["request"] {
		t.Errorf("the list has %d cases, the bar says %d", n, d.in.Months[2].ByKind["request"])
	}
	for _, o := range visibleObjects(w.Canvas().Content()) {
		if tile, ok := o.(*dashTile); ok && tile.label == "Scadute, tra le ricevute nel periodo" {
			tile.Tapped(nil)
		}
		if b, ok := o.(*widget.Button); ok && b.Text == "Centro di mediazione lavoro Merano" && len(*opened) == 2 {
			test.Tap(b)
		}
	}
	if len(*opened) != 3 || !(*opened)[1].Overdue || (*opened)[2].Offices[0] != "MERANO" || (*opened)[2].From != "2026-01-01" {
		t.Errorf("tile and office opened %+v", (*opened)[1:])
	}
	cat := d.charts[3]
	cat.Tapped(&fyne.PointEvent{Position: cat.hits[0].pos.Add(fyne.NewPos(5, 5))})
	if last := (*opened)[len(*opened)-1]; last.Query != d.in.Groups[stats.DimCategory][0].Key {
		t.Errorf("category opened %+v", last)
	}
	// The action's cases: one opens by its number.
	actions, _ := s.Actions(context.Background(), data.ActionFilter{Pending: true})
	q := make(uiQueue, 100)
	d.do = q.do
	d.showBehind(actions[0])
	q.until(t, "the cases behind the action", func() bool { return len(d.behind.Objects) > 1 })
	d.tabs.SelectIndex(1)
	saveCapture(t, w, "dashboard-actions-it.png")
	b := d.behind.Objects[1].(*widget.Button)
	test.Tap(b)
	if last := (*opened)[len(*opened)-1]; !strings.HasPrefix(b.Text, last.Query) || !strings.HasPrefix(last.Query, "BZ-") &&
		!strings.Contains(last.Query, "-2026-") {
		t.Errorf("a case of the action opened %+v (%q)", last, b.Text)
	}
}

// TestDashboardBenchmarking: files of other offices appear beside this office; a file
// that is not one is refused in words.
func TestDashboardBenchmarking(t *testing.T) {
	test.NewTempApp(t)
	s := dashRegister(t)
	d, w, _ := showDashboard(t, s, "de")
	dir := t.TempDir()
	in, err := stats.Compute(context.Background(), s, stats.Query{From: "2026-01-01", To: "2026-03-31", Offices: []string{"EGNA"}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "egna.json")
	egna := data.Office{Code: "EGNA", NameIT: "Egna", NameDE: "Neumarkt"}
	if err := benchmarking.New(in, egna, "Comune di Egna", benchmarking.Period{From: "2026-01-01", To: "2026-03-31"}, "2026-04-01").Write(path); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "notes.json")
	os.WriteFile(bad, []byte(`{"hello": 1}`), 0o644)
	d.addBenchmark(bad)
	if !strings.Contains(d.benchE.Text, "notes.json") {
		t.Errorf("a wrong file is not refused in words: %q", d.benchE.Text)
	}
	d.addBenchmark(path)
	d.tabs.SelectIndex(2)
	f := report.NewFormat("de")
	all := dashTexts(d.bench)
	for _, text := range []string{"BZ (dieses Register, alle Ämter)", "EGNA (Comune di Egna)", f.Rate(in.OnTimeRate), translations.T("de", "stats.on_time_rate")} {
		if !strings.Contains(all, text) {
			t.Errorf("comparison lacks %q: %s", text, all)
		}
	}
	saveCapture(t, w, "dashboard-benchmark-de.png")
}

// BenchmarkDashboardOpen: from building the dashboard to its figures on screen, on the
// register named by ASCOLTO_BENCH_REGISTER (a million demo cases: bench/stats) or the
// test register.
func BenchmarkDashboardOpen(b *testing.B) {
	var s *data.Store
	if path := os.Getenv("ASCOLTO_BENCH_REGISTER"); path != "" {
		var err error
		if s, err = data.Open(path, data.Options{}); err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if err := stats.Refresh(context.Background(), s, nil); err != nil { // built once, as on any later start
			b.Fatal(err)
		}
	} else {
		s = dashRegister(b)
	}
	test.NewTempApp(b)
	for _, tc := range []struct {
		name   string
		preset int
	}{{"this-year", 0}, {"whole-register", 5}} {
		b.Run(tc.name, func(b *testing.B) {
			var worst time.Duration
			for b.Loop() {
				t0 := time.Now()
				q := make(uiQueue, 1000)
				d := newDashboard(s, "it", nil, q.do)
				if tc.preset > 0 {
					d.period.SetSelectedIndex(tc.preset)
				}
				w := test.NewWindow(d)
				w.Resize(fyne.NewSize(1366, 900))
				q.until(b, "the figures", func() bool { return d.ready && d.query.From == d.presets[tc.preset].from })
				worst = max(worst, time.Since(t0))
				w.Close()
			}
			b.ReportMetric(float64(worst.Milliseconds()), "max-ms")
		})
	}
}

// TestDashboardSavesReports: what the export buttons write is the period's report.
func TestDashboardSavesReports(t *testing.T) {
	test.NewTempApp(t)
	s := dashRegister(t)
	d, _, _ := showDashboard(t, s, "de")
	for format, magic := range map[string]string{"pdf": "%PDF-", "xlsx": "PK"} {
		var buf bytes.Buffer
		if err := d.writeReport(&buf, format, d.in); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(buf.String(), magic) || buf.Len() < 2000 {
			t.Errorf("%s: %d bytes starting %q", format, buf.Len(), buf.String()[:min(8, buf.Len())])
		}
	}
}
