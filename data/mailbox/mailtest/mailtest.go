// Package mailtest finds the test mail servers (Dovecot and Postfix on 127.0.0.1, as
// .ci/mailserver.sh starts them) for the tests of the mailbox and of ascoltoctl mail.
package mailtest

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

	"github.com/emersion/go-smtp"

	"ascolto/data"
)

// Servers are the test servers' ports, CA and accounts.
type Servers struct {
	CA                              string
	IMAPTLS, IMAPSTARTTLS           int
	SMTPIn, Submission, Submissions int
	// SubmissionSmall takes messages of 20 kB at most.
	SubmissionSmall          int
	Office, OfficePassword   string
	Citizen, CitizenPassword string
}

var (
	once    sync.Once
	servers *Servers
	why     string
)

// Find finds the servers, and starts them when the test runs as root (as `make test`
// does): a root test fails without them; only a test that is not root is skipped.
func Find(t testing.TB) *Servers {
	t.Helper()
	// First the lock: a test that stopped a server starts it again before giving it back.
	shared(t)
	once.Do(func() {
		dir := os.Getenv("ASCOLTO_MAILTEST_DIR")
		if dir == "" {
			dir = "/var/lib/ascolto-mailtest"
		}
		if os.Geteuid() == 0 {
			_, file, _, _ := runtime.Caller(0)
			script := filepath.Join(filepath.Dir(file), "..", "..", "..", ".ci", "mailserver.sh")
			cmd := exec.Command("bash", script)
			cmd.Env = append(os.Environ(), "ASCOLTO_MAILTEST_DIR="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				why = fmt.Sprintf("as root, .ci/mailserver.sh failed: %v\n%s", err, out)
				return
			}
		}
		env, err := readEnv(filepath.Join(dir, "env"))
		if err != nil {
			why = "no test mail servers (run .ci/mailserver.sh as root): " + err.Error()
			return
		}
		num := func(k string) int {
			var n int
			fmt.Sscan(env[k], &n)
			return n
		}
		servers = &Servers{CA: env["MAILTEST_CA"], IMAPTLS: num("MAILTEST_IMAP_TLS"), IMAPSTARTTLS: num("MAILTEST_IMAP_STARTTLS"),
			SMTPIn: num("MAILTEST_SMTP_IN"), Submission: num("MAILTEST_SUBMISSION"), SubmissionSmall: num("MAILTEST_SUBMISSION_SMALL"), Submissions: num("MAILTEST_SUBMISSIONS"),
			Office: env["MAILTEST_OFFICE"], OfficePassword: env["MAILTEST_OFFICE_PASSWORD"],
			Citizen: env["MAILTEST_CITIZEN"], CitizenPassword: env["MAILTEST_CITIZEN_PASSWORD"]}
	})
	if servers == nil {
		if os.Geteuid() == 0 {
			t.Fatal(why)
		}
		t.Skip(why)
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

// Folder is a fresh folder name: mail to office+NAME lands in the folder NAME.
func Folder() string {
	b := make([]byte, 4)
	rand.Read(b)
	return "T" + strings.ToUpper(hex.EncodeToString(b))
}

// Plus is the address whose mail lands in the folder.
func Plus(addr, folder string) string {
	local, dom, _ := strings.Cut(addr, "@")
	return local + "+" + folder + "@" + dom
}

// Settings reach the test servers: IMAP over TLS, submission with STARTTLS, the test CA.
func (m *Servers) Settings(folder string) data.MailSettings {
	return data.MailSettings{IMAPHost: "127.0.0.1", IMAPPort: m.IMAPTLS, IMAPSecurity: "tls",
		SMTPHost: "127.0.0.1", SMTPPort: m.Submission, SMTPSecurity: "starttls",
		User: m.Office, Address: m.Office, Folder: folder, MoveTo: folder + "R", Sent: folder + "S", CAFile: m.CA}
}

// Deliver hands a message to Postfix as another mail server would (no login) and
// returns when Postfix accepted it.
func (m *Servers) Deliver(t testing.TB, from, to string, raw []byte) {
	t.Helper()
	c, err := smtp.Dial(fmt.Sprintf("127.0.0.1:%d", m.SMTPIn))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail(from, []string{to}, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
}
