package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"ascolto/data"
	"ascolto/data/demo"
	"ascolto/data/stats"
	"ascolto/translations"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// demoNow is when the demo register of the report tests is looked at.
var demoNow = time.Date(2026, 6, 15, 12, 0, 0, 0, data.Rome)

// demoRegister is a demo register of 3,000 cases over a year, with satisfaction,
// outcomes and improvement actions recorded: what a real report shows.

func demoRegister(t testing.TB) *data.Store {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), demo.Office(), data.Options{Clock: fixedClock{demoNow}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := demo.Generate(ctx, s, demo.Options{Count: 3000, Seed: 7, Span: 365 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	cases, err := s.List(ctx, data.Filter{Statuses: []data.Status{data.StatusAnswered, data.StatusClosed}, Limit: 400})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *data.Tx) error {
		for i, c := range cases {
			if _, err := tx.SetSatisfaction(c.Number, []int{5, 4, 4, 5, 3, 2, 5, 4, 1, 4}[i%10]); err != nil {
				return err
			}
			if _, err := tx.SetOutcome(c.Number, data.Outcomes[i%len(data.Outcomes)]); err != nil {
				return err
			}
		}
		a, err := tx.CreateAction(data.NewAction{Title: "Più posti a sedere nella sala d'attesa / Mehr Sitzplätze im Warteraum",
			Cause: "tempi di attesa", Owner: "m.ferrari", DueDate: "2026-05-31"})
		if err != nil {
			return err
		}
		if _, err := tx.LinkCategory(a.ID, "tempi di attesa", "2026-01-01", ""); err != nil {
			return err
		}
		_, err = tx.CreateAction(data.NewAction{Title: "Modulo online per i certificati", Cause: "certificati", Owner: "s.thaler", DueDate: "2026-09-30"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func options(t testing.TB, s *data.Store, lang string) Options {
	offices, err := s.Offices()
	if err != nil {
		t.Fatal(err)
	}
	actions, err := s.Actions(context.Background(), data.ActionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return Options{Lang: lang, Office: s.Local(), Offices: offices, Actions: actions, Created: demoNow}
}

// pdfText reads a PDF back with pdftotext (poppler-utils), as a person would copy it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// keep writes a produced file to REPORT_OUT (a folder), to look at it.
func keep(t *testing.T, name string, b []byte) {
	if dir := os.Getenv("REPORT_OUT"); dir != "" {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
}

// TestQualityReportInItalianAndGerman: the report reads back in its language, with the
// figures the indicators give, formatted the language's way.
func TestQualityReportInItalianAndGerman(t *testing.T) {
	s := demoRegister(t)
	ctx := context.Background()
	in, err := stats.Compute(ctx, s, stats.Query{From: "2026-01-01", To: "2026-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"it", "de", "en"} {
		var buf bytes.Buffer
		if err := Quality(&buf, in, options(t, s, lang)); err != nil {
			t.Fatal(err)
		}
		keep(t, "quality-"+lang+".pdf", buf.Bytes())
		text := pdfText(t, buf.Bytes())
		flat := strings.Join(strings.Fields(text), " ")
		f := NewFormat(lang)
		for _, want := range []string{
			translations.T(lang, "stats.report.title"), f.Period("2026-01-01", "2026-03-31"), f.Int(in.Total), f.Rate(in.OnTimeRate),
			translations.T(lang, "stats.chart.volumes"), translations.T(lang, "stats.section.phases"),
			translations.T(lang, "stats.month.2"), f.Word("kind.complaint"), "m.ferrari",
			translations.T(lang, "stats.page", "n", "1", "of", "3"),
		} {
			if !strings.Contains(flat, want) {
				t.Errorf("%s report lacks %q", lang, want)
			}
		}
	}
}

func TestXLSXAndCSV(t *testing.T) {
	s := demoRegister(t)
	in, err := stats.Compute(context.Background(), s, stats.Query{From: "2026-01-01", To: "2026-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := XLSX(&buf, in, options(t, s, "de")); err != nil {
		t.Fatal(err)
	}
	keep(t, "quality-de.xlsx", buf.Bytes())
	x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	sheets := x.GetSheetList()
	if len(sheets) != 14 || sheets[0] != "Übersicht" || sheets[1] != "Monate" {
		t.Errorf("sheets %v", sheets)
	}
	rows, _ := x.GetRows("Monate")
	if len(rows) != 4 || rows[1][0] != "Jän 2026" {
		t.Errorf("months sheet %v", rows)
	}
	// Counts are numbers, not text: a spreadsheet can add them up.
	if typ, _ := x.GetCellType("Monate", "B2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("a count is stored as text (%v)", typ)
	}
	if v, _ := x.GetCellValue("Übersicht", "B5", excelize.Options{RawCellValue: true}); v != strconv.Itoa(in.Total) {
		t.Errorf("total %q, want %d", v, in.Total)
	}
	buf.Reset()
	if err := CSV(&buf, in, ';'); err != nil {
		t.Fatal(err)
	}
	keep(t, "quality.csv", buf.Bytes())
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(CSVColumns, ",") || recs[1][0] != "all" || recs[1][2] != strconv.Itoa(in.Total) {
		t.Errorf("CSV head %v / %v", recs[0], recs[1])
	}
	if rate := recs[1][5]; !strings.HasPrefix(rate, "0,") {
		t.Errorf("with ';' a rate has a decimal comma: %q", rate)
	}
}

func TestSubjectAccessPDF(t *testing.T) {
	s := demoRegister(t)
	ctx := context.Background()
	cases, _ := s.List(ctx, data.Filter{Statuses: []data.Status{data.StatusClosed}, Limit: 1})
	rep, err := s.SubjectAccess(ctx, data.Subject{Refs: []string{cases[0].Number}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := SubjectAccess(&buf, rep, "de"); err != nil {
		t.Fatal(err)
	}
	keep(t, "access-de.pdf", buf.Bytes())
	flat := strings.Join(strings.Fields(pdfText(t, buf.Bytes())), " ")
	for _, want := range []string{"Personenbezogene Daten im Register", cases[0].Number, cases[0].Citizen.Name, "Art. 15 DSGVO"} {
		if !strings.Contains(flat, want) {
			t.Errorf("access PDF lacks %q", want)
		}
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ max, top, step float64 }{{0, 1, 1}, {3, 3, 1}, {7, 8, 2}, {95, 100, 25}, {43835, 50000, 20000}, {1234, 1500, 500}} {
		top, step := NiceScale(tc.max)
		if top < tc.max || top/step > 6 || step <= 0 {
			t.Errorf("NiceScale(%v) = %v, %v", tc.max, top, step)
		}
	}
}
