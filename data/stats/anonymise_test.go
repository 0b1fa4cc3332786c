package stats

import (
	"context"
	"testing"

	"ascolto/data"
)

// TestIndicatorsSurviveAnonymisation: the retention rule removes the personal data of
// every case that ended, and every indicator is the same before and after.
func TestIndicatorsSurviveAnonymisation(t *testing.T) {
	s, clock, numbers := handRegister(t)
	ctx := context.Background()
	clock.set(at("2032-01-10 09:00")) // five years after every reply of the register
	queries := []Query{{}, {Offices: []string{"BZ"}}, {From: "2026-04-01", To: "2026-05-31"},
		{Categories: []string{"tempi di attesa"}}, {Languages: []data.Language{data.German}}}
	var before []string
	for _, q := range queries {
		in, err := Compute(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, mustJSON(t, in))
	}
	n, err := s.ApplyRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Fatalf("retention anonymised %d cases, want the 7 answered ones", n)
	}
	// A citizen's erasure of a case already anonymised changes nothing.
	if _, err := s.Erase(ctx, []data.Ref{numbers[0]}, "richiesta prot. 123"); err != nil {
		t.Fatal(err)
	}
	for i, q := range queries {
		in, err := Compute(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		if after := mustJSON(t, in); after != before[i] {
			t.Errorf("%+v changed with the anonymisation:\nbefore %s\nafter  %s", q, before[i], after)
		}
	}
	c, err := s.Get(ctx, numbers[2])
	if err != nil {
		t.Fatal(err)
	}
	if c.Citizen.Name != "" || c.Subject != data.AnonymisedText || c.Category != "tempi di attesa" || c.WaitedDays != 3 || c.Satisfaction != 2 {
		t.Errorf("C3 after anonymisation: %+v", c)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Errorf("verify after anonymisation: %v %+v", err, rep)
	}
}
