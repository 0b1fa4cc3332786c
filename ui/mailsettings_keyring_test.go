package ui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	keyring "github.com/zalando/go-keyring"

	"ascolto/data/mailbox"
	"ascolto/translations"
)

// mockKeyring puts go-keyring's memory store in place of the system's, fresh for the
// test (a session bus address is set so the mailbox asks it at all).
func mockKeyring(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		keyring.MockInitWithError(err)
	} else {
		keyring.MockInit()
	}
	t.Cleanup(keyring.MockInit)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	t.Setenv(mailbox.PasswordEnv, "")
	setMailPassword("")
	t.Cleanup(func() { setMailPassword("") })
}

func fillMailSettings(d *MailSettingsDialog) {
	d.imapHost.SetText("127.0.0.1")
	d.smtpHost.SetText("127.0.0.1")
	d.address.SetText("urp@comune.example")
}

// Settings → Mailbox… with "remember the password in the system's keyring": the
// password goes to the credential store only, a new session reads it from there, and
// unticking forgets it.
func TestMailSettingsKeepsThePasswordInTheKeyring(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			mockKeyring(t, nil)
			s := newRegister(t, 0)
			d, q, w := settingsDialog(t, s, lang)
			checked := false
			d.keyringChecked = func() { checked = true }
			q.until(t, "the keyring asked", func() bool { return checked })
			if d.remember.Disabled() || d.remember.Checked || d.keyringNote.Visible() {
				t.Fatalf("a working keyring: box disabled %v, ticked %v, note %q", d.remember.Disabled(), d.remember.Checked, d.keyringNote.Text)
			}
			if d.remember.Text != translations.T(lang, "window.mailbox.remember") {
				t.Errorf("the box says %q", d.remember.Text)
			}
			fillMailSettings(d)
			typeInto(w, d.password, "segreto-del-portachiavi")
			d.remember.SetChecked(true)
			saved := false
			d.saved = func() { saved = true }
			w.Canvas().Focus(d.address)
			hit(w, fyne.KeyReturn)
			if !saved {
				t.Fatalf("not saved: %q", d.result.Text)
			}
			ms, _ := s.MailSettings(context.Background())
			if pw, err := mailbox.StoredPassword(ms); err != nil || pw != "segreto-del-portachiavi" {
				t.Fatalf("in the keyring: %q, %v", pw, err)
			}
			// A new session: nothing in memory, the password comes from the keyring.
			setMailPassword("")
			if got := mailPassword(ms); got != "segreto-del-portachiavi" {
				t.Fatalf("a new session reads %q", got)
			}
			files, _ := filepath.Glob(s.Path() + "*")
			for _, p := range files {
				if raw, err := os.ReadFile(p); err == nil && bytes.Contains(raw, []byte("segreto-del-portachiavi")) {
					t.Errorf("%s holds the password", p)
				}
			}

			// Opened again: the box is ticked; unticked and saved, the keyring forgets it.
			d2, q2, w2 := settingsDialog(t, s, lang)
			checked = false
			d2.keyringChecked = func() { checked = true }
			q2.until(t, "the keyring asked", func() bool { return checked })
			if !d2.remember.Checked {
				t.Fatal("a password kept, yet the box is not ticked")
			}
			d2.remember.SetChecked(false)
			saved = false
			d2.saved = func() { saved = true }
			w2.Canvas().Focus(d2.address)
			hit(w2, fyne.KeyReturn)
			if !saved {
				t.Fatalf("not saved: %q", d2.result.Text)
			}
			if pw, err := mailbox.StoredPassword(ms); err != nil || pw != "" {
				t.Fatalf("unticked, the keyring still holds %q (%v)", pw, err)
			}
		})
	}
}

// Without a credential store (no Secret Service), the dialog says so in the interface's
// language, offers no box, and the password typed holds for the session.
func TestMailSettingsWithoutKeyring(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			mockKeyring(t, errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
			s := newRegister(t, 0)
			d, q, w := settingsDialog(t, s, lang)
			checked := false
			d.keyringChecked = func() { checked = true }
			q.until(t, "the keyring asked", func() bool { return checked })
			want := translations.T(lang, "err.mailbox.keyring")
			if !d.remember.Disabled() || d.remember.Visible() || !d.keyringNote.Visible() || !strings.HasPrefix(d.keyringNote.Text, want) {
				t.Fatalf("no keyring: box disabled %v, note %q, want %q", d.remember.Disabled(), d.keyringNote.Text, want)
			}
			fillMailSettings(d)
			typeInto(w, d.password, "solo-per-la-sessione")
			saved := false
			d.saved = func() { saved = true }
			w.Canvas().Focus(d.address)
			hit(w, fyne.KeyReturn)
			if !saved {
				t.Fatalf("not saved: %q", d.result.Text)
			}
			ms, _ := s.MailSettings(context.Background())
			if got := mailPassword(ms); got != "solo-per-la-sessione" {
				t.Fatalf("the session's password: %q", got)
			}
			setMailPassword("")
			if got := mailPassword(ms); got != "" {
				t.Fatalf("a new session without keyring has %q: it must ask", got)
			}
		})
	}
}
