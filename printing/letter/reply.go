package letter

import (
	"regexp"
	"strings"
)

// Clerks often write the reply as a whole letter, "Sehr geehrter Herr Müller, …" down to
// "Mit freundlichen Grüßen" (the register's own examples do). The letter brings its own
// salutation and closing, so a reply that begins with a salutation gives the letter
// that salutation (the clerk knows how to address the citizen, the template does not),
// and a reply that ends with a closing formula gives the letter that closing, as the
// clerk wrote it (with the name or role lines under it, if any), in place of the
// template's: one closing, and the clerk's words unchanged.
var (
	salutationHead = regexp.MustCompile(`^(?i:gentil[ei]|egregi[oa]|spettabile|car[oa]|buongiorno|sehr geehrte[rn]?|guten tag|liebe[r]?|geschätzte[r]?|grüß gott|dear)\b[^\n,]{0,80},[ \t]*(\n|$)?`)
	// closingTail is a closing formula starting a line near the end, with a full stop,
	// comma or exclamation mark after it, and at most two short lines below it (a name,
	// a role).
	closingTail = regexp.MustCompile(`(?i)\n[ \t]*((?:distinti saluti|cordiali saluti|saluti cordiali|con i migliori saluti|con i più cordiali saluti|con osservanza|cordialmente|mit freundlichen gr(?:ü|ue)(?:ß|ss)en|freundliche gr(?:ü|ue)(?:ß|ss)e|mit besten gr(?:ü|ue)(?:ß|ss)en|beste gr(?:ü|ue)(?:ß|ss)e|hochachtungsvoll|kind regards|best regards|yours sincerely)[ \t]*[.,!]?(?:[ \t]*\n[ \t]*[^\n]{1,60}?){0,2})[ \t]*\s*$`)
)

// trimReply splits a reply into the salutation it starts with (if any), the text that
// goes into the letter's body, and the closing it ends with (if any), each as written.
func trimReply(reply string) (salutation, text, closing string) {
	text = strings.TrimSpace(strings.ReplaceAll(reply, "\r\n", "\n"))
	if m := salutationHead.FindString(text); m != "" {
		salutation = strings.TrimSpace(m)
		text = strings.TrimSpace(text[len(m):])
	}
	if m := closingTail.FindStringSubmatchIndex("\n" + text); m != nil {
		closing = strings.TrimSpace(("\n" + text)[m[2]:m[3]])
		text = strings.TrimSpace(("\n" + text)[:m[0]])
	}
	if text == "" { // a reply that is only a salutation or a closing stays as it was written
		return "", strings.TrimSpace(reply), ""
	}
	return salutation, text, closing
}
