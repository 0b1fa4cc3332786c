package ui

import (
	"ascolto/data"
	"ascolto/translations"
)

// phrase is a piece of reply the clerk inserts instead of typing it: its name in the
// interface language and its text in the reply's language, with {salutation},
// {number}, {date}, {subject} and {office} filled from the case. The keys are written out whole
// so that the translation tests find each of them.
type phrase struct {
	title, text string
}

// kindPhrases are the skeleton replies, one per kind: a complaint is answered with an
// apology and what was done, praise with thanks, a request with the information.
var kindPhrases = map[data.Kind]phrase{
	data.KindRequest:    {"case.phrase.request", "case.phrase.request.text"},
	data.KindProposal:   {"case.phrase.proposal", "case.phrase.proposal.text"},
	data.KindReport:     {"case.phrase.report", "case.phrase.report.text"},
	data.KindSuggestion: {"case.phrase.suggestion", "case.phrase.suggestion.text"},
	data.KindComplaint:  {"case.phrase.complaint", "case.phrase.complaint.text"},
	data.KindPraise:     {"case.phrase.praise", "case.phrase.praise.text"},
}

// commonPhrases fit a reply of any kind.
var commonPhrases = []phrase{
	{"case.phrase.forwarded", "case.phrase.forwarded.text"},
	{"case.phrase.documents", "case.phrase.documents.text"},
	{"case.phrase.closing", "case.phrase.closing.text"},
}

// phrasesFor lists the phrases offered for a case: its kind's skeleton first.
func phrasesFor(k data.Kind) []phrase {
	out := []phrase{}
	if p, ok := kindPhrases[k]; ok {
		out = append(out, p)
	}
	return append(out, commonPhrases...)
}

// phraseText is a phrase in the reply's language, filled from the case.
func phraseText(p phrase, c *data.Case, replyLang data.Language, office data.Office) string {
	lang := string(replyLang)
	if lang == "" {
		lang = "it"
	}
	salutation := translations.T(lang, "case.phrase.salutation_none")
	if name := c.Citizen.Name; name != "" {
		salutation = translations.T(lang, "case.phrase.salutation", "name", name)
	}
	return translations.T(lang, p.text, "salutation", salutation, "number", c.Number,
		"date", formatDay(c.ReceivedAt.In(data.Rome).Format("2006-01-02"), lang), "subject", c.Subject,
		"office", OfficeName(office, lang))
}
