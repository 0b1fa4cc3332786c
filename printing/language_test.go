package printing

import (
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

func TestLongDates(t *testing.T) {
	for _, c := range []struct {
		t      time.Time
		it, de string
	}{
		{time.Date(2026, 11, 27, 10, 0, 0, 0, data.Rome), "27 novembre 2026", "27. November 2026"},
		{time.Date(2026, 12, 1, 9, 0, 0, 0, data.Rome), "1º dicembre 2026", "1. Dezember 2026"},
		{time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC), "1º aprile 2026", "1. April 2026"}, // already April in Bolzano
		{time.Date(2027, 1, 6, 12, 0, 0, 0, data.Rome), "6 gennaio 2027", "6. Januar 2027"},
	} {
		if got := LongDate(c.t, data.Italian); got != c.it {
			t.Errorf("it %v: %q", c.t, got)
		}
		if got := LongDate(c.t, data.German); got != c.de {
			t.Errorf("de %v: %q", c.t, got)
		}
	}
	if ShortDate(time.Date(2026, 11, 27, 0, 0, 0, 0, data.Rome), data.German) != "27.11.2026" {
		t.Error("short German date")
	}
}

func TestAddressesAndPlaces(t *testing.T) {
	it, de := Bilingual("Via Dante 11 / Dantestraße 11, 39100 Bolzano/Bozen")
	if it != "Via Dante 11, 39100 Bolzano" || de != "Dantestraße 11, 39100 Bozen" {
		t.Fatalf("%q %q", it, de)
	}
	for addr, want := range map[string][2]string{
		"Via Dante 11 / Dantestraße 11, 39100 Bolzano/Bozen": {"Bolzano", "Bozen"},
		"Piazza Duomo 1, 39042 Bressanone":                   {"Bressanone", "Brixen"},
		"Largo Municipio 7, 39044 Egna (BZ)":                 {"Egna", "Neumarkt"},
		"Via Roma 3":                                         {"Bolzano", "Bozen"},
		"":                                                   {"Bolzano", "Bozen"},
	} {
		if it, de := Place(addr); it != want[0] || de != want[1] {
			t.Errorf("Place(%q) = %q, %q", addr, it, de)
		}
	}
}

func TestWrapKeepsEveryWord(t *testing.T) {
	pdf := NewDocument("P", time.Now())
	text := "Gentile signora, la tariffa di 12 € è abolita.\n\nhttps://www.provincia.bz.it/lavoro-economia/lavoro/centri-mediazione-lavoro.asp è l'indirizzo.\tFine"
	lines := Wrap(pdf, text, 40)
	for _, l := range lines {
		if w := pdf.GetStringWidth(l); w > 40.01 {
			t.Errorf("line %q is %.1f mm wide", l, w)
		}
	}
	joined := strings.ReplaceAll(strings.Join(lines, ""), " ", "")
	if want := strings.NewReplacer(" ", "", "\n", "", "\t", "").Replace(text); joined != want {
		t.Errorf("words lost:\n%q\n%q", joined, want)
	}
	if Clean("a\tb\u00a0c 😀") != "a b c ?" {
		t.Errorf("%q", Clean("a\tb\u00a0c 😀"))
	}
	if e := Ellipsis(pdf, strings.Repeat("Wartezeit ", 20), 30); !strings.HasSuffix(e, "…") || pdf.GetStringWidth(e) > 30 {
		t.Errorf("%q", e)
	}
}
