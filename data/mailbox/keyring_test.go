package mailbox_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
	"ascolto/data/mailbox/mailtest"
)

// TestPasswordInTheSystemKeyring: the password is kept in a real Secret Service (GNOME
// Keyring on a bus of the test's own), the mailbox opened without one logs in with it
// and fetches, and neither the register's files nor the settings hold it; forgotten, the
// mailbox asks for it again.
func TestPasswordInTheSystemKeyring(t *testing.T) {
	srv := realServers(t)
	mailtest.SecretService(t)
	t.Setenv(mailbox.PasswordEnv, "")
	f := folder(t)
	s := register(t, "anna")
	ms := srv.Settings(f)
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetMailSettings(ms) }); err != nil {
		t.Fatal(err)
	}
	srv.imapAs(t, srv.Office, srv.OfficePassword).Create(f)
	if err := mailbox.KeyringAvailable(ms); err != nil {
		t.Fatalf("the Secret Service is running, yet: %v", err)
	}
	if _, err := mailbox.Open(ctx, s, ""); err == nil {
		t.Fatal("a mailbox opened without any password kept")
	}
	if err := mailbox.RememberPassword(ms, srv.OfficePassword); err != nil {
		t.Fatal(err)
	}
	if got, err := mailbox.StoredPassword(ms); err != nil || got != srv.OfficePassword {
		t.Fatalf("read back %q, %v", got, err)
	}
	to := plus(srv.Office, f)
	srv.deliver(t, "c@example.org", to, plainIT("c@example.org", to, "kr-"+f+"@example.org", s.Now()))
	b, err := mailbox.Open(ctx, s, "")
	if err != nil {
		t.Fatal(err)
	}
	res, _ := waitFetch(t, b, 1)
	if _, err := b.Register(ctx, res.Inbox[0].ID, intake.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetMailSettings(ms) }); err != nil {
		t.Fatal(err)
	}
	// Every file of the register and of its inbox, byte for byte, and the settings.
	secret := []byte(srv.OfficePassword)
	files, _ := filepath.Glob(s.Path() + "*")
	if len(files) == 0 {
		t.Fatal("no register file found")
	}
	for _, p := range files {
		filepath.Walk(p, func(path string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return nil
			}
			raw, _ := os.ReadFile(path)
			if bytes.Contains(raw, secret) {
				t.Errorf("%s holds the password", path)
			}
			return nil
		})
	}
	got, err := s.MailSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(got)
	if bytes.Contains(js, secret) {
		t.Errorf("the settings hold the password: %s", js)
	}
	if err := mailbox.ForgetPassword(ms); err != nil {
		t.Fatal(err)
	}
	if _, err := mailbox.Open(ctx, s, ""); err == nil {
		t.Fatal("the password forgotten, the mailbox still opened")
	}
}

// TestNoKeyringIsSaid: without a session bus there is no credential store, and the
// clerk is told so with a translated sentence (not a D-Bus error).
func TestNoKeyringIsSaid(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	err := mailbox.KeyringAvailable(data.MailSettings{IMAPHost: "mail.example.org", Address: "office@example.org"})
	p, ok := data.AsProblem(err)
	if !ok || p.Key != "err.mailbox.keyring" {
		t.Fatalf("got %v, want the problem err.mailbox.keyring", err)
	}
	if mailbox.Password(data.MailSettings{IMAPHost: "x", Address: "o@example.org"}) != "" {
		t.Fatal("a password without environment variable or credential store")
	}
}
