package letter

import "ascolto/data"

// StatusKey is the translation key under which a letter's status is shown (the case
// view, the command line): issued, printed, sent.
func StatusKey(s data.LetterStatus) string {
	switch s {
	case data.LetterSent:
		return "letter.status.sent"
	case data.LetterPrinted:
		return "letter.status.printed"
	}
	return "letter.status.issued"
}

// LanguageKey is the translation key of a letter's language.
func LanguageKey(l data.LetterLanguage) string {
	switch l {
	case data.LetterItalian:
		return "language.it"
	case data.LetterGerman:
		return "language.de"
	}
	return "letter.language.both"
}
