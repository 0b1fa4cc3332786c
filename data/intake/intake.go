// Package intake takes an e-mail saved as an .eml file into the register: the one way
// the window and ascoltoctl turn mail into cases. It reads the message (data/mailin),
// refuses what is not a citizen's message (a PEC receipt), finds a message that is
// already a case, and otherwise registers the case with the original file, the
// citizen's attachments and, for a PEC, the proof of receipt, together with the
// message's identifiers, in one transaction of the register.
//
// It uses data's write path only (Tx.Create, Tx.Attach, Tx.RecordMessage) and imports
// nothing of the window.
package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ascolto/data"
	"ascolto/data/mailin"
)

// futureSlack is how far ahead of the register's clock a message's date may be and
// still be taken as the time of receipt (a sender's clock a few minutes fast).
const futureSlack = 10 * time.Minute

// maxSubject is the longest subject the register keeps, in bytes (data.Case.validate).
const maxSubject = 500

// Mail is an e-mail read for intake.
type Mail struct {
	// Name is the file's name; the original is kept with the case under it.
	Name string
	// Raw is the file as it came, kept byte for byte.
	Raw     []byte
	Message *mailin.Message
	// Keys are the identifiers the message is recorded and looked up under.
	Keys []data.MessageKey
	// Received is when the office received the message: the time a PEC provider
	// certified, else the Date header, else the time it was read.
	Received time.Time
	// Guess says why the message gives no usable time (no Date header, one that cannot
	// be read, one in the future); then Received is the time it was read, and the clerk
	// must confirm it. Empty when the time comes from the message.
	Guess DateGuess
	// Channel is pec for a message that came by certified mail, else email.
	Channel data.Channel
}

// Read reads raw (the file name) as a citizen's e-mail at the register's time now. A
// file that is not an e-mail, and a PEC receipt, are refused with a *data.Problem.
func Read(name string, raw []byte, now time.Time) (*Mail, error) {
	msg, err := mailin.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := refuseReceipt(msg); err != nil {
		return nil, err
	}
	m := &Mail{Name: emlName(name), Raw: raw, Message: msg, Channel: data.ChannelEmail}
	if isPEC(msg) {
		m.Channel = data.ChannelPEC
	}
	m.Keys = keys(msg, raw)
	m.Received, m.Guess = received(msg, now)
	return m, nil
}

// DateGuess says why a message's time of receipt is a guess.
type DateGuess string

// Why the time of receipt is a guess.
const (
	DateMissing    DateGuess = "missing"    // the message has no Date header
	DateUnreadable DateGuess = "unreadable" // its Date header cannot be read
	DateFuture     DateGuess = "future"     // its date lies after the register's clock
)

// received is the time of receipt and, if it is a guess, why.
func received(msg *mailin.Message, now time.Time) (time.Time, DateGuess) {
	if t, ok := certifiedTime(msg); ok && !t.After(now.Add(futureSlack)) {
		return t, ""
	}
	switch d := msg.Date; {
	case dateUnreadable(msg) || !d.IsZero() && d.Year() < 1990:
		return now, DateUnreadable
	case d.IsZero():
		return now, DateMissing
	case d.After(now.Add(futureSlack)):
		return now, DateFuture
	default:
		return d, ""
	}
}

// DateNote is what the clerk must be told about the time of receipt: nil when it comes
// from the message, else a note (a *data.Problem to translate) that it is the time the
// message was read and must be confirmed.
func (m *Mail) DateNote() *data.Problem {
	switch m.Guess {
	case DateMissing:
		return data.Problemf("intake.mail.date_missing")
	case DateUnreadable:
		return data.Problemf("intake.mail.date_unreadable")
	case DateFuture:
		return data.Problemf("intake.mail.date_future", "date", m.Message.Date.In(data.Rome).Format("2006-01-02 15:04"))
	}
	return nil
}

// keys are the identifiers of msg: for a PEC the certified identifier and the
// Message-ID of the message inside; else the Message-ID; a message with none is
// known by the SHA-256 of its bytes (line ends made alike, so a copy saved on another
// system is the same message).
func keys(msg *mailin.Message, raw []byte) []data.MessageKey {
	out := pecKeys(msg)
	if id := strings.TrimSpace(msg.MessageID); id != "" {
		out = append(out, data.MessageKey{ID: id, Kind: data.MessageIDKey})
	}
	if len(out) == 0 {
		sum := sha256.Sum256(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")))
		out = append(out, data.MessageKey{ID: "sha256:" + hex.EncodeToString(sum[:]), Kind: data.DigestKey})
	}
	return out
}

// Proposal is the case as the message tells it, to fill the intake form or to register
// as it is: a request, by e-mail or PEC, received when the message says, from its
// sender, with its subject and text. lang is the citizen's language when the text does
// not tell.
func (m *Mail) Proposal(lang data.Language) data.NewCase {
	msg := m.Message
	if msg.Language != "" {
		lang = msg.Language
	}
	name, addr := msg.FromName, msg.FromAddress
	if addr == "" {
		addr = pecSender(msg)
	}
	return data.NewCase{Kind: data.KindRequest, Channel: m.Channel, ReceivedAt: m.Received,
		Subject: subject(msg), Description: msg.Body,
		Citizen: data.Citizen{Name: name, Email: addr, Language: lang}}
}

// subject is the message's subject; a message without one (a scanned letter sent with
// no words) is named by its first line of text, else by its files.
func subject(msg *mailin.Message) string {
	s := strings.TrimSpace(msg.Subject)
	if s == "" {
		for _, l := range strings.Split(msg.Body, "\n") {
			if l = strings.Join(strings.Fields(l), " "); l != "" {
				s = cutRunes(l, 120)
				break
			}
		}
	}
	if s == "" {
		var names []string
		for _, a := range msg.Attachments {
			names = append(names, a.Name)
		}
		s = strings.Join(names, ", ")
	}
	return cutBytes(s, maxSubject)
}

func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// cutBytes shortens s to at most n bytes on a character boundary, marking the cut.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	end := n - len(mark)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + mark
}

// Files is how many files a new case keeps from the message: the message itself, its
// attachments and, for a PEC, the proof of receipt.
func (m *Mail) Files() int { return len(m.files()) }

// files are the files a new case keeps: the original first, then the citizen's, then the
// proof of a PEC less the envelope, which is the original itself.
func (m *Mail) files() []mailin.Attachment {
	out := append([]mailin.Attachment{{Name: m.Name, MIME: "message/rfc822", Content: m.Raw}}, m.Message.Attachments...)
	for _, p := range proof(m.Message) {
		if !bytes.Equal(p.Content, m.Raw) {
			out = append(out, p)
		}
	}
	return out
}

// Find is the case the message already became, nil if none.
func Find(ctx context.Context, s *data.Store, m *Mail) (*data.Case, error) {
	return s.CaseByMessage(ctx, m.Keys)
}

// Result is what intake did with a message.
type Result struct {
	Case *data.Case
	// Duplicate: the message was already a case; Case is that case and nothing was
	// written.
	Duplicate bool
	// Files is how many files were kept with a new case (the message itself included).
	Files int
}

// Register makes the case nc (the proposal, as the clerk corrected it) from the message,
// or finds the case the message already became. The case, the original file, the
// citizen's attachments, for a PEC the proof of receipt, and the message's identifiers
// are written in one transaction: all of them or nothing.
func Register(ctx context.Context, s *data.Store, m *Mail, nc data.NewCase) (*Result, error) {
	var res *Result
	err := s.Update(ctx, func(t *data.Tx) error {
		if c, err := t.CaseByMessage(m.Keys); err != nil || c != nil {
			res = &Result{Case: c, Duplicate: true}
			return err
		}
		c, err := t.Create(nc)
		if err != nil {
			return err
		}
		files := m.files()
		for i, f := range files {
			if _, err := t.Attach(c.Number, fileName(f.Name, i), f.MIME, f.Content); err != nil {
				return err
			}
		}
		if err := t.RecordMessage(c.Number, m.Keys); err != nil {
			return err
		}
		res = &Result{Case: c, Files: len(files)}
		return nil
	})
	var known *data.MessageKnown
	if errors.As(err, &known) {
		// Another program registered the same message meanwhile; its case is committed.
		c, err := s.CaseByMessage(ctx, m.Keys)
		if err != nil {
			return nil, err
		}
		if c == nil {
			c = known.Case
		}
		return &Result{Case: c, Duplicate: true}, nil
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Options are what a clerk decides about a message taken in without a form; the zero
// value takes the message as it is.
type Options struct {
	Kind   data.Kind
	Office string
	// Language is the citizen's language; empty: as the text tells, if it does.
	Language data.Language
	// Received replaces the time of receipt the message gives (or does not give).
	Received time.Time
	// Note goes into the audit entry of the creation.
	Note string
}

// TakeIn reads raw (the file name) and registers it as it is, with opt applied: the
// same as the window's intake without the form.
func TakeIn(ctx context.Context, s *data.Store, name string, raw []byte, opt Options) (*Result, *Mail, error) {
	m, err := Read(name, raw, s.Now())
	if err != nil {
		return nil, nil, err
	}
	res, err := Register(ctx, s, m, m.ProposalWith(opt))
	return res, m, err
}

// ProposalWith is the proposal with the choices of opt: the case a message becomes
// without a form (TakeIn, the office mailbox).
func (m *Mail) ProposalWith(opt Options) data.NewCase {
	nc := m.Proposal("")
	if opt.Language != "" {
		nc.Citizen.Language = opt.Language // the clerk knows better than the guess
	}
	if opt.Kind != "" {
		nc.Kind = opt.Kind
	}
	nc.Office = opt.Office
	if !opt.Received.IsZero() {
		nc.ReceivedAt = opt.Received
	}
	nc.Note = opt.Note
	// Without a clerk to correct it, an address the register would refuse stays in the
	// original message rather than stopping the intake.
	if !data.ValidEmail(nc.Citizen.Email) {
		nc.Citizen.Email = ""
	}
	return nc
}

// emlName is the name the original is kept under.
func emlName(name string) string {
	name = fileName(name, 0)
	if !strings.Contains(name, ".") {
		name += ".eml"
	}
	return name
}

// fileName makes a name from a message a name the register keeps: valid UTF-8, no
// folders, no control characters; a file with no name gets one by its position.
func fileName(name string, i int) string {
	name = strings.ToValidUTF8(name, "_")
	if j := strings.LastIndexAny(name, `/\`); j >= 0 {
		name = name[j+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" {
		if i == 0 {
			return "message.eml"
		}
		return fmt.Sprintf("attachment-%d", i)
	}
	return name
}
