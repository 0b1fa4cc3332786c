//go:build cgo

package token

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
	"ascolto/printing/signature/token/tokentest"
)

func document(t testing.TB) []byte {
	t.Helper()
	pdf := printing.NewDocument("P", time.Date(2026, 11, 27, 10, 0, 0, 0, data.Rome))
	pdf.AddPage()
	pdf.Text(25, 40, "Gentile signora Müller, la sua richiesta è accolta. Grüße aus Brixen.")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t testing.TB, h *tokentest.HSM) *Module {
	t.Helper()
	m, err := Open(h.Module)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// login opens the token's signer with its PIN.
func login(t testing.TB, h *tokentest.HSM) (*Session, *signature.Signer) {
	t.Helper()
	s, err := open(t, h).Login(h.Label, h.PIN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sg, err := s.Signer(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s, sg
}

// TestTokenList: the card is listed with its label, serial and maker, and of its three
// certificates only the one with a key there; before the PIN, through its public key.
func TestTokenList(t *testing.T) {
	h := tokentest.New(t, "Firma Rossi", certtest.Spec{Name: "Maria Rossi", CAs: 2})
	ts, err := open(t, h).Tokens()
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 {
		t.Fatalf("%d tokens: %+v", len(ts), ts)
	}
	tk := ts[0]
	if tk.Label != "Firma Rossi" || tk.Serial == "" || !strings.Contains(tk.Manufacturer, "SoftHSM") {
		t.Errorf("token %+v", tk)
	}
	if len(tk.Certificates) != 1 || tk.Certificates[0].Name() != "Maria Rossi" || !tk.Certificates[0].NonRepudiation() {
		t.Errorf("certificates %+v", tk.Certificates)
	}
}

// needed: pdfsig and openssl are part of the checks; as root they must be there.
func needed(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Geteuid() == 0 {
			t.Fatalf("%s is not installed (poppler-utils, openssl)", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

// Verify checks a PDF signed on the card the way an outside verifier would: pdfsig
// names the signer and calls the signature valid over the whole file, and openssl cms
// verifies the CMS signature in /Contents against the bytes /ByteRange covers, with
// the test CA as the only trusted root.
func verify(t *testing.T, pdf []byte, h *tokentest.HSM) {
	t.Helper()
	needed(t, "pdfsig")
	needed(t, "openssl")
	dir := t.TempDir()
	f := filepath.Join(dir, "letter.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", f).CombinedOutput()
	for _, want := range []string{"Signer Certificate Common Name: " + h.Cert.Subject.CommonName, "Signature Validation: Signature is Valid.", "Total document signed"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`).FindAllSubmatch(pdf, -1)
	if len(m) != 1 {
		t.Fatalf("%d /ByteRange", len(m))
	}
	var br [4]int
	for i := range br {
		br[i], _ = strconv.Atoi(string(m[0][i+1]))
	}
	signed := append(bytes.Clone(pdf[br[0]:br[0]+br[1]]), pdf[br[2]:br[2]+br[3]]...)
	hexsig := bytes.Trim(pdf[br[0]+br[1]:br[2]], "<>")
	der := make([]byte, len(hexsig)/2)
	if _, err := hex.Decode(der, hexsig); err != nil {
		t.Fatal(err)
	}
	// /Contents is padded with zeros after the DER signature
	var rv asn1.RawValue
	if _, err := asn1.Unmarshal(der, &rv); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"content": signed, "sig.der": rv.FullBytes}
	var roots []byte
	for _, c := range h.CAs {
		if bytes.Equal(c.RawIssuer, c.RawSubject) {
			roots = append(roots, pemCert(c)...)
		}
	}
	files["root.pem"] = roots
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-content", "content",
		"-CAfile", "root.pem", "-purpose", "any", "-out", "/dev/null"}
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Errorf("openssl cms -verify: %v\n%s", err, out)
	}
}

// TestTokenSignsLetter: RSA and ECDSA keys on the card sign a letter that pdfsig and
// openssl verify, the signature package's own check having run on it.
func TestTokenSignsLetter(t *testing.T) {
	for _, k := range []string{"rsa2048", "p256", "rsa3072", "p384"} {
		t.Run(k, func(t *testing.T) {
			h := tokentest.New(t, "Firma", certtest.Spec{Name: "Maria Rossi", Key: k, CAs: 2})
			_, sg := login(t, h)
			if !sg.Certificate().Equal(h.Cert) || len(sg.Chain()) != 2 {
				t.Fatalf("signer %s with a chain of %d", sg.Name(), len(sg.Chain()))
			}
			start := time.Now()
			pdf, err := sg.Sign(document(t), signature.Options{Reason: "Risposta", Location: "Bolzano", Date: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: one letter signed on the card in %v", k, time.Since(start))
			verify(t, pdf, h)
		})
	}
}

// TestTokenTwentyLetters: twenty letters signed after one login.
func TestTokenTwentyLetters(t *testing.T) {
	h := tokentest.New(t, "Firma", certtest.Spec{Name: "Maria Rossi"})
	before := Logins()
	_, sg := login(t, h)
	doc := document(t)
	start := time.Now()
	var last []byte
	for i := 0; i < 20; i++ {
		pdf, err := sg.Sign(doc, signature.Options{Reason: "Risposta", Date: time.Now()})
		if err != nil {
			t.Fatalf("letter %d: %v", i, err)
		}
		last = pdf
	}
	t.Logf("20 letters signed on the card in %v", time.Since(start))
	if n := Logins() - before; n != 1 {
		t.Errorf("%d logins for 20 letters", n)
	}
	verify(t, last, h)
}

func problemKey(err error) string {
	if p, ok := data.AsProblem(err); ok {
		return p.Key
	}
	return "not a problem: " + err.Error()
}

// TestTokenRefusals: each way the card can refuse has its own sentence.
func TestTokenRefusals(t *testing.T) {
	h := tokentest.New(t, "Firma Rossi", certtest.Spec{Name: "Maria Rossi"})
	m := open(t, h)
	// SoftHSM2, like many cards, marks the PIN count low after a wrong PIN (and never
	// locks): the sentence says few tries are left.
	if _, err := m.Login("Firma Rossi", "9999"); problemKey(err) != "letter.token.err_pin_low" {
		t.Errorf("wrong PIN: %v", err)
	}
	if ts, err := m.Tokens(); err != nil || !ts[0].PINCountLow() {
		t.Errorf("count low not shown: %+v %v", ts, err)
	}
	if _, err := m.Login("Firma Rossi", ""); problemKey(err) != "letter.token.err_pin_empty" {
		t.Errorf("no PIN: %v", err)
	}
	if _, err := m.Login("Firma Bianchi", h.PIN); problemKey(err) != "letter.token.err_token_label" {
		t.Errorf("wrong label: %v", err)
	} else if p, _ := data.AsProblem(err); p.Args["labels"] != "Firma Rossi" {
		t.Errorf("labels %q", p.Args["labels"])
	}
	// the right PIN still works after the wrong ones
	s, err := m.Login("", h.PIN)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if ts, err := m.Tokens(); err != nil || ts[0].PINCountLow() {
		t.Errorf("count low after the right PIN: %+v %v", ts, err)
	}

	if _, err := Open(filepath.Join(t.TempDir(), "missing.so")); problemKey(err) != "letter.token.err_module_missing" {
		t.Errorf("missing module: %v", err)
	}
	notLib := filepath.Join(t.TempDir(), "opensc-pkcs11.so")
	os.WriteFile(notLib, []byte("not a library"), 0o644)
	if _, err := Open(notLib); problemKey(err) != "letter.token.err_module_load" {
		t.Errorf("not a library: %v", err)
	}
	if _, err := Open(" "); problemKey(err) != "letter.token.err_module_none" {
		t.Errorf("no module: %v", err)
	}
	closed := open(t, h)
	closed.Close()
	if _, err := closed.Login("", h.PIN); err == nil {
		t.Error("a closed module logged in")
	}
}

// TestTokenNoCard: a reader with no (initialized) card lists nothing and says so at login.
func TestTokenNoCard(t *testing.T) {
	h := tokentest.Empty(t)
	m := open(t, h)
	if ts, err := m.Tokens(); err != nil || len(ts) != 0 {
		t.Errorf("%+v %v", ts, err)
	}
	if _, err := m.Login("", "1234"); problemKey(err) != "letter.token.err_no_token" {
		t.Errorf("no card: %v", err)
	}
}

// TestTokenNoKey: a card with certificates but no private key of theirs is refused at
// login, and lists no signing certificate.
func TestTokenNoKey(t *testing.T) {
	h := tokentest.New(t, "Firma", certtest.Spec{Name: "Maria Rossi"})
	h2 := tokentest.Empty(t)
	h2.Label, h2.PIN, h2.SOPIN = "Solo certificati", "1234", "12345678"
	out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", h2.Label, "--so-pin", h2.SOPIN, "--pin", h2.PIN).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	h2.WriteCert(t, "01", h.Cert)
	m := open(t, h2)
	ts, err := m.Tokens()
	if err != nil || len(ts) != 1 || len(ts[0].Certificates) != 0 {
		t.Fatalf("%+v %v", ts, err)
	}
	if _, err := m.Login("", h2.PIN); problemKey(err) != "letter.token.err_no_cert" {
		t.Errorf("no key: %v", err)
	}
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// TestTokenAlwaysAuthenticate: a key that asks for the PIN before each signature signs
// a batch after one login, the PIN given again for each letter.
func TestTokenAlwaysAuthenticate(t *testing.T) {
	h := tokentest.NewAlwaysAuthenticate(t, "Firma", certtest.Spec{Name: "Maria Rossi"})
	before := Logins()
	_, sg := login(t, h)
	doc := document(t)
	var pdf []byte
	for i := 0; i < 3; i++ {
		var err error
		if pdf, err = sg.Sign(doc, signature.Options{Reason: "Risposta", Date: time.Now()}); err != nil {
			t.Fatalf("letter %d: %v", i, err)
		}
	}
	if n := Logins() - before; n != 1 {
		t.Errorf("%d logins", n)
	}
	verify(t, pdf, h)
}

// TestTokenRemovedWhileSigning: a session the module no longer knows (what a card
// taken out leaves) makes the signature fail with the card's sentence, not a general
// one; so does a session already closed.
func TestTokenRemovedWhileSigning(t *testing.T) {
	h := tokentest.New(t, "Firma", certtest.Spec{Name: "Maria Rossi"})
	s, sg := login(t, h)
	if err := s.m.lib.ctx.CloseSession(s.sh); err != nil { // behind the session's back
		t.Fatal(err)
	}
	_, err := sg.Sign(document(t), signature.Options{Date: time.Now()})
	if problemKey(err) != "letter.token.err_removed" {
		t.Fatalf("signing after the card left: %v", err)
	}
	s.Close()
	if _, err := sg.Sign(document(t), signature.Options{Date: time.Now()}); problemKey(err) != "letter.token.err_removed" {
		t.Fatalf("signing after the session closed: %v", err)
	}
}
