package ui

import (
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
