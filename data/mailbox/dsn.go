package mailbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"
)

// Bounce is a report that a message could not be delivered: a delivery status
// notification (RFC 3464) or one of the older plain-text shapes mail servers still send.
type Bounce struct {
	// Original is the Message-ID of the message that did not arrive, without <>; it is
	// how a bounce finds the letter it is about.
	Original string
	// Recipient is the address that failed; Status the enhanced status code (5.1.1);
	// Reason the server's words (the diagnostic code, or the first line of the text).
	Recipient string
	Status    string
	Reason    string
	// ID names the bounce itself (its own Message-ID, or a digest of it): the same
	// bounce fetched twice is one alert.
	ID string
	At time.Time
}

// maxBounceDepth bounds the nesting of MIME parts the reader follows: reports are two
// or three levels deep, anything deeper is not a report.
const maxBounceDepth = 6

// ReadBounce says whether raw is a report of a message that failed (not one merely
// delayed or delivered), and what it says. It never fails on malformed input: what it
// cannot read is not a bounce.
func ReadBounce(raw []byte) (*Bounce, bool) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, false
	}
	b := &Bounce{ID: strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>")}
	if d, err := msg.Header.Date(); err == nil {
		b.At = d
	}
	r := &reportReader{b: b}
	body, _ := io.ReadAll(io.LimitReader(msg.Body, MaxMessage))
	r.part(textproto.MIMEHeader(msg.Header), body, 0)
	switch {
	case r.report && r.failed && !r.delayedOnly():
	case !r.report && looksBounced(msg.Header):
		// Older shapes (qmail, Exim without DSN, some gateways): no report part, the
		// failure said in words and the original's headers quoted in the text.
		if b.Original == "" {
			b.Original = quotedMessageID(r.text)
		}
		if b.Reason == "" {
			b.Reason = firstFailureLine(r.text)
		}
	default:
		return nil, false
	}
	if b.Original == "" {
		return nil, false
	}
	if b.ID == "" {
		sum := sha256.Sum256(raw)
		b.ID = "sha256:" + hex.EncodeToString(sum[:])
	}
	return b, true
}

type reportReader struct {
	b *Bounce
	// report: a message/delivery-status part was read; failed: one of its recipients
	// failed; delayed: one was only delayed.
	report, failed, delayed bool
	text                    []byte // the human-readable parts, for the older shapes
}

func (r *reportReader) delayedOnly() bool { return r.delayed && !r.failed }

// part reads one MIME part of the report and the parts within it.
func (r *reportReader) part(h textproto.MIMEHeader, body []byte, depth int) {
	if depth > maxBounceDepth {
		return
	}
	media, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		media = "text/plain"
	}
	body = decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	switch {
	case strings.HasPrefix(media, "multipart/"):
		boundary := params["boundary"]
		if boundary == "" {
			return
		}
		mr := multipart.NewReader(bytes.NewReader(body), boundary)
		for i := 0; i < 64; i++ {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			pb, _ := io.ReadAll(io.LimitReader(p, MaxMessage))
			r.part(p.Header, pb, depth+1)
		}
	case media == "message/delivery-status" || media == "message/global-delivery-status":
		r.report = true
		r.deliveryStatus(body)
	case media == "message/rfc822" || media == "text/rfc822-headers" || media == "message/global" || media == "message/global-headers":
		if r.b.Original == "" {
			r.b.Original = headerMessageID(body)
		}
	case strings.HasPrefix(media, "text/"):
		if len(r.text) < 64<<10 {
			r.text = append(r.text, body...)
			r.text = append(r.text, '\n')
		}
	}
}

// deliveryStatus reads the per-message and per-recipient field groups of a
// message/delivery-status body.
func (r *reportReader) deliveryStatus(body []byte) {
	// The blank line after the last group may be missing: one is added, without writing
	// into the part's bytes.
	tr := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(bytes.TrimLeft(body, "\r\n")), strings.NewReader("\r\n\r\n"))))
	for group := 0; group < 100; group++ {
		h, err := tr.ReadMIMEHeader()
		if len(h) > 0 && group > 0 || h.Get("Action") != "" {
			r.recipient(h)
		}
		if err != nil {
			return
		}
		// Blank lines between groups: skip any extra.
		for {
			peek, perr := tr.R.Peek(1)
			if perr != nil {
				return
			}
			if peek[0] != '\r' && peek[0] != '\n' {
				break
			}
			tr.R.ReadByte()
		}
	}
}

// recipient reads one recipient's group: the first that failed is the bounce's.
func (r *reportReader) recipient(h textproto.MIMEHeader) {
	action := strings.ToLower(strings.TrimSpace(h.Get("Action")))
	status := strings.TrimSpace(h.Get("Status"))
	failed := action == "failed" || action == "" && strings.HasPrefix(status, "5")
	if action == "delayed" {
		r.delayed = true
	}
	if !failed || r.failed {
		return
	}
	r.failed = true
	r.b.Status = status
	r.b.Recipient = addressOf(h.Get("Final-Recipient"))
	if r.b.Recipient == "" {
		r.b.Recipient = addressOf(h.Get("Original-Recipient"))
	}
	reason := h.Get("Diagnostic-Code")
	if reason == "" {
		reason = h.Get("X-Supplementary-Info")
	}
	if _, after, ok := strings.Cut(reason, ";"); ok && !strings.Contains(reason[:len(reason)-len(after)], " ") {
		reason = after // "smtp; 550 5.1.1 …": the type goes
	}
	r.b.Reason = strings.Join(strings.Fields(reason), " ")
	if r.b.Reason == "" {
		r.b.Reason = status
	}
}

// addressOf is the address of an address-type field ("rfc822; a@b").
func addressOf(v string) string {
	if _, after, ok := strings.Cut(v, ";"); ok {
		v = after
	}
	return strings.Trim(strings.TrimSpace(v), "<>")
}

// headerMessageID is the Message-ID among the headers at the start of b.
func headerMessageID(b []byte) string {
	tr := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(b), strings.NewReader("\r\n\r\n"))))
	h, _ := tr.ReadMIMEHeader()
	if id := strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>"); id != "" {
		return id
	}
	return quotedMessageID(b)
}

var quotedIDLine = regexp.MustCompile(`(?im)^[ \t>]*message-id:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]{1,250})>`)

// quotedMessageID finds a Message-ID header quoted in text.
func quotedMessageID(text []byte) string {
	if m := quotedIDLine.FindSubmatch(text); m != nil {
		return string(m[1])
	}
	return ""
}

// looksBounced says whether a message without a report part is a bounce: sent by the
// mail system, with a subject that says the delivery failed.
func looksBounced(h mail.Header) bool {
	from := strings.ToLower(h.Get("From"))
	subject := strings.ToLower(h.Get("Subject"))
	if d, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
		subject = strings.ToLower(d)
	}
	system := strings.Contains(from, "mailer-daemon") || strings.Contains(from, "postmaster") ||
		strings.Contains(from, "mail delivery") || strings.TrimSpace(h.Get("Return-Path")) == "<>"
	if !system {
		return false
	}
	for _, w := range []string{"undeliver", "returned to sender", "delivery status notification (failure)", "delivery failure",
		"failure notice", "delivery has failed", "mail delivery failed", "non recapitabile", "unzustellbar", "nicht zugestellt"} {
		if strings.Contains(subject, w) {
			return true
		}
	}
	return false
}

var failureLine = regexp.MustCompile(`(?m)^.*\b[45][0-9][0-9][ -][245]\.[0-9]{1,3}\.[0-9]{1,3}\b.*$`)

// firstFailureLine is the line of text holding an SMTP reply with a status code.
func firstFailureLine(text []byte) string {
	if m := failureLine.Find(text); m != nil {
		s := strings.Join(strings.Fields(string(m)), " ")
		if r := []rune(s); len(r) > 300 {
			s = string(r[:300])
		}
		return s
	}
	return ""
}

// decodeTransfer undoes a part's transfer encoding; what does not decode is read as is.
func decodeTransfer(enc string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, body)
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(out, clean)
		if err != nil {
			return body
		}
		return out[:n]
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			return body
		}
		return out
	}
	return body
}
