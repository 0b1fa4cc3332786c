package mailbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"ascolto/data/mailbox/mailtest"
)

// TestClaimOfAMessageMovedMeanwhile: a workstation looks at a message, another claims,
// registers and moves it, then the first stores its keyword on the UID it looked at. The
// server stores into a UID that is gone without complaint (OK, no MODIFIED), so the
// first must not take that for its own claim: that made one message two cases.
func TestClaimOfAMessageMovedMeanwhile(t *testing.T) {
	srv := mailtest.Find(t)
	f := mailtest.Folder()
	dial := func() *client.Client {
		c, err := client.Dial(fmt.Sprintf("127.0.0.1:%d", srv.IMAPSTARTTLS))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Login(srv.Office, srv.OfficePassword); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Logout() })
		return c
	}
	first, second := dial(), dial()
	first.Create(f)
	first.Create(f + "-done")
	to := mailtest.Plus(srv.Office, f)
	srv.Deliver(t, "citizen@example.org", to, []byte("From: citizen@example.org\r\nTo: "+to+
		"\r\nSubject: Richiesta\r\nMessage-ID: <claim-"+f+"@example.org>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0100\r\n\r\nBuongiorno.\r\n"))

	// The second workstation looks: UID and MODSEQ.
	var uid uint32
	var modseq uint64
	for start := time.Now(); uid == 0; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatal("the message did not arrive in 30 s")
		}
		mb, err := second.Select(f, false)
		if err != nil || mb.Messages == 0 {
			continue
		}
		set := new(imap.SeqSet)
		set.AddNum(1)
		ch := make(chan *imap.Message, 1)
		if err := second.Fetch(set, []imap.FetchItem{imap.FetchUid, "MODSEQ"}, ch); err != nil {
			t.Fatal(err)
		}
		for m := range ch {
			uid = m.Uid
			modseq, _ = modSeq(m.Items["MODSEQ"])
		}
	}
	if modseq == 0 {
		t.Fatal("the server gave no MODSEQ (CONDSTORE)")
	}

	// The first claims it and moves it away, as a registration does.
	if _, err := first.Select(f, false); err != nil {
		t.Fatal(err)
	}
	if ok, err := claim(first, uid); err != nil || !ok {
		t.Fatalf("the first workstation's claim: %v %v", ok, err)
	}
	set := new(imap.SeqSet)
	set.AddNum(uid)
	if err := first.UidMove(set, f+"-done"); err != nil {
		t.Fatal(err)
	}

	// The second stores on what it had looked at.
	if ok, err := claimSince(second, uid, modseq); err != nil || ok {
		t.Fatalf("the second workstation claimed a message registered and moved by the first: %v %v", ok, err)
	}
}
