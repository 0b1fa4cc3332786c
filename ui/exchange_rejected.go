package ui

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// rejectedOpsList is the Exchange tab's list of the changes other offices sent that break
// a rule of the register (data/validate.go): kept, never applied, the same in every
// office. Nothing to decide for the clerk; the list is there so that someone tells the
// administrator, who checks the other office's program.
func (v *ExchangeView) rejectedOpsList() []fyne.CanvasObject {
	e := v.e
	if len(v.rejectedOps) == 0 {
		return nil
	}
	rows := []fyne.CanvasObject{widget.NewSeparator(),
		section(e.t("exchange.view.section.rejected_ops", "n", formatNumber(len(v.rejectedOps), e.lang)))}
	for _, r := range v.rejectedOps {
		c := r.Number
		if c == "" {
			c = r.CaseID
		}
		at := r.At
		if t, err := time.Parse(time.RFC3339Nano, r.At); err == nil {
			at = when(t, e.lang)
		}
		head := widget.NewLabel(e.t("exchange.view.rejected_op", "office", r.Origin, "seq", strconv.FormatInt(r.Seq, 10),
			"case", c, "action", r.Action, "when", at))
		head.TextStyle.Bold = true
		head.Selectable = true
		head.Wrapping = fyne.TextWrapWord
		rows = append(rows, head, caption(e.errText(r.Problem())))
	}
	return append(rows, caption(e.t("exchange.view.rejected_ops_hint")))
}
