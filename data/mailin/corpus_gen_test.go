package mailin

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// Builders for the corpus: mails shaped the way Outlook, Gmail, Thunderbird, Apple Mail
// and the Italian PEC providers write them. Expected values come from what is put in,
// never from what Parse gives back.

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16be(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func cp1252(s string) []byte {
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func latin9(s string) []byte {
	b, err := charmap.ISO8859_15.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// b64 encodes with the given line length (76 as RFC 2045 says, other lengths as
// some programs write), optionally without the final padding.
func b64(b []byte, line int, pad bool) string {
	s := base64.StdEncoding.EncodeToString(b)
	if !pad {
		s = strings.TrimRight(s, "=")
	}
	if line <= 0 {
		return s
	}
	var out strings.Builder
	for len(s) > line {
		out.WriteString(s[:line] + "\r\n")
		s = s[line:]
	}
	out.WriteString(s)
	return out.String()
}

func qp(b []byte) string {
	var out bytes.Buffer
	w := quotedprintable.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.String()
}

func qWord(charset string, b []byte) string {
	var s strings.Builder
	for _, c := range b {
		switch {
		case c == ' ':
			s.WriteByte('_')
		case c >= 0x80 || c == '=' || c == '?' || c == '_' || c < 0x20:
			fmt.Fprintf(&s, "=%02X", c)
		default:
			s.WriteByte(c)
		}
	}
	return "=?" + charset + "?Q?" + s.String() + "?="
}

func bWords(s string) string { return mime.BEncoding.Encode("UTF-8", s) }

// part is one MIME entity.
type part struct {
	headers []string
	body    string
	kids    []part
	bound   string
}

func (p part) render(nl string) string {
	var b strings.Builder
	for _, h := range p.headers {
		b.WriteString(h + nl)
	}
	b.WriteString(nl)
	if len(p.kids) > 0 {
		b.WriteString("This is a multi-part message in MIME format." + nl)
		for _, k := range p.kids {
			b.WriteString(nl + "--" + p.bound + nl)
			b.WriteString(k.render(nl))
		}
		b.WriteString(nl + "--" + p.bound + "--" + nl)
		return b.String()
	}
	b.WriteString(p.body)
	return b.String()
}

func multi(kind, bound string, kids ...part) part {
	return part{headers: []string{fmt.Sprintf("Content-Type: multipart/%s; boundary=\"%s\"", kind, bound)}, kids: kids, bound: bound}
}

func textPart(media, charset, cte, body string, extra ...string) part {
	h := []string{fmt.Sprintf("Content-Type: %s; charset=\"%s\"", media, charset)}
	if cte != "" {
		h = append(h, "Content-Transfer-Encoding: "+cte)
	}
	return part{headers: append(h, extra...), body: body}
}

// file is an attachment put into a corpus mail, with the name the reader must find.
type file struct {
	name    string
	media   string
	content []byte
}

// attach writes a file in one of the ways mail programs name files.
func attach(f file, style string) part {
	var h []string
	enc := b64(f.content, 76, true)
	switch style {
	case "plain": // Outlook, Gmail: quoted names
		h = []string{fmt.Sprintf("Content-Type: %s; name=\"%s\"", f.media, f.name), fmt.Sprintf("Content-Disposition: attachment; filename=\"%s\"", f.name)}
	case "rfc2231": // Thunderbird, Apple Mail
		h = []string{fmt.Sprintf("Content-Type: %s", f.media), "Content-Disposition: attachment; filename*=UTF-8''" + pctEncode(f.name)}
	case "rfc2231cont": // Apple Mail, long names in pieces
		n := pctEncode(f.name)
		mid := len(n) / 2
		for mid > 0 && (n[mid-1] == '%' || (mid > 1 && n[mid-2] == '%')) {
			mid--
		}
		h = []string{fmt.Sprintf("Content-Type: %s;\r\n\tx-unix-mode=0644", f.media), "Content-Disposition: attachment;\r\n\tfilename*0*=utf-8''" + n[:mid] + ";\r\n\tfilename*1*=" + n[mid:]}
	case "encoded": // Outlook and webmail: encoded words in the name, against the rules
		w := bWords(f.name)
		h = []string{fmt.Sprintf("Content-Type: %s; name=\"%s\"", f.media, w), fmt.Sprintf("Content-Disposition: attachment; filename=\"%s\"", w)}
	case "nameonly": // only Content-Type names it, inline
		h = []string{fmt.Sprintf("Content-Type: %s; name=\"%s\"", f.media, f.name), "Content-Disposition: inline"}
	case "unpadded":
		h = []string{fmt.Sprintf("Content-Type: %s; name=\"%s\"", f.media, f.name)}
		enc = b64(f.content, 76, false)
	case "oddlines":
		h = []string{fmt.Sprintf("Content-Type: %s; name=\"%s\"", f.media, f.name)}
		enc = b64(f.content, 60, true)
	case "oneline":
		h = []string{fmt.Sprintf("Content-Type: %s; name=\"%s\"", f.media, f.name)}
		enc = b64(f.content, 0, true)
	case "pieces": // two encoded pieces put together, each with its padding
		h = []string{fmt.Sprintf("Content-Type: %s; name=\"%s\"", f.media, f.name)}
		cut := len(f.content)/3*3 - 2
		if cut < 1 {
			cut = 1
		}
		enc = b64(f.content[:cut], 76, true) + "\r\n" + b64(f.content[cut:], 76, true)
	}
	return part{headers: append(h, "Content-Transfer-Encoding: base64"), body: enc}
}

func pctEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// mailOf puts headers on top of a body part.
func mailOf(nl string, headers []string, body part) []byte {
	body.headers = append(append([]string{}, headers...), append([]string{"MIME-Version: 1.0"}, body.headers...)...)
	return []byte(body.render(nl))
}

// PEC providers as they write their envelopes.
type provider struct {
	gestore, domain, boundary string
	html                      bool
}

var (
	aruba     = provider{gestore: "ARUBA PEC S.p.A.", domain: "pec.aruba.it", boundary: "----=_Part_1234567_1029384756.1781597730000", html: true}
	poste     = provider{gestore: "Poste Italiane S.p.A.", domain: "postecert.it", boundary: "----------=_1781597730-12099-17"}
	legalmail = provider{gestore: "InfoCert S.p.A.", domain: "legalmail.it", boundary: "=_alternative 0049B5C5C1258B8E_=", html: true}
	namirial  = provider{gestore: "Namirial S.p.A.", domain: "sicurezzapostale.it", boundary: "----------=_1733353330-24820-178", html: true}
	providers = []provider{aruba, poste, legalmail, namirial}
)

type pecArgs struct {
	provider
	sender, to, subject, inner, id, origID string
	when                                   time.Time
	receipt, tipoRicevuta, errore          string
	consegna, erroreEsteso                 string
	noDaticert, noXHeaders                 bool
}

func daticertXML(a pecArgs, tipo string) string {
	errore := a.errore
	if errore == "" {
		errore = "nessuno"
	}
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE postacert SYSTEM \"postacert.dtd\">\n")
	fmt.Fprintf(&b, "<postacert tipo=\"%s\" errore=\"%s\">\n  <intestazione>\n    <mittente>%s</mittente>\n", tipo, errore, a.sender)
	fmt.Fprintf(&b, "    <destinatari tipo=\"certificato\">%s</destinatari>\n    <risposte>%s</risposte>\n    <oggetto>%s</oggetto>\n  </intestazione>\n", a.to, a.sender, xmlEscape(a.subject))
	fmt.Fprintf(&b, "  <dati>\n    <gestore-emittente>%s</gestore-emittente>\n    <data zona=\"%s\">\n      <giorno>%s</giorno>\n      <ora>%s</ora>\n    </data>\n", a.gestore, a.when.Format("-0700"), a.when.Format("02/01/2006"), a.when.Format("15:04:05"))
	fmt.Fprintf(&b, "    <identificativo>%s</identificativo>\n    <msgid>%s</msgid>\n", a.id, xmlEscape(a.origID))
	if a.tipoRicevuta != "" {
		fmt.Fprintf(&b, "    <ricevuta tipo=\"%s\" />\n", a.tipoRicevuta)
	}
	if a.consegna != "" {
		fmt.Fprintf(&b, "    <consegna>%s</consegna>\n", a.consegna)
	}
	if a.erroreEsteso != "" {
		fmt.Fprintf(&b, "    <errore-esteso>%s</errore-esteso>\n", xmlEscape(a.erroreEsteso))
	}
	b.WriteString("  </dati>\n</postacert>\n")
	return b.String()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// fakeSignature stands for the provider's PKCS#7 signature: bytes shaped like DER.
func fakeSignature(seed string) []byte {
	b := []byte{0x30, 0x82, 0x1a, 0x8e, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
	for i := 0; i < 300; i++ {
		b = append(b, byte(int(seed[i%len(seed)])*(i+7)))
	}
	return b
}

var receiptSubjects = map[string]string{
	"accettazione": "ACCETTAZIONE", "non-accettazione": "AVVISO DI NON ACCETTAZIONE", "presa-in-carico": "PRESA IN CARICO",
	"avvenuta-consegna": "CONSEGNA", "errore-consegna": "AVVISO DI MANCATA CONSEGNA",
	"preavviso-errore-consegna": "AVVISO DI MANCATA CONSEGNA PER SUP. TEMPO MASSIMO", "rilevazione-virus": "PROBLEMA DI SICUREZZA",
}

// pecEnvelope writes a transport envelope (or, with receipt set, a receipt) the way the
// provider's software writes it: signed multipart, notice, daticert.xml, postacert.eml.
func pecEnvelope(a pecArgs) []byte {
	nl := "\r\n"
	tipo, prefix, what := "posta-certificata", "POSTA CERTIFICATA", "Messaggio di posta certificata"
	if a.receipt != "" {
		tipo, prefix, what = a.receipt, receiptSubjects[a.receipt], "Ricevuta di "+strings.ReplaceAll(a.receipt, "-", " ")
	}
	zone := a.when.Format("-0700")
	notice := fmt.Sprintf("%s\r\n\r\nIl giorno %s alle ore %s (%s) il messaggio\r\n\"%s\" è stato inviato da \"%s\"\r\nindirizzato a:\r\n%s\r\nIl messaggio originale è incluso in allegato.\r\nIdentificativo messaggio: %s\r\n",
		what, a.when.Format("02/01/2006"), a.when.Format("15:04:05"), zone, a.subject, a.sender, a.to, a.id)
	if a.erroreEsteso != "" {
		notice += "Errore: " + a.erroreEsteso + "\r\n"
	}
	noticeLatin := qp(cp1252(notice))
	var texts part
	if a.html {
		html := "<html><head><title>" + what + "</title></head><body><h1>" + what + "</h1><p>" + strings.ReplaceAll(notice, "\r\n", "<br>\r\n") + "</p></body></html>"
		texts = multi("alternative", a.boundary+"-alt",
			textPart("text/plain", "iso-8859-1", "quoted-printable", noticeLatin, "Content-Disposition: inline"),
			textPart("text/html", "iso-8859-1", "quoted-printable", qp(cp1252(html)), "Content-Disposition: inline"))
	} else {
		texts = textPart("text/plain", "iso-8859-1", "quoted-printable", noticeLatin, "Content-Disposition: inline")
	}
	kids := []part{texts}
	if !a.noDaticert {
		kids = append(kids, part{headers: []string{"Content-Type: application/xml; name=\"daticert.xml\"", "Content-Disposition: inline; filename=\"daticert.xml\"", "Content-Transfer-Encoding: base64"},
			body: b64([]byte(daticertXML(a, tipo)), 60, true)})
	}
	if a.inner != "" {
		kids = append(kids, part{headers: []string{"Content-Type: message/rfc822; name=\"postacert.eml\"", "Content-Disposition: inline; filename=\"postacert.eml\"", "Content-Transfer-Encoding: 7bit"}, body: a.inner})
	}
	mixed := multi("mixed", a.boundary+"-mix", kids...)
	sig := part{headers: []string{"Content-Type: application/x-pkcs7-signature; name=\"smime.p7s\"", "Content-Transfer-Encoding: base64", "Content-Disposition: attachment; filename=\"smime.p7s\""},
		body: b64(fakeSignature(a.id), 64, true)}
	signed := part{headers: []string{fmt.Sprintf("Content-Type: multipart/signed; protocol=\"application/x-pkcs7-signature\"; micalg=\"sha-256\"; boundary=\"%s\"", a.boundary)},
		kids: []part{mixed, sig}, bound: a.boundary}
	from := fmt.Sprintf("From: \"Per conto di: %s\" <posta-certificata@%s>", a.sender, a.domain)
	if a.receipt != "" {
		from = fmt.Sprintf("From: posta-certificata@%s", a.domain)
	}
	h := []string{
		"Return-Path: <posta-certificata@" + a.domain + ">",
		"Received: from smtp." + a.domain + " (localhost [127.0.0.1])" + nl + "\tby smtp." + a.domain + " (Postfix) with ESMTP id 4Y3Y1t4Hz0z4xVd;" + nl + "\t" + a.when.Format(time.RFC1123Z) + " (CEST)",
		"Date: " + a.when.Format(time.RFC1123Z),
		from,
		"To: " + a.to,
		"Subject: " + mime.QEncoding.Encode("UTF-8", prefix+": "+a.subject),
		"Message-ID: <" + a.id + ">",
	}
	if a.receipt == "" {
		h = append(h, "Reply-To: "+a.sender)
	}
	if !a.noXHeaders {
		h = append(h, "X-Riferimento-Message-ID: "+a.origID)
		if a.receipt != "" {
			h = append(h, "X-Ricevuta: "+a.receipt)
			if a.tipoRicevuta != "" {
				h = append(h, "X-TipoRicevuta: "+a.tipoRicevuta)
			}
			if a.consegna != "" {
				h = append(h, "X-Verificasicurezza: normale")
			}
		} else {
			h = append(h, "X-Trasporto: posta-certificata")
		}
	}
	signed.headers = append(h, append([]string{"MIME-Version: 1.0"}, signed.headers...)...)
	return []byte(signed.render(nl))
}
