// Package printing turns the register into paper: reply letters (printing/letter), register
// extracts (printing/extract), signatures (printing/signature), printers (printing/printer)
// and page previews (printing/preview). This file holds what they share: an A4 document
// with the embedded fonts, and text measured and wrapped the way it will be drawn.
package printing

import (
	"bytes"
	"strings"
	"time"
	"unicode"

	"github.com/jung-kurt/gofpdf"

	"ascolto/assets/fonts"
)

// Family is the embedded font family every document uses (the Go fonts): TrueType with
// the Latin letters of Italian, German and Ladin, the euro sign and typographic quotes.
// They are embedded as subsets, so a letter carries only the glyphs it shows and the
// text reads back exactly (pdftotext).
const Family = "ascolto"

// NewDocument starts an A4 document in millimetres with the embedded fonts, no automatic
// page breaks (the layouts paginate themselves, so that they know the page count before
// drawing "Pagina 1 di 2") and the given instant as creation date: the same input gives
// the same bytes.
func NewDocument(orientation string, created time.Time) *gofpdf.Fpdf {
	pdf := gofpdf.New(orientation, "mm", "A4", "")
	// Regular and bold only: each face costs the PDF library a few milliseconds per
	// document (it measures and subsets the whole font), and letters and extracts set
	// everything in these two. Each document gets its own copy of the font files: the
	// library pads tables in place while subsetting, which would write into the shared
	// font bytes (a data race when letters are made side by side).
	pdf.AddUTF8FontFromBytes(Family, "", bytes.Clone(fonts.Regular))
	pdf.AddUTF8FontFromBytes(Family, "B", bytes.Clone(fonts.Bold))
	// The library writes fonts and images in the order of its maps unless told to
	// sort them: without this, the same letter could come out with its objects in
	// another order, and so as other bytes with another SHA-256.
	pdf.SetCatalogSort(true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetCellMargin(0)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetProducer("Ascolto", true)
	pdf.SetCreator("Ascolto", true)
	pdf.SetFont(Family, "", 10)
	return pdf
}

// Clean makes text safe to draw: tabs and other control characters become spaces, and
// characters outside the Basic Multilingual Plane (emoji pasted from an e-mail), which
// the fonts cannot show and the PDF library cannot measure, become a question mark.
// Line breaks are kept.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r > 0xFFFF || r == unicode.ReplacementChar:
			b.WriteRune('?')
		case unicode.IsControl(r) || r == '\u00a0':
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isClean(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r > 0xFFFF || r == 0x7f || r == '\u00a0' || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// Wrap breaks text into lines no wider than width (mm) in the current font: at spaces,
// and inside a word only when the word alone is wider than the line (a long URL). Each
// "\n" starts a new line; an empty input line stays an empty line.
func Wrap(pdf *gofpdf.Fpdf, text string, width float64) []string {
	var out []string
	space := pdf.GetStringWidth(" ")
	for _, para := range strings.Split(Clean(text), "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		line, lineW := "", 0.0
		for _, w := range words {
			ww := pdf.GetStringWidth(w)
			for ww > width { // a word longer than the line is cut where it must be
				if line != "" {
					out = append(out, line)
					line, lineW = "", 0
				}
				head := fit(pdf, w, width)
				out = append(out, head)
				w = w[len(head):]
				ww = pdf.GetStringWidth(w)
			}
			switch {
			case line == "":
				line, lineW = w, ww
			case lineW+space+ww <= width:
				line += " " + w
				lineW += space + ww
			default:
				out = append(out, line)
				line, lineW = w, ww
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// fit is the longest start of w (whole runes, at least one) that fits in width.
func fit(pdf *gofpdf.Fpdf, w string, width float64) string {
	end := 0
	for i, r := range w {
		next := i + len(string(r))
		if end > 0 && pdf.GetStringWidth(w[:next]) > width {
			break
		}
		end = next
	}
	return w[:end]
}

// Ellipsis shortens text to fit width on one line, ending it with "…" if it had to be cut.
func Ellipsis(pdf *gofpdf.Fpdf, text string, width float64) string {
	text = strings.Join(strings.Fields(Clean(text)), " ")
	if pdf.GetStringWidth(text) <= width {
		return text
	}
	r := []rune(text)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r)) + "…"
}
