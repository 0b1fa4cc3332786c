package letter

import (
	"regexp"
	"strings"
)

// Clerks often write the reply as a whole letter, "Sehr geehrter Herr Müller, …" down to
// "Mit freundlichen Grüßen" (the register's own examples do). The letter brings its own
// salutation and closing, so a reply that begins with a salutation gives the letter
// that salutation (the clerk knows how to address the citizen, the template does not),
// and a closing formula at its end is dropped rather than printed twice.
var (
	salutationHead = regexp.MustCompile(`^(?i:gentil[ei]|egregi[oa]|spettabile|car[oa]|buongiorno|sehr geehrte[rn]?|guten tag|liebe[r]?|geschätzte[r]?|grüß gott|dear)\b[^\n,]{0,80},[ \t]*(\n|$)?`)
	closingTail    = regexp.MustCompile(`(?i)\n\s*(distinti saluti|cordiali saluti|con i migliori saluti|mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|hochachtungsvoll|kind regards)[.!]?\s*$`)
)

// trimReply splits a reply into the salutation it starts with (if any) and the text
// that goes into the letter's body.
func trimReply(reply string) (salutation, text string) {
	text = strings.TrimSpace(strings.ReplaceAll(reply, "\r\n", "\n"))
	if m := salutationHead.FindString(text); m != "" {
		salutation = strings.TrimSpace(m)
		text = strings.TrimSpace(text[len(m):])
	}
	text = strings.TrimSpace(closingTail.ReplaceAllString("\n"+text, ""))
	if text == "" { // a reply that is only a salutation stays as it was written
		return "", strings.TrimSpace(reply)
	}
	return salutation, text
}
