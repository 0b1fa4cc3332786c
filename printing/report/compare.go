package report

import (
	"io"
	"strings"
	"time"

	"ascolto/data"
	"ascolto/data/benchmarking"
)

// CompareValue writes one value of a benchmarking row the way its measure reads.
func (f *Format) CompareValue(m benchmarking.Measure, v *float64) string {
	if v == nil {
		return "–"
	}
	switch m {
	case benchmarking.Rate:
		return f.Rate(v)
	case benchmarking.Days:
		return f.Days(v)
	case benchmarking.Score:
		return f.Score(v)
	}
	return f.Int(int(*v))
}

// RowLabel names a benchmarking row: the indicator, and what it is about.
func (f *Format) RowLabel(r benchmarking.Row) string {
	label := f.T(r.Label)
	if r.Of != "" {
		label = f.Word(r.Of) + " · " + label
	}
	return label
}

// FileLabel names a compared file: its office (and municipality) and period.
func (f *Format) FileLabel(b *benchmarking.File) string {
	name := b.Office.Code
	if b.Office.Municipality != "" {
		name += " (" + b.Office.Municipality + ")"
	}
	return name
}

// Comparison writes benchmarking files side by side as a PDF table: one column per
// file, one row per indicator.
func Comparison(w io.Writer, c *benchmarking.Comparison, lang string, created time.Time) error {
	f := NewFormat(lang)
	title := f.T("stats.compare.title")
	return render(w, f, created, title, func(p *page) {
		p.section(title, 20)
		var who []string
		for _, b := range c.Files {
			src := b.Office
			who = append(who, b.Office.Code+": "+OfficeName(dataOffice(src), f.Lang)+", "+f.Period(b.Period.From, b.Period.To))
		}
		p.note(strings.Join(who, " · "), 8)
		n := len(c.Files)
		colW := min(32, (bodyW-70)/float64(max(n, 1)))
		cols := []column{{f.T("stats.col.indicator"), 0, "L"}}
		for _, b := range c.Files {
			cols = append(cols, column{f.FileLabel(b), colW, "R"})
		}
		cols = spread(cols[0], cols[1:]...)
		var rows [][]string
		for _, r := range c.Rows {
			row := []string{f.RowLabel(r)}
			for _, v := range r.Values {
				row = append(row, f.CompareValue(r.Measure, v))
			}
			rows = append(rows, row)
		}
		p.table(cols, rows)
		p.note(f.T("stats.compare.note", "min", f.Int(benchmarking.MinCell)), 7.5)
	})
}

func dataOffice(s benchmarking.Source) data.Office {
	return data.Office{Code: s.Code, NameIT: s.NameIT, NameDE: s.NameDE}
}
