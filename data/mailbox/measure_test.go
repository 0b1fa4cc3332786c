package mailbox_test

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
)

// TestMeasureArrivalAndHundred measures, on the real servers, the time from a message
// accepted by Postfix to a fetch that shows it (ten messages, one at a time), and the
// time to fetch and register 100 messages; it checks that every one became one case.
// The figures are in the test's log (go test -v -run TestMeasure).
func TestMeasureArrivalAndHundred(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	to := plus(srv.Office, f)
	s := register(t, "anna")
	b := srv.box(t, s, f)
	var lat []time.Duration
	for i := 0; i < 10; i++ {
		sent := time.Now()
		srv.deliver(t, "m@example.org", to, plainIT("m"+strconv.Itoa(i)+"@example.org", to, "lat-"+strconv.Itoa(i)+"-"+f+"@example.org", time.Now().Add(-time.Minute)))
		for {
			res, err := b.Fetch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Inbox) == i+1 {
				break
			}
			if time.Since(sent) > 30*time.Second {
				t.Fatal("a message did not arrive in 30 s")
			}
		}
		lat = append(lat, time.Since(sent))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("figure: arrival by fetch: from Postfix's acceptance to a fetch that shows the message: median %v, max %v (10 messages)",
		lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	if testing.Short() {
		return
	}
	for i := 10; i < 100; i++ {
		srv.deliver(t, "m@example.org", to, plainIT("m"+strconv.Itoa(i)+"@example.org", to, "lat-"+strconv.Itoa(i)+"-"+f+"@example.org", time.Now().Add(-time.Minute)))
	}
	start := time.Now()
	res, _ := waitFetch(t, b, 100)
	fetched := time.Since(start)
	start = time.Now()
	for _, m := range res.Inbox {
		r, err := b.Register(ctx, m.ID, intake.Options{})
		if err != nil || r.Elsewhere || r.Duplicate {
			t.Fatalf("register %s: %+v, %v", m.ID, r, err)
		}
	}
	registered := time.Since(start)
	n, err := s.Count(ctx, data.Filter{})
	if err != nil || n != 100 {
		t.Fatalf("%d cases, want 100 (%v)", n, err)
	}
	t.Logf("figure: 100 messages: fetch (download of 90 new) %v; register all 100 one by one %v (%v each)",
		fetched.Round(time.Millisecond), registered.Round(time.Millisecond), (registered / 100).Round(time.Millisecond))
}

// TestMeasureIdleArrival measures, on the real servers, the time from Postfix accepting
// a message to its being in the inbox of a workstation watching the folder (Box.Watch:
// IMAP IDLE, the poll set to 10 minutes so that only IDLE can explain it), for ten
// messages one after another (go test -v -run TestMeasure).
func TestMeasureIdleArrival(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	to := plus(srv.Office, f)
	b := srv.box(t, register(t, "anna"), f)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	inbox := 0
	changed := make(chan struct{}, 100)
	go b.Watch(wctx, 10*time.Minute, func(r *mailbox.FetchResult, err error) {
		mu.Lock()
		if err == nil && r != nil {
			inbox = len(r.Inbox)
		}
		mu.Unlock()
		changed <- struct{}{}
	})
	<-changed
	time.Sleep(300 * time.Millisecond)
	var lat []time.Duration
	for i := 1; i <= 10; i++ {
		sent := time.Now()
		srv.deliver(t, "m@example.org", to, plainIT("m@example.org", to, "idle-"+strconv.Itoa(i)+"-"+f+"@example.org", time.Now().Add(-time.Minute)))
		for {
			select {
			case <-changed:
			case <-time.After(time.Minute):
				t.Fatalf("message %d not in the inbox a minute after delivery with IDLE", i)
			}
			mu.Lock()
			n := inbox
			mu.Unlock()
			if n >= i {
				break
			}
		}
		lat = append(lat, time.Since(sent))
	}
	sorted := append([]time.Duration(nil), lat...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	t.Logf("figure: arrival with IDLE (Box.Watch): from Postfix's acceptance to the inbox: min %v, median %v, max %v (10 messages)",
		sorted[0].Round(time.Millisecond), sorted[len(sorted)/2].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond))
}
