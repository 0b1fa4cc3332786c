package data

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestSearchGermanTypedWithoutUmlauts: German is typed without umlauts ("mueller",
// "strasse"); both spellings find both, and the folded one (muller) still works.
func TestSearchGermanTypedWithoutUmlauts(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	umlaut := mustCreate(t, s, NewCase{Subject: "Anfrage", Citizen: Citizen{Name: "Jörg Müller"}})
	typed := mustCreate(t, s, NewCase{Subject: "Anfrage", Citizen: Citizen{Name: "Joerg Mueller"}})
	street := mustCreate(t, s, NewCase{Subject: "Adresse", Description: "Umzug in die Dantestraße"})
	street2 := mustCreate(t, s, NewCase{Subject: "Adresse", Description: "wohnhaft in der Goethestrasse"})
	plain := mustCreate(t, s, NewCase{Subject: "Anfrage", Citizen: Citizen{Name: "Luca Muller"}})
	mail := mustCreate(t, s, NewCase{Subject: "Anfrage", Citizen: Citizen{Name: "Anna Rossi", Email: "mueller.bau@example.it"}})
	find := func(q string) []string {
		t.Helper()
		res, err := s.Search(ctx, Filter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range res {
			out = append(out, c.Number)
		}
		if n, err := s.Count(ctx, Filter{Query: q}); err != nil || n != len(out) {
			t.Fatalf("count %d (%v) for %d results of %q", n, err, len(out), q)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(n ...string) []string { slices.Sort(n); return n }
	for q, want := range map[string][]string{
		"mueller":        sorted(umlaut.Number, typed.Number, mail.Number),
		"Mueller":        sorted(umlaut.Number, typed.Number, mail.Number),
		"müller":         sorted(umlaut.Number, typed.Number, plain.Number, mail.Number),
		"MÜLLER joerg":   sorted(umlaut.Number, typed.Number),
		"muel":           sorted(umlaut.Number, typed.Number, mail.Number),
		"muller":         sorted(umlaut.Number, plain.Number),
		"jörg mueller":   sorted(umlaut.Number, typed.Number),
		"strasse":        nil, // a word's start, not its middle
		"dantestrasse":   {street.Number},
		"dantestraße":    {street.Number},
		"goethestraße":   {street2.Number},
		"goethestrasse":  {street2.Number},
		"umzug dantestr": {street.Number},
		// Decomposed, as some keyboards and pasted text give it (u + combining diaeresis).
		"mu\u0308ller":            sorted(umlaut.Number, typed.Number, plain.Number, mail.Number),
		"Jo\u0308rg Mu\u0308ller": sorted(umlaut.Number, typed.Number),
	} {
		if got := find(q); !slices.Equal(got, want) {
			t.Errorf("search %q: %v, want %v", q, got, want)
		}
	}
	// The spellings follow corrections and go with anonymisation.
	if _, err := s.Edit(ctx, umlaut.Number, Edit{Citizen: &Citizen{Name: "Jörg Köhler"}}); err != nil {
		t.Fatal(err)
	}
	if got := find("koehler"); !slices.Equal(got, []string{umlaut.Number}) {
		t.Errorf("koehler after correction: %v", got)
	}
	if got := find("mueller"); slices.Contains(got, umlaut.Number) {
		t.Errorf("old name's spelling still found: %v", got)
	}
	if _, err := s.Reply(ctx, umlaut.Number, "Sehr geehrter Herr Köhler, …", German, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *Tx) error { _, err := tx.Anonymise(umlaut.Number, ReasonErasure, ""); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find("koehler"); len(got) != 0 {
		t.Errorf("anonymised case still found: %v", got)
	}
	var spelt string
	s.db.QueryRow(`SELECT search_spellings FROM cases WHERE number = ?`, umlaut.Number).Scan(&spelt)
	if spelt != "" {
		t.Errorf("anonymised case keeps spellings %q", spelt)
	}
	rep, err := s.Verify(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("verify (index against the register): %v %+v", err, rep)
	}
}

func TestSearchSpellings(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"Luca Rossi":                "",
		"Jörg Müller":               "joerg mueller",
		"Müller, Müller und Bäcker": "mueller baecker",
		"Straße STRASSE ẞ":          "strasse ss",
		"Ärger über Öffnungszeiten": "aerger ueber oeffnungszeiten",
	} {
		if got := searchSpellings(in); got != want {
			t.Errorf("searchSpellings(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSearchShortProtocolNumbers: a number typed short (935, BZ-935, 2026-935, with
// spaces) finds BZ-2026-000935, first, and the same counter of every office.
func TestSearchShortProtocolNumbers(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	if err := s.PutOffice(Office{Code: "EGNA", NameIT: "Egna", NameDE: "Neumarkt"}); err != nil {
		t.Fatal(err)
	}
	// Counters moved on as in a busy year; the case text mentions 935 elsewhere too.
	if _, err := s.db.Exec(`INSERT INTO counters(office, year, last) VALUES ('BZ', 2026, 934)`); err != nil {
		t.Fatal(err)
	}
	target := mustCreate(t, s, NewCase{Subject: "Rückruf"})
	if target.Number != "BZ-2026-000935" {
		t.Fatalf("number %s", target.Number)
	}
	other := mustCreate(t, s, NewCase{Subject: "Rückruf"})
	near := mustCreate(t, s, NewCase{Subject: "Pratica 935 del 2025", Description: "Telefonnummer 0471 9350 12"})
	egna := mustCreate(t, s, NewCase{Office: "EGNA", Subject: "Anfrage"})
	// A case registered by another office and received here (exchange) keeps its number.
	if _, err := s.db.Exec(`UPDATE cases SET number = 'EGNA-2026-000935' WHERE id = ?`, egna.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO cases_fts(cases_fts, rowid, number, subject, description, citizen_name, citizen_email, category, reply_text, search_spellings)
		VALUES ('delete', (SELECT rowid FROM cases WHERE id = ?), ?, 'Anfrage', '', '', '', '', '', '')`, egna.ID, egna.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO cases_fts(rowid, number, subject, description, citizen_name, citizen_email, category, reply_text, search_spellings)
		SELECT rowid, number, subject, description, citizen_name, citizen_email, category, reply_text, search_spellings FROM cases WHERE id = ?`, egna.ID); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"935", "BZ-935", "bz 935", "BZ-2026-935", "bz 2026 935", "2026-935", "bz/2026/935", "BZ-2026-000935", "000935"} {
		res, err := s.Search(ctx, Filter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range res {
			got = append(got, c.Number)
		}
		if len(got) == 0 || got[0] != target.Number {
			t.Errorf("search %q: %v, want %s first", q, got, target.Number)
		}
		if slices.Contains(got, other.Number) {
			t.Errorf("search %q finds %s (936)", q, other.Number)
		}
		if n, err := s.Count(ctx, Filter{Query: q}); err != nil || n != len(got) {
			t.Errorf("search %q: count %d (%v), %d shown", q, n, err, len(got))
		}
		if q == "935" {
			if !slices.Contains(got, "EGNA-2026-000935") || !slices.Contains(got, near.Number) {
				t.Errorf("search 935: %v, want every office's 935 and the text", got)
			}
		}
	}
}

// TestSearchSingleDigit: a single digit is the counter of a protocol number (BZ-2026-7),
// not the start of every number in the register.
func TestSearchSingleDigit(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	var seventh *Case
	for i := 1; i <= 8; i++ {
		c := mustCreate(t, s, NewCase{Subject: fmt.Sprintf("Pratica %d", 70+i)})
		if i == 7 {
			seventh = c
		}
	}
	for _, q := range []string{"7", "BZ-7", "2026 7"} {
		res, err := s.Search(ctx, Filter{Query: q})
		if err != nil || len(res) != 1 || res[0].Number != seventh.Number {
			t.Errorf("search %q: %d cases (%v), want %s alone", q, len(res), err, seventh.Number)
		}
	}
	if got := ftsQuery("7"); got != `"000007"` {
		t.Errorf("ftsQuery(7) = %s", got)
	}
}

// FuzzSearchQuery: whatever is typed makes a query FTS5 accepts.
func FuzzSearchQuery(f *testing.F) {
	for _, q := range []string{"mueller", "Müller", "935", "BZ-2026-935", `"NEAR(x) AND -*`, "ẞtraße 7", "a OR b", "(", "0", "ÄÖÜ äöü ß", "\x00ü"} {
		f.Add(q)
	}
	dir := f.TempDir()
	s, err := Create(filepath.Join(dir, "r.ascolto"), bz, Options{Actor: "test"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	if _, err := s.Create(context.Background(), NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Straße Müller 935"}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(context.Background(), Filter{Query: q, Limit: 5}); err != nil {
			t.Fatalf("%q → %q: %v", q, ftsQuery(q), err)
		}
		if _, err := s.Count(context.Background(), Filter{Query: q}); err != nil {
			t.Fatalf("count %q: %v", q, err)
		}
	})
}

// TestUpgradeIndexesSpellings: a register from before the spellings finds its German
// names typed without umlauts once opened, and its index checks out against it.
func TestUpgradeIndexesSpellings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register.ascolto")
	copyFile(t, filepath.Join("testdata", "register-v2.ascolto"), path)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for q, want := range map[string]string{"pruenster": "BZ-2025-000002", "kuendigung mobilitaetslisten": "BZ-2024-000001", "Prünster": "BZ-2025-000002"} {
		res, err := s.Search(ctx, Filter{Query: q})
		var got []string
		for _, c := range res {
			got = append(got, c.Number)
		}
		if err != nil || !slices.Contains(got, want) {
			t.Errorf("search %q after upgrade: %v %v, want %s among them", q, got, err, want)
		}
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after upgrade: %v %+v", err, rep)
	}
}
