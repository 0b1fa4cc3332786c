// Package mailin reads an e-mail saved as an .eml file (RFC 5322 with MIME) into what
// intake needs: the sender's name and address, the subject, the date, the text as the
// description, and the attached files. Citizens write from every kind of mail program,
// and offices receive certified mail (PEC), so the MIME structure is read by enmime,
// which is lenient where real mail is sloppy, and this package adds the office's rules:
// which text is the description, which charset a label really means (WHATWG), when a
// file is damaged rather than sloppy, what a PEC envelope and a PEC receipt are, and
// that a date which cannot be read is said so instead of becoming "now".
//
// A file that is not an e-mail, or whose structure or attachments are broken, is
// refused with a *data.Problem that names what is wrong; nothing is half-read.
package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	"github.com/jhillyerd/enmime/v2"

	"ascolto/data"
)

// Message is an e-mail as intake uses it.
type Message struct {
	FromName    string
	FromAddress string
	Subject     string
	// Date is when the mail was sent: the Date header, or for a PEC the certified time
	// of the provider (daticert.xml). Zero if the mail has none or it cannot be read.
	Date time.Time
	// DateProblem tells that the Date header was there but could not be read: Date is
	// zero and the clerk must confirm the time of receipt; it never becomes "now" silently.
	DateProblem bool
	MessageID   string
	// Body is the text of the message: the plain-text part, or the HTML part made into
	// text when there is no plain one.
	Body string
	// Attachments are the files attached to the message (not the message itself).
	Attachments []Attachment
	// Language is the citizen's language as far as the text tells (it or de), or "".
	Language data.Language
	// PEC is set when the mail came as a PEC transport envelope (busta di trasporto):
	// the fields above are then the citizen's own message (postacert.eml).
	PEC *PEC
	// Receipt is set for a PEC receipt (ricevuta) of the provider: a proof about a
	// message the office sent, never a new case.
	Receipt *Receipt
	// Proof are, for a PEC, the whole envelope, daticert.xml and smime.p7s: the proof of
	// receipt, kept apart from the citizen's files.
	Proof []Attachment
}

// PEC is what the provider certifies about a mail (daticert.xml).
type PEC struct {
	// MessageID is the provider's identifier of the certified message (identificativo).
	MessageID string
	// Sender is the certified sender's address (mittente).
	Sender string
	// Recipients are the certified recipients (destinatari).
	Recipients []string
	// Sent is the certified time of sending, in the zone the provider gave (data/ora/zona).
	Sent time.Time
	// Provider is the provider that issued the envelope (gestore-emittente).
	Provider string
	// Kind is the envelope's kind: "posta-certificata".
	Kind string
}

// Receipt is a PEC receipt (ricevuta) about a message the office sent.
type Receipt struct {
	// Kind is the X-Ricevuta value: accettazione, non-accettazione, presa-in-carico,
	// avvenuta-consegna, errore-consegna, preavviso-errore-consegna, rilevazione-virus.
	Kind string
	// MessageID is the Message-ID of the office's message it refers to.
	MessageID string
	// At is the certified time of the event.
	At time.Time
	// Recipient is the address the event is about (consegna), or the first recipient.
	Recipient string
	// Problem is the provider's error text for a failure (errore-esteso), else "".
	Problem string
}

// Attachment is one attached file.
type Attachment struct {
	Name    string
	MIME    string
	Content []byte
}

// Parse reads raw as an e-mail. Problems are *data.Problem with keys intake.mail.*.
func Parse(raw []byte) (m *Message, err error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, data.Problemf("intake.mail.empty")
	}
	if len(raw) > data.MaxAttachment {
		return nil, data.Problemf("intake.mail.too_large", "max", fmt.Sprint(data.MaxAttachment>>20))
	}
	m, err = safely(func() (*Message, error) {
		r := &reader{}
		return r.mail(raw, 0)
	})
	if m != nil {
		m.clean()
	}
	return m, err
}

// clean puts every text the message gives through the register's cleaning, whichever
// part of the mail (header, PEC certificate, body) it came from: control characters in a
// sender's header must not reach the form or the terminal.
func (m *Message) clean() {
	m.FromName, m.FromAddress, m.Subject = cleanLine(m.FromName), cleanLine(m.FromAddress), cleanLine(m.Subject)
	m.MessageID = cleanLine(m.MessageID)
	m.Body = data.CleanText(m.Body)
	if m.PEC != nil {
		m.PEC.Sender, m.PEC.Provider, m.PEC.MessageID = cleanLine(m.PEC.Sender), cleanLine(m.PEC.Provider), cleanLine(m.PEC.MessageID)
	}
	if m.Receipt != nil {
		m.Receipt.Recipient, m.Receipt.MessageID = cleanLine(m.Receipt.Recipient), cleanLine(m.Receipt.MessageID)
		m.Receipt.Problem = cleanLine(m.Receipt.Problem)
	}
}

// safely turns a panic in the reading into a refusal. Every panic is a bug to be fixed
// where it happens; this only keeps one from closing the clerk's window.
func safely(read func() (*Message, error)) (m *Message, err error) {
	defer func() {
		if v := recover(); v != nil {
			m = nil
			err = &data.Problem{Key: "intake.mail.unreadable", Args: map[string]string{"detail": fmt.Sprint(v)},
				Err: fmt.Errorf("panic reading a mail: %v\n%s", v, debug.Stack())}
		}
	}()
	return read()
}

// broken is the refusal of a mail whose structure cannot be read; a problem found
// deeper (a damaged file, a PEC without its message) is passed on as it is.
func broken(err error) error {
	var p *data.Problem
	if errors.As(err, &p) {
		return p
	}
	return &data.Problem{Key: "intake.mail.broken", Args: map[string]string{"detail": err.Error()}, Err: err}
}

// mail reads one message; level counts the envelopes around it.
func (r *reader) mail(raw []byte, level int) (*Message, error) {
	raw, ok := headerStart(raw)
	if !ok {
		return nil, data.Problemf("intake.mail.not_mail")
	}
	root, err := r.parts(raw)
	if err != nil {
		return nil, broken(err)
	}
	h := root.Header
	// A file with none of the headers every e-mail has is not an e-mail, even if it
	// happens to start with a line that looks like a header.
	if h.Get("From") == "" && h.Get("Date") == "" && h.Get("Subject") == "" && h.Get("Message-Id") == "" {
		return nil, data.Problemf("intake.mail.not_mail")
	}
	if err := fatal(root); err != nil {
		return nil, broken(err)
	}
	if level < maxEnvelopes {
		switch kind := pecKind(root); kind {
		case "receipt":
			return r.receipt(raw, root)
		case "posta-certificata":
			return r.envelope(raw, root, level)
		case "errore":
			if m, ok := r.anomaly(root, level); ok {
				return m, nil
			}
		}
	}
	return r.plain(root)
}

// headerStart skips what programs put before the headers of a saved mail (a UTF-8
// BOM, blank lines, the "From " line of an mbox, as Thunderbird writes it) and tells
// whether a header follows: a field name, a colon. A file that starts otherwise (a
// note, a PDF, a web page) is not an e-mail.
func headerStart(raw []byte) ([]byte, bool) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	for len(raw) > 0 && (raw[0] == '\r' || raw[0] == '\n') {
		raw = raw[1:]
	}
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	for i, c := range raw {
		switch {
		case c == ':':
			return raw, i > 0
		case c <= ' ' || c >= 0x7f:
			return raw, false
		}
	}
	return raw, false
}

// plain reads an ordinary mail (or the citizen's message inside a PEC envelope).
func (r *reader) plain(root *enmime.Part) (*Message, error) {
	h := root.Header
	m := &Message{MessageID: messageID(h.Get("Message-Id")), Subject: cleanLine(decodeHeader(h.Get("Subject")))}
	if f := h.Get("From"); f != "" {
		m.FromName, m.FromAddress = from(f)
	}
	if d := h.Get("Date"); strings.TrimSpace(d) != "" {
		if t, ok := parseDate(decodeHeader(d)); ok {
			m.Date = t
		} else {
			m.DateProblem = true
		}
	}
	w := &walker{r: r}
	if err := w.walk(root, 0, nil); err != nil {
		return nil, broken(err)
	}
	if w.damaged != "" {
		return nil, data.Problemf("intake.mail.damaged_file", "name", w.damaged)
	}
	m.Body = w.text()
	m.Attachments = w.files
	m.Language = GuessLanguage(m.Subject + "\n" + m.Body)
	return m, nil
}

// text is the description: the plain part, else the HTML made into text.
func (w *walker) text() string {
	if t := strings.TrimSpace(w.plain); t != "" {
		return t
	}
	if w.html != "" {
		return htmlText(w.html)
	}
	return ""
}

func messageID(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			return s[i+1 : i+j]
		}
	}
	return strings.Trim(s, "<>")
}

// cleanLine is a header's text on one line, without the control characters a sender's
// program (or an attacker) can put into any header: the register's own cleaning.
func cleanLine(s string) string { return data.CleanLine(strings.Join(strings.Fields(s), " ")) }

var angle = regexp.MustCompile(`<([^<>@\s]+@[^<>\s]+)>`)

// looseAddress finds "Name <addr>" or a bare address in a From header net/mail refused.
func looseAddress(s string) (name, addr string) {
	if m := angle.FindStringSubmatchIndex(s); m != nil {
		addr = s[m[2]:m[3]]
		name = strings.Trim(strings.TrimSpace(s[:m[0]]), `"'`)
		return cleanLine(name), addr
	}
	for _, f := range strings.Fields(s) {
		if strings.Contains(f, "@") {
			return "", strings.Trim(f, "<>,;\"'")
		}
	}
	return cleanLine(s), ""
}

var (
	htmlDrop  = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	htmlBreak = regexp.MustCompile(`(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\s*/?>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
	blankRuns = regexp.MustCompile(`\n{3,}`)
)

// htmlText makes the text of an HTML mail readable as a description: no markup, one
// line per paragraph, entities decoded.
func htmlText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// Words that give a language away in a few lines: articles, prepositions, the polite
// forms of address and the words of every letter to an office.
var (
	italianWords = words("il lo la le gli di da del della dei delle che per con non una uno sono è ho mi ci vi al alla nel nella buongiorno gentile cordiali saluti grazie richiesta reclamo ufficio")
	germanWords  = words("der die das den dem des und ist nicht mit für von zu auf ein eine einen ich sie wir bitte sehr geehrte geehrter freundlichen grüßen danke anfrage beschwerde amt")
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// GuessLanguage tells Italian from German by counting common words; "" when the text
// says too little to tell (the clerk chooses then).
func GuessLanguage(text string) data.Language {
	var it, de int
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if italianWords[w] {
			it++
		}
		if germanWords[w] {
			de++
		}
	}
	switch {
	case it >= 2 && it > de*3/2:
		return data.Italian
	case de >= 2 && de > it*3/2:
		return data.German
	}
	return ""
}
