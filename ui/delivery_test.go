package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/printing/letter"
)

// TestCaseViewShowsADeliveryAlert: a letter that came back is said on the case, with
// the address, the time and the server's words, in the clerk's language; acknowledging
// it ends the alert and the case leaves the overdue list.
func TestCaseViewShowsADeliveryAlert(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{
		{"it", "La lettera %s non è stata consegnata a maria@example.org: il server di posta l'ha restituita il "},
		{"de", "Das Schreiben %s wurde maria@example.org nicht zugestellt: Der Mailserver hat es am "},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			s := newRegister(t, 1)
			ctx := context.Background()
			cs, err := s.Get(ctx, "BZ-2026-000001")
			if err != nil {
				t.Fatal(err)
			}
			l, _, err := letter.Issue(ctx, s, cs.Number, letter.Options{Language: data.LetterItalian, Text: "Gentile signora Rossi"})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Update(ctx, func(tx *data.Tx) error {
				if _, err := tx.MarkLetterSent(l.ID, time.Time{}, "email"); err != nil {
					return err
				}
				_, err := tx.RaiseDeliveryAlert(data.DeliveryAlert{ID: "dsn-1@mx.example.org", LetterID: l.ID, Kind: data.AlertBounce,
					To: "maria@example.org", Reason: "550 5.1.1 User unknown", At: s.Now().Add(-time.Hour)})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			sh, q, w := shellFor(t, s, tc.lang, "")
			v := showCase(t, sh, q, cs.Number)
			root := w.Canvas().Content()
			relayout(w)
			if !readsWrapped(root, fmt.Sprintf(tc.want, l.Number)) || !readsWrapped(root, "550 5.1.1 User unknown") {
				t.Fatalf("no alert on the case: %q", texts(root))
			}
			if n, _ := s.Count(ctx, data.Filter{Overdue: true}); n != 1 {
				t.Fatalf("overdue: %d", n)
			}
			ack := v.buttons["ack_delivery"]
			if ack == nil {
				t.Fatal("no button to acknowledge")
			}
			version := v.c.Version
			test.Tap(ack)
			reloaded(t, q, v, version+1)
			if n, _ := s.Count(ctx, data.Filter{Overdue: true}); n != 0 || len(v.alerts) != 0 || v.buttons["ack_delivery"] != nil {
				t.Fatalf("after acknowledging: overdue %d, alerts %v", n, v.alerts)
			}
		})
	}
}
