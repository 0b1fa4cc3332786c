package mailin

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"ascolto/data"
)

// PEC (posta elettronica certificata, DPR 68/2005; technical rules DM 2 November 2005)
// never hands the citizen's message over as it is. What arrives is a transport envelope
// (busta di trasporto) written by the sender's provider:
//
//	X-Trasporto: posta-certificata
//	From: "Per conto di: citizen@pec.example" <posta-certificata@provider>
//	Subject: POSTA CERTIFICATA: <the citizen's subject>
//	multipart/signed
//	  multipart/mixed
//	    multipart/alternative: the provider's notice, text and HTML
//	    daticert.xml: what the provider certifies (sender, recipients, time, id)
//	    postacert.eml: the citizen's own message, as message/rfc822
//	  smime.p7s: the provider's signature
//
// Receipts (ricevute) carry X-Ricevuta: <kind> instead, and an anomaly envelope (busta
// di anomalia) carries X-Trasporto: errore around a mail that reached the PEC box by
// ordinary mail. The provider's signature is kept as proof, not verified here.

// pecKind tells what the top of the mail is: "receipt", "posta-certificata", "errore",
// or "" for an ordinary mail. The headers decide; an envelope whose X- headers were
// lost on the way (some programs drop them when saving) is known by its daticert.xml
// saying posta-certificata next to a postacert.eml.
func pecKind(root *enmime.Part) string {
	h := root.Header
	if strings.TrimSpace(h.Get("X-Ricevuta")) != "" {
		return "receipt"
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("X-Trasporto"))) {
	case "posta-certificata":
		return "posta-certificata"
	case "errore":
		return "errore"
	}
	if d := findNamed(root, "daticert.xml"); d != nil && findNamed(root, "postacert.eml") != nil {
		if c := readDaticert(partContent(d)); c != nil && c.Tipo == "posta-certificata" {
			return "posta-certificata"
		}
	}
	return ""
}

// envelope reads a transport envelope: the citizen's message from postacert.eml, the
// certified facts from daticert.xml, and the proof kept apart.
//
// A PEC without a readable postacert.eml is refused: registering the envelope would
// make the provider the citizen and its notice the request, which is exactly what
// must not happen; the clerk is told to ask for the message again instead.
func (r *reader) envelope(raw []byte, root *enmime.Part, level int) (*Message, error) {
	cert := readDaticert(partContent(findNamed(root, "daticert.xml")))
	pec := &PEC{Kind: "posta-certificata"}
	env := envelopeFacts(root)
	if cert != nil {
		pec.MessageID, pec.Sender, pec.Recipients, pec.Provider = cert.Dati.Identificativo, cert.Intestazione.Mittente, cert.recipients(), cert.Dati.Gestore
		pec.Sent, _ = cert.sent()
	}
	if pec.MessageID == "" {
		pec.MessageID = env.messageID
	}
	if pec.Sender == "" {
		pec.Sender = env.sender
	}
	if pec.Provider == "" {
		pec.Provider = env.provider
	}
	orig := findNamed(root, "postacert.eml")
	if orig == nil {
		orig = root.DepthMatchFirst(func(p *enmime.Part) bool { return strings.EqualFold(p.ContentType, "message/rfc822") })
	}
	if orig == nil {
		return nil, data.Problemf("intake.mail.pec_no_original", "provider", pec.Provider, "detail", "postacert.eml")
	}
	m, err := r.mail(partContent(orig), level+1)
	if err != nil {
		detail := err.Error()
		if p, ok := data.AsProblem(err); ok {
			detail = p.Key
			if d := p.Args["detail"]; d != "" {
				detail = d
			} else if n := p.Args["name"]; n != "" {
				detail = n
			}
		}
		return nil, &data.Problem{Key: "intake.mail.pec_no_original", Args: map[string]string{"provider": pec.Provider, "detail": detail}, Err: err}
	}
	if m.Subject == "" && cert != nil {
		m.Subject = cleanLine(cert.Intestazione.Oggetto)
	}
	if m.FromAddress == "" {
		m.FromAddress = pec.Sender
	}
	// The certified time is the time of sending that counts; the citizen's own Date
	// header is only the clock of their computer.
	switch {
	case !pec.Sent.IsZero():
		m.Date, m.DateProblem = pec.Sent, false
	case !env.date.IsZero():
		m.Date, m.DateProblem = env.date, false
	}
	m.PEC, m.Receipt = pec, nil
	m.Proof = proof(raw, root, "busta-pec.eml", false)
	m.Language = GuessLanguage(m.Subject + "\n" + m.Body)
	return m, nil
}

// anomaly reads an anomaly envelope: the mail inside came by ordinary mail and has no
// value as PEC, so it is read as an ordinary mail from its sender, without PEC facts.
func (r *reader) anomaly(root *enmime.Part, level int) (*Message, bool) {
	orig := findNamed(root, "postacert.eml")
	if orig == nil {
		orig = root.DepthMatchFirst(func(p *enmime.Part) bool { return strings.EqualFold(p.ContentType, "message/rfc822") })
	}
	if orig == nil {
		return nil, false
	}
	m, err := r.mail(partContent(orig), level+1)
	if err != nil || m.PEC != nil || m.Receipt != nil {
		return nil, false
	}
	return m, true
}

// receipt reads a provider's receipt: what happened to which message, when, for whom.
func (r *reader) receipt(raw []byte, root *enmime.Part) (*Message, error) {
	h := root.Header
	cert := readDaticert(partContent(findNamed(root, "daticert.xml")))
	env := envelopeFacts(root)
	rc := &Receipt{Kind: strings.ToLower(strings.TrimSpace(h.Get("X-Ricevuta"))), MessageID: messageID(h.Get("X-Riferimento-Message-ID"))}
	if cert != nil {
		if rc.MessageID == "" {
			rc.MessageID = messageID(unescapeAngles(cert.Dati.MsgID))
		}
		rc.At, _ = cert.sent()
		rc.Recipient = strings.TrimSpace(cert.Dati.Consegna)
		if rc.Recipient == "" {
			if rs := cert.recipients(); len(rs) > 0 {
				rc.Recipient = rs[0]
			}
		}
		rc.Problem = cleanLine(cert.Dati.ErroreEsteso)
		if rc.Problem == "" && cert.Errore != "" && !strings.EqualFold(cert.Errore, "nessuno") {
			rc.Problem = cert.Errore
		}
	}
	if rc.At.IsZero() {
		rc.At = env.date
	}
	m := &Message{Subject: cleanLine(decodeHeader(h.Get("Subject"))), MessageID: env.messageID, Date: rc.At, Receipt: rc}
	m.FromName, m.FromAddress = from(h.Get("From"))
	m.DateProblem = m.Date.IsZero() && env.dateProblem
	w := &walker{r: r}
	if err := w.walk(root, 0, nil); err != nil {
		return nil, broken(err)
	}
	m.Body = w.text()
	m.Proof = proof(raw, root, "ricevuta-pec.eml", true)
	m.Language = GuessLanguage(m.Body)
	return m, nil
}

type envFacts struct {
	messageID, sender, provider string
	date                        time.Time
	dateProblem                 bool
}

// envelopeFacts are what the envelope's own headers say, for when daticert.xml is
// missing: "Per conto di: <sender>" and Reply-To name the sender, the From domain
// the provider.
func envelopeFacts(root *enmime.Part) envFacts {
	h := root.Header
	f := envFacts{messageID: messageID(h.Get("Message-Id"))}
	name, addr := from(h.Get("From"))
	if i := strings.IndexByte(addr, '@'); i >= 0 {
		f.provider = addr[i+1:]
	}
	if rest, ok := strings.CutPrefix(strings.ToLower(name), "per conto di:"); ok {
		f.sender = strings.TrimSpace(rest)
	}
	if f.sender == "" {
		if _, a := from(h.Get("Reply-To")); a != "" {
			f.sender = a
		}
	}
	if d := h.Get("Date"); strings.TrimSpace(d) != "" {
		f.date, _ = parseDate(d)
		f.dateProblem = f.date.IsZero()
	}
	return f
}

// proof collects the envelope and the provider's parts; for a receipt also the copy of
// the original message that a complete receipt carries.
func proof(raw []byte, root *enmime.Part, envelopeName string, withOriginal bool) []Attachment {
	out := []Attachment{{Name: envelopeName, MIME: "message/rfc822", Content: raw}}
	names := []string{"daticert.xml", "smime.p7s"}
	if withOriginal {
		names = append(names, "postacert.eml")
	}
	for _, n := range names {
		p := findNamed(root, n)
		if p == nil && n == "smime.p7s" {
			p = root.DepthMatchFirst(func(p *enmime.Part) bool {
				ct := strings.ToLower(p.ContentType)
				return ct == "application/pkcs7-signature" || ct == "application/x-pkcs7-signature"
			})
		}
		if p == nil {
			continue
		}
		media := strings.ToLower(p.ContentType)
		if media == "" {
			media = "application/octet-stream"
		}
		out = append(out, Attachment{Name: n, MIME: media, Content: partContent(p)})
	}
	return out
}

// findNamed finds the first part whose file name is name (any case).
func findNamed(root *enmime.Part, name string) *enmime.Part {
	return root.DepthMatchFirst(func(p *enmime.Part) bool {
		if p.FirstChild != nil {
			return false
		}
		in := (&walker{}).info(p)
		return strings.EqualFold(in.name, name)
	})
}

// partContent is a part's content with its transfer encoding undone.
func partContent(p *enmime.Part) []byte {
	if p == nil {
		return nil
	}
	b, _ := decodeTransfer(p.Header.Get("Content-Transfer-Encoding"), p.Content, false)
	return b
}

// daticert is daticert.xml as the technical rules define it (postacert.dtd).
type daticert struct {
	Tipo         string `xml:"tipo,attr"`
	Errore       string `xml:"errore,attr"`
	Intestazione struct {
		Mittente    string `xml:"mittente"`
		Destinatari []struct {
			Tipo string `xml:"tipo,attr"`
			Addr string `xml:",chardata"`
		} `xml:"destinatari"`
		Risposte string `xml:"risposte"`
		Oggetto  string `xml:"oggetto"`
	} `xml:"intestazione"`
	Dati struct {
		Gestore string `xml:"gestore-emittente"`
		Data    struct {
			Zona   string `xml:"zona,attr"`
			Giorno string `xml:"giorno"`
			Ora    string `xml:"ora"`
		} `xml:"data"`
		Identificativo string `xml:"identificativo"`
		MsgID          string `xml:"msgid"`
		Ricevuta       struct {
			Tipo string `xml:"tipo,attr"`
		} `xml:"ricevuta"`
		Consegna     string `xml:"consegna"`
		Ricezione    string `xml:"ricezione"`
		ErroreEsteso string `xml:"errore-esteso"`
	} `xml:"dati"`
}

// readDaticert reads daticert.xml; nil if there is none or it is not one.
func readDaticert(b []byte) *daticert {
	if len(b) == 0 || len(b) > 1<<20 {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		raw, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(toUTF8(raw, label)), nil
	}
	var c daticert
	if err := d.Decode(&c); err != nil {
		return nil
	}
	c.Tipo = strings.ToLower(strings.TrimSpace(c.Tipo))
	c.Errore = strings.TrimSpace(c.Errore)
	c.Intestazione.Mittente = strings.TrimSpace(c.Intestazione.Mittente)
	c.Dati.Gestore = cleanLine(c.Dati.Gestore)
	c.Dati.Identificativo = strings.TrimSpace(c.Dati.Identificativo)
	return &c
}

func (c *daticert) recipients() []string {
	var out []string
	for _, d := range c.Intestazione.Destinatari {
		if a := strings.TrimSpace(d.Addr); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// sent is the certified time: giorno dd/mm/yyyy, ora hh:mm:ss, zona +hhmm.
func (c *daticert) sent() (time.Time, bool) {
	day := strings.Split(strings.TrimSpace(c.Dati.Data.Giorno), "/")
	if len(day) != 3 {
		return time.Time{}, false
	}
	var dmy [3]int
	for i, s := range day {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return time.Time{}, false
		}
		dmy[i] = v
	}
	h, mi, s, ok := clock(strings.TrimSpace(c.Dati.Data.Ora))
	if !ok {
		return time.Time{}, false
	}
	zona := strings.TrimSpace(c.Dati.Data.Zona)
	if zona == "" {
		return time.Time{}, false
	}
	off, ok := numericZone(zona)
	if !ok {
		return time.Time{}, false
	}
	if dmy[2] < 1980 || dmy[2] > 2200 || dmy[1] < 1 || dmy[1] > 12 {
		return time.Time{}, false
	}
	t := time.Date(dmy[2], time.Month(dmy[1]), dmy[0], h, mi, s, 0, time.FixedZone(zoneName(off), off*60))
	if t.Day() != dmy[0] {
		return time.Time{}, false
	}
	return t, true
}

// unescapeAngles undoes the entities some providers leave in <msgid> (&lt; &gt;) after
// the XML reader has already undone one level.
func unescapeAngles(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(strings.TrimSpace(s))
}
