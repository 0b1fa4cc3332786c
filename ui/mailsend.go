package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"ascolto/data"
)

// mailSend is the letter panel's "Send by e-mail": the issued letter goes to the
// citizen's address through the office's mailbox, as `ascoltoctl mail send` sends it.
// The button is disabled while the mailbox is not set up, the case has no e-mail
// address, or the last letter is not issued or already sent.
type mailSend struct {
	p   *LetterPanel
	btn *button
	// do runs the result on the UI thread (fyne.Do; a queue in tests).
	do      func(func())
	ms      data.MailSettings
	sending bool
	sent    func() // tests: after a send's result is shown
}

func newMailSend(p *LetterPanel) *mailSend {
	m := &mailSend{p: p, do: fyne.Do}
	m.btn = newButton(p.t("window.mailbox.send"), theme.MailSendIcon(), m.ask)
	m.btn.onEscape = p.escape
	return m
}

// refresh enables the button when a send can work.
func (m *mailSend) refresh() {
	ms, err := m.p.store.MailSettings(context.Background())
	m.ms = ms
	l := m.p.last()
	if err != nil || m.sending || !ms.Configured() || l == nil || l.SentAt != nil || strings.TrimSpace(m.p.c.Citizen.Email) == "" {
		m.btn.Disable()
		return
	}
	m.btn.Enable()
}

func (m *mailSend) env() *env {
	return &env{store: m.p.store, lang: m.p.lang, do: m.do, win: m.p.win, prefs: m.p.prefs}
}

// ask confirms the sending (and asks for the mailbox's password once per session).
func (m *mailSend) ask() {
	p := m.p
	l := p.last()
	if l == nil || l.SentAt != nil || m.btn.Disabled() {
		return
	}
	e := m.env()
	question := p.t("window.mailbox.send_question", "letter", l.Number, "to", p.c.Citizen.Email, "from", m.ms.Address)
	confirm(e, p.t("window.mailbox.send_title", "letter", l.Number), question, func() {
		if pw := mailPassword(m.ms); pw != "" {
			m.send(l, pw)
			return
		}
		askMailPassword(e, func(pw string) { m.send(l, pw) })
	})
}

// send sends letter l and says the result in the panel: the server's acceptance time,
// which counts as the reply, or the data layer's sentence for what failed.
func (m *mailSend) send(l *data.Letter, pw string) {
	p := m.p
	m.sending = true
	m.btn.Disable()
	store, ms, lang := p.store, m.ms, p.lang
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		sent, err := openMailBox(store, ms, pw).Send(ctx, l.ID, false)
		m.do(func() {
			m.sending = false
			p.refresh()
			if sent == nil {
				p.showProblem(err)
			} else {
				p.showProblem(err) // sent; a later step (the copy's mark) may have failed
				key := "cli.mail.sent"
				if sent.Already {
					key = "cli.mail.sent_before"
				}
				p.done.SetText(p.t(key, "number", sent.Letter.Number, "to", sent.To,
					"time", formatDateTime(sent.AcceptedAt, lang)))
				p.done.Show()
			}
			if m.sent != nil {
				m.sent()
			}
		})
	}()
}
