package mailbox_test

import (
	"encoding/base64"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
	"ascolto/printing/letter"
)

// cutter is a TCP proxy on 127.0.0.1 in front of a real server that cuts the
// connection in the middle of a conversation, as a network failure would. TLS passes
// through it untouched: it cuts by counting bytes.
type cutter struct {
	ln     net.Listener
	target string
	// upLimit: once the client sent this many bytes, nothing the server says reaches
	// the client any more and, when the client falls silent, both ends are closed.
	upLimit int64
	// downLimit: once the server sent this many bytes, both ends are closed.
	downLimit int64
	cuts      atomic.Int32
}

func newCutter(t *testing.T, port int, up, down int64) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, target: "127.0.0.1:" + strconv.Itoa(port), upLimit: up, downLimit: down}
	t.Cleanup(func() { ln.Close() })
	go c.serve()
	return c
}

func (c *cutter) port() int { return c.ln.Addr().(*net.TCPAddr).Port }

func (c *cutter) serve() {
	for {
		cl, err := c.ln.Accept()
		if err != nil {
			return
		}
		sv, err := net.Dial("tcp", c.target)
		if err != nil {
			cl.Close()
			continue
		}
		go c.pipe(cl, sv)
	}
}

func (c *cutter) pipe(cl, sv net.Conn) {
	var up, down atomic.Int64
	var muted atomic.Bool
	var once sync.Once
	cut := func() {
		once.Do(func() {
			c.cuts.Add(1)
			cl.Close()
			sv.Close()
		})
	}
	lastUp := atomic.Int64{}
	go func() { // server → client
		buf := make([]byte, 4096)
		for {
			n, err := sv.Read(buf)
			if n > 0 && !muted.Load() {
				if c.downLimit > 0 && down.Add(int64(n)) > c.downLimit {
					cut()
					return
				}
				cl.Write(buf[:n])
			}
			if err != nil {
				cl.Close()
				return
			}
		}
	}()
	if c.upLimit > 0 {
		go func() { // the client done sending: the cut falls after the server answered
			for !muted.Load() || time.Since(time.Unix(0, lastUp.Load())) < 2*time.Second {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond)
			cut()
		}()
	}
	buf := make([]byte, 4096)
	for {
		n, err := cl.Read(buf)
		if n > 0 {
			lastUp.Store(time.Now().UnixNano())
			if c.upLimit > 0 && up.Add(int64(n)) > c.upLimit {
				muted.Store(true)
			}
			sv.Write(buf[:n])
		}
		if err != nil {
			sv.Close()
			return
		}
	}
}

// TestFetchCutOffLosesNothing: the connection breaks in the middle of a fetch; nothing
// half-written stays in the inbox, and the next fetch takes every message once.
func TestFetchCutOffLosesNothing(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	to := plus(srv.Office, f)
	big := base64.StdEncoding.EncodeToString(make([]byte, 300<<10))
	var lines []string
	for len(big) > 76 {
		lines, big = append(lines, big[:76]), big[76:]
	}
	for i := 0; i < 3; i++ {
		raw := "From: scanner@example.org\r\nTo: " + to + "\r\nSubject: Scansione " + strconv.Itoa(i) + "\r\nMessage-ID: <scan-" + strconv.Itoa(i) + "-" + f + "@example.org>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nIn allegato la scansione.\r\n" +
			"--b\r\nContent-Type: application/pdf; name=scan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--b--\r\n"
		srv.deliver(t, "scanner@example.org", to, []byte(raw))
	}
	s := register(t, "anna")
	b := srv.box(t, s, f)
	// Wait until the three are on the server, through an uncut connection.
	waitFetch(t, b, 3)
	for _, m := range mustInbox(t, b) {
		os.Remove(b.Dir + "/" + m.ID + ".eml")
	}
	cut := newCutter(t, srv.IMAPTLS, 0, 500<<10)
	b.Settings.IMAPPort = cut.port()
	if _, err := b.Fetch(ctx); err == nil || cut.cuts.Load() == 0 {
		t.Fatalf("fetch through a cut connection: %v (%d cuts)", err, cut.cuts.Load())
	}
	entries, _ := os.ReadDir(b.Dir)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") {
			t.Fatalf("a half-written file stays in the inbox: %s", e.Name())
		}
		raw, _ := os.ReadFile(b.Dir + "/" + e.Name())
		if !strings.HasSuffix(string(raw), "--b--\r\n") {
			t.Fatalf("a cut message stays in the inbox: %s", e.Name())
		}
	}
	kept := len(entries)
	b.Settings.IMAPPort = srv.IMAPTLS
	res, err := b.Fetch(ctx)
	if err != nil || len(res.Inbox) != 3 || res.New != 3-kept {
		t.Fatalf("fetch after the cut: %+v, %v (kept %d)", res, err, kept)
	}
}

func mustInbox(t *testing.T, b *mailbox.Box) []mailbox.Message {
	t.Helper()
	list, err := b.Inbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestSendCutOffIsNeverSentTwice: the submission server takes the letter but the
// connection breaks before its answer. Ascolto cannot know that it went, so it says so
// and refuses a plain retry; when the copy in the Sent folder is marked sent, the next
// try records the letter as sent without sending it again.
func TestSendCutOffIsNeverSentTwice(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	citizen := plus(srv.Citizen, f)
	s := register(t, "anna")
	b := srv.box(t, s, f)
	cs, err := s.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, ReceivedAt: time.Now().Add(-time.Hour),
		Subject: "Orari dello sportello", Citizen: data.Citizen{Name: "Maria Rossi", Email: citizen, Language: data.Italian}})
	if err != nil {
		t.Fatal(err)
	}
	l, pdf, err := letter.Issue(ctx, s, cs.Number, letter.Options{Text: "Il sabato lo sportello è aperto dalle 9 alle 12."})
	if err != nil {
		t.Fatal(err)
	}
	// Muted once nearly all of the base64 letter went up: the server's answer to the
	// end of the data is what is lost.
	cut := newCutter(t, srv.Submissions, int64(len(pdf))*137/100, 0)
	b.Settings.SMTPPort, b.Settings.SMTPSecurity = cut.port(), "tls"
	if _, err := b.Send(ctx, cs.Number, false); !isProblem(err, "err.mailbox.send_uncertain") {
		t.Fatalf("send cut off after the data: %v", err)
	}
	if got, _ := s.GetLetter(ctx, l.Number); got.SentAt != nil {
		t.Fatal("a letter that may not have gone is recorded as sent")
	}
	cc := srv.imapAs(t, srv.Citizen, srv.CitizenPassword)
	for start := time.Now(); len(messages(t, cc, f)) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatal("the letter the server took did not arrive")
		}
	}
	// A plain retry is refused: the copy says the first try may have gone.
	b.Settings.SMTPPort = srv.Submissions
	if _, err := b.Send(ctx, cs.Number, false); !isProblem(err, "err.mailbox.send_uncertain") {
		t.Fatalf("retry after an uncertain send: %v", err)
	}
	// The clerk (or the provider's receipt) confirms it went: the copy is marked sent.
	oc := srv.imapAs(t, srv.Office, srv.OfficePassword)
	copies := messages(t, oc, f+"S")
	if len(copies) != 1 || !hasKeyword(copies[0], mailbox.KeywordSending) {
		t.Fatalf("copies in the Sent folder: %d", len(copies))
	}
	if _, err := oc.Select(f+"S", false); err != nil {
		t.Fatal(err)
	}
	set := new(imap.SeqSet)
	set.AddNum(copies[0].Uid)
	if err := oc.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{mailbox.KeywordSent}, nil); err != nil {
		t.Fatal(err)
	}
	sent, err := b.Send(ctx, cs.Number, false)
	if err != nil || !sent.Already || sent.Letter.SentAt == nil {
		t.Fatalf("send after the copy is marked sent: %+v, %v", sent, err)
	}
	time.Sleep(time.Second)
	if n := len(messages(t, cc, f)); n != 1 {
		t.Fatalf("the citizen received %d letters, want 1", n)
	}
}

// TestRefusedRecipientIsCertainAndLeavesNoCopy: a refusal before the data means the
// letter surely did not go: no copy is left, and a later try may send it.
func TestRefusedRecipientIsCertainAndLeavesNoCopy(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	s := register(t, "anna")
	b := srv.box(t, s, f)
	cs, err := s.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, ReceivedAt: time.Now().Add(-time.Hour),
		Subject: "Orari", Citizen: data.Citizen{Name: "Nessuno", Email: "refused+" + f + "@ascolto.test", Language: data.Italian}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := letter.Issue(ctx, s, cs.Number, letter.Options{Text: "Risposta."}); err != nil {
		t.Fatal(err)
	}
	_, err = b.Send(ctx, cs.Number, false)
	if !isProblem(err, "err.mailbox.recipient") {
		t.Fatalf("send to an address the server refuses: %v", err)
	}
	oc := srv.imapAs(t, srv.Office, srv.OfficePassword)
	if n := len(messages(t, oc, f+"S")); n != 0 {
		t.Fatalf("%d copies left of a letter that did not go", n)
	}
}

// TestLetterOverTheSizeLimitIsNotSent: a server that takes less than the letter says
// so in its greeting; nothing is sent, no copy is left, the letter stays unsent.
func TestLetterOverTheSizeLimitIsNotSent(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	s := register(t, "anna")
	b := srv.box(t, s, f)
	b.Settings.SMTPPort = srv.SubmissionSmall
	cs, err := s.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, ReceivedAt: time.Now().Add(-time.Hour),
		Subject: "Orari", Citizen: data.Citizen{Name: "Maria Rossi", Email: plus(srv.Citizen, f), Language: data.Italian}})
	if err != nil {
		t.Fatal(err)
	}
	l, pdf, err := letter.Issue(ctx, s, cs.Number, letter.Options{Text: "Risposta."})
	if err != nil {
		t.Fatal(err)
	}
	if len(pdf) < 20000 {
		t.Fatalf("the letter is only %d bytes: the test needs one over 20 kB", len(pdf))
	}
	if _, err := b.Send(ctx, cs.Number, false); !isProblem(err, "err.mailbox.too_big") {
		t.Fatalf("send over the limit: %v", err)
	}
	if got, _ := s.GetLetter(ctx, l.Number); got.SentAt != nil {
		t.Fatal("a letter refused for its size is recorded as sent")
	}
	oc := srv.imapAs(t, srv.Office, srv.OfficePassword)
	if n := len(messages(t, oc, f+"S")); n != 0 {
		t.Fatalf("%d copies left of a letter that did not go", n)
	}
}

// TestFailedRegistrationTakesTheMarkOff: when the case cannot be written, the message
// keeps no keyword on the server, so this or another workstation can register it.
func TestFailedRegistrationTakesTheMarkOff(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	to := plus(srv.Office, f)
	srv.deliver(t, "m@example.org", to, plainIT("m@example.org", to, "fail-"+f+"@example.org", time.Now().Add(-time.Minute)))
	s := register(t, "anna")
	b := srv.box(t, s, f)
	res, _ := waitFetch(t, b, 1)
	// An office the register does not know: intake refuses, nothing is written.
	if _, err := b.Register(ctx, res.Inbox[0].ID, intake.Options{Office: "XX"}); err == nil {
		t.Fatal("registered for an unknown office")
	}
	oc := srv.imapAs(t, srv.Office, srv.OfficePassword)
	left := messages(t, oc, f)
	if len(left) != 1 || hasKeyword(left[0], mailbox.KeywordRegistered) {
		t.Fatalf("after a failed registration the message is marked or gone: %d", len(left))
	}
	if r, err := b.Register(ctx, res.Inbox[0].ID, intake.Options{}); err != nil || r.Elsewhere || r.Case == nil {
		t.Fatalf("second try: %+v, %v", r, err)
	}
}
