package signature

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing"
	"ascolto/printing/signature/certtest"
)

// document is a small PDF made the way letters are.
func document(t testing.TB) []byte {
	t.Helper()
	pdf := printing.NewDocument("P", time.Date(2026, 11, 27, 10, 0, 0, 0, data.Rome))
	pdf.AddPage()
	pdf.Text(25, 40, "Gentile signora Müller, la tariffa di 12 € è abolita. Grüße aus Brixen.")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func p12(t testing.TB, s certtest.Spec) []byte {
	t.Helper()
	b, err := certtest.P12(s)
	if err != nil {
		if s.Encoding == "openssl" {
			t.Skipf("openssl command not available: %v", err)
		}
		t.Fatal(err)
	}
	return b
}

// tool runs a checker on a PDF and returns its output; it skips the test when the tool
// is not installed (poppler-utils, qpdf), so that the check is never silently weaker.
func tool(t testing.TB, pdf []byte, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed", name)
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(name, append(args, f)...).CombinedOutput()
	return string(out), err
}

// CheckSigned asserts what poppler says of a signed PDF: the signature valid, the whole
// document signed, the signer's name; and that qpdf finds the file sound.
func checkSigned(t *testing.T, pdf []byte, name string) {
	t.Helper()
	out, _ := tool(t, pdf, "pdfsig")
	for _, want := range []string{"Signer Certificate Common Name: " + name, "Signature Validation: Signature is Valid.", "Total document signed"} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, out)
		}
	}
	if out, err := tool(t, pdf, "qpdf", "--check"); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
}

func TestSignVerifiesWithPdfsig(t *testing.T) {
	now := time.Now()
	for _, spec := range []certtest.Spec{
		{Name: "Maria Rossi", Password: "segreto", Encoding: "modern"},
		{Name: "Jörg Müller", Password: "geheim", Encoding: "legacy"},
		{Name: "Giulia Ferrari", Password: "pässwörd", Encoding: "openssl"},
		{Name: "Ufficio BZ", Password: "x", ECDSA: true},
	} {
		t.Run(spec.Encoding+spec.Name, func(t *testing.T) {
			s, err := Load(p12(t, spec), spec.Password, now)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name() != spec.Name {
				t.Fatalf("name %q", s.Name())
			}
			doc := document(t)
			signed, err := s.Sign(doc, Options{Reason: "Risposta scritta", Location: "Bolzano", Date: now})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(signed, doc) {
				t.Fatal("the signature must be an incremental update of the document as rendered")
			}
			checkSigned(t, signed, spec.Name)
		})
	}
}

func TestVisibleSignature(t *testing.T) {
	now := time.Now()
	s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw"}), "pw", now)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := s.Sign(document(t), Options{Date: now, Visible: true, Page: 1, Rect: [4]float64{300, 200, 530, 260}})
	if err != nil {
		t.Fatal(err)
	}
	checkSigned(t, signed, "Maria Rossi")
}

func TestRefusedCertificates(t *testing.T) {
	now := time.Now()
	good := p12(t, certtest.Spec{Password: "right"})
	openssl, _ := certtest.P12(certtest.Spec{Password: "right", Encoding: "openssl"})
	cases := []struct {
		name     string
		file     []byte
		password string
		key      string
	}{
		{"wrong password", good, "wrong", "letter.err_p12_password"},
		{"wrong password, OpenSSL 3 file", openssl, "wrong", "letter.err_p12_password"},
		{"expired", p12(t, certtest.Spec{Password: "pw", NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(0, 0, -1)}), "pw", "letter.err_cert_expired"},
		{"not yet valid", p12(t, certtest.Spec{Password: "pw", NotBefore: now.AddDate(0, 1, 0), NotAfter: now.AddDate(1, 0, 0)}), "pw", "letter.err_cert_not_yet"},
		{"not a certificate", []byte("Gentile signora, questo non è un certificato.\n"), "pw", "letter.err_p12_invalid"},
		{"a PDF", document(t), "pw", "letter.err_p12_invalid"},
		{"empty", nil, "", "letter.err_p12_invalid"},
	}
	for _, c := range cases {
		if c.file == nil && c.name != "empty" {
			continue // openssl missing
		}
		_, err := Load(c.file, c.password, now)
		p, ok := data.AsProblem(err)
		if !ok || p.Key != c.key {
			t.Errorf("%s: %v, want %s", c.name, err, c.key)
		}
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.p12"), "", now); err == nil {
		t.Error("a missing file must be refused")
	}
}

// TestOpenSSLDefaultEncoding: the file the openssl command writes by default is the
// modern PBES2/AES-256 one that older PKCS#12 readers cannot open.
func TestOpenSSLDefaultEncoding(t *testing.T) {
	b := p12(t, certtest.Spec{Password: "pw", Encoding: "openssl"})
	f := filepath.Join(t.TempDir(), "c.p12")
	os.WriteFile(f, b, 0o600)
	out, err := exec.Command("openssl", "pkcs12", "-in", f, "-info", "-noout", "-passin", "pass:pw").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.Contains(string(out), "PBES2") || !strings.Contains(string(out), "AES-256-CBC") {
		t.Skipf("this openssl writes a legacy encoding by default:\n%s", out)
	}
	if _, err := Load(b, "pw", time.Now()); err != nil {
		t.Fatal(err)
	}
}
