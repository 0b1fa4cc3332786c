package mailbox_test

import (
	"sort"
	"strconv"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/intake"
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
	t.Logf("arrival: from Postfix's acceptance to a fetch that shows the message: median %v, max %v (10 messages)",
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
	t.Logf("100 messages: fetch (download of 90 new) %v; register all 100 one by one %v (%v each)",
		fetched.Round(time.Millisecond), registered.Round(time.Millisecond), (registered / 100).Round(time.Millisecond))
}
