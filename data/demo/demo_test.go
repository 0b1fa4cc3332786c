package demo

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/deadline"
)

func TestDemoRegisterIsRealistic(t *testing.T) {
	s, err := data.Create(filepath.Join(t.TempDir(), "demo.ascolto"), Office(), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	calls := 0
	if err := Generate(ctx, s, Options{Count: 3000, Seed: 7, Progress: func(done, total int) { calls++ }}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, data.Filter{}); n != 3000 || calls == 0 {
		t.Fatalf("%d cases, %d progress calls", n, calls)
	}
	for _, k := range data.Kinds {
		if n, _ := s.Count(ctx, data.Filter{Kinds: []data.Kind{k}}); n == 0 {
			t.Errorf("no %s", k)
		}
	}
	for _, c := range data.Channels {
		if n, _ := s.Count(ctx, data.Filter{Channels: []data.Channel{c}}); n == 0 {
			t.Errorf("no %s", c)
		}
	}
	for _, st := range data.Statuses {
		if n, _ := s.Count(ctx, data.Filter{Statuses: []data.Status{st}}); n == 0 {
			t.Errorf("no %s", st)
		}
	}
	if n, _ := s.Count(ctx, data.Filter{Overdue: true}); n == 0 {
		t.Error("no overdue cases")
	}
	for _, q := range []string{"muller", "nicolo", "wartezeit", "Thöni"} {
		if n, _ := s.Count(ctx, data.Filter{Query: q}); n == 0 {
			t.Errorf("search %q finds nothing", q)
		}
	}
	rep, err := s.Verify(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep.Findings)
	}
}

// TestDemoRegisterLooksLikeAnOffice: what a newcomer reads in the demo register is what
// an office writes. Every event (receipt, status, assignment, reply, closing) is in
// office hours on a working day of the office's calendar (holidays included), each
// history entry is dated when it happened and names a clerk, never the account that
// made the demo, and protocol numbers follow the order of receipt.
func TestDemoRegisterLooksLikeAnOffice(t *testing.T) {
	s, err := data.Create(filepath.Join(t.TempDir(), "demo.ascolto"), Office(), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := Generate(ctx, s, Options{Count: 2000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	cal, err := s.Calendar(Office().Code)
	if err != nil {
		t.Fatal(err)
	}
	staff := map[string]bool{}
	for _, c := range clerks {
		staff[c] = true
	}
	byNumber := map[string][]*data.Case{} // office and year of the number → its cases
	counters, replies := 0, 0
	err = s.Each(ctx, data.Filter{}, func(c *data.Case) error {
		key := c.Number[:strings.LastIndex(c.Number, "-")]
		byNumber[key] = append(byNumber[key], c)
		if !inOfficeHours(cal, c.ReceivedAt) {
			t.Errorf("%s received %s, outside office hours", c.Number, c.ReceivedAt.In(data.Rome))
		}
		if c.Channel == data.ChannelCounter {
			counters++
			if !cal.IsWorkday(deadline.DateOf(c.ReceivedAt.In(data.Rome))) {
				t.Errorf("%s: a counter visit on %s, not a working day", c.Number, c.ReceivedAt.In(data.Rome))
			}
		}
		if c.Reply.At != nil {
			replies++
			if !inOfficeHours(cal, *c.Reply.At) {
				t.Errorf("%s replied %s, outside office hours", c.Number, c.Reply.At.In(data.Rome))
			}
		}
		if c.Assignee != "" && !staff[c.Assignee] {
			t.Errorf("%s assigned to %q", c.Number, c.Assignee)
		}
		history, err := s.History(ctx, c.ID)
		if err != nil {
			return err
		}
		prev := time.Time{}
		for _, e := range history {
			at, err := time.Parse(time.RFC3339Nano, e.At)
			if err != nil {
				return err
			}
			if !inOfficeHours(cal, at) || at.Before(c.ReceivedAt) || at.Before(prev) || at.After(s.Now()) {
				t.Errorf("%s: %s entry dated %s (received %s)", c.Number, e.Action, at.In(data.Rome), c.ReceivedAt.In(data.Rome))
			}
			if e.Action == "create" && !at.Equal(c.ReceivedAt) {
				t.Errorf("%s registered %s, received %s", c.Number, at.In(data.Rome), c.ReceivedAt.In(data.Rome))
			}
			if !staff[e.Actor] {
				t.Errorf("%s: %s entry by %q, not one of the office's clerks", c.Number, e.Action, e.Actor)
			}
			prev = at
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if counters == 0 || replies == 0 {
		t.Fatalf("%d counter visits, %d replies", counters, replies)
	}
	for key, cs := range byNumber {
		sort.Slice(cs, func(i, j int) bool { return cs[i].Number < cs[j].Number })
		for i := 1; i < len(cs); i++ {
			if cs[i].ReceivedAt.Before(cs[i-1].ReceivedAt) {
				t.Errorf("%s: %s received %s, before %s received %s", key, cs[i].Number, cs[i].ReceivedAt.In(data.Rome),
					cs[i-1].Number, cs[i-1].ReceivedAt.In(data.Rome))
			}
		}
	}
}

// The working-time layout keeps office hours over a holiday and a weekend: from
// Thursday 31 October 2024 at 12:00, four working hours later (half an hour before
// lunch, three after) is Monday 4 November at 8:30 (1 November is All Saints, 2 and 3
// the weekend).
func TestWorkTimeSkipsHolidaysAndNights(t *testing.T) {
	cal := deadline.New(nil)
	from := time.Date(2024, 10, 28, 0, 0, 0, 0, data.Rome)
	w := newWorkTime(cal, from, time.Date(2024, 11, 8, 18, 0, 0, 0, data.Rome))
	got := w.later(time.Date(2024, 10, 31, 12, 0, 0, 0, data.Rome), 4*time.Hour)
	if want := time.Date(2024, 11, 4, 8, 30, 0, 0, data.Rome); !got.Equal(want) {
		t.Errorf("later: %s, want %s", got, want)
	}
	if w.total != 9*dayLength {
		t.Errorf("working time of two weeks with a holiday: %s", w.total)
	}
	for off := time.Duration(0); off < w.total; off += 7 * time.Minute {
		at := w.at(off)
		if !inOfficeHours(cal, at) || w.offset(at) != off {
			t.Fatalf("offset %s: %s (back %s)", off, at, w.offset(at))
		}
	}
}
