package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/translations"
)

// The files of cases in the exchange (docs/exchange.md, "Files"): what the status line
// and the exchange view say of them, and the two settings an office has — the space its
// files may take in the shared folder, and whether it takes the files of cases closed
// before it joined.

// ExchangeFiles is the file flow as the window shows it (exchange.FilesStatus).
type ExchangeFiles struct {
	Published int64 // bytes this office keeps in the folder
	Budget    int64 // 0: no limit
	// Waiting: this office's files left out of the folder, over the budget.
	Waiting      int
	WaitingBytes int64
	// Arriving: files of other offices this register takes and has not got yet.
	Arriving      int
	ArrivingBytes int64
	// Late: those that have not come after the looks or the time allowed, for the
	// administrator (data.Store.LateFiles).
	Late []data.LateFile
}

// filesSummary is what the status line adds for the files: the files on their way and
// their size, and those late or over the budget, which someone should look at soon.
func filesSummary(lang string, f ExchangeFiles) ([]string, widget.Importance) {
	var parts []string
	level := widget.MediumImportance
	if f.Arriving > 0 {
		parts = append(parts, translations.T(lang, pick(f.Arriving, "window.exchange.files_arriving_one", "window.exchange.files_arriving_other"),
			"n", formatNumber(f.Arriving, lang), "size", formatSize(f.ArrivingBytes, lang)))
	}
	if n := len(f.Late); n > 0 {
		parts = append(parts, plural(lang, n, "window.exchange.files_late_one", "window.exchange.files_late_other"))
		level = widget.WarningImportance
	}
	if f.Waiting > 0 {
		parts = append(parts, plural(lang, f.Waiting, "window.exchange.files_waiting_one", "window.exchange.files_waiting_other"))
		level = widget.WarningImportance
	}
	return parts, level
}

func pick(n int, one, other string) string {
	if n == 1 {
		return one
	}
	return other
}

// budgetText writes a budget as the field shows it and ParseFileBudget reads it back.
func budgetText(n int64) string {
	switch {
	case n == 0:
		return "0"
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GB"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KB"
	}
	return strconv.FormatInt(n, 10)
}

// filesPanel holds the settings' fields across the view's rebuilds (every status read
// builds the view again), so that what the clerk is typing is not lost.
type filesPanel struct {
	budget *textEntry
	all    *checkBox
	save   *button
	msg    *widget.Label
	// loaded are the settings read last; edited: the clerk changed a field since, and
	// a new read does not overwrite it.
	loaded  data.FileSettings
	read    bool
	edited  bool
	setting bool // the fields are being filled from the register
}

func (v *ExchangeView) filesPanel() *filesPanel {
	if v.files != nil {
		return v.files
	}
	e := v.e
	p := &filesPanel{msg: messageLabel()}
	changed := func() {
		if !p.setting {
			p.edited = true
		}
	}
	p.budget = newTextEntry()
	p.budget.onEscape = v.escape
	p.budget.OnChanged = func(string) { changed() }
	p.budget.OnSubmitted = func(string) { v.saveFileSettings() }
	p.all = newCheckBox(e.t("exchange.view.files_all"), func(bool) { changed() })
	p.all.onEscape = v.escape
	p.save = v.button(e.t("exchange.view.files_save"), theme.DocumentSaveIcon(), v.saveFileSettings)
	v.files = p
	return p
}

// fileSettingsRead puts the settings read from the register in the fields, unless the
// clerk is changing them.
func (v *ExchangeView) fileSettingsRead(fs data.FileSettings) {
	p := v.filesPanel()
	p.loaded, p.read = fs, true
	if p.edited {
		return
	}
	p.setting = true
	p.budget.SetText(budgetText(fs.Budget))
	p.all.SetChecked(fs.All)
	p.setting = false
}

// filesSection is the view's part on the files of cases: the figures (what this office
// keeps in the folder, what waits over the budget, what is on its way, and for the
// administrator the files late, by case number and name), then the settings.
func (v *ExchangeView) filesSection() []fyne.CanvasObject {
	e, f := v.e, v.st.Files
	p := v.filesPanel()
	parts := []fyne.CanvasObject{widget.NewSeparator(), section(e.t("exchange.view.section.files"))}
	if v.stErr == nil {
		budget := e.t("exchange.view.files_no_limit")
		if f.Budget > 0 {
			budget = formatSize(f.Budget, e.lang)
		}
		facts := []string{e.t("exchange.view.files_published", "size", formatSize(f.Published, e.lang), "budget", budget)}
		if f.Arriving > 0 {
			facts = append(facts, e.t(pick(f.Arriving, "exchange.view.files_arriving_one", "exchange.view.files_arriving_other"),
				"n", formatNumber(f.Arriving, e.lang), "size", formatSize(f.ArrivingBytes, e.lang)))
		} else {
			facts = append(facts, e.t("exchange.view.files_none_arriving"))
		}
		parts = append(parts, caption(strings.Join(facts, " ")))
		if f.Waiting > 0 {
			w := widget.NewLabel(e.t(pick(f.Waiting, "exchange.view.files_waiting_one", "exchange.view.files_waiting_other"),
				"n", formatNumber(f.Waiting, e.lang), "size", formatSize(f.WaitingBytes, e.lang)))
			w.Wrapping = fyne.TextWrapWord
			w.Importance = widget.WarningImportance
			parts = append(parts, w)
		}
		if len(f.Late) > 0 {
			title := widget.NewLabel(plural(e.lang, len(f.Late), "exchange.view.files_late_one", "exchange.view.files_late_other"))
			title.Wrapping = fyne.TextWrapWord
			title.Importance = widget.WarningImportance
			title.TextStyle.Bold = true
			parts = append(parts, title)
			for _, l := range f.Late {
				line := caption(e.t("exchange.view.files_late_line", "number", l.CaseNumber, "name", data.CleanLine(l.Name),
					"size", formatSize(l.Size, e.lang), "office", l.Origin, "passes", formatNumber(l.Passes, e.lang),
					"since", when(l.FirstTry, e.lang), "reason", fileReason(e.lang, l.Reason)))
				line.Selectable = true // the administrator copies the number into a mail to the other office
				parts = append(parts, line)
			}
			parts = append(parts, caption(e.t("exchange.view.files_late_hint")))
		}
	}
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(e.t("exchange.view.files_budget")), container.NewBorder(nil, nil, nil, p.save, p.budget))
	parts = append(parts, form, caption(e.t("exchange.view.files_budget_hint")), p.all, p.msg)
	if !p.read {
		p.save.Disable()
	} else {
		p.save.Enable()
	}
	return parts
}

// fileReason says why a file has not come (data.CaseFile.Reason).
func fileReason(lang, r string) string {
	switch r {
	case "size":
		return translations.T(lang, "cli.exchange.files_reason_size")
	case "hash":
		return translations.T(lang, "cli.exchange.files_reason_hash")
	case "unreadable":
		return translations.T(lang, "cli.exchange.files_reason_unreadable")
	}
	return translations.T(lang, "cli.exchange.files_reason_missing")
}

// saveFileSettings checks the budget typed and saves both settings; a size that is not
// one is said beside the field and nothing is saved.
func (v *ExchangeView) saveFileSettings() {
	p := v.filesPanel()
	if !p.read {
		return
	}
	budget, err := data.ParseFileBudget(p.budget.Text)
	if err != nil {
		say(p.msg, v.e.errText(err), true)
		return
	}
	all := p.all.Checked
	store := v.e.store
	p.save.Disable()
	v.e.background(func() error {
		ctx, cancel := context.WithTimeout(v.ctx, exchangeTimeout)
		defer cancel()
		return store.Update(ctx, func(tx *data.Tx) error { return tx.SetFileSettings(budget, all) })
	}, func(err error) {
		p.save.Enable()
		if err != nil {
			say(p.msg, v.e.causeText(err), true)
			return
		}
		p.edited = false
		say(p.msg, v.e.t("exchange.view.files_saved"), false)
		v.Refresh()
	})
}
