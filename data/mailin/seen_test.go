package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ascolto/data"
)

// Mails as they were seen in offices' mailboxes and in public MIME test corpora, each
// reduced to what went wrong.

func mustParse(t *testing.T, raw string) *Message {
	t.Helper()
	m, err := Parse([]byte(raw))
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	return m
}

// A base64 part without its final "=" padding crashed the reader.
func TestBase64WithoutPaddingIsRead(t *testing.T) {
	for _, content := range []string{"hello world", "hello worlds", "Sehr geehrte Damen und Herren"} {
		enc := strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(content)), "=")
		raw := "From: a@example.org\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attachment\n--b\nContent-Type: application/octet-stream; name=a.txt\nContent-Transfer-Encoding: base64\n\n" + enc + "\n--b--\n"
		m := mustParse(t, raw)
		if len(m.Attachments) != 1 || string(m.Attachments[0].Content) != content {
			t.Errorf("%q: attachments %+v", content, m.Attachments)
		}
	}
	// The body itself unpadded, as the corpus files have it.
	m := mustParse(t, "From: a@example.org\nSubject: x\nContent-Transfer-Encoding: base64\n\n"+strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("Buongiorno, chiedo un appuntamento.")), "=")+"\n")
	if m.Body != "Buongiorno, chiedo un appuntamento." {
		t.Errorf("body %q", m.Body)
	}
}

// Base64 with characters outside its alphabet in an attachment means a damaged file:
// refused with the file's name, not stored as garbage. In the text it is tolerated.
func TestDamagedBase64(t *testing.T) {
	raw := "From: a@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nQnVvbmdp!!b3Jubw==\n--b\nContent-Type: image/jpeg; name=foto.jpg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ#SkZJRg==\n--b--\n"
	_, err := Parse([]byte(raw))
	p, ok := data.AsProblem(err)
	if !ok || p.Key != "intake.mail.damaged_file" || p.Args["name"] != "foto.jpg" {
		t.Fatalf("damaged attachment: %v", err)
	}
	m := mustParse(t, strings.Replace(raw, "/9j/4AAQ#SkZJRg==", "/9j/4AAQSkZJRg==", 1))
	if m.Body != "Buongiorno" {
		t.Errorf("body %q", m.Body)
	}
}

// A PEC transport envelope was read as if the provider were the citizen.
func TestPECEnvelopeIsTheCitizensMessage(t *testing.T) {
	inner := "From: \"Nicolò Bernardi\" <nicolo.bernardi@pec.example.it>\r\nTo: protocollo@pec.comune.example.it\r\nSubject: Richiesta di accesso agli atti\r\nDate: Tue, 16 Jun 2026 10:15:02 +0200\r\nMessage-ID: <a1b2c3@pec.example.it>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"in\"\r\n\r\n--in\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGentile ufficio, chiedo copia della delibera n. 12 del 2026.\r\n--in\r\nContent-Type: application/pdf; name=\"Domanda firmata.pdf\"\r\nContent-Disposition: attachment; filename=\"Domanda firmata.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n--in--\r\n"
	raw := pecEnvelope(pecArgs{provider: aruba, sender: "nicolo.bernardi@pec.example.it", to: "protocollo@pec.comune.example.it",
		subject: "Richiesta di accesso agli atti", inner: inner, when: time.Date(2026, 6, 16, 10, 15, 30, 0, time.FixedZone("", 7200)),
		id: "opec292.20260616101530.12345.123.1.67@pec.aruba.it", origID: "<a1b2c3@pec.example.it>"})
	m := mustParse(t, string(raw))
	if m.FromName != "Nicolò Bernardi" || m.FromAddress != "nicolo.bernardi@pec.example.it" {
		t.Errorf("from %q <%s>", m.FromName, m.FromAddress)
	}
	if m.Subject != "Richiesta di accesso agli atti" || !strings.Contains(m.Body, "copia della delibera n. 12") || strings.Contains(m.Body, "Messaggio di posta certificata") {
		t.Errorf("subject %q body %q", m.Subject, m.Body)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "Domanda firmata.pdf" || !bytes.HasPrefix(m.Attachments[0].Content, []byte("%PDF-1.4")) {
		t.Errorf("attachments %+v", m.Attachments)
	}
	if m.PEC == nil {
		t.Fatal("not marked as PEC")
	}
	want := time.Date(2026, 6, 16, 10, 15, 30, 0, time.FixedZone("", 7200))
	if !m.Date.Equal(want) || !m.PEC.Sent.Equal(want) || m.DateProblem {
		t.Errorf("date %v, certified %v", m.Date, m.PEC.Sent)
	}
	if _, off := m.PEC.Sent.Zone(); off != 7200 {
		t.Errorf("zone offset %d", off)
	}
	if m.PEC.Sender != "nicolo.bernardi@pec.example.it" || m.PEC.Provider != "ARUBA PEC S.p.A." || m.PEC.Kind != "posta-certificata" ||
		m.PEC.MessageID != "opec292.20260616101530.12345.123.1.67@pec.aruba.it" || strings.Join(m.PEC.Recipients, ",") != "protocollo@pec.comune.example.it" {
		t.Errorf("pec %+v", m.PEC)
	}
	if m.MessageID != "a1b2c3@pec.example.it" || m.Receipt != nil {
		t.Errorf("message id %q receipt %v", m.MessageID, m.Receipt)
	}
	var names []string
	for _, p := range m.Proof {
		names = append(names, p.Name)
	}
	if strings.Join(names, "|") != "busta-pec.eml|daticert.xml|smime.p7s" || !bytes.Equal(m.Proof[0].Content, raw) {
		t.Errorf("proof %v", names)
	}
	if m.Language != data.Italian {
		t.Errorf("language %q", m.Language)
	}
}

// A PEC whose citizen's message is missing is refused, naming the provider.
func TestPECWithoutOriginalIsRefused(t *testing.T) {
	raw := pecEnvelope(pecArgs{provider: legalmail, sender: "a@pec.example.it", to: "b@pec.example.it", subject: "x",
		when: time.Date(2026, 6, 16, 10, 15, 30, 0, time.UTC), id: "id@legalmail.it", origID: "<o@x>"})
	_, err := Parse(raw)
	p, ok := data.AsProblem(err)
	if !ok || p.Key != "intake.mail.pec_no_original" || p.Args["provider"] != "InfoCert S.p.A." {
		t.Fatalf("%v", err)
	}
}

// iso-8859-1 is the label Outlook writes over windows-1252 text.
func TestLatin1LabelMeansWindows1252(t *testing.T) {
	raw := "From: a@example.org\nSubject: =?iso-8859-1?Q?Kosten_=80_100_=96_=93dringend=94?=\nContent-Type: text/plain; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n\nDer Betrag von 25 =80 =96 =93bitte=94 =FCberweisen.\n"
	m := mustParse(t, raw)
	if m.Body != "Der Betrag von 25 € – “bitte” überweisen." {
		t.Errorf("body %q", m.Body)
	}
	if m.Subject != "Kosten € 100 – “dringend”" {
		t.Errorf("subject %q", m.Subject)
	}
}

// UTF-16 parts were stored with their NUL bytes.
func TestUTF16Parts(t *testing.T) {
	text := "Grüße aus Bozen – ciao"
	for name, tc := range map[string]struct {
		label string
		b     []byte
	}{
		"le with BOM":    {"utf-16", append([]byte{0xFF, 0xFE}, utf16le(text)...)},
		"be with BOM":    {"utf-16", append([]byte{0xFE, 0xFF}, utf16be(text)...)},
		"le without BOM": {"utf-16", utf16le(text)},
		"be without BOM": {"utf-16", utf16be(text)},
		"labelled le":    {"UTF-16LE", utf16le(text)},
	} {
		raw := "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=" + tc.label + "\nContent-Transfer-Encoding: base64\n\n" + base64.StdEncoding.EncodeToString(tc.b) + "\n"
		m := mustParse(t, raw)
		if m.Body != text {
			t.Errorf("%s: %q", name, m.Body)
		}
	}
}

// An encoded word inside a quoted display name stayed raw.
func TestEncodedWordInQuotedName(t *testing.T) {
	for from, want := range map[string]string{
		`"=?utf-8?q?M=C3=BCller?=" <x@example.org>`:                        "Müller",
		`"=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_M=C3=BCller?=" <x@example.org>`: "Jörg Müller",
		`"Dott. =?iso-8859-1?Q?Nicol=F2?= Bernardi" <x@example.org>`:       "Dott. Nicolò Bernardi",
		`=?UTF-8?B?QW5uYSBHcnViZXI=?= <x@example.org>`:                     "Anna Gruber",
	} {
		m := mustParse(t, "From: "+from+"\nSubject: x\n\ntext\n")
		if m.FromName != want || m.FromAddress != "x@example.org" {
			t.Errorf("%s: %q <%s>", from, m.FromName, m.FromAddress)
		}
	}
}

// A Date that cannot be read is said so; it never becomes a time silently. Named zones
// are read with their offsets (CEST is +02:00, not UTC).
func TestDates(t *testing.T) {
	cet, cest := time.FixedZone("", 3600), time.FixedZone("", 7200)
	for in, want := range map[string]time.Time{
		"Mon, 15 Jun 2026 09:12:44 +0200":         time.Date(2026, 6, 15, 9, 12, 44, 0, cest),
		"15 Jun 2026 09:12:44 +0200":              time.Date(2026, 6, 15, 9, 12, 44, 0, cest),
		"Mon, 15 Jun 26 09:12:44 +0200":           time.Date(2026, 6, 15, 9, 12, 44, 0, cest),
		"Mon, 15 Jun 2026 09:12:44 CEST":          time.Date(2026, 6, 15, 9, 12, 44, 0, cest),
		"Tue, 3 Feb 2026 16:40:00 CET":            time.Date(2026, 2, 3, 16, 40, 0, 0, cet),
		"Tue, 3 Feb 2026 16:40:00 MET":            time.Date(2026, 2, 3, 16, 40, 0, 0, cet),
		"Tue, 3 Feb 2026 16:40:00 +0100 (CET)":    time.Date(2026, 2, 3, 16, 40, 0, 0, cet),
		"Tue, 3 Feb 2026 16:40 (CET)":             time.Date(2026, 2, 3, 16, 40, 0, 0, cet),
		"Tue, 3 Feb 2026 15:40:00 GMT":            time.Date(2026, 2, 3, 15, 40, 0, 0, time.UTC),
		"Tue, 3 Feb 2026 10:40:00 EST":            time.Date(2026, 2, 3, 15, 40, 0, 0, time.UTC),
		"Tuesday, 3 February 2026 16:40:00 +0100": time.Date(2026, 2, 3, 16, 40, 0, 0, cet),
		"Mar, 3 Feb 2026 16:40:00 +0100":          time.Date(2026, 2, 3, 16, 40, 0, 0, cet),
		"3 Mär 2026 16:40:00 +0100":               time.Date(2026, 3, 3, 16, 40, 0, 0, cet),
		"2026-06-15T09:12:44+02:00":               time.Date(2026, 6, 15, 9, 12, 44, 0, cest),
		"2026-06-15 09:12:44 +0200":               time.Date(2026, 6, 15, 9, 12, 44, 0, cest),
	} {
		got, ok := parseDate(in)
		if !ok || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
		if _, off := got.Zone(); ok {
			if _, woff := want.Zone(); off != woff && !strings.Contains(in, "EST") {
				t.Errorf("%q: offset %d, want %d", in, off, woff)
			}
		}
	}
	for _, in := range []string{"gestern", "Mon, 15 Jun 2026", "Mon, 15 Jun 2026 09:12:44", "Mon, 15 Jun 2026 09:12:44 XYZT",
		"31 Jun 2026 10:00:00 +0200", "Thu, 01 Jan 1970 00:00:00 +0000", "15 Jun 2026 25:00:00 +0200", "0"} {
		if got, ok := parseDate(in); ok {
			t.Errorf("%q read as %v", in, got)
		}
	}
	m := mustParse(t, "From: a@example.org\nSubject: x\nDate: irgendwann im Juni\n\ntext\n")
	if !m.Date.IsZero() || !m.DateProblem {
		t.Errorf("unreadable date: %v %v", m.Date, m.DateProblem)
	}
	m = mustParse(t, "From: a@example.org\nSubject: x\n\ntext\n")
	if !m.Date.IsZero() || m.DateProblem {
		t.Errorf("no date: %v %v", m.Date, m.DateProblem)
	}
	m = mustParse(t, "From: a@example.org\nSubject: x\nDate: Mon, 15 Jun 2026 09:12:44 CEST\n\ntext\n")
	if _, off := m.Date.Zone(); off != 7200 || m.Date.Hour() != 9 {
		t.Errorf("CEST read as %v", m.Date)
	}
}

// A panic anywhere in the reading becomes a refusal rather than a closed window.
func TestPanicBecomesAProblem(t *testing.T) {
	m, err := safely(func() (*Message, error) {
		var b []byte
		_ = b[3] // what the unpadded base64 fallback did
		return &Message{}, nil
	})
	p, ok := data.AsProblem(err)
	if m != nil || !ok || p.Key != "intake.mail.unreadable" || !strings.Contains(p.Args["detail"], "index out of range") {
		t.Fatalf("%v %v", m, err)
	}
	if !errors.Is(err, p.Err) && p.Err == nil {
		t.Error("no cause kept for the log")
	}
}

// Plain text sent as format=flowed is joined back into its paragraphs.
func TestFormatFlowed(t *testing.T) {
	raw := "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\nIch bitte um einen Termin f\xc3\xbcr die  \nAnmeldung zum Kurs.\n\n> Zitat das \n> weitergeht\n-- \nGru\xc3\x9f\n"
	m := mustParse(t, raw)
	if !strings.Contains(m.Body, "Ich bitte um einen Termin für die Anmeldung zum Kurs.") || !strings.Contains(m.Body, "> Zitat dasweitergeht") {
		t.Errorf("body %q", m.Body)
	}
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

// Tens of thousands of empty parts are refused at once: enmime links every part to
// the end of its siblings' list, which took minutes.
func TestManyPartsRefused(t *testing.T) {
	for _, raw := range []string{
		"Subject: x\nContent-Type: multipart/mixed\n\n" + strings.Repeat("--a\n", 1<<18),
		"Subject: x\nContent-Type: multipart/mixed; boundary=a\n\n" + strings.Repeat("--a\n", 1<<18),
	} {
		_, err := Parse([]byte(raw))
		if p, ok := data.AsProblem(err); !ok || p.Key != "intake.mail.broken" {
			t.Errorf("%v", err)
		}
	}
}

// File names in every charset they come in: RFC 2231 in Latin charsets (which the
// media type parser drops), encoded words labelled ISO-8859-1, raw 8-bit names.
func TestAttachmentNameCharsets(t *testing.T) {
	for d, want := range map[string]string{
		`attachment; filename*=iso-8859-1''R%E9sum%E9%20%80.pdf`:                 "Résumé €.pdf",
		`attachment; filename*=windows-1252''%84Antrag%93.pdf`:                   "„Antrag“.pdf",
		`attachment; filename*=UTF-8'de'Antrag%20f%C3%BCr.pdf`:                   "Antrag für.pdf",
		`attachment; filename*0*=UTF-8''Antrag%20; filename*1*=f%C3%BCr.pdf`:     "Antrag für.pdf",
		`attachment; filename*0*=iso-8859-1''Antrag%20; filename*1=fuer_Amt.pdf`: "Antrag fuer_Amt.pdf",
		`attachment; filename="=?ISO-8859-1?Q?R=E9sum=E9_=80.pdf?="`:             "Résumé €.pdf",
		"attachment; filename=\"Gr\xfc\xdfe.pdf\"":                               "Grüße.pdf",
		"attachment; filename=\"Gr\xc3\xbc\xc3\x9fe.pdf\"":                       "Grüße.pdf",
		`attachment; filename="C:\Dokumente\Antrag.pdf"`:                         "Antrag.pdf",
	} {
		raw := "From: a@b.c\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: application/pdf\nContent-Disposition: " + d + "\n\nx\n--b--\n"
		m := mustParse(t, raw)
		if len(m.Attachments) != 1 || m.Attachments[0].Name != want {
			t.Errorf("%q: %+v, want %q", d, m.Attachments, want)
		}
	}
}

// Encoded words that cut a character in two, or carry bytes that are not UTF-8 under a
// UTF-8 label, still give clean text.
func TestEncodedWordEdges(t *testing.T) {
	for subject, want := range map[string]string{
		"=?UTF-8?B?R3LD?= =?UTF-8?B?vMOfZQ==?=":     "Grüße",
		"=?UTF-8?Q?Gr=C3?= =?UTF-8?Q?=BC=C3=9Fe?=":  "Grüße",
		"=?UTF-8?Q?Gr=FC=DFe?=":                     "Grüße",
		"=?utf-8?q?a?= b =?utf-8?q?c?=":             "a b c",
		"=?utf-8?q?a?=\r\n =?iso-8859-1?q?=E8?=":    "aè",
		"=?UTF-8*it?Q?citt=C3=A0?=":                 "città",
		"=?UTF-8?X?abc?= =?bogus":                   "=?UTF-8?X?abc?= =?bogus",
		"Re: =?windows-1252?Q?=93Antrag=94?= bitte": "Re: “Antrag” bitte",
		"=?UTF-8?B?0000?=0":                         "",
	} {
		got := decodeHeader(subject)
		if want != "" && got != want || !utf8.ValidString(got) {
			t.Errorf("%q: %q, want %q", subject, got, want)
		}
	}
}
