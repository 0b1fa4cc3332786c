package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"ascolto/data"
	"ascolto/translations"
)

// column is one column of the register table: its name, its header's translation key
// (written out whole, so that the translation tests find every key in the code), how a
// case fills it, and the samples its width is measured on (the longest text it usually
// holds). Office codes differ per register, so the samples get the codes it knows.
type column struct {
	key     string
	header  string
	sort    data.SortKey
	text    func(c *data.Case, lang, today string) string
	samples func(lang string, codes []string) []string
	width   float32 // least width for free text (subject, names)
}

// columns are in the order a clerk reads a register line: which case, when, what, who,
// where it stands. The subject takes the width the others leave (see fillLayout).
var columns = []column{
	{key: "number", header: "window.col.number", sort: data.SortNumber,
		text: func(c *data.Case, _, _ string) string { return c.Number },
		samples: func(_ string, codes []string) []string {
			out := make([]string, len(codes))
			for i, code := range codes {
				out[i] = data.FormatNumber(code, 2026, 999999)
			}
			return out
		}},
	{key: "received", header: "window.col.received", sort: data.SortReceived,
		text:    func(c *data.Case, lang, _ string) string { return formatDateTime(c.ReceivedAt, lang) },
		samples: func(lang string, _ []string) []string { return []string{formatDateTime(sampleTime, lang)} }},
	{key: "kind", header: "window.col.kind", sort: data.SortKind,
		text:    func(c *data.Case, lang, _ string) string { return word(lang, "kind", c.Kind) },
		samples: func(lang string, _ []string) []string { return words(lang, "kind", data.Kinds) }},
	{key: "subject", header: "window.col.subject", sort: data.SortSubject, width: 150,
		text: func(c *data.Case, _, _ string) string { return c.Subject }},
	{key: "citizen", header: "window.col.citizen", sort: data.SortCitizen, width: 130,
		text: func(c *data.Case, _, _ string) string { return c.Citizen.Name }},
	{key: "office", header: "window.col.office", sort: data.SortOffice,
		text:    func(c *data.Case, _, _ string) string { return c.Office },
		samples: func(_ string, codes []string) []string { return codes }},
	{key: "status", header: "window.col.status", sort: data.SortStatus,
		text:    func(c *data.Case, lang, _ string) string { return word(lang, "status", c.Status) },
		samples: func(lang string, _ []string) []string { return words(lang, "status", data.Statuses) }},
	{key: "due", header: "window.col.due", sort: data.SortDue,
		text: dueText,
		samples: func(lang string, _ []string) []string {
			return []string{dueText(&data.Case{DueDate: "2026-12-31", Overdue: true}, lang, ""),
				dueText(&data.Case{DueDate: "2026-12-31", Status: data.StatusReceived}, lang, "2026-12-31")}
		}},
	{key: "assignee", header: "window.col.assignee", sort: data.SortAssignee, width: 90,
		text: func(c *data.Case, _, _ string) string { return c.Assignee }},
}

// subjectColumn is the column that grows with the window.
const subjectColumn = 3

var sampleTime = time.Date(2026, 12, 31, 23, 59, 0, 0, data.Rome)

// dueText is the due date, followed by the overdue or due-today marker in words.
func dueText(c *data.Case, lang, today string) string {
	s := formatDay(c.DueDate, lang)
	switch markOf(c, today) {
	case markOverdue:
		s += " " + translations.T(lang, "window.overdue")
	case markToday:
		s += " " + translations.T(lang, "window.due_today")
	}
	return s
}

// markOf says how urgent a case is on the day today (YYYY-MM-DD).
func markOf(c *data.Case, today string) mark {
	switch {
	case c.Overdue:
		return markOverdue
	case c.Status.Open() && c.DueDate == today:
		return markToday
	}
	return markNone
}

func words[T ~string](lang, prefix string, vals []T) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = word(lang, prefix, v)
	}
	return out
}

// columnWidth fits the header (with room for the sort arrow) and the samples in the
// table's text size, plus the cell's padding and, for the due date, the mark's icon.
func columnWidth(col column, lang string, codes []string) float32 {
	head := fyne.MeasureText(translations.T(lang, col.header), tableTextSize(), fyne.TextStyle{Bold: true}).Width +
		theme.IconInlineSize()
	var w float32
	if col.samples != nil {
		for _, s := range col.samples(lang, codes) {
			w = max(w, fyne.MeasureText(s, tableTextSize(), fyne.TextStyle{}).Width)
		}
	}
	if col.key == "due" {
		w += theme.IconInlineSize() + theme.Padding() // the icon and its gap to the text
	}
	// +2: text measured to the pixel would otherwise be cut by rounding.
	return max(w, head, col.width) + 2*tableInnerPadding + 2
}
