package stats

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ascolto/data"
)

// handClock is put where each step of the hand-made register happens, so that the audit
// trail's times are those of the story (the in-progress day of a case comes from there).
type handClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *handClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *handClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, data.Rome)
	if err != nil {
		panic(err)
	}
	return t
}

// handToday is when the hand-made register is looked at: Monday 15 June 2026.
const handToday = "2026-06-15 12:00"

// step is one thing that happens to a case of the hand-made register, at a time.
type step struct {
	when string
	do   func(tx *data.Tx, number string) error
}

type handCase struct {
	received string
	office   string
	kind     data.Kind
	channel  data.Channel
	lang     data.Language
	category string
	steps    []step
}

func reply(when string) step {
	return step{when, func(tx *data.Tx, n string) error {
		_, err := tx.Reply(n, "Gentile cittadino, …", data.Italian, at(when))
		return err
	}}
}

func status(when string, s data.Status) step {
	return step{when, func(tx *data.Tx, n string) error { _, err := tx.SetStatus(n, s, at(when), ""); return err }}
}

func closeAt(when string) step {
	return step{when, func(tx *data.Tx, n string) error { _, err := tx.Close(n, at(when)); return err }}
}

func satisfied(score int) step {
	return step{"", func(tx *data.Tx, n string) error { _, err := tx.SetSatisfaction(n, score); return err }}
}

func outcome(o data.Outcome) step {
	return step{"", func(tx *data.Tx, n string) error { _, err := tx.SetOutcome(n, o); return err }}
}

// handCases is a register small enough to compute by hand, around the holidays of spring
// 2026 (Epiphany 6 January, Easter Monday 6 April, 1 May, Whit Monday 25 May, 2 June)
// with a closure of the office in Bolzano on Monday 5 January. Working days to reply are
// written beside each case; docs/indicators.md has the rules.
var handCases = []handCase{
	// C1 Thu 2 Apr → Tue 7 Apr: Fri 3 (1), Easter Monday, Tue 7 (2) = 2. Due Wed 8 Apr: on time.
	{"2026-04-02 10:00", "BZ", data.KindRequest, data.ChannelCounter, data.Italian, "certificati",
		[]step{reply("2026-04-07 09:00")}},
	// C2 Fri 22 May → Thu 28 May: Whit Monday, 26 (1), 27 (2), 28 (3) = 3. Due 28 May: on time.
	{"2026-05-22 16:00", "BZ", data.KindComplaint, data.ChannelEmail, data.German, "tempi di attesa",
		[]step{reply("2026-05-28 11:00")}},
	// C3 Thu 28 May: in progress Mon 1 Jun (first action: 29 May, 1 Jun = 2); waiting
	// Wed 3 Jun to Mon 8 Jun (4, 5, 8 = 3 waited); reply Wed 10 Jun: 29, 1, 3, 4, 5, 8, 9,
	// 10 = 8 less 3 waited = 5. Due 3 Jun + 3 waited = Mon 8 Jun: late. Closed Fri 12 Jun
	// (11, 12 = 2). Satisfaction 2.
	{"2026-05-28 09:00", "BZ", data.KindComplaint, data.ChannelCounter, data.German, "tempi di attesa",
		[]step{status("2026-06-01 10:00", data.StatusInProgress), status("2026-06-03 10:00", data.StatusWaiting),
			status("2026-06-08 10:00", data.StatusInProgress), reply("2026-06-10 10:00"), closeAt("2026-06-12 10:00"), satisfied(2)}},
	// C4 Mon 8 Jun, replied the same day = 0, on time; closed Tue 9 Jun (1). Satisfaction 5.
	{"2026-06-08 09:00", "BZ", data.KindPraise, data.ChannelPhone, data.Italian, "cortesia",
		[]step{reply("2026-06-08 15:00"), closeAt("2026-06-09 09:00"), satisfied(5)}},
	// C5 Wed 3 Jun, untouched: due Mon 8 Jun, overdue today; 8 working days old.
	{"2026-06-03 09:00", "BZ", data.KindRequest, data.ChannelEmail, data.German, "certificati", nil},
	// C6 Fri 12 Jun, in progress the same day (first action 0); due 17 Jun; 1 day old.
	{"2026-06-12 09:00", "BZ", data.KindReport, data.ChannelCounter, data.Italian, "", []step{status("2026-06-12 11:00", data.StatusInProgress)}},
	// C7 Mon 1 Jun, waiting from the same day (first action 0), still waiting: not
	// overdue (the clock stopped); 9 working days old (2 June is a holiday).
	{"2026-06-01 09:00", "BZ", data.KindRequest, data.ChannelLetter, "", "", []step{status("2026-06-01 12:00", data.StatusWaiting)}},
	// C8 Tue 28 Apr → Mon 4 May: 29 (1), 30 (2), 1 May, 4 (3) = 3. Due 4 May: on time.
	// Satisfaction 4, outcome granted.
	{"2026-04-28 10:00", "BZ", data.KindRequest, data.ChannelCounter, data.Italian, "certificati",
		[]step{reply("2026-05-04 10:00"), satisfied(4), outcome(data.OutcomeGranted)}},
	// C9 in Egna, Thu 30 Apr → Thu 7 May: 1 May, 4 (1), 5 (2), 6 (3), 7 (4) = 4. Due 6 May:
	// late. Outcome rejected.
	{"2026-04-30 11:00", "EGNA", data.KindComplaint, data.ChannelEmail, data.German, "tempi di attesa",
		[]step{reply("2026-05-07 10:00"), outcome(data.OutcomeRejected)}},
	// C10 Sat 3 Jan → Wed 7 Jan: Mon 5 closed, Epiphany, Wed 7 (1) = 1. Due Fri 9 Jan: on time.
	{"2026-01-03 10:00", "BZ", data.KindSuggestion, data.ChannelEmail, data.Italian, "organizzazione",
		[]step{reply("2026-01-07 12:00")}},
}

// handRegister makes the hand-made register and returns it with its clock (at handToday)
// and the protocol numbers of C1…C10.
func handRegister(t testing.TB) (*data.Store, *handClock, []string) {
	t.Helper()
	clock := &handClock{t: at("2026-01-01 08:00")}
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"),
		data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"},
		data.Options{Clock: clock, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.PutOffice(data.Office{Code: "EGNA", NameIT: "Centro di mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.AddClosure("BZ", "2026-01-05", "inventario") }); err != nil {
		t.Fatal(err)
	}
	numbers := make([]string, len(handCases))
	for i, hc := range handCases {
		clock.set(at(hc.received))
		c, err := s.Create(ctx, data.NewCase{Office: hc.office, Kind: hc.kind, Channel: hc.channel, ReceivedAt: at(hc.received),
			Subject: "Caso fatto a mano", Category: hc.category, Citizen: data.Citizen{Name: "Jörg Müller", Email: "joerg.mueller@example.it", Language: hc.lang}})
		if err != nil {
			t.Fatalf("C%d: %v", i+1, err)
		}
		numbers[i] = c.Number
		for _, st := range hc.steps {
			if st.when != "" {
				clock.set(at(st.when))
			}
			if err := s.Update(ctx, func(tx *data.Tx) error { return st.do(tx, c.Number) }); err != nil {
				t.Fatalf("C%d at %s: %v", i+1, st.when, err)
			}
		}
	}
	clock.set(at(handToday))
	return s, clock, numbers
}
