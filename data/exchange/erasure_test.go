package exchange

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ascolto/data"
)

// erasedValues are the values of the erased citizen as the register and the folder may
// hold them: in their own form and as the search index stores its words.
var erasedValues = []string{"Zwischenbrugger", "zwischenbrugger", "Walburga", "walburga", "quellhof",
	"Fennbergweg", "fennbergweg", "Kurtatsch", "kurtatsch", "998877", "0471 998877", "0471998877"}

func holding(b []byte) []string {
	var out []string
	for _, v := range erasedValues {
		if bytes.Contains(b, []byte(v)) {
			out = append(out, v)
		}
	}
	return out
}

// TestErasureReachesTheOtherRegister: an erasure in one office leaves no byte of the
// citizen's data in the other office's register file or WAL once both have synced, the
// other office's rewrite being done by its exchange; the folder's files written after
// the erasure do not carry the data either. The files published before it still do
// (they are signed and immutable) until compaction removes them (docs/register.md).
func TestErasureReachesTheOtherRegister(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	ctx := context.Background()
	for i := range 50 {
		bz.add("Richiesta numero " + string(rune('a'+i%26)))
	}
	c, err := bz.st.Create(ctx, data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail,
		Subject:     "Beschwerde von Walburga Zwischenbrugger",
		Description: "Frau Zwischenbrugger (Fennbergweg 19, Kurtatsch) bittet um Rückruf unter 0471 998877.",
		Citizen: data.Citizen{Name: "Walburga Zwischenbrugger", Email: "w.zwischenbrugger@quellhof.example",
			Phone: "0471 998877", Address: "Fennbergweg 19, 39040 Kurtatsch", Language: data.German}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bz.st.Reply(ctx, c.Number, "Sehr geehrte Frau Zwischenbrugger, wir rufen Sie an.", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	bz.sync()
	me.sync()
	if got, err := me.st.Get(ctx, c.Number); err != nil || got.Citizen.Name != "Walburga Zwischenbrugger" {
		t.Fatalf("ME does not hold the case: %+v %v", got, err)
	}
	before := time.Now()
	if _, err := bz.st.Erase(ctx, []data.Ref{c.Number}, "Antrag Prot. 2026/118"); err != nil {
		t.Fatal(err)
	}
	for range 3 { // until quiet
		bz.sync()
		me.sync()
	}
	if me.hash() != bz.hash() {
		t.Fatal("the registers differ after the erasure")
	}
	if got, _ := me.st.Get(ctx, c.Number); got.Citizen.Name != "" {
		t.Fatalf("ME still names the citizen: %+v", got.Citizen)
	}
	if me.st.ErasurePending(ctx) {
		t.Error("ME still owes the rewrite after syncing")
	}
	for _, o := range []*testOffice{bz, me} {
		for _, p := range []string{o.st.Path(), o.st.Path() + "-wal"} {
			b, err := os.ReadFile(p)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if got := holding(b); len(got) > 0 {
				t.Errorf("%s %s still holds %v", o.code, filepath.Base(p), got)
			}
		}
	}
	// The folder: what was published before the erasure holds the data still (it is
	// signed: not rewritten); nothing written since does.
	old := 0
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		got := holding(b)
		if len(got) == 0 {
			return nil
		}
		if fi.ModTime().After(before) {
			t.Errorf("%s, written after the erasure, holds %v", p, got)
		}
		old++
		return nil
	})
	t.Logf("files published before the erasure still holding the data: %d", old)
}
