package signedfile

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"

	"ascolto/data"
	"ascolto/printing/signedfile/signedtest"
)

var (
	kitOnce sync.Once
	kitVal  *signedtest.Kit
	kitErr  error
	kitSkip string
	kitDir  string
)

// kit makes the test CAs and signers once per test binary.
func kit(t testing.TB) *signedtest.Kit {
	t.Helper()
	kitOnce.Do(func() {
		if _, kitSkip, kitErr = signedtest.Find(); kitErr != nil || kitSkip != "" {
			return
		}
		if kitDir, kitErr = os.MkdirTemp("", "signedfile-kit-"); kitErr != nil {
			return
		}
		kitVal, kitErr = signedtest.New(kitDir)
	})
	if kitErr != nil {
		t.Fatal(kitErr)
	}
	if kitSkip != "" {
		t.Skip(kitSkip)
	}
	return kitVal
}

func TestMain(m *testing.M) {
	code := m.Run()
	if kitDir != "" {
		os.RemoveAll(kitDir)
	}
	os.Exit(code)
}

func trusted(t testing.TB, k *signedtest.Kit) *TrustList {
	t.Helper()
	tl, err := LoadTrust(k.CA)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

func samplePDF(t testing.TB) []byte {
	t.Helper()
	b, err := signedtest.PDF("Istanza di accesso agli atti")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(t testing.TB, k *signedtest.Kit, s signedtest.Signer, content []byte, o signedtest.Options) []byte {
	t.Helper()
	b, err := k.Sign(s, content, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func problemKey(err error) string {
	if p, ok := data.AsProblem(err); ok {
		return p.Key
	}
	return ""
}

func TestEnvelopeDER(t *testing.T) {
	k := kit(t)
	doc := samplePDF(t)
	before := time.Now().Add(-time.Minute)
	p7m := sign(t, k, signedtest.Rossi, doc, signedtest.Options{})
	res, err := Inspect("istanza.pdf.p7m", p7m, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != KindEnvelope || res.Envelopes != 1 || len(res.Signers) != 1 {
		t.Fatalf("kind %s, %d envelopes, %d signers", res.Kind, res.Envelopes, len(res.Signers))
	}
	s := res.Signers[0]
	if s.Name != "ROSSI MARIO" || s.FiscalCode != signedtest.RossiCF || s.SerialAttr != "TINIT-"+signedtest.RossiCF || s.Issuer != "Prova Qualified CA" {
		t.Errorf("signer %q cf %q (%q) issuer %q", s.Name, s.FiscalCode, s.SerialAttr, s.Issuer)
	}
	if s.SigningTime.Before(before) || s.SigningTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("signing time %v", s.SigningTime)
	}
	if !s.Intact || !s.ValidAtSigning || !s.Trusted || !res.Trusted() || res.Problem() != nil {
		t.Errorf("intact %v valid %v trusted %v problem %v (%v)", s.Intact, s.ValidAtSigning, s.Trusted, res.Problem(), s.Err)
	}
	if !bytes.Equal(res.Content, doc) || res.ContentName != "istanza.pdf" {
		t.Errorf("content %d bytes named %q", len(res.Content), res.ContentName)
	}
	// The same envelope named without the inner extension: the PDF is recognised.
	if res, err := Inspect("ISTANZA.P7M", p7m, nil, time.Now()); err != nil || res.ContentName != "ISTANZA.pdf" {
		t.Errorf("name %v, %v", res, err)
	}
}

func TestNestedEnvelopes(t *testing.T) {
	k := kit(t)
	doc := samplePDF(t)
	b, err := k.Nest(doc, signedtest.Rossi, signedtest.Bianchi)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Inspect("istanza.pdf.p7m.p7m", b, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Envelopes != 2 || len(res.Signers) != 2 || res.Signers[0].FiscalCode != signedtest.BianchiCF || res.Signers[1].FiscalCode != signedtest.RossiCF ||
		res.Signers[0].Envelope != 1 || res.Signers[1].Envelope != 2 {
		t.Fatalf("%d envelopes, signers %+v", res.Envelopes, res.Signers)
	}
	if !res.Trusted() || !bytes.Equal(res.Content, doc) || res.ContentName != "istanza.pdf" {
		t.Errorf("trusted %v, content %d bytes named %q", res.Trusted(), len(res.Content), res.ContentName)
	}
}

func TestTooDeep(t *testing.T) {
	k := kit(t)
	signers := make([]signedtest.Signer, MaxDepth+1)
	for i := range signers {
		signers[i] = signedtest.Rossi
	}
	b, err := k.Nest([]byte("testo"), signers...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect("x.p7m", b, nil, time.Now()); problemKey(err) != "case.signed_too_deep" {
		t.Errorf("got %v", err)
	}
	b, err = k.Nest([]byte("testo"), signers[1:]...) // the deepest read
	if err != nil {
		t.Fatal(err)
	}
	if res, err := Inspect("x.p7m", b, nil, time.Now()); err != nil || res.Envelopes != MaxDepth || string(res.Content) != "testo" {
		t.Errorf("%v, %v", res, err)
	}
}

func TestDetached(t *testing.T) {
	k := kit(t)
	doc := samplePDF(t)
	p7s := sign(t, k, signedtest.Rossi, doc, signedtest.Options{Detached: true})
	if _, err := Inspect("istanza.pdf.p7s", p7s, nil, time.Now()); problemKey(err) != "case.signed_detached" {
		t.Fatalf("without the content: %v", err)
	}
	res, err := InspectDetached("istanza.pdf.p7s", p7s, doc, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != KindDetached || !res.Trusted() || res.ContentName != "istanza.pdf" || !bytes.Equal(res.Content, doc) {
		t.Errorf("kind %s trusted %v name %q", res.Kind, res.Trusted(), res.ContentName)
	}
	changed := append([]byte(nil), doc...)
	changed[len(changed)/2] ^= 1
	res, err = InspectDetached("istanza.pdf.p7s", p7s, changed, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Intact() || problemKey(res.Problem()) != "case.signed_tampered" {
		t.Errorf("a changed file passed: %v", res.Problem())
	}
	// An enveloping signature given as detached is refused, not read twice.
	if _, err := InspectDetached("x.p7s", sign(t, k, signedtest.Rossi, doc, signedtest.Options{}), doc, nil, time.Now()); problemKey(err) != "case.signed_damaged" {
		t.Errorf("enveloping as detached: %v", err)
	}
}

func TestExpiredCertificate(t *testing.T) {
	k := kit(t)
	b := sign(t, k, signedtest.Expired, []byte("testo"), signedtest.Options{})
	res, err := Inspect("x.txt.p7m", b, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := res.Signers[0]
	if !s.Intact || s.ValidAtSigning || !s.Trusted || res.Trusted() {
		t.Errorf("intact %v valid %v trusted %v", s.Intact, s.ValidAtSigning, s.Trusted)
	}
	p := res.Problem()
	if problemKey(p) != "case.signed_expired" || p.Args["until"] != "2020-12-31" {
		t.Errorf("problem %v", p)
	}
}

func TestUnknownSigner(t *testing.T) {
	k := kit(t)
	b := sign(t, k, signedtest.Unknown, []byte("testo"), signedtest.Options{})
	res, err := Inspect("x.txt.p7m", b, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Signers[0]; !s.Intact || !s.ValidAtSigning || s.Trusted || s.FiscalCode != "" {
		t.Errorf("%+v", s)
	}
	if p := res.Problem(); problemKey(p) != "case.signed_unknown" || p.Args["issuer"] != "Other CA" {
		t.Errorf("problem %v", p)
	}
	// Without a trust list no signer is trusted, and the reason is the missing list.
	res, err = Inspect("x.txt.p7m", sign(t, k, signedtest.Rossi, []byte("testo"), signedtest.Options{}), nil, time.Now())
	if err != nil || res.Trusted() || problemKey(res.Problem()) != "case.signed_no_trust" {
		t.Errorf("%v, %v", res, err)
	}
}

func TestTampered(t *testing.T) {
	k := kit(t)
	content := []byte("Si chiede il rimborso di 100 euro.")
	b := sign(t, k, signedtest.Rossi, content, signedtest.Options{})
	at := bytes.Index(b, content)
	if at < 0 {
		t.Fatal("content not in the envelope")
	}
	changed := append([]byte(nil), b...)
	changed[at+len("Si chiede il rimborso di ")] = '9' // 100 -> 900
	res, err := Inspect("x.txt.p7m", changed, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Intact() || problemKey(res.Problem()) != "case.signed_tampered" || !strings.Contains(string(res.Content), "900") {
		t.Errorf("intact %v problem %v", res.Intact(), res.Problem())
	}
	// The signature value's last byte.
	changed = append([]byte(nil), b...)
	sig := bytes.LastIndex(changed, []byte{0x04, 0x82, 0x01, 0x00}) // the 256-byte RSA signature
	if sig < 0 {
		t.Fatal("no signature value found")
	}
	changed[sig+4+255] ^= 0x40
	if res, err := Inspect("x.txt.p7m", changed, trusted(t, k), time.Now()); err != nil || res.Intact() {
		t.Errorf("a changed signature passed: %v", err)
	}
}

// TestCertificateSwapped: the certificate the envelope carries is outside the
// signature; the signing-certificate attribute ties it.
func TestCertificateSwapped(t *testing.T) {
	k := kit(t)
	b := sign(t, k, signedtest.Rossi, []byte("testo"), signedtest.Options{})
	p7, err := pkcs7.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	var attrs []attribute
	for _, a := range p7.Signers[0].AuthenticatedAttributes {
		attrs = append(attrs, attribute{a.Type, a.Value})
	}
	certs, err := k.Certificates(signedtest.Bianchi)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkSigningCertificate(attrs, certs[0]); err == nil {
		t.Error("another certificate passed")
	}
	own := p7.GetOnlySigner()
	if own == nil || own.Subject.CommonName != "ROSSI MARIO" {
		t.Fatalf("signer %v", own)
	}
	if err := checkSigningCertificate(attrs, own); err != nil {
		t.Error(err)
	}
}

func TestArmour(t *testing.T) {
	k := kit(t)
	pemB := sign(t, k, signedtest.Rossi, []byte("testo"), signedtest.Options{PEM: true})
	if !bytes.HasPrefix(pemB, []byte("-----BEGIN CMS-----")) {
		t.Fatalf("openssl wrote %q", pemB[:20])
	}
	der := sign(t, k, signedtest.Rossi, []byte("testo"), signedtest.Options{})
	enc := base64.StdEncoding.EncodeToString(der)
	var lines strings.Builder
	for len(enc) > 64 {
		lines.WriteString(enc[:64] + "\r\n")
		enc = enc[64:]
	}
	lines.WriteString(enc + "\r\n")
	for name, b := range map[string][]byte{"pem": pemB, "base64": []byte(lines.String()), "bom+pem": append([]byte("\xef\xbb\xbf"), pemB...)} {
		res, err := Inspect("x.txt.p7m", b, trusted(t, k), time.Now())
		if err != nil || !res.Trusted() || string(res.Content) != "testo" {
			t.Errorf("%s: %v, %v", name, res, err)
		}
	}
}

// TestEncodingsAndKeys: an envelope in BER with indefinite lengths (openssl -stream,
// as streaming signers write it); a signature without signed attributes, which covers
// the content itself and carries no signing time; ECDSA and RSASSA-PSS signatures.
func TestEncodingsAndKeys(t *testing.T) {
	k := kit(t)
	doc := samplePDF(t)
	ber := sign(t, k, signedtest.Rossi, doc, signedtest.Options{Stream: true})
	if ber[1] != 0x80 {
		t.Fatalf("openssl -stream wrote length byte %#x, not the indefinite form", ber[1])
	}
	res, err := Inspect("a.pdf.p7m", ber, trusted(t, k), time.Now())
	if err != nil || !res.Trusted() || !bytes.Equal(res.Content, doc) || res.Signers[0].SigningTime.IsZero() {
		t.Fatalf("BER: %v, %v", res, err)
	}
	plain := sign(t, k, signedtest.Bianchi, doc, signedtest.Options{NoAttr: true})
	res, err = Inspect("a.pdf.p7m", plain, trusted(t, k), time.Now())
	if err != nil || !res.Trusted() || !res.Signers[0].SigningTime.IsZero() || !bytes.Equal(res.Content, doc) {
		t.Fatalf("without attributes: %v, %v", res, err)
	}
	at := bytes.Index(plain, []byte("%PDF-1."))
	plain[at+7] ^= 1
	if res, err := Inspect("a.pdf.p7m", plain, trusted(t, k), time.Now()); err != nil || res.Intact() {
		t.Errorf("a changed document without attributes: %v, %v", res, err)
	}
	for name, b := range map[string][]byte{
		"ecdsa": sign(t, k, signedtest.ECDSA, doc, signedtest.Options{}),
		"pss":   sign(t, k, signedtest.Rossi, doc, signedtest.Options{PSS: true}),
	} {
		res, err := Inspect("a.pdf.p7m", b, trusted(t, k), time.Now())
		if err != nil || !res.Trusted() {
			t.Errorf("%s: %v", name, err)
			if res != nil {
				t.Errorf("%s: %+v", name, res.Signers[0].Err)
			}
			continue
		}
		b[bytes.Index(b, []byte("%PDF-1."))+7] ^= 1
		if res, err := Inspect("a.pdf.p7m", b, trusted(t, k), time.Now()); err != nil || res.Intact() {
			t.Errorf("%s changed: %v, %v", name, res, err)
		}
	}
}

func TestNotSigned(t *testing.T) {
	k := kit(t)
	der := sign(t, k, signedtest.Rossi, []byte("testo"), signedtest.Options{})
	certOnly, err := os.ReadFile(k.CA)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		b    []byte
		key  string
	}{
		{"lettera.txt", []byte("Gentile ufficio, ..."), "case.signed_none"},
		{"lettera.pdf", samplePDF(t), "case.signed_none"},
		{"ca.pem", certOnly, "case.signed_none"},
		{"vuoto.p7m", nil, "case.signed_damaged"},
		{"rotto.p7m", []byte("not a signature at all"), "case.signed_damaged"},
		{"tronco.p7m", der[:len(der)/2], "case.signed_damaged"},
		{"tronco.bin", der[:len(der)/2], "case.signed_damaged"},
	} {
		_, err := Inspect(c.name, c.b, nil, time.Now())
		if problemKey(err) != c.key {
			t.Errorf("%s: %v, want %s", c.name, err, c.key)
		}
	}
	if _, err := Inspect("grande.p7m", make([]byte, MaxFile+1), nil, time.Now()); problemKey(err) != "case.signed_too_large" {
		t.Errorf("too large: %v", err)
	}
}

func TestSignedPDF(t *testing.T) {
	k := kit(t)
	signed, err := k.SignedPDF(signedtest.Rossi, samplePDF(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Inspect("risposta.pdf", signed, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != KindPDF || len(res.Signers) != 1 || res.Signers[0].FiscalCode != signedtest.RossiCF || !res.Trusted() ||
		!bytes.Equal(res.Content, signed) || res.ContentName != "risposta.pdf" || res.Signers[0].SigningTime.IsZero() {
		t.Fatalf("%+v", res)
	}
	// A byte of the signed part changed (inside the page's text).
	at := bytes.Index(signed, []byte("/MediaBox"))
	if at < 0 {
		t.Fatal("no /MediaBox")
	}
	changed := append([]byte(nil), signed...)
	changed[at+1] = 'm'
	res, err = Inspect("risposta.pdf", changed, trusted(t, k), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Intact() || problemKey(res.Problem()) != "case.signed_tampered" {
		t.Errorf("a changed PDF passed: %v", res.Problem())
	}
	// The signed PDF inside a .p7m: the envelope is checked, the PDF handed out.
	res, err = Inspect("risposta.pdf.p7m", sign(t, k, signedtest.Bianchi, signed, signedtest.Options{}), trusted(t, k), time.Now())
	if err != nil || !res.Trusted() || !bytes.Equal(res.Content, signed) {
		t.Errorf("%v, %v", res, err)
	}
}

func TestLoadTrustFolder(t *testing.T) {
	k := kit(t)
	dir := t.TempDir()
	ca, err := os.ReadFile(k.CA)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "LEGGIMI.txt"), []byte("certificati delle CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	tl, err := LoadTrust(dir)
	if err != nil || tl.Len() != 1 {
		t.Fatalf("%v, %v", tl, err)
	}
	res, err := Inspect("x.p7m", sign(t, k, signedtest.Rossi, []byte("testo"), signedtest.Options{}), tl, time.Now())
	if err != nil || !res.Trusted() {
		t.Errorf("%v, %v", res, err)
	}
	if _, err := LoadTrust(t.TempDir()); problemKey(err) != "case.signed_trust_unreadable" {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := LoadTrust(filepath.Join(dir, "missing")); problemKey(err) != "case.signed_trust_unreadable" {
		t.Errorf("missing: %v", err)
	}
}

func TestFiscalCode(t *testing.T) {
	for v, want := range map[string]bool{
		"RSSMRA80A01H501U": true, "RSSMRA80A01H50MU": true /* omocodia */, "00390090215": true,
		"RSSMRA80A01H501": false, "1SSMRA80A01H501U": false, "RSSMRA80A01H501-": false, "": false,
	} {
		if isCF(v) != want {
			t.Errorf("%q: %v", v, !want)
		}
	}
}

func TestContentName(t *testing.T) {
	for in, want := range map[string]string{
		"a.pdf.p7m": "a.pdf", "a.pdf.P7M.p7m": "a.pdf", "a.pdf.p7s": "a.pdf", ".p7m": "document", "a.docx": "a.docx",
	} {
		if got := contentName(in); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
}
