package history

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/translations"
)

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, data.Rome)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

var offices = []data.Office{
	{Code: "BRESSANONE", NameIT: "Centro mediazione lavoro Bressanone", NameDE: "Arbeitsvermittlungszentrum Brixen"},
	{Code: "EGNA", NameIT: "Centro mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt"},
}

// caseWithEveryEntry makes a register whose one case went through every action a
// clerk can take, and returns its history.
func caseWithEveryEntry(t *testing.T) []data.AuditEntry {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), offices[0], data.Options{Clock: fixedClock{}, Actor: "k.gamper"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.PutOffice(offices[1]); err != nil {
		t.Fatal(err)
	}
	var id string
	err = s.Update(context.Background(), func(tx *data.Tx) error {
		c, err := tx.Create(data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelCounter, ReceivedAt: now.Add(-48 * time.Hour),
			Subject: "Wartezeiten am Schalter", Citizen: data.Citizen{Name: "Jörg Müller", Language: data.German}})
		if err != nil {
			return err
		}
		id = c.ID
		steps := []func() error{
			func() error { _, err := tx.Assign(id, "a.pircher"); return err },
			func() error {
				_, err := tx.SetStatus(id, data.StatusWaiting, now.Add(-47*time.Hour), "Formular fehlt")
				return err
			},
			func() error {
				_, err := tx.Attach(id, "antrag.pdf", "application/pdf", []byte("%PDF-1.4 antrag"))
				return err
			},
			func() error { _, err := tx.Forward(id, "EGNA", "Mobilität", "zuständig"); return err },
			func() error {
				_, err := tx.IssueLetter(id, data.LetterRequest{Reply: "Wir haben einen zweiten Schalter eröffnet.",
					Render: func(*data.Case, *data.Letter) ([]byte, error) { return []byte("%PDF-1.4 brief"), nil }})
				return err
			},
			func() error { _, err := tx.MarkLetterPrinted(c.Number+"/1", "Ufficio-2"); return err },
			func() error { _, err := tx.MarkLetterSent(c.Number+"/1", time.Time{}, "Post"); return err },
			func() error { _, err := tx.UnmarkLetterSent(c.Number + "/1"); return err },
			func() error { _, err := tx.MarkLetterSent(c.Number+"/1", time.Time{}, "PEC"); return err },
			func() error { _, err := tx.SetOutcome(id, data.OutcomeGranted); return err },
			func() error { _, err := tx.SetSatisfaction(id, 4); return err },
			func() error { _, err := tx.Close(id, time.Time{}); return err },
			func() error { _, err := tx.Anonymise(id, data.ReasonErasure, ""); return err },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	// What no local action of this register writes: a conflict settled, a number
	// renumbered, a change received from another office.
	h = append(h,
		data.AuditEntry{At: "2026-12-07T11:00:00Z", Actor: "m.rossi", Action: "resolve", Changes: `{"status":["waiting","in_progress"]}`},
		data.AuditEntry{At: "2026-12-07T11:01:00Z", Actor: "m.rossi", Action: "renumber", Changes: `{"number":["BZ-2026-000007","BZ-2026-000008"]}`},
		data.AuditEntry{At: "2026-12-07T11:02:00Z", Actor: "bernd", Action: "assign", Changes: `{"assignee":["a.pircher","bernd"]}`,
			Note: "dringend [EGNA 7 2026-12-07T09:15:00Z]"},
		data.AuditEntry{At: "2026-12-07T11:03:00Z", Actor: "bernd", Action: "letter", Changes: `{"letter":["","0f6e…|BZ-2026-000934/1|it|30967|9c1d…"]}`},
		data.AuditEntry{At: "2026-12-07T11:04:00Z", Actor: "bernd", Action: "settings:EGNA", Changes: `{"office":["BRESSANONE","EGNA"]}`},
	)
	return h
}

var officeCode = regexp.MustCompile(`(BRESSANONE|EGNA)($|[^-])`)

var uuidLike = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-|[0-9a-f]{32,}`)

// TestEveryEntryIsASentence: the history of a case that went through every action
// reads as words in German and Italian: no stored record ('|', an id, a checksum), no
// field or action name as the register writes it, no office code.
func TestEveryEntryIsASentence(t *testing.T) {
	h := caseWithEveryEntry(t)
	raw := []string{"|", "letter_", "_at", "citizen_", "granted", "erasure", "files removed", "settings", "resolve", "renumber"}
	for _, lang := range []string{"de", "it"} {
		var all []string
		for _, e := range h {
			l := Describe(e, lang, offices)
			lines := append([]string{l.When, l.Who, l.What, l.Note}, l.Details...)
			for _, s := range lines {
				for _, r := range raw {
					if strings.Contains(s, r) {
						t.Errorf("%s: %s entry shows %q: %q", lang, e.Action, r, s)
					}
				}
				if officeCode.MatchString(s) {
					t.Errorf("%s: %s entry shows an office by its code: %q", lang, e.Action, s)
				}
				if uuidLike.MatchString(s) {
					t.Errorf("%s: %s entry shows an id or checksum: %q", lang, e.Action, s)
				}
				if strings.Contains(s, "action.") || strings.Contains(s, "case.") || strings.Contains(s, "field.") {
					t.Errorf("%s: %s entry shows a translation key: %q", lang, e.Action, s)
				}
			}
			if l.What == "" || l.When == "" {
				t.Errorf("%s: %s entry has no heading: %+v", lang, e.Action, l)
			}
			all = append(all, strings.Join(lines, " / "))
		}
		text := strings.Join(all, "\n")
		var want []string
		if lang == "de" {
			want = []string{"Arbeitsvermittlungszentrum Brixen → Arbeitsvermittlungszentrum Neumarkt", "Schreiben Nr. BZ-2026-000934/1 auf Italienisch (31 kB).",
				"auf dem Drucker Ufficio-2 gedruckt", "versandt (Post)", "Versand (Post) rückgängig", "Ausgang: stattgegeben", "Zufriedenheit: 4 von 5", "0 Arbeitstage → 1 Arbeitstag", "1 angehängte Datei wurde entfernt.",
				"bernd (Arbeitsvermittlungszentrum Neumarkt)"}
		} else {
			want = []string{"Centro mediazione lavoro Bressanone → Centro mediazione lavoro Egna", "Lettera n. BZ-2026-000934/1 in italiano (31 kB).",
				"stampata con la stampante Ufficio-2", "spedita (Post)", "spedizione registrata (Post)", "Esito: accolta", "Soddisfazione: 4 su 5", "0 giorni lavorativi → 1 giorno lavorativo", "È stato rimosso 1 file allegato.",
				"bernd (Centro mediazione lavoro Egna)"}
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s history lacks %q:\n%s", lang, w, text)
			}
		}
	}
}

// TestUnknownValuesStayReadable: a value or field from a newer program is not shown
// as a translation key.
func TestUnknownValuesStayReadable(t *testing.T) {
	l := Describe(data.AuditEntry{At: "2026-12-07T11:00:00Z", Action: "someday", Changes: `{"status":["","parked"],"zz":["","1"]}`}, "it", nil)
	if l.What != translations.T("it", "case.history.other_action") || !strings.Contains(strings.Join(l.Details, " "), "parked") ||
		!strings.Contains(strings.Join(l.Details, " "), "Altro dato: 1") {
		t.Errorf("%+v", l)
	}
	for _, bad := range []string{"", "|", "a|b", "a|b|c|d|e|f|g"} {
		for _, f := range []string{"letter", "letter_printed", "letter_sent", "attachment"} {
			Describe(data.AuditEntry{Action: "letter", Changes: `{"` + f + `":["","` + bad + `"]}`}, "de", nil)
		}
	}
}

// FuzzDescribe: an entry as another office may send it (any action, changes, note)
// is told without a panic, and never as a translation key.
func FuzzDescribe(f *testing.F) {
	f.Add("letter", `{"letter":["","0f6e|BZ-2026-000934/1|it|30967|9c1d|"]}`, "", "2026-12-07T11:00:00Z")
	f.Add("letter_print", `{"letter_printed":["","id|BZ-1/1|sha|Ufficio-2"]}`, "", "x")
	f.Add("settings:EGNA", `{"office":["BRESSANONE","EGNA"],"satisfaction":["0","5"]}`, "nota [EGNA 7 2026-12-07T09:15:00Z]", "")
	f.Add("anonymise", `{"citizen_name":["[…]",""],"waited_days":["x","-1"]}`, " (3 files removed)", "2026-12-07T11:00:00.123+01:00")
	f.Add("attach", `{"attachment":["","a|b|c|d|e"]}`, "[", "")
	f.Fuzz(func(t *testing.T, action, changes, note, at string) {
		for _, lang := range []string{"it", "de"} {
			l := Describe(data.AuditEntry{At: at, Actor: "a", Action: action, Changes: changes, Note: note}, lang, offices)
			for _, s := range append([]string{l.What}, l.Details...) {
				if strings.HasPrefix(s, "action.") || strings.HasPrefix(s, "case.history.") {
					t.Fatalf("%s: %q", lang, s)
				}
			}
		}
	})
}
