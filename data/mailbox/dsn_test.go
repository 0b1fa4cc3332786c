package mailbox

import (
	"encoding/base64"
	"strings"
	"testing"
)

const letterMsgID = "ascolto-0190c8a1-7b2e-7c1d-9f00-1a2b3c4d5e6f@comune.example.it"

// originalHeaders are the headers of a letter the office sent, as reports quote them.
const originalHeaders = "From: Ufficio Relazioni con il Pubblico <urp@comune.example.it>\r\n" +
	"To: mario.rossi@example.org\r\nSubject: Risposta alla Sua segnalazione\r\n" +
	"Date: Mon, 07 Dec 2026 10:02:11 +0100\r\nMessage-ID: <" + letterMsgID + ">\r\nMIME-Version: 1.0\r\n"

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// Real shapes of reports, trimmed: the layout, the field names and the quirks are those
// the servers send.
var bounceShapes = map[string]string{
	// Postfix's bounce(8): text, delivery-status, the original in full.
	"postfix": crlf(`Return-Path: <>
Date: Mon,  7 Dec 2026 10:02:14 +0100 (CET)
From: MAILER-DAEMON@mx.comune.example.it (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: urp@comune.example.it
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="5E2C81C0A1.1765098134/mx.comune.example.it"
Message-Id: <20261207090214.7F1A81C0A3@mx.comune.example.it>

This is a MIME-encapsulated message.

--5E2C81C0A1.1765098134/mx.comune.example.it
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.comune.example.it.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<mario.rossi@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1
    <mario.rossi@example.org>: Recipient address rejected: User unknown in
    virtual mailbox table (in reply to RCPT TO command)

--5E2C81C0A1.1765098134/mx.comune.example.it
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.comune.example.it
X-Postfix-Queue-ID: 5E2C81C0A1
X-Postfix-Sender: rfc822; urp@comune.example.it
Arrival-Date: Mon,  7 Dec 2026 10:02:11 +0100 (CET)

Final-Recipient: rfc822; mario.rossi@example.org
Original-Recipient: rfc822;mario.rossi@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <mario.rossi@example.org>: Recipient address
    rejected: User unknown in virtual mailbox table

--5E2C81C0A1.1765098134/mx.comune.example.it
Content-Description: Undelivered Message
Content-Type: message/rfc822

`) + originalHeaders + crlf(`Content-Type: text/plain; charset=UTF-8

Gentile signor Rossi, ...

--5E2C81C0A1.1765098134/mx.comune.example.it--
`),
	// Exchange Online's NDR: alternative text and HTML, the status in
	// X-Supplementary-Info, the original's headers only, base64 report.
	"exchange": crlf(`From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@comune.example.it>
To: <urp@comune.example.it>
Date: Mon, 7 Dec 2026 09:02:20 +0000
Content-Type: multipart/report; report-type=delivery-status;
	boundary="9d1c7a5e-2f44-4a1b-8b0e-6c1f0a2e7d33"
Subject: Undeliverable: Risposta alla Sua segnalazione
Auto-Submitted: auto-replied
Message-ID: <b5e1f0c2-8a4d-4e71-a0d3-5c2f9e8b7a61@AM0PR10MB1234.EURPRD10.PROD.OUTLOOK.COM>
MIME-Version: 1.0

--9d1c7a5e-2f44-4a1b-8b0e-6c1f0a2e7d33
Content-Type: multipart/alternative; differences=Content-Type;
	boundary="1c2d3e4f-aaaa-bbbb-cccc-0123456789ab"

--1c2d3e4f-aaaa-bbbb-cccc-0123456789ab
Content-Type: text/plain; charset="us-ascii"

Your message to mario.rossi@example.org couldn't be delivered.
mario.rossi wasn't found at example.org.

--1c2d3e4f-aaaa-bbbb-cccc-0123456789ab
Content-Type: text/html; charset="us-ascii"

<html><body><p>Your message to mario.rossi@example.org couldn't be delivered.</p></body></html>

--1c2d3e4f-aaaa-bbbb-cccc-0123456789ab--

--9d1c7a5e-2f44-4a1b-8b0e-6c1f0a2e7d33
Content-Type: message/delivery-status
Content-Transfer-Encoding: base64

`) + base64.StdEncoding.EncodeToString([]byte(crlf(`Reporting-MTA: dns;AM0PR10MB1234.EURPRD10.PROD.OUTLOOK.COM
Received-From-MTA: dns;AM0PR10MB1234.EURPRD10.PROD.OUTLOOK.COM
Arrival-Date: Mon, 7 Dec 2026 09:02:18 +0000

Final-recipient: RFC822; mario.rossi@example.org
Action: failed
Status: 5.1.10
X-Supplementary-Info: <mx.example.org #5.1.10 smtp;550 5.1.10
 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup>
X-Display-Name: mario.rossi@example.org
`))) + crlf(`

--9d1c7a5e-2f44-4a1b-8b0e-6c1f0a2e7d33
Content-Type: text/rfc822-headers

`) + originalHeaders + crlf(`
--9d1c7a5e-2f44-4a1b-8b0e-6c1f0a2e7d33--
`),
	// Gmail: related/alternative human part, delivery-status, the original as message/rfc822.
	"gmail": crlf(`Return-Path: <>
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: urp@comune.example.it
Auto-Submitted: auto-replied
Subject: Delivery Status Notification (Failure)
References: <`+letterMsgID+`>
In-Reply-To: <`+letterMsgID+`>
X-Failed-Recipients: mario.rossi.nonesiste@gmail.com
Message-ID: <6571f0a2.050a0220.abcd.1234.GMR@mx.google.com>
Date: Mon, 07 Dec 2026 01:02:22 -0800 (PST)
MIME-Version: 1.0
Content-Type: multipart/report; boundary="000000000000abc123"; report-type=delivery-status

--000000000000abc123
Content-Type: multipart/related; boundary="000000000000abc456"

--000000000000abc456
Content-Type: multipart/alternative; boundary="000000000000abc789"

--000000000000abc789
Content-Type: text/plain; charset="UTF-8"

** Address not found **

Your message wasn't delivered to mario.rossi.nonesiste@gmail.com because the address couldn't be found.

--000000000000abc789--

--000000000000abc456--

--000000000000abc123
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com
Received-From-MTA: dns; urp@comune.example.it
Arrival-Date: Mon, 07 Dec 2026 01:02:21 -0800 (PST)
X-Original-Message-ID: <`+letterMsgID+`>

Final-Recipient: rfc822; mario.rossi.nonesiste@gmail.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; gmail-smtp-in.l.google.com. (2a00:1450:400c:c0b::1a,
 the server for the domain gmail.com.)
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.
Last-Attempt-Date: Mon, 07 Dec 2026 01:02:22 -0800 (PST)

--000000000000abc123
Content-Type: message/rfc822

`) + originalHeaders + crlf(`
Gentile signor Rossi

--000000000000abc123--
`),
	// qmail: no report part, the original quoted below a line of text.
	"qmail": crlf(`From: MAILER-DAEMON@mail.example.org
To: urp@comune.example.it
Subject: failure notice
Date: 7 Dec 2026 09:02:30 -0000
Message-ID: <20261207090230.4711.qmail@mail.example.org>

Hi. This is the qmail-send program at mail.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<mario.rossi@example.org>:
192.0.2.7 does not like recipient.
Remote host said: 550 5.1.1 mailbox unavailable
Giving up on 192.0.2.7.

--- Below this line is a copy of the message.

Return-Path: <urp@comune.example.it>
`) + originalHeaders + crlf(`
Gentile signor Rossi
`),
}

// TestReadBounceShapes: every shape is read as a bounce of the letter, with the
// address and the server's words.
func TestReadBounceShapes(t *testing.T) {
	want := map[string]struct{ to, status, reason string }{
		"postfix":  {"mario.rossi@example.org", "5.1.1", "550 5.1.1 <mario.rossi@example.org>: Recipient address rejected: User unknown"},
		"exchange": {"mario.rossi@example.org", "5.1.10", "RESOLVER.ADR.RecipientNotFound"},
		"gmail":    {"mario.rossi.nonesiste@gmail.com", "5.1.1", "550-5.1.1 The email account that you tried to reach does not exist."},
		"qmail":    {"", "", "Remote host said: 550 5.1.1 mailbox unavailable"},
	}
	for name, raw := range bounceShapes {
		b, ok := ReadBounce([]byte(raw))
		if !ok {
			t.Errorf("%s: not read as a bounce", name)
			continue
		}
		w := want[name]
		if b.Original != letterMsgID || b.Recipient != w.to || b.Status != w.status || !strings.Contains(b.Reason, w.reason) || b.ID == "" || b.At.IsZero() {
			t.Errorf("%s: %+v", name, b)
		}
		if _, ok := letterOfMessageID(b.Original); !ok {
			t.Errorf("%s: letter of %q", name, b.Original)
		}
	}
}

// TestReadBounceNotBounces: a delay, a read receipt and a citizen's message quoting
// the letter are no bounces.
func TestReadBounceNotBounces(t *testing.T) {
	delayed := strings.Replace(strings.Replace(bounceShapes["postfix"], "Action: failed", "Action: delayed", 1), "Status: 5.1.1", "Status: 4.4.1", 1)
	delayed = strings.Replace(delayed, "Undelivered Mail Returned to Sender", "Delayed Mail (still being retried)", 1)
	citizen := "From: Mario Rossi <mario.rossi@example.org>\r\nTo: urp@comune.example.it\r\nSubject: Re: Risposta alla Sua segnalazione\r\n" +
		"In-Reply-To: <" + letterMsgID + ">\r\nMessage-ID: <abc@example.org>\r\n\r\n> Message-ID: <" + letterMsgID + ">\r\nGrazie, la mail non era consegnata?\r\n"
	mdn := crlf(`From: mario.rossi@example.org
To: urp@comune.example.it
Subject: Letto: Risposta
Content-Type: multipart/report; report-type=disposition-notification; boundary="b"

--b
Content-Type: text/plain

Il messaggio è stato letto.
--b
Content-Type: message/disposition-notification

Final-Recipient: rfc822; mario.rossi@example.org
Original-Message-ID: <` + letterMsgID + `>
Disposition: manual-action/MDN-sent-manually; displayed
--b--
`)
	for name, raw := range map[string]string{"delayed": delayed, "citizen": citizen, "mdn": mdn, "garbage": "\x00\xff--", "empty": ""} {
		if b, ok := ReadBounce([]byte(raw)); ok {
			t.Errorf("%s read as a bounce: %+v", name, b)
		}
	}
}

// FuzzReadBounce: no input makes the reader panic, and what it calls a bounce always
// names the original message.
func FuzzReadBounce(f *testing.F) {
	for _, raw := range bounceShapes {
		f.Add([]byte(raw))
	}
	f.Add([]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--x\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <a@b>\r\n--x--\r\n"))
	f.Add([]byte("Content-Type: multipart/report; boundary=\"\"\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, ok := ReadBounce(raw)
		if ok && (b.Original == "" || b.ID == "") {
			t.Fatalf("bounce without the original or its own id: %+v", b)
		}
	})
}
