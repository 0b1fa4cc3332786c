package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/mailbox"
	"ascolto/data/mailbox/mailtest"
)

// mailSettingsArgs sets the mailbox of the test servers (IMAP TLS, SMTP TLS on 465-style
// submission), reading folder.
func mailSettingsArgs(srv *mailtest.Servers, folder string) []string {
	return []string{"mail", "settings", "--imap-host", "127.0.0.1", "--imap-port", strconv.Itoa(srv.IMAPTLS), "--imap-security", "tls",
		"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(srv.Submissions), "--smtp-security", "tls",
		"--user", srv.Office, "--address", srv.Office, "--folder", folder, "--move-to", folder + "R", "--sent", folder + "S",
		"--ca-file", srv.CA}
}

func citizenMail(from, to, id string) []byte {
	return []byte("From: Maria Rossi <" + from + ">\r\nTo: " + to + "\r\nSubject: Orari dello sportello\r\n" +
		"Date: " + time.Now().Add(-time.Hour).Format(time.RFC1123Z) + "\r\nMessage-ID: <" + id + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" +
		"Buongiorno,\r\nvorrei sapere gli orari di apertura dello sportello il sabato.\r\nGrazie e cordiali saluti\r\nMaria Rossi\r\n")
}

// TestMailThroughTheCommandLine: settings, test, fetch, inbox, register, letter, send,
// on the real test servers.
func TestMailThroughTheCommandLine(t *testing.T) {
	srv := mailtest.Find(t)
	f := mailtest.Folder()
	citizen := mailtest.Plus(srv.Citizen, f)
	srv.Deliver(t, citizen, mailtest.Plus(srv.Office, f), citizenMail(citizen, mailtest.Plus(srv.Office, f), "cli-"+f+"@example.org"))

	c := newCtl(t)
	t.Setenv(mailbox.PasswordEnv, "")
	c.ok(mailSettingsArgs(srv, f)...)
	// Without the password nothing connects, and the message says where it goes.
	if code, _, errs := c.run("mail", "test"); code != 1 || !strings.Contains(errs, mailbox.PasswordEnv) {
		t.Fatalf("mail test without password: exit %d, %q", code, errs)
	}
	t.Setenv(mailbox.PasswordEnv, srv.OfficePassword)
	out := c.ok("mail", "settings")
	if !strings.Contains(out, srv.CA) || strings.Contains(out, srv.OfficePassword) {
		t.Fatalf("settings shown:\n%s", out)
	}
	// The folder read is made by the delivery itself (office+folder): until the message
	// is there, the test names the folder as missing.
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		code, o, errs := c.run("mail", "test")
		if code == 0 || !strings.Contains(o+errs, f) || time.Since(start) > 30*time.Second {
			out = o
			break
		}
	}
	if strings.Count(out, "fine") != 2 {
		t.Fatalf("mail test:\n%s", out)
	}

	var fetched mailbox.FetchResult
	for start := time.Now(); len(fetched.Inbox) == 0; time.Sleep(20 * time.Millisecond) {
		if err := json.Unmarshal([]byte(c.ok("mail", "fetch", "--json")), &fetched); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("the message did not arrive in 30 s")
		}
	}
	var inbox []mailbox.Message
	if err := json.Unmarshal([]byte(c.ok("mail", "inbox", "--json")), &inbox); err != nil || len(inbox) != 1 {
		t.Fatalf("inbox: %v %v", inbox, err)
	}
	m := inbox[0]
	if m.From != citizen || m.Language != data.Italian || m.Subject != "Orari dello sportello" {
		t.Fatalf("inbox message: %+v", m)
	}
	if out := c.ok("mail", "inbox"); !strings.Contains(out, m.ID) || !strings.Contains(out, "Orari dello sportello") {
		t.Fatalf("inbox as text:\n%s", out)
	}
	var cs data.Case
	if err := json.Unmarshal([]byte(c.ok("mail", "register", m.ID, "--json")), &cs); err != nil {
		t.Fatal(err)
	}
	if cs.Number == "" || cs.Channel != data.ChannelEmail || cs.Citizen.Email != citizen {
		t.Fatalf("case: %+v", cs)
	}
	if out := c.ok("mail", "inbox"); !strings.Contains(out, "No messages") {
		t.Fatalf("inbox after registering:\n%s", out)
	}
	// Registering the same id again: it is not in the inbox any more.
	c.refused("", 1, "mail", "register", m.ID)

	// A message dropped on the window as .eml before it is registered from the mailbox is
	// recognised by its Message-ID: the inbox names its case, registering marks it only.
	srv.Deliver(t, citizen, mailtest.Plus(srv.Office, f), citizenMail(citizen, mailtest.Plus(srv.Office, f), "cli2-"+f+"@example.org"))
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if err := json.Unmarshal([]byte(c.ok("mail", "fetch", "--json")), &fetched); err != nil {
			t.Fatal(err)
		}
		if len(fetched.Inbox) == 1 {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("the second message did not arrive in 30 s")
		}
	}
	second := fetched.Inbox[0]
	var dropped data.Case
	if err := json.Unmarshal([]byte(c.ok("intake", "--eml", filepath.Join(c.db+".inbox", second.ID+".eml"), "--json")), &dropped); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("mail", "inbox"); !strings.Contains(out, "already registered as "+dropped.Number) {
		t.Fatalf("inbox does not name the case the message already is:\n%s", out)
	}
	var dup map[string]any
	if err := json.Unmarshal([]byte(c.ok("mail", "register", second.ID, "--json")), &dup); err != nil {
		t.Fatal(err)
	}
	if dup["number"] != dropped.Number || dup["duplicate"] != true {
		t.Fatalf("registering a message the register holds: %v", dup)
	}
	var all []data.Case
	if err := json.Unmarshal([]byte(c.ok("list", "--json")), &all); err != nil || len(all) != 2 {
		t.Fatalf("%d cases, want 2 (%v)", len(all), err)
	}

	c.ok("letter", cs.Number, "--out", filepath.Join(t.TempDir(), "letter.pdf"), "--text", "Il sabato lo sportello è aperto dalle 9 alle 12.")
	var sent mailbox.Sent
	if err := json.Unmarshal([]byte(c.ok("mail", "send", cs.Number, "--json")), &sent); err != nil {
		t.Fatal(err)
	}
	if sent.To != citizen || sent.Letter == nil || sent.Letter.SentVia != "email" || sent.Letter.SentAt == nil {
		t.Fatalf("sent: %+v", sent)
	}
	if code, _, errs := c.run("mail", "send", cs.Number); code != 1 || !strings.Contains(errs, "already") {
		t.Fatalf("second send: exit %d, %q", code, errs)
	}
}

// TestMailTestSaysWhatFailed: each fault is named in the reader's language.
func TestMailTestSaysWhatFailed(t *testing.T) {
	srv := mailtest.Find(t)
	f := mailtest.Folder()
	srv.Deliver(t, "a@example.org", mailtest.Plus(srv.Office, f), citizenMail("a@example.org", srv.Office, "f-"+f+"@example.org"))
	for _, tc := range []struct {
		name   string
		change []string
		lang   string
		want   string
	}{
		{"password", nil, "de", "Anmeldung bei 127.0.0.1 als „" + srv.Office + "“ abgelehnt"},
		{"port", []string{"--imap-port", "1"}, "it", "non risponde sulla porta 1"},
		{"certificate", []string{"--ca-file", ""}, "de", "nicht anerkannten Stelle"},
		{"folder", []string{"--folder", "NoSuchFolder" + f}, "it", "La cartella «NoSuchFolder" + f + "» non esiste"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCtl(t)
			c.ok(append(mailSettingsArgs(srv, f), tc.change...)...)
			pw := srv.OfficePassword
			if tc.name == "password" {
				pw = "wrong"
			}
			t.Setenv(mailbox.PasswordEnv, pw)
			var outb, errb strings.Builder
			code := run([]string{"--db", c.db, "--lang", tc.lang, "mail", "test"}, &outb, &errb)
			if code != 1 || !strings.Contains(outb.String(), tc.want) {
				t.Fatalf("exit %d\nstdout %s\nstderr %s\nwant %q", code, outb.String(), errb.String(), tc.want)
			}
		})
	}
}

// TestMailSettingsRefusePlainText: a password never crosses a network in clear.
func TestMailSettingsRefusePlainText(t *testing.T) {
	c := newCtl(t)
	c.refused("unencrypted", 1, "mail", "settings", "--imap-host", "mail.example.org", "--imap-security", "plain")
	c.refused("", 1, "mail", "settings", "--smtp-port", "70000")
	c.refused("", 1, "mail", "settings", "--address", "not an address")
	out := c.ok("mail", "settings", "--imap-host", "127.0.0.1", "--imap-security", "plain", "--smtp-host", "mail.example.org", "--address", "urp@example.org", "--json")
	var ms data.MailSettings
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatal(err)
	}
	if ms.IMAPPort != 143 || ms.SMTPPort != 587 || ms.SMTPSecurity != "starttls" || ms.Folder != "INBOX" {
		t.Fatalf("defaults: %+v", ms)
	}
	if code, _, errs := c.run("mail", "nonsense"); code != 2 || !strings.Contains(errs, "settings, test") {
		t.Fatal(code, errs)
	}
}

// TestMailFetchWatch: `mail fetch --watch --json` prints one line per change, a new
// message within seconds (IMAP IDLE, the poll being ten minutes), and ends when
// interrupted.
func TestMailFetchWatch(t *testing.T) {
	srv := mailtest.Find(t)
	f := mailtest.Folder()
	to := mailtest.Plus(srv.Office, f)
	c := newCtl(t)
	c.ok(mailSettingsArgs(srv, f)...)
	t.Setenv(mailbox.PasswordEnv, srv.OfficePassword)
	// The first message makes the folder (an office's inbox exists from the start).
	srv.Deliver(t, "a@example.org", to, citizenMail("a@example.org", to, "w0-"+f+"@example.org"))
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if code, _, _ := c.run("mail", "fetch"); code == 0 {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("the first message did not arrive in 30 s")
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs lockedBuffer
	e := &env{ctx: ctx, stdout: &out, stderr: &errs, lang: "en", db: c.db, actor: "test"}
	done := make(chan error, 1)
	go func() { done <- mailFetch(e, []string{"--watch", "--json", "--poll", "10m"}) }()
	lines := func() []mailbox.FetchResult {
		var rs []mailbox.FetchResult
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var r mailbox.FetchResult
			if json.Unmarshal([]byte(l), &r) == nil {
				rs = append(rs, r)
			}
		}
		return rs
	}
	wait := func(n int) {
		t.Helper()
		for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			if rs := lines(); len(rs) > 0 && len(rs[len(rs)-1].Inbox) == n {
				return
			}
			if time.Since(start) > time.Minute {
				t.Fatalf("no line with %d messages after a minute:\n%s\n%s", n, out.String(), errs.String())
			}
		}
	}
	wait(1)
	srv.Deliver(t, "b@example.org", to, citizenMail("b@example.org", to, "w1-"+f+"@example.org"))
	wait(2)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("--watch did not end when interrupted")
	}
	if errs.String() != "" {
		t.Fatalf("stderr: %s", errs.String())
	}
}
