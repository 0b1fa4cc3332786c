package preview

import (
	"bytes"
	"context"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing"
)

func TestPagesAreRendered(t *testing.T) {
	if !Available() {
		t.Skip("pdftoppm (poppler-utils) is not installed")
	}
	pdf := printing.NewDocument("P", time.Date(2026, 11, 27, 10, 0, 0, 0, data.Rome))
	for i := 0; i < 11; i++ { // ten and more pages keep their order
		pdf.AddPage()
		pdf.SetFillColor(i*20, 0, 0)
		pdf.Rect(0, 0, 210, 297, "F")
	}
	var buf bytes.Buffer
	pdf.Output(&buf)
	pages, err := Pages(context.Background(), buf.Bytes(), 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 11 {
		t.Fatalf("%d pages", len(pages))
	}
	b := pages[0].Bounds()
	if b.Dx() < 150 || b.Dx() > 180 || b.Dy() < 220 || b.Dy() > 240 {
		t.Fatalf("an A4 page at 20 dpi is about 165 × 234 pixels, got %v", b)
	}
	for i, p := range pages {
		r, _, _, _ := p.At(b.Dx()/2, b.Dy()/2).RGBA()
		if got, want := int(r>>8), i*20; got < want-3 || got > want+3 {
			t.Errorf("page %d out of order: red %d, want %d", i+1, got, want)
		}
	}
	if _, err := Pages(context.Background(), []byte("not a pdf"), 20); err == nil {
		t.Error("a broken file must be an error")
	}
}
