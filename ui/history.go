package ui

import (
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/translations"
)

// The case's history is its audit trail read as a timeline: when, who, what was done,
// and what changed, in words ("Status: received → in progress").

// actionKeys name each action of the audit trail in words.
var actionKeys = map[string]string{
	"create": "action.create", "status": "action.status", "assign": "action.assign", "reply": "action.reply",
	"close": "action.close", "edit": "action.edit", "attach": "action.attach", "satisfaction": "action.satisfaction",
	"forward": "case.history.forwarded", "letter": "action.letter", "letter_print": "action.letter_print",
	"letter_sent": "action.letter_sent", "outcome": "action.outcome", "anonymise": "action.anonymise",
	"erase": "action.erase", "resolve": "action.resolve", "renumber": "action.renumber",
}

// auditFieldKeys name the audit trail's fields.
var auditFieldKeys = map[string]string{
	"number": "field.number", "office": "field.office", "kind": "field.kind", "channel": "field.channel",
	"status": "field.status", "received_at": "field.received", "due_date": "field.due_date",
	"deadline_days": "case.field.deadline_days", "waiting_since": "case.field.waiting_since",
	"waited_days": "field.waited", "answered_at": "field.reply_at", "closed_at": "field.closed_at",
	"subject": "field.subject", "description": "field.description", "category": "field.category",
	"service": "field.service", "assignee": "field.assignee", "citizen_name": "field.citizen",
	"citizen_email": "field.email", "citizen_phone": "field.phone", "citizen_address": "field.address",
	"citizen_language": "field.language", "reply_text": "field.reply", "reply_language": "case.field.reply_language",
	"reply_at": "field.reply_at", "satisfaction": "field.satisfaction", "attachment": "case.field.attachment",
}

// shownOnCreate are the fields the registration line mentions; the rest of a new case
// is on the case view itself.
var shownOnCreate = map[string]bool{"subject": true, "citizen_name": true, "due_date": true, "channel": true}

// quietFields follow from another change and would only repeat it (the reply's time is
// the answer's, the waiting day is the status's).
var quietFields = map[string]bool{"answered_at": true, "reply_at": true, "waiting_since": true, "closed_at": true}

var receivedTag = regexp.MustCompile(`\s*\[([A-Z0-9]+) ([0-9]+) ([0-9T:.Z+-]+)\]$`)

// historyLine is one entry as a person reads it.
type historyLine struct {
	when, who, what string
	details         []string
	note            string
}

func describeEntry(e data.AuditEntry, lang string) historyLine {
	l := historyLine{who: e.Actor, note: e.Note}
	if at, err := time.Parse(time.RFC3339Nano, e.At); err == nil {
		l.when = formatDateTime(at, lang)
	}
	// A change received from another office (data/merge.go) ends its note with
	// "[OFFICE SEQ TIME]": shown as the office beside the clerk and the time it was made
	// there.
	if m := receivedTag.FindStringSubmatch(e.Note); m != nil {
		l.note = strings.TrimSpace(strings.TrimSuffix(e.Note, m[0]))
		l.who = translations.T(lang, "case.history.from_office", "who", e.Actor, "office", m[1])
		if at, err := time.Parse(time.RFC3339Nano, m[3]); err == nil {
			l.when = formatDateTime(at, lang)
		}
	}
	if key, ok := actionKeys[e.Action]; ok {
		l.what = translations.T(lang, key)
	} else {
		l.what = e.Action
	}
	for _, ch := range e.ChangeList() {
		if e.Action == "create" && !shownOnCreate[ch.Field] || quietFields[ch.Field] {
			continue
		}
		name := ch.Field
		if key, ok := auditFieldKeys[ch.Field]; ok {
			name = translations.T(lang, key)
		}
		before, after := fieldValue(ch.Field, ch.Old, lang), fieldValue(ch.Field, ch.New, lang)
		switch {
		case before == after:
			continue // unchanged, carried so that a change of status travels whole
		case before == "" && after == "":
			continue
		case e.Action == "create" || before == "":
			l.details = append(l.details, translations.T(lang, "case.history.set", "field", name, "new", after))
		case after == "":
			l.details = append(l.details, translations.T(lang, "case.history.cleared", "field", name, "old", before))
		default:
			l.details = append(l.details, translations.T(lang, "case.history.changed", "field", name, "old", before, "new", after))
		}
	}
	return l
}

// fieldValue shows a stored value in words: a status as the status's name, a time as
// the office's time, a long text cut to a line.
func fieldValue(field, v, lang string) string {
	if v == "" {
		return ""
	}
	switch field {
	case "status":
		return word(lang, "status", data.Status(v))
	case "kind":
		return word(lang, "kind", data.Kind(v))
	case "channel":
		return word(lang, "channel", data.Channel(v))
	case "citizen_language", "reply_language":
		return word(lang, "language", data.Language(v))
	case "received_at", "answered_at", "closed_at", "reply_at":
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return formatDateTime(t, lang)
		}
	case "due_date", "waiting_since":
		return formatDay(v, lang)
	case "attachment": // id|name|size|mime|sha256
		if parts := strings.Split(v, "|"); len(parts) == 5 {
			return parts[1]
		}
	case "satisfaction":
		if v == "0" {
			return ""
		}
	}
	v = strings.Join(strings.Fields(v), " ")
	if r := []rune(v); len(r) > 90 {
		v = string(r[:89]) + "…"
	}
	return v
}

// timeline shows the entries, the newest at the top (what happened last is what a
// clerk looks for), each as a heading line and its details.
func timeline(entries []data.AuditEntry, lang string) fyne.CanvasObject {
	box := container.NewVBox()
	for i := len(entries) - 1; i >= 0; i-- {
		l := describeEntry(entries[i], lang)
		head := widget.NewLabel(translations.T(lang, "case.history.entry", "when", l.when, "who", l.who, "what", l.what))
		head.TextStyle.Bold = true
		head.Wrapping = fyne.TextWrapWord
		lines := []fyne.CanvasObject{head}
		for _, d := range l.details {
			t := widget.NewLabel(d)
			t.Wrapping = fyne.TextWrapWord
			t.SizeName = theme.SizeNameCaptionText
			lines = append(lines, t)
		}
		if l.note != "" {
			t := widget.NewLabel(translations.T(lang, "case.history.note", "note", l.note))
			t.Wrapping = fyne.TextWrapWord
			t.SizeName = theme.SizeNameCaptionText
			t.TextStyle.Italic = true
			lines = append(lines, t)
		}
		box.Add(container.NewVBox(lines...))
		if i > 0 {
			box.Add(widget.NewSeparator())
		}
	}
	return box
}
