package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing/signature/certtest"
)

// readPDF reads a PDF's text back with poppler.
func readPDF(t *testing.T, path string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	out, err := exec.Command("pdftotext", append(append([]string{"-enc", "UTF-8"}, args...), path, "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext %s: %v %s", path, err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func letterCount(t *testing.T, c *ctl) int {
	s, err := data.Open(c.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	s.DB().QueryRow(`SELECT count(*) FROM letters`).Scan(&n)
	return n
}

// p12File writes a throw-away certificate.
func p12File(t *testing.T, spec certtest.Spec) string {
	t.Helper()
	b, err := certtest.P12(spec)
	if err != nil && spec.Encoding == "openssl" {
		spec.Encoding = "modern"
		b, err = certtest.P12(spec)
	}
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), "cert.p12", string(b))
}

func TestLetterCommand(t *testing.T) {
	c := newCtl(t)
	dir := t.TempDir()
	a := addJSON(c, "--kind", "complaint", "--channel", "counter", "--subject", "Wartezeiten am Schalter",
		"--citizen-name", "Jörg Müller", "--citizen-address", "Laubengasse 5, 39100 Bozen", "--language", "de", "--received", "2026-11-23T09:15:00+01:00")
	out := filepath.Join(dir, "antwort.pdf")
	// no reply yet: refused, nothing written
	c.refused("has no reply yet", 1, "letter", a.Number, "--out", out)
	if _, err := os.Stat(out); err == nil || letterCount(t, c) != 0 {
		t.Fatal("a refused letter left a file or a letter behind")
	}
	// the reply given with the letter is recorded with it
	msg := c.ok("letter", a.Number, "--out", out, "--text", "Sehr geehrter Herr Müller, ab 1. Dezember öffnen wir einen zweiten Schalter; die Gebühr von 12 € entfällt.")
	if !strings.Contains(msg, a.Number+"/1") || !strings.Contains(msg, "SHA-256") {
		t.Fatalf("said %q", msg)
	}
	text := readPDF(t, out)
	for _, want := range []string{"Betreff: Beschwerde Nr. " + a.Number, "Sehr geehrter Herr Müller,", "Ab 1. Dezember öffnen wir einen zweiten Schalter; die Gebühr von 12 € entfällt.", "Mit freundlichen Grüßen"} {
		if !strings.Contains(text, want) {
			t.Errorf("letter lacks %q: %s", want, text)
		}
	}
	var shown data.Case
	json.Unmarshal([]byte(c.ok("show", a.Number, "--json")), &shown)
	if shown.Status != data.StatusAnswered {
		t.Fatalf("status %s", shown.Status)
	}
	// the archive gives back the same bytes
	var ls []data.Letter
	json.Unmarshal([]byte(c.ok("letter", "list", a.Number, "--json")), &ls)
	if len(ls) != 1 || ls[0].Status != data.LetterIssued || ls[0].Language != data.LetterGerman {
		t.Fatalf("letters %+v", ls)
	}
	again := filepath.Join(dir, "kopie.pdf")
	c.ok("letter", "copy", ls[0].Number, "--out", again)
	b1, _ := os.ReadFile(out)
	b2, _ := os.ReadFile(again)
	if !bytes.Equal(b1, b2) {
		t.Fatal("a copy from the archive differs from the letter issued")
	}
	// bilingual: the Italian text is needed, then it reads in both columns
	both := filepath.Join(dir, "both.pdf")
	c.refused("lacks the reply text in IT", 1, "letter", a.Number, "--out", both, "--language", "both")
	c.ok("letter", a.Number, "--out", both, "--language", "both", "--text-it", "Dal 1º dicembre apriamo un secondo sportello; la tariffa di 12 € è abolita.")
	if text := readPDF(t, both); !strings.Contains(text, "Oggetto: Reclamo n. "+a.Number) || !strings.Contains(text, "Betreff: Beschwerde Nr. "+a.Number) {
		t.Fatalf("bilingual: %s", text)
	}
	c.ok("letter", "sent", a.Number+"/1", "--via", "Post")
	c.refused("already sent", 1, "letter", "sent", a.Number+"/1")
	hist := c.ok("history", a.Number)
	for _, w := range []string{"reply letter issued", "letter sent"} {
		if !strings.Contains(hist, w) {
			t.Errorf("history lacks %q:\n%s", w, hist)
		}
	}
	if out := c.ok("verify"); !strings.Contains(out, "intact") {
		t.Fatal(out)
	}
}

// TestSignedLetterAndRefusedCertificates: a letter signed through --sign/--pass-env
// verifies with pdfsig; a wrong password, an expired certificate, a file that is not a
// certificate and a missing variable each give one clear sentence and write nothing.
func TestSignedLetterAndRefusedCertificates(t *testing.T) {
	c := newCtl(t)
	dir := t.TempDir()
	a := addJSON(c, "--kind", "request", "--channel", "email", "--subject", "Certificato", "--citizen-name", "Nicolò Dalla Via", "--language", "it")
	c.ok("reply", a.Number, "--text", "Il certificato è pronto.")
	good := p12File(t, certtest.Spec{Name: "Giulia Ferrari", Password: "s3greto", Encoding: "openssl"})
	t.Setenv("ASCOLTO_TEST_P12", "s3greto")
	t.Setenv("ASCOLTO_TEST_WRONG", "sbagliata")
	out := filepath.Join(dir, "firmata.pdf")
	now := time.Now()
	for _, r := range []struct {
		want string
		args []string
	}{
		{"Wrong password for the certificate", []string{"--sign", good, "--pass-env", "ASCOLTO_TEST_WRONG"}},
		{"expired on", []string{"--sign", p12File(t, certtest.Spec{Password: "s3greto", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(0, 0, -2)}), "--pass-env", "ASCOLTO_TEST_P12"}},
		{"not a PKCS#12 signing certificate", []string{"--sign", writeFile(t, dir, "note.p12", "questo non è un certificato"), "--pass-env", "ASCOLTO_TEST_P12"}},
		{"ASCOLTO_TEST_UNSET", []string{"--sign", good, "--pass-env", "ASCOLTO_TEST_UNSET"}},
		{"cannot be read", []string{"--sign", filepath.Join(dir, "missing.p12"), "--pass-env", "ASCOLTO_TEST_P12"}},
	} {
		c.refused(r.want, 1, append([]string{"letter", a.Number, "--out", out}, r.args...)...)
		if _, err := os.Stat(out); err == nil || letterCount(t, c) != 0 {
			t.Fatalf("%s: a letter was written", r.want)
		}
	}
	c.refused("--pass-env", 2, "letter", a.Number, "--out", out, "--sign", good)
	msg := c.ok("letter", a.Number, "--out", out, "--sign", good, "--pass-env", "ASCOLTO_TEST_P12")
	if !strings.Contains(msg, "Digitally signed by Giulia Ferrari") {
		t.Fatalf("said %q", msg)
	}
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Skip("pdfsig is not installed")
	}
	sig, _ := exec.Command("pdfsig", out).CombinedOutput()
	for _, want := range []string{"Signer Certificate Common Name: Giulia Ferrari", "Signature is Valid.", "Total document signed"} {
		if !strings.Contains(string(sig), want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, sig)
		}
	}
	if q, err := exec.Command("qpdf", "--check", out).CombinedOutput(); err != nil {
		t.Errorf("qpdf: %v %s", err, q)
	}
}

func TestTemplatesAndSettingsCommands(t *testing.T) {
	c := newCtl(t)
	c.refused("{cittadino}", 1, "letter", "template", "set", "salutation", "--language", "it", "--text", "Gentile {cittadino},")
	c.ok("letter", "template", "set", "salutation", "--language", "it", "--text", "Egregio/a {citizen},")
	if out := c.ok("letter", "template", "show", "salutation", "--language", "it"); strings.TrimSpace(out) != "Egregio/a {citizen}," {
		t.Fatalf("show %q", out)
	}
	list := c.ok("letter", "template", "list")
	if !strings.Contains(list, "office's own") || !strings.Contains(list, "body.praise") {
		t.Fatalf("list:\n%s", list)
	}
	c.ok("letter", "template", "reset", "salutation", "--language", "it")
	c.refused("window", 1, "letter", "settings", "--window", "middle")
	out := c.ok("letter", "settings", "--signer", "Elisabeth Pichler", "--window", "right", "--role-de", "Die Direktorin")
	if !strings.Contains(out, "Elisabeth Pichler") || !strings.Contains(out, "right") {
		t.Fatalf("settings:\n%s", out)
	}
	a := addJSON(c, "--kind", "praise", "--channel", "counter", "--subject", "Freundliche Beratung", "--citizen-name", "Anna Mair", "--language", "de")
	c.ok("reply", a.Number, "--text", "Wir haben Ihr Lob weitergegeben.")
	pdf := filepath.Join(t.TempDir(), "lob.pdf")
	c.ok("letter", a.Number, "--out", pdf)
	if text := readPDF(t, pdf); !strings.Contains(text, "Elisabeth Pichler Die Direktorin") || !strings.Contains(text, "herzlichen Dank für Ihre positive Rückmeldung") {
		t.Fatalf("%s", text)
	}
}

func TestBatchPrintAndExtract(t *testing.T) {
	c := newCtl(t)
	var numbers []string
	for i, who := range []string{"Maria Rossi", "Jörg Müller", "Nicolò Dalla Via"} {
		lang := []string{"it", "de", "it"}[i]
		a := addJSON(c, "--kind", "request", "--channel", "counter", "--subject", "Orari dello sportello", "--citizen-name", who, "--language", lang)
		c.ok("reply", a.Number, "--text", "Risposta "+who)
		numbers = append(numbers, a.Number)
	}
	addJSON(c, "--kind", "report", "--channel", "phone", "--subject", "Ancora aperta")
	dir := t.TempDir()
	if out := c.ok("letter", "batch", "--out-dir", dir); !strings.Contains(out, "3 letters issued") {
		t.Fatalf("batch: %s", out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) != 3 {
		t.Fatalf("files %v", files)
	}
	if out := c.ok("letter", "batch"); !strings.Contains(out, "0 letters issued") {
		t.Fatalf("a second batch issues nothing new: %s", out)
	}
	ext := filepath.Join(dir, "auszug.pdf")
	c.ok("extract", "--out", ext, "--language", "de", "--status", "answered")
	text := readPDF(t, ext)
	for _, want := range append(numbers, "Registerauszug", "Filter: Status: beantwortet", "3 Vorgänge", "Jörg Müller") {
		if !strings.Contains(text, want) {
			t.Errorf("extract lacks %q: %s", want, text)
		}
	}
	if strings.Contains(text, "Ancora aperta") {
		t.Error("the extract holds only the filtered cases")
	}

	// print today's letters on the CUPS PDF printer, where there is one
	if err := exec.Command("lpstat", "-p", "PDF").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run .ci/cups.sh: no CUPS printer PDF")
		}
		t.Skip("no CUPS printer PDF (run .ci/cups.sh)")
	}
	out := c.ok("letter", "print", "--today", "--printer", "PDF")
	if !strings.Contains(out, "3 document(s) sent to printer PDF") {
		t.Fatalf("print: %s", out)
	}
	var ls []data.Letter
	json.Unmarshal([]byte(c.ok("letter", "list", numbers[0], "--json")), &ls)
	if len(ls) != 1 || ls[0].Status != data.LetterPrinted {
		t.Fatalf("after printing: %+v", ls)
	}
	if out := c.ok("letter", "print", "--today", "--unprinted", "--printer", "PDF"); !strings.Contains(out, "No letters to print") {
		t.Fatalf("unprinted: %s", out)
	}
}
