package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
)

func TestTerm(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Richiesta di informazioni", "Richiesta di informazioni"},
		{"Jörg Müller 👩\u200d💻 €", "Jörg Müller 👩\u200d💻 €"},
		{"\x1b[2J\x1b[31mRossi", `\x1b[2J\x1b[31mRossi`},
		{"a\x00b\x07c\x7f", `a\x00b\x07c\x7f`},
		{"uno\tdue\r\ntre", `uno\tdue\r\ntre`},
		{"\u009b31m", `\u009b31m`},
		{"fattura\u202efdp.exe", `fattura\u202efdp.exe`},
		{"\u2066a\u2069\u200e\u200f\u061c", `\u2066a\u2069\u200e\u200f\u061c`},
		{"a\u2028b", `a\u2028b`},
		{"M\xfcller", `M\xfcller`},
		{"C:\\Users", "C:\\Users"},
	} {
		if got := term(c.in); got != c.want {
			t.Errorf("term(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestJSONSafe(t *testing.T) {
	v := map[string]string{"subject": "a\x1b[2J\u009b\u202e\x7f\u2028<b> ü"}
	var out bytes.Buffer
	e := &env{stdout: &out}
	if err := e.json(v); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(out.Bytes(), "\x1b\x7f") || strings.ContainsAny(out.String(), "\u009b\u202e\u2028") {
		t.Fatalf("raw control characters in %q", out.String())
	}
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["subject"] != v["subject"] {
		t.Fatalf("decodes to %q, %v", back, err)
	}
}

func TestGuard(t *testing.T) {
	var b bytes.Buffer
	g := guard{&b}
	n, err := g.Write([]byte("ok\t\r\n\x1b[2J\x00ü"))
	if err != nil || n != 12 || b.String() != "ok\t\r\n\\x1b[2J\\x00ü" {
		t.Fatalf("%d %v %q", n, err, b.String())
	}
}

// nasty is text as an old register, a hand-made file or another program may hold it:
// a screen clear, a colour, a bell, an 8-bit control sequence introducer, a direction
// override, a line separator.
const nasty = "\x1b[2J\x1b[31m\a\u009b2J\u202e\u2028"

// noRawControl fails where output would make the terminal obey the text.
func noRawControl(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || unsafeRune(r) {
			t.Fatalf("%s: %U reaches the terminal:\n%s", what, r, out)
		}
	}
}

// TestRegisterTextIsSafeOnTheTerminal: text stored before the register cleaned it
// (written here behind its back) is printed escaped by every command that shows it.
func TestRegisterTextIsSafeOnTheTerminal(t *testing.T) {
	c := newCtl(t)
	n := addJSON(c, "--kind", "complaint", "--channel", "email", "--subject", "Sportello chiuso", "--citizen-name", "Maria Rossi", "--language", "it")
	c.ok("assign", n.Number, "--to", "Lukas")
	c.ok("office", "add", "ME", "--name-it", "Merano", "--name-de", "Meran")
	s, err := data.Open(c.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	changes, _ := json.Marshal(map[string][2]string{"subject": {"", "Sportello" + nasty}})
	for _, q := range []string{
		// subject and citizen_name are in the search index, which a change behind its
		// back would spoil: they are changed with the index told.
		`INSERT INTO cases_fts(cases_fts, rowid, number, subject, description, citizen_name, citizen_email, category, reply_text)
			SELECT 'delete', rowid, number, subject, description, citizen_name, citizen_email, category, reply_text FROM cases`,
		`UPDATE cases SET subject = 'Sportello' || ?1 || 'chiuso', citizen_name = 'Maria' || ?1, description = 'uno' || ?1 || char(10) || 'due',
			assignee = 'Lukas' || ?1, citizen_address = 'Via Roma' || ?1, service = ?1`,
		`INSERT INTO cases_fts(rowid, number, subject, description, citizen_name, citizen_email, category, reply_text)
			SELECT rowid, number, subject, description, citizen_name, citizen_email, category, reply_text FROM cases`,
		`DROP TRIGGER audit_no_update`, // the test plays an old register, as written before
		`UPDATE audit SET note = 'nota' || ?1, actor = 'test' || ?1, changes = ?2`,
		`UPDATE offices SET name_it = 'Merano' || ?1, name_de = 'Meran' || ?1 WHERE code = 'ME'`,
	} {
		if _, err := s.DB().Exec(q, nasty, string(changes)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	for _, args := range [][]string{
		{"list"}, {"list", "--json"}, {"show", n.Number}, {"show", n.Number, "--json"},
		{"history", n.Number}, {"history", n.Number, "--json"}, {"search", "Sportello"}, {"office", "list"}, {"office", "list", "--json"},
	} {
		out := c.ok(args...)
		noRawControl(t, strings.Join(args, " "), out)
		if !strings.Contains(out, "Sportello") && args[0] != "office" && args[0] != "history" {
			t.Errorf("%v does not show the case:\n%s", args, out)
		}
	}
	if out := c.ok("show", n.Number); !strings.Contains(out, `Sportello\x1b[2J\x1b[31m\x07\u009b2J\u202e\u2028chiuso`) {
		t.Errorf("show does not write the characters escaped:\n%s", out)
	}
	// An error that names a value from outside says it escaped too.
	code, _, errs := c.run("show", "BZ-2026-\x1b[2J")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	noRawControl(t, "an error", errs)
}

// TestExchangeFolderNamesAreSafeOnTheTerminal: a file in the exchange folder named to
// move the cursor or reverse text is listed with its name escaped.
func TestExchangeFolderNamesAreSafeOnTheTerminal(t *testing.T) {
	folder := t.TempDir()
	c := newCtl(t)
	c.ok("exchange", "join", "--folder", folder)
	entries, _ := os.ReadDir(folder)
	for _, dir := range append([]string{"."}, names(entries)...) {
		if err := os.WriteFile(filepath.Join(folder, dir, "BZ-000000000001-\x1b[2J\u202eexe.ascx"), []byte("not an exchange file"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.run("sync", "--folder", folder, "--once")
	out := c.ok("exchange", "status", "--folder", folder)
	noRawControl(t, "exchange status", out)
	if !strings.Contains(out, `\x1b[2J\u202eexe.ascx`) {
		t.Errorf("the odd file is not listed, escaped:\n%s", out)
	}
}

func names(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}
