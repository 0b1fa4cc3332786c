package printing

import (
	"bytes"
	"testing"
	"time"
)

// TestSameDocumentSameBytes: a document drawn twice the same way is the same bytes
// (its SHA-256 is what the register keeps), also with both faces in use, whose fonts the
// PDF library keeps in a map.
func TestSameDocumentSameBytes(t *testing.T) {
	draw := func() []byte {
		pdf := NewDocument("P", time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC))
		pdf.AddPage()
		pdf.SetFont(Family, "B", 10)
		pdf.Text(20, 20, "Betreff / Oggetto")
		pdf.SetFont(Family, "", 10)
		pdf.Text(20, 30, "Grüße – saluti")
		var buf bytes.Buffer
		if err := pdf.Output(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	first := draw()
	for i := 0; i < 20; i++ {
		if !bytes.Equal(draw(), first) {
			t.Fatalf("try %d gave other bytes", i)
		}
	}
}
