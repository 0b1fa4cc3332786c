package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

func keyOf(err error) string {
	if p, ok := data.AsProblem(err); ok {
		return p.Key
	}
	return ""
}

// TestPINProblem: a refused PIN says what the card's flags say of the tries left.
func TestPINProblem(t *testing.T) {
	for _, c := range []struct {
		flags uint
		want  string
	}{
		{0, "letter.token.err_pin_wrong"},
		{flagLoginRequired | flagUserPINInit, "letter.token.err_pin_wrong"},
		{flagUserPINCountLow, "letter.token.err_pin_low"},
		{flagUserPINCountLow | flagUserPINFinalTry, "letter.token.err_pin_final"},
		{flagUserPINCountLow | flagUserPINFinalTry | flagUserPINLocked, "letter.token.err_pin_locked"},
	} {
		if got := pinProblem(c.flags, nil).Key; got != c.want {
			t.Errorf("flags %#x: %s, want %s", c.flags, got, c.want)
		}
	}
	tk := Token{Flags: flagUserPINFinalTry | flagProtectedPath}
	if !tk.PINFinalTry() || !tk.PINPad() || tk.PINLocked() || tk.PINCountLow() {
		t.Errorf("flags read wrong: %+v", tk)
	}
}

// TestCodeProblem: the return values of a card pulled out, a locked PIN and a
// cancelled PIN pad have their own sentences; others name the code.
func TestCodeProblem(t *testing.T) {
	for code, want := range map[uint]string{0xE0: "letter.token.err_removed", 0x32: "letter.token.err_removed",
		0x101: "letter.token.err_removed", 0xA4: "letter.token.err_pin_locked", 0x50: "letter.token.err_canceled", 0x6: "letter.token.err_failed"} {
		if got := codeProblem(code, nil); got.Key != want {
			t.Errorf("%#x: %s, want %s", code, got.Key, want)
		}
	}
	if p := codeProblem(0x6, nil); p.Args["code"] != "0x6" {
		t.Errorf("code %q", p.Args["code"])
	}
}

// TestRSAInput: what the card signs with CKM_RSA_PKCS (a raw PKCS#1 v1.5 padding of
// DigestInfo) is the PKCS#1 v1.5 signature of the digest.
func TestRSAInput(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA1, crypto.SHA224} {
		hh := h.New()
		hh.Write([]byte("lettera"))
		digest := hh.Sum(nil)
		in, err := rsaInput(digest, h)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := rsa.SignPKCS1v15(nil, k, 0, in) // hash 0: signs in as given, like the card
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&k.PublicKey, h, digest, raw); err != nil {
			t.Errorf("%v: %v", h, err)
		}
	}
	d := sha256.Sum256([]byte("x"))
	if _, err := rsaInput(d[:], crypto.SHA512); err == nil {
		t.Error("a SHA-256 digest passed as SHA-512")
	}
	if _, err := rsaInput(d[:], crypto.MD5); err == nil {
		t.Error("MD5 accepted")
	}
}

// TestECDSADER: the card's r||s becomes a DER signature that verifies, for each curve.
func TestECDSADER(t *testing.T) {
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		d := sha512.Sum384([]byte("lettera"))
		r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			t.Fatal(err)
		}
		n := (c.Params().BitSize + 7) / 8
		raw := make([]byte, 2*n)
		r.FillBytes(raw[:n])
		s.FillBytes(raw[n:])
		der, err := ecdsaDER(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !ecdsa.VerifyASN1(&k.PublicKey, d[:], der) {
			t.Errorf("%s: DER signature does not verify", c.Params().Name)
		}
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}} {
		if _, err := ecdsaDER(bad); err == nil {
			t.Errorf("%x accepted", bad)
		}
	}
}

// TestPick: a label chooses the card whatever its padding and case; without one, the
// only card, and several cards or none are said plainly.
func TestPick(t *testing.T) {
	ts := []Token{{Label: "Firma Rossi  "}, {Label: "CNS"}}
	if got, err := pick(ts, "firma rossi"); err != nil || got.Label != "Firma Rossi  " {
		t.Errorf("%+v %v", got, err)
	}
	if _, err := pick(ts, ""); keyOf(err) != "letter.token.err_several" {
		t.Errorf("%v", err)
	}
	if _, err := pick(ts, "Bianchi"); keyOf(err) != "letter.token.err_token_label" {
		t.Errorf("%v", err)
	}
	if _, err := pick(nil, ""); keyOf(err) != "letter.token.err_no_token" {
		t.Errorf("%v", err)
	}
	if got, err := pick(ts[1:], ""); err != nil || got.Label != "CNS" {
		t.Errorf("%+v %v", got, err)
	}
}

// TestTokenCertificateOrder: of a login certificate and a signing one, the signing
// (non-repudiation) one is chosen; an expired one comes after a valid one.
func TestTokenCertificateOrder(t *testing.T) {
	now := time.Now()
	mk := func(name string, usage x509.KeyUsage, notAfter time.Time) Certificate {
		return Certificate{Cert: &x509.Certificate{KeyUsage: usage, NotBefore: now.AddDate(-1, 0, 0), NotAfter: notAfter}, Label: name}
	}
	cs := []Certificate{
		mk("login", x509.KeyUsageDigitalSignature, now.AddDate(2, 0, 0)),
		mk("expired", x509.KeyUsageContentCommitment, now.AddDate(0, 0, -1)),
		mk("sign", x509.KeyUsageContentCommitment|x509.KeyUsageDigitalSignature, now.AddDate(1, 0, 0)),
	}
	order(cs, now)
	var got []string
	for _, c := range cs {
		got = append(got, c.Label)
	}
	if strings.Join(got, ",") != "sign,expired,login" {
		t.Errorf("order %v", got)
	}
}

// FuzzECDSADER: whatever a card returns as an ECDSA signature is either refused or
// becomes a DER SEQUENCE of the two halves as integers; nothing panics.
func FuzzECDSADER(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(make([]byte, 64))
	f.Add(append([]byte{0x80}, make([]byte, 95)...))
	full := make([]byte, 132)
	for i := range full {
		full[i] = 0xff
	}
	f.Add(full)
	f.Fuzz(func(t *testing.T, raw []byte) {
		der, err := ecdsaDER(raw)
		if err != nil {
			if len(raw) != 0 && len(raw)%2 == 0 {
				t.Fatalf("%x refused: %v", raw, err)
			}
			return
		}
		var sig struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 {
			t.Fatalf("%x: %v, %d left", der, err, len(rest))
		}
		n := len(raw) / 2
		if sig.R.Cmp(new(big.Int).SetBytes(raw[:n])) != 0 || sig.S.Cmp(new(big.Int).SetBytes(raw[n:])) != 0 {
			t.Fatalf("%x: r %v s %v", raw, sig.R, sig.S)
		}
	})
}

// TestSignerPrefersSignatureCertificate: the card's non-repudiation certificate signs;
// when it has expired, the login certificate beside it does not sign instead; a card
// with only a login certificate signs with it.
func TestSignerPrefersSignatureCertificate(t *testing.T) {
	now := time.Now()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string, usage x509.KeyUsage, notAfter time.Time) Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: name},
			NotBefore: now.AddDate(-2, 0, 0), NotAfter: notAfter, KeyUsage: usage}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return Certificate{Cert: c}
	}
	keyOfCert := func(Certificate) (crypto.Signer, error) { return k, nil }
	valid := mk("Firma", x509.KeyUsageContentCommitment, now.AddDate(1, 0, 0))
	expired := mk("Firma scaduta", x509.KeyUsageContentCommitment, now.AddDate(0, 0, -1))
	login := mk("Autenticazione", x509.KeyUsageDigitalSignature, now.AddDate(1, 0, 0))

	cs := []Certificate{login, valid}
	order(cs, now)
	if s, err := signerFrom(cs, nil, keyOfCert, now); err != nil || s.Name() != "Firma" {
		t.Errorf("valid signature certificate: %v %v", s, err)
	}
	cs = []Certificate{login, expired}
	order(cs, now)
	if _, err := signerFrom(cs, nil, keyOfCert, now); keyOf(err) != "letter.err_cert_expired" {
		t.Errorf("expired signature certificate beside a login one: %v", err)
	}
	if s, err := signerFrom([]Certificate{login}, nil, keyOfCert, now); err != nil || s.Name() != "Autenticazione" {
		t.Errorf("login certificate alone: %v %v", s, err)
	}
	if _, err := signerFrom(nil, nil, keyOfCert, now); keyOf(err) != "letter.token.err_no_cert" {
		t.Errorf("no certificate: %v", err)
	}
}
