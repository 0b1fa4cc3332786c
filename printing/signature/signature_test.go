package signature

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing"
	"ascolto/printing/signature/certtest"
	"ascolto/translations"
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

// needed reports a missing outside program: a failure on CI, where it must be
// installed, and a skip elsewhere, so that a check is never silently weaker.
func needed(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed: CI must install it (openssl, poppler-utils for pdfsig, qpdf)", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

func p12(t testing.TB, s certtest.Spec) []byte {
	t.Helper()
	if strings.HasPrefix(s.Encoding, "openssl") || s.Key == "ed448" || s.Key == "dsa" {
		needed(t, "openssl")
	}
	b, err := certtest.P12(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tool runs a checker on a PDF and returns its output.
func tool(t testing.TB, pdf []byte, name string, args ...string) (string, error) {
	t.Helper()
	needed(t, name)
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(name, append(args, f)...).CombinedOutput()
	return string(out), err
}

// checkSigned asserts what poppler says of a signed PDF: the signature valid, the whole
// document signed, the signer's name; that qpdf finds the file sound; and that Check
// agrees. It returns pdfsig's output.
func checkSigned(t *testing.T, pdf []byte, name string) string {
	t.Helper()
	out, _ := tool(t, pdf, "pdfsig")
	for _, want := range []string{"Signer Certificate Common Name: " + name, "Signature Validation: Signature is Valid.", "Total document signed"} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Signature #2") {
		t.Errorf("pdfsig finds more than one signature:\n%s", out)
	}
	if qout, err := tool(t, pdf, "qpdf", "--check"); err != nil || !strings.Contains(qout, "No syntax or stream encoding errors found") {
		t.Errorf("qpdf --check: %v\n%s", err, qout)
	}
	rep, err := Check(pdf)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].Signer.Subject.CommonName != name {
		t.Errorf("Check found %+v", rep.Signatures)
	}
	return out
}

// TestSignVerifiesWithPdfsig: every key PDF validators accept, in every encoding, with
// chains in any order, yields a signature pdfsig calls valid over the whole document
// and a file qpdf finds sound. A 4096-bit RSA key once overflowed the signing library's
// space, and it wrote the file twice into one: "Not total document signed".
func TestSignVerifiesWithPdfsig(t *testing.T) {
	now := time.Now()
	var specs []certtest.Spec
	for _, key := range []string{"rsa2048", "rsa3072", "rsa4096", "p256", "p384", "p521"} {
		for _, enc := range []string{"modern", "legacy", "openssl", "openssl-legacy"} {
			specs = append(specs, certtest.Spec{Name: "Maria Rossi", Password: "segreto", Key: key, Encoding: enc})
		}
	}
	for _, key := range []string{"rsa4096", "p384"} {
		for _, enc := range []string{"modern", "openssl"} {
			specs = append(specs,
				certtest.Spec{Name: "Jörg Müller", Password: "pässwörd", Key: key, Encoding: enc, CAs: 2, RootFirst: true},
				certtest.Spec{Name: "Jörg Müller", Password: "pässwörd", Key: key, Encoding: enc, CAs: 2, ExtraCA: true},
				certtest.Spec{Name: "Jörg Müller", Password: "pässwörd", Key: key, Encoding: enc, CAs: 1, RootFirst: true, ExtraCA: true})
		}
		specs = append(specs, certtest.Spec{Name: "Ufficio BZ", Password: "x", Key: key, CAs: 2, LeafLast: true, ExtraCA: true})
	}
	for _, spec := range specs {
		name := strings.Join([]string{spec.Key, spec.Encoding}, "/")
		if spec.CAs > 0 {
			name += "/chain"
		}
		t.Run(name, func(t *testing.T) {
			s, err := Load(p12(t, spec), spec.Password, now)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name() != spec.Name {
				t.Fatalf("name %q", s.Name())
			}
			if len(s.Chain()) != spec.CAs {
				t.Fatalf("chain of %d, want %d", len(s.Chain()), spec.CAs)
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
			rep, _ := Check(signed)
			if got := len(rep.Signatures[0].Certificates); got != 1+spec.CAs {
				t.Errorf("the signature carries %d certificates, want the signer's and its %d CAs", got, spec.CAs)
			}
		})
	}
}

// TestSpaceFitsFirstTime: the space kept for the signature is enough at the first try
// for the largest keys and a chain, so the library never has to sign again.
func TestSpaceFitsFirstTime(t *testing.T) {
	for _, key := range []string{"rsa2048", "rsa4096", "p256", "p521"} {
		s, err := Load(p12(t, certtest.Spec{Password: "pw", Key: key, CAs: 2, ExtraCA: true}), "pw", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, visible := range []bool{false, true} {
			doc := document(t)
			out, tries, err := s.sign(doc, Options{Date: time.Now(), Visible: visible, Page: 1, Rect: [4]float64{300, 200, 530, 260}}, s.space())
			if err != nil || tries != 1 {
				t.Fatalf("%s: %d tries, %v", key, tries, err)
			}
			if err := s.selfCheck(doc, out); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
		}
	}
}

// TestTooSmallSpaceIsSignedAgain: when the space runs out the library signs again and
// writes a second copy after the first; that output is thrown away and the letter
// signed again with more room, so what comes back is one whole, valid file.
func TestTooSmallSpaceIsSignedAgain(t *testing.T) {
	s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw", Key: "rsa4096"}), "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out, tries, err := s.sign(document(t), Options{Date: time.Now()}, 64)
	if err != nil {
		t.Fatal(err)
	}
	if tries < 2 {
		t.Fatalf("a 64-digit space must not be enough (%d tries)", tries)
	}
	checkSigned(t, out, "Maria Rossi")
}

func TestVisibleSignature(t *testing.T) {
	now := time.Now()
	s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw", Key: "rsa4096", CAs: 1}), "pw", now)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := s.Sign(document(t), Options{Date: now, Visible: true, Page: 1, Rect: [4]float64{300, 200, 530, 260}})
	if err != nil {
		t.Fatal(err)
	}
	checkSigned(t, signed, "Maria Rossi")
}

// TestPdfsigRSA4096 logs pdfsig's report of a 4096-bit RSA signature.
func TestPdfsigRSA4096(t *testing.T) {
	s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw", Key: "rsa4096", Encoding: "openssl"}), "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	signed, err := s.Sign(document(t), Options{Date: time.Now(), Reason: "Risposta scritta BZ-2026-000001/1", Location: "Bolzano"})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(checkSigned(t, signed, "Maria Rossi"))
}

// problemKey asserts err is a Problem every language has a sentence for, with no text
// of a library in it, and returns its key and type argument.
func problemKey(t *testing.T, err error) (string, string) {
	t.Helper()
	p, ok := data.AsProblem(err)
	if !ok {
		t.Fatalf("not a problem a person can read: %v", err)
	}
	for _, lang := range []string{"it", "de", "en"} {
		text := translations.Format(lang, p.Key, p.Args)
		if text == p.Key || strings.Contains(text, "{") {
			t.Errorf("%s: no sentence for %s: %q", lang, p.Key, text)
		}
		for _, raw := range []string{"pkcs12", "pkcs7", "x509", "asn1", "sign:"} {
			if strings.Contains(text, raw) {
				t.Errorf("%s: a library's words reach the clerk: %q", lang, text)
			}
		}
	}
	return p.Key, p.Args["type"]
}

// TestRefusedCertificates: each reason a certificate cannot sign is told in its own
// translated sentence, never in a library's words.
func TestRefusedCertificates(t *testing.T) {
	now := time.Now()
	good := p12(t, certtest.Spec{Password: "right"})
	cases := []struct {
		name     string
		file     []byte
		password string
		key      string
		typ      string
	}{
		{"wrong password", good, "wrong", "letter.err_p12_password", ""},
		{"wrong password, OpenSSL 3 file", p12(t, certtest.Spec{Password: "right", Encoding: "openssl"}), "wrong", "letter.err_p12_password", ""},
		{"wrong password, OpenSSL legacy file", p12(t, certtest.Spec{Password: "right", Encoding: "openssl-legacy"}), "wrong", "letter.err_p12_password", ""},
		{"a password no file can have", good, "pw 😀", "letter.err_p12_password", ""},
		{"expired", p12(t, certtest.Spec{Password: "pw", NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(0, 0, -1)}), "pw", "letter.err_cert_expired", ""},
		{"not yet valid", p12(t, certtest.Spec{Password: "pw", NotBefore: now.AddDate(0, 1, 0), NotAfter: now.AddDate(1, 0, 0)}), "pw", "letter.err_cert_not_yet", ""},
		{"not for signing", p12(t, certtest.Spec{Password: "pw", KeyUsage: x509.KeyUsageKeyEncipherment}), "pw", "letter.err_cert_usage", ""},
		{"Ed25519", p12(t, certtest.Spec{Password: "pw", Key: "ed25519"}), "pw", "letter.err_key_type", "Ed25519"},
		{"Ed25519 by openssl", p12(t, certtest.Spec{Password: "pw", Key: "ed25519", Encoding: "openssl"}), "pw", "letter.err_key_type", "Ed25519"},
		{"Ed448", p12(t, certtest.Spec{Password: "pw", Key: "ed448", Encoding: "openssl"}), "pw", "letter.err_key_type", "Ed448"},
		{"DSA", p12(t, certtest.Spec{Password: "pw", Key: "dsa", Encoding: "openssl-legacy"}), "pw", "letter.err_key_type", "DSA"},
		{"RSA 1024", p12(t, certtest.Spec{Password: "pw", Key: "rsa1024"}), "pw", "letter.err_key_type", "RSA 1024 bit"},
		{"no MAC", p12(t, certtest.Spec{Password: "pw", Encoding: "openssl-nomac"}), "pw", "letter.err_p12_nomac", ""},
		{"certificates only", p12(t, certtest.Spec{Password: "pw", Encoding: "openssl", Omit: "key", CAs: 1}), "pw", "letter.err_p12_no_key", ""},
		{"key only", p12(t, certtest.Spec{Password: "pw", Encoding: "openssl", Omit: "cert"}), "pw", "letter.err_p12_no_cert", ""},
		{"another key than the certificate's", p12(t, certtest.Spec{Password: "pw", ForeignKey: true, CAs: 1}), "pw", "letter.err_p12_no_cert", ""},
		{"truncated", good[:len(good)/2], "right", "letter.err_p12_invalid", ""},
		{"not a certificate", []byte("Gentile signora, questo non è un certificato.\n"), "pw", "letter.err_p12_invalid", ""},
		{"a PDF", document(t), "pw", "letter.err_p12_invalid", ""},
		{"empty", nil, "", "letter.err_p12_invalid", ""},
	}
	for _, c := range cases {
		s, err := Load(c.file, c.password, now)
		if err == nil {
			t.Errorf("%s: accepted (%s)", c.name, s.Name())
			continue
		}
		if key, typ := problemKey(t, err); key != c.key || typ != c.typ {
			t.Errorf("%s: %v, want %s %s", c.name, err, c.key, c.typ)
		}
	}
	_, err := LoadFile(filepath.Join(t.TempDir(), "missing.p12"), "", now)
	if key, _ := problemKey(t, err); key != "letter.err_p12_read" {
		t.Errorf("a missing file: %v", err)
	}
}

// TestChainFromAnyOrder: the chain is climbed from the key's certificate through the
// file's certificates whatever their order, and certificates off the path are dropped.
func TestChainFromAnyOrder(t *testing.T) {
	for _, spec := range []certtest.Spec{
		{Password: "pw", CAs: 2},
		{Password: "pw", CAs: 2, RootFirst: true},
		{Password: "pw", CAs: 2, RootFirst: true, ExtraCA: true, Encoding: "openssl"},
		{Password: "pw", CAs: 2, LeafLast: true, ExtraCA: true},
		{Password: "pw", CAs: 1, LeafLast: true, Encoding: "legacy"},
	} {
		s, err := Load(p12(t, spec), "pw", time.Now())
		if err != nil {
			t.Fatalf("%+v: %v", spec, err)
		}
		if s.Name() != "Test Signer" {
			t.Fatalf("%+v: the signer is %q", spec, s.Name())
		}
		c := s.Certificate()
		for i, p := range s.Chain() {
			if err := c.CheckSignatureFrom(p); err != nil {
				t.Fatalf("%+v: chain[%d] did not issue the certificate below: %v", spec, i, err)
			}
			c = p
		}
		if len(s.Chain()) != spec.CAs || !bytes.Equal(c.RawSubject, c.RawIssuer) {
			t.Fatalf("%+v: chain of %d ending at %s", spec, len(s.Chain()), c.Subject)
		}
	}
}

// signed is a good signed letter for the checks below, and the document signed.
func signed(t testing.TB, key string, visible bool) (*Signer, []byte, []byte) {
	t.Helper()
	b, err := certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "pw", Key: key, CAs: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(b, "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	doc := document(t)
	out, err := s.Sign(doc, Options{Date: time.Now(), Reason: "Risposta", Visible: visible, Page: 1, Rect: [4]float64{300, 200, 530, 260}})
	if err != nil {
		t.Fatal(err)
	}
	return s, out, doc
}

// contentsAt is the offset of the signature's hex string.
func contentsAt(t testing.TB, pdf []byte) int {
	i := bytes.Index(pdf, []byte("/Contents<"))
	if i < 0 {
		t.Fatal("no /Contents")
	}
	return i + len("/Contents<")
}

// lastXref replaces the header of the file's last cross-reference section.
func lastXref(pdf []byte, header string) []byte {
	i := bytes.LastIndex(pdf, []byte("\nxref\n")) + 1
	j := i + bytes.IndexByte(pdf[i+5:], '\n') + 6
	return append(append(bytes.Clone(pdf[:i]), header...), pdf[j:]...)
}

// corruptions are ways a signed file goes wrong, with the key Check refuses it with.
func corruptions(t testing.TB, good []byte) []struct {
	name string
	pdf  []byte
	key  string
} {
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	hexFlip := func(i int) []byte { // another hex digit in the signature's string
		b := bytes.Clone(good)
		b[i] = "10"[min(1, int(b[i]-'0'))]
		return b
	}
	c := contentsAt(t, good)
	text := bytes.Index(good, []byte("/Producer"))
	// the CMS's length: its last bytes are the signature value
	var cms []byte
	for i := c; good[i] != '>'; i += 2 {
		var b byte
		fmt.Sscanf(string(good[i:i+2]), "%02x", &b)
		cms = append(cms, b)
	}
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(cms, &outer)
	if err != nil {
		t.Fatal(err)
	}
	end := len(cms) - len(rest)
	renamed := bytes.Replace(good, []byte(hex.EncodeToString([]byte("Maria Rossi"))), []byte(hex.EncodeToString([]byte("Mario Rossi"))), 1)
	return []struct {
		name string
		pdf  []byte
		key  string
	}{
		{"written twice", append(bytes.Clone(good), good...), "letter.sig_partial"},
		{"an update after the signature", append(bytes.Clone(good), "1 0 obj\n<< >>\nendobj\n%%EOF\n"...), "letter.sig_partial"},
		{"a byte of the letter changed", flip(text + 2), "letter.sig_invalid"},
		{"a byte of the signature value changed", hexFlip(c + 2*(end-5)), "letter.sig_invalid"},
		{"the signer's name in the certificate changed", renamed, "letter.sig_invalid"},
		{"the padding after the signature changed", hexFlip(c + 2*end + 10), "letter.sig_damaged"},
		{"the signature's framing changed", hexFlip(c + 3), ""},
		{"the signature's hex string broken", append(append(bytes.Clone(good[:c+10]), 'x'), good[c+11:]...), "letter.sig_unreadable"},
		{"truncated", good[:len(good)-200], "letter.sig_unreadable"},
		{"truncated at the end", good[:len(good)-7], "letter.sig_unreadable"},
		{"cut in half", good[:len(good)/2], "letter.sig_unreadable"},
		{"no signature", document(t), "letter.sig_none"},
		// numbers the PDF reader would size its tables by: refused before it reads them
		{"a cross-reference subsection numbered in the billions", lastXref(good, "xref\n2299999999 3\n"), "letter.sig_unreadable"},
		{"a huge /Size", bytes.Replace(good, []byte("/Size "), []byte("/Size 99999999"), 1), "letter.sig_unreadable"},
		{"not a PDF", []byte("Gentile signora,\n%%EOF\n"), "letter.sig_unreadable"},
	}
}

// TestCheckRefusesCorruptions: a signed file that was written twice, extended, altered
// or cut is refused, each with its reason; the signer's own check before archiving
// refuses it too.
func TestCheckRefusesCorruptions(t *testing.T) {
	for _, key := range []string{"rsa2048", "p256"} {
		for _, visible := range []bool{false, true} {
			s, good, doc := signed(t, key, visible)
			if err := s.selfCheck(doc, good); err != nil {
				t.Fatal(err)
			}
			for _, c := range corruptions(t, good) {
				_, err := Check(c.pdf)
				if err == nil {
					t.Errorf("%s %v: %s accepted", key, visible, c.name)
					continue
				}
				if got, _ := problemKey(t, err); c.key != "" && got != c.key {
					t.Errorf("%s %v: %s: %v, want %s", key, visible, c.name, err, c.key)
				}
				err = s.selfCheck(doc, c.pdf)
				if got, _ := problemKey(t, err); !strings.HasPrefix(got, "letter.err_sign_check_") {
					t.Errorf("%s %v: %s: self-check %v", key, visible, c.name, err)
				}
			}
		}
	}
	// the file of another signer is not this signer's
	other, _, _ := signed(t, "rsa2048", false)
	_, good, doc := signed(t, "p256", false)
	if key, _ := problemKey(t, other.selfCheck(doc, good)); key != "letter.err_sign_check_invalid" {
		t.Errorf("another signer's letter: %s", key)
	}
}

// TestCheckSeesThroughPdfsig: what Check refuses, pdfsig does not call whole and valid
// either (the two agree on the doubled file that was once archived).
func TestCheckSeesThroughPdfsig(t *testing.T) {
	_, good, _ := signed(t, "rsa2048", false)
	doubled := append(bytes.Clone(good), good...)
	out, _ := tool(t, doubled, "pdfsig")
	if strings.Contains(out, "Total document signed") && !strings.Contains(out, "Not total document signed") {
		t.Fatalf("pdfsig calls the doubled file whole:\n%s", out)
	}
	if _, err := Check(doubled); err == nil {
		t.Fatal("Check accepts the doubled file")
	}
}

// pfxAsking builds a PKCS#12 file whose MAC asks for iterations rounds of key
// derivation (its content is empty, so only the MAC would be computed).
func pfxAsking(t testing.TB, iterations int) []byte {
	t.Helper()
	type algorithm struct{ Algorithm asn1.ObjectIdentifier }
	type digestInfo struct {
		Algorithm algorithm
		Digest    []byte
	}
	type macData struct {
		Mac        digestInfo
		Salt       []byte
		Iterations int
	}
	type contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue // [0] EXPLICIT
	}
	type pfx struct {
		Version  int
		AuthSafe contentInfo
		MacData  macData
	}
	safe, _ := asn1.Marshal([]contentInfo{})
	octets, _ := asn1.Marshal(safe)
	b, err := asn1.Marshal(pfx{Version: 3,
		AuthSafe: contentInfo{ContentType: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: octets}},
		MacData: macData{Mac: digestInfo{Algorithm: algorithm{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}}, Digest: make([]byte, 32)},
			Salt: []byte("saltsalt"), Iterations: iterations}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIterationsAreBounded: a file that asks for billions of key-derivation rounds is
// refused at once instead of keeping the program busy for hours; an ordinary count is
// read (and here fails only at the MAC, as its content is made up).
func TestIterationsAreBounded(t *testing.T) {
	start := time.Now()
	_, err := Load(pfxAsking(t, 1<<31-1), "pw", time.Now())
	if key, _ := problemKey(t, err); key != "letter.err_p12_invalid" || time.Since(start) > 5*time.Second {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
	if _, err := Load(pfxAsking(t, 2048), "pw", time.Now()); err == nil || strings.Contains(err.Error(), errIterations.Error()) {
		t.Fatalf("2048 rounds must be read: %v", err)
	}
}

// TestLetterNamingASignature: a letter whose own text names a signature dictionary
// ("/ByteRange" in its title) is signed; only what the signature adds is counted.
func TestLetterNamingASignature(t *testing.T) {
	pdf := printing.NewDocument("P", time.Date(2026, 11, 27, 10, 0, 0, 0, data.Rome))
	pdf.SetTitle("Reclamo: /ByteRange [0 1 2 3] /Contents<00>", false)
	pdf.AddPage()
	pdf.Text(25, 40, "/ByteRange")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("/ByteRange")) {
		t.Fatal("the document should name /ByteRange as written")
	}
	s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw"}), "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Sign(buf.Bytes(), Options{Date: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	checkSigned(t, out, "Maria Rossi")
}
