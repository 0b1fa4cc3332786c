package exchange

import (
	"context"
	"testing"
	"time"

	"ascolto/data"
)

// TestNewcomerTakesAnErasedCase: an office joining later takes every office's
// operations in turn; BZ's erasure of a case ME created comes before the case's
// creation. The case must then be anonymised when its creation comes, its history
// redacted and its file dropped, as in the offices that saw it happen (the redaction
// was refused before: "the audit trail is append-only").
func TestNewcomerTakesAnErasedCase(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	ctx := context.Background()
	c, err := me.st.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, Subject: "Richiesta di Ottilie Pfeifhofer",
		Citizen: data.Citizen{Name: "Ottilie Pfeifhofer", Email: "o.pfeifhofer@example.org", Language: data.German}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := me.st.Attach(ctx, c.Number, "Pfeifhofer.pdf", "application/pdf", []byte("%PDF Pfeifhofer")); err != nil {
		t.Fatal(err)
	}
	if _, err := me.st.Reply(ctx, c.Number, "Antwort.", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	me.sync()
	bz.sync()
	if _, err := bz.st.Erase(ctx, []data.Ref{c.Number}, "Antrag 2026/5"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		bz.sync()
		me.sync()
	}
	neu := newTestOffice(t, root, "NEU")
	trustEach(t, bz, me, neu)
	for range 2 {
		neu.sync()
	}
	if neu.hash() != bz.hash() || bz.hash() != me.hash() {
		t.Fatal("the newcomer holds another register")
	}
	if reason, _, err := neu.st.Anonymised(ctx, c.ID); err != nil || reason != data.ReasonErasure {
		t.Fatalf("the newcomer has the case anonymised for %q (%v)", reason, err)
	}
	if fs, _ := neu.st.CaseFiles(ctx, c.ID); len(fs) != 0 {
		t.Fatalf("the newcomer lists %+v", fs)
	}
	r, err := neu.st.Verify(ctx)
	if err != nil || !r.OK() {
		t.Fatalf("the newcomer's verify: %+v %v", r, err)
	}
}
