package ui

import (
	"context"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// deliveryAlerts are the lines that say a letter of the case did not reach the citizen:
// the letter, the address, when and why, and a button to acknowledge them (the case then
// leaves the overdue list). Sending the letter again ends them too. Nothing is shown for
// a case whose letters arrived.
func (v *CaseView) deliveryAlerts() fyne.CanvasObject {
	if len(v.alerts) == 0 {
		return container.NewVBox()
	}
	box := container.NewVBox()
	for _, a := range v.alerts {
		key := "case.delivery.bounce"
		if a.Kind == data.AlertPEC {
			key = "case.delivery.pec"
		}
		l := widget.NewLabel(v.e.t(key, "letter", a.Letter, "to", dash(a.To), "time", formatDateTime(a.At, v.e.lang), "reason", dash(a.Reason)))
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		box.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, l))
	}
	ack := newButton(v.e.t("case.delivery.acknowledge"), theme.ConfirmIcon(), func() {
		v.change(func(tx *data.Tx) error {
			_, err := tx.AcknowledgeDeliveryAlerts(v.c.ID, v.noteText())
			return err
		})
	})
	ack.onEscape = v.escape
	v.buttons["ack_delivery"] = ack
	box.Add(container.NewHBox(ack))
	return box
}

// undeliveredSet keeps which cases of the register's pages have an open delivery alert.
// The overdue filter lists them (data: a reply that did not arrive is no reply), so
// their rows carry the overdue mark and icon even when the due date has not passed,
// with the words "letter not delivered" beside the date. Pages are read off the UI
// thread, rows drawn on it: hence the lock.
type undeliveredSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

// read asks the register about the cases of a page just read.
func (u *undeliveredSet) read(ctx context.Context, store *data.Store, rows []*data.Case) error {
	ids := make([]string, len(rows))
	for i, c := range rows {
		ids[i] = c.ID
	}
	got, err := store.Undelivered(ctx, ids)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ids == nil {
		u.ids = map[string]bool{}
	}
	for _, id := range ids {
		if got[id] {
			u.ids[id] = true
		} else {
			delete(u.ids, id)
		}
	}
	return nil
}

func (u *undeliveredSet) has(id string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.ids[id]
}
