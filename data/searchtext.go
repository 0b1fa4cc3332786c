package data

import (
	"database/sql"
	"strings"
	"unicode"
	"unicode/utf8"
)

// German is written without umlauts on many keyboards and in every e-mail address:
// Müller is typed "mueller", Straße "strasse". The index folds accents (muller finds
// Müller) but cannot know that "ue" is a ü. So each word with ä, ö, ü or ß is indexed
// also in its typed-out spelling (cases.search_spellings, a column of its own so that
// the index stays what the register's columns hold and FTS5 can rebuild and check it),
// and a word typed with an umlaut is searched in both spellings: "mueller" and
// "müller" then find Müller and Mueller alike.
//
// The spelling must stay the same from one version to the next: the write path removes
// a case's old words from the index by spelling them again (external content). A change
// here needs a migration that rebuilds the index, as 0009 does.

// umlautRunes are the letters that have a typed-out spelling.
const umlautRunes = "äöüÄÖÜßẞ"

var umlautSpelling = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss", "ẞ", "SS")

// typedOut is word with its umlauts and ß written out (Müller → Mueller); word itself if
// it has none.
func typedOut(word string) string {
	if !strings.ContainsAny(word, umlautRunes) {
		return word
	}
	return umlautSpelling.Replace(word)
}

// searchSpellings is what the search index holds besides the case's own text: the
// typed-out spelling of every word that has an umlaut or ß, each once, in the order met.
// Most Italian cases have none and cost one scan of their text.
func searchSpellings(texts ...string) string {
	var b strings.Builder
	var seen map[string]bool
	for _, text := range texts {
		if !strings.ContainsAny(text, umlautRunes) {
			continue
		}
		for _, w := range strings.FieldsFunc(text, notWordRune) {
			if !strings.ContainsAny(w, umlautRunes) {
				continue
			}
			s := strings.ToLower(umlautSpelling.Replace(w))
			if seen[s] {
				continue
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[s] = true
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// searchTerm is one typed word as an FTS5 term: a prefix (the clerk may not have finished
// typing it), also in its typed-out spelling when it has umlauts, and, for a short
// number, also as the counter part of a protocol number (935 is BZ-2026-000935, whose
// counter the index holds as the word 000935).
func searchTerm(w string) string {
	if len(w) == 1 {
		// A single digit as a prefix would read every number in the index: it is
		// only the counter of a protocol number (shortWord).
		return `"` + strings.Repeat("0", numberDigits-1) + w + `"`
	}
	alts := []string{`"` + w + `"*`}
	if t := typedOut(w); t != w {
		alts = append(alts, `"`+t+`"*`)
	}
	if n := len(w); n < numberDigits && allDigits(w) {
		alts = append(alts, `"`+strings.Repeat("0", numberDigits-n)+w+`"`)
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// numberDigits is how many digits a protocol number's counter has (FormatNumber).
const numberDigits = 6

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// shortWord reports whether w is too short to search for: a single letter as a prefix
// matches nearly everything and is only the start of what the clerk is typing. A single
// digit is kept, as the counter of a protocol number (BZ-2026-7).
func shortWord(w string) bool {
	return utf8.RuneCountInString(w) < 2 && !allDigits(w)
}

// rebuildSearchIndex is version 9's step: every case gets its spellings and the index,
// made anew by the SQL with the column for them, is filled from the register. The old
// index's pages were freed with secure_delete on, so the words of an anonymised case
// still waiting for the purge of the old index do not stay behind in the file.
func rebuildSearchIndex(tx *sql.Tx) error {
	rows, err := tx.Query(`SELECT rowid, subject, description, citizen_name, citizen_email, category, reply_text FROM cases
		WHERE subject || description || citizen_name || citizen_email || category || reply_text GLOB '*[äöüÄÖÜßẞ]*'`)
	if err != nil {
		return err
	}
	type spelt struct {
		rowid int64
		words string
	}
	var todo []spelt
	for rows.Next() {
		var id int64
		var t [6]string
		if err := rows.Scan(&id, &t[0], &t[1], &t[2], &t[3], &t[4], &t[5]); err != nil {
			rows.Close()
			return err
		}
		if w := searchSpellings(t[:]...); w != "" {
			todo = append(todo, spelt{id, w})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	upd, err := tx.Prepare(`UPDATE cases SET search_spellings = ? WHERE rowid = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	for _, s := range todo {
		if _, err := upd.Exec(s.words, s.rowid); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(`INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')`); err != nil {
		return err
	}
	_, err = tx.Exec(`PRAGMA secure_delete = 0`)
	return err
}

func init() {
	migrationSteps["0009"] = func(tx *sql.Tx, _ Progress) error { return rebuildSearchIndex(tx) }
}
