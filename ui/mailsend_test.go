package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/data/mailbox/mailtest"
	"ascolto/translations"
)

// "Send by e-mail" in the letter panel: disabled without a mailbox or without the
// citizen's address; with both, it asks, sends the issued letter through the real
// servers, says when the server accepted it, and the letter is recorded as sent by
// e-mail (a second send is not offered).
func TestLetterPanelSendsByEmail(t *testing.T) {
	srv := mailtest.Find(t)
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			s, c, _ := issuedLetter(t)
			p, w := showPanel(t, s, c, lang)
			q := make(uiQueue, 10)
			p.mail.do = q.do
			test.Type(p.reply, "Die Wartezeiten wurden verkürzt.")
			p.issue("")
			if p.last() == nil {
				t.Fatalf("not issued: %q", p.problem.Text)
			}
			if !p.mail.btn.Disabled() {
				t.Fatal("enabled without a mailbox")
			}
			f := mailtest.Folder()
			if err := s.Update(context.Background(), func(tx *data.Tx) error { return tx.SetMailSettings(srv.Settings(f)) }); err != nil {
				t.Fatal(err)
			}
			setMailPassword(srv.OfficePassword)
			t.Cleanup(func() { setMailPassword("") })
			p.refresh()
			if !p.mail.btn.Disabled() {
				t.Fatal("enabled without the citizen's e-mail address")
			}
			to := mailtest.Plus(srv.Citizen, f)
			if err := s.Update(context.Background(), func(tx *data.Tx) error {
				who := c.Citizen
				who.Email = to
				_, err := tx.Edit(data.Ref(c.ID), data.Edit{Citizen: &who})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			p.refresh()
			if p.mail.btn.Disabled() {
				t.Fatal("disabled with a mailbox, an address and an issued letter")
			}
			l := p.last()

			// No: nothing sent.
			test.Tap(p.mail.btn)
			hit(w, fyne.KeyEscape)
			if p.mail.sending {
				t.Fatal("Esc sent the letter")
			}
			// Yes (Enter on the dialog's default button).
			test.Tap(p.mail.btn)
			done := false
			p.mail.sent = func() { done = true }
			hit(w, fyne.KeyReturn)
			q.until(t, "the sending", func() bool { return done })
			ls, _ := s.Letters(context.Background(), c.ID)
			got := ls[len(ls)-1]
			if got.SentAt == nil || got.SentVia != "email" {
				t.Fatalf("letter after the send: sent %v via %q; problem %q", got.SentAt, got.SentVia, p.problem.Text)
			}
			want := translations.T(lang, "cli.mail.sent", "number", l.Number, "to", to, "time", formatDateTime(*got.SentAt, lang))
			if p.done.Text != want || !p.done.Visible() {
				t.Errorf("says %q, want %q", p.done.Text, want)
			}
			if !p.mail.btn.Disabled() {
				t.Error("a sent letter can be sent again")
			}
		})
	}
}
