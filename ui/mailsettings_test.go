package ui

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/data/mailbox"
	"ascolto/data/mailbox/mailtest"
	"ascolto/translations"
)

func settingsDialog(t *testing.T, s *data.Store, lang string) (*MailSettingsDialog, uiQueue, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	if os.Getenv("ASCOLTO_UI_SHOTS") != "" {
		a.Settings().SetTheme(OfficeTheme()) // the pictures for docs/mail.md
	}
	q := make(uiQueue, 100)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1280, 900))
	d := showMailSettings(&env{store: s, lang: lang, do: q.do, win: w})
	if w.Canvas().Focused() != fyne.Focusable(d.imapHost) {
		t.Fatalf("the dialog starts on %T", w.Canvas().Focused())
	}
	return d, q, w
}

// closedPort is a port of 127.0.0.1 nobody listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// The dialog's test connection says the data layer's own sentence for what failed,
// with the values typed (not saved); Enter saves; a value the register refuses keeps
// the dialog open with the reason. In Italian and German.
func TestMailSettingsDialogTestsAndSaves(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			t.Setenv(mailbox.PasswordEnv, "")
			setMailPassword("")
			s := newRegister(t, 0)
			d, q, w := settingsDialog(t, s, lang)
			port := closedPort(t)
			d.imapHost.SetText("127.0.0.1")
			d.imapPort.SetText(strconv.Itoa(port))
			d.smtpHost.SetText("127.0.0.1")
			d.smtpPort.SetText(strconv.Itoa(port))
			d.address.SetText("urp@comune.example")

			test.Tap(d.testBtn)
			if d.result.Text != translations.T(lang, "window.mailbox.no_password") {
				t.Fatalf("without a password: %q", d.result.Text)
			}
			typeInto(w, d.password, "segreto")
			tested := false
			d.tested = func() { tested = true }
			test.Tap(d.testBtn)
			q.until(t, "the test", func() bool { return tested })
			ms, _ := d.values()
			want := openMailBox(s, ms, "segreto").Test(context.Background())
			var lines []string
			for _, st := range want {
				if st.Err == nil {
					t.Fatalf("%s on a closed port works", st.Server)
				}
				lines = append(lines, fmt.Sprintf("%s %s: %s", strings.ToUpper(st.Server), st.Addr, ErrorText(lang, st.Err)))
			}
			if d.result.Text != strings.Join(lines, "\n") {
				t.Errorf("the test says %q, want %q", d.result.Text, strings.Join(lines, "\n"))
			}
			capture(t, w, "mailbox-settings-"+lang)
			if p, _ := data.AsProblem(want[0].Err); p == nil || p.Key != "err.mailbox.port" {
				t.Errorf("a closed port: %v", want[0].Err)
			}
			if got, _ := s.MailSettings(context.Background()); got.Configured() {
				t.Fatal("the test saved the settings")
			}

			// A port that is no number: refused, the dialog shown again with what was typed.
			d.smtpPort.SetText("58x")
			saved := false
			d.saved = func() { saved = true }
			w.Canvas().Focus(d.address)
			hit(w, fyne.KeyReturn)
			if saved || d.smtpPort.Text != "58x" || d.result.Text != translations.T(lang, "err.mailbox.setting", "name", "smtp-port", "value", "58x") {
				t.Fatalf("a bad port: saved %v, field %q, %q", saved, d.smtpPort.Text, d.result.Text)
			}
			d.saved = func() { saved = true }
			d.smtpPort.SetText("587")
			d.pec.SetChecked(true)
			w.Canvas().Focus(d.address)
			hit(w, fyne.KeyReturn)
			if !saved {
				t.Fatalf("Enter did not save: %q", d.result.Text)
			}
			got, _ := s.MailSettings(context.Background())
			if got.IMAPPort != port || got.SMTPPort != 587 || !got.PEC || got.Address != "urp@comune.example" || got.Folder != data.DefaultMailFolder {
				t.Errorf("saved %+v", got)
			}
			if knownMailPassword() != "segreto" {
				t.Error("the password typed is not kept for the session")
			}
			setMailPassword("")
		})
	}
}

// Against the real servers: the right password passes both servers; a wrong one is
// named as the login refused.
func TestMailSettingsDialogTestAgainstServers(t *testing.T) {
	srv := mailtest.Find(t)
	s, to := mailRegister(t, srv)
	// The folder read is made by the first message delivered to it.
	srv.Deliver(t, "maria.rossi@example.org", to, citizenMail("Maria Rossi", "maria.rossi@example.org", to,
		"c-"+mailtest.Folder()+"@example.org", "Domanda", "Buongiorno.\r\n"))
	waitFolder(t, s, srv)
	d, q, w := settingsDialog(t, s, "de")
	tested := false
	d.tested = func() { tested = true }
	test.Tap(d.testBtn)
	q.until(t, "the test", func() bool { return tested })
	if strings.Count(d.result.Text, "Verbindung, Zertifikat, Anmeldung und Ordner in Ordnung") != 2 {
		t.Errorf("the right password: %q", d.result.Text)
	}
	typeInto(w, d.password, "falsch")
	tested = false
	test.Tap(d.testBtn)
	q.until(t, "the test", func() bool { return tested })
	login := translations.T("de", "err.mailbox.login", "host", "127.0.0.1", "user", srv.Office)
	if !strings.Contains(d.result.Text, login) {
		t.Errorf("a wrong password: %q, want %q", d.result.Text, login)
	}
}
