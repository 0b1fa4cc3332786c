// Package extract prints a register extract: the cases of a filtered list as a table on
// landscape A4 pages, in Italian or German, for an office meeting or the file. The page
// says which filters made the list, when it was printed and how many cases it holds.
package extract

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"ascolto/data"
	"ascolto/printing"
	"ascolto/translations"
)

// MaxRows bounds an extract: a meeting reads a few hundred cases, and a list of a
// million belongs in an export (CSV, XLSX), not on paper.
const MaxRows = 5000

// Options choose the extract's language and cases.
type Options struct {
	Language string // "it", "de" or "en"
	Filter   data.Filter
	// Limit is how many cases at most (MaxRows if 0 or more).
	Limit int
}

// column of the table: header key, width (mm) and the cell's text.
type column struct {
	key   string
	width float64
	cell  func(c *data.Case, lang string) string
}

var columns = []column{
	{"field.number", 40, func(c *data.Case, _ string) string { return c.Number }},
	{"field.received", 20, func(c *data.Case, lang string) string { return short(c.ReceivedAt, lang) }},
	{"field.kind", 24, func(c *data.Case, lang string) string { return translations.T(lang, "kind."+string(c.Kind)) }},
	{"field.status", 26, func(c *data.Case, lang string) string { return translations.T(lang, "status."+string(c.Status)) }},
	{"field.due_date", 20, func(c *data.Case, lang string) string {
		d, err := time.ParseInLocation("2006-01-02", c.DueDate, data.Rome)
		if err != nil {
			return c.DueDate
		}
		return short(d, lang)
	}},
	{"field.citizen", 38, func(c *data.Case, _ string) string { return c.Citizen.Name }},
	{"field.subject", 81, func(c *data.Case, _ string) string { return c.Subject }},
	{"field.assignee", 24, func(c *data.Case, _ string) string { return c.Assignee }},
}

func short(t time.Time, lang string) string {
	switch lang {
	case "de":
		return t.In(data.Rome).Format("02.01.2006")
	case "it":
		return t.In(data.Rome).Format("02/01/2006")
	}
	return t.In(data.Rome).Format("2006-01-02")
}

// Page geometry (mm, landscape A4).
const (
	pageW, pageH = 297.0, 210.0
	margin       = 12.0
	rowH         = 6.2
	headerH      = 7.0
	firstTop     = 40.0
	nextTop      = 22.0
	bottom       = 196.0
)

// Render reads the filtered list from the register and returns the extract's PDF and
// the number of cases in it.
func Render(ctx context.Context, s *data.Store, o Options) ([]byte, int, error) {
	lang := o.Language
	if !translations.Supported(lang) {
		return nil, 0, data.Problemf("letter.err_language", "language", lang)
	}
	limit := o.Limit
	if limit <= 0 || limit > MaxRows {
		limit = MaxRows
	}
	total, err := s.Count(ctx, o.Filter)
	if err != nil {
		return nil, 0, err
	}
	var cases []*data.Case
	f := o.Filter
	for len(cases) < limit {
		f.Limit, f.Offset = min(500, limit-len(cases)), o.Filter.Offset+len(cases)
		page, err := s.List(ctx, f)
		if err != nil {
			return nil, 0, err
		}
		cases = append(cases, page...)
		if len(page) < f.Limit || f.Query != "" { // a ranked search gives one page
			break
		}
	}
	now := s.Now()
	pdf := printing.NewDocument("L", now)
	t := func(key string, kv ...string) string { return translations.T(lang, key, kv...) }
	office := s.Local().NameIT
	if lang == "de" {
		office = s.Local().NameDE
	}
	pdf.SetTitle(t("letter.extract.title")+" – "+office, true)

	perFirst := rowsBetween(firstTop, bottom)
	perNext := rowsBetween(nextTop, bottom)
	pages := 1
	if len(cases) > perFirst {
		pages += (len(cases) - perFirst + perNext - 1) / perNext
	}
	row := 0
	for p := 1; p <= pages; p++ {
		pdf.AddPage()
		y := nextTop
		if p == 1 {
			y = firstPageHead(pdf, t, office, filterText(o.Filter, lang), now, lang, len(cases), total)
		} else {
			text(pdf, margin, 12, pageW-2*margin, 'L', "B", 9, office+" – "+t("letter.extract.title"))
		}
		y = tableHead(pdf, t, y)
		n := perNext
		if p == 1 {
			n = perFirst
		}
		for i := 0; i < n && row < len(cases); i, row = i+1, row+1 {
			tableRow(pdf, cases[row], lang, y, row%2 == 1)
			y += rowH
		}
		text(pdf, margin, pageH-9, pageW-2*margin, 'R', "", 8,
			t("letter.pdf.page", "page", strconv.Itoa(p), "pages", strconv.Itoa(pages)))
		text(pdf, margin, pageH-9, pageW-2*margin, 'L', "", 8, office+" · "+t("letter.extract.printed_short", "date", short(now, lang)))
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, 0, &data.Problem{Key: "letter.err_render", Args: map[string]string{"detail": err.Error()}, Err: err}
	}
	return buf.Bytes(), len(cases), nil
}

func firstPageHead(pdf *gofpdf.Fpdf, t func(string, ...string) string, office, filters string, now time.Time, lang string, n, total int) float64 {
	w := pageW - 2*margin
	text(pdf, margin, 13, w, 'L', "B", 14, t("letter.extract.title"))
	text(pdf, margin, 13, w, 'R', "B", 10, office)
	pdf.SetFont(printing.Family, "", 9)
	text(pdf, margin, 21, w, 'L', "", 9, printing.Ellipsis(pdf, filters, w))
	count := t("letter.extract.count", "count", strconv.Itoa(n))
	if n < total {
		count = t("letter.extract.truncated", "count", strconv.Itoa(n), "total", strconv.Itoa(total))
	}
	text(pdf, margin, 27, w, 'L', "", 9, count+" · "+t("letter.extract.printed", "date", short(now, lang), "time", now.In(data.Rome).Format("15:04")))
	pdf.SetDrawColor(90, 90, 90)
	pdf.SetLineWidth(0.3)
	pdf.Line(margin, 34, pageW-margin, 34)
	return firstTop
}

func tableHead(pdf *gofpdf.Fpdf, t func(string, ...string) string, y float64) float64 {
	pdf.SetFillColor(225, 228, 232)
	pdf.Rect(margin, y, pageW-2*margin, headerH, "F")
	x := margin
	for _, c := range columns {
		text(pdf, x+1.5, y+2.2, c.width-3, 'L', "B", 8.5, t(c.key))
		x += c.width
	}
	return y + headerH
}

func tableRow(pdf *gofpdf.Fpdf, c *data.Case, lang string, y float64, shade bool) {
	if shade {
		pdf.SetFillColor(245, 246, 248)
		pdf.Rect(margin, y, pageW-2*margin, rowH, "F")
	}
	x := margin
	for _, col := range columns {
		s := col.cell(c, lang)
		style := ""
		if col.key == "field.status" && c.Overdue {
			// said in words, not in colour alone, as on the screen
			s = translations.T(lang, "letter.extract.overdue")
			style = "B"
			pdf.SetTextColor(170, 20, 20)
		}
		pdf.SetFont(printing.Family, style, 8.5)
		pdf.Text(x+1.5, y+2+8.5*25.4/72*0.8, printing.Ellipsis(pdf, s, col.width-3))
		pdf.SetTextColor(25, 25, 25)
		x += col.width
	}
	pdf.SetDrawColor(215, 215, 215)
	pdf.SetLineWidth(0.1)
	pdf.Line(margin, y+rowH, pageW-margin, y+rowH)
}

// text draws one line whose top is y (mm).
func text(pdf *gofpdf.Fpdf, x, y, w float64, align byte, style string, size float64, s string) {
	pdf.SetTextColor(25, 25, 25)
	pdf.SetFont(printing.Family, style, size)
	sw := pdf.GetStringWidth(s)
	switch align {
	case 'R':
		x += w - sw
	case 'C':
		x += (w - sw) / 2
	}
	pdf.Text(x, y+size*25.4/72*0.8, s)
}

// filterText says in words which cases the list holds.
func filterText(f data.Filter, lang string) string {
	t := func(key string, kv ...string) string { return translations.T(lang, key, kv...) }
	var parts []string
	names := func(field, prefix string, vals []string) {
		if len(vals) == 0 {
			return
		}
		var w []string
		for _, v := range vals {
			if prefix != "" {
				v = translations.T(lang, prefix+v)
			}
			w = append(w, v)
		}
		parts = append(parts, t(field)+": "+strings.Join(w, ", "))
	}
	strs := func(in any) []string {
		var out []string
		switch v := in.(type) {
		case []data.Status:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []data.Kind:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []data.Channel:
			for _, x := range v {
				out = append(out, string(x))
			}
		}
		return out
	}
	names("field.status", "status.", strs(f.Statuses))
	names("field.kind", "kind.", strs(f.Kinds))
	names("field.channel", "channel.", strs(f.Channels))
	names("field.office", "", f.Offices)
	if f.Overdue {
		parts = append(parts, t("letter.extract.overdue_only"))
	}
	if f.DueToday {
		parts = append(parts, t("letter.extract.due_today"))
	}
	day := func(d string) string {
		if tm, err := time.ParseInLocation("2006-01-02", d, data.Rome); err == nil {
			return short(tm, lang)
		}
		return d
	}
	if f.From != "" {
		parts = append(parts, t("letter.extract.from", "date", day(f.From)))
	}
	if f.To != "" {
		parts = append(parts, t("letter.extract.to", "date", day(f.To)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		parts = append(parts, t("letter.extract.query", "query", q))
	}
	if len(parts) == 0 {
		return t("letter.extract.all")
	}
	return t("letter.extract.filters", "filters", strings.Join(parts, " · "))
}

// rowsBetween is how many rows fit under the table's head from top to bottom.
func rowsBetween(top, bottom float64) int { return int((bottom - top - headerH) / rowH) }
