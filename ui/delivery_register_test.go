package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/printing/letter"
)

// TestRegisterMarksAnUndeliveredLetter: a case answered in time whose letter came back
// is in the overdue list (a reply that did not arrive is no reply); its row carries the
// overdue icon and says "letter not delivered" beside the due date, though the date has
// not passed. Acknowledged, the mark goes.
func TestRegisterMarksAnUndeliveredLetter(t *testing.T) {
	for _, tc := range []struct{ lang, word string }{{"it", "lettera non consegnata"}, {"de", "Schreiben nicht zugestellt"}} {
		t.Run(tc.lang, func(t *testing.T) {
			s := newRegister(t, 0)
			ctx := context.Background()
			cs, err := s.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, ReceivedAt: s.Now().Add(-time.Hour),
				Subject: "Orari", Citizen: data.Citizen{Name: "Maria Rossi", Email: "maria@example.org", Language: data.Italian}})
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
				_, err := tx.RaiseDeliveryAlert(data.DeliveryAlert{ID: "dsn-" + tc.lang + "@mx.example.org", LetterID: l.ID, Kind: data.AlertBounce,
					To: "maria@example.org", Reason: "550 5.1.1 User unknown", At: s.Now()})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			got := mustGet(t, s, cs.Number)
			if got.Overdue {
				t.Fatal("the test needs a case not past its due date")
			}
			v, q, w := showView(t, s, tc.lang)
			test.Tap(v.overdueBox)
			q.until(t, "the overdue filter", func() bool { return settled(v) && v.filter.Overdue })
			relayout(w)
			if rows := rowsShown(v); len(rows) != 1 || rows[0] != cs.Number {
				t.Fatalf("overdue rows: %v", rows)
			}
			want := formatDay(got.DueDate, tc.lang) + " " + tc.word
			marks := map[string]fyne.Resource{}
			for _, c := range cellsOf(v.table) {
				if c.icon != nil {
					marks[c.text] = c.icon
				}
			}
			if marks[want] == nil || marks[want].Name() != overdueIcon().Name() || len(marks) != 1 {
				t.Fatalf("marked cells %v; want %q with the warning icon", marks, want)
			}

			if err := s.Update(ctx, func(tx *data.Tx) error {
				_, err := tx.AcknowledgeDeliveryAlerts(data.Ref(cs.Number), "")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			test.Tap(v.overdueBox)
			q.until(t, "the whole register", func() bool { return settled(v) && !v.filter.Overdue })
			relayout(w)
			for _, c := range cellsOf(v.table) {
				if c.icon != nil {
					t.Fatalf("after acknowledging, %q is still marked", c.text)
				}
			}
		})
	}
}
