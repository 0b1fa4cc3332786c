package data

import (
	"context"
	"strings"
	"testing"
)

func TestForward(t *testing.T) {
	s, _ := testStore(t, "2026-06-15 12:00")
	ctx := context.Background()
	if err := s.PutOffice(Office{Code: "EGNA", NameIT: "Centro di mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt"}); err != nil {
		t.Fatal(err)
	}
	c := mustCreate(t, s, NewCase{Subject: "Corso di tedesco", ReceivedAt: rome("2026-06-15 09:00")})
	var got *Case
	err := s.Update(ctx, func(tx *Tx) error {
		var err error
		got, err = tx.Forward(c.Number, "egna", " Servizio formazione ", "competente per territorio")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Office != "EGNA" || got.Service != "Servizio formazione" || got.DueDate != c.DueDate || got.Number != c.Number {
		t.Fatalf("forwarded: %+v", got)
	}
	h, _ := s.History(ctx, c.ID)
	last := h[len(h)-1]
	if last.Action != "forward" || last.Note != "competente per territorio" || !strings.Contains(last.Changes, `"office":["BZ","EGNA"]`) {
		t.Fatalf("audit entry: %+v", last)
	}
	err = s.Update(ctx, func(tx *Tx) error { _, err := tx.Forward(c.Number, "XX", "", ""); return err })
	wantProblem(t, err, "err.unknown_office")
	if again, _ := s.Get(ctx, c.Number); again.Office != "EGNA" || again.Version != got.Version {
		t.Fatalf("a refused forward changed the case: %+v", again)
	}
	if r, err := s.Verify(ctx); err != nil || !r.OK() {
		t.Fatalf("verify: %v %+v", err, r)
	}
}
