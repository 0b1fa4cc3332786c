// Package certtest makes throw-away certificates for tests: a self-signed signing
// certificate and its key in a PKCS#12 file, in Go's modern or legacy encoding or made
// by the openssl command in its own default encoding (OpenSSL 3: AES-256-CBC, PBKDF2,
// HMAC-SHA-256), expired or valid, as a test needs.
package certtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Spec describes a certificate to make.
type Spec struct {
	Name      string // the common name; "Test Signer" if empty
	Password  string
	// NotBefore zero: 1 January 2020, so a certificate is valid both at the real time
	// and at the fixed clocks tests run under (a day before the real "now" is later
	// than a test clock set in the past).
	NotBefore time.Time
	NotAfter  time.Time // zero: a year after the real time
	// Encoding: "modern" (go-pkcs12's AES/PBKDF2, the default), "legacy" (3DES/SHA-1 as
	// Windows and older OpenSSL write) or "openssl" (the openssl command's default).
	Encoding string
	ECDSA    bool
}

// P12 makes the PKCS#12 file's bytes.
func P12(s Spec) ([]byte, error) {
	if s.Name == "" {
		s.Name = "Test Signer"
	}
	now := time.Now()
	if s.NotBefore.IsZero() {
		s.NotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if s.NotAfter.IsZero() {
		s.NotAfter = now.Add(365 * 24 * time.Hour)
	}
	var key any
	var pub any
	if s.ECDSA {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		key, pub = k, &k.PublicKey
	} else {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		key, pub = k, &k.PublicKey
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: s.Name, Organization: []string{"Ascolto test"}, Country: []string{"IT"}},
		NotBefore:    s.NotBefore, NotAfter: s.NotAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	switch s.Encoding {
	case "", "modern":
		return pkcs12.Modern.Encode(key, cert, nil, s.Password)
	case "legacy":
		return pkcs12.LegacyDES.Encode(key, cert, nil, s.Password)
	case "openssl":
		return viaOpenSSL(key, der, s.Password)
	}
	return nil, fmt.Errorf("certtest: unknown encoding %q", s.Encoding)
}

// viaOpenSSL has the openssl command write the file, with its own defaults.
func viaOpenSSL(key any, certDER []byte, password string) ([]byte, error) {
	if _, err := exec.LookPath("openssl"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "certtest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	kp, cp, out := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "out.p12")
	if err := os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("openssl", "pkcs12", "-export", "-inkey", kp, "-in", cp, "-out", out, "-passout", "env:CERTTEST_PASS")
	cmd.Env = append(os.Environ(), "CERTTEST_PASS="+password)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("openssl pkcs12: %v: %s", err, b)
	}
	return os.ReadFile(out)
}
