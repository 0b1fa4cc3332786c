//go:build cgo

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	xterm "golang.org/x/term"

	"ascolto/data"
	"ascolto/printing/pdfa"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
	"ascolto/printing/signature/token"
	"ascolto/printing/signature/token/tokentest"
)

// pdfsigValid asserts that poppler calls the file's one signature valid and names the signer.
func pdfsigValid(t *testing.T, path, name string) {
	t.Helper()
	if _, err := exec.LookPath("pdfsig"); err != nil {
		if os.Geteuid() == 0 {
			t.Fatal("pdfsig (poppler-utils) is not installed")
		}
		t.Skip("pdfsig is not installed")
	}
	out, _ := exec.Command("pdfsig", path).CombinedOutput()
	for _, want := range []string{"Signer Certificate Common Name: " + name, "Signature is Valid.", "Total document signed"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s: pdfsig lacks %q:\n%s", path, want, out)
		}
	}
}

// TestTokenLetterCommand: letter --pkcs11 signs on the card with the PIN from
// --pin-env; a wrong PIN, a wrong card label, a module without a card, both --sign and
// --pkcs11 are refused with their sentence and leave no letter.
func TestTokenLetterCommand(t *testing.T) {
	h := tokentest.New(t, "Firma Pichler", certtest.Spec{Name: "Elisabeth Pichler", CAs: 1})
	c := newCtl(t)
	a := addJSON(c, "--kind", "request", "--channel", "counter", "--subject", "Orari", "--citizen-name", "Maria Rossi", "--language", "it")
	c.ok("reply", a.Number, "--text", "Lo sportello apre alle 8.")
	out := filepath.Join(t.TempDir(), "risposta.pdf")
	t.Setenv("CARD_PIN", h.PIN)
	t.Setenv("BAD_PIN", "0000")

	c.refused("Wrong PIN: only a few tries are left", 1, "letter", a.Number, "--out", out, "--pkcs11", h.Module, "--pin-env", "BAD_PIN")
	c.refused("is not inserted; present are: Firma Pichler", 1, "letter", a.Number, "--out", out, "--pkcs11", h.Module, "--token", "Firma Rossi", "--pin-env", "CARD_PIN")
	c.refused("does not exist", 1, "letter", a.Number, "--out", out, "--pkcs11", filepath.Join(t.TempDir(), "none.so"), "--pin-env", "CARD_PIN")
	c.refused("NO_SUCH_PIN", 1, "letter", a.Number, "--out", out, "--pkcs11", h.Module, "--pin-env", "NO_SUCH_PIN")
	c.refused("not both", 2, "letter", a.Number, "--out", out, "--pkcs11", h.Module, "--pin-env", "CARD_PIN", "--sign", "x.p12", "--pass-env", "CARD_PIN")
	c.refused("--pkcs11", 2, "letter", a.Number, "--out", out, "--token", "Firma Pichler", "--pin-env", "CARD_PIN")
	// without --pin-env the PIN is asked on the terminal, which a test has not
	if !xterm.IsTerminal(int(os.Stdin.Fd())) {
		c.refused("The PIN can only be asked in a terminal", 1, "letter", a.Number, "--out", out, "--pkcs11", h.Module)
	}
	if letterCount(t, c) != 0 {
		t.Fatal("a refused signature left a letter")
	}

	start := time.Now()
	msg := c.ok("letter", a.Number, "--out", out, "--pkcs11", h.Module, "--token", "firma pichler", "--pin-env", "CARD_PIN")
	t.Logf("one letter issued and signed on the card in %v", time.Since(start))
	if !strings.Contains(msg, "Elisabeth Pichler") {
		t.Errorf("said %q", msg)
	}
	pdfsigValid(t, out, "Elisabeth Pichler")

	// a second card: which one must be said
	h.Another(t, "Firma Rossi", certtest.Spec{Name: "Maria Rossi"})
	c.refused("Several smart cards are inserted (", 1, "letter", a.Number, "--out", out, "--pkcs11", h.Module, "--pin-env", "CARD_PIN")

	// a module whose reader holds no card
	empty := tokentest.Empty(t)
	c.refused("No smart card inserted", 1, "letter", a.Number, "--out", out, "--pkcs11", empty.Module, "--pin-env", "CARD_PIN")
}

// TestTokenLetterBatch: twenty letters signed on the card after one PIN.
func TestTokenLetterBatch(t *testing.T) {
	h := tokentest.New(t, "Firma", certtest.Spec{Name: "Elisabeth Pichler", Key: "p256"})
	c := newCtl(t)
	for i := 0; i < 20; i++ {
		a := addJSON(c, "--kind", "request", "--channel", "counter", "--subject", "Orari", "--citizen-name", "Maria Rossi", "--language", "it")
		c.ok("reply", a.Number, "--text", "Lo sportello apre alle 8.")
	}
	dir := t.TempDir()
	t.Setenv("CARD_PIN", h.PIN)
	before := token.Logins()
	start := time.Now()
	if out := c.ok("letter", "batch", "--out-dir", dir, "--pkcs11", h.Module, "--pin-env", "CARD_PIN"); !strings.Contains(out, "20 letters issued") {
		t.Fatalf("batch: %s", out)
	}
	t.Logf("20 letters issued and signed on the card in %v", time.Since(start))
	if n := token.Logins() - before; n != 1 {
		t.Errorf("%d logins for a batch", n)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) != 20 {
		t.Fatalf("%d files", len(files))
	}
	pdfsigValid(t, files[0], "Elisabeth Pichler")
	pdfsigValid(t, files[19], "Elisabeth Pichler")
}

// TestTokenList: token list shows the card, its certificate, and in JSON the same.
func TestTokenListCommand(t *testing.T) {
	h := tokentest.New(t, "Firma Pichler", certtest.Spec{Name: "Elisabeth Pichler", CAs: 2})
	c := newCtl(t)
	out := c.ok("token", "list", "--pkcs11", h.Module)
	for _, want := range []string{"Firma Pichler", "SoftHSM", "Elisabeth Pichler (issued by Ascolto Test Sub CA 1", "for signatures"} {
		if !strings.Contains(out, want) {
			t.Errorf("token list lacks %q:\n%s", want, out)
		}
	}
	var got []struct {
		Label        string
		Serial       string
		Certificates []struct {
			Name           string
			NonRepudiation bool `json:"non_repudiation"`
		}
	}
	if err := json.Unmarshal([]byte(c.ok("token", "list", "--pkcs11", h.Module, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Label != "Firma Pichler" || got[0].Serial == "" || len(got[0].Certificates) != 1 ||
		got[0].Certificates[0].Name != "Elisabeth Pichler" || !got[0].Certificates[0].NonRepudiation {
		t.Errorf("%+v", got)
	}
	c.refused("--pkcs11", 2, "token", "list")
	empty := tokentest.Empty(t)
	c.refused("No smart card inserted", 1, "token", "list", "--pkcs11", empty.Module)
}

// TestTokenLetterTimestampedArchival is the whole archival round on a card: a letter
// signed on the SoftHSM2 token with a time-stamp from the office's authority is valid in
// pdfsig, carries a time-stamp that verifies over its signature, is PDF/A-2b, and the
// register archives it under the SHA-256 of the very bytes written.
func TestTokenLetterTimestampedArchival(t *testing.T) {
	h := tokentest.New(t, "Firma Pichler", certtest.Spec{Name: "Elisabeth Pichler", CAs: 1})
	authority, err := certtest.NewTSA("Marca temporale di prova")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(authority)
	defer srv.Close()
	c := newCtl(t)
	a := addJSON(c, "--kind", "complaint", "--channel", "email", "--subject", "Attesa allo sportello", "--citizen-name", "Nicolò Dalla Via", "--language", "it")
	c.ok("reply", a.Number, "--text", "Ci scusiamo per l'attesa.")
	t.Setenv("CARD_PIN", h.PIN)
	out := filepath.Join(t.TempDir(), "risposta.pdf")
	var l data.Letter
	if err := json.Unmarshal([]byte(c.ok("letter", a.Number, "--out", out, "--pkcs11", h.Module, "--pin-env", "CARD_PIN", "--tsa", srv.URL, "--json")), &l); err != nil {
		t.Fatal(err)
	}
	if authority.Count() != 1 {
		t.Fatalf("the authority was asked %d times", authority.Count())
	}
	pdfsigValid(t, out, "Elisabeth Pichler")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signature.Check(b)
	if err != nil || len(rep.Signatures) != 1 {
		t.Fatalf("check: %v", err)
	}
	ts := rep.Signatures[0].Timestamp
	if ts == nil || ts.Authority != "Marca temporale di prova" || time.Since(ts.Time) > time.Hour || time.Until(ts.Time) > time.Minute {
		t.Fatalf("time-stamp %+v", ts)
	}
	if ps := pdfa.Check(b); len(ps) != 0 {
		t.Fatalf("not PDF/A: %v", ps)
	}
	sum := sha256.Sum256(b)
	if l.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("archived under %s, the file is %x", l.SHA256, sum)
	}
	var listed []data.Letter
	if err := json.Unmarshal([]byte(c.ok("letter", "list", a.Number, "--json")), &listed); err != nil || len(listed) != 1 || listed[0].SHA256 != l.SHA256 {
		t.Fatalf("letter list: %v %+v", err, listed)
	}
}
