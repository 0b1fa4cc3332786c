package letter

import (
	"strconv"
	"strings"

	"ascolto/data"
	"ascolto/printing"
)

var (
	headNameStyle = style{"B", 9.5, 4.3}
	headAddrStyle = style{"", 7.5, 3.3}
	returnStyle   = style{"", 6.5, 3}
	addressStyle  = style{"", 10, 4.6}
	labelStyle    = style{"", 7, 3.1}
	valueStyle    = style{"", 9, 4.1}
	footStyle     = style{"", 6.5, 2.8}
	pageStyle     = style{"", 8, 3.5}
	smallBold     = style{"B", 8, 3.5}
)

const (
	dateY      = 98.0
	subjectY   = 106.0
	paraGap    = 2.6
	closingGap = 5.0
	sigImageH  = 16.0
)

// windowX is where the address field starts: left for DIN envelopes (the default),
// right for the envelopes with the window on the right that many Italian offices use.
func (l *layout) windowX() (addrX, addrW, infoX, infoW float64) {
	if l.in.Settings.Window == "right" {
		return 118, 72, marginL, 78
	}
	return marginL, 80, 125, 65
}

// subjectLines are the subject in each language, wrapped with a hanging indent under
// the label ("Oggetto:"), computed once for the layout and the drawing.
func (l *layout) subjectLines() (labelW float64, out [][2]string) {
	pdf := l.pdf
	pdf.SetFont(printing.Family, "B", 10)
	for _, lang := range l.langs {
		labelW = max(labelW, pdf.GetStringWidth(l.t(lang, "letter.pdf.subject")+" "))
	}
	c := l.in.Case
	for _, lang := range l.langs {
		line := l.t(lang, "letter.pdf.subject_line", "kind", printing.Capitalize(l.t(lang, "kind."+string(c.Kind))),
			"number", c.Number, "received", printing.LongDate(c.ReceivedAt, lang), "subject", strings.TrimSpace(c.Subject))
		for i, w := range printing.Wrap(pdf, line, textW-labelW) {
			label := ""
			if i == 0 {
				label = l.t(lang, "letter.pdf.subject")
			}
			out = append(out, [2]string{label, w})
		}
	}
	return labelW, out
}

// layoutText places the body: salutation, the reply, the closing, then the signature,
// in one column or, for a bilingual letter, German on the left and Italian on the right.
func (l *layout) layoutText() {
	_, subj := l.subjectLines()
	top := subjectY + float64(len(subj))*boldStyle.lead + 7
	sigH := l.signatureHeight()

	var cols []column
	if len(l.langs) == 2 {
		w := (textW - 9) / 2
		cols = []column{{x: marginL, w: w, out: &l.lines}, {x: marginL + w + 9, w: w, out: &l.lines}}
	} else {
		cols = []column{{x: marginL, w: textW, out: &l.lines}}
	}
	blocks := make([][]block, len(cols))
	for i, lang := range l.langs {
		blocks[i] = l.blocks(lang, cols[i].w, sigH)
	}
	start := pos{1, top}
	var end pos
	if len(cols) == 2 {
		end = flowSideBySide(cols[0], cols[1], blocks[0], blocks[1], start)
	} else {
		end = start
		for _, b := range blocks[0] {
			end = cols[0].flow(b, end)
		}
	}
	if end.y+sigH > bodyBottom { // kept with the closing, so only a very long closing gets here
		end = pos{end.page + 1, nextBodyTop}
	}
	x, w := 110.0, 80.0
	if len(l.langs) == 1 && l.langs[0] == data.German {
		x, w = marginL, 80
	}
	l.sigBox = Box{Page: end.page, X: x, Y: end.y + 1, W: w, H: sigH + 1.5}
	l.pages = end.page
	for _, pl := range l.lines {
		l.pages = max(l.pages, pl.page)
	}
}

// blocks are one language's paragraphs: salutation, the body with the reply, closing.
func (l *layout) blocks(lang data.Language, w, sigH float64) []block {
	sal := strings.TrimSpace(l.in.Salutations[lang])
	if sal == "" {
		sal = l.salutations[lang] // written by the clerk at the head of the reply
	}
	if sal == "" {
		name := data.TemplateSalutation
		if strings.TrimSpace(l.in.Case.Citizen.Name) == "" {
			name = data.TemplateSalutationAnonymous
		}
		sal = l.template(name, lang)
	}
	out := []block{paragraph(l.pdf, sal, bodyStyle, w, 0)}
	body := l.body(lang)
	for _, p := range splitParagraphs(body) {
		gap := paraGap
		if len(out) == 1 {
			gap = 4
		}
		out = append(out, paragraph(l.pdf, p, bodyStyle, w, gap))
	}
	text := l.closings[lang] // the clerk's own, as written
	if text == "" {
		text = l.template(data.TemplateClosing, lang)
	}
	closing := paragraph(l.pdf, text, bodyStyle, w, closingGap)
	closing.keep = sigH
	return append(out, closing)
}

// body is the body template of the case's kind with the reply in it. A reply that opens
// a paragraph after the template's own first sentence starts with a capital, even when
// the clerk wrote it to follow the salutation ("Gentile signora, il certificato …").
func (l *layout) body(lang data.Language) string {
	tpl := l.in.Templates.Text(data.TemplateBodyPrefix+string(l.in.Case.Kind), lang)
	v := l.values(lang)
	if i := strings.Index(tpl, "{reply}"); i > 0 {
		before := strings.TrimRight(tpl[:i], " \t")
		if strings.HasSuffix(before, "\n\n") && strings.TrimSpace(before) != "" {
			v["reply"] = printing.Capitalize(v["reply"])
		}
	}
	return strings.TrimSpace(data.ExpandTemplate(tpl, v))
}

// splitParagraphs cuts text at blank lines; single line breaks stay inside a paragraph.
func splitParagraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.Trim(p, "\n "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// signatureHeight is the room the signature block takes: role, the signature (scanned,
// or space to sign by hand), name, and the note of a digital signature.
func (l *layout) signatureHeight() float64 {
	h := 2 + float64(len(l.langs))*bodyStyle.lead + sigImageH + bodyStyle.lead
	if l.in.Signed {
		h += noteStyle.lead
	}
	return h
}

// signature draws the signature block: in Italian and bilingual letters on the right,
// the role above the signature and the name below it; in German ones on the left, the
// name and below it the role (DIN 5008).
func (l *layout) signature(sig *picture) {
	b := l.sigBox
	if l.in.Frame {
		// the visible signature field's frame, drawn on the page (see Input.Frame)
		l.pdf.SetDrawColor(40, 70, 150)
		l.pdf.SetLineWidth(0.2)
		l.pdf.Rect(b.X, b.Y, b.W, b.H, "D")
	}
	y := b.Y + 1
	german := len(l.langs) == 1 && l.langs[0] == data.German
	align := byte('C')
	if german {
		align = 'L'
	}
	if !german {
		for _, lang := range l.langs {
			l.text(b.X, y, b.W, align, bodyStyle, ink, l.role(lang))
			y += bodyStyle.lead
		}
	}
	if sig != nil {
		drawPicture(l.pdf, "signature", sig, b.X, y+1, b.W, sigImageH-2, !german)
	}
	y += sigImageH
	if l.in.Signer != "" {
		l.text(b.X, y, b.W, align, bodyStyle, ink, l.in.Signer)
	}
	y += bodyStyle.lead
	if german {
		l.text(b.X, y, b.W, align, bodyStyle, ink, l.role(data.German))
		y += bodyStyle.lead
	}
	if l.in.Signed {
		note := l.both(" – ", func(lang data.Language) string { return l.t(lang, "letter.pdf.signed") })
		l.text(b.X, y, b.W, align, noteStyle, grey, note)
	}
}

// letterhead: the office's names in German (left) and Italian (right) with their
// addresses, the logo between them, as on the provincial administration's paper.
func (l *layout) letterhead(logo *picture) {
	addrIT, addrDE := printing.Bilingual(l.in.Office.Address)
	y := l.para(marginL, headTop, 66, 'L', headNameStyle, ink, l.in.Office.NameDE)
	bottom := l.para(marginL, y+0.5, 66, 'L', headAddrStyle, grey, strings.ReplaceAll(addrDE, ", ", "\n"))
	y = l.para(pageW-marginR-66, headTop, 66, 'R', headNameStyle, ink, l.in.Office.NameIT)
	bottom = max(bottom, l.para(pageW-marginR-66, y+0.5, 66, 'R', headAddrStyle, grey, strings.ReplaceAll(addrIT, ", ", "\n")))
	if logo != nil {
		_, h := drawPicture(l.pdf, "logo", logo, pageW/2-13, headTop-2, 26, 24, true)
		bottom = max(bottom, headTop-2+h)
	}
	l.rule(marginL, min(bottom+3, ruleY), pageW-marginR, 0.35, 70)
}

// addressAndInfo fills the envelope's window (return line, then the citizen's name and
// address) and, beside it, the letter's references.
func (l *layout) addressAndInfo() {
	addrX, addrW, infoX, infoW := l.windowX()
	lang := l.langs[0]
	it, de := printing.Bilingual(l.in.Office.Address)
	addr := it
	if lang == data.German {
		addr = de
	}
	ret := l.officeName(lang)
	if addr != "" {
		ret += " · " + strings.ReplaceAll(addr, ", ", " · ")
	}
	l.pdf.SetFont(printing.Family, returnStyle.face, returnStyle.size)
	ret = printing.Ellipsis(l.pdf, ret, addrW)
	l.text(addrX, windowTop+1, addrW, 'L', returnStyle, grey, ret)
	l.rule(addrX, windowTop+4.2, addrX+l.pdf.GetStringWidth(ret), 0.1, hair)

	y := windowTop + 7
	lines := recipientLines(l.in.Case.Citizen)
	for _, line := range lines[:min(len(lines), 7)] {
		l.pdf.SetFont(printing.Family, "", addressStyle.size)
		l.text(addrX, y, addrW, 'L', addressStyle, ink, printing.Ellipsis(l.pdf, line, addrW))
		y += addressStyle.lead
	}

	y = windowTop + 7
	row := func(key, value string) {
		if value == "" {
			return
		}
		label := l.both(" / ", func(lang data.Language) string { return l.t(lang, key) })
		l.text(infoX, y, infoW, 'L', labelStyle, grey, label)
		y += labelStyle.lead
		l.pdf.SetFont(printing.Family, "", valueStyle.size)
		l.text(infoX, y, infoW, 'L', valueStyle, ink, printing.Ellipsis(l.pdf, value, infoW))
		y += valueStyle.lead + 1.2
	}
	c := l.in.Case
	row("letter.pdf.protocol", l.in.Letter.Number)
	row("letter.pdf.reference", c.Number)
	row("letter.pdf.clerk", c.Assignee)
}

// recipientLines are the name and the postal address, one part per line ("Via Roma 12,
// 39100 Bolzano" is two lines); without a postal address, the e-mail address the reply
// goes to.
func recipientLines(c data.Citizen) []string {
	var out []string
	if n := strings.TrimSpace(c.Name); n != "" {
		out = append(out, n)
	}
	addr := strings.ReplaceAll(printing.Clean(c.Address), "\n", ",")
	for _, part := range strings.Split(addr, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	if strings.TrimSpace(c.Address) == "" && c.Email != "" {
		out = append(out, c.Email)
	}
	return out
}

// dateAndSubject writes "Bolzano, 27 novembre 2026" and the subject.
func (l *layout) dateAndSubject() {
	date := l.both(" – ", func(lang data.Language) string {
		return l.place(lang) + ", " + printing.LongDate(l.in.Letter.IssuedAt, lang)
	})
	l.text(marginL, dateY, textW, 'R', bodyStyle, ink, date)
	labelW, lines := l.subjectLines()
	y := subjectY
	for _, s := range lines {
		if s[0] != "" {
			l.text(marginL, y, labelW, 'L', boldStyle, ink, s[0])
		}
		l.text(marginL+labelW, y, textW-labelW, 'L', boldStyle, ink, s[1])
		y += boldStyle.lead
	}
}

// foldMarks show where to fold the sheet for a DL envelope, and the punch mark.
func (l *layout) foldMarks() {
	l.rule(4, 105, 9, 0.2, hair)
	l.rule(4, 210, 9, 0.2, hair)
	l.rule(4, 148.5, 11, 0.2, hair)
}

// runningHeader heads the pages after the first: the office and the letter's number.
func (l *layout) runningHeader(page int) {
	name := l.both(" – ", l.officeName)
	l.pdf.SetFont(printing.Family, smallBold.face, smallBold.size)
	l.text(marginL, headTop, textW*0.62, 'L', smallBold, ink, printing.Ellipsis(l.pdf, name, textW*0.62))
	ref := l.both(" / ", func(lang data.Language) string { return l.t(lang, "letter.pdf.protocol") }) + " " + l.in.Letter.Number
	l.text(marginL, headTop, textW, 'R', pageStyle, grey, ref)
	l.rule(marginL, headTop+5.5, pageW-marginR, 0.2, hair)
}

// footer: the privacy note on every page, the office's contacts and "Pagina 1 di 2".
func (l *layout) footer(page int) {
	l.rule(marginL, footerRule, pageW-marginR, 0.2, hair)
	w := textW
	if len(l.langs) == 2 {
		w = (textW - 9) / 2
	}
	for i, lang := range l.langs {
		x := marginL + float64(i)*(w+9)
		l.pdf.SetFont(printing.Family, footStyle.face, footStyle.size)
		lines := printing.Wrap(l.pdf, l.template(data.TemplatePrivacy, lang), w)
		if len(lines) > 5 {
			lines = append(lines[:4], printing.Ellipsis(l.pdf, strings.Join(lines[4:], " "), w))
		}
		for j, line := range lines {
			l.text(x, footerRule+1.2+float64(j)*footStyle.lead, w, 'L', footStyle, grey, line)
		}
	}
	if c := strings.TrimSpace(l.in.Settings.Contact); c != "" {
		l.pdf.SetFont(printing.Family, "", pageStyle.size)
		l.text(marginL, pageNumberY, textW*0.6, 'L', pageStyle, grey, printing.Ellipsis(l.pdf, c, textW*0.6))
	}
	if l.pages > 1 {
		n := l.both(" – ", func(lang data.Language) string {
			return l.t(lang, "letter.pdf.page", "page", strconv.Itoa(page), "pages", strconv.Itoa(l.pages))
		})
		l.text(marginL, pageNumberY, textW, 'R', pageStyle, grey, n)
	}
}
