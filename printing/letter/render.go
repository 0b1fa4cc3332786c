// Package letter makes the office's formal reply letter as a PDF: the bilingual letterhead,
// the citizen's address where a window envelope shows it, the protocol number, place and
// long date, the subject that names the citizen's item, the reply over as many pages as
// it needs, the signature and a privacy note, in Italian, German or both side by side.
package letter

import (
	"bytes"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"ascolto/data"
	"ascolto/printing"
	"ascolto/printing/pdfa"
	"ascolto/translations"
)

// Input is everything a letter shows.
type Input struct {
	Case      *data.Case
	Letter    *data.Letter // its number and date
	Office    data.Office
	Settings  data.LetterSettings
	Templates Templates
	Language  data.LetterLanguage
	// Replies holds the reply text per language; a bilingual letter needs both.
	Replies map[data.Language]string
	// Salutations replace the template's salutation in a language ("Sehr geehrter Herr
	// Müller,"), for when the clerk knows how the citizen is addressed.
	Salutations map[data.Language]string
	// Logo and SignatureImage are PNG or JPEG bytes; nil leaves them out.
	Logo, SignatureImage []byte
	// Signer is the name under the signature: the settings' signer, else the certificate's.
	Signer string
	// Signed adds the note that the document carries a digital signature.
	Signed bool
	// PDFA makes the letter PDF/A-2b (printing/pdfa), the form kept for the long term.
	PDFA bool
	// Frame draws a thin frame around the signature block: where a visible signature
	// field would be, on a PDF/A letter, whose field stays invisible (its picture would
	// need transparency).
	Frame bool
}

// Box is a rectangle on a page in millimetres from the top left corner: where the
// signature block is, for a visible signature field.
type Box struct {
	Page       int
	X, Y, W, H float64
}

// Page geometry (mm) after DIN 5008 form B, which the window envelopes used in South
// Tyrol (DL, 110 × 220 mm, window 90 × 45 mm) are made for: 25 mm left margin, the
// address field from 45 mm below the top edge, fold marks at 105 and 210 mm.
const (
	pageW       = 210.0
	marginL     = 25.0
	marginR     = 20.0
	textW       = pageW - marginL - marginR
	headTop     = 12.0
	ruleY       = 41.0
	windowTop   = 45.0
	windowH     = 45.0
	footerRule  = 266.0
	pageNumberY = 284.0
)

// colours as grey levels
const (
	ink  = 25
	grey = 95
	hair = 160
)

// layout is one letter being made.
type layout struct {
	in     Input
	pdf    *gofpdf.Fpdf
	langs  []data.Language
	lines  []placed
	pages  int
	sigBox Box
	// salutations the clerk wrote at the head of the reply, and closings at its end,
	// taken out of it: they stand in place of the templates'
	salutations, closings map[data.Language]string
}

// Render makes the letter's PDF. It also says where the signature block is (for a
// visible signature field).
func Render(in Input) ([]byte, Box, error) {
	l := &layout{in: in, langs: in.Language.Languages(), pdf: printing.NewDocument("P", in.Letter.IssuedAt)}
	l.salutations, l.closings = map[data.Language]string{}, map[data.Language]string{}
	replies := map[data.Language]string{}
	for _, lang := range l.langs {
		if strings.TrimSpace(in.Replies[lang]) == "" {
			return nil, Box{}, data.Problemf("letter.err_no_reply_language", "number", in.Case.Number, "language", strings.ToUpper(string(lang)))
		}
		l.salutations[lang], replies[lang], l.closings[lang] = trimReply(in.Replies[lang])
	}
	l.in.Replies = replies
	logo, sig, err := l.pictures()
	if err != nil {
		return nil, Box{}, err
	}
	info := pdfa.Info{
		Title: l.t(l.langs[0], "letter.pdf.title", "number", in.Letter.Number), Author: l.officeName(l.langs[0]),
		Subject: printing.Clean(in.Case.Subject), Keywords: in.Case.Number, Creator: "Ascolto", Producer: "Ascolto",
		Created: in.Letter.IssuedAt,
	}
	l.pdf.SetTitle(info.Title, true)
	l.pdf.SetAuthor(info.Author, true)
	l.pdf.SetSubject(info.Subject, true)

	l.layoutText()
	for p := 1; p <= l.pages; p++ {
		l.pdf.AddPage()
		if p == 1 {
			l.letterhead(logo)
			l.addressAndInfo()
			l.dateAndSubject()
			l.foldMarks()
		} else {
			l.runningHeader(p)
		}
		l.footer(p)
		for _, pl := range l.lines {
			if pl.page == p {
				l.text(pl.x, pl.y, pl.w, 'L', pl.st, ink, pl.text)
			}
		}
		if p == l.sigBox.Page {
			l.signature(sig)
		}
	}
	var buf bytes.Buffer
	if err := l.pdf.Output(&buf); err != nil {
		return nil, Box{}, &data.Problem{Key: "letter.err_render", Args: map[string]string{"detail": err.Error()}, Err: err}
	}
	if !in.PDFA {
		return buf.Bytes(), l.sigBox, nil
	}
	doc, err := pdfa.Archive(buf.Bytes(), info)
	if err != nil {
		return nil, Box{}, &data.Problem{Key: "letter.err_render", Args: map[string]string{"detail": err.Error()}, Err: err}
	}
	return doc, l.sigBox, nil
}

func (l *layout) pictures() (logo, sig *picture, err error) {
	if len(l.in.Logo) > 0 {
		if logo, err = preparePicture(l.in.Logo); err != nil {
			return nil, nil, err
		}
	}
	if len(l.in.SignatureImage) > 0 {
		if sig, err = preparePicture(l.in.SignatureImage); err != nil {
			return nil, nil, err
		}
	}
	return logo, sig, nil
}

func (l *layout) t(lang data.Language, key string, kv ...string) string {
	return translations.T(string(lang), key, kv...)
}

// both joins the texts of a bilingual letter's languages ("Betreff / Oggetto").
func (l *layout) both(sep string, f func(data.Language) string) string {
	var parts []string
	for _, lang := range l.langs {
		parts = append(parts, f(lang))
	}
	return strings.Join(parts, sep)
}

func (l *layout) officeName(lang data.Language) string {
	if lang == data.German {
		return l.in.Office.NameDE
	}
	return l.in.Office.NameIT
}

func (l *layout) place(lang data.Language) string {
	it, de := printing.Place(l.in.Office.Address)
	if lang == data.German {
		return firstNonEmpty(l.in.Settings.PlaceDE, de)
	}
	return firstNonEmpty(l.in.Settings.PlaceIT, it)
}

func (l *layout) role(lang data.Language) string {
	if lang == data.German {
		return firstNonEmpty(l.in.Settings.RoleDE, l.t(lang, "letter.pdf.role"))
	}
	return firstNonEmpty(l.in.Settings.RoleIT, l.t(lang, "letter.pdf.role"))
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// values fill the templates' placeholders in one language.
func (l *layout) values(lang data.Language) map[string]string {
	c := l.in.Case
	due := ""
	if d, err := time.ParseInLocation("2006-01-02", c.DueDate, data.Rome); err == nil {
		due = printing.LongDate(d, lang)
	}
	return map[string]string{
		"citizen": strings.TrimSpace(c.Citizen.Name), "number": c.Number,
		"received": printing.LongDate(c.ReceivedAt, lang), "date": printing.LongDate(l.in.Letter.IssuedAt, lang),
		"office": l.officeName(lang), "signer": l.in.Signer, "role": l.role(lang), "subject": c.Subject,
		"kind": l.t(lang, "kind."+string(c.Kind)), "reply": strings.TrimSpace(l.in.Replies[lang]), "due": due,
	}
}

// template expands one of the letter's templates.
func (l *layout) template(name string, lang data.Language) string {
	return strings.TrimSpace(data.ExpandTemplate(l.in.Templates.Text(name, lang), l.values(lang)))
}

// text draws one line in a box of width w whose top is y, aligned L, R or C.
func (l *layout) text(x, y, w float64, align byte, st style, grey int, s string) {
	pdf := l.pdf
	pdf.SetFont(printing.Family, st.face, st.size)
	pdf.SetTextColor(grey, grey, grey)
	sw := pdf.GetStringWidth(s)
	switch align {
	case 'R':
		x += w - sw
	case 'C':
		x += (w - sw) / 2
	}
	size := st.size * 25.4 / 72
	pdf.Text(x, y+(st.lead-size)/2+size*0.8, s)
}

// lines draws wrapped text from y down and returns the y below it.
func (l *layout) para(x, y, w float64, align byte, st style, grey int, s string) float64 {
	l.pdf.SetFont(printing.Family, st.face, st.size)
	for _, line := range printing.Wrap(l.pdf, s, w) {
		l.text(x, y, w, align, st, grey, line)
		y += st.lead
	}
	return y
}

func (l *layout) rule(x1, y, x2 float64, width float64, level int) {
	l.pdf.SetDrawColor(level, level, level)
	l.pdf.SetLineWidth(width)
	l.pdf.Line(x1, y, x2, y)
}
