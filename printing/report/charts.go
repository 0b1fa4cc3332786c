package report

import (
	"math"

	"github.com/jung-kurt/gofpdf"

	"ascolto/data"
	"ascolto/printing"
)

// RGB is a colour of the charts.
type RGB struct{ R, G, B int }

// KindColors are the kinds' colours: the Okabe–Ito palette, which readers with the
// common colour-vision deficiencies tell apart, so that a chart never depends on red
// against green. The dashboard uses the same colours, so paper and screen agree.
var KindColors = map[data.Kind]RGB{
	data.KindRequest:    {0, 114, 178},   // blue
	data.KindProposal:   {230, 159, 0},   // orange
	data.KindReport:     {0, 158, 115},   // bluish green
	data.KindSuggestion: {204, 121, 167}, // reddish purple
	data.KindComplaint:  {213, 94, 0},    // vermillion
	data.KindPraise:     {86, 180, 233},  // sky blue
}

// Colours of meaning: within the promise, late, and plain figures.
var (
	ColorOnTime = RGB{0, 158, 115}
	ColorLate   = RGB{213, 94, 0}
	ColorMain   = RGB{0, 114, 178}
	colorGrid   = RGB{220, 220, 220}
	colorAxis   = RGB{110, 110, 110}
	colorText   = RGB{30, 30, 30}
	colorMuted  = RGB{100, 100, 100}
	colorShade  = RGB{240, 243, 247}
)

func fill(pdf *gofpdf.Fpdf, c RGB) { pdf.SetFillColor(c.R, c.G, c.B) }
func draw(pdf *gofpdf.Fpdf, c RGB) { pdf.SetDrawColor(c.R, c.G, c.B) }
func ink(pdf *gofpdf.Fpdf, c RGB)  { pdf.SetTextColor(c.R, c.G, c.B) }

// NiceScale chooses the top of an axis and its step (1, 2 or 5 times a power of ten) so
// that about four gridlines cover max.
func NiceScale(max float64) (top, step float64) {
	if max <= 0 {
		return 1, 1
	}
	raw := max / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	if step < 1 {
		step = 1 // counts: no gridline at 0.5 cases
	}
	return math.Ceil(max/step) * step, step
}

// box is a chart's plotting area in mm.
type box struct{ x, y, w, h float64 }

// yAxis draws the gridlines and their labels of an axis from 0 to top and returns the
// plotting area right of the labels.
func yAxis(pdf *gofpdf.Fpdf, b box, top, step float64, label func(float64) string) box {
	pdf.SetFont(printing.Family, "", 7)
	labelW := 0.0
	for v := 0.0; v <= top+step/2; v += step {
		labelW = math.Max(labelW, pdf.GetStringWidth(label(v)))
	}
	plot := box{b.x + labelW + 2, b.y, b.w - labelW - 2, b.h}
	pdf.SetLineWidth(0.15)
	for v := 0.0; v <= top+step/2; v += step {
		y := plot.y + plot.h - v/top*plot.h
		draw(pdf, colorGrid)
		pdf.Line(plot.x, y, plot.x+plot.w, y)
		ink(pdf, colorMuted)
		pdf.SetXY(b.x, y-2)
		pdf.CellFormat(labelW, 4, label(v), "", 0, "RM", false, 0, "")
	}
	draw(pdf, colorAxis)
	pdf.SetLineWidth(0.25)
	pdf.Line(plot.x, plot.y+plot.h, plot.x+plot.w, plot.y+plot.h)
	return plot
}

// xLabels writes the category labels under the bars, every step-th when they are many.
func xLabels(pdf *gofpdf.Fpdf, plot box, labels []string, sub func(i int) string) {
	pdf.SetFont(printing.Family, "", 7)
	ink(pdf, colorMuted)
	slot := plot.w / float64(len(labels))
	every := 1
	for every < len(labels) {
		widest := 0.0
		for i := 0; i < len(labels); i += every {
			widest = math.Max(widest, pdf.GetStringWidth(labels[i]))
		}
		if widest+1 <= slot*float64(every) {
			break
		}
		every++
	}
	// One label per bar is centred under it; when only every few bars get one, it
	// starts at its bar.
	align, w := "CT", slot
	if every > 1 {
		align, w = "LT", slot*float64(every)
	}
	for i := 0; i < len(labels); i++ {
		if i%every == 0 {
			pdf.SetXY(plot.x+float64(i)*slot, plot.y+plot.h+0.8)
			pdf.CellFormat(w, 3.5, labels[i], "", 0, align, false, 0, "")
		}
		if s := sub(i); s != "" {
			pdf.SetXY(plot.x+float64(i)*slot, plot.y+plot.h+4)
			pdf.CellFormat(w, 3.5, s, "", 0, align, false, 0, "")
		}
	}
}

// StackedBars draws one bar per label, stacked from the series (stacks[s][i] is series
// s at label i) in the given colours.
func stackedBars(pdf *gofpdf.Fpdf, b box, f *Format, labels []string, sub func(int) string, stacks [][]float64, colors []RGB) {
	if len(labels) == 0 {
		return
	}
	max := 0.0
	for i := range labels {
		sum := 0.0
		for s := range stacks {
			sum += stacks[s][i]
		}
		max = math.Max(max, sum)
	}
	top, step := NiceScale(max)
	plot := yAxis(pdf, box{b.x, b.y, b.w, b.h - 8}, top, step, func(v float64) string { return f.Int(int(v)) })
	slot := plot.w / float64(len(labels))
	bw := slot * 0.72
	for i := range labels {
		y := plot.y + plot.h
		for s := range stacks {
			h := stacks[s][i] / top * plot.h
			if h <= 0 {
				continue
			}
			fill(pdf, colors[s])
			pdf.Rect(plot.x+float64(i)*slot+(slot-bw)/2, y-h, bw, h, "F")
			y -= h
		}
	}
	// Kept apart so that the bars' sides do not fall on a label's clipping.
	xLabels(pdf, plot, labels, sub)
}

// rateLine draws rates (0..1) per label as a line with dots; nil breaks the line (no
// replies that month). The axis starts at floor of the lowest rate (in tens) so that a
// drop from 95 % to 88 % shows; the axis labels say where it starts.
func rateLine(pdf *gofpdf.Fpdf, b box, f *Format, labels []string, sub func(int) string, rates []*float64, color RGB) {
	if len(labels) == 0 {
		return
	}
	low := 1.0
	for _, r := range rates {
		if r != nil {
			low = math.Min(low, *r)
		}
	}
	bottom := math.Max(0, math.Floor(low*10-0.5)/10)
	if bottom > 0.9 {
		bottom = 0.9
	}
	span := 1 - bottom
	step := 0.1
	if span > 0.5 {
		step = 0.2
	}
	plot := yAxis(pdf, box{b.x, b.y, b.w, b.h - 8}, span, step, func(v float64) string {
		r := bottom + v
		return f.Rate(&r)
	})
	slot := plot.w / float64(len(labels))
	var px, py float64
	have := false
	pdf.SetLineWidth(0.6)
	draw(pdf, color)
	fill(pdf, color)
	for i, r := range rates {
		if r == nil {
			have = false
			continue
		}
		x := plot.x + (float64(i)+0.5)*slot
		y := plot.y + plot.h - (*r-bottom)/span*plot.h
		if have {
			pdf.Line(px, py, x, y)
		}
		pdf.Circle(x, y, 0.9, "F")
		if len(labels) <= 13 {
			pdf.SetFont(printing.Family, "", 6.5)
			ink(pdf, colorText)
			pdf.SetXY(x-8, y-4.6)
			pdf.CellFormat(16, 3, f.Rate(r), "", 0, "CM", false, 0, "")
		}
		px, py, have = x, y, true
	}
	pdf.SetLineWidth(0.2)
	xLabels(pdf, plot, labels, sub)
}

// hBars draws horizontal bars, one per label, with the value written after each bar.
func hBars(pdf *gofpdf.Fpdf, b box, labels []string, values []float64, texts []string, color RGB) {
	if len(labels) == 0 {
		return
	}
	pdf.SetFont(printing.Family, "", 8)
	labelW := 0.0
	for _, l := range labels {
		labelW = math.Max(labelW, pdf.GetStringWidth(l))
	}
	labelW = math.Min(labelW+2, b.w*0.35)
	textW := 0.0
	for _, t := range texts {
		textW = math.Max(textW, pdf.GetStringWidth(t))
	}
	max := 0.0
	for _, v := range values {
		max = math.Max(max, v)
	}
	if max == 0 {
		max = 1
	}
	row := b.h / float64(len(labels))
	barH := math.Min(row*0.7, 5)
	plotW := b.w - labelW - textW - 3
	for i, l := range labels {
		y := b.y + float64(i)*row
		ink(pdf, colorText)
		pdf.SetXY(b.x, y)
		pdf.CellFormat(labelW-2, row, fitText(pdf, l, labelW-2), "", 0, "RM", false, 0, "")
		w := values[i] / max * plotW
		fill(pdf, color)
		pdf.Rect(b.x+labelW, y+(row-barH)/2, w, barH, "F")
		ink(pdf, colorMuted)
		pdf.SetXY(b.x+labelW+w+1.5, y)
		pdf.CellFormat(textW+1, row, texts[i], "", 0, "LM", false, 0, "")
	}
}

// fitText shortens s with an ellipsis to fit width in the current font.
func fitText(pdf *gofpdf.Fpdf, s string, width float64) string {
	s = printing.Clean(s)
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && pdf.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// legend writes coloured squares with their names in a row from (x, y); it returns the
// height used (it wraps to a second row when the names do not fit in width).
func legend(pdf *gofpdf.Fpdf, x, y, width float64, names []string, colors []RGB) float64 {
	pdf.SetFont(printing.Family, "", 7.5)
	ink(pdf, colorText)
	cx, cy := x, y
	for i, n := range names {
		w := 4 + pdf.GetStringWidth(n) + 5
		if cx+w > x+width && cx > x {
			cx, cy = x, cy+4.5
		}
		fill(pdf, colors[i])
		pdf.Rect(cx, cy+0.6, 2.6, 2.6, "F")
		pdf.SetXY(cx+3.6, cy)
		pdf.CellFormat(w-3.6, 3.8, n, "", 0, "LM", false, 0, "")
		cx += w
	}
	return cy - y + 4.5
}
