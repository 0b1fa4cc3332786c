// Package history tells a case's audit trail in words, in the interface language: the
// window's History tab and `ascoltoctl history` read the same sentences. An entry keeps
// records meant for the register (a letter's id and checksum, an attachment's type, an
// office's code); none of them reaches the reader as it is stored.
package history

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"ascolto/data"
	"ascolto/translations"
)

// Line is one entry as a person reads it: when, who, what was done, the changes, the
// note.
type Line struct {
	When, Who, What string
	Details         []string
	Note            string
}

// ActionKeys name each action of the audit trail in words; the actions of letters come
// from data.LetterActionKeys as well.
var ActionKeys = map[string]string{
	"create": "action.create", "status": "action.status", "assign": "action.assign", "reply": "action.reply",
	"close": "action.close", "edit": "action.edit", "attach": "action.attach", "satisfaction": "action.satisfaction",
	"forward": "case.history.forwarded", "letter": "action.letter", "letter_print": "action.letter_print",
	"letter_sent": "action.letter_sent", "outcome": "action.outcome", "anonymise": "action.anonymise",
	"erase": "action.erase", "resolve": "action.resolve", "renumber": "action.renumber",
	"settings": "action.settings",
}

// FieldKeys name the audit trail's fields.
var FieldKeys = map[string]string{
	"number": "field.number", "office": "field.office", "kind": "field.kind", "channel": "field.channel",
	"status": "field.status", "received_at": "field.received", "due_date": "field.due_date",
	"deadline_days": "case.field.deadline_days", "waiting_since": "case.field.waiting_since",
	"waited_days": "field.waited", "answered_at": "field.reply_at", "closed_at": "field.closed_at",
	"subject": "field.subject", "description": "field.description", "category": "field.category",
	"service": "field.service", "assignee": "field.assignee", "citizen_name": "field.citizen",
	"citizen_email": "field.email", "citizen_phone": "field.phone", "citizen_address": "field.address",
	"citizen_language": "field.language", "reply_text": "field.reply", "reply_language": "case.field.reply_language",
	"reply_at": "field.reply_at", "satisfaction": "field.satisfaction", "attachment": "case.field.attachment",
	"outcome": "stats.col.outcome",
}

// shownOnCreate are the fields the registration line mentions; the rest of a new case
// is on the case view itself.
var shownOnCreate = map[string]bool{"subject": true, "citizen_name": true, "due_date": true, "channel": true}

// quietFields follow from another change and would only repeat it (the reply's time is
// the answer's, the waiting day is the status's).
var quietFields = map[string]bool{"answered_at": true, "reply_at": true, "waiting_since": true, "closed_at": true}

// receivedTag ends the note of a change received from another office (data/merge.go):
// "[OFFICE SEQ TIME]".
var receivedTag = regexp.MustCompile(`\s*\[([A-Z0-9]+) ([0-9]+) ([0-9T:.Z+-]+)\]$`)

// filesRemoved is what an anonymisation adds to its note (data/privacy.go).
var filesRemoved = regexp.MustCompile(`\s*\(([0-9]+) files removed\)$`)

// Date layouts per language, as the window writes them.
var dateLayouts = map[string]string{"it": "02/01/2006", "de": "02.01.2006", "en": "2006-01-02"}

func dateLayout(lang string) string {
	if l, ok := dateLayouts[lang]; ok {
		return l
	}
	return dateLayouts["en"]
}

// DateTime shows an instant as the office's civil time in the language's form.
func DateTime(t time.Time, lang string) string {
	return t.In(data.Rome).Format(dateLayout(lang) + " 15:04")
}

// Day shows a register date (YYYY-MM-DD) in the language's form.
func Day(day, lang string) string {
	d, err := time.ParseInLocation("2006-01-02", day, data.Rome)
	if err != nil {
		return day
	}
	return d.Format(dateLayout(lang))
}

// OfficeName is the office's name in the interface language. English has no name of its
// own in the register, so it shows both official ones.
func OfficeName(o data.Office, lang string) string {
	switch lang {
	case "it":
		if o.NameIT != "" {
			return o.NameIT
		}
	case "de":
		if o.NameDE != "" {
			return o.NameDE
		}
	}
	switch {
	case o.NameIT == "" && o.NameDE == "":
		return o.Code
	case o.NameIT == "" || o.NameIT == o.NameDE:
		return o.NameDE
	case o.NameDE == "":
		return o.NameIT
	}
	return o.NameIT + " / " + o.NameDE
}

// OfficeByCode names the office with that code in lang, the code itself if the register
// does not know it.
func OfficeByCode(offices []data.Office, code, lang string) string {
	for _, o := range offices {
		if o.Code == code {
			return OfficeName(o, lang)
		}
	}
	return code
}

// Describe tells entry e in lang; offices give the names of the offices it mentions.
func Describe(e data.AuditEntry, lang string, offices []data.Office) Line {
	l := Line{Who: e.Actor, Note: e.Note}
	if at, err := time.Parse(time.RFC3339Nano, e.At); err == nil {
		l.When = DateTime(at, lang)
	}
	// A change received from another office is shown with that office beside the
	// clerk and the time it was made there.
	if m := receivedTag.FindStringSubmatch(l.Note); m != nil {
		l.Note = strings.TrimSpace(strings.TrimSuffix(l.Note, m[0]))
		l.Who = translations.T(lang, "case.history.from_office", "who", e.Actor, "office", OfficeByCode(offices, m[1], lang))
		if at, err := time.Parse(time.RFC3339Nano, m[3]); err == nil {
			l.When = DateTime(at, lang)
		}
	}
	if m := filesRemoved.FindStringSubmatch(l.Note); m != nil {
		n, _ := strconv.Atoi(m[1])
		files := translations.T(lang, "case.history.files_removed.other", "n", m[1])
		if n == 1 {
			files = translations.T(lang, "case.history.files_removed.one", "n", m[1])
		}
		l.Note = strings.TrimSpace(strings.TrimSuffix(l.Note, m[0]))
		l.Details = append(l.Details, files)
	}
	action, office, _ := strings.Cut(e.Action, ":") // settings:BZ
	if key, ok := ActionKeys[action]; ok {
		l.What = translations.T(lang, key, "office", OfficeByCode(offices, office, lang))
	} else if key, ok := data.LetterActionKeys[action]; ok {
		l.What = translations.T(lang, key)
	} else {
		l.What = translations.T(lang, "case.history.other_action")
	}
	var details []string
	for _, ch := range e.ChangeList() {
		if e.Action == "create" && !shownOnCreate[ch.Field] || quietFields[ch.Field] {
			continue
		}
		if d, ok := letterDetail(ch, lang); ok {
			details = append(details, d)
			continue
		}
		name := translations.T(lang, "case.history.other_field")
		if key, ok := FieldKeys[ch.Field]; ok {
			name = translations.T(lang, key)
		}
		before, after := Value(ch.Field, ch.Old, lang, offices), Value(ch.Field, ch.New, lang, offices)
		switch {
		case before == after:
			continue // unchanged, carried so that a change of status travels whole
		case e.Action == "create" || before == "":
			details = append(details, translations.T(lang, "case.history.set", "field", name, "new", after))
		case after == "":
			details = append(details, translations.T(lang, "case.history.cleared", "field", name, "old", before))
		default:
			details = append(details, translations.T(lang, "case.history.changed", "field", name, "old", before, "new", after))
		}
	}
	l.Details = append(details, l.Details...)
	return l
}

// letterDetail tells a letter's issue, printing or sending, recorded as
// "id|number|language|size|sha256|signer", "id|number|sha256|printer" and
// "id|number|sha256|how" (data/letters.go); the undo of a sending names the way it had
// been recorded.
func letterDetail(ch data.FieldChange, lang string) (string, bool) {
	parts := strings.Split(ch.New, "|")
	switch ch.Field {
	case "letter":
		if len(parts) < 5 {
			return translations.T(lang, "case.history.letter_issued_plain"), true
		}
		size, _ := strconv.ParseInt(parts[3], 10, 64)
		s := translations.T(lang, "case.history.letter_issued", "number", parts[1],
			"language", letterLanguage(parts[2], lang), "size", formatSize(size, lang))
		if len(parts) > 5 && strings.TrimSpace(parts[5]) != "" {
			s += " " + translations.T(lang, "case.history.letter_signed", "signer", strings.TrimSpace(parts[5]))
		}
		return s, true
	case "letter_printed", "letter_sent", "letter_unsent":
		keys := [3]string{"case.history.letter_printed", "case.history.letter_printed_number", "case.history.letter_printed_plain"}
		switch ch.Field {
		case "letter_sent":
			keys = [3]string{"case.history.letter_sent", "case.history.letter_sent_number", "case.history.letter_sent_plain"}
		case "letter_unsent":
			keys = [3]string{"case.history.letter_unsent", "case.history.letter_unsent_number", "case.history.letter_unsent_plain"}
		}
		if len(parts) < 4 {
			return translations.T(lang, keys[2]), true
		}
		detail := strings.TrimSpace(strings.Join(parts[3:], "|"))
		if detail == "" {
			return translations.T(lang, keys[1], "number", parts[1]), true
		}
		return translations.T(lang, keys[0], "number", parts[1], "detail", detail), true
	}
	return "", false
}

// word is the translation under key, or the stored value itself if there is none (a
// value from a newer version of the program).
func word(lang, key, v string) string {
	if translations.Has("en", key) {
		return translations.T(lang, key)
	}
	return v
}

func letterLanguage(v, lang string) string {
	switch v {
	case "it", "de", "en":
		return word(lang, "language."+v, v)
	case "both":
		return translations.T(lang, "case.history.letter_both_languages")
	}
	return v
}

// formatSize says a file's size in whole kilobytes (at least 1), in the language's
// number form.
func formatSize(n int64, lang string) string {
	kb := (n + 1023) / 1024
	if kb < 1 {
		kb = 1
	}
	s := strconv.FormatInt(kb, 10)
	sep := "."
	if lang == "en" {
		sep = ","
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return translations.T(lang, "case.history.kilobytes", "n", s)
}

// Value shows a stored value in words: a status as the status's name, a time as the
// office's time, an office by its name, a long text cut to a line.
func Value(field, v, lang string, offices []data.Office) string {
	if v == "" {
		return ""
	}
	switch field {
	case "status", "kind", "channel":
		return word(lang, field+"."+v, v)
	case "citizen_language", "reply_language":
		return word(lang, "language."+v, v)
	case "office":
		return OfficeByCode(offices, v, lang)
	case "outcome":
		return word(lang, "stats.outcome."+v, v)
	case "received_at", "answered_at", "closed_at", "reply_at":
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return DateTime(t, lang)
		}
	case "due_date", "waiting_since":
		return Day(v, lang)
	case "attachment": // id|name|size|mime|sha256
		if parts := strings.Split(v, "|"); len(parts) == 5 {
			return parts[1]
		}
	case "satisfaction":
		if v == "0" {
			return ""
		}
		if _, err := strconv.Atoi(v); err == nil {
			return translations.T(lang, "case.history.score", "n", v)
		}
	case "waited_days", "deadline_days":
		if n, err := strconv.Atoi(v); err == nil {
			if n == 1 {
				return translations.T(lang, "case.history.working_days.one", "n", v)
			}
			return translations.T(lang, "case.history.working_days.other", "n", v)
		}
	}
	v = strings.Join(strings.Fields(v), " ")
	if r := []rune(v); len(r) > 90 {
		v = string(r[:89]) + "…"
	}
	return v
}
