package data

import (
	"context"
	"testing"
	"time"
)

// TestRecordedDatesAndNamesHistory: a register's past written afterwards is recorded
// as it happened (by whom, when); a time in the future is refused; the zero call gives
// back this office's clerk and the clock.
func TestRecordedDatesAndNamesHistory(t *testing.T) {
	s, clock := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	received := rome("2026-11-02 10:15")
	replied := rome("2026-11-04 15:40")
	var number string
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.Recorded("Anna Pichler", received); err != nil {
			return err
		}
		c, err := tx.Create(NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Anfrage", ReceivedAt: received,
			Citizen: Citizen{Language: German}})
		if err != nil {
			return err
		}
		number = c.Number
		if err := tx.Recorded("Marco Rossi", replied); err != nil {
			return err
		}
		if _, err := tx.Reply(c.ID, "Erledigt.", "", replied); err != nil {
			return err
		}
		wantProblem(t, tx.Recorded("Marco Rossi", clock.Now().Add(time.Hour)), "err.future")
		if err := tx.Recorded("", time.Time{}); err != nil {
			return err
		}
		_, err = tx.Close(c.ID, time.Time{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.Get(ctx, number)
	h, err := s.History(ctx, c.ID)
	if err != nil || len(h) != 3 {
		t.Fatalf("history %v %v", h, err)
	}
	want := []struct {
		actor string
		at    time.Time
	}{{"Anna Pichler", received}, {"Marco Rossi", replied}, {"test", clock.Now()}}
	for i, e := range h {
		at, _ := parseTime(e.At)
		if e.Actor != want[i].actor || !at.Equal(want[i].at) {
			t.Errorf("%s entry by %s at %s, want %s at %s", e.Action, e.Actor, at, want[i].actor, want[i].at)
		}
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}
