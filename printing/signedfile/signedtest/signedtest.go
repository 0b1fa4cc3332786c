// Package signedtest makes signed files for tests with the openssl command, as the
// signing programs of citizens and other offices make them: a test qualified CA and an
// unrelated one, signers with the Italian fiscal code in the subject's serialNumber,
// one whose certificate expired, and CAdES envelopes (.p7m in DER or PEM, nested
// .p7m.p7m, detached .p7s) made by `openssl cms -sign`.
package signedtest

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"ascolto/printing/signature"
)

// Signer names a certificate of the kit.
type Signer string

// The kit's signers.
const (
	Rossi   Signer = "rossi"   // ROSSI MARIO, TINIT-RSSMRA80A01H501U, under the trusted CA
	Bianchi Signer = "bianchi" // BIANCHI ANNA, TINIT-BNCNNA75E45A952P, under the trusted CA
	Expired Signer = "expired" // VERDI LUCA, valid in 2020 only, under the trusted CA
	Unknown Signer = "unknown" // NERI PAOLO, under a CA that is not in the trust list
	ECDSA   Signer = "ecdsa"   // GIALLI SARA, a P-256 key, under the trusted CA
)

// Fiscal codes written in the certificates.
const (
	RossiCF   = "RSSMRA80A01H501U"
	BianchiCF = "BNCNNA75E45A952P"
)

// Kit is a folder with the CAs, the signers' certificates and keys.
type Kit struct {
	Dir string
	// CA is the trusted CA's certificate (PEM file); OtherCA the one not trusted.
	CA, OtherCA string
}

// Find gives the openssl command: as root (make test and CI) its absence fails the
// test; others are told to skip.
func Find() (path string, skip string, err error) {
	p, err := exec.LookPath("openssl")
	if err == nil {
		return p, "", nil
	}
	if os.Geteuid() == 0 {
		return "", "", errors.New("openssl is not installed (TEST_PACKAGES has it)")
	}
	return "", "openssl is not installed", nil
}

const caConf = `[ ca ]
default_ca = ca_default
[ ca_default ]
dir = %s
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
countryName = optional
organizationName = optional
givenName = optional
surname = optional
serialNumber = optional
commonName = supplied
`

const caExt = `basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`

const signerExt = `basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`

// New makes the kit in dir (a test's temporary folder).
func New(dir string) (*Kit, error) {
	k := &Kit{Dir: dir, CA: filepath.Join(dir, "ca.pem"), OtherCA: filepath.Join(dir, "other-ca.pem")}
	for _, ca := range []struct{ name, subj string }{
		{"ca", "/C=IT/O=Prova Certificatore Qualificato S.p.A./CN=Prova Qualified CA"},
		{"other-ca", "/C=IT/O=Altro Certificatore/CN=Other CA"},
	} {
		d := filepath.Join(dir, ca.name+".d")
		if err := os.MkdirAll(filepath.Join(d, "issued"), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(d, "index.txt"), nil, 0o600); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(d, "serial"), []byte("1000\n"), 0o600); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(d, "ca.cnf"), []byte(fmt.Sprintf(caConf, d)), 0o600); err != nil {
			return nil, err
		}
		// Self-signed through `openssl ca -selfsign`, the one way OpenSSL 3.0 sets a
		// start date in the past: the CA is older than the certificates it issued.
		key, csr := filepath.Join(dir, ca.name+".key"), filepath.Join(dir, ca.name+".csr")
		if _, err := run(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", ca.subj); err != nil {
			return nil, err
		}
		ext := filepath.Join(d, "ca.ext")
		if err := os.WriteFile(ext, []byte(caExt), 0o600); err != nil {
			return nil, err
		}
		if _, err := run(dir, "ca", "-batch", "-selfsign", "-config", filepath.Join(d, "ca.cnf"), "-keyfile", key, "-in", csr,
			"-out", filepath.Join(dir, ca.name+".pem"), "-preserveDN", "-notext", "-startdate", "20190101000000Z",
			"-enddate", "20450101000000Z", "-extfile", ext); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "signer.ext"), []byte(signerExt), 0o600); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		who        Signer
		ca, subj   string
		start, end string
	}{
		{Rossi, "ca", "/C=IT/GN=MARIO/SN=ROSSI/serialNumber=TINIT-" + RossiCF + "/CN=ROSSI MARIO", "20200101000000Z", "20391231000000Z"},
		{Bianchi, "ca", "/C=IT/GN=ANNA/SN=BIANCHI/serialNumber=TINIT-" + BianchiCF + "/CN=BIANCHI ANNA", "20200101000000Z", "20391231000000Z"},
		{Expired, "ca", "/C=IT/GN=LUCA/SN=VERDI/serialNumber=TINIT-VRDLCU70C10A952X/CN=VERDI LUCA", "20200101000000Z", "20201231000000Z"},
		{Unknown, "other-ca", "/C=IT/GN=PAOLO/SN=NERI/CN=NERI PAOLO", "20200101000000Z", "20391231000000Z"},
		{ECDSA, "ca", "/C=IT/GN=SARA/SN=GIALLI/serialNumber=TINIT-GLLSRA85M41A952D/CN=GIALLI SARA", "20200101000000Z", "20391231000000Z"},
	} {
		key, csr, pemPath := k.file(s.who, "key"), k.file(s.who, "csr"), k.file(s.who, "pem")
		newkey := []string{"-newkey", "rsa:2048"}
		if s.who == ECDSA {
			newkey = []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"}
		}
		if _, err := run(dir, append(append([]string{"req", "-new"}, newkey...), "-nodes", "-keyout", key, "-out", csr, "-subj", s.subj)...); err != nil {
			return nil, err
		}
		d := filepath.Join(dir, s.ca+".d")
		if _, err := run(dir, "ca", "-batch", "-config", filepath.Join(d, "ca.cnf"), "-cert", filepath.Join(dir, s.ca+".pem"),
			"-keyfile", filepath.Join(dir, s.ca+".key"), "-in", csr, "-out", pemPath, "-preserveDN", "-notext",
			"-startdate", s.start, "-enddate", s.end, "-extfile", filepath.Join(dir, "signer.ext")); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (k *Kit) file(s Signer, ext string) string { return filepath.Join(k.Dir, string(s)+"."+ext) }

// Cert is the path of a signer's certificate (PEM).
func (k *Kit) Cert(s Signer) string { return k.file(s, "pem") }

// Options of Sign.
type Options struct {
	Detached bool // a .p7s: the content is left out
	PEM      bool // -outform PEM ("-----BEGIN CMS-----")
	NoCerts  bool // -nocerts: the signer's certificate is left out
	// Stream is BER with indefinite lengths (-stream), as streaming signers write it.
	Stream bool
	// NoAttr signs the content itself, without signed attributes (-noattr: no signing
	// time, no signing-certificate attribute).
	NoAttr bool
	// PSS signs with RSASSA-PSS instead of PKCS#1 v1.5.
	PSS bool
}

// Sign signs content as s with `openssl cms -sign -binary -nodetach -outform DER`
// (CAdES-BES: openssl adds signingTime and the signing-certificate attribute).
func (k *Kit) Sign(s Signer, content []byte, o Options) ([]byte, error) {
	in, err := os.CreateTemp(k.Dir, "content-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(in.Name())
	if _, err := in.Write(content); err != nil {
		in.Close()
		return nil, err
	}
	in.Close()
	out := in.Name() + ".p7"
	defer os.Remove(out)
	args := []string{"cms", "-sign", "-binary", "-md", "sha256", "-in", in.Name(), "-signer", k.Cert(s), "-inkey", k.file(s, "key"), "-out", out}
	if o.NoAttr {
		args = append(args, "-noattr")
	} else {
		args = append(args, "-cades")
	}
	if o.Stream {
		args = append(args, "-stream")
	}
	if o.PSS {
		args = append(args, "-keyopt", "rsa_padding_mode:pss")
	}
	if o.PEM {
		args = append(args, "-outform", "PEM")
	} else {
		args = append(args, "-outform", "DER")
	}
	if !o.Detached {
		args = append(args, "-nodetach")
	}
	if o.NoCerts {
		args = append(args, "-nocerts")
	}
	if _, err := run(k.Dir, args...); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// Nest signs content as each signer in turn, the first innermost: a .p7m.p7m for two.
func (k *Kit) Nest(content []byte, signers ...Signer) ([]byte, error) {
	b := content
	for _, s := range signers {
		var err error
		if b, err = k.Sign(s, b, Options{}); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func run(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("openssl %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Key reads a signer's private key.
func (k *Kit) Key(s Signer) (crypto.Signer, error) {
	b, err := os.ReadFile(k.file(s, "key"))
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("signedtest: no PEM key")
	}
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("signedtest: not a signing key")
	}
	return signer, nil
}

// Certificates reads a signer's certificate and its CA's.
func (k *Kit) Certificates(s Signer) ([]*x509.Certificate, error) {
	ca := k.CA
	if s == Unknown {
		ca = k.OtherCA
	}
	var out []*x509.Certificate
	for _, p := range []string{k.Cert(s), ca} {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, errors.New("signedtest: no PEM certificate in " + p)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// PDF makes a one-page PDF saying text.
func PDF(text string) ([]byte, error) {
	p := gofpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Cell(0, 10, text)
	var b bytes.Buffer
	err := p.Output(&b)
	return b.Bytes(), err
}

// SignedPDF signs a PDF as s with the letters' own signer (PAdES).
func (k *Kit) SignedPDF(s Signer, doc []byte) ([]byte, error) {
	key, err := k.Key(s)
	if err != nil {
		return nil, err
	}
	certs, err := k.Certificates(s)
	if err != nil {
		return nil, err
	}
	signer, err := signature.FromKey(key, certs, time.Now())
	if err != nil {
		return nil, err
	}
	return signer.Sign(doc, signature.Options{Reason: "Istanza", Location: "Bolzano"})
}
