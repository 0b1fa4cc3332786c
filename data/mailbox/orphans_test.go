package mailbox_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
)

// TestOrphanedClaimIsReleased: a workstation marks a message ($AscoltoRegistered, as
// its claim does) and stops before writing the case. Another workstation does not take
// the message at once (the first may be at work), but once the mark has stood unchanged
// for ReleaseAfter it takes the mark off, and the message becomes one case there.
func TestOrphanedClaimIsReleased(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	to := plus(srv.Office, f)
	crashed := register(t, "anna")
	a := srv.box(t, crashed, f)
	srv.deliver(t, "c@example.org", to, plainIT("c@example.org", to, "orphan-"+f+"@example.org", time.Now().Add(-time.Hour)))
	res, _ := waitFetch(t, a, 1)

	// The claim the first workstation made before it stopped.
	c := srv.imapAs(t, srv.Office, srv.OfficePassword)
	if _, err := c.Select(f, false); err != nil {
		t.Fatal(err)
	}
	var uid uint32
	if _, err := fmt.Sscanf(res.Inbox[0].ID[strings.IndexByte(res.Inbox[0].ID, '-')+1:], "%d", &uid); err != nil || uid == 0 {
		t.Fatalf("id %q", res.Inbox[0].ID)
	}
	set := new(imap.SeqSet)
	set.AddNum(uid)
	if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{mailbox.KeywordRegistered}, nil); err != nil {
		t.Fatal(err)
	}

	s := register(t, "bruno")
	b := srv.box(t, s, f)
	b.ReleaseAfter = 2 * time.Second
	start := time.Now()
	first, err := b.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Inbox) != 0 || len(first.Released) != 0 {
		t.Fatalf("a fresh claim was taken over: inbox %d, released %v", len(first.Inbox), first.Released)
	}
	var got *mailbox.FetchResult
	for {
		if got, err = b.Fetch(ctx); err != nil {
			t.Fatal(err)
		}
		if len(got.Inbox) > 0 {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatal("the claim left behind was never released")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if waited := time.Since(start); waited < b.ReleaseAfter {
		t.Fatalf("released after %v, before ReleaseAfter %v", waited, b.ReleaseAfter)
	}
	if len(got.Released) != 1 || got.Released[0] != res.Inbox[0].ID {
		t.Fatalf("released %v, want %s", got.Released, res.Inbox[0].ID)
	}
	r, err := b.Register(ctx, got.Inbox[0].ID, intake.Options{})
	if err != nil || r.Elsewhere || r.Case == nil {
		t.Fatalf("register: %+v %v", r, err)
	}
	if n, _ := s.Count(ctx, data.Filter{}); n != 1 {
		t.Fatalf("%d cases, want 1", n)
	}
	if msgs := messages(t, c, f+"R"); len(msgs) != 1 || !hasKeyword(msgs[0], mailbox.KeywordRegistered) {
		t.Fatalf("the folder of registered messages holds %d", len(msgs))
	}
	// The first workstation, back, finds the message gone.
	if again, err := a.Fetch(ctx); err != nil || len(again.Inbox) != 0 {
		t.Fatalf("the first workstation's fetch: %v (inbox not empty: %v)", err, err == nil)
	}
}

// TestMarkedMessageOfAWrittenCaseIsMovedAtOnce: the case was written but the move to the
// folder of registered messages failed (a server restart): the message stays marked in
// the folder read. The workstation's next fetch moves it at once, without waiting for
// ReleaseAfter and without offering it again.
func TestMarkedMessageOfAWrittenCaseIsMovedAtOnce(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	to := plus(srv.Office, f)
	s := register(t, "anna")
	b := srv.box(t, s, f)
	srv.deliver(t, "c@example.org", to, plainIT("c@example.org", to, "tidy-"+f+"@example.org", time.Now().Add(-time.Hour)))
	res, _ := waitFetch(t, b, 1)
	if r, err := b.Register(ctx, res.Inbox[0].ID, intake.Options{}); err != nil || r.Case == nil {
		t.Fatalf("register: %+v %v", r, err)
	}
	// As if the move had not happened: the marked message back in the folder read.
	c := srv.imapAs(t, srv.Office, srv.OfficePassword)
	moved := messages(t, c, f+"R")
	if len(moved) != 1 || !hasKeyword(moved[0], mailbox.KeywordRegistered) {
		t.Fatalf("registered folder: %d", len(moved))
	}
	if _, err := c.Select(f+"R", false); err != nil {
		t.Fatal(err)
	}
	set := new(imap.SeqSet)
	set.AddNum(moved[0].Uid)
	if err := c.UidMove(set, f); err != nil {
		t.Fatal(err)
	}
	got, err := b.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Inbox) != 0 || len(got.Released) != 0 {
		t.Fatalf("fetch: inbox %d, released %v", len(got.Inbox), got.Released)
	}
	if left := messages(t, c, f); len(left) != 0 {
		t.Fatalf("%d messages stay in the folder read", len(left))
	}
	if back := messages(t, c, f+"R"); len(back) != 1 {
		t.Fatalf("%d messages in the registered folder, want 1", len(back))
	}
	if n, _ := s.Count(ctx, data.Filter{}); n != 1 {
		t.Fatalf("%d cases, want 1", n)
	}
}

// TestMoveCutInTheMiddleIsFinished: the server stopped in the middle of a MOVE (the copy
// made, the original not yet expunged): the message is registered and moved, and still
// marked in the folder read. Another workstation does not take the mark off (that made
// a second case in its register) but finishes the move.
func TestMoveCutInTheMiddleIsFinished(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	to := plus(srv.Office, f)
	first := register(t, "anna")
	a := srv.box(t, first, f)
	srv.deliver(t, "c@example.org", to, plainIT("c@example.org", to, "halfmove-"+f+"@example.org", time.Now().Add(-time.Hour)))
	res, _ := waitFetch(t, a, 1)
	if r, err := a.Register(ctx, res.Inbox[0].ID, intake.Options{}); err != nil || r.Case == nil {
		t.Fatalf("register: %+v %v", r, err)
	}
	c := srv.imapAs(t, srv.Office, srv.OfficePassword)
	moved := messages(t, c, f+"R")
	if len(moved) != 1 {
		t.Fatalf("registered folder: %d", len(moved))
	}
	if _, err := c.Select(f+"R", false); err != nil {
		t.Fatal(err)
	}
	set := new(imap.SeqSet)
	set.AddNum(moved[0].Uid)
	if err := c.UidCopy(set, f); err != nil { // the half of a MOVE that happened
		t.Fatal(err)
	}

	s := register(t, "bruno")
	b := srv.box(t, s, f)
	b.ReleaseAfter = time.Second
	for i := 0; i < 3; i++ {
		got, err := b.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Inbox) != 0 || len(got.Released) != 0 {
			t.Fatalf("fetch %d: inbox %d, released %v", i, len(got.Inbox), got.Released)
		}
		time.Sleep(700 * time.Millisecond)
	}
	if left := messages(t, c, f); len(left) != 0 {
		t.Fatalf("%d messages stay in the folder read", len(left))
	}
	if n := len(messages(t, c, f+"R")); n != 1 {
		t.Fatalf("%d messages in the registered folder, want 1", n)
	}
	if n, _ := s.Count(ctx, data.Filter{}); n != 0 {
		t.Fatalf("the second workstation made %d cases", n)
	}
}
