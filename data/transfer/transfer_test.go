package transfer

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"ascolto/data"
	"ascolto/translations"
)

// tickingClock moves a millisecond each time it is read, so that two backups before
// two imports get different names, and stays in December 2026, after every date used.
type tickingClock struct {
	t time.Time
	n atomic.Int64
}

func (c *tickingClock) Now() time.Time { return c.t.Add(time.Duration(c.n.Add(1)) * time.Millisecond) }

func rome(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, data.Rome)
	if err != nil {
		panic(err)
	}
	return t
}

var bz = data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"}

// newRegister makes an empty register on disk, as an office has it, at a fixed time
// after every date the tests use.
func newRegister(t testing.TB) *data.Store {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), bz,
		data.Options{Clock: &tickingClock{t: rome("2026-12-15 10:00")}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func all(t testing.TB, s *data.Store) []*data.Case {
	t.Helper()
	var out []*data.Case
	if err := s.Each(context.Background(), data.Filter{}, func(c *data.Case) error { out = append(out, c); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func importText(t testing.TB, s *data.Store, raw []byte) (int, error) {
	t.Helper()
	return Import(context.Background(), s, bytes.NewReader(raw), CSV)
}

func win1252(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("not in windows-1252: %q: %v", s, err)
	}
	return []byte(b)
}

func utf16le(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func utf16be(s string) []byte {
	out := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

// TestExcelCSVInWindows1252: Excel's default "CSV (separatore di elenco)" is in the
// Windows code page; its umlauts must arrive as umlauts, findable and printable.
func TestExcelCSVInWindows1252(t *testing.T) {
	s := newRegister(t)
	file := win1252(t, "kind;channel;subject;citizen_name;citizen_address;received_at\r\n"+
		"complaint;counter;Lärm in der Gärtnerstraße;Jörg Müller;Via Museo 1 – Bolzano;2026-11-20\r\n"+
		"request;email;Richiesta più informazioni (€ 20);Zoë Thöni;;2026-11-21\r\n")
	if n, err := importText(t, s, file); err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	cases := all(t, s)
	if cases[0].Citizen.Name != "Jörg Müller" || cases[0].Subject != "Lärm in der Gärtnerstraße" || cases[0].Citizen.Address != "Via Museo 1 – Bolzano" {
		t.Fatalf("first case: %+v", cases[0])
	}
	if cases[1].Subject != "Richiesta più informazioni (€ 20)" || cases[1].Citizen.Name != "Zoë Thöni" {
		t.Fatalf("second case: %+v", cases[1])
	}
	found, err := s.Search(context.Background(), data.Filter{Query: "Müller"})
	if err != nil || len(found) != 1 || found[0].ID != cases[0].ID {
		t.Fatalf("search Müller: %v, %v", found, err)
	}
	checkUTF8(t, s)
}

// TestJSONInOtherEncodings: a JSON file re-saved by a Windows editor in its code page or
// as "Unicode" keeps its letters too.
func TestJSONInOtherEncodings(t *testing.T) {
	doc := `[{"kind":"request","channel":"email","subject":"Lärm","citizen":{"name":"Jörg Müller"}}]`
	for name, raw := range map[string][]byte{"windows-1252": win1252(t, doc), "utf16le": utf16le(doc, true)} {
		s := newRegister(t)
		if _, err := Import(context.Background(), s, bytes.NewReader(raw), JSON); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c := all(t, s)[0]; c.Citizen.Name != "Jörg Müller" || c.Subject != "Lärm" {
			t.Fatalf("%s: %q %q", name, c.Citizen.Name, c.Subject)
		}
	}
}

// TestExcelUnicodeText: Excel's "Unicode text" is UTF-16 LE with a byte-order mark and
// tabs; the same without a mark (recognised by its zero bytes) and big endian too.
func TestExcelUnicodeText(t *testing.T) {
	text := "Art\tEingangsweg\tBetreff\tBeschreibung\tName Bürger/in\tEingegangen am\r\n" +
		"complaint\tletter\tStraße gesperrt\t\"Seit Montag\t(Łukasz)\"\tŁukasz Żółć 😀\t20.11.2026 14:30\r\n"
	for name, raw := range map[string][]byte{
		"utf16le-bom": utf16le(text, true),
		"utf16le":     utf16le(text, false),
		"utf16be-bom": utf16be(text),
	} {
		t.Run(name, func(t *testing.T) {
			s := newRegister(t)
			if n, err := importText(t, s, raw); err != nil || n != 1 {
				t.Fatalf("import: %d, %v", n, err)
			}
			c := all(t, s)[0]
			if c.Subject != "Straße gesperrt" || c.Description != "Seit Montag\t(Łukasz)" || c.Citizen.Name != "Łukasz Żółć 😀" || !c.ReceivedAt.Equal(rome("2026-11-20 14:30")) {
				t.Fatalf("%+v", c)
			}
		})
	}
}

// TestSeparatorHintAndEmptyRows: a "sep=;" first line is honoured and skipped, rows of
// separators only (Excel's trailing rows) and blank rows anywhere are ignored, and a
// refusal still names the line of the file as a text editor counts it.
func TestSeparatorHintAndEmptyRows(t *testing.T) {
	s := newRegister(t)
	good := "sep=;\r\nkind;channel;subject;citizen_name\r\nrequest;email;Prima, con virgola;Anna Pichler\r\n;;;\r\n\r\n" +
		"praise;counter;Seconda;Luca Rossi\r\n;;;\r\n;;;\r\n\r\n"
	if n, err := importText(t, s, []byte(good)); err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	if c := all(t, s); c[0].Subject != "Prima, con virgola" || c[1].Subject != "Seconda" {
		t.Fatalf("%+v", c)
	}
	bad := "sep=,\nkind,channel,subject\nrequest,email,Uno\n,,\nrequest,telegraph,Due\n"
	_, err := importText(t, s, []byte(bad))
	p, ok := data.AsProblem(err)
	if !ok || p.Line != 5 || p.Key != "err.channel" {
		t.Fatalf("want err.channel on line 5, got %v", err)
	}
	if len(all(t, s)) != 2 {
		t.Fatal("a refused import must change nothing")
	}
	// A heading left empty is allowed; a value under it is not.
	if _, err := importText(t, s, []byte("kind;channel;subject;;\nrequest;email;Tre;;\nrequest;email;Quattro;x;\n")); err == nil {
		t.Fatal("a value in a column without heading was taken")
	} else if p, _ := data.AsProblem(err); p.Key != "err.column_unnamed" || p.Line != 3 || p.Args["column"] != "4" {
		t.Fatalf("unnamed column: %v", err)
	}
	if _, err := importText(t, s, []byte("kind;channel;subject;Oggetto\nrequest;email;Tre;Tre\n")); err == nil {
		t.Fatal("the subject twice was taken")
	} else if p, _ := data.AsProblem(err); p.Key != "err.column_twice" || p.Line != 1 {
		t.Fatalf("column twice: %v", err)
	}
}

// TestStrayQuoteIsRefused: a quote inside an unquoted cell (a file typed in Notepad) is
// refused with its line; it once made the import panic.
func TestStrayQuoteIsRefused(t *testing.T) {
	s := newRegister(t)
	for _, file := range []string{"kind;channel;subject\r\nrequest;email;Uno\r\nrequest;email;a \"b\"\r\n",
		"Tipo;Canale;Oggetto\r\n01a2509d-ef18\"", "kind\n\"x"} {
		_, err := importText(t, s, []byte(file))
		if p, ok := data.AsProblem(err); !ok || p.Key != "err.csv" || p.Line < 2 {
			t.Errorf("%q: %v", file, err)
		}
	}
}

// TestDatesAsSpreadsheetsWriteThem: day-first dates with dots or slashes, a time with
// colon or dot, ISO 8601 and RFC 3339; all local times are the offices' (Rome).
func TestDatesAsSpreadsheetsWriteThem(t *testing.T) {
	for in, want := range map[string]string{
		"20/11/2026 14:30":          "2026-11-20 14:30",
		"20.11.2026 14:30":          "2026-11-20 14:30",
		"20.11.2026 14.30":          "2026-11-20 14:30",
		"20/11/2026 14.30.00":       "2026-11-20 14:30",
		"5/3/2026 9:05":             "2026-03-05 09:05",
		"20/11/2026":                "2026-11-20 12:00",
		"20.11.26 14:30":            "2026-11-20 14:30",
		"01/07/2026 08:00":          "2026-07-01 08:00", // summer time
		"2026-11-20 14:30:00":       "2026-11-20 14:30",
		"2026-11-20T14:30":          "2026-11-20 14:30",
		"2026-11-20":                "2026-11-20 12:00",
		"2026-11-20T13:30:00Z":      "2026-11-20 14:30",
		"2026-11-20T14:30:00+01:00": "2026-11-20 14:30",
		" 20/11/2026 14:30 ":        "2026-11-20 14:30",
	} {
		got, err := ParseTime(in)
		if err != nil || !got.Equal(rome(want)) {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"31/02/2026", "20/13/2026", "20/11/2026 24:00", "20/11/2026 14:61", "20/11.2026",
		"2026/11/20", "11/20/2026", "yesterday", "20/11/2026 14:30:75", ""} {
		if _, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) accepted", in)
		} else if p, _ := data.AsProblem(err); p.Key != "err.datetime" {
			t.Errorf("ParseTime(%q): %v", in, err)
		}
	}
}

// TestDecimalComma: a whole score written with a decimal comma is the score; a fraction
// is refused, naming the line.
func TestDecimalComma(t *testing.T) {
	s := newRegister(t)
	if _, err := importText(t, s, []byte("kind;channel;subject;satisfaction\nrequest;email;Uno;4,0\nrequest;email;Due;5\nrequest;email;Tre;0\n")); err != nil {
		t.Fatal(err)
	}
	if c := all(t, s); c[0].Satisfaction != 4 || c[1].Satisfaction != 5 || c[2].Satisfaction != 0 {
		t.Fatalf("scores %d %d %d", c[0].Satisfaction, c[1].Satisfaction, c[2].Satisfaction)
	}
	_, err := importText(t, s, []byte("kind;channel;subject;satisfaction\nrequest;email;Uno;4,5\n"))
	if p, ok := data.AsProblem(err); !ok || p.Key != "err.satisfaction" || p.Line != 2 {
		t.Fatalf("4,5: %v", err)
	}
}

// TestHeadingsInEveryLanguage: the headings the localized export writes are read back in
// every language, whatever their case and spacing, and no heading names two columns.
func TestHeadingsInEveryLanguage(t *testing.T) {
	if _, clashes := headingIndex(); len(clashes) > 0 {
		t.Fatalf("headings shared by two columns: %v", clashes)
	}
	for _, lang := range translations.Languages {
		for _, col := range Columns {
			h := Heading(col, lang)
			if h == "" || strings.HasPrefix(h, "field.") {
				t.Fatalf("%s: no heading for %s", lang, col)
			}
			for _, variant := range []string{h, strings.ToUpper(h), "  " + strings.ToLower(h) + " ", "\uFEFF" + h, strings.ReplaceAll(h, " ", "_")} {
				if got, ok := headerColumn(variant); !ok || got != col {
					t.Errorf("%s: %q reads as %q", lang, variant, got)
				}
			}
		}
	}
	if Heading("citizen_name", "it") == Heading("citizen_name", "de") {
		t.Fatal("the Italian and German headings are the same: not translated")
	}
}

// TestCSVInjection: cells a spreadsheet would run as a formula are written with an
// apostrophe in front (OWASP), and the import takes exactly that apostrophe away again.
func TestCSVInjection(t *testing.T) {
	values := []string{"=HYPERLINK(\"http://evil.example\";\"Clic\")", "+39 0471 123456", "-- saluti", "@SUM(A1)",
		"\tcon tab", "\rcon ritorno", "'=già con apostrofo", "''+due", "'solo apostrofo", "normale", "a=b", "'", ""}
	for _, v := range values {
		d := defuse(v)
		if startsLikeFormula(v) != (d != v) {
			t.Errorf("defuse(%q) = %q", v, d)
		}
		if d != "" && strings.IndexByte(formulaStart, d[0]) >= 0 {
			t.Errorf("defuse(%q) = %q still starts like a formula", v, d)
		}
		if r := restore(d); r != v {
			t.Errorf("restore(defuse(%q)) = %q", v, r)
		}
	}

	s := newRegister(t)
	if err := s.Update(context.Background(), func(tx *data.Tx) error {
		_, err := tx.Create(data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail, ReceivedAt: rome("2026-11-20 14:30"),
			Subject: values[0], Description: "-- saluti\n=1+1", Category: "@ufficio",
			Citizen: data.Citizen{Name: "'=già con apostrofo", Phone: "+39 0471 123456", Address: "\tVia Roma 1"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cases.csv")
	if _, err := Export(context.Background(), s, path, Options{Format: CSV}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF"))))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, cell := range recs[1] {
		if cell != "" && strings.IndexByte(formulaStart, cell[0]) >= 0 {
			t.Errorf("exported cell %q starts like a formula", cell)
		}
	}
	row := map[string]string{}
	for i, h := range recs[0] {
		row[h] = recs[1][i]
	}
	if row["subject"] != "'"+values[0] || row["citizen_phone"] != "'+39 0471 123456" || row["citizen_name"] != "''=già con apostrofo" {
		t.Fatalf("exported: %q", row)
	}
	d := newRegister(t)
	if _, err := importText(t, d, raw); err != nil {
		t.Fatal(err)
	}
	sameCases(t, all(t, s), all(t, d))
}

// TestXLSXKeepsTextAsText: in the workbook a value that looks like a formula is a string
// cell, never a formula, and needs no apostrophe.
func TestXLSXKeepsTextAsText(t *testing.T) {
	s := newRegister(t)
	evil := "=HYPERLINK(\"http://evil.example\",\"Clic\")"
	if err := s.Update(context.Background(), func(tx *data.Tx) error {
		_, err := tx.Create(data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail, ReceivedAt: rome("2026-11-20 14:30"),
			Subject: evil, Citizen: data.Citizen{Name: "@Anna", Phone: "+39 0471 123456"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cases.xlsx")
	if _, err := Export(context.Background(), s, path, Options{Format: XLSX, Language: "de"}); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("Ascolto")
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][11] != "Betreff" {
		t.Fatalf("German heading: %q", rows[0][11])
	}
	for col, want := range map[int]string{12: evil, 17: "@Anna", 19: "+39 0471 123456"} {
		cell, _ := excelize.CoordinatesToCellName(col, 2)
		v, _ := x.GetCellValue("Ascolto", cell)
		typ, _ := x.GetCellType("Ascolto", cell)
		f, _ := x.GetCellFormula("Ascolto", cell)
		if v != want || f != "" || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
			t.Errorf("%s: %q, formula %q, type %v", cell, v, f, typ)
		}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if bytes.Contains(b, []byte("<f>")) || bytes.Contains(b, []byte("<f ")) {
				t.Fatalf("%s holds a formula", f.Name)
			}
		}
	}
}

// TestRefusalNamesTheLineInTheClerksLanguage: the import is all or nothing and says in
// Italian and German which line is wrong.
func TestRefusalNamesTheLineInTheClerksLanguage(t *testing.T) {
	s := newRegister(t)
	file := win1252(t, "Tipo;Canale;Oggetto;Ricevuta il\r\nrequest;email;Uno;20/11/2026 14:30\r\nrequest;email;Due;31/11/2026\r\n")
	_, err := importText(t, s, file)
	p, ok := data.AsProblem(err)
	if !ok || p.Line != 3 || p.Key != "err.datetime" || p.Args["value"] != "31/11/2026" {
		t.Fatalf("%v", err)
	}
	if len(all(t, s)) != 0 {
		t.Fatal("the good line was kept")
	}
	for lang, want := range map[string]string{"it": "\"31/11/2026\" non è una data valida", "de": "\"31/11/2026\" ist kein gültiges Datum"} {
		if got := translations.Format(lang, p.Key, p.Args); !strings.Contains(got, want) {
			t.Errorf("%s: %q", lang, got)
		}
	}
}

// checkUTF8 reads every text column of the register's own tables straight from SQLite.
func checkUTF8(t testing.TB, s *data.Store) {
	t.Helper()
	for _, table := range []string{"cases", "audit"} {
		rows, err := s.DB().Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				t.Fatal(err)
			}
			for i, v := range vals {
				if str, ok := v.(string); ok && !utf8.ValidString(str) {
					rows.Close()
					t.Fatalf("%s.%s holds invalid UTF-8: %q", table, cols[i], str)
				}
			}
		}
		rows.Close()
	}
}

// sameCases compares two registers' cases field by field; ids and versions are each
// register's own.
func sameCases(t testing.TB, want, got []*data.Case) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d cases, want %d", len(got), len(want))
	}
	eqTime := func(a, b *time.Time) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.Equal(*b)
	}
	for i := range want {
		w, g := *want[i], *got[i]
		if !w.ReceivedAt.Equal(g.ReceivedAt) || !eqTime(w.AnsweredAt, g.AnsweredAt) || !eqTime(w.ClosedAt, g.ClosedAt) || !eqTime(w.Reply.At, g.Reply.At) {
			t.Errorf("case %d: times differ:\n want %v %v %v %v\n got  %v %v %v %v", i, w.ReceivedAt, w.AnsweredAt, w.ClosedAt, w.Reply.At,
				g.ReceivedAt, g.AnsweredAt, g.ClosedAt, g.Reply.At)
		}
		for _, c := range []*data.Case{&w, &g} {
			c.ID, c.Version = "", 0
			c.ReceivedAt, c.AnsweredAt, c.ClosedAt, c.Reply.At = time.Time{}, nil, nil, nil
		}
		// Compared as their exported form: the row number inside SQLite is not the case's.
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(g)
		if !bytes.Equal(wj, gj) {
			t.Errorf("case %d differs:\n want %s\n got  %s", i, wj, gj)
		}
	}
}
