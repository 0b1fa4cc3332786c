package data

import (
	"context"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SimilarWindow is how far back intake looks for an earlier item of the same citizen.
const SimilarWindow = 30 * 24 * time.Hour

// Similar lists the cases the same citizen brought in the 30 days up to at that look
// like the item being registered: the same kind, or a word of the subject in common.
// The citizen is the same when the e-mail address is (case aside) or when every word
// of the name is in the case's citizen name, accents and case folded (Jorg Muller is
// Jörg Müller). Newest first, at most five. Read only.
func (s *Store) Similar(ctx context.Context, who Citizen, kind Kind, subject string, at time.Time) ([]*Case, error) {
	email := strings.ToLower(strings.TrimSpace(who.Email))
	var nameWords []string
	for _, w := range strings.FieldsFunc(who.Name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 2 {
			nameWords = append(nameWords, `"`+w+`"`)
		}
	}
	if email == "" && len(nameWords) == 0 {
		return nil, nil
	}
	if at.IsZero() {
		at = s.clock.Now()
	}
	var conds []string
	args := []any{formatTime(at.Add(-SimilarWindow)), formatTime(at.Add(futureSlack))}
	if email != "" {
		conds = append(conds, `lower(c.citizen_email) = ?`)
		args = append(args, email)
	}
	if len(nameWords) > 0 {
		conds = append(conds, `c.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)`)
		args = append(args, `citizen_name : (`+strings.Join(nameWords, " AND ")+`)`)
	}
	q := `SELECT ` + prefixed(caseColumns) + `, c.rowid FROM cases c
		WHERE c.received_at >= ? AND c.received_at <= ? AND (` + strings.Join(conds, " OR ") + `)
		ORDER BY c.received_at DESC LIMIT 50`
	found, err := s.queryCases(ctx, q, args, s.clock.Now())
	if err != nil {
		return nil, err
	}
	words := subjectWords(subject)
	var out []*Case
	for _, c := range found {
		if len(out) == 5 {
			break
		}
		if (kind != "" && c.Kind == kind) || sharesWord(words, c.Subject) {
			out = append(out, c)
		}
	}
	return out, nil
}

// subjectWords are the words of a subject that say what it is about: four letters or
// more, folded, without the little words every subject has.
func subjectWords(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 4 && !commonWords[w] {
			out[w] = true
		}
	}
	return out
}

var commonWords = map[string]bool{"della": true, "delle": true, "dello": true, "degli": true, "nella": true, "sono": true,
	"dass": true, "nicht": true, "eine": true, "einen": true, "einer": true, "oder": true, "wegen": true, "fuer": true,
	"richiesta": true, "anfrage": true, "reclamo": true, "beschwerde": true, "segnalazione": true, "meldung": true,
	"proposta": true, "vorschlag": true, "suggerimento": true, "anregung": true, "elogio": true}

func sharesWord(words map[string]bool, subject string) bool {
	for w := range subjectWords(subject) {
		if words[w] {
			return true
		}
	}
	return false
}

// fold lower-cases and strips accents: Müller → muller, Nicolò → nicolo.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == 'ß' {
			b.WriteString("ss")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
