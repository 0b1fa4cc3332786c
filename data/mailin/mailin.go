// Package mailin reads an e-mail saved as an .eml file (RFC 5322 with MIME) into what
// intake needs: the sender's name and address, the subject, the date, the text as the
// description, and the attached files. Citizens write from every kind of mail program,
// so the MIME is read properly: encoded words in headers (RFC 2047, also in file names),
// quoted-printable and base64 bodies, nested multiparts, RFC 2231 file names, and the
// charsets Italian and German mail comes in (UTF-8, ISO-8859-1/-15, windows-1252).
//
// A file that is not an e-mail, or whose MIME structure is broken, is refused with a
// *data.Problem that names what is wrong; nothing is half-read.
package mailin

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"ascolto/data"
)

// Message is an e-mail as intake uses it.
type Message struct {
	FromName    string
	FromAddress string
	Subject     string
	// Date is the Date header; zero if the message has none (intake then uses now).
	Date      time.Time
	MessageID string
	// Body is the text of the message: the plain-text part, or the HTML part made into
	// text when there is no plain one.
	Body string
	// Attachments are the files attached to the message (not the message itself).
	Attachments []Attachment
	// Language is the citizen's language as far as the text tells (it or de), or "".
	Language data.Language
}

// Attachment is one attached file.
type Attachment struct {
	Name    string
	MIME    string
	Content []byte
}

// maxDepth bounds nested multiparts: real mail nests three or four deep.
const maxDepth = 12

// Parse reads raw as an e-mail. Problems are *data.Problem with keys intake.mail.*.
func Parse(raw []byte) (*Message, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, data.Problemf("intake.mail.empty")
	}
	if len(raw) > data.MaxAttachment {
		return nil, data.Problemf("intake.mail.too_large", "max", fmt.Sprint(data.MaxAttachment>>20))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(normaliseNewlines(raw)))
	if err != nil {
		return nil, broken(err)
	}
	h := msg.Header
	// A file with none of the headers every e-mail has is not an e-mail, even if it
	// happens to start with a line that looks like a header.
	if h.Get("From") == "" && h.Get("Date") == "" && h.Get("Subject") == "" && h.Get("Message-Id") == "" {
		return nil, data.Problemf("intake.mail.not_mail")
	}
	m := &Message{MessageID: strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")}
	m.Subject = cleanLine(decodeHeader(h.Get("Subject")))
	if from := h.Get("From"); from != "" {
		p := mail.AddressParser{WordDecoder: wordDecoder}
		if a, err := p.Parse(from); err == nil {
			m.FromName, m.FromAddress = cleanLine(a.Name), a.Address
		} else {
			// Some programs write addresses mail.ParseAddress refuses (unquoted dots or
			// commas in the name): keep what can be read rather than refuse the mail.
			m.FromName, m.FromAddress = looseAddress(decodeHeader(from))
		}
	}
	if d := h.Get("Date"); d != "" {
		if t, err := mail.ParseDate(d); err == nil {
			m.Date = t
		}
	}
	var w walker
	if err := w.part(h, msg.Body, 0); err != nil {
		return nil, broken(err)
	}
	m.Body = strings.TrimSpace(w.plain)
	if m.Body == "" && w.html != "" {
		m.Body = htmlText(w.html)
	}
	m.Attachments = w.files
	m.Language = GuessLanguage(m.Subject + "\n" + m.Body)
	return m, nil
}

func broken(err error) error {
	return &data.Problem{Key: "intake.mail.broken", Args: map[string]string{"detail": err.Error()}, Err: err}
}

// normaliseNewlines turns bare LF files (as saved by many mail programs on Linux) and
// CRLF ones alike into CRLF-free text for the reader; net/mail accepts both, but the
// multipart reader is stricter about boundaries after a lone CR.
func normaliseNewlines(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
}

type header interface{ Get(string) string }

type walker struct {
	plain, html string
	files       []Attachment
	n           int
}

// part reads one MIME entity: a multipart is walked, the first text part that is not
// an attachment is the body, everything else is an attached file.
func (w *walker) part(h header, body io.Reader, depth int) error {
	if depth > maxDepth {
		return errors.New("MIME parts nested too deep")
	}
	ctype := h.Get("Content-Type")
	media, params := "text/plain", map[string]string{"charset": "us-ascii"}
	if ctype != "" {
		var err error
		media, params, err = mime.ParseMediaType(ctype)
		if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
			return fmt.Errorf("Content-Type %q: %w", ctype, err)
		}
		media = strings.ToLower(media)
	}
	if strings.HasPrefix(media, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			return fmt.Errorf("%s without a boundary", media)
		}
		mr := multipart.NewReader(body, boundary)
		parts := 0
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", media, err)
			}
			parts++
			if err := w.part(p.Header, p, depth+1); err != nil {
				return err
			}
		}
		if parts == 0 {
			return fmt.Errorf("%s with no parts (boundary %q not found)", media, boundary)
		}
		return nil
	}
	content, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := fileName(dparams["filename"], params["name"])
	isText := media == "text/plain" || media == "text/html"
	if isText && disp != "attachment" && name == "" {
		text, err := toUTF8(content, params["charset"])
		if err != nil {
			return err
		}
		switch {
		case media == "text/plain" && w.plain == "":
			w.plain = text
			return nil
		case media == "text/html" && w.html == "":
			w.html = text
			return nil
		case media == "text/plain":
			w.plain += "\n\n" + text // a message split around an inline picture
			return nil
		}
		return nil // a second HTML alternative adds nothing
	}
	if media == "message/rfc822" && name == "" {
		name = "message.eml"
	}
	if name == "" {
		w.n++
		name = fmt.Sprintf("attachment-%d%s", w.n, extension(media))
	}
	w.files = append(w.files, Attachment{Name: name, MIME: media, Content: content})
	return nil
}

// decodeTransfer undoes the Content-Transfer-Encoding. Broken base64 is an error (the
// file would be damaged); quoted-printable is read leniently, as mail programs do.
func decodeTransfer(cte string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		raw, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		clean := bytes.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, raw)
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(out, clean)
		if err != nil {
			// Some senders leave out the final padding.
			if n2, err2 := base64.RawStdEncoding.Decode(out, bytes.TrimRight(clean, "=")); err2 == nil {
				return out[:n2], nil
			}
			return nil, fmt.Errorf("base64: %w", err)
		}
		return out[:n], nil
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(r))
		if err != nil {
			return nil, fmt.Errorf("quoted-printable: %w", err)
		}
		return b, nil
	default: // 7bit, 8bit, binary, or none
		return io.ReadAll(r)
	}
}

// charsetOf names the decoders for the charsets in Italian and German mail.
func charsetOf(name string) (encoding.Encoding, bool) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(name), `"`)) {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		return nil, true
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return charmap.ISO8859_1, true
	case "iso-8859-15", "iso8859-15", "latin-9", "latin9":
		return charmap.ISO8859_15, true
	case "windows-1252", "cp1252", "x-cp1252":
		return charmap.Windows1252, true
	case "iso-8859-2", "latin2":
		return charmap.ISO8859_2, true
	}
	return nil, false
}

// toUTF8 decodes text in charset. An unknown charset is read as windows-1252 when the
// bytes are not UTF-8: better a wrong accent than a lost complaint.
func toUTF8(b []byte, charset string) (string, error) {
	enc, ok := charsetOf(charset)
	if !ok {
		if utf8.Valid(b) {
			return string(b), nil
		}
		enc = charmap.Windows1252
	}
	if enc == nil {
		if utf8.Valid(b) {
			return string(b), nil
		}
		enc = charmap.Windows1252 // declared UTF-8 but is not: Outlook on old Windows
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("charset %s: %w", charset, err)
	}
	return string(out), nil
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, in io.Reader) (io.Reader, error) {
	enc, ok := charsetOf(charset)
	if !ok {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	if enc == nil {
		return in, nil
	}
	return enc.NewDecoder().Reader(in), nil
}}

// decodeHeader decodes encoded words; a header that cannot be decoded is kept as it is.
func decodeHeader(s string) string {
	out, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	if !utf8.ValidString(out) { // raw 8-bit header, no encoded words
		if t, err := toUTF8([]byte(out), "windows-1252"); err == nil {
			return t
		}
	}
	return out
}

// fileName is the attachment's name: from Content-Disposition (RFC 2231 already
// decoded by mime.ParseMediaType), else Content-Type's name; encoded words, which
// many programs put in file names against the rules, are decoded; folders are cut off.
func fileName(disposition, ctypeName string) string {
	name := disposition
	if name == "" {
		name = ctypeName
	}
	name = decodeHeader(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	return strings.TrimSpace(name)
}

func extension(media string) string {
	if exts, _ := mime.ExtensionsByType(media); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

func cleanLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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
