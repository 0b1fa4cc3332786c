package printing

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ascolto/data"
)

// Month names are written out in letters, as offices date official acts ("27 novembre
// 2026", "27. November 2026"); they are language data rather than interface words, so
// they live here and not in the translation files.
var months = map[data.Language][12]string{
	data.Italian: {"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
		"settembre", "ottobre", "novembre", "dicembre"},
	data.German: {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
		"September", "Oktober", "November", "Dezember"},
}

// LongDate writes a civil date the way an official letter does: "27 novembre 2026" and
// "1º dicembre 2026" (Italian writes the first of the month as an ordinal), "27. November
// 2026" in German. The date is taken in Europe/Rome, the offices' zone.
func LongDate(t time.Time, lang data.Language) string {
	t = t.In(data.Rome)
	m := months[lang]
	if lang == data.German {
		return fmt.Sprintf("%d. %s %d", t.Day(), m[t.Month()-1], t.Year())
	}
	if t.Day() == 1 {
		return fmt.Sprintf("1º %s %d", months[data.Italian][t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), months[data.Italian][t.Month()-1], t.Year())
}

// ShortDate is the numeric date of each language: 27/11/2026 and 27.11.2026.
func ShortDate(t time.Time, lang data.Language) string {
	if lang == data.German {
		return t.In(data.Rome).Format("02.01.2006")
	}
	return t.In(data.Rome).Format("02/01/2006")
}

// Bilingual splits text written in both languages the way South Tyrol writes addresses,
// "Via Dante 11 / Dantestraße 11, 39100 Bolzano/Bozen", into its Italian and German
// forms ("Via Dante 11, 39100 Bolzano" and "Dantestraße 11, 39100 Bozen"). Parts without
// a slash are the same in both. Italian comes first, as in the register's addresses.
func Bilingual(s string) (it, de string) {
	var a, b []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		x, y, ok := cutSlash(part)
		if !ok {
			x, y = part, part
		}
		a, b = append(a, x), append(b, y)
	}
	return strings.Join(a, ", "), strings.Join(b, ", ")
}

// cutSlash splits "Via Dante 11 / Dantestraße 11" and "39100 Bolzano/Bozen": the words
// before the slash keep their leading number (the postcode) on both sides.
func cutSlash(part string) (string, string, bool) {
	i := strings.Index(part, "/")
	if i < 0 {
		return "", "", false
	}
	left, right := strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+1:])
	if left == "" || right == "" {
		return "", "", false
	}
	// "39100 Bolzano/Bozen": the postcode belongs to both names.
	if f := strings.Fields(left); len(f) > 1 && isDigits(f[0]) && !strings.ContainsAny(right, "0123456789") {
		right = f[0] + " " + right
	}
	return left, right, true
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// towns gives the German names of South Tyrol's larger towns, so that a letter dated in
// German says "Bozen" where the office's address only says "Bolzano".
var towns = map[string]string{
	"Bolzano": "Bozen", "Merano": "Meran", "Bressanone": "Brixen", "Brunico": "Bruneck",
	"Egna": "Neumarkt", "Laives": "Leifers", "Vipiteno": "Sterzing", "Silandro": "Schlanders",
	"Chiusa": "Klausen", "Appiano sulla Strada del Vino": "Eppan an der Weinstraße", "Appiano": "Eppan",
	"Caldaro": "Kaltern", "Lana": "Lana", "Ortisei": "St. Ulrich in Gröden", "San Candido": "Innichen",
	"Malles Venosta": "Mals", "Naturno": "Naturns", "Ora": "Auer", "Castelrotto": "Kastelruth",
	"Renon": "Ritten", "Campo Tures": "Sand in Taufers", "Badia": "Abtei", "Corvara in Badia": "Corvara",
	"Selva di Val Gardena": "Wolkenstein in Gröden", "Santa Cristina Valgardena": "St. Christina in Gröden",
	"Salorno": "Salurn", "Cermes": "Tscherms", "Sarentino": "Sarntal", "Dobbiaco": "Toblach",
	"Monguelfo-Tesido": "Welsberg-Taisten", "Valdaora": "Olang", "Vandoies": "Vintl", "Rio di Pusteria": "Mühlbach",
}

// Place is the town a letter is dated from, in each language: the last part of the
// office's address without the postcode ("39100 Bolzano/Bozen" gives Bolzano and Bozen),
// Bolzano/Bozen, the provincial capital, where the address says nothing usable.
func Place(address string) (it, de string) {
	ait, ade := Bilingual(address)
	it, de = lastTown(ait), lastTown(ade)
	if it == "" {
		return "Bolzano", "Bozen"
	}
	if de == it {
		if g, ok := towns[it]; ok {
			de = g
		}
	}
	return it, de
}

func lastTown(addr string) string {
	parts := strings.Split(addr, ",")
	last := strings.TrimSpace(parts[len(parts)-1])
	f := strings.Fields(last)
	for len(f) > 0 && (isDigits(f[0]) || strings.EqualFold(f[0], "I-")) {
		f = f[1:]
	}
	// "(BZ)" after the town is the province, not the town.
	if len(f) > 1 && strings.HasPrefix(f[len(f)-1], "(") {
		f = f[:len(f)-1]
	}
	town := strings.Join(f, " ")
	if town == "" || strings.ContainsAny(town, "0123456789") {
		return ""
	}
	return town
}

// Capitalize puts the first letter in capitals ("reclamo" → "Reclamo").
func Capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
