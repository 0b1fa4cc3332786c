package mailin

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ascolto/data"
)

// item is one mail of the corpus with what the reader must make of it: a citizen's
// message (name, address, subject, a piece of the text, the files by name and SHA-256),
// a PEC receipt, or a refusal.
type item struct {
	name                       string
	raw                        []byte
	refused                    string
	receipt                    string
	pec                        bool
	fromName, fromAddr, subj   string
	text                       string
	files                      []file
	date                       time.Time
	dateProblem                bool
	lang                       data.Language
	checkLang                  bool
	receiptProblem, receiptFor string
}

type person struct {
	name, addr string
}

var people = []person{
	{"Jörg Müller", "joerg.mueller@example.org"},
	{"Nicolò Bernardi", "nicolo.bernardi@example.it"},
	{"Maria Rossi", "maria.rossi@example.it"},
	{"Anna Gruber", "anna.gruber@example.com"},
	{"Franziska Überbacher", "f.ueberbacher@example.net"},
	{"Giuseppe D'Angelo", "g.dangelo@example.it"},
	{"Elisabeth Pichler", "elisabeth.pichler@example.at"},
	{"Chiara Dell'Antonio", "chiara.dellantonio@example.it"},
	{"Stefan Öttl", "stefan.oettl@example.org"},
	{"Lucia Ferrè", "lucia.ferre@example.it"},
}

type letter struct {
	subject string
	lines   []string // the second line is the one looked for
	lang    data.Language
}

var letters = []letter{
	{"Reclamo: orari dello sportello già ridotti", []string{"Gentile ufficio,", "da lunedì gli orari dello sportello di via Dante sono stati ridotti – non è più possibile presentare la domanda prima delle 9.", "Cordiali saluti"}, data.Italian},
	{"Beschwerde: Wartezeiten am Schalter für Arbeitslose", []string{"Sehr geehrte Damen und Herren,", "ich habe über zwei Stunden am Schalter gewartet, obwohl ich einen Termin für die Arbeitslosenmeldung hatte.", "Mit freundlichen Grüßen"}, data.German},
	{"Richiesta rimborso di 25 € per il corso", []string{"Buongiorno,", "il rimborso di 25 € per il corso “Lingua tedesca B1” non è ancora arrivato e sono passati tre mesi.", "Grazie per l’aiuto"}, data.Italian},
	{"Anfrage „Weiterbildung“ – Kosten 120 €", []string{"Sehr geehrte Damen und Herren,", "ich bitte um Auskunft über die Kurse „Weiterbildung“ – die Kosten von 120 € sind für mich leider zu hoch.", "Danke und freundliche Grüße"}, data.German},
	{"Domanda di contributo per l'affitto", []string{"Spettabile ufficio,", "con la presente chiedo il contributo per l’affitto dell’anno 2026; allego la documentazione richiesta.", "Distinti saluti"}, data.Italian},
	{"Antrag auf Mietbeihilfe für Familie Öttl", []string{"Sehr geehrte Frau Dr. Gruber,", "anbei sende ich Ihnen den Antrag auf Mietbeihilfe – die Unterlagen sind vollständig und unterschrieben.", "Mit freundlichen Grüßen"}, data.German},
}

func (l letter) body() string { return strings.Join(l.lines, "\n") }

// content makes a file's bytes: its format's magic, then varied bytes (all 256 values).
func content(kind string, seed int) []byte {
	magic := map[string]string{"pdf": "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "png": "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "jpg": "\xff\xd8\xff\xe0\x00\x10JFIF\x00",
		"docx": "PK\x03\x04\x14\x00\x06\x00", "tnef": "\x78\x9f\x3e\x22\x01\x00\x01\x06\x90\x08\x00", "txt": ""}[kind]
	b := []byte(magic)
	if kind == "txt" {
		return []byte(fmt.Sprintf("Elenco documenti n. %d\r\n- carta d'identità\r\n- Meldebescheinigung für 2026\r\n", seed))
	}
	n := 200 + seed*37%900
	for i := 0; i < n; i++ {
		b = append(b, byte((i*131+seed*17)^(i>>3)))
	}
	return b
}

var fileNames = []file{
	{"Domanda firmata Rosì.pdf", "application/pdf", nil},
	{"Lebenslauf Müller.pdf", "application/pdf", nil},
	{"Foto sportello n°3.png", "image/png", nil},
	{"Bescheinigung 2026 – Kopie.pdf", "application/pdf", nil},
	{"ricevuta_pagamento.jpg", "image/jpeg", nil},
	{"Modulo “A” compilato.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", nil},
	{"elenco documenti.txt", "text/plain", nil},
	{"Überweisung Miete März.pdf", "application/pdf", nil},
}

func someFiles(seed, n int) []file {
	var out []file
	for i := 0; i < n; i++ {
		f := fileNames[(seed+i*3)%len(fileNames)]
		kind := map[string]string{"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "text/plain": "txt"}[f.media]
		if kind == "" {
			kind = "docx"
		}
		f.content = content(kind, seed*7+i)
		out = append(out, f)
	}
	return out
}

func when(i int) time.Time {
	zone := time.FixedZone("", 7200)
	if i%3 == 0 {
		zone = time.FixedZone("", 3600)
	}
	return time.Date(2026, time.Month(1+i%12), 1+i%28, 8+i%10, i*7%60, i*13%60, 0, zone)
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func htmlOf(l letter) string {
	var b strings.Builder
	b.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"><style>p{margin:0;color:red}</style></head><body>")
	for _, line := range l.lines {
		b.WriteString("<p>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", "“", "&ldquo;", "”", "&rdquo;", "–", "&ndash;").Replace(line) + "</p>\r\n")
	}
	b.WriteString("</body></html>")
	return b.String()
}

// registered is the expectation for a citizen's mail.
func registered(name string, raw []byte, p person, l letter, files []file) item {
	return item{name: name, raw: raw, fromName: p.name, fromAddr: p.addr, subj: l.subject, text: l.lines[1], files: files, lang: l.lang, checkLang: true}
}

// outlook: windows-1252 labelled iso-8859-1, quoted-printable with soft breaks, CRLF,
// text and HTML alternatives, Outlook's boundaries, sometimes winmail.dat.
func outlook(i int, tnef bool) item {
	p, l := people[i%len(people)], letters[i%len(letters)]
	files := someFiles(i, i%3)
	h := []string{
		"From: " + qWord("iso-8859-1", cp1252(p.name)) + " <" + p.addr + ">",
		"To: <protocollo@comune.example.it>",
		"Subject: " + qWord("iso-8859-1", cp1252(l.subject)),
		"Date: " + when(i).Format("Mon, 2 Jan 2006 15:04:05 -0700"),
		fmt.Sprintf("Message-ID: <000%d01dc0b6e$5c7b0d60$15713120$@example.it>", i),
		"X-Mailer: Microsoft Outlook 16.0",
		"Thread-Index: AdwLbqR3kq9xH8yZSlWm7F0Tn2jJ3A==",
		"Content-Language: it",
	}
	alt := multi("alternative", fmt.Sprintf("----=_NextPart_001_%04d_01DC0B6E.5C7B0D60", i),
		textPart("text/plain", "iso-8859-1", "quoted-printable", qp(cp1252(l.body()+" Questa riga è volutamente molto lunga perché Outlook la spezzi con un a capo morbido."))),
		textPart("text/html", "iso-8859-1", "quoted-printable", qp(cp1252(htmlOf(l)))))
	var body part
	if len(files) == 0 && !tnef {
		body = alt
	} else {
		kids := []part{alt}
		for _, f := range files {
			kids = append(kids, attach(f, "plain"))
		}
		if tnef {
			f := file{"winmail.dat", "application/ms-tnef", content("tnef", i)}
			kids = append(kids, attach(f, "plain"))
			files = append(files, f)
		}
		body = multi("mixed", fmt.Sprintf("----=_NextPart_000_%04d_01DC0B6E.5C7B0D60", i), kids...)
	}
	return registered(fmt.Sprintf("outlook-%02d", i), mailOf("\r\n", h, body), p, l, files)
}

// gmail: UTF-8 names and subjects as B words (the subject long and folded), text and
// HTML alternatives, inline pictures in multipart/related, attachments.
func gmail(i int) item {
	p, l := people[(i+3)%len(people)], letters[(i+1)%len(letters)]
	subject := l.subject + " – seconda parte della pratica n. " + fmt.Sprint(1000+i) + " già inviata all’ufficio competente"
	l2 := l
	l2.subject = subject
	files := someFiles(i+5, 1+i%2)
	h := []string{
		"MIME-Version: 1.0",
		"Date: " + when(i+40).Format("Mon, 2 Jan 2006 15:04:05 -0700"),
		fmt.Sprintf("Message-ID: <CAF=%dx9q+Kp7w@mail.gmail.com>", i),
		"Subject: " + strings.ReplaceAll(bWords(subject), " =?", "\r\n =?"),
		"From: " + bWords(p.name) + " <" + p.addr + ">",
		"To: protocollo@comune.example.it",
	}
	plain := textPart("text/plain", "UTF-8", "base64", b64([]byte(crlf(l.body())), 76, true))
	if i%2 == 0 {
		plain = textPart("text/plain", "UTF-8", "quoted-printable", qp([]byte(l.body())))
	}
	html := textPart("text/html", "UTF-8", "quoted-printable", qp([]byte(strings.Replace(htmlOf(l), "</body>", "<img src=\"cid:ii_lx1\"></body>", 1))))
	alt := multi("alternative", fmt.Sprintf("000000000000a1b2c3%04d", i), plain, html)
	var kids []part
	var want []file
	if i%3 != 2 {
		img := file{"image.png", "image/png", content("png", 90+i)}
		inline := attach(img, "nameonly")
		inline.headers = append(inline.headers, "Content-ID: <ii_lx1>", "X-Attachment-Id: ii_lx1")
		kids = append(kids, multi("related", fmt.Sprintf("000000000000d4e5f6%04d", i), alt, inline))
		want = append(want, img)
	} else {
		kids = append(kids, alt)
	}
	for _, f := range files {
		kids = append(kids, attach(f, map[bool]string{true: "plain", false: "encoded"}[i%2 == 0]))
	}
	files = append(want, files...)
	body := multi("mixed", fmt.Sprintf("000000000000f7a8b9%04d", i), kids...)
	return registered(fmt.Sprintf("gmail-%02d", i), mailOf("\r\n", h[1:], body), p, l2, files)
}

// flowed wraps lines RFC 3676 style: soft breaks end in a space.
func flowed(s string, width int, delsp bool) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for utf8.RuneCountInString(line) > width {
			cut := strings.LastIndex(line[:width], " ")
			if cut <= 0 {
				break
			}
			if delsp {
				out = append(out, line[:cut]+"  ")
			} else {
				out = append(out, line[:cut+1])
			}
			line = line[cut+1:]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\r\n")
}

// thunderbird: format=flowed 8bit UTF-8, RFC 2231 file names, a Mozilla mbox line on top
// when saved from the folder pane.
func thunderbird(i int) item {
	p, l := people[(i+5)%len(people)], letters[(i+2)%len(letters)]
	files := someFiles(i+11, i%3)
	var h []string
	if i%3 == 0 {
		h = append(h, "From - "+when(i+80).Format("Mon Jan _2 15:04:05 2006"), "X-Mozilla-Status: 0001", "X-Mozilla-Status2: 00000000")
	}
	h = append(h,
		fmt.Sprintf("Message-ID: <%08x-7a1e-4c2b-9d11-3f0a5e6b7c8d@example.org>", i),
		"Date: "+when(i+80).Format("Mon, 2 Jan 2006 15:04:05 -0700"),
		"User-Agent: Mozilla Thunderbird",
		"Content-Language: de-DE",
		"To: protocollo@comune.example.it",
		"From: "+p.name+" <"+p.addr+">", // raw UTF-8, as Thunderbird writes with SMTPUTF8
		"Subject: "+bWords(l.subject),
	)
	if i%2 == 1 {
		h[len(h)-2] = "From: " + qWord("UTF-8", []byte(p.name)) + " <" + p.addr + ">"
	}
	text := textPart("text/plain", "UTF-8", "8bit", flowed(l.body(), 40, false))
	text.headers[0] += "; format=flowed"
	var body part
	if len(files) == 0 {
		body = text
	} else {
		kids := []part{text}
		for _, f := range files {
			kids = append(kids, attach(f, "rfc2231"))
		}
		body = multi("mixed", fmt.Sprintf("------------%024d", i), kids...)
	}
	return registered(fmt.Sprintf("thunderbird-%02d", i), mailOf("\n", h, body), p, l, files)
}

// apple: quoted-printable UTF-8 with format=flowed delsp=yes, RFC 2231 names in pieces,
// text split around an attachment ("Gesendet von meinem iPhone" after it).
func apple(i int) item {
	p, l := people[(i+7)%len(people)], letters[(i+3)%len(letters)]
	files := someFiles(i+17, 1+i%2)
	h := []string{
		"From: " + bWords(p.name) + " <" + p.addr + ">",
		"Subject: " + bWords(l.subject),
		"Date: " + when(i+120).Format("Mon, 2 Jan 2006 15:04:05 -0700"),
		fmt.Sprintf("Message-Id: <6B1C%04d-58B1-4F0A-9E2D-ABCDEF012345@example.com>", i),
		"To: protocollo@comune.example.it",
		"X-Mailer: Apple Mail (2.3774.600.62)",
	}
	text := textPart("text/plain", "utf-8", "quoted-printable", qp([]byte(flowed(l.body(), 50, true))))
	text.headers[0] = "Content-Type: text/plain;\r\n\tcharset=utf-8;\r\n\tdelsp=yes;\r\n\tformat=flowed"
	kids := []part{text}
	for _, f := range files {
		kids = append(kids, attach(f, map[bool]string{true: "rfc2231cont", false: "rfc2231"}[i%2 == 0]))
	}
	kids = append(kids, textPart("text/plain", "us-ascii", "7bit", "\r\nSent from my iPhone"))
	body := multi("mixed", fmt.Sprintf("Apple-Mail=_0B5F%04d-7C3E-4D1A-8E2F-1234567890AB", i), kids...)
	return registered(fmt.Sprintf("apple-%02d", i), mailOf("\r\n", h, body), p, l, files)
}

// forwarded: a message forwarded as an attachment (message/rfc822).
func forwarded(i int) item {
	p, l := people[(i+2)%len(people)], letters[(i+4)%len(letters)]
	inner := outlook(i+50, false)
	name := "message.eml"
	fw := part{headers: []string{"Content-Type: message/rfc822"}, body: string(inner.raw)}
	if i%2 == 1 {
		name = "Fwd Reclamo.eml"
		fw.headers = append(fw.headers, "Content-Disposition: attachment; filename=\""+name+"\"")
	}
	h := []string{"From: \"" + p.name + "\" <" + p.addr + ">", "Subject: I: " + l.subject, "Date: " + when(i+160).Format(time.RFC1123Z)}
	body := multi("mixed", fmt.Sprintf("fwd-%d", i), textPart("text/plain", "utf-8", "8bit", l.body()), fw)
	it := registered(fmt.Sprintf("forwarded-%02d", i), mailOf("\r\n", h, body), p, l, []file{{name, "message/rfc822", inner.raw}})
	it.subj = "I: " + l.subject
	return it
}

func corpus() []item {
	var items []item
	for i := 0; i < 16; i++ {
		items = append(items, outlook(i, i%5 == 4))
	}
	for i := 0; i < 16; i++ {
		items = append(items, gmail(i))
	}
	for i := 0; i < 14; i++ {
		items = append(items, thunderbird(i))
	}
	for i := 0; i < 12; i++ {
		items = append(items, apple(i))
	}
	for i := 0; i < 6; i++ {
		items = append(items, forwarded(i))
	}
	items = append(items, utf16Mails()...)
	items = append(items, brokenBase64Mails()...)
	items = append(items, boundaryMails()...)
	items = append(items, oddMails()...)
	items = append(items, dateMails()...)
	items = append(items, nameMails()...)
	items = append(items, pecMails()...)
	items = append(items, receiptMails()...)
	items = append(items, notMails()...)
	items = append(items, fixtureMails()...)
	return items
}

func simple(name string, p person, l letter, ctype, cte, body string, extra ...string) item {
	h := append([]string{"From: " + bWords(p.name) + " <" + p.addr + ">", "Subject: " + bWords(l.subject), "Date: Mon, 15 Jun 2026 09:12:44 +0200", "MIME-Version: 1.0", "Content-Type: " + ctype}, extra...)
	if cte != "" {
		h = append(h, "Content-Transfer-Encoding: "+cte)
	}
	return registered(name, []byte(strings.Join(h, "\r\n")+"\r\n\r\n"+body), p, l, nil)
}

func utf16Mails() []item {
	var out []item
	for i, tc := range []struct {
		label string
		enc   func(string) []byte
	}{
		{"utf-16", func(s string) []byte { return append([]byte{0xFF, 0xFE}, utf16le(s)...) }},
		{"utf-16", func(s string) []byte { return append([]byte{0xFE, 0xFF}, utf16be(s)...) }},
		{"UTF-16", utf16le},
		{"utf-16", utf16be},
		{"UTF-16LE", utf16le},
		{"utf-16be", utf16be},
		{"unicode", func(s string) []byte { return append([]byte{0xFF, 0xFE}, utf16le(s)...) }},
	} {
		p, l := people[i%len(people)], letters[i%len(letters)]
		out = append(out, simple(fmt.Sprintf("utf16-%d", i), p, l, "text/plain; charset="+tc.label, "base64", b64(tc.enc(crlf(l.body())), 76, true)))
	}
	return out
}

func brokenBase64Mails() []item {
	var out []item
	for i, style := range []string{"unpadded", "oddlines", "oneline", "pieces", "unpadded", "oddlines"} {
		p, l := people[(i+1)%len(people)], letters[(i+2)%len(letters)]
		files := someFiles(i+30, 1)
		if style == "unpadded" { // make sure the length needs padding
			for len(files[0].content)%3 == 0 {
				files[0].content = append(files[0].content, 'x')
			}
		}
		h := []string{"From: " + p.name + " <" + p.addr + ">", "Subject: " + l.subject, "Date: Tue, 16 Jun 2026 10:00:00 +0200"}
		body := multi("mixed", "b64-"+style, textPart("text/plain", "utf-8", "base64", b64([]byte(l.body()), 76, false)), attach(files[0], style))
		out = append(out, registered(fmt.Sprintf("base64-%s-%d", style, i), mailOf("\r\n", h, body), p, l, files))
	}
	// Junk inside the text's base64 loses a few letters of the text, which the clerk
	// sees; the subject and the attachment are intact.
	p, l := people[4], letters[1]
	h := []string{"From: " + p.name + " <" + p.addr + ">", "Subject: " + l.subject}
	files := someFiles(3, 1)
	junk := b64([]byte("Vorab: "+l.body()), 76, true)
	junk = junk[:8] + "!*" + junk[8:]
	it := registered("base64-junk-in-text", mailOf("\r\n", h, multi("mixed", "j", textPart("text/plain", "utf-8", "base64", junk), attach(files[0], "plain"))), p, l, files)
	out = append(out, it)
	// Junk or a cut in an attachment's base64: the file is damaged, the mail refused.
	for i, damage := range []func(string) string{
		func(s string) string { return s[:40] + "#" + s[40:] },
		func(s string) string { return s[:41] },
		func(s string) string { return s[:30] + "\xe9\xe8" + s[30:] },
	} {
		f := someFiles(i+40, 1)[0]
		a := attach(f, "plain")
		a.body = damage(a.body)
		raw := mailOf("\r\n", h, multi("mixed", "d", textPart("text/plain", "utf-8", "", l.body()), a))
		out = append(out, item{name: fmt.Sprintf("base64-damaged-%d", i), raw: raw, refused: "intake.mail.damaged_file"})
	}
	return out
}

func boundaryMails() []item {
	p, l := people[6], letters[4]
	f := someFiles(50, 1)
	parts := "--simple\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + l.body() + "\r\n--simple\r\nContent-Type: application/pdf; name=\"" + f[0].name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(f[0].content, 76, true) + "\r\n--simple--\r\n"
	head := "From: " + p.name + " <" + p.addr + ">\r\nSubject: " + l.subject + "\r\nMIME-Version: 1.0\r\n"
	return []item{
		registered("boundary-param-missing", []byte(head+"Content-Type: multipart/mixed\r\n\r\n"+parts), p, l, f),
		registered("boundary-not-closed", []byte(head+"Content-Type: multipart/mixed; boundary=simple\r\n\r\n"+strings.TrimSuffix(parts, "--simple--\r\n")), p, l, f),
		registered("boundary-unquoted-with-preamble", []byte(head+"Content-Type: multipart/mixed; boundary=simple\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n"+parts+"epilogue\r\n"), p, l, f),
		{name: "boundary-never-there", raw: []byte(head + "Content-Type: multipart/mixed; boundary=\"other\"\r\n\r\n" + parts), refused: "intake.mail.broken"},
		{name: "boundary-missing-no-parts", raw: []byte(head + "Content-Type: multipart/mixed\r\n\r\nnothing here\r\n"), refused: "intake.mail.broken"},
	}
}

func oddMails() []item {
	var out []item
	// Nested ten deep, text and a file at the bottom.
	p, l := people[3], letters[5]
	f := someFiles(60, 1)
	inner := multi("mixed", "deep-10", textPart("text/plain", "utf-8", "8bit", l.body()), attach(f[0], "plain"))
	for d := 9; d >= 1; d-- {
		inner = multi([]string{"mixed", "related", "alternative"}[d%3], fmt.Sprintf("deep-%d", d), inner)
	}
	out = append(out, registered("nested-10-deep", mailOf("\r\n", []string{"From: " + p.name + " <" + p.addr + ">", "Subject: " + l.subject}, inner), p, l, f))
	// No From: registered with no sender; the clerk fills it in.
	for i := 0; i < 3; i++ {
		l := letters[i]
		it := registered(fmt.Sprintf("no-from-%d", i), []byte("Subject: "+bWords(l.subject)+"\r\nDate: Wed, 17 Jun 2026 11:00:00 +0200\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+l.body()), person{}, l, nil)
		out = append(out, it)
	}
	// HTML only, in several charsets.
	for i, cs := range []string{"utf-8", "iso-8859-15", "windows-1252", "iso-8859-1"} {
		p, l := people[i], letters[i]
		html := htmlOf(l)
		var b []byte
		switch cs {
		case "utf-8":
			b = []byte(html)
		case "iso-8859-15":
			b = latin9(strings.NewReplacer("“", "&ldquo;", "”", "&rdquo;", "„", "&bdquo;", "’", "&rsquo;").Replace(html))
		default:
			b = cp1252(html)
		}
		out = append(out, simple(fmt.Sprintf("html-only-%s", cs), p, l, "text/html; charset="+cs, "quoted-printable", qp(b)))
	}
	out = append(out, simple("html-only-script", people[5], letters[0], "text/html; charset=utf-8", "8bit", "<html><head><script>alert('x')</script></head><body><div>"+letters[0].lines[0]+"</div><div>"+letters[0].lines[1]+"</div></body></html>"))
	// Empty bodies.
	for i, body := range []string{"", "\r\n\r\n", "   \r\n"} {
		p, l := people[i+2], letters[i+1]
		it := simple(fmt.Sprintf("empty-body-%d", i), p, l, "text/plain; charset=utf-8", "", body)
		it.text, it.checkLang = "", false
		out = append(out, it)
	}
	emptyMulti := registered("empty-multipart-alternative", mailOf("\r\n", []string{"From: " + people[1].name + " <" + people[1].addr + ">", "Subject: " + letters[0].subject},
		multi("alternative", "e", textPart("text/plain", "utf-8", "", ""), textPart("text/html", "utf-8", "", "<p>"+letters[0].lines[1]+"</p>"))), people[1], letters[0], nil)
	out = append(out, emptyMulti)
	// Huge headers: hundreds of Received lines, a long References header.
	for i := 0; i < 3; i++ {
		p, l := people[i+4], letters[i+3]
		var h []string
		for r := 0; r < 300*(i+1); r++ {
			h = append(h, fmt.Sprintf("Received: from relay%d.example.net (relay%d.example.net [192.0.2.%d])\r\n\tby mx.example.it with ESMTPS id %d; Mon, 15 Jun 2026 09:12:%02d +0200", r, r, r%250, r, r%60))
		}
		var refs []string
		for r := 0; r < 400; r++ {
			refs = append(refs, fmt.Sprintf("<ref%d.%d@example.org>", r, i))
		}
		h = append(h, "References: "+strings.Join(refs, "\r\n "), "X-Long: "+strings.Repeat("x", 5000),
			"From: "+p.name+" <"+p.addr+">", "Subject: "+bWords(l.subject), "Content-Type: text/plain; charset=utf-8")
		out = append(out, registered(fmt.Sprintf("huge-headers-%d", i), []byte(strings.Join(h, "\r\n")+"\r\n\r\n"+l.body()), p, l, nil))
	}
	// Bare LF line ends, mixed CR LF, a leading blank line, a UTF-8 BOM.
	p, l = people[8], letters[3]
	base := "From: " + p.name + " <" + p.addr + ">\nSubject: " + l.subject + "\nContent-Type: text/plain; charset=utf-8\n\n" + l.body() + "\n"
	out = append(out, registered("bare-lf", []byte(base), p, l, nil),
		registered("leading-blank-line", []byte("\r\n"+crlf(base)), p, l, nil),
		registered("utf8-bom-on-top", []byte("\xef\xbb\xbf"+crlf(base)), p, l, nil))
	// 8-bit UTF-8 headers and body without any MIME declaration.
	out = append(out, registered("raw-8bit-no-mime", []byte("From: "+p.name+" <"+p.addr+">\nSubject: "+l.subject+"\n\n"+l.body()+"\n"), p, l, nil))
	// Raw windows-1252 headers and body with no charset at all (old Outlook Express).
	p2, l2 := people[0], letters[1]
	out = append(out, registered("raw-cp1252-no-charset", append(cp1252("From: "+p2.name+" <"+p2.addr+">\r\nSubject: "+l2.subject+"\r\n\r\n"), cp1252(crlf(l2.body()))...), p2, l2, nil))
	// Unknown charset label: UTF-8 bytes are read as UTF-8.
	out = append(out, simple("unknown-charset", people[2], letters[2], "text/plain; charset=x-mac-unknown", "8bit", letters[2].body()))
	// A Content-Type no parser likes but that names its type.
	out = append(out, registered("mangled-content-type", mailOf("\r\n", []string{"From: " + people[3].name + " <" + people[3].addr + ">", "Subject: " + letters[3].subject},
		multi("mixed", "m", textPart("text/plain", "utf-8", "", letters[3].body()), part{headers: []string{"Content-Type: application/pdf; name=\"a.pdf\"; ;; =broken", "Content-Transfer-Encoding: base64"}, body: b64(content("pdf", 3), 76, true)})),
		people[3], letters[3], []file{{"a.pdf", "application/pdf", content("pdf", 3)}}))
	// Text attachments: a 7bit CSV and a quoted-printable text file keep their bytes.
	csv := []byte("Nome;Importo\r\nRossi;25,00 EUR\r\nMüller;120,00 EUR\r\n")
	out = append(out, registered("attached-text-files", mailOf("\r\n", []string{"From: " + people[2].name + " <" + people[2].addr + ">", "Subject: " + letters[2].subject},
		multi("mixed", "t", textPart("text/plain", "utf-8", "8bit", letters[2].body()),
			part{headers: []string{"Content-Type: text/csv; charset=utf-8; name=\"importi.csv\"", "Content-Disposition: attachment; filename=\"importi.csv\"", "Content-Transfer-Encoding: 8bit"}, body: string(csv)},
			part{headers: []string{"Content-Type: text/plain; charset=utf-8", "Content-Disposition: attachment; filename=\"nota.txt\"", "Content-Transfer-Encoding: quoted-printable"}, body: qp([]byte("Nota für das Amt – prego\r\nzweite Zeile\r\n"))})),
		people[2], letters[2], []file{{"importi.csv", "text/csv", csv}, {"nota.txt", "text/plain", []byte("Nota für das Amt – prego\r\nzweite Zeile\r\n")}}))
	// A file with no name gets one from its type.
	out = append(out, registered("unnamed-attachment", mailOf("\r\n", []string{"From: " + people[5].name + " <" + people[5].addr + ">", "Subject: " + letters[5].subject},
		multi("mixed", "u", textPart("text/plain", "utf-8", "8bit", letters[5].body()), part{headers: []string{"Content-Type: application/pdf", "Content-Transfer-Encoding: base64"}, body: b64(content("pdf", 9), 76, true)})),
		people[5], letters[5], []file{{"attachment-1.pdf", "application/pdf", content("pdf", 9)}}))
	return out
}

func dateMails() []item {
	var out []item
	cet, cest := time.FixedZone("", 3600), time.FixedZone("", 7200)
	for i, tc := range []struct {
		header string
		want   time.Time
	}{
		{"15 Jun 2026 09:12:44 +0200", time.Date(2026, 6, 15, 9, 12, 44, 0, cest)},
		{"Mon, 15 Jun 26 09:12:44 +0200", time.Date(2026, 6, 15, 9, 12, 44, 0, cest)},
		{"Mon, 15 Jun 2026 09:12:44 CEST", time.Date(2026, 6, 15, 9, 12, 44, 0, cest)},
		{"Tue, 3 Feb 2026 16:40:00 CET", time.Date(2026, 2, 3, 16, 40, 0, 0, cet)},
		{"Tue, 3 Feb 2026 16:40:00 MET", time.Date(2026, 2, 3, 16, 40, 0, 0, cet)},
		{"Tue, 3 Feb 2026 16:40:00 MEST", time.Date(2026, 2, 3, 15, 40, 0, 0, cet)},
		{"Tue, 03 Feb 2026 16:40:00 +0100 (CET)", time.Date(2026, 2, 3, 16, 40, 0, 0, cet)},
		{"Tue, 3 Feb 2026 15:40:00 GMT", time.Date(2026, 2, 3, 16, 40, 0, 0, cet)},
		{"Tue, 3 Feb 2026 15:40:00 UTC", time.Date(2026, 2, 3, 16, 40, 0, 0, cet)},
		{"Tue, 3 Feb 2026 10:40:00 EST", time.Date(2026, 2, 3, 16, 40, 0, 0, cet)},
		{"Tue,  3 Feb 2026 16:40 +0100", time.Date(2026, 2, 3, 16, 40, 0, 0, cet)},
		{"Tuesday, February 3, 2026 16:40:00 +0100", time.Date(2026, 2, 3, 16, 40, 0, 0, cet)},
	} {
		p, l := people[i%len(people)], letters[i%len(letters)]
		it := simple(fmt.Sprintf("date-%02d", i), p, l, "text/plain; charset=utf-8", "8bit", l.body())
		it.raw = bytes.Replace(it.raw, []byte("Date: Mon, 15 Jun 2026 09:12:44 +0200"), []byte("Date: "+tc.header), 1)
		it.date = tc.want
		out = append(out, it)
	}
	for i, bad := range []string{"gestern abend", "Mon, 15 Jun 2026 09:12:44", "15/06/2026 09:12", "Mon, 15 Jun 2026 09:12:44 XYZT", "Thu, 01 Jan 1970 00:00:00 +0000"} {
		p, l := people[i%len(people)], letters[i%len(letters)]
		it := simple(fmt.Sprintf("date-unreadable-%d", i), p, l, "text/plain; charset=utf-8", "8bit", l.body())
		it.raw = bytes.Replace(it.raw, []byte("Date: Mon, 15 Jun 2026 09:12:44 +0200"), []byte("Date: "+bad), 1)
		it.dateProblem = true
		out = append(out, it)
	}
	return out
}

func nameMails() []item {
	var out []item
	for i, tc := range []struct{ from, name string }{
		{`"=?utf-8?q?J=C3=B6rg_M=C3=BCller?=" <joerg.mueller@example.org>`, "Jörg Müller"},
		{`"=?iso-8859-1?Q?M=FCller,_J=F6rg?=" <joerg.mueller@example.org>`, "Müller, Jörg"},
		{`=?utf-8?B?Tmljb2zDsiBCZXJuYXJkaQ==?= <joerg.mueller@example.org>`, "Nicolò Bernardi"},
		{`"Dott. =?ISO-8859-15?Q?Nicol=F2?= Bernardi" <joerg.mueller@example.org>`, "Dott. Nicolò Bernardi"},
		{`Dr. Hans Peter Kofler <joerg.mueller@example.org>`, "Dr. Hans Peter Kofler"},
		{`"Rossi, Maria" <joerg.mueller@example.org>`, "Rossi, Maria"},
		{`joerg.mueller@example.org (Jörg Müller)`, "Jörg Müller"},
		{`<joerg.mueller@example.org>`, ""},
		{`=?windows-1252?Q?=84Verein_f=FCr_Arbeit=93?= <joerg.mueller@example.org>`, "„Verein für Arbeit“"},
	} {
		l := letters[i%len(letters)]
		raw := "From: " + tc.from + "\r\nSubject: " + bWords(l.subject) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + l.body()
		out = append(out, registered(fmt.Sprintf("name-%d", i), []byte(raw), person{tc.name, "joerg.mueller@example.org"}, l, nil))
	}
	// Attachment names in every way they are written.
	p, l := people[1], letters[4]
	var kids []part
	var files []file
	for i, style := range []string{"plain", "rfc2231", "rfc2231cont", "encoded", "nameonly"} {
		f := someFiles(70+i, 1)[0]
		f.name = []string{"Ricevuta n°1.pdf", "Erklärung über Einkünfte.pdf", "Dichiarazione sostitutiva dell’atto di notorietà – firmata digitalmente.pdf", "Überweisung € 25.pdf", "Foto città.png"}[i]
		kids = append(kids, attach(f, style))
		files = append(files, f)
	}
	raw := mailOf("\r\n", []string{"From: " + p.name + " <" + p.addr + ">", "Subject: " + l.subject}, multi("mixed", "n", append([]part{textPart("text/plain", "utf-8", "8bit", l.body())}, kids...)...))
	out = append(out, registered("attachment-names", raw, p, l, files))
	return out
}

// citizenMail is the message a citizen writes from a PEC mailbox, as its webmail sends it.
func citizenMail(i int, p person, l letter, files []file) []byte {
	h := []string{
		"From: " + bWords(p.name) + " <" + p.addr + ">",
		"To: protocollo@pec.comune.example.it",
		"Subject: " + bWords(l.subject),
		"Date: " + when(i+200).Format(time.RFC1123Z),
		fmt.Sprintf("Message-ID: <%d.webmail.%d@%s>", 1781597730+i, i, p.addr[strings.IndexByte(p.addr, '@')+1:]),
		"X-Mailer: Webmail PEC",
	}
	text := textPart("text/plain", "utf-8", "quoted-printable", qp([]byte(l.body())))
	if len(files) == 0 {
		return mailOf("\r\n", h, text)
	}
	kids := []part{text}
	for _, f := range files {
		kids = append(kids, attach(f, "plain"))
	}
	return mailOf("\r\n", h, multi("mixed", fmt.Sprintf("----=_Part_%d_citizen", i), kids...))
}

var pecSubjects = []letter{
	letters[0], letters[1],
	{"Application for a residence certificate – urgent", []string{"Dear Sir or Madam,", "I kindly ask for a residence certificate for my employer in Munich; the fee of 16 € has been paid.", "Kind regards"}, ""},
	letters[4], letters[5],
}

func pecMails() []item {
	var out []item
	n := 0
	for pi, prov := range providers {
		for si := 0; si < 4; si++ {
			p := people[(pi*4+si)%len(people)]
			p.addr = strings.Replace(p.addr, "@example", "@pec.example", 1)
			l := pecSubjects[(pi+si)%len(pecSubjects)]
			files := someFiles(n+100, si%3)
			sent := when(n + 300)
			raw := pecEnvelope(pecArgs{provider: prov, sender: p.addr, to: "protocollo@pec.comune.example.it", subject: l.subject,
				inner: string(citizenMail(n, p, l, files)), when: sent,
				id: fmt.Sprintf("opec%d.%s.%d.%d.1.%d@%s", 200+n, sent.Format("20060102150405"), 12000+n, 40+n, 60+n, prov.domain), origID: fmt.Sprintf("<%d.webmail.%d@pec.example>", 1781597730+n, n)})
			it := registered(fmt.Sprintf("pec-%s-%d", strings.Split(prov.domain, ".")[len(strings.Split(prov.domain, "."))-2], si), raw, p, l, files)
			it.pec, it.date, it.checkLang = true, sent, l.lang != ""
			out = append(out, it)
			n++
		}
	}
	// The envelope's X- headers lost on the way: known by daticert.xml and postacert.eml.
	p, l := people[2], letters[2]
	p.addr = "maria.rossi@pec.example.it"
	sent := when(400)
	it := registered("pec-no-x-headers", pecEnvelope(pecArgs{provider: poste, sender: p.addr, to: "protocollo@pec.comune.example.it", subject: l.subject,
		inner: string(citizenMail(400, p, l, nil)), when: sent, id: "opec1.x@postecert.it", origID: "<o1@x>", noXHeaders: true}), p, l, nil)
	it.pec, it.date = true, sent
	out = append(out, it)
	// No daticert.xml: the envelope's headers give the facts.
	it = registered("pec-no-daticert", pecEnvelope(pecArgs{provider: aruba, sender: p.addr, to: "protocollo@pec.comune.example.it", subject: l.subject,
		inner: string(citizenMail(401, p, l, nil)), when: sent, id: "opec2.x@pec.aruba.it", origID: "<o2@x>", noDaticert: true}), p, l, nil)
	it.pec, it.date = true, sent
	out = append(out, it)
	// Refused: the citizen's message missing, or not a mail.
	out = append(out,
		item{name: "pec-postacert-missing", raw: pecEnvelope(pecArgs{provider: namirial, sender: p.addr, to: "protocollo@pec.comune.example.it", subject: l.subject, when: sent, id: "opec3.x@sicurezzapostale.it", origID: "<o3@x>"}), refused: "intake.mail.pec_no_original"},
		item{name: "pec-postacert-not-mail", raw: pecEnvelope(pecArgs{provider: legalmail, sender: p.addr, to: "protocollo@pec.comune.example.it", subject: l.subject, when: sent, id: "opec4.x@legalmail.it", origID: "<o4@x>", inner: "\x00\x01\x02 binary\x00"}), refused: "intake.mail.pec_no_original"},
	)
	// An anomaly envelope: the mail reached the PEC box by ordinary mail; it is read as
	// the ordinary mail it is.
	for i, prov := range []provider{aruba, legalmail} {
		p, l := people[i+6], letters[i+2]
		files := someFiles(500+i, 1)
		inner := citizenMail(500+i, p, l, files)
		anomaly := mailOf("\r\n", []string{"From: \"Per conto di: " + p.addr + "\" <posta-certificata@" + prov.domain + ">", "Subject: ANOMALIA MESSAGGIO: " + bWords(l.subject),
			"Date: " + when(i).Format(time.RFC1123Z), "X-Trasporto: errore", "Message-ID: <opec.anomalia." + fmt.Sprint(i) + "@" + prov.domain + ">"},
			multi("mixed", "anom", textPart("text/plain", "iso-8859-1", "quoted-printable", qp(cp1252("Anomalia nel messaggio\r\nIl giorno ... è stato ricevuto il messaggio da un indirizzo non certificato.\r\n"))),
				part{headers: []string{"Content-Type: message/rfc822; name=\"postacert.eml\"", "Content-Disposition: inline; filename=\"postacert.eml\""}, body: string(inner)}))
		out = append(out, registered(fmt.Sprintf("pec-anomaly-%d", i), anomaly, p, l, files))
	}
	return out
}

func receiptMails() []item {
	var out []item
	kinds := []string{"accettazione", "non-accettazione", "presa-in-carico", "avvenuta-consegna", "errore-consegna", "preavviso-errore-consegna", "rilevazione-virus"}
	for i, kind := range kinds {
		for j, prov := range []provider{providers[i%4], providers[(i+1)%4]} {
			sent := when(600 + i*2 + j)
			a := pecArgs{provider: prov, sender: "protocollo@pec.comune.example.it", to: "maria.rossi@pec.example.it", subject: "Risposta alla pratica 2026/" + fmt.Sprint(100+i),
				when: sent, id: fmt.Sprintf("opec%d.%s@%s", 700+i*2+j, sent.Format("20060102150405"), prov.domain), origID: fmt.Sprintf("<reply-%d@comune.example.it>", i), receipt: kind}
			it := item{name: fmt.Sprintf("receipt-%s-%d", kind, j), receipt: kind, receiptFor: fmt.Sprintf("reply-%d@comune.example.it", i), date: sent}
			switch kind {
			case "avvenuta-consegna":
				a.consegna, a.tipoRicevuta = "maria.rossi@pec.example.it", []string{"completa", "breve"}[j]
				if j == 0 {
					a.inner = string(citizenMail(800+i, people[0], letters[0], nil))
				}
			case "errore-consegna":
				a.consegna, a.errore, a.erroreEsteso = "maria.rossi@pec.example.it", "no-dest", "5.1.1 - "+prov.gestore+" - indirizzo non valido"
				it.receiptProblem = a.erroreEsteso
			case "preavviso-errore-consegna":
				a.errore, a.erroreEsteso = "no-dest", "4.4.7 - tempo massimo di consegna superato"
				it.receiptProblem = a.erroreEsteso
			case "non-accettazione":
				a.errore, a.erroreEsteso = "altro", "5.7.1 - destinatario non ammesso"
				it.receiptProblem = a.erroreEsteso
			case "rilevazione-virus":
				a.errore, a.erroreEsteso = "virus", "virus rilevato nel messaggio"
				it.receiptProblem = a.erroreEsteso
			}
			it.raw = pecEnvelope(a)
			out = append(out, it)
		}
	}
	return out
}

func notMails() []item {
	return []item{
		{name: "not-mail-notes", raw: []byte("Appunti per lo sportello 3:\nportare i moduli firmati entro venerdì.\n"), refused: "intake.mail.not_mail"},
		{name: "not-mail-pdf", raw: content("pdf", 1), refused: "intake.mail.not_mail"},
		{name: "not-mail-png", raw: content("png", 2), refused: "intake.mail.not_mail"},
		{name: "not-mail-html", raw: []byte("<!DOCTYPE html>\n<html><head><title>Modulo</title></head><body>Domanda</body></html>\n"), refused: "intake.mail.not_mail"},
		{name: "not-mail-csv", raw: []byte("Nome;Cognome;Email\nMaria;Rossi;maria.rossi@example.it\n"), refused: "intake.mail.not_mail"},
		{name: "not-mail-json", raw: []byte(`{"from": "a@example.org", "subject": "x"}`), refused: "intake.mail.not_mail"},
		{name: "not-mail-headers-only-other", raw: []byte("Title: Verbale\nAuthor: Ufficio\n\nTesto del verbale.\n"), refused: "intake.mail.not_mail"},
		{name: "not-mail-blank", raw: []byte(" \r\n\t\r\n"), refused: "intake.mail.empty"},
		{name: "not-mail-empty", raw: nil, refused: "intake.mail.empty"},
	}
}

// fixtureMails are the hand-written files of testdata/.
func fixtureMails() []item {
	var out []item
	// The good ones are checked field by field in TestParseGoodMail.
	for name, key := range map[string]string{"qp_latin1.eml": "?", "base64_utf8.eml": "?", "multipart_attachment.eml": "?", "html_latin9.eml": "?",
		"broken_multipart.eml": "intake.mail.broken", "broken_base64.eml": "intake.mail.damaged_file", "not_mail.eml": "intake.mail.not_mail", "binary.eml": "intake.mail.not_mail"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			panic(err)
		}
		out = append(out, item{name: "fixture-" + name, raw: b, refused: key})
	}
	// Outlook sending the whole message as TNEF (rich text to an Exchange contact): no
	// text, winmail.dat kept as it is.
	tnef := content("tnef", 77)
	p, l := people[0], letters[1]
	raw := "Content-Type: application/ms-tnef; name=\"winmail.dat\"\r\nContent-Transfer-Encoding: binary\r\nFrom: " + p.name + " <" + p.addr + ">\r\nSubject: " + l.subject +
		"\r\nDate: Fri, 21 Mar 2025 16:36:46 +0100\r\nX-MS-Has-Attach: yes\r\nX-MS-TNEF-Correlator: <dab297@example.org>\r\nMIME-Version: 1.0\r\n\r\n" + string(tnef)
	it := registered("outlook-tnef-whole-message", []byte(raw), p, l, []file{{"winmail.dat", "application/ms-tnef", tnef}})
	it.text, it.checkLang = "", false
	out = append(out, it)
	return out
}

// TestCorpus reads every mail of the corpus and checks it against its expectation.
func TestCorpus(t *testing.T) {
	items := corpus()
	if len(items) < 150 {
		t.Fatalf("only %d mails in the corpus", len(items))
	}
	var reg, refused, receipts, pecs int
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.name] {
			t.Fatalf("two corpus mails named %s", it.name)
		}
		seen[it.name] = true
		t.Run(it.name, func(t *testing.T) {
			m, err := Parse(it.raw)
			if it.refused == "?" { // fixtures: checked by their own tests; here only no panic
				if err == nil {
					reg++
				} else {
					refused++
				}
				return
			}
			if it.refused != "" {
				p, ok := data.AsProblem(err)
				if m != nil || !ok || p.Key != it.refused {
					t.Fatalf("want refusal %s, got %+v, %v", it.refused, m, err)
				}
				refused++
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if it.receipt != "" {
				checkReceipt(t, it, m)
				receipts++
				return
			}
			checkMail(t, it, m)
			if it.pec {
				pecs++
			}
			reg++
		})
	}
	t.Logf("corpus: %d mails: %d registered (%d of them PEC), %d refused, %d receipts", len(items), reg, pecs, refused, receipts)
	fmt.Printf("corpus: %d mails: %d registered (%d of them PEC), %d refused, %d receipts\n", len(items), reg, pecs, refused, receipts)
}

func checkMail(t *testing.T, it item, m *Message) {
	t.Helper()
	if m.FromName != it.fromName || m.FromAddress != it.fromAddr {
		t.Errorf("from %q <%s>, want %q <%s>", m.FromName, m.FromAddress, it.fromName, it.fromAddr)
	}
	if m.Subject != it.subj {
		t.Errorf("subject %q, want %q", m.Subject, it.subj)
	}
	if it.text == "" && m.Body != "" {
		t.Errorf("body %q, want none", m.Body)
	}
	if !strings.Contains(m.Body, it.text) {
		t.Errorf("body lacks %q:\n%s", it.text, m.Body)
	}
	if strings.ContainsAny(m.Body, "\x00\r\ufffd") || strings.Contains(m.Body, "=?") || strings.Contains(m.Body, "<p>") {
		t.Errorf("body not clean: %q", m.Body)
	}
	for _, r := range m.Body + m.Subject + m.FromName {
		if r >= 0x80 && r <= 0x9f {
			t.Errorf("C1 control %U in %q", r, m.Body+m.Subject+m.FromName)
			break
		}
	}
	var got, want []string
	for _, a := range m.Attachments {
		got = append(got, fmt.Sprintf("%s %x", a.Name, sha256.Sum256(a.Content)))
	}
	for _, f := range it.files {
		want = append(want, fmt.Sprintf("%s %x", f.name, sha256.Sum256(f.content)))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("attachments\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if (m.PEC != nil) != it.pec || m.Receipt != nil {
		t.Errorf("pec %+v receipt %+v", m.PEC, m.Receipt)
	}
	if it.pec && (len(m.Proof) < 2 || m.Proof[0].Name != "busta-pec.eml" || !bytes.Equal(m.Proof[0].Content, it.raw)) {
		t.Errorf("proof %d files", len(m.Proof))
	}
	if !it.date.IsZero() && (!m.Date.Equal(it.date) || m.DateProblem) {
		t.Errorf("date %v (problem %v), want %v", m.Date, m.DateProblem, it.date)
	}
	if it.dateProblem && (!m.DateProblem || !m.Date.IsZero()) {
		t.Errorf("date %v read, want a date problem", m.Date)
	}
	if it.checkLang && m.Language != it.lang {
		t.Errorf("language %q, want %q", m.Language, it.lang)
	}
}

func checkReceipt(t *testing.T, it item, m *Message) {
	t.Helper()
	r := m.Receipt
	if r == nil {
		t.Fatalf("not a receipt: %+v", m)
	}
	if r.Kind != it.receipt || r.MessageID != it.receiptFor || !r.At.Equal(it.date) || r.Problem != it.receiptProblem {
		t.Errorf("receipt %+v, want %s for %s at %v problem %q", r, it.receipt, it.receiptFor, it.date, it.receiptProblem)
	}
	if m.PEC != nil || len(m.Attachments) != 0 {
		t.Errorf("a receipt with PEC %+v or files %d", m.PEC, len(m.Attachments))
	}
	if len(m.Proof) < 3 || m.Proof[1].Name != "daticert.xml" || m.Proof[2].Name != "smime.p7s" {
		t.Errorf("proof %+v", len(m.Proof))
	}
	if !strings.Contains(m.Body, "Ricevuta di") {
		t.Errorf("notice %q", m.Body)
	}
}
