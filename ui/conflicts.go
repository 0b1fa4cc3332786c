package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/printing/history"
	"ascolto/translations"
)

// A conflict is a field two offices changed without either having seen the other's
// change. Every office shows the same value meanwhile (the provisional one, first in the
// list) and keeps the others; the clerk's choice is a change like any other, which ends
// the conflict in every office it reaches (data/merge.go).

func conflictKey(c data.Conflict) string { return c.CaseID + "/" + c.Field }

// conflictField names a field of a conflict in words.
func conflictField(field, lang string) string {
	if field == "outcome" {
		return translations.T(lang, "stats.col.outcome")
	}
	if key, ok := auditFieldKeys[field]; ok {
		return translations.T(lang, key)
	}
	return field
}

// conflictValue shows a kept value in words; an empty one says so, since "nothing" is a
// value one office chose.
func conflictValue(field, v, lang string) string {
	var s string
	if field == "outcome" && v != "" {
		s = translations.T(lang, "stats.outcome."+v)
	} else {
		s = fieldValue(field, v, lang)
	}
	if strings.TrimSpace(s) == "" {
		return translations.T(lang, "exchange.view.empty_value")
	}
	return s
}

// headTime is when a kept value was written, from its clock reading.
func headTime(h data.Head) time.Time {
	c, err := data.ParseHLC(h.HLC)
	if err != nil || c.Wall == 0 {
		return time.Time{}
	}
	return time.UnixMilli(c.Wall)
}

// conflictList is the conflicts section: per conflict the case and the field, then
// every value kept with its office, time and author, the provisional one marked, each
// with "Keep this value".
func (v *ExchangeView) conflictList() []fyne.CanvasObject {
	// The offices by their names in the clerk's language (a small table, read once a list).
	offices, _ := v.e.store.Offices()
	e := v.e
	if len(v.conflicts) == 0 {
		return []fyne.CanvasObject{caption(e.t("exchange.view.no_conflicts"))}
	}
	out := []fyne.CanvasObject{caption(e.t("exchange.view.conflicts_hint"))}
	for _, c := range v.conflicts {
		c := c
		number := firstNonEmpty(c.Number, c.CaseID)
		head := widget.NewLabel(e.t("exchange.view.conflict", "number", number, "field", conflictField(c.Field, e.lang)))
		head.TextStyle.Bold = true
		head.Wrapping = fyne.TextWrapWord
		rows := []fyne.CanvasObject{head}
		if since, err := time.Parse(time.RFC3339Nano, c.Since); err == nil {
			rows = append(rows, caption(e.t("exchange.view.conflict_since", "when", formatDateTime(since, e.lang))))
		}
		for i, h := range c.Heads {
			h := h
			value := widget.NewLabel(conflictValue(c.Field, h.Value, e.lang))
			value.Wrapping = fyne.TextWrapWord
			facts := []string{e.t("exchange.view.value_from", "office", history.OfficeByCode(offices, h.Origin, e.lang), "when", when(headTime(h), e.lang))}
			if h.Actor != "" {
				facts = append(facts, h.Actor)
			}
			meta := caption(strings.Join(facts, " · "))
			lines := []fyne.CanvasObject{value, meta}
			if i == 0 {
				value.TextStyle.Bold = true
				mark := caption(e.t("exchange.view.provisional"))
				mark.Importance = widget.WarningImportance
				lines = append(lines, mark)
			}
			keep := v.button(e.t("exchange.view.keep"), theme.ConfirmIcon(), func() { v.keep(c, h) })
			if v.busy {
				keep.Disable()
			}
			v.keeps[conflictKey(c)] = append(v.keeps[conflictKey(c)], keep)
			rows = append(rows, container.NewBorder(nil, nil, widget.NewIcon(theme.NavigateNextIcon()),
				container.NewVBox(keep), container.NewVBox(lines...)))
		}
		out = append(out, container.NewVBox(rows...), widget.NewSeparator())
	}
	return out
}

// keep decides a conflict for the value h: the register writes it as a change that has
// seen every value kept, and the exchange carries it to the other offices.
func (v *ExchangeView) keep(c data.Conflict, h data.Head) {
	store := v.e.store
	v.setBusy(true)
	v.e.background(func() error {
		return store.Update(context.Background(), func(tx *data.Tx) error {
			_, err := tx.ResolveConflict(c.CaseID, c.Field, h.Value, "")
			return err
		})
	}, func(err error) {
		v.setBusy(false)
		if err != nil {
			showError(v.e, err)
			v.Refresh()
			return
		}
		say(v.msg, v.e.t("exchange.view.kept", "number", firstNonEmpty(c.Number, c.CaseID),
			"field", conflictField(c.Field, v.e.lang)), false)
		if v.OnChanged != nil {
			v.OnChanged()
		}
		v.Refresh()
	})
}
