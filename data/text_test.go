package data

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// textJunk is what real text brings along: pasted from Word and web pages, typed in a
// terminal, read from files in the wrong encoding.
var textJunk = []struct {
	name        string
	in          string
	line, multi string
}{
	{"plain", "Richiesta di informazioni", "Richiesta di informazioni", "Richiesta di informazioni"},
	{"plain text of several lines", "Buongiorno,\n\tgrazie.", "Buongiorno,  grazie.", "Buongiorno,\n\tgrazie."},
	{"no-break space from Word", "Mario\u00a0Rossi", "Mario Rossi", "Mario\u00a0Rossi"},
	{"narrow no-break space", "10\u202f000 €", "10 000 €", "10\u202f000 €"},
	{"soft hyphen from Word", "Mül\u00adler", "Müller", "Müller"},
	{"zero-width space from a web page", "info@\u200bcomune.bz.it", "info@comune.bz.it", "info@comune.bz.it"},
	{"byte-order mark", "\ufeffRossi", "Rossi", "Rossi"},
	{"word joiner", "Bolzano\u2060Bozen", "BolzanoBozen", "BolzanoBozen"},
	{"zero-width joiner in an emoji is kept", "👩\u200d💻 grazie", "👩\u200d💻 grazie", "👩\u200d💻 grazie"},
	{"ANSI clear screen and colour", "\x1b[2J\x1b[31mRossi\x1b[0m", "Rossi", "Rossi"},
	{"terminal hyperlink", "\x1b]8;;http://example.com\x07Clicca\x1b]8;;\x1b\\", "Clicca", "Clicca"},
	{"operating-system command never ended", "\x1b]Rossi", "]Rossi", "]Rossi"},
	{"two-character escape", "\x1bcRossi", "Rossi", "Rossi"},
	{"lone ESC at the end", "Rossi\x1b", "Rossi", "Rossi"},
	{"bell", "Rossi\a\a", "Rossi", "Rossi"},
	{"NUL", "Ros\x00si", "Rossi", "Rossi"},
	{"other C0 and DEL", "a\x01b\x08c\x0bd\x0ce\x7ff", "abcdef", "abcdef"},
	{"right-to-left override", "fattura\u202efdp.exe", "fatturafdp.exe", "fatturafdp.exe"},
	{"every embedding, override and isolate", "\u202aa\u202bb\u202cc\u202dd\u2066e\u2067f\u2068g\u2069h", "abcdefgh", "abcdefgh"},
	{"direction marks", "\u200eRossi\u200f\u061c", "Rossi", "Rossi"},
	{"UTF-16 byte-order mark read as UTF-8", "\xff\xfeR", "\ufffd\ufffdR", "\ufffd\ufffdR"},
	{"Latin-1 byte in UTF-8 text", "M\xfcller", "M\ufffdller", "M\ufffdller"},
	{"truncated UTF-8", "caf\xc3", "caf\ufffd", "caf\ufffd"},
	{"Windows-1252 euro read as Latin-1", "\u0080 50", "€ 50", "€ 50"},
	{"Windows-1252 quotes and dash read as Latin-1", "\u0093Buongiorno\u0094 \u0096 grazie\u0085", "“Buongiorno” – grazie…", "“Buongiorno” – grazie…"},
	{"C1 that Windows-1252 does not define", "a\u0081b\u008dc\u009dd", "abcd", "abcd"},
	{"C1 control sequence introducer", "\u009b31mRossi", "›31mRossi", "›31mRossi"},
	{"UTF-8 read as Windows-1252 is left as typed", "MÃ¼ller", "MÃ¼ller", "MÃ¼ller"},
	{"CRLF and lone CR", "uno\r\ndue\rtre\n", "uno due tre", "uno\ndue\ntre\n"},
	{"line and paragraph separators", "uno\u2028due\u2029tre", "uno due tre", "uno\ndue\ntre"},
	{"decomposed umlaut", "Mu\u0308ller", "Müller", "Müller"},
	{"decomposed accent after removed junk", "perche\u200b\u0301", "perché", "perché"},
	{"spaces around a one-line field", "  \u00a0Rossi \t", "Rossi", "  \u00a0Rossi \t"},
	{"nothing but junk", "\x1b[0m\u202e\x00", "", ""},
}

func TestCleanRealWorldJunk(t *testing.T) {
	for _, c := range textJunk {
		if got := CleanLine(c.in); got != c.line {
			t.Errorf("%s: CleanLine(%q) = %q, want %q", c.name, c.in, got, c.line)
		}
		if got := CleanText(c.in); got != c.multi {
			t.Errorf("%s: CleanText(%q) = %q, want %q", c.name, c.in, got, c.multi)
		}
	}
}

// checkClean fails where cleaned text still has what must not be stored.
func checkClean(t *testing.T, what, s string, multi bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s: invalid UTF-8 %q", what, s)
	}
	for _, r := range s {
		if r == '\n' || r == '\t' {
			if !multi {
				t.Fatalf("%s: line break or tab in a one-line field: %q", what, s)
			}
			continue
		}
		if unicode.IsControl(r) || invisible(r) || r == 0x2028 || r == 0x2029 {
			t.Fatalf("%s: %U left in %q", what, r, s)
		}
	}
	if !norm.NFC.IsNormalString(s) {
		t.Fatalf("%s: not NFC: %q", what, s)
	}
	if !multi && strings.TrimSpace(s) != s {
		t.Fatalf("%s: not trimmed: %q", what, s)
	}
}

// FuzzClean: whatever the text, the clean form has no control or direction character,
// is valid NFC, and cleaning it again changes nothing (offices that clean a received
// value again store the same bytes).
func FuzzClean(f *testing.F) {
	for _, c := range textJunk {
		f.Add(c.in)
	}
	f.Add("\x1b[")
	f.Add("\x1b]8;;\x1b")
	f.Add("e\u0301\u0327\u200b\u0308")
	f.Add(" \u0301a")
	f.Add("\ufb01\u2126\u212b")
	f.Fuzz(func(t *testing.T, s string) {
		for _, multi := range []bool{false, true} {
			got := clean(s, multi)
			checkClean(t, "clean", got, multi)
			if again := clean(got, multi); again != got {
				t.Fatalf("not stable (multi %v): %q → %q → %q", multi, s, got, again)
			}
		}
	})
}

// junk is a value with a bit of everything the register must not keep.
const junk = "\x1b[31m\u202e\x00\a\u0085"

func TestEveryWayInStoresCleanText(t *testing.T) {
	s, _ := testStore(t, "2026-03-02 10:00")
	ctx := context.Background()
	if err := s.PutOffice(Office{Code: "ME", NameIT: "Merano" + junk, NameDE: "Meran\u00a0" + junk, Address: "Via\r\nRoma 1" + junk}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Create(ctx, NewCase{Kind: KindComplaint, Channel: ChannelEmail, Subject: "Sportello\tchiuso" + junk,
		Description: "Riga uno\r\nRiga due" + junk, Category: "orari" + junk, Service: "anagrafe" + junk, Assignee: "Lukas" + junk,
		Citizen: Citizen{Name: "Mu\u0308ller" + junk, Email: "joerg.mueller@example.it", Phone: "+39\u00a0333" + junk,
			Address: "Via\u00a0Roma 1\r\n39100 Bolzano" + junk, Language: German},
		Note: "importato" + junk})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Edit(c.Number, Edit{Category: ptr("sportello" + junk)}); err != nil {
			return err
		}
		if _, err := tx.Forward(c.Number, "ME", "ufficio"+junk, "inoltro"+junk); err != nil {
			return err
		}
		if _, err := tx.Reply(c.Number, "Gentile signore,\r\nla ringraziamo."+junk, "", time.Time{}); err != nil {
			return err
		}
		if _, err := tx.Attach(c.Number, "lettera"+junk+".pdf", "application/pdf", []byte("%PDF-1.4")); err != nil {
			return err
		}
		if _, err := tx.CreateAction(NewAction{Title: "Orari" + junk, Cause: "attese" + junk, Description: "uno\r\ndue" + junk,
			Owner: "Lukas" + junk, DueDate: "2026-06-30"}); err != nil {
			return err
		}
		if err := tx.SetLetterSetting(SettingSigner, "Dott.ssa Rossi"+junk); err != nil {
			return err
		}
		if err := tx.SetLetterTemplate(LetterTemplateNames()[0], Italian, "Gentile {citizen},\r\ngrazie."+junk); err != nil {
			return err
		}
		return tx.AddClosure("BZ", "2026-08-14", "chiuso"+junk)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"subject": "Sportello chiuso", "description": "Riga uno\nRiga due",
		"category": "sportello", "service": "ufficio", "assignee": "Lukas", "citizen_name": "Müller",
		"citizen_phone": "+39 333", "citizen_address": "Via\u00a0Roma 1\n39100 Bolzano", "reply_text": "Gentile signore,\nla ringraziamo."}
	f := got.fields()
	for i, name := range fieldNames {
		// the junk ends in U+0085, Windows-1252's ellipsis read as Latin-1
		if w, ok := want[name]; ok && f[i] != w+"…" {
			t.Errorf("%s = %q, want %q", name, f[i], w+"…")
		}
	}
	files, err := s.Attachments(ctx, c.ID)
	if err != nil || len(files) != 1 || files[0].Name != "lettera….pdf" {
		t.Fatalf("attachments %+v, %v", files, err)
	}
	offices, err := s.Offices()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range offices {
		if o.Code == "ME" && (o.NameIT != "Merano…" || o.NameDE != "Meran …" || o.Address != "Via\nRoma 1…") {
			t.Errorf("office %+v", o)
		}
	}
	// Nothing of the junk anywhere in the file: case rows, audit trail, closures, offices.
	for _, q := range []string{
		`SELECT subject || description || category || service || assignee || citizen_name || citizen_phone || citizen_address || reply_text FROM cases`,
		`SELECT audit_changes(changes) || note FROM audit`, `SELECT note FROM closures`, `SELECT name_it || name_de || address FROM offices`,
		`SELECT name FROM attachments`, `SELECT title || cause || description || owner FROM improvement_actions`,
		`SELECT value FROM letter_settings`, `SELECT text FROM letter_templates`,
	} {
		rows, err := s.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v sql.NullString
			rows.Scan(&v)
			checkClean(t, q, strings.ReplaceAll(v.String, `\n`, ""), true)
			if strings.Contains(v.String, `\u001b`) || strings.Contains(v.String, `\u0000`) || strings.Contains(v.String, `\u0007`) {
				t.Errorf("%s: escaped control character in %q", q, v.String)
			}
		}
		rows.Close()
	}
}

func TestJunkAloneIsAnEmptyValue(t *testing.T) {
	s, _ := testStore(t, "2026-03-02 10:00")
	ctx := context.Background()
	_, err := s.Create(ctx, NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "\x1b[2J\u202e\u200b"})
	wantProblem(t, err, "err.subject_empty")
	c := mustCreate(t, s, NewCase{})
	_, err = s.Assign(ctx, c.Number, "\a\x00")
	wantProblem(t, err, "err.assignee_empty")
	_, err = s.Reply(ctx, c.Number, "\x1b[0m", Italian, time.Time{})
	wantProblem(t, err, "err.reply_empty")
	if err := s.PutOffice(Office{Code: "ME", NameIT: "\u202e", NameDE: "Meran"}); err == nil {
		t.Fatal("an office named with junk alone was accepted")
	}
}

// TestCleanOnlyWhatChanges: a value stored before the rule stays as it is until it is
// changed; a correction of another field does not rewrite it.
func TestCleanOnlyWhatChanges(t *testing.T) {
	s, _ := testStore(t, "2026-03-02 10:00")
	ctx := context.Background()
	c := mustCreate(t, s, NewCase{Service: "Anagrafe"})
	// The service is not in the search index, which a change behind its back would spoil.
	if _, err := s.DB().Exec(`UPDATE cases SET service = ? WHERE id = ?`, "Anagrafe\x1b[31m", c.ID); err != nil {
		t.Fatal(err)
	}
	next, err := s.Edit(ctx, c.Number, Edit{Category: ptr("orari")})
	if err != nil {
		t.Fatal(err)
	}
	if next.Service != "Anagrafe\x1b[31m" {
		t.Fatalf("service rewritten by an edit of the category: %q", next.Service)
	}
	h, _ := s.History(ctx, c.ID)
	if last := h[len(h)-1].ChangeList(); len(last) != 1 || last[0].Field != "category" {
		t.Fatalf("the edit recorded %+v", last)
	}
}

// TestMergeCleansReceivedText: a received value with control characters (an office of
// an older version, a file made by hand) is stored clean, the same bytes in every office.
func TestMergeCleansReceivedText(t *testing.T) {
	a, b, c := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart), newMergeOffice(t, "BX", mergeStart)
	cs := mergeCase(t, a, "Sportello chiuso")
	ops, err := a.s.Operations(context.Background(), "BZ", 0, 100)
	if err != nil || len(ops) != 1 {
		t.Fatalf("%d operations, %v", len(ops), err)
	}
	ops[0].Fields["subject"] = "Sportello\u00a0chiuso\x1b[2J\u202e"
	ops[0].Fields["description"] = "Lo sportello\r\nera chiuso\a"
	ops[0].Actor = "clerk\x1b[31m"
	ops[0].Note = "nota\x00"
	f := fileOf("BZ", ops)
	b.deliver(t, &f)
	c.deliver(t, &f)
	for _, o := range []*mergeOffice{b, c} {
		got := o.get(t, cs.Number)
		if got.Subject != "Sportello chiuso" || got.Description != "Lo sportello\nera chiuso" {
			t.Fatalf("%s stored %q / %q", o.code, got.Subject, got.Description)
		}
		h, err := o.s.History(context.Background(), cs.ID)
		if err != nil || len(h) != 1 {
			t.Fatalf("%s history %+v %v", o.code, h, err)
		}
		if h[0].Actor != "clerk" || !strings.HasPrefix(h[0].Note, "nota [BZ 1 ") || strings.ContainsAny(h[0].Changes, "\x1b\a\u202e") {
			t.Fatalf("%s audit entry %+v", o.code, h[0])
		}
	}
	if b.hash(t) != c.hash(t) {
		t.Fatal("the two receivers store different bytes")
	}
}

// TestSeveralChangesByNumberInOneTransaction: changes to a case named by its number in
// one transaction build on each other; none is lost to the row read before it.
func TestSeveralChangesByNumberInOneTransaction(t *testing.T) {
	s, _ := testStore(t, "2026-03-02 10:00")
	ctx := context.Background()
	c := mustCreate(t, s, NewCase{})
	err := s.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Edit(c.Number, Edit{Category: ptr("orari")}); err != nil {
			return err
		}
		_, err := tx.Assign(c.Number, "Lukas")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, c.Number)
	if err != nil || got.Category != "orari" || got.Assignee != "Lukas" || got.Version != 3 {
		t.Fatalf("%+v, %v", got, err)
	}
}
