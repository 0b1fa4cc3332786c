package data

import (
	"context"
	"testing"
)

func TestSimilarFindsTheSameCitizenWithin30Days(t *testing.T) {
	s, _ := testStore(t, "2026-06-15 12:00")
	ctx := context.Background()
	// The same citizen, by name (accents typed or not) and by e-mail.
	recent := mustCreate(t, s, NewCase{Kind: KindComplaint, Subject: "Wartezeiten am Schalter", ReceivedAt: rome("2026-06-01 10:00"),
		Citizen: Citizen{Name: "Jörg Müller", Email: "Joerg.Mueller@example.org"}})
	byMail := mustCreate(t, s, NewCase{Kind: KindRequest, Subject: "Auskunft Kurse", ReceivedAt: rome("2026-06-10 10:00"),
		Citizen: Citizen{Name: "J. Müller", Email: "joerg.mueller@example.org"}})
	// Too old, someone else, and the same citizen with something unrelated.
	mustCreate(t, s, NewCase{Kind: KindComplaint, Subject: "Wartezeiten am Schalter", ReceivedAt: rome("2026-05-01 10:00"),
		Citizen: Citizen{Name: "Jörg Müller"}})
	mustCreate(t, s, NewCase{Kind: KindComplaint, Subject: "Wartezeiten am Schalter", ReceivedAt: rome("2026-06-12 10:00"),
		Citizen: Citizen{Name: "Maria Müller"}})
	mustCreate(t, s, NewCase{Kind: KindPraise, Subject: "Freundliche Beratung", ReceivedAt: rome("2026-06-13 10:00"),
		Citizen: Citizen{Name: "Jörg Müller"}})

	got, err := s.Similar(ctx, Citizen{Name: "jorg muller"}, KindComplaint, "Lange Wartezeiten", rome("2026-06-15 12:00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Number != recent.Number {
		t.Fatalf("by name: %v", numbers(got))
	}
	got, err = s.Similar(ctx, Citizen{Email: "JOERG.MUELLER@example.org"}, KindRequest, "", rome("2026-06-15 12:00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Number != byMail.Number {
		t.Fatalf("by e-mail: %v", numbers(got))
	}
	// A word of the subject in common is enough, whatever the kind.
	got, _ = s.Similar(ctx, Citizen{Name: "Müller Jörg"}, KindSuggestion, "Wartezeiten verkürzen", rome("2026-06-15 12:00"))
	if len(got) != 1 || got[0].Number != recent.Number {
		t.Fatalf("by subject word: %v", numbers(got))
	}
	if got, err := s.Similar(ctx, Citizen{}, KindComplaint, "x", rome("2026-06-15 12:00")); got != nil || err != nil {
		t.Fatalf("nobody: %v %v", got, err)
	}
	// What a clerk types is no FTS syntax.
	if _, err := s.Similar(ctx, Citizen{Name: `Mül"ler* AND (x`}, KindComplaint, "", rome("2026-06-15 12:00")); err != nil {
		t.Fatal(err)
	}
}

func numbers(cs []*Case) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Number)
	}
	return out
}
