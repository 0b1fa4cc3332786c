package mailbox_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-smtp"

	"ascolto/data"
	"ascolto/data/mailbox"
)

// mailServers are Dovecot and Postfix on 127.0.0.1 as .ci/mailserver.sh starts them.
type mailServers struct {
	ca                              string
	imapTLS, imapSTARTTLS           int
	smtpIn, submission, submissions int
	office, officePassword          string
	citizen, citizenPassword        string
}

var (
	serversOnce sync.Once
	servers     *mailServers
	serversWhy  string
)

// realServers finds the test mail servers, and starts them when the test runs as root
// (as `make test` does). Only a test that is not root and finds no servers is skipped.
func realServers(t *testing.T) *mailServers {
	t.Helper()
	serversOnce.Do(func() {
		dir := os.Getenv("ASCOLTO_MAILTEST_DIR")
		if dir == "" {
			dir = "/var/lib/ascolto-mailtest"
		}
		if os.Geteuid() == 0 {
			_, file, _, _ := runtime.Caller(0)
			script := filepath.Join(filepath.Dir(file), "..", "..", ".ci", "mailserver.sh")
			cmd := exec.Command("bash", script)
			cmd.Env = append(os.Environ(), "ASCOLTO_MAILTEST_DIR="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				serversWhy = fmt.Sprintf("as root, .ci/mailserver.sh failed: %v\n%s", err, out)
				return
			}
		}
		env, err := readEnv(filepath.Join(dir, "env"))
		if err != nil {
			serversWhy = "no test mail servers (run .ci/mailserver.sh as root): " + err.Error()
			return
		}
		num := func(k string) int {
			var n int
			fmt.Sscan(env[k], &n)
			return n
		}
		servers = &mailServers{ca: env["MAILTEST_CA"], imapTLS: num("MAILTEST_IMAP_TLS"), imapSTARTTLS: num("MAILTEST_IMAP_STARTTLS"),
			smtpIn: num("MAILTEST_SMTP_IN"), submission: num("MAILTEST_SUBMISSION"), submissions: num("MAILTEST_SUBMISSIONS"),
			office: env["MAILTEST_OFFICE"], officePassword: env["MAILTEST_OFFICE_PASSWORD"],
			citizen: env["MAILTEST_CITIZEN"], citizenPassword: env["MAILTEST_CITIZEN_PASSWORD"]}
	})
	if servers == nil {
		if os.Geteuid() == 0 {
			t.Fatal(serversWhy)
		}
		t.Skip(serversWhy)
	}
	return servers
}

func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			out[k] = v
		}
	}
	return out, sc.Err()
}

// folder is a fresh folder name: mail to office+NAME lands in folder NAME.
func folder(t *testing.T) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "T" + strings.ToUpper(hex.EncodeToString(b))
}

// plus is the address whose mail lands in the folder.
func plus(addr, folder string) string {
	local, dom, _ := strings.Cut(addr, "@")
	return local + "+" + folder + "@" + dom
}

// settings reach the test servers: IMAP over TLS, submission with STARTTLS, the test CA.
func (m *mailServers) settings(folder string) data.MailSettings {
	return data.MailSettings{IMAPHost: "127.0.0.1", IMAPPort: m.imapTLS, IMAPSecurity: "tls",
		SMTPHost: "127.0.0.1", SMTPPort: m.submission, SMTPSecurity: "starttls",
		User: m.office, Address: m.office, Folder: folder, MoveTo: folder + "R", Sent: folder + "S", CAFile: m.ca}
}

// box is a workstation's view of the mailbox, on its own register.
func (m *mailServers) box(t *testing.T, s *data.Store, folder string) *mailbox.Box {
	t.Helper()
	ms := m.settings(folder)
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetMailSettings(ms) }); err != nil {
		t.Fatal(err)
	}
	b, err := mailbox.Open(ctx, s, m.officePassword)
	if err != nil {
		t.Fatal(err)
	}
	b.Timeout = 20 * time.Second
	return b
}

// deliver hands a message to Postfix as another mail server would (port 25 style, no
// login) and returns when Postfix accepted it.
func (m *mailServers) deliver(t testing.TB, from, to string, raw []byte) {
	t.Helper()
	c, err := smtp.Dial(fmt.Sprintf("127.0.0.1:%d", m.smtpIn))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail(from, []string{to}, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
}

// imapAs logs in to the test IMAP server as user.
func (m *mailServers) imapAs(t *testing.T, user, password string) *client.Client {
	t.Helper()
	c, err := client.Dial(fmt.Sprintf("127.0.0.1:%d", m.imapSTARTTLS))
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
