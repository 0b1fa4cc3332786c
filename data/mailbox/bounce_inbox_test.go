package mailbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
)

// TestBounceOfAnotherMessageIsNoCase: a bounce this register cannot match to one of its
// letters stays in the inbox but cannot be registered as a citizen's request.
func TestBounceOfAnotherMessageIsNoCase(t *testing.T) {
	s := register(t, "anna")
	b := &mailbox.Box{Store: s, Dir: mailbox.InboxDir(s)}
	if err := os.MkdirAll(b.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	raw := strings.ReplaceAll(`From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: urp@comune.example.it
Subject: Undelivered Mail Returned to Sender
Date: Mon, 07 Dec 2026 10:02:14 +0100
Message-ID: <dsn-77@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain

Your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; someone@example.org
Action: failed
Status: 5.1.1

--B1
Content-Type: text/rfc822-headers

From: urp@comune.example.it
Subject: Auguri
Message-ID: <personal-123@comune.example.it>

--B1--
`, "\n", "\r\n")
	if err := os.WriteFile(filepath.Join(b.Dir, "1-1.eml"), []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := b.Inbox(ctx)
	if err != nil || len(list) != 1 || list[0].Problem == nil || list[0].Problem.Key != "err.delivery.bounce_not_ours" {
		t.Fatalf("inbox: %+v %v", list, err)
	}
	if _, err := b.Register(ctx, "1-1", intake.Options{}); err == nil {
		t.Fatal("a bounce was registered")
	}
	if n, _ := s.Count(ctx, data.Filter{}); n != 0 {
		t.Fatalf("%d cases", n)
	}
}
