package letter

import (
	"github.com/jung-kurt/gofpdf"

	"ascolto/printing"
)

// The letter's text is laid out before anything is drawn: lines are measured and given
// a page and a position, so the page count ("Pagina 1 di 2") is known when the pages are
// drawn, and the two columns of a bilingual letter can be kept side by side.

// style is a font face and size with its line height (mm).
type style struct {
	face string // "" or "B"
	size float64
	lead float64
}

var (
	bodyStyle = style{"", 10, 4.9}
	boldStyle = style{"B", 10, 4.9}
	noteStyle = style{"", 7, 3.2}
)

// block is a paragraph: lines that belong together, with the space above it.
type block struct {
	st    style
	gap   float64
	lines []string
	// keep is the height (mm) that must fit on the page below the block's last line for
	// the block to stay on this page: the signature under the closing.
	keep float64
}

// placed is one line at its final place.
type placed struct {
	page int
	x, y float64 // y is the top of the line box
	w    float64
	st   style
	text string
}

// pos is where the next line of a column goes.
type pos struct {
	page int
	y    float64
}

func (p pos) after(q pos) bool { return p.page > q.page || p.page == q.page && p.y > q.y }

// page geometry of a letter, mm.
const (
	nextBodyTop = 26.0 // on the pages after the first, below the running header
	bodyBottom  = 262.0
)

// column flows blocks into one column of width w at x, starting at start.
type column struct {
	x, w float64
	out  *[]placed
}

// paragraph makes a block of text wrapped to the column's width.
func paragraph(pdf *gofpdf.Fpdf, text string, st style, w, gap float64) block {
	pdf.SetFont(printing.Family, st.face, st.size)
	return block{st: st, gap: gap, lines: printing.Wrap(pdf, text, w)}
}

// flow places b's lines from p on and returns where the column continues. A block
// starts on a new page when not even its first line fits, or when the room it must keep
// below itself does not.
func (c column) flow(b block, p pos) pos {
	switch {
	case !b.fits(p):
		p = pos{p.page + 1, nextBodyTop}
	case p.y > nextBodyTop: // no space above a block at the top of a page
		p.y += b.gap
	}
	for _, line := range b.lines {
		if p.y+b.st.lead > bodyBottom {
			p = pos{p.page + 1, nextBodyTop}
		}
		*c.out = append(*c.out, placed{page: p.page, x: c.x, y: p.y, w: c.w, st: b.st, text: line})
		p.y += b.st.lead
	}
	return p
}

// fits reports whether b can start at p: its first line, or all of it and the room it
// keeps below, before the bottom of the page.
func (b block) fits(p pos) bool {
	need := b.st.lead
	if b.keep > 0 {
		need = float64(len(b.lines))*b.st.lead + b.keep
	}
	y := p.y
	if y > nextBodyTop {
		y += b.gap
	}
	return y+need <= bodyBottom
}

// flowSideBySide lays out two columns whose blocks correspond (the German and the
// Italian text of a bilingual letter): block i of both starts at the same height, so a
// reader finds each paragraph beside its translation.
func flowSideBySide(left, right column, lb, rb []block, start pos) pos {
	pl, pr := start, start
	for i := 0; i < max(len(lb), len(rb)); i++ {
		at := pl
		if pr.after(pl) {
			at = pr
		}
		// the closings move to the next page together, with the signature
		if i < len(lb) && i < len(rb) && (!lb[i].fits(at) || !rb[i].fits(at)) {
			at = pos{at.page + 1, nextBodyTop}
		}
		if i < len(lb) {
			pl = left.flow(lb[i], at)
		}
		if i < len(rb) {
			pr = right.flow(rb[i], at)
		}
	}
	if pr.after(pl) {
		return pr
	}
	return pl
}
