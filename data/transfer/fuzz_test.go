package transfer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
)

// fuzzRegister keeps one register per fuzzing process and replaces it when it has grown,
// since making a register for every input would leave little time for the inputs.
type fuzzRegister struct {
	dir   string
	n     int
	s     *data.Store
	cases int
}

func (r *fuzzRegister) store(t testing.TB) *data.Store {
	if r.s != nil && r.cases < 60 {
		return r.s
	}
	if r.s != nil {
		r.s.Close()
		os.RemoveAll(filepath.Join(r.dir, fmt.Sprint(r.n)))
	}
	r.n++
	s, err := data.Create(filepath.Join(r.dir, fmt.Sprint(r.n), "register.ascolto"), bz,
		data.Options{Clock: &tickingClock{t: rome("2026-12-15 10:00")}, Actor: "fuzz"})
	if err != nil {
		t.Fatal(err)
	}
	r.s, r.cases = s, 0
	return s
}

// fuzzImport checks the import's promise for any bytes: no panic, and either a refusal
// a clerk can read (a *data.Problem) or cases whose every text is valid UTF-8.
func fuzzImport(f *testing.F, format Format) {
	reg := &fuzzRegister{dir: f.TempDir()}
	f.Cleanup(func() {
		if reg.s != nil {
			reg.s.Close()
		}
	})
	f.Fuzz(func(t *testing.T, raw []byte) {
		s := reg.store(t)
		before := len(all(t, s))
		n, err := Import(context.Background(), s, bytes.NewReader(raw), format)
		after := len(all(t, s))
		if err != nil {
			if _, ok := err.(*data.Problem); !ok {
				t.Fatalf("refusal is not a translated problem: %T %v", err, err)
			}
			if after != before {
				t.Fatalf("a refused import added %d cases", after-before)
			}
			return
		}
		if after-before != n {
			t.Fatalf("import says %d cases, the register got %d", n, after-before)
		}
		reg.cases = after
		checkUTF8(t, s)
	})
}

// spreadsheetSeeds are files as the programs offices use really write them (good), and
// broken ones a clerk may still pick (bad).
func spreadsheetSeeds(t testing.TB) (good, bad [][]byte) {
	itHead := strings.Join(headings("it"), ";")
	deHead := strings.Join(headings("de"), ";")
	itRow := "01a2509d-ef18-708d-8c95-91b1c03a8bac;BZ-2026-000001;BZ;complaint;email;answered;20/11/2026 14:30;25/11/2026;23/11/2026 09:15;;FALSO;" +
		"\"Rumore; piazza Walther\";\"Buongiorno,\nil rumore è \"\"insopportabile\"\".\";Ambiente;Ufficio ambiente;anna;Jörg Müller;joerg@example.org;'+39 0471 123456;Via Museo 1 – Bolzano;de;" +
		"Gentile signor Müller, € 20;de;23/11/2026 09:15;0;4"
	deRow := strings.NewReplacer("20/11/2026", "20.11.2026", "25/11/2026", "25.11.2026", "23/11/2026", "23.11.2026", "FALSO", "FALSCH").Replace(itRow)
	trailing := strings.Repeat(";", len(Columns)-1) + "\r\n"
	excelIT := itHead + "\r\n" + itRow + "\r\n" + trailing + trailing
	excelDE := deHead + "\r\n" + deRow + "\r\n" + trailing
	minimal := "kind;channel;subject;citizen_name;received_at;satisfaction\r\n"
	good = [][]byte{
		// Excel, Italian and German, "CSV (separatore di elenco)" / "CSV (Trennzeichen-getrennt)".
		win1252(t, excelIT),
		win1252(t, excelDE),
		win1252(t, "sep=;\r\n"+excelIT),
		// Excel "CSV UTF-8" and "Unicode text".
		[]byte("\uFEFF" + excelDE),
		utf16le(strings.ReplaceAll(excelIT, ";", "\t"), true),
		utf16be(minimal + "request;letter;Straße;Łukasz;20.11.2026;\r\n"),
		// LibreOffice Calc: UTF-8 without mark, ',' (its default) or ';', LF, two-digit
		// years in the German default, times with seconds.
		[]byte("kind,channel,subject,citizen_name,received_at,satisfaction\nrequest,email,\"Parcheggio, via Roma\",Anna Pichler,20/11/2026 14:30:00,3\npraise,counter,Danke,Zoë Thöni,20.11.26 14:30,\n"),
		[]byte("Art;Eingangsweg;Betreff;Name Bürger/in;Eingegangen am;Zufriedenheit\nrequest;email;Parkplatz;Anna Pichler;20.11.26 14:30;4,0\n"),
		// Google Sheets: ',' and CRLF, no line end after the last row.
		[]byte("Tipo,Canale,Oggetto,Nome cittadino/a,Ricevuta il,Soddisfazione\r\nrequest,email,Orari sportello,Luca Rossi,20/11/2026 14:30:00,5\r\ncomplaint,phone,\"Attesa \"\"lunga\"\"\",,20/11/2026,"),
		// Numbers (Italian or German region): ';', LF, ISO-like date and time, decimal comma.
		[]byte("Kind;Channel;Subject;Citizen name;Received at;Satisfaction\nsuggestion;other;Mehr Bänke;Anna;2026-11-20 14:30;4,0\n"),
		// Ascolto's own export with stable names.
		[]byte("\uFEFF" + strings.Join(Columns, ";") + "\r\n" + strings.ReplaceAll(itRow, "FALSO", "false") + "\r\n"),
	}
	bad = [][]byte{
		[]byte(minimal + "request;email;\"non chiusa;Anna;2026-11-20;\r\n"),
		[]byte(minimal + "request;email;a \"b\" c;Anna;2026-11-20;\r\n"),
		[]byte(minimal + "request;email;Uno\r\n"),
		[]byte(minimal + "request;email;Uno;Anna;31/02/2026;\r\n"),
		[]byte(minimal + "request;email;Uno;Anna;2026-11-20;4,5\r\n"),
		[]byte("sep=\r\nkind\r\nrequest\r\n"),
		[]byte("\xFF\xFE"),
		[]byte("\xFE\xFF\x00k\x00i"),
		[]byte("k\x00i\x00n\x00d\x00\r\x00\n\x00x\x00"),
		[]byte(" \r\n"),
		{},
	}
	return good, bad
}

// TestSpreadsheetShapes: every realistic seed imports, with its letters intact; every
// broken one is refused with a line.
func TestSpreadsheetShapes(t *testing.T) {
	good, bad := spreadsheetSeeds(t)
	for i, raw := range good {
		s := newRegister(t)
		n, err := importText(t, s, raw)
		if err != nil || n == 0 {
			t.Errorf("good seed %d: %d, %v", i, n, err)
			continue
		}
		for _, c := range all(t, s) {
			for _, text := range []string{c.Subject, c.Citizen.Name, c.Description} {
				if strings.ContainsAny(text, "\uFFFD\x00") {
					t.Errorf("good seed %d: %q", i, text)
				}
			}
		}
		checkUTF8(t, s)
	}
	for i, raw := range bad {
		_, err := importText(t, newRegister(t), raw)
		if p, ok := err.(*data.Problem); !ok || p.Line == 0 {
			t.Errorf("bad seed %d: %v", i, err)
		}
	}
}

func FuzzImportCSV(f *testing.F) {
	good, bad := spreadsheetSeeds(f)
	for _, seed := range append(good, bad...) {
		f.Add(seed)
	}
	fuzzImport(f, CSV)
}

func FuzzImportJSON(f *testing.F) {
	src := newRegister(f)
	if err := src.Update(context.Background(), func(tx *data.Tx) error {
		c, err := tx.Create(data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail, ReceivedAt: rome("2026-11-20 14:30"),
			Subject: "=HYPERLINK(\"x\")", Description: "Grüße\nZeile 2", Citizen: data.Citizen{Name: "Jörg Müller", Language: data.German}})
		if err != nil {
			return err
		}
		_, err = tx.Reply(c.ID, "Sehr geehrter Herr Müller", "", rome("2026-11-23 09:15"))
		return err
	}); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "cases.json")
	if _, err := Export(context.Background(), src, path, Options{Format: JSON}); err != nil {
		f.Fatal(err)
	}
	export, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	one := `[{"kind":"request","channel":"email","subject":"Uno","received_at":"2026-11-20T14:30:00+01:00","citizen":{"name":"Zoë"}}]`
	for _, seed := range [][]byte{
		export,
		append([]byte("\uFEFF"), export...),
		utf16le(string(export), true),
		[]byte(one),
		win1252(f, strings.Replace(one, "Zoë", "Zoë Thöni €", 1)),
		[]byte(`[{"kind":"request","channel":"email","subject":"Uno","received_at":"20/11/2026 14:30","satisfaction":4}]`),
		[]byte(`[{"kind":"request","channel":"email","subject":"Uno","unknown":1}]`),
		[]byte(`[{"kind":"request","channel":"email","subject":"\ud800 lone"}]`),
		[]byte(`{"kind":"request"}`),
		[]byte(`[`),
		[]byte(`[]`),
		{},
	} {
		f.Add(seed)
	}
	fuzzImport(f, JSON)
}
