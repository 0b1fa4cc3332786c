package exchange

import (
	"bytes"
	"context"
	"testing"

	"ascolto/data"
)

// TestAuditWitnessPublished: an office's signed audit head travels in its ack.json and
// the offices that trust it keep it; a head not signed by its key is not kept.
func TestAuditWitnessPublished(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	bz.add("Richiesta certificato")
	bz.add("Beschwerde Wartezeit")
	bz.sync()
	me.sync()
	bz.sync()
	me.sync()
	seal, err := bz.st.Seal(ctx)
	if err != nil || seal == nil {
		t.Fatalf("BZ's seal: %v %v", seal, err)
	}
	got, err := me.st.Witnesses(ctx, "BZ")
	if err != nil || len(got) == 0 {
		t.Fatalf("ME holds no witness of BZ: %v", err)
	}
	w := got[len(got)-1]
	if w.Seq != seal.Seq || !bytes.Equal(w.Head, seal.Head) || !w.Valid(bz.x.pub) {
		t.Fatalf("ME's witness of BZ %+v, BZ's seal %+v", w, seal)
	}
	// verify names the key by the fingerprint the clerks confirmed.
	if data.KeyFingerprint(bz.x.pub) != Fingerprint(bz.x.pub) {
		t.Fatal("verify and the exchange show the key by different fingerprints")
	}
	// The same head with its signature broken is refused.
	forged := *seal
	forged.Sig = append([]byte(nil), forged.Sig...)
	forged.Sig[0] ^= 1
	err = me.st.KeepWitness(ctx, "BZ", bz.x.pub, forged)
	if p, ok := data.AsProblem(err); !ok || p.Key != "verify.witness_signature" {
		t.Fatalf("forged witness: %v", err)
	}
}
