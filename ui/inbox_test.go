package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/mailbox"
	"ascolto/data/mailbox/mailtest"
	"ascolto/translations"
)

// citizenMail is a plain message as a citizen's mail program writes it, dated by the
// tests' clock.
func citizenMail(fromName, from, to, id, subject, body string) []byte {
	return []byte("From: " + fromName + " <" + from + ">\r\n" +
		"To: " + to + "\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: " + now.Add(-time.Hour).Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <" + id + ">\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" + body)
}

// mailRegister is a register whose mailbox is a fresh folder of the test servers, the
// password given for the session.
func mailRegister(t *testing.T, srv *mailtest.Servers) (*data.Store, string) {
	t.Helper()
	s := newRegister(t, 0)
	f := mailtest.Folder()
	if err := s.Update(context.Background(), func(tx *data.Tx) error { return tx.SetMailSettings(srv.Settings(f)) }); err != nil {
		t.Fatal(err)
	}
	setMailPassword(srv.OfficePassword)
	t.Cleanup(func() { setMailPassword("") })
	return s, mailtest.Plus(srv.Office, f)
}

// waitFolder waits until the folder the register reads exists: Postfix hands a message
// on a moment after taking it, and the delivery makes the folder. A watch started
// before would fail and try again only at its poll.
func waitFolder(t *testing.T, s *data.Store, srv *mailtest.Servers) {
	t.Helper()
	ms, err := s.MailSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if steps := openMailBox(s, ms, srv.OfficePassword).Test(context.Background()); steps[0].Err == nil {
			return
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("the folder read was not made in 30 s")
		}
	}
}

func mailShell(t *testing.T, s *data.Store, lang string) (*Shell, uiQueue, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	if os.Getenv("ASCOLTO_UI_SHOTS") != "" {
		a.Settings().SetTheme(OfficeTheme()) // the pictures for docs/mail.md
	}
	q := make(uiQueue, 1000)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1280, 720))
	sh := newShell(Config{Store: s, Lang: lang, Window: w, App: a, ReminderEvery: time.Hour, WatchEvery: time.Hour}, q.do)
	t.Cleanup(sh.Close)
	sh.Show()
	// Nothing of the window still reads the register when the test removes it.
	q.until(t, "the first rows", func() bool { return sh.register.firstDone })
	return sh, q, w
}

// The inbox against the real servers: messages landing in the mailbox appear without
// a key pressed; Delete sets one aside and takes it back; Enter registers the selected
// one through the mailbox's intake and opens its case; the same message delivered
// again is shown as already registered.
func TestInboxRegistersFromTheOfficeMailbox(t *testing.T) {
	srv := mailtest.Find(t)
	// A poll far beyond the wait of the test: a message that appears came by IDLE.
	poll := InboxPoll
	InboxPoll = 10 * time.Minute
	t.Cleanup(func() { InboxPoll = poll })
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			s, to := mailRegister(t, srv)
			first := citizenMail("Maria Rossi", "maria.rossi@example.org", to, "a-"+mailtest.Folder()+"@example.org",
				"Richiesta di informazioni sul certificato", "Buongiorno,\r\nvorrei sapere quali documenti servono per il certificato.\r\nCordiali saluti\r\nMaria Rossi\r\n")
			srv.Deliver(t, "maria.rossi@example.org", to, first)
			srv.Deliver(t, "joerg@example.org", to, citizenMail("Jörg Müller", "joerg@example.org", to, "b-"+mailtest.Folder()+"@example.org",
				"Beschwerde über die Wartezeiten", "Sehr geehrte Damen und Herren,\r\nich habe zwei Stunden am Schalter gewartet.\r\nMit freundlichen Grüßen\r\nJörg Müller\r\n"))

			waitFolder(t, s, srv)
			sh, q, w := mailShell(t, s, lang)
			v := sh.inbox
			press(t, w, fyne.Key6)
			if w.Canvas().Focused() != fyne.Focusable(v.list) {
				t.Fatalf("Ctrl+6 puts the keyboard on %T", w.Canvas().Focused())
			}
			q.until(t, "the two messages in the inbox", func() bool { return len(v.shown) == 2 })
			// The server numbers the messages in the order Postfix delivered them.
			maria := func() int {
				for i, m := range v.shown {
					if m.From == "maria.rossi@example.org" && m.Case == "" {
						return i
					}
				}
				t.Fatalf("no message of Maria Rossi to register: %d shown", len(v.shown))
				return -1
			}
			who, what := v.rowTexts(v.shown[maria()])
			if !strings.Contains(who, "Maria Rossi <maria.rossi@example.org>") || !strings.Contains(who, "Richiesta di informazioni") ||
				!strings.Contains(what, translations.T(lang, "window.mailbox.files", "count", "0")) ||
				!strings.Contains(what, translations.T(lang, "language.it")) {
				t.Errorf("row %q / %q", who, what)
			}
			if !strings.HasPrefix(v.status.Text, translations.T(lang, "window.mailbox.fetched", "time", formatDateTime(now, lang), "count", "2")) {
				t.Errorf("status %q", v.status.Text)
			}

			capture(t, w, "inbox-"+lang)

			// Delete: aside (kept for this workstation), and back.
			hit(w, fyne.KeyDelete)
			if len(v.shown) != 1 || v.e.pref(PrefMailAside) == "" || v.status.Text != translations.T(lang, "window.mailbox.set_aside") {
				t.Fatalf("set aside: %d shown, pref %q, status %q", len(v.shown), v.e.pref(PrefMailAside), v.status.Text)
			}
			v.showAside.SetChecked(true)
			if len(v.shown) != 2 {
				t.Fatalf("with the set-aside ones: %d", len(v.shown))
			}
			if _, what := v.rowTexts(v.shown[0]); !strings.Contains(what, translations.T(lang, "window.mailbox.aside")) {
				t.Errorf("a set-aside row says %q", what)
			}
			w.Canvas().Focus(v.list)
			hit(w, fyne.KeyHome)
			hit(w, fyne.KeyDelete)
			v.showAside.SetChecked(false)
			if len(v.shown) != 2 || v.e.pref(PrefMailAside) != "" {
				t.Fatalf("taken back: %d shown, pref %q", len(v.shown), v.e.pref(PrefMailAside))
			}

			// Enter registers the selected message and opens its case.
			w.Canvas().Focus(v.list)
			hit(w, fyne.KeyHome)
			if maria() == 1 {
				hit(w, fyne.KeyDown)
			}
			if v.cur != maria() {
				t.Fatalf("the arrows select row %d", v.cur)
			}
			hit(w, fyne.KeyReturn)
			q.until(t, "the case opened", func() bool { return len(sh.cases) == 1 })
			c := mustGet(t, s, "BZ-2026-000001")
			if c.Citizen.Email != "maria.rossi@example.org" || c.Channel != data.ChannelEmail || c.Citizen.Language != data.Italian {
				t.Errorf("registered %s %s %s", c.Citizen.Email, c.Channel, c.Citizen.Language)
			}
			if want := translations.T(lang, "intake.saved", "number", c.Number, "due", formatDay(c.DueDate, lang)); v.status.Text != want {
				t.Errorf("status %q, want %q", v.status.Text, want)
			}
			if len(v.shown) != 1 {
				t.Errorf("after registering %d messages left", len(v.shown))
			}

			// The same message again: shown as the case it already is.
			delivered := time.Now()
			srv.Deliver(t, "maria.rossi@example.org", to, first)
			q.until(t, "the copy in the inbox", func() bool { return len(v.shown) == 2 })
			t.Logf("from Postfix's acceptance to the inbox tab (IMAP IDLE, poll %v): %v", InboxPoll, time.Since(delivered).Round(time.Millisecond))
			var dup int = -1
			for i, m := range v.shown {
				if m.Case == c.Number {
					dup = i
				}
			}
			if dup < 0 {
				t.Fatalf("the copy is not recognised among %d messages", len(v.shown))
			}
			if _, what := v.rowTexts(v.shown[dup]); !strings.Contains(what, translations.T(lang, "window.mailbox.already", "number", c.Number)) {
				t.Errorf("the copy's row says %q", what)
			}
			press(t, w, fyne.Key6) // back from the case opened
			v.selectRow(dup)
			hit(w, fyne.KeyReturn)
			if !v.busy {
				t.Fatal("Enter in the inbox did not register")
			}
			q.until(t, "the copy handled", func() bool { return !v.busy })
			if len(v.shown) != 1 {
				t.Errorf("after the copy %d messages: %q", len(v.shown), v.status.Text)
			}
			if v.status.Text != translations.T(lang, "window.mailbox.already", "number", c.Number) {
				t.Errorf("the copy: %q", v.status.Text)
			}
			if n := count(t, s); n != 1 {
				t.Errorf("%d cases after the copy, want 1", n)
			}
			hit(w, fyne.KeyEscape) // the keyboard is still in the list
			if sh.tabs.Selected() != sh.registerTab {
				t.Error("Esc in the inbox does not go back to the register")
			}
		})
	}
}

// Without a mailbox the tab says where to set it up; set up without a password it
// offers to ask for it; in both languages.
func TestInboxWithoutMailboxOrPassword(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			t.Setenv("ASCOLTO_MAIL_PASSWORD", "")
			setMailPassword("")
			s := newRegister(t, 0)
			// A message fetched earlier is listed without server or password.
			dir := mailbox.InboxDir(s)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "7-1.eml"), string(citizenMail("Maria Rossi", "maria.rossi@example.org",
				"urp@comune.example", "x@example.org", "Domanda", "Buongiorno,\r\nvorrei sapere gli orari.\r\n")))
			sh, q, w := mailShell(t, s, lang)
			v := sh.inbox
			q.until(t, "the note", func() bool { return v.status.Text != "" })
			if v.status.Text != translations.T(lang, "window.mailbox.not_configured") || v.passBtn.Visible() || len(v.shown) != 1 {
				t.Fatalf("not configured: %q, %d messages", v.status.Text, len(v.shown))
			}
			press(t, w, fyne.Key6)
			hit(w, fyne.KeyReturn)
			if v.busy || count(t, s) != 0 || v.status.Importance != widget.DangerImportance {
				t.Fatalf("Enter without a mailbox: busy %v, %d cases, %q", v.busy, count(t, s), v.status.Text)
			}
			ms := data.MailSettings{IMAPHost: "127.0.0.1", SMTPHost: "127.0.0.1", Address: "urp@comune.example"}
			if err := s.Update(context.Background(), func(tx *data.Tx) error { return tx.SetMailSettings(ms) }); err != nil {
				t.Fatal(err)
			}
			v.status.SetText("")
			v.Start()
			q.until(t, "the note", func() bool { return v.status.Text != "" })
			if v.status.Text != translations.T(lang, "window.mailbox.need_password") || !v.passBtn.Visible() {
				t.Fatalf("no password: %q, button %v", v.status.Text, v.passBtn.Visible())
			}
		})
	}
}
