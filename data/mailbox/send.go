package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-smtp"
	"github.com/jhillyerd/enmime/v2"

	"ascolto/data"
	"ascolto/data/mailin"
	"ascolto/translations"
)

// Sent is what Send did.
type Sent struct {
	Letter *data.Letter `json:"letter"`
	// MessageID is the Message-ID of the e-mail, without <>.
	MessageID string `json:"message_id"`
	// AcceptedAt is when the submission server accepted the message: the time of the
	// reply for the deadline.
	AcceptedAt time.Time `json:"accepted_at"`
	To         string    `json:"to"`
	// Already: the Sent folder showed the message had gone before; nothing was sent now.
	Already bool `json:"already"`
}

// Send sends the issued letter ref (a letter's number or id, or a case: its latest
// letter) to the citizen's address, from the office's address, as a PDF with a short
// cover text in the citizen's language, threaded to the citizen's message. The copy in
// the Sent folder is what makes a second try safe: a letter whose copy is marked sent
// is never sent again, and one whose sending was cut off is not sent again without
// resend, because it may have gone.
func (b *Box) Send(ctx context.Context, ref string, resend bool) (*Sent, error) {
	l, err := b.letter(ctx, ref)
	if err != nil {
		return nil, err
	}
	cs, err := b.Store.Get(ctx, l.CaseID)
	if err != nil {
		return nil, err
	}
	// A letter sent is sent once, unless it came back: then it goes again, under a
	// Message-ID of its own per failure, so a retry of this sending is still recognised
	// in the Sent folder and a bounce of it still finds the letter.
	again := 0
	if l.SentAt != nil {
		again, err = b.failures(ctx, cs.ID, l.ID)
		if err != nil {
			return nil, err
		}
		if again == 0 {
			return nil, data.Problemf("letter.err_already_sent", "number", l.Number, "date", l.SentAt.In(data.Rome).Format("02.01.2006"))
		}
	}
	to := cs.Citizen.Email
	if to == "" {
		return nil, data.Problemf("err.mailbox.no_address", "number", cs.Number)
	}
	pdf, err := b.Store.LetterPDF(ctx, l)
	if err != nil {
		return nil, err
	}
	inReplyTo, err := b.citizenMessageID(ctx, cs.ID)
	if err != nil {
		return nil, err
	}
	msgID := "ascolto-" + l.ID + "@" + b.helloName()
	if again > 0 {
		msgID = fmt.Sprintf("ascolto-%s.r%d@%s", l.ID, again, b.helloName())
	}
	raw, err := b.build(cs, l, pdf, msgID, inReplyTo, b.Store.Now())
	if err != nil {
		return nil, err
	}
	if size := len(raw); size > 0 {
		if limit, ok := b.sizeLimit(ctx); ok && size > limit {
			return nil, data.Problemf("err.mailbox.too_big", "size", mb(size), "limit", mb(limit))
		}
	}

	c, err := b.openIMAP(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Logout()
	host := b.Settings.IMAPHost
	if err := ensureFolder(c, b.Settings.Sent); err != nil {
		return nil, err
	}
	if _, err := c.Select(b.Settings.Sent, false); err != nil {
		return nil, &data.Problem{Key: "err.mailbox.folder", Args: map[string]string{"folder": b.Settings.Sent}, Err: err}
	}
	copies, err := sentCopies(c, msgID)
	if err != nil {
		return nil, serverProblem(host, err)
	}
	for _, m := range copies {
		if hasFlag(m, KeywordSent) {
			// It went before; only the register did not learn it (cut off after the
			// server's acceptance). The copy's arrival is the closest known time.
			return b.record(ctx, cs, l, copyRaw(m, raw), msgID, to, m.InternalDate, true)
		}
	}
	if len(copies) > 0 {
		if !resend {
			return nil, data.Problemf("err.mailbox.send_uncertain", "number", l.Number, "folder", b.Settings.Sent)
		}
		if err := removeCopies(c, copies); err != nil {
			return nil, serverProblem(host, err)
		}
	}
	if err := c.Append(b.Settings.Sent, []string{imap.SeenFlag, KeywordSending}, time.Now(), bytes.NewReader(raw)); err != nil {
		return nil, serverProblem(host, err)
	}
	accepted, certain, err := b.submit(ctx, to, raw)
	if err != nil {
		if certain {
			// The server refused before taking the message: nothing went, the copy goes.
			if copies, cerr := sentCopies(c, msgID); cerr == nil {
				removeCopies(c, copies)
			}
			return nil, err
		}
		return nil, data.Problemf("err.mailbox.send_uncertain", "number", l.Number, "folder", b.Settings.Sent)
	}
	copies, err = sentCopies(c, msgID)
	if err == nil && len(copies) > 0 {
		set := new(imap.SeqSet)
		for _, m := range copies {
			set.AddNum(m.Uid)
		}
		if err = c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{KeywordSent}, nil); err == nil {
			err = c.UidStore(set, imap.FormatFlagsOp(imap.RemoveFlags, true), []interface{}{KeywordSending}, nil)
		}
	}
	sent, rerr := b.record(ctx, cs, l, raw, msgID, to, accepted, false)
	if rerr != nil {
		return nil, rerr
	}
	if err != nil {
		// Sent and recorded; only the mark on the copy failed: said, nothing lost.
		return sent, serverProblem(host, err)
	}
	return sent, nil
}

// record keeps the message sent with the case and marks the letter sent by e-mail at
// the server's acceptance time, in one transaction.
func (b *Box) record(ctx context.Context, cs *data.Case, l *data.Letter, raw []byte, msgID, to string, at time.Time, already bool) (*Sent, error) {
	via := "email"
	if b.Settings.PEC {
		via = "pec"
	}
	if at.After(b.Store.Now()) {
		at = b.Store.Now()
	}
	var out *data.Letter
	err := b.Store.Update(ctx, func(t *data.Tx) error {
		if _, err := t.Attach(cs.Number, "sent-"+strings.ReplaceAll(l.Number, "/", "-")+".eml", "message/rfc822", raw); err != nil {
			return err
		}
		// A reply that goes out ends the alerts of one that did not arrive.
		if err := t.DeliveryResent(cs.Number); err != nil {
			return err
		}
		if l.SentAt != nil {
			out = l // sent again after a failure: the first sending's record stays
			return nil
		}
		var err error
		out, err = t.MarkLetterSent(l.ID, at, via)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Sent{Letter: out, MessageID: msgID, AcceptedAt: at, To: to, Already: already}, nil
}

// failures is how many times the letter was reported not delivered, 0 if it has no open
// alert: only a letter that came back is sent again.
func (b *Box) failures(ctx context.Context, caseID, letterID string) (int, error) {
	alerts, err := b.Store.DeliveryAlerts(ctx, caseID, true)
	if err != nil {
		return 0, err
	}
	n, open := 0, false
	for _, a := range alerts {
		if a.LetterID == letterID {
			n++
			open = open || a.ClearedAt == nil
		}
	}
	if !open {
		return 0, nil
	}
	return n, nil
}

// letter finds the letter ref names: a letter, or the latest letter of a case.
func (b *Box) letter(ctx context.Context, ref string) (*data.Letter, error) {
	if l, err := b.Store.GetLetter(ctx, ref); err == nil {
		return l, nil
	}
	cs, err := b.Store.Get(ctx, data.Ref(ref))
	if err != nil {
		return nil, err
	}
	ls, err := b.Store.Letters(ctx, cs.ID)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, data.Problemf("err.mailbox.no_letter", "number", cs.Number)
	}
	return ls[len(ls)-1], nil
}

// citizenMessageID is the Message-ID of the citizen's message the case was made from,
// "" for a case that came another way.
func (b *Box) citizenMessageID(ctx context.Context, caseID string) (string, error) {
	atts, err := b.Store.Attachments(ctx, caseID)
	if err != nil {
		return "", err
	}
	for _, a := range atts {
		if a.MIME != "message/rfc822" || strings.HasPrefix(a.Name, "sent-") {
			continue
		}
		raw, err := b.Store.AttachmentContent(ctx, a.SHA256)
		if err != nil {
			return "", err
		}
		if m, err := mailin.Parse(raw); err == nil && m.MessageID != "" {
			return m.MessageID, nil
		}
	}
	return "", nil
}

// coverLanguages are the languages of the cover text: the citizen's, else the letter's,
// else both.
func coverLanguages(cs *data.Case, l *data.Letter) []string {
	switch {
	case cs.Citizen.Language == data.Italian || cs.Citizen.Language == data.German:
		return []string{string(cs.Citizen.Language)}
	case l.Language == data.LetterItalian || l.Language == data.LetterGerman:
		return []string{string(l.Language)}
	}
	return []string{"it", "de"}
}

// build makes the message: the cover text, the letter as PDF, the threading headers.
func (b *Box) build(cs *data.Case, l *data.Letter, pdf []byte, msgID, inReplyTo string, now time.Time) ([]byte, error) {
	langs := coverLanguages(cs, l)
	var subject, body []string
	for _, lang := range langs {
		kv := []string{"number", l.Number, "case", cs.Number, "subject", cs.Subject}
		subject = append(subject, translations.T(lang, "letter.email_subject", kv...))
		body = append(body, translations.T(lang, "letter.email_body", kv...))
	}
	office := b.Store.Local()
	sender := office.NameIT
	if langs[0] == "de" {
		sender = office.NameDE
	}
	mb := enmime.Builder().
		From(sender, b.Settings.Address).
		To(cs.Citizen.Name, cs.Citizen.Email).
		Subject(strings.Join(subject, " / ")).
		Date(now).
		Header("Message-ID", "<"+msgID+">").
		Text([]byte(strings.Join(body, "\n\n---\n\n"))).
		AddAttachment(pdf, "application/pdf", strings.ReplaceAll(l.Number, "/", "-")+".pdf")
	if inReplyTo != "" {
		mb = mb.Header("In-Reply-To", "<"+inReplyTo+">").Header("References", "<"+inReplyTo+">")
	}
	part, err := mb.Build()
	if err != nil {
		return nil, &data.Problem{Key: "err.mailbox.build", Args: map[string]string{"detail": err.Error()}, Err: err}
	}
	var buf bytes.Buffer
	if err := part.Encode(&buf); err != nil {
		return nil, &data.Problem{Key: "err.mailbox.build", Args: map[string]string{"detail": err.Error()}, Err: err}
	}
	return buf.Bytes(), nil
}

// submit hands the message to the submission server. accepted is the time the server
// took it; certain says, on failure, that the message surely did not go (the server
// refused before the end of the data), so it may be sent again.
func (b *Box) submit(ctx context.Context, to string, raw []byte) (accepted time.Time, certain bool, err error) {
	c, err := b.openSMTP(ctx)
	if err != nil {
		return time.Time{}, true, err
	}
	defer c.Close()
	host := b.Settings.SMTPHost
	if err := c.Mail(b.Settings.Address, &smtp.MailOptions{Size: int64(len(raw))}); err != nil {
		return time.Time{}, true, smtpProblem(host, err, len(raw))
	}
	if err := c.Rcpt(to, nil); err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code >= 500 {
			return time.Time{}, true, &data.Problem{Key: "err.mailbox.recipient", Args: map[string]string{"address": to, "detail": se.Message}, Err: err}
		}
		return time.Time{}, true, smtpProblem(host, err, len(raw))
	}
	w, err := c.Data()
	if err != nil {
		return time.Time{}, true, smtpProblem(host, err, len(raw))
	}
	if _, err := w.Write(raw); err != nil {
		// The end of the data was never sent: the server cannot have taken it.
		return time.Time{}, true, smtpProblem(host, err, len(raw))
	}
	if err := w.Close(); err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			// An answer, and a refusal: the message did not go.
			return time.Time{}, true, smtpProblem(host, err, len(raw))
		}
		return time.Time{}, false, smtpProblem(host, err, len(raw))
	}
	accepted = b.Store.Now()
	c.Quit()
	return accepted, true, nil
}

// smtpProblem names a refusal of the submission server.
func smtpProblem(host string, err error, size int) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && (se.Code == 552 || se.Code == 523 || se.EnhancedCode == smtp.EnhancedCode{5, 3, 4}) {
		return &data.Problem{Key: "err.mailbox.refused_size", Args: map[string]string{"size": mb(size)}, Err: err}
	}
	return serverProblem(host, err)
}

// sizeLimit is the largest message the submission server takes, if it says.
func (b *Box) sizeLimit(ctx context.Context) (int, bool) {
	c, err := b.openSMTP(ctx)
	if err != nil {
		return 0, false
	}
	defer c.Close()
	n, ok := c.MaxMessageSize()
	c.Quit()
	return n, ok && n > 0
}

func mb(n int) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// sentCopies are the copies of the message msgID in the selected Sent folder.
func sentCopies(c *client.Client, msgID string) ([]*imap.Message, error) {
	crit := imap.NewSearchCriteria()
	crit.Header.Add("Message-Id", "<"+msgID+">")
	crit.WithoutFlags = []string{imap.DeletedFlag}
	uids, err := c.UidSearch(crit)
	if err != nil || len(uids) == 0 {
		return nil, err
	}
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, len(uids))
	if err := c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchFlags, imap.FetchInternalDate, section.FetchItem()}, ch); err != nil {
		return nil, err
	}
	var out []*imap.Message
	for m := range ch {
		// A server's header search may match loosely; the header itself decides.
		if body := m.GetBody(section); body != nil {
			raw, _ := readAll(body)
			m.Body = map[*imap.BodySectionName]imap.Literal{section: bytes.NewReader(raw)}
			if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil &&
				strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>") == msgID {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// copyRaw is the bytes of a copy in the Sent folder, else the message as built now.
func copyRaw(m *imap.Message, fallback []byte) []byte {
	for _, lit := range m.Body {
		if raw, err := readAll(lit); err == nil && len(raw) > 0 {
			return raw
		}
	}
	return fallback
}

func hasFlag(m *imap.Message, flag string) bool {
	for _, f := range m.Flags {
		if strings.EqualFold(f, flag) {
			return true
		}
	}
	return false
}

// removeCopies deletes copies of a message that surely did not go.
func removeCopies(c *client.Client, copies []*imap.Message) error {
	set := new(imap.SeqSet)
	for _, m := range copies {
		set.AddNum(m.Uid)
	}
	if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{imap.DeletedFlag}, nil); err != nil {
		return err
	}
	return c.Expunge(nil)
}
