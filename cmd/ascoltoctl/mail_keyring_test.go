package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/mailbox"
	"ascolto/data/mailbox/mailtest"
	"ascolto/translations"
)

// TestMailPasswordFromTheKeyring: without ASCOLTO_MAIL_PASSWORD, the command line logs
// in with the password kept in the system's credential store (a real GNOME Keyring).
func TestMailPasswordFromTheKeyring(t *testing.T) {
	srv := mailtest.Find(t)
	mailtest.SecretService(t)
	f := mailtest.Folder()
	srv.Deliver(t, srv.Citizen, mailtest.Plus(srv.Office, f), citizenMail(srv.Citizen, mailtest.Plus(srv.Office, f), "kr-"+f+"@example.org"))
	c := newCtl(t)
	t.Setenv(mailbox.PasswordEnv, "")
	c.ok(mailSettingsArgs(srv, f)...)
	if code, _, errs := c.run("mail", "test"); code != 1 || !strings.Contains(errs, mailbox.PasswordEnv) {
		t.Fatalf("mail test without any password: exit %d, %q", code, errs)
	}
	if err := mailbox.RememberPassword(data.MailSettings{User: srv.Office, IMAPHost: "127.0.0.1"}, srv.OfficePassword); err != nil {
		t.Fatal(err)
	}
	// The folder read is made by the delivery itself: until then the test names it.
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		code, out, errs := c.run("mail", "test")
		if code == 0 {
			break
		}
		if !strings.Contains(out+errs, f) || time.Since(start) > 30*time.Second {
			t.Fatalf("mail test with the password in the keyring: exit %d\n%s%s", code, out, errs)
		}
	}
}

// A fetch that released a mark left by a stopped workstation says so, in Italian and
// German, even when nothing else changed (mail fetch --watch prints only changes).
func TestFetchSaysReleasedMessages(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		var out strings.Builder
		e := &env{ctx: context.Background(), stdout: &out, stderr: &out, lang: lang}
		if err := e.showFetch(&mailbox.FetchResult{Released: []string{"17-4"}}, false, true, true); err != nil {
			t.Fatal(err)
		}
		if want := translations.T(lang, "cli.mail.released", "id", "17-4"); !strings.Contains(out.String(), want) {
			t.Errorf("%s: %q, want %q", lang, out.String(), want)
		}
	}
}
