package data

import (
	"bytes"
	"testing"
)

// FuzzScrubPage: no page, however damaged, makes scrubPage panic or touch a byte outside
// the page's unused space: the header and the cell pointers stay, a second scrub finds
// nothing more, and every byte it changed is now zero.
// go test -run=^$ -fuzz=FuzzScrubPage -fuzztime=60s ./data/
func FuzzScrubPage(f *testing.F) {
	leaf := make([]byte, 512)
	leaf[0] = 13
	leaf[3], leaf[4] = 0, 2       // two cells
	leaf[5], leaf[6] = 0x01, 0xc0 // content from 448
	leaf[8], leaf[9], leaf[10], leaf[11] = 0x01, 0xe0, 0x01, 0xc0
	copy(leaf[12:], "Zwischenbrugger left in the gap")
	copy(leaf[448:], "cell one: live")
	copy(leaf[480:], "cell two: live")
	withFree := bytes.Clone(leaf)
	withFree[1], withFree[2] = 0x01, 0xd0 // a free block at 464, 16 bytes
	withFree[464], withFree[465], withFree[466], withFree[467] = 0, 0, 0, 16
	copy(withFree[468:], "0471 998877")
	interior := bytes.Clone(leaf)
	interior[0] = 5
	f.Add(leaf, 0)
	f.Add(withFree, 0)
	f.Add(interior, 0)
	f.Add(make([]byte, 512), 0)
	f.Add(append(make([]byte, 100), leaf[:412]...), 100)
	f.Fuzz(func(t *testing.T, page []byte, hdr int) {
		if hdr != 0 && hdr != 100 {
			hdr = 0
		}
		before := bytes.Clone(page)
		changed, ok := scrubPage(page, hdr, len(page))
		if !ok {
			return
		}
		if changed == bytes.Equal(before, page) {
			t.Fatalf("changed = %v, but the page %s", changed, map[bool]string{true: "is the same", false: "differs"}[bytes.Equal(before, page)])
		}
		if len(page) > hdr+12 && !bytes.Equal(before[:hdr+8], page[:hdr+8]) {
			t.Fatal("the header changed")
		}
		for i := range page {
			if page[i] != before[i] && page[i] != 0 {
				t.Fatalf("byte %d became %d", i, page[i])
			}
		}
		if again, ok := scrubPage(page, hdr, len(page)); again || !ok {
			t.Fatalf("a second scrub: changed %v ok %v", again, ok)
		}
	})
}

// TestScrubPage: the gap and a free block's content go, the cells and the free block's
// own header stay.
func TestScrubPage(t *testing.T) {
	page := make([]byte, 512)
	page[0] = 13
	page[1], page[2] = 0x01, 0xd0
	page[3], page[4] = 0, 2
	page[5], page[6] = 0x01, 0xc0
	page[8], page[9], page[10], page[11] = 0x01, 0xe0, 0x01, 0xc0
	copy(page[12:], "Zwischenbrugger")
	copy(page[448:], "cell one: live")
	page[464], page[465], page[466], page[467] = 0, 0, 0, 16
	copy(page[468:], "0471 998877")
	copy(page[480:], "cell two: live")
	changed, ok := scrubPage(page, 0, len(page))
	if !changed || !ok {
		t.Fatalf("changed %v ok %v", changed, ok)
	}
	if bytes.Contains(page, []byte("Zwischenbrugger")) || bytes.Contains(page, []byte("998877")) {
		t.Fatalf("left behind: %q", page)
	}
	if !bytes.Contains(page, []byte("cell one: live")) || !bytes.Contains(page, []byte("cell two: live")) || page[467] != 16 {
		t.Fatalf("a cell or the free block's header went: %q", page)
	}
	bad := bytes.Clone(page)
	bad[5], bad[6] = 0x00, 0x05 // content before the cell pointers
	if _, ok := scrubPage(bad, 0, len(bad)); ok {
		t.Error("a page whose header points inside itself was taken")
	}
	if changed, ok := scrubPage(make([]byte, 512), 0, 512); changed || !ok {
		t.Error("a zero page (free or overflow) is not left alone")
	}
}
