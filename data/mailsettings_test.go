package data

import (
	"context"
	"strings"
	"testing"
)

// TestMailSettingsAreKeptAuditedAndSafe: the settings come back as set, with the
// defaults filled; every change is in the audit trail; unsafe or broken ones are
// refused and change nothing.
func TestMailSettingsAreKeptAuditedAndSafe(t *testing.T) {
	ctx := context.Background()
	s, _ := testStore(t, "2026-12-07 10:00")
	if ms, err := s.MailSettings(ctx); err != nil || ms.Configured() || ms.IMAPPort != 993 || ms.Folder != DefaultMailFolder {
		t.Fatalf("defaults: %+v, %v", ms, err)
	}
	set := MailSettings{IMAPHost: "imap.provincia.bz.it", SMTPHost: "smtp.provincia.bz.it", SMTPSecurity: "tls",
		Address: "urp@provincia.bz.it", PEC: true, CAFile: "/etc/ssl/provincia-ca.pem"}
	if err := s.Update(ctx, func(t *Tx) error { return t.SetMailSettings(set) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.MailSettings(ctx)
	want := set.WithDefaults()
	if err != nil || got != want || got.SMTPPort != 465 || got.Login() != "urp@provincia.bz.it" || !got.Configured() {
		t.Fatalf("read back %+v, want %+v (%v)", got, want, err)
	}
	h, _ := s.History(ctx, "")
	if len(h) != 1 || !strings.HasPrefix(h[0].Action, "settings:") || !strings.Contains(h[0].Changes, "imap.provincia.bz.it") ||
		!strings.Contains(h[0].Changes, "mail_pec") {
		t.Fatalf("the change is not audited: %+v", h)
	}
	// Setting the same again writes nothing.
	if err := s.Update(ctx, func(t *Tx) error { return t.SetMailSettings(got) }); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.History(ctx, ""); len(h) != 1 {
		t.Fatalf("an unchanged setting is audited: %d entries", len(h))
	}
	for name, bad := range map[string]MailSettings{
		"plain to another machine": {IMAPHost: "imap.provincia.bz.it", IMAPSecurity: "plain"},
		"plain SMTP by name":       {SMTPHost: "localhost", SMTPSecurity: "plain"},
		"port":                     {IMAPPort: 70000},
		"security":                 {SMTPSecurity: "ssl3"},
		"address":                  {Address: "urp at provincia"},
		"folder with a line break": {Folder: "INBOX\r\nA001 LOGOUT"},
		"folder read is moved to":  {Folder: "Ascolto"},
		"host with a path":         {IMAPHost: "imap.example.org/evil"},
	} {
		err := s.Update(ctx, func(t *Tx) error { return t.SetMailSettings(bad) })
		if p, ok := AsProblem(err); !ok || !strings.HasPrefix(p.Key, "err.mailbox.") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if after, _ := s.MailSettings(ctx); after != got {
		t.Fatalf("a refused change changed the settings: %+v", after)
	}
	plain := MailSettings{IMAPHost: "127.0.0.1", IMAPSecurity: "plain", SMTPHost: "::1", SMTPSecurity: "plain"}
	if err := plain.WithDefaults().Validate(); err != nil {
		t.Fatalf("plain text to the workstation itself: %v", err)
	}
}
