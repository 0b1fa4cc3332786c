package report

import (
	"bytes"
	"io"
	"time"

	"github.com/jung-kurt/gofpdf"

	"ascolto/printing"
)

// Page geometry of the reports (A4 portrait, mm).
const (
	pageW   = 210.0
	pageH   = 297.0
	margin  = 16.0
	bodyW   = pageW - 2*margin
	bottom  = pageH - 16.0
	headTop = 14.0
)

// page is a report being laid out: a cursor down the page that starts a new page when
// what comes next does not fit, and the same running head and foot on every page.
type page struct {
	pdf   *gofpdf.Fpdf
	f     *Format
	y     float64
	head  string // running head: the report's title and office
	total int    // pages of the finished report, known on the second pass
}

// render lays a report out twice: the first pass counts the pages, so that every foot
// can say "page 2 of 3"; the second writes the PDF. Both passes draw the same thing.
func render(w io.Writer, f *Format, created time.Time, head string, body func(p *page)) error {
	pages := 0
	for pass := 0; pass < 2; pass++ {
		pdf := printing.NewDocument("P", created)
		pdf.SetTitle(head, true)
		p := &page{pdf: pdf, f: f, head: head, total: pages}
		pdf.SetFooterFunc(p.foot)
		p.newPage()
		body(p)
		if pass == 0 {
			pages = pdf.PageNo()
			pdf.Close()
			continue
		}
		var buf bytes.Buffer
		if err := pdf.Output(&buf); err != nil {
			return err
		}
		_, err := w.Write(buf.Bytes())
		return err
	}
	return nil
}

func (p *page) newPage() {
	p.pdf.AddPage()
	p.pdf.SetFont(printing.Family, "", 7.5)
	ink(p.pdf, colorMuted)
	p.pdf.SetXY(margin, 8)
	p.pdf.CellFormat(bodyW, 4, printing.Clean(p.head), "", 0, "LM", false, 0, "")
	p.y = headTop
}

func (p *page) foot() {
	pdf := p.pdf
	pdf.SetFont(printing.Family, "", 7.5)
	ink(pdf, colorMuted)
	draw(pdf, colorGrid)
	pdf.SetLineWidth(0.2)
	pdf.Line(margin, pageH-12, pageW-margin, pageH-12)
	pdf.SetXY(margin, pageH-11)
	pdf.CellFormat(bodyW/2, 4, "Ascolto", "", 0, "LM", false, 0, "")
	n := p.f.Int(pdf.PageNo())
	text := p.f.T("stats.page", "n", n, "of", p.f.Int(max(p.total, pdf.PageNo())))
	pdf.SetXY(margin+bodyW/2, pageH-11)
	pdf.CellFormat(bodyW/2, 4, text, "", 0, "RM", false, 0, "")
}

// need starts a new page unless h mm still fit on this one.
func (p *page) need(h float64) {
	if p.y+h > bottom {
		p.newPage()
	}
}

// section writes a heading; it keeps the heading with at least keep mm of what follows.
func (p *page) section(title string, keep float64) {
	p.need(10 + keep)
	p.y += 3
	p.pdf.SetFont(printing.Family, "B", 11)
	ink(p.pdf, colorText)
	p.pdf.SetXY(margin, p.y)
	p.pdf.CellFormat(bodyW, 6, printing.Clean(title), "", 0, "LM", false, 0, "")
	p.y += 7
}

// note writes a paragraph of small text, wrapped.
func (p *page) note(text string, size float64) {
	p.pdf.SetFont(printing.Family, "", size)
	lines := printing.Wrap(p.pdf, text, bodyW)
	lh := size * 0.45
	p.need(float64(len(lines)) * lh)
	ink(p.pdf, colorMuted)
	for _, l := range lines {
		p.pdf.SetXY(margin, p.y)
		p.pdf.CellFormat(bodyW, lh, l, "", 0, "LM", false, 0, "")
		p.y += lh
	}
	p.y += 1
}

// column of a table: its heading, share of the body's width, and alignment.
type column struct {
	head  string
	width float64 // mm
	align string  // "L" or "R"
}

// table draws a table with a shaded heading row, repeated on a new page.
func (p *page) table(cols []column, rows [][]string) {
	pdf := p.pdf
	const rowH = 5.2
	headRow := func() {
		pdf.SetFont(printing.Family, "B", 7.5)
		fill(pdf, colorShade)
		ink(pdf, colorText)
		x := margin
		for _, c := range cols {
			pdf.SetXY(x, p.y)
			pdf.CellFormat(c.width, rowH+0.8, padded(fitText(pdf, c.head, c.width-2), c.align), "", 0, c.align+"M", true, 0, "")
			x += c.width
		}
		p.y += rowH + 0.8
	}
	p.need(2 * rowH)
	headRow()
	pdf.SetFont(printing.Family, "", 8)
	for i, r := range rows {
		if p.y+rowH > bottom {
			p.newPage()
			headRow()
			pdf.SetFont(printing.Family, "", 8)
		}
		x := margin
		for j, c := range cols {
			ink(pdf, colorText)
			pdf.SetXY(x, p.y)
			pdf.CellFormat(c.width, rowH, padded(fitText(pdf, r[j], c.width-2), c.align), "", 0, c.align+"M", false, 0, "")
			x += c.width
		}
		draw(pdf, colorGrid)
		pdf.SetLineWidth(0.15)
		if i < len(rows)-1 {
			pdf.Line(margin, p.y+rowH, margin+tableWidth(cols), p.y+rowH)
		}
		p.y += rowH
	}
	p.y += 2
}

// padded keeps a cell's text off its neighbours: a space on the side it is aligned to.
func padded(s, align string) string {
	if align == "L" {
		return " " + s
	}
	return s + " "
}

func tableWidth(cols []column) float64 {
	w := 0.0
	for _, c := range cols {
		w += c.width
	}
	return w
}

// spread gives the first column what the others leave of the body's width.
func spread(first column, others ...column) []column {
	w := bodyW
	for _, c := range others {
		w -= c.width
	}
	first.width = w
	return append([]column{first}, others...)
}
