// Package signature signs the office's PDFs with the clerk's or the office's certificate,
// read from a PKCS#12 file (.p12/.pfx, the legacy encodings and OpenSSL 3's AES/PBKDF2
// default alike). A signature covers the whole document (adbe.pkcs7.detached with
// SHA-256), which poppler's pdfsig and Acrobat verify. The password is only ever held
// in memory for the moment the file is opened.
package signature

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"software.sslmate.com/src/go-pkcs12"

	"ascolto/data"
)

// Signer is an opened certificate with its private key.
type Signer struct {
	key   crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
}

// LoadFile opens a PKCS#12 file; see Load.
func LoadFile(path, password string, now time.Time) (*Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &data.Problem{Key: "letter.err_p12_read", Args: map[string]string{"path": path}, Err: err}
	}
	return Load(b, password, now)
}

// Load opens a PKCS#12 file's bytes. A wrong password, a file that is not a certificate
// and a certificate that is not valid at now (expired, or not yet valid) are refused
// with a message that says which, so no letter is signed with it.
func Load(p12 []byte, password string, now time.Time) (*Signer, error) {
	key, cert, chain, err := pkcs12.DecodeChain(p12, password)
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption):
		return nil, &data.Problem{Key: "letter.err_p12_password", Err: err}
	case err != nil:
		return nil, &data.Problem{Key: "letter.err_p12_invalid", Err: err}
	}
	signer, ok := key.(crypto.Signer)
	if !ok || cert == nil {
		return nil, data.Problemf("letter.err_p12_invalid")
	}
	if now.After(cert.NotAfter) {
		return nil, data.Problemf("letter.err_cert_expired", "name", commonName(cert), "date", cert.NotAfter.In(data.Rome).Format("2006-01-02"))
	}
	if now.Before(cert.NotBefore) {
		return nil, data.Problemf("letter.err_cert_not_yet", "name", commonName(cert), "date", cert.NotBefore.In(data.Rome).Format("2006-01-02"))
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, data.Problemf("letter.err_cert_usage", "name", commonName(cert))
	}
	return &Signer{key: signer, cert: cert, chain: chain}, nil
}

func commonName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

// Name is the signer as the certificate names them (its common name): what pdfsig and
// Acrobat show, and what the letter prints under the signature if no signer is set.
func (s *Signer) Name() string { return commonName(s.cert) }

// Certificate is the signing certificate.
func (s *Signer) Certificate() *x509.Certificate { return s.cert }

// Options describe a signature: why and where, and optionally a visible field.
type Options struct {
	Reason   string
	Location string
	Contact  string
	Date     time.Time
	// Visible puts a signature field on Page around Rect (PDF points from the lower
	// left corner: x1, y1, x2, y2), which viewers show as the signature's box.
	Visible bool
	Page    int
	Rect    [4]float64
}

// Sign returns the PDF with the signature added as an incremental update: the bytes of
// the letter as rendered stay as they are and are covered by the signature, together
// with everything else in the file.
func (s *Signer) Sign(doc []byte, o Options) ([]byte, error) {
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, &data.Problem{Key: "letter.err_sign", Args: map[string]string{"detail": err.Error()}, Err: err}
	}
	chain := append([]*x509.Certificate{s.cert}, s.chain...)
	sd := sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{Name: s.Name(), Location: o.Location, Reason: o.Reason,
				ContactInfo: o.Contact, Date: o.Date},
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
		},
		Signer:            s.key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       s.cert,
		CertificateChains: [][]*x509.Certificate{chain},
		// No RevocationFunction: no OCSP or CRL look-ups, since offices sign offline and
		// the certificate's status is the verifier's matter.
	}
	if o.Visible {
		// A visible field is an approval signature (PDF 12.7.5.5); it still covers the
		// whole file.
		sd.Signature.CertType = sign.ApprovalSignature
		sd.Appearance = sign.Appearance{Visible: true, Page: uint32(max(o.Page, 1)),
			LowerLeftX: o.Rect[0], LowerLeftY: o.Rect[1], UpperRightX: o.Rect[2], UpperRightY: o.Rect[3], Image: frame}
	}
	var out bytes.Buffer
	if err := sign.Sign(bytes.NewReader(doc), &out, rdr, int64(len(doc)), sd); err != nil {
		return nil, &data.Problem{Key: "letter.err_sign", Args: map[string]string{"detail": strings.TrimPrefix(err.Error(), "sign: ")}, Err: err}
	}
	return out.Bytes(), nil
}

// frame is the visible signature field's picture: a thin blue border, transparent inside,
// so the signature block printed beneath it stays readable.
var frame = func() []byte {
	const w, h = 160, 60
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	blue := color.NRGBA{R: 40, G: 70, B: 150, A: 255}
	for x := 0; x < w; x++ {
		img.Set(x, 0, blue)
		img.Set(x, h-1, blue)
	}
	for y := 0; y < h; y++ {
		img.Set(0, y, blue)
		img.Set(w-1, y, blue)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}()
