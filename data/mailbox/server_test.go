package mailbox_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"ascolto/data"
	"ascolto/data/mailbox"
	"ascolto/data/mailbox/mailtest"
)

// mailServers are Dovecot and Postfix on 127.0.0.1 as .ci/mailserver.sh starts them.
type mailServers struct{ *mailtest.Servers }

func realServers(t *testing.T) mailServers { return mailServers{mailtest.Find(t)} }

func folder(t *testing.T) string { return mailtest.Folder() }

func plus(addr, folder string) string { return mailtest.Plus(addr, folder) }

// box is a workstation's view of the mailbox, on its own register.
func (m mailServers) box(t *testing.T, s *data.Store, folder string) *mailbox.Box {
	t.Helper()
	ms := m.Settings(folder)
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetMailSettings(ms) }); err != nil {
		t.Fatal(err)
	}
	// The folder read exists before the first message, as an office's inbox does.
	m.imapAs(t, m.Office, m.OfficePassword).Create(folder)
	b, err := mailbox.Open(ctx, s, m.OfficePassword)
	if err != nil {
		t.Fatal(err)
	}
	b.Timeout = 20 * time.Second
	return b
}

func (m mailServers) deliver(t testing.TB, from, to string, raw []byte) { m.Deliver(t, from, to, raw) }

// imapAs logs in to the test IMAP server as user.
func (m mailServers) imapAs(t *testing.T, user, password string) *client.Client {
	t.Helper()
	c, err := client.Dial(fmt.Sprintf("127.0.0.1:%d", m.IMAPSTARTTLS))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(user, password); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Logout() })
	return c
}

// messages reads every message of a folder with its flags; nil if the folder is not there.
func messages(t *testing.T, c *client.Client, name string) []*imap.Message {
	t.Helper()
	mb, err := c.Select(name, true)
	if err != nil {
		return nil
	}
	if mb.Messages == 0 {
		return nil
	}
	set := new(imap.SeqSet)
	set.AddRange(1, mb.Messages)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, mb.Messages)
	if err := c.Fetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchFlags, section.FetchItem()}, ch); err != nil {
		t.Fatal(err)
	}
	var out []*imap.Message
	for m := range ch {
		out = append(out, m)
	}
	return out
}

func body(t *testing.T, m *imap.Message) []byte {
	t.Helper()
	for _, lit := range m.Body {
		var b bytes.Buffer
		b.ReadFrom(lit)
		return b.Bytes()
	}
	t.Fatal("no body fetched")
	return nil
}

func hasKeyword(m *imap.Message, k string) bool {
	for _, f := range m.Flags {
		if strings.EqualFold(f, k) {
			return true
		}
	}
	return false
}

// waitFetch fetches until the inbox holds n messages, and says how long it took.
func waitFetch(t *testing.T, b *mailbox.Box, n int) (*mailbox.FetchResult, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		res, err := b.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Inbox) >= n {
			return res, time.Since(start)
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("after 30 s the inbox holds %d messages, want %d", len(res.Inbox), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
