package transfer

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

// fillRegister records cases of every kind, channel and status, with the texts that
// trouble spreadsheets: umlauts, separators, quotes, line breaks, formula-like starts.
// Every time is on the minute, since Excel shows and saves times without seconds.
// Status changes happen at receipt, which is what an import can reproduce.
func fillRegister(t *testing.T, s *data.Store) {
	t.Helper()
	type step func(tx *data.Tx, c *data.Case) (*data.Case, error)
	reply := func(text string, lang data.Language, at string) step {
		return func(tx *data.Tx, c *data.Case) (*data.Case, error) { return tx.Reply(c.ID, text, lang, rome(at)) }
	}
	closeAt := func(at string) step {
		return func(tx *data.Tx, c *data.Case) (*data.Case, error) { return tx.Close(c.ID, rome(at)) }
	}
	status := func(to data.Status) step {
		return func(tx *data.Tx, c *data.Case) (*data.Case, error) { return tx.SetStatus(c.ID, to, c.ReceivedAt, "") }
	}
	score := func(n int) step {
		return func(tx *data.Tx, c *data.Case) (*data.Case, error) { return tx.SetSatisfaction(c.ID, n) }
	}
	cases := []struct {
		nc    data.NewCase
		steps []step
	}{
		{data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail, ReceivedAt: rome("2026-11-20 14:30"),
			Subject: "Lärm in der Gärtnerstraße; bitte prüfen", Description: "Sehr geehrte Damen und Herren,\nder Lärm ist \"unerträglich\".\nMit freundlichen Grüßen",
			Category: "Umwelt", Service: "Amt für Lärmschutz", Assignee: "jörg",
			Citizen: data.Citizen{Name: "Jörg Müller", Email: "joerg.mueller@example.org", Phone: "+39 0471 123456", Address: "Gärtnerstraße 5, 39100 Bozen", Language: data.German}}, nil},
		{data.NewCase{Kind: data.KindRequest, Channel: data.ChannelPEC, ReceivedAt: rome("2026-11-02 09:15"),
			Subject: "=HYPERLINK(\"http://evil.example\";\"Clic\")", Description: "-- inviata con PEC\n@ufficio: grazie",
			Citizen: data.Citizen{Name: "Zoë Thöni", Email: "zoe@example.it", Language: data.Italian}},
			[]step{score(4), reply("Gentile signora Thöni,\nla richiesta è accolta; cordiali saluti.", data.Italian, "2026-11-04 11:00")}},
		{data.NewCase{Kind: data.KindProposal, Channel: data.ChannelCounter, ReceivedAt: rome("2026-10-05 08:00"),
			Subject: "Più panchine in piazza Walther", Category: "Arredo urbano", Service: "Ufficio tecnico",
			Citizen: data.Citizen{Name: "Luca D'Angelo", Address: "Via Museo 1 – Bolzano", Language: data.Italian}},
			[]step{reply("Grazie della proposta (costo stimato € 1.200,50).", "", "2026-10-06 16:45"), closeAt("2026-10-07 10:30"), score(5)}},
		{data.NewCase{Kind: data.KindReport, Channel: data.ChannelPhone, ReceivedAt: rome("2026-12-01 07:05"),
			Subject: "Buca in via Roma — pericolo", Citizen: data.Citizen{Phone: "0471 998877"}}, []step{status(data.StatusInProgress)}},
		{data.NewCase{Kind: data.KindSuggestion, Channel: data.ChannelLetter, ReceivedAt: rome("2026-07-14 12:00"),
			Subject: "'=già con apostrofo", Citizen: data.Citizen{Name: "Anna Pichler", Language: data.German}}, []step{status(data.StatusWaiting)}},
		{data.NewCase{Kind: data.KindPraise, Channel: data.ChannelOther, ReceivedAt: rome("2026-03-29 03:30"),
			Subject: "Danke, sehr freundlich", Description: "\tEingerückt"}, nil},
	}
	err := s.Update(context.Background(), func(tx *data.Tx) error {
		for _, x := range cases {
			c, err := tx.Create(x.nc)
			if err != nil {
				return err
			}
			for _, st := range x.steps {
				if c, err = st(tx, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// excelResave does to a CSV export what Excel does when a clerk opens it and saves it
// again in its default CSV format for the Italian or German locale: dates and times it
// recognises are rewritten day first without seconds, true/false become the locale's
// words, the text is re-encoded (windows-1252 for "CSV (separatore di elenco)", UTF-16 LE
// with a byte-order mark and tabs for "Unicode text"), cells are quoted only where
// needed, lines end in CRLF, and rows that were once touched come back as separators
// only.
func excelResave(t *testing.T, export []byte, lang string, unicodeText bool) []byte {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(export, []byte("\uFEFF"))))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	dateSep, yes, no := "/", "VERO", "FALSO"
	if lang == "de" {
		dateSep, yes, no = ".", "WAHR", "FALSCH"
	}
	day := "02" + dateSep + "01" + dateSep + "2006"
	for _, rec := range recs[1:] {
		for i, v := range rec {
			if ts, err := time.Parse(time.RFC3339, v); err == nil {
				rec[i] = ts.In(data.Rome).Format(day + " 15:04")
			} else if d, err := time.Parse("2006-01-02", v); err == nil {
				rec[i] = d.Format(day)
			} else if v == "true" {
				rec[i] = yes
			} else if v == "false" {
				rec[i] = no
			}
		}
	}
	sep := ";"
	if unicodeText {
		sep = "\t"
	}
	var b strings.Builder
	for _, rec := range recs {
		for i, v := range rec {
			if i > 0 {
				b.WriteString(sep)
			}
			if strings.ContainsAny(v, sep+"\"\r\n") {
				v = "\"" + strings.ReplaceAll(v, "\"", "\"\"") + "\""
			}
			b.WriteString(v)
		}
		b.WriteString("\r\n")
	}
	for range 3 {
		b.WriteString(strings.Repeat(sep, len(recs[0])-1) + "\r\n")
	}
	if unicodeText {
		return utf16le(b.String(), true)
	}
	return win1252(t, b.String())
}

// TestRoundTripThroughExcel: localized export, Excel re-saves it, import into a fresh
// register: the same cases, field by field.
func TestRoundTripThroughExcel(t *testing.T) {
	src := newRegister(t)
	fillRegister(t, src)
	want := all(t, src)
	for _, lang := range []string{"it", "de"} {
		for _, unicodeText := range []bool{false, true} {
			name := lang + "-csv"
			if unicodeText {
				name = lang + "-unicode-text"
			}
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "pratiche.csv")
				if n, err := Export(context.Background(), src, path, Options{Format: CSV, Language: lang}); err != nil || n != len(want) {
					t.Fatalf("export: %d, %v", n, err)
				}
				raw, _ := os.ReadFile(path)
				if head := Heading("citizen_name", lang); !bytes.Contains(raw, []byte(";"+head+";")) {
					t.Fatalf("the export has no heading %q", head)
				}
				saved := excelResave(t, raw, lang, unicodeText)
				if bytes.Equal(saved, raw) || (!unicodeText && bytes.Contains(saved, []byte("Müller"))) {
					t.Fatal("the re-saved file is not what Excel writes")
				}
				dst := newRegister(t)
				if n, err := importText(t, dst, saved); err != nil || n != len(want) {
					t.Fatalf("import: %d, %v", n, err)
				}
				sameCases(t, want, all(t, dst))
				checkUTF8(t, dst)
			})
		}
	}
}

// TestRoundTripStableNames: the export with stable column names (the default) and the
// JSON export come back unchanged too, with seconds.
func TestRoundTripStableNames(t *testing.T) {
	src := newRegister(t)
	fillRegister(t, src)
	want := all(t, src)
	for _, f := range []Format{CSV, JSON} {
		path := filepath.Join(t.TempDir(), "cases."+string(f))
		if _, err := Export(context.Background(), src, path, Options{Format: f, Separator: ','}); err != nil {
			t.Fatal(err)
		}
		in, _ := os.Open(path)
		dst := newRegister(t)
		_, err := Import(context.Background(), dst, in, f)
		in.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sameCases(t, want, all(t, dst))
	}
}
