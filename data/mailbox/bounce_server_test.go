package mailbox_test

import (
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing/letter"
)

// TestBounceRaisesAnAlert: a letter sent to an address the server takes and then cannot
// deliver comes back as Postfix's real bounce; the fetch keeps the bounce with the case
// (no new case), raises an alert that puts the case in the overdue list, and sending the
// letter again ends the alert.
func TestBounceRaisesAnAlert(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	s := register(t, "anna")
	b := srv.box(t, s, f)
	// The bounce goes to the envelope sender: the folder of this test.
	b.Settings.Address = plus(srv.Office, f)
	cs, err := s.Create(ctx, data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail, ReceivedAt: time.Now().Add(-time.Hour),
		Subject: "Rifiuti non raccolti", Citizen: data.Citizen{Name: "Mario Rossi", Email: "nessuno-" + strings.ToLower(f) + "@ascolto.test", Language: data.Italian}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := letter.Issue(ctx, s, cs.Number, letter.Options{Text: "La raccolta è stata ripristinata."}); err != nil {
		t.Fatal(err)
	}
	sent, err := b.Send(ctx, cs.Number, false)
	if err != nil {
		t.Fatal(err)
	}
	var alerts []data.DeliveryAlert
	var inbox int
	for start := time.Now(); len(alerts) == 0; time.Sleep(100 * time.Millisecond) {
		res, err := b.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		alerts, inbox = append(alerts, res.Alerts...), len(res.Inbox)
		if time.Since(start) > 30*time.Second {
			t.Fatalf("no alert after 30 s: %+v", res)
		}
	}
	a := alerts[0]
	if len(alerts) != 1 || a.Case != cs.Number || a.Letter != sent.Letter.Number || a.Kind != data.AlertBounce ||
		!strings.Contains(a.Reason, "5.1.1") || inbox != 0 {
		t.Fatalf("alerts %+v, inbox %d", alerts, inbox)
	}
	if n, _ := s.Count(ctx, data.Filter{}); n != 1 {
		t.Fatalf("%d cases: the bounce became a case", n)
	}
	overdue, err := s.List(ctx, data.Filter{Overdue: true})
	if err != nil || len(overdue) != 1 || overdue[0].ID != cs.ID {
		t.Fatalf("overdue: %+v %v", overdue, err)
	}
	stored, _ := s.DeliveryAlerts(ctx, cs.Number, false)
	if len(stored) != 1 || stored[0].To == "" {
		t.Fatalf("stored alerts: %+v", stored)
	}
	atts, _ := s.Attachments(ctx, cs.ID)
	kept := false
	for _, at := range atts {
		kept = kept || strings.HasPrefix(at.Name, "bounce-")
	}
	if !kept {
		t.Fatalf("bounce not kept with the case: %+v", atts)
	}
	// A second fetch raises nothing more.
	if res, err := b.Fetch(ctx); err != nil || len(res.Alerts) != 0 {
		t.Fatalf("second fetch: %+v %v", res, err)
	}
	// The letter is sent again, now to an address that exists: the alert ends.
	if err := s.Update(ctx, func(t *data.Tx) error {
		c := cs.Citizen
		c.Email = plus(srv.Citizen, f)
		_, err := t.Edit(cs.Number, data.Edit{Citizen: &c})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	again, err := b.Send(ctx, cs.Number, false)
	if err != nil || again.MessageID == sent.MessageID {
		t.Fatalf("send again: %+v %v", again, err)
	}
	if n, _ := s.Count(ctx, data.Filter{Overdue: true}); n != 0 {
		t.Fatalf("overdue after sending again: %d", n)
	}
	if _, err := b.Send(ctx, cs.Number, false); err == nil {
		t.Fatal("a letter delivered was sent a third time")
	}
}
