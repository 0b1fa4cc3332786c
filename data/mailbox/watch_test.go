package mailbox_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"ascolto/data/mailbox"
)

// TestWatchSeesNewMailAtOnce: with IMAP IDLE a new message is in the inbox long before
// the next poll; the time from Postfix's acceptance to the inbox is in the log.
func TestWatchSeesNewMailAtOnce(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	to := plus(srv.Office, f)
	b := srv.box(t, register(t, "anna"), f)
	wctx, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	var results []*mailbox.FetchResult
	var errs []error
	changed := make(chan struct{}, 100)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		b.Watch(wctx, 10*time.Minute, func(r *mailbox.FetchResult, err error) {
			mu.Lock()
			results, errs = append(results, r), append(errs, err)
			mu.Unlock()
			changed <- struct{}{}
		})
	}()
	<-changed // the first fetch, at the start
	time.Sleep(300 * time.Millisecond)
	var lat []time.Duration
	for i := 1; i <= 3; i++ {
		sent := time.Now()
		srv.deliver(t, "m@example.org", to, plainIT("m@example.org", to, "watch-"+string(rune('0'+i))+"-"+f+"@example.org", time.Now().Add(-time.Minute)))
		for seen := false; !seen; {
			select {
			case <-changed:
			case <-time.After(time.Minute):
				t.Fatalf("message %d not seen a minute after delivery, with IDLE (the poll is 10 minutes)", i)
			}
			mu.Lock()
			last, err := results[len(results)-1], errs[len(errs)-1]
			mu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			seen = last != nil && len(last.Inbox) == i
		}
		lat = append(lat, time.Since(sent))
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not end with its context")
	}
	t.Logf("with IDLE, from Postfix's acceptance to the inbox: %v, %v, %v", lat[0].Round(time.Millisecond), lat[1].Round(time.Millisecond), lat[2].Round(time.Millisecond))
}
