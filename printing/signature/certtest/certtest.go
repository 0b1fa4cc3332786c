// Package certtest makes throw-away certificates for tests: a signing certificate and its
// key in a PKCS#12 file, self-signed or issued by a chain of test CAs, in Go's modern or
// legacy encoding or made by the openssl command (its OpenSSL 3 default with AES-256-CBC,
// PBKDF2 and HMAC-SHA-256, its -legacy encoding, or without a MAC), with the CA
// certificates in either order and an unrelated CA beside them, expired or valid, with
// any key a test needs (RSA of any size, ECDSA P-256/P-384/P-521, Ed25519, Ed448, DSA).
package certtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
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
	"strconv"
	"strings"
	"sync"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Spec describes a certificate to make.
type Spec struct {
	Name     string // the common name; "Test Signer" if empty
	Password string
	// NotBefore zero: 1 January 2020, so a certificate is valid both at the real time
	// and at the fixed clocks tests run under (a day before the real "now" is later
	// than a test clock set in the past).
	NotBefore time.Time
	NotAfter  time.Time // zero: a year after the real time
	// Encoding: "modern" (go-pkcs12's AES/PBKDF2, the default), "legacy" (3DES/SHA-1 as
	// Windows writes), "openssl" (the openssl command's default), "openssl-legacy"
	// (openssl pkcs12 -legacy: RC2/3DES as OpenSSL 1.1 wrote) or "openssl-nomac"
	// (openssl pkcs12 -nomac: encrypted, but without the integrity code).
	Encoding string
	// Key: "rsa2048" (the default), "rsa1024", "rsa3072", "rsa4096", "p256", "p384",
	// "p521", "ed25519", and, made by the openssl command alone since Go cannot read
	// them, "ed448" and "dsa".
	Key string
	// CAs is the number of certification authorities above the certificate: 0 makes it
	// self-signed, 1 issued by a root, 2 by an intermediate under a root.
	CAs int
	// RootFirst stores the CA certificates root first (the reverse of the usual order).
	RootFirst bool
	// ExtraCA stores one more CA certificate that has nothing to do with the others.
	ExtraCA bool
	// LeafLast stores the CA certificates before the signing certificate, so that the
	// first certificate of the file is a CA's (Go encodings only; needs CAs).
	LeafLast bool
	// KeyUsage replaces the usual digital signature and non-repudiation.
	KeyUsage x509.KeyUsage
	// Omit "key" or "cert" leaves that out of the file (openssl encodings only).
	Omit string
	// ForeignKey stores a key that is not the certificate's.
	ForeignKey bool
}

var (
	keyMu sync.Mutex
	keys  = map[string][]crypto.Signer{}
)

// key returns the i-th key of a kind. Keys are made once per test binary and reused,
// since a 4096-bit RSA key takes a second to make; certificates are always new.
func key(kind string, i int) (crypto.Signer, error) {
	keyMu.Lock()
	defer keyMu.Unlock()
	for len(keys[kind]) <= i {
		var k crypto.Signer
		var err error
		switch kind {
		case "", "rsa2048":
			k, err = rsa.GenerateKey(rand.Reader, 2048)
		case "rsa1024", "rsa3072", "rsa4096":
			bits, _ := strconv.Atoi(kind[3:])
			k, err = rsa.GenerateKey(rand.Reader, bits)
		case "p256", "ca": // CA keys are kept apart from the signers' own
			k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case "p384":
			k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		case "p521":
			k, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		case "ed25519":
			_, k, err = ed25519.GenerateKey(rand.Reader)
		default:
			return nil, fmt.Errorf("certtest: unknown key %q", kind)
		}
		if err != nil {
			return nil, err
		}
		keys[kind] = append(keys[kind], k)
	}
	return keys[kind][i], nil
}

type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	return n
}

// ca makes a CA certificate for name, issued by parent (self-signed if nil).
func ca(name string, parent *issued, keyIndex int, notBefore, notAfter time.Time) (*issued, error) {
	k, err := key("ca", keyIndex)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name, Organization: []string{"Ascolto test CA"}, Country: []string{"IT"}},
		NotBefore:    notBefore, NotAfter: notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	signer, issuer := k, tmpl
	if parent != nil {
		signer, issuer = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, k.Public(), signer)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	return &issued{c, k}, err
}

// P12 makes the PKCS#12 file's bytes.
func P12(s Spec) ([]byte, error) {
	if s.Name == "" {
		s.Name = "Test Signer"
	}
	if s.NotBefore.IsZero() {
		s.NotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if s.NotAfter.IsZero() {
		s.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	if s.Key == "ed448" || s.Key == "dsa" {
		return opensslOnly(s)
	}
	k, err := key(s.Key, 0)
	if err != nil {
		return nil, err
	}
	// CAs: the chain from the issuer of the certificate up to the root.
	var cas []*issued
	var parent *issued
	for i := 0; i < s.CAs; i++ {
		name := "Ascolto Test Root CA"
		if i > 0 {
			name = "Ascolto Test Sub CA " + strconv.Itoa(i)
		}
		c, err := ca(name, parent, i, s.NotBefore.AddDate(-1, 0, 0), s.NotAfter.AddDate(5, 0, 0))
		if err != nil {
			return nil, err
		}
		cas = append([]*issued{c}, cas...)
		parent = c
	}
	usage := s.KeyUsage
	if usage == 0 {
		usage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: s.Name, Organization: []string{"Ascolto test"}, Country: []string{"IT"}},
		NotBefore:    s.NotBefore, NotAfter: s.NotAfter,
		KeyUsage:    usage,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	issuerCert, issuerKey := tmpl, k
	if len(cas) > 0 {
		issuerCert, issuerKey = cas[0].cert, cas[0].key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuerCert, k.Public(), issuerKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	var chain []*x509.Certificate
	for _, c := range cas {
		chain = append(chain, c.cert)
	}
	if s.RootFirst {
		for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
			chain[i], chain[j] = chain[j], chain[i]
		}
	}
	if s.ExtraCA {
		other, err := ca("Unrelated Test CA", nil, 5, s.NotBefore, s.NotAfter)
		if err != nil {
			return nil, err
		}
		chain = append(chain, other.cert)
	}
	stored := k
	if s.ForeignKey {
		if stored, err = key(s.Key, 1); err != nil {
			return nil, err
		}
	}
	first, others := cert, chain
	if s.LeafLast {
		if len(chain) == 0 || strings.HasPrefix(s.Encoding, "openssl") {
			return nil, fmt.Errorf("certtest: LeafLast needs CAs and a Go encoding")
		}
		first, others = chain[0], append(chain[1:len(chain):len(chain)], cert)
	}
	switch s.Encoding {
	case "", "modern":
		return pkcs12.Modern.Encode(stored, first, others, s.Password)
	case "legacy":
		return pkcs12.LegacyDES.Encode(stored, first, others, s.Password)
	case "openssl", "openssl-legacy", "openssl-nomac":
		keyDER, err := x509.MarshalPKCS8PrivateKey(stored)
		if err != nil {
			return nil, err
		}
		return viaOpenSSL(s, keyDER, cert.Raw, chain)
	}
	return nil, fmt.Errorf("certtest: unknown encoding %q", s.Encoding)
}

func pemFile(path, kind string, blocks ...[]byte) error {
	var out []byte
	for _, b := range blocks {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: b})...)
	}
	return os.WriteFile(path, out, 0o600)
}

// viaOpenSSL has the openssl command write the file, with its own defaults.
func viaOpenSSL(s Spec, keyDER, certDER []byte, chain []*x509.Certificate) ([]byte, error) {
	if _, err := exec.LookPath("openssl"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "certtest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	kp, cp, out := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "out.p12")
	if keyDER != nil {
		if err := pemFile(kp, "PRIVATE KEY", keyDER); err != nil {
			return nil, err
		}
	}
	if certDER != nil {
		if err := pemFile(cp, "CERTIFICATE", certDER); err != nil {
			return nil, err
		}
	}
	args := []string{"pkcs12", "-export", "-out", out, "-passout", "env:CERTTEST_PASS"}
	switch s.Omit {
	case "key":
		args = append(args, "-nokeys", "-in", cp)
	case "cert":
		args = append(args, "-nocerts", "-inkey", kp)
	case "":
		args = append(args, "-inkey", kp, "-in", cp)
	default:
		return nil, fmt.Errorf("certtest: unknown omission %q", s.Omit)
	}
	if len(chain) > 0 {
		var ders [][]byte
		for _, c := range chain {
			ders = append(ders, c.Raw)
		}
		cf := filepath.Join(dir, "chain.pem")
		if err := pemFile(cf, "CERTIFICATE", ders...); err != nil {
			return nil, err
		}
		args = append(args, "-certfile", cf)
	}
	switch s.Encoding {
	case "openssl-legacy":
		args = append(args, "-legacy")
	case "openssl-nomac":
		args = append(args, "-nomac")
	}
	return run(dir, out, s.Password, args...)
}

func run(dir, out, password string, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CERTTEST_PASS="+password)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("openssl %s: %v: %s", args[0], err, b)
	}
	if out == "" {
		return nil, nil
	}
	return os.ReadFile(out)
}

// opensslOnly makes a self-signed certificate with a key Go cannot read (Ed448, DSA),
// all with the openssl command.
func opensslOnly(s Spec) ([]byte, error) {
	if _, err := exec.LookPath("openssl"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "certtest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if s.Key == "dsa" {
		if _, err := run(dir, "", "", "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out", "param.pem"); err != nil {
			return nil, err
		}
		if _, err := run(dir, "", "", "genpkey", "-paramfile", "param.pem", "-out", "key.pem"); err != nil {
			return nil, err
		}
	} else if _, err := run(dir, "", "", "genpkey", "-algorithm", "ED448", "-out", "key.pem"); err != nil {
		return nil, err
	}
	if _, err := run(dir, "", "", "req", "-x509", "-new", "-key", "key.pem", "-subj", "/CN="+s.Name, "-days", "3650", "-out", "cert.pem"); err != nil {
		return nil, err
	}
	args := []string{"pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem", "-out", "out.p12", "-passout", "env:CERTTEST_PASS"}
	if s.Encoding == "openssl-legacy" {
		args = append(args, "-legacy")
	}
	return run(dir, filepath.Join(dir, "out.p12"), s.Password, args...)
}
