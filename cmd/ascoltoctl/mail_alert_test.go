package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/mailbox"
	"ascolto/data/mailbox/mailtest"
	"ascolto/printing/letter"
)

// dsn is a Postfix-shaped report that the message msgID could not be delivered to rcpt.
func dsn(to, rcpt, msgID string) []byte {
	return []byte(strings.ReplaceAll(`From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: `+to+`
Subject: Undelivered Mail Returned to Sender
Date: `+time.Now().Add(-time.Minute).Format(time.RFC1123Z)+`
Message-ID: <dsn-`+msgID+`>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; `+rcpt+`
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <`+rcpt+`>: Recipient address rejected: User unknown

--B1
Content-Type: text/rfc822-headers

From: `+to+`
To: `+rcpt+`
Subject: Risposta
Message-ID: <`+msgID+`>

--B1--
`, "\n", "\r\n"))
}

// TestMailAlertsThroughTheCommandLine: a bounce fetched is reported by mail fetch --json
// and mail alerts --json, said by mail inbox, and ended by mail ack.
func TestMailAlertsThroughTheCommandLine(t *testing.T) {
	srv := mailtest.Find(t)
	f := mailtest.Folder()
	c := newCtl(t)
	t.Setenv(mailbox.PasswordEnv, srv.OfficePassword)
	c.ok(mailSettingsArgs(srv, f)...)

	ctx := context.Background()
	s, err := data.Open(c.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := s.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, ReceivedAt: time.Now().Add(-time.Hour),
		Subject: "Orari", Citizen: data.Citizen{Name: "Maria Rossi", Email: "maria@example.org", Language: data.Italian}})
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := letter.Issue(ctx, s, cs.Number, letter.Options{Text: "Lo sportello è aperto il sabato."})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(t *data.Tx) error { _, err := t.MarkLetterSent(l.ID, time.Time{}, "email"); return err }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	office := mailtest.Plus(srv.Office, f)
	srv.Deliver(t, "", office, dsn(office, "maria@example.org", "ascolto-"+l.ID+"@mail.ascolto.test"))

	var fetched mailbox.FetchResult
	for start := time.Now(); len(fetched.Alerts) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatal("no alert in 30 s")
		}
		// The folder read is made by the delivery itself (office+folder): until the
		// message is there, the fetch says the folder does not exist.
		code, out, errs := c.run("mail", "fetch", "--json")
		if code != 0 {
			if !strings.Contains(errs, f) {
				t.Fatalf("mail fetch: exit %d: %s", code, errs)
			}
			continue
		}
		if err := json.Unmarshal([]byte(out), &fetched); err != nil {
			t.Fatal(err)
		}
	}
	a := fetched.Alerts[0]
	if a.Case != cs.Number || a.Letter != l.Number || a.To != "maria@example.org" || !strings.Contains(a.Reason, "User unknown") ||
		len(fetched.OpenAlerts) != 1 || len(fetched.Inbox) != 0 {
		t.Fatalf("fetch: %+v", fetched)
	}
	var open []data.DeliveryAlert
	if err := json.Unmarshal([]byte(c.ok("mail", "alerts", "--json")), &open); err != nil || len(open) != 1 || open[0].Case != cs.Number {
		t.Fatalf("alerts: %+v %v", open, err)
	}
	if out := c.ok("mail", "inbox"); !strings.Contains(out, "came back") || !strings.Contains(out, cs.Number) {
		t.Fatalf("inbox as text:\n%s", out)
	}
	var overdue []data.Case
	if err := json.Unmarshal([]byte(c.ok("list", "--overdue", "--json")), &overdue); err != nil || len(overdue) != 1 {
		t.Fatalf("overdue list: %+v %v", overdue, err)
	}
	if out := c.ok("mail", "ack", cs.Number, "--note", "telefonato"); !strings.Contains(out, cs.Number) {
		t.Fatalf("ack: %s", out)
	}
	if out := c.ok("mail", "alerts"); !strings.Contains(out, "No letter") {
		t.Fatalf("alerts after ack: %s", out)
	}
	c.refused("", 1, "mail", "ack", cs.Number)
}
