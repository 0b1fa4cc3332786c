// Package tokentest makes a smart card for tests: a SoftHSM2 token in a test's own
// directory, with a signing key and its certificate (issued by a test CA, made by
// certtest) imported with OpenSC's pkcs11-tool, as an office's card would hold them.
// As root (make test, CI) a missing softhsm2 or opensc fails the test; only a run as
// another user may skip it, saying why.
package tokentest

import (
	"crypto/x509"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"ascolto/printing/signature/certtest"
)

// Modules are the places Debian, Ubuntu and Fedora install SoftHSM2's module.
var Modules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/libsofthsm2.so",
}

// HSM is a SoftHSM2 set up for one test: SOFTHSM2_CONF points at its configuration.
type HSM struct {
	Module string // the PKCS#11 module to open
	Dir    string // where the tokens are kept
	Label  string
	PIN    string
	SOPIN  string
	Cert   *x509.Certificate   // the signing certificate on the token
	CAs    []*x509.Certificate // its issuers, also on the token
}

func fail(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		t.Fatal(why + " (as root the token tests must run: apt-get install softhsm2 opensc)")
	}
	t.Skip(why)
}

// Module finds SoftHSM2's module and the tools, or fails (root) or skips the test.
func Module(t testing.TB) string {
	t.Helper()
	for _, tool := range []string{"softhsm2-util", "pkcs11-tool"} {
		if _, err := exec.LookPath(tool); err != nil {
			fail(t, "no "+tool)
		}
	}
	for _, m := range Modules {
		if _, err := os.Stat(m); err == nil {
			return m
		}
	}
	fail(t, "no SoftHSM2 module in "+strings.Join(Modules, ", "))
	return ""
}

// Empty is a SoftHSM2 without any initialized token: a reader with no card.
func Empty(t testing.TB) *HSM {
	t.Helper()
	h := &HSM{Module: Module(t), Dir: t.TempDir()}
	conf := filepath.Join(h.Dir, "softhsm2.conf")
	tokens := filepath.Join(h.Dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	text := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	return h
}

// New is a SoftHSM2 with one token labelled label (PIN "1234", SO PIN "12345678")
// holding a key of spec's kind (spec.Key, RSA 2048 by default), its certificate issued
// by a test CA (spec.CAs, at least 1) with its public key, and the CA certificates.
func New(t testing.TB, label string, spec certtest.Spec) *HSM {
	t.Helper()
	return newHSM(t, label, spec, false)
}

// NewAlwaysAuthenticate is New with a key that asks for the PIN before each signature
// (CKA_ALWAYS_AUTHENTICATE), as qualified signature keys on many cards do.
func NewAlwaysAuthenticate(t testing.TB, label string, spec certtest.Spec) *HSM {
	t.Helper()
	return newHSM(t, label, spec, true)
}

func newHSM(t testing.TB, label string, spec certtest.Spec, always bool) *HSM {
	t.Helper()
	return Empty(t).fill(t, label, spec, always)
}

// Another puts a second token, labelled label, beside h's (a second card in another
// reader): the same module and configuration, its own key and certificate.
func (h *HSM) Another(t testing.TB, label string, spec certtest.Spec) *HSM {
	t.Helper()
	o := &HSM{Module: h.Module, Dir: h.Dir}
	return o.fill(t, label, spec, false)
}

func (h *HSM) fill(t testing.TB, label string, spec certtest.Spec, always bool) *HSM {
	t.Helper()
	h.Label, h.PIN, h.SOPIN = label, "1234", "12345678"
	h.run(t, "softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", h.SOPIN, "--pin", h.PIN)
	if spec.CAs == 0 {
		spec.CAs = 1
	}
	spec.Password = "p"
	p12, err := certtest.P12(spec)
	if err != nil {
		t.Fatal(err)
	}
	k, cert, cas, err := pkcs12.DecodeChain(p12, "p")
	if err != nil {
		t.Fatal(err)
	}
	h.Cert, h.CAs = cert, cas
	keyDER, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(cert.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	id := "a1b2c3"
	flags := []string{"--private", "--sensitive"}
	if always {
		flags = append(flags, "--always-auth")
	}
	h.write(t, "privkey", id, "Firma", keyDER, flags...)
	h.write(t, "pubkey", id, "Firma", pubDER)
	h.write(t, "cert", id, "Firma", cert.Raw)
	for i, c := range cas {
		h.write(t, "cert", "ca"+hex.EncodeToString([]byte{byte(i)}), c.Subject.CommonName, c.Raw)
	}
	return h
}

// Write puts one more object on the token with pkcs11-tool.
func (h *HSM) write(t testing.TB, kind, id, label string, der []byte, extra ...string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), kind+".der")
	if err := os.WriteFile(f, der, 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--module", h.Module, "--token-label", h.Label, "--login", "--pin", h.PIN,
		"--write-object", f, "--type", kind, "--id", id, "--label", label}, extra...)
	h.run(t, "pkcs11-tool", args...)
}

// WriteCert puts a certificate (with no key of its own) on the token.
func (h *HSM) WriteCert(t testing.TB, id string, c *x509.Certificate) {
	t.Helper()
	h.write(t, "cert", id, c.Subject.CommonName, c.Raw)
}

func (h *HSM) run(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		fail(t, name+" "+strings.Join(args, " ")+": "+err.Error()+"\n"+string(out))
	}
}
