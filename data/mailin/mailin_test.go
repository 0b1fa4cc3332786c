package mailin

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ascolto/data"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseGoodMail(t *testing.T) {
	cases := []struct {
		file, fromName, fromAddr, subject, date string
		bodyHas                                 []string
		lang                                    data.Language
		files                                   []string
	}{
		{file: "qp_latin1.eml", fromName: "Jörg Müller", fromAddr: "joerg.mueller@example.org",
			subject: "Beschwerde: Wartezeiten am Schalter für Arbeitslose", date: "2026-06-15T09:12:44+02:00",
			bodyHas: []string{"über zwei Stunden am Schalter gewartet, obwohl ich einen Termin für die Arbeitslosenmeldung hatte.", "Mit freundlichen Grüßen\nJörg Müller"},
			lang:    data.German},
		{file: "base64_utf8.eml", fromName: "Nicolò Bernardi", fromAddr: "nicolo.bernardi@posta.example.it",
			subject: "Reclamo: orari dello sportello già ridotti", date: "2026-06-16T14:03:00+02:00",
			bodyHas: []string{"orari dello sportello di via Dante sono stati ridotti", "Nicolò Bernardi"}, lang: data.Italian},
		{file: "multipart_attachment.eml", fromName: "Rossi, Maria", fromAddr: "maria.rossi@example.it",
			subject: "Richiesta certificato di disoccupazione", date: "2026-06-17T10:30:00+02:00",
			bodyHas: []string{"il certificato richiesto – spero sia tutto in ordine. Grazie per l’aiuto!"}, lang: data.Italian,
			files: []string{"Certificato disoccupazione Rosì.pdf", "Foto sportello n°3.png"}},
		{file: "html_latin9.eml", fromName: "Anna Gruber", fromAddr: "anna.gruber@example.com",
			subject: "Rimborso corso", date: "2026-06-18T08:00:00+02:00",
			bodyHas: []string{"Gentili signori,\nil rimborso di 25 € per il corso non è ancora arrivato."}, lang: data.Italian},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			m, err := Parse(read(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if m.FromName != tc.fromName || m.FromAddress != tc.fromAddr {
				t.Errorf("from %q <%s>, want %q <%s>", m.FromName, m.FromAddress, tc.fromName, tc.fromAddr)
			}
			if m.Subject != tc.subject {
				t.Errorf("subject %q, want %q", m.Subject, tc.subject)
			}
			if want, _ := time.Parse(time.RFC3339, tc.date); !m.Date.Equal(want) {
				t.Errorf("date %v, want %v", m.Date, want)
			}
			for _, s := range tc.bodyHas {
				if !strings.Contains(m.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, m.Body)
				}
			}
			if strings.Contains(m.Body, "<") || strings.Contains(m.Body, "=\n") || strings.Contains(m.Body, "color:red") {
				t.Errorf("markup or encoding left in the body:\n%s", m.Body)
			}
			if m.Language != tc.lang {
				t.Errorf("language %q, want %q", m.Language, tc.lang)
			}
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Name)
			}
			if strings.Join(names, "|") != strings.Join(tc.files, "|") {
				t.Errorf("attachments %q, want %q", names, tc.files)
			}
		})
	}
}

func TestAttachmentContentIsDecoded(t *testing.T) {
	m, err := Parse(read(t, "multipart_attachment.eml"))
	if err != nil {
		t.Fatal(err)
	}
	pdf := m.Attachments[0]
	if pdf.MIME != "application/pdf" || !bytes.HasPrefix(pdf.Content, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf.Content, []byte("%%EOF\n")) {
		t.Errorf("pdf: %s %q", pdf.MIME, pdf.Content)
	}
	if png := m.Attachments[1]; png.MIME != "image/png" || !bytes.HasPrefix(png.Content, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("png: %s %q", png.MIME, png.Content)
	}
}

// Broken files are refused with a problem that names the cause; nothing is returned.
func TestParseRefusesBrokenFiles(t *testing.T) {
	for file, key := range map[string]string{
		"broken_multipart.eml": "intake.mail.broken",
		"broken_base64.eml":    "intake.mail.damaged_file",
		"not_mail.eml":         "",
		"binary.eml":           "",
	} {
		m, err := Parse(read(t, file))
		p, ok := data.AsProblem(err)
		if m != nil || !ok {
			t.Errorf("%s: parsed as %+v, %v", file, m, err)
			continue
		}
		if key != "" && p.Key != key {
			t.Errorf("%s: problem %s, want %s", file, p.Key, key)
		}
		if !strings.HasPrefix(p.Key, "intake.mail.") {
			t.Errorf("%s: problem %s", file, p.Key)
		}
	}
	if _, err := Parse(nil); err == nil {
		t.Error("an empty file parsed")
	}
	if p, _ := data.AsProblem(func() error { _, err := Parse([]byte("  \n")); return err }()); p == nil || p.Key != "intake.mail.empty" {
		t.Errorf("blank file: %v", p)
	}
}

func TestLooseFromAndLanguageGuess(t *testing.T) {
	raw := "From: Dr. Hans Peter Kofler <h.kofler@example.org>\nSubject: =?windows-1252?Q?Anfrage_=84Weiterbildung=93?=\n\nSehr geehrte Damen und Herren, ich bitte um Auskunft über die Kurse und die Anmeldung.\n"
	m, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.FromName != "Dr. Hans Peter Kofler" || m.FromAddress != "h.kofler@example.org" {
		t.Errorf("from %q <%s>", m.FromName, m.FromAddress)
	}
	if m.Subject != "Anfrage „Weiterbildung“" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.Language != data.German || !m.Date.IsZero() {
		t.Errorf("language %q date %v", m.Language, m.Date)
	}
	if GuessLanguage("ok") != "" {
		t.Error("a word too short to tell was guessed")
	}
}

// FuzzParse: no input makes the reader panic (a recovered panic counts as one), every
// refusal is a translated problem, and what is read is clean UTF-8.
func FuzzParse(f *testing.F) {
	for _, it := range corpus() {
		f.Add(it.raw)
	}
	// The crash seen: a base64 attachment without its final padding.
	f.Add([]byte("From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ\n--b--\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if (m == nil) == (err == nil) {
			t.Fatalf("message %v and error %v", m, err)
		}
		if err != nil {
			p, ok := data.AsProblem(err)
			if !ok || !strings.HasPrefix(p.Key, "intake.mail.") {
				t.Fatalf("not a problem: %v", err)
			}
			if p.Key == "intake.mail.unreadable" {
				t.Fatalf("panic: %v", p.Err)
			}
			return
		}
		for _, s := range []string{m.FromName, m.FromAddress, m.Subject, m.Body} {
			if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
				t.Fatalf("not clean text: %q", s)
			}
		}
		for _, a := range m.Attachments {
			if a.Name == "" || !utf8.ValidString(a.Name) {
				t.Fatalf("attachment name %q", a.Name)
			}
		}
	})
}
