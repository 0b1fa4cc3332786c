package letter

import (
	"sort"

	"ascolto/data"
)

// defaults are the program's wording of a reply letter in the register of the provincial
// offices: formal (the courtesy "Lei"/"Sie" forms), neutral where the citizen's gender is
// not recorded, and the same structure in both languages so that a bilingual letter
// lines up paragraph by paragraph. An office replaces any of them in its settings.
var defaults = map[data.TemplateKey]string{
	{Name: data.TemplateSalutation, Language: data.Italian}:          "Gentile {citizen},",
	{Name: data.TemplateSalutation, Language: data.German}:           "Guten Tag {citizen},",
	{Name: data.TemplateSalutationAnonymous, Language: data.Italian}: "Gentile cittadina, gentile cittadino,",
	{Name: data.TemplateSalutationAnonymous, Language: data.German}:  "Sehr geehrte Damen und Herren,",
	{Name: data.TemplateClosing, Language: data.Italian}:             "Distinti saluti",
	{Name: data.TemplateClosing, Language: data.German}:              "Mit freundlichen Grüßen",

	{Name: "body.request", Language: data.Italian}: "con riferimento alla Sua richiesta del {received}, registrata con il numero {number}, Le comunichiamo quanto segue.\n\n{reply}\n\nRestiamo a disposizione per ogni ulteriore chiarimento.",
	{Name: "body.request", Language: data.German}:  "bezugnehmend auf Ihre Anfrage vom {received}, registriert unter der Nummer {number}, teilen wir Ihnen Folgendes mit.\n\n{reply}\n\nFür weitere Auskünfte stehen wir Ihnen gerne zur Verfügung.",

	{Name: "body.proposal", Language: data.Italian}: "La ringraziamo per la Sua proposta del {received} (n. {number}), che abbiamo esaminato con attenzione.\n\n{reply}\n\nConfidiamo di poter contare anche in futuro sulla Sua collaborazione.",
	{Name: "body.proposal", Language: data.German}:  "wir danken Ihnen für Ihren Vorschlag vom {received} (Nr. {number}), den wir aufmerksam geprüft haben.\n\n{reply}\n\nWir freuen uns, wenn Sie sich auch weiterhin mit Ihren Ideen einbringen.",

	{Name: "body.report", Language: data.Italian}: "con riferimento alla Sua segnalazione del {received} (n. {number}), La informiamo di quanto segue.\n\n{reply}\n\nLa ringraziamo per averci segnalato la questione.",
	{Name: "body.report", Language: data.German}:  "bezugnehmend auf Ihre Meldung vom {received} (Nr. {number}) teilen wir Ihnen Folgendes mit.\n\n{reply}\n\nWir danken Ihnen, dass Sie uns darauf aufmerksam gemacht haben.",

	{Name: "body.suggestion", Language: data.Italian}: "La ringraziamo per il Suo suggerimento del {received} (n. {number}).\n\n{reply}\n\nOgni suggerimento ci aiuta a migliorare il nostro servizio.",
	{Name: "body.suggestion", Language: data.German}:  "wir danken Ihnen für Ihre Anregung vom {received} (Nr. {number}).\n\n{reply}\n\nJede Anregung hilft uns, unseren Dienst zu verbessern.",

	{Name: "body.complaint", Language: data.Italian}: "con riferimento al Suo reclamo del {received} (n. {number}), Le comunichiamo quanto segue.\n\n{reply}\n\nCi scusiamo per il disagio e La ringraziamo per averci dato l'opportunità di migliorare il nostro servizio.",
	{Name: "body.complaint", Language: data.German}:  "bezugnehmend auf Ihre Beschwerde vom {received} (Nr. {number}) teilen wir Ihnen Folgendes mit.\n\n{reply}\n\nWir bedauern die entstandenen Unannehmlichkeiten und danken Ihnen, dass Sie uns die Gelegenheit geben, unseren Dienst zu verbessern.",

	{Name: "body.praise", Language: data.Italian}: "La ringraziamo sentitamente per il Suo riscontro positivo del {received} (n. {number}).\n\n{reply}\n\nSarà nostra cura trasmettere le Sue parole ai collaboratori e alle collaboratrici interessati.",
	{Name: "body.praise", Language: data.German}:  "herzlichen Dank für Ihre positive Rückmeldung vom {received} (Nr. {number}).\n\n{reply}\n\nWir geben Ihr Lob gerne an die betroffenen Mitarbeiterinnen und Mitarbeiter weiter.",

	{Name: data.TemplatePrivacy, Language: data.Italian}: "Informativa sul trattamento dei dati personali (art. 13 del Regolamento (UE) 2016/679): i Suoi dati personali sono trattati dall'ufficio esclusivamente per la trattazione della Sua istanza e per la risposta, e sono conservati nel registro dell'ufficio. Può esercitare i diritti di cui agli articoli 15–22 del Regolamento rivolgendosi all'ufficio.",
	{Name: data.TemplatePrivacy, Language: data.German}:  "Information zum Datenschutz (Art. 13 der Verordnung (EU) 2016/679): Ihre personenbezogenen Daten werden vom Amt ausschließlich zur Bearbeitung und Beantwortung Ihres Anliegens verarbeitet und im Register des Amtes aufbewahrt. Die Rechte laut Art. 15–22 der Verordnung können Sie beim Amt geltend machen.",

	{Name: "phrase.documents", Language: data.Italian}:    "Per completare la pratica La preghiamo di farci pervenire la documentazione mancante entro 30 giorni dal ricevimento della presente.",
	{Name: "phrase.documents", Language: data.German}:     "Um den Vorgang abschließen zu können, ersuchen wir Sie, uns die fehlenden Unterlagen innerhalb von 30 Tagen ab Erhalt dieses Schreibens zukommen zu lassen.",
	{Name: "phrase.forwarded", Language: data.Italian}:    "La Sua istanza è stata inoltrata al servizio competente, che La contatterà direttamente.",
	{Name: "phrase.forwarded", Language: data.German}:     "Ihr Anliegen wurde an den zuständigen Dienst weitergeleitet, der sich direkt mit Ihnen in Verbindung setzen wird.",
	{Name: "phrase.office_hours", Language: data.Italian}: "Per un colloquio personale può rivolgersi ai nostri sportelli negli orari di apertura al pubblico.",
	{Name: "phrase.office_hours", Language: data.German}:  "Für ein persönliches Gespräch stehen Ihnen unsere Schalter während der Parteienverkehrszeiten zur Verfügung.",
}

// Templates are the texts a letter is made of: the office's own where it saved one, the
// program's default otherwise.
type Templates map[data.TemplateKey]string

// NewTemplates lays the office's templates over the defaults.
func NewTemplates(saved map[data.TemplateKey]string) Templates {
	out := Templates{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range saved {
		out[k] = v
	}
	return out
}

// Default is the program's text of a template ("" for a phrase the office made).
func Default(name string, lang data.Language) string {
	return defaults[data.TemplateKey{Name: name, Language: lang}]
}

// Text is the template's text in lang.
func (t Templates) Text(name string, lang data.Language) string {
	return t[data.TemplateKey{Name: name, Language: lang}]
}

// Phrases lists the reply phrases (default and the office's own), sorted by name.
func (t Templates) Phrases() []string {
	seen := map[string]bool{}
	var out []string
	for k := range t {
		if len(k.Name) > len(data.TemplatePhrasePrefix) && k.Name[:len(data.TemplatePhrasePrefix)] == data.TemplatePhrasePrefix && !seen[k.Name] {
			seen[k.Name] = true
			out = append(out, k.Name)
		}
	}
	sort.Strings(out)
	return out
}
