package translations

import "testing"

// TestItalianArticleBeforeANumber: the article elides before the numbers read with a
// vowel (uno, otto, undici, ottanta…, ottocento…, ottomila, undicimila), not before the
// others (dodici, diciotto, mille, cento).
func TestItalianArticleBeforeANumber(t *testing.T) {
	for _, tc := range []struct{ article, value, want string }{
		{"il", "11/12/2026", "l'"},
		{"il", "1/12", "l'"},
		{"il", "01/12/2026", "l'"},
		{"il", "8/3", "l'"},
		{"il", "08/03/2026", "l'"},
		{"il", "12/12/2026", "il "},
		{"il", "18/12/2026", "il "},
		{"il", "10/01/2026", "il "},
		{"il", "31/12/2026", "il "},
		{"del", "11/12", "dell'"},
		{"dal", "1/2", "dall'"},
		{"al", "80%", "all'"},
		{"al", "89", "all'"},
		{"al", "90", "al "},
		{"nel", "800", "nell'"},
		{"nel", "8000", "nell'"},
		{"nel", "8.000", "nell'"},
		{"nel", "11.000", "nell'"},
		{"nel", "1.000", "nel "},
		{"nel", "1000", "nel "},
		{"sul", "100", "sul "},
		{"Il", "11/12", "L'"},
		{"il", "", "il "},
		{"il", "lunedì", "il "},
		{"il", "0", "il "},
		{"per", "11", "per "},
	} {
		if got := ItalianArticle(tc.article, tc.value); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.article, tc.value, got, tc.want)
		}
	}
}

// TestItalianTextsElide: a text that writes "entro il {due}" or "del {date}" reads
// "entro l'11/12/2026", "dell'08/12/2026"; German keeps its words.
func TestItalianTextsElide(t *testing.T) {
	catalog["it"]["test.elision"] = "Risposta entro il {due} al reclamo del {date}, dal {from} al {to}."
	catalog["de"]["test.elision"] = "Antwort bis {due} il {date}"
	defer delete(catalog["it"], "test.elision")
	defer delete(catalog["de"], "test.elision")
	got := T("it", "test.elision", "due", "11/12/2026", "date", "08/12/2026", "from", "1/1", "to", "12/1")
	if want := "Risposta entro l'11/12/2026 al reclamo dell'08/12/2026, dall'1/1 al 12/1."; got != want {
		t.Errorf("%q\nwant %q", got, want)
	}
	if got := T("it", "test.elision", "due", "12/12/2026", "date", "18/12/2026", "from", "2/1", "to", "80"); got != "Risposta entro il 12/12/2026 al reclamo del 18/12/2026, dal 2/1 all'80." {
		t.Errorf("%q", got)
	}
	if got := T("de", "test.elision", "due", "11.12.2026", "date", "11"); got != "Antwort bis 11.12.2026 il 11" {
		t.Errorf("German changed: %q", got)
	}
}
