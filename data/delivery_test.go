package data

import (
	"context"
	"testing"
	"time"
)

// TestDeliveryAlertPutsTheCaseInTheOverdueList: a letter that did not arrive puts its
// case, answered and within its term, in the overdue list with an entry in its history;
// the same notice again changes nothing; acknowledging ends it, and so does sending again;
// the register still verifies.
func TestDeliveryAlertPutsTheCaseInTheOverdueList(t *testing.T) {
	s, clock := letterRegister(t)
	ctx := context.Background()
	c := letterCase(t, s, "Antwort")
	l, err := issueLetter(s, c.Number, LetterRequest{Render: fakeLetterPDF("x")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(t *Tx) error { _, err := t.MarkLetterSent(l.ID, time.Time{}, "email"); return err }); err != nil {
		t.Fatal(err)
	}
	overdue := func() int {
		n, err := s.Count(ctx, Filter{Overdue: true})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := overdue(); n != 0 {
		t.Fatalf("overdue before the bounce: %d", n)
	}
	clock.t = clock.t.Add(time.Hour)
	at := clock.t.Add(-10 * time.Minute)
	raise := func(id string) bool {
		var raised bool
		err := s.Update(ctx, func(t *Tx) error {
			var err error
			raised, err = t.RaiseDeliveryAlert(DeliveryAlert{ID: id, LetterID: l.ID, Kind: AlertBounce,
				To: "mario@example.org", Reason: "550 5.1.1 <mario@example.org>: Recipient address rejected", At: at})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return raised
	}
	if !raise("dsn-1@mx.example.org") || raise("dsn-1@mx.example.org") {
		t.Fatal("the same notice must raise one alert")
	}
	if n := overdue(); n != 1 {
		t.Fatalf("overdue with a bounce: %d", n)
	}
	list, err := s.List(ctx, Filter{Overdue: true})
	if err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("overdue list: %+v %v", list, err)
	}
	alerts, err := s.DeliveryAlerts(ctx, c.Number, false)
	if err != nil || len(alerts) != 1 || alerts[0].Letter != l.Number || alerts[0].Case != c.Number || !alerts[0].At.Equal(at.Truncate(time.Millisecond)) ||
		alerts[0].Reason == "" || alerts[0].ClearedAt != nil {
		t.Fatalf("alerts: %+v %v", alerts, err)
	}
	hist, err := s.History(ctx, c.ID)
	if err != nil || hist[len(hist)-1].Action != ActionDeliveryFailed {
		t.Fatalf("history: %+v %v", hist, err)
	}
	if err := s.Update(ctx, func(t *Tx) error { _, err := t.AcknowledgeDeliveryAlerts(c.Number, "chiamato"); return err }); err != nil {
		t.Fatal(err)
	}
	if n := overdue(); n != 0 {
		t.Fatalf("overdue after acknowledging: %d", n)
	}
	if err := s.Update(ctx, func(t *Tx) error { _, err := t.AcknowledgeDeliveryAlerts(c.Number, ""); return err }); letterProblemKey(err) != "err.delivery.none_open" {
		t.Fatalf("acknowledging nothing: %v", err)
	}
	raise("dsn-2@mx.example.org")
	if n := overdue(); n != 1 {
		t.Fatalf("overdue with a second bounce: %d", n)
	}
	if err := s.Update(ctx, func(t *Tx) error { return t.DeliveryResent(c.Number) }); err != nil {
		t.Fatal(err)
	}
	all, _ := s.DeliveryAlerts(ctx, c.Number, true)
	if n := overdue(); n != 0 || len(all) != 2 || all[1].ClearedHow != ClearedResent || all[0].ClearedHow != ClearedAcknowledged {
		t.Fatalf("after resending: overdue %d, %+v", n, all)
	}
	if r, err := s.Verify(ctx); err != nil || !r.OK() {
		t.Fatalf("verify: %+v %v", r, err)
	}
	// An anonymised case keeps no notice: they hold the citizen's address.
	raise("dsn-3@mx.example.org")
	if err := s.Update(ctx, func(t *Tx) error { _, err := t.Anonymise(c.Number, ReasonErasure, ""); return err }); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.DeliveryAlerts(ctx, c.Number, true); len(all) != 0 || overdue() != 0 {
		t.Fatalf("alerts of an anonymised case: %+v", all)
	}
}
