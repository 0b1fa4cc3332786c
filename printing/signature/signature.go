// Package signature signs the office's PDFs with the clerk's or the office's certificate,
// read from a PKCS#12 file (.p12/.pfx, the legacy encodings and OpenSSL 3's AES/PBKDF2
// default alike) with an RSA (2048 bits or more) or ECDSA (P-256, P-384, P-521) key. A
// signature covers the whole document (adbe.pkcs7.detached with SHA-256), which
// poppler's pdfsig and Acrobat verify; every signed file is checked (Check) before it
// is handed back. The password is only ever held in memory for the moment the file is
// opened.
package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"software.sslmate.com/src/go-pkcs12"

	"ascolto/data"
)

// Signer is an opened certificate with its private key.
type Signer struct {
	key  crypto.Signer
	cert *x509.Certificate
	// chain are the certificates above cert, its issuer first, as far as the file has
	// them: the signature carries them so that a verifier can build the path.
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

// Load opens a PKCS#12 file's bytes. The signing certificate is the one that belongs to
// the private key, wherever the file keeps it; the chain above it is built from the
// other certificates whatever their order, and certificates that are not part of it
// are left out. Everything that would make a signature no verifier accepts is refused
// here, before any letter is made, each with a sentence that says which: a wrong
// password, a file that is damaged or not a certificate, no private key or no
// certificate for it, a key of a type PDF validators do not accept, a certificate that
// is not valid at now (expired or not yet valid) or not meant for signatures.
func Load(p12 []byte, password string, now time.Time) (*Signer, error) {
	if err := checkIterations(p12); err != nil {
		return nil, &data.Problem{Key: "letter.err_p12_invalid", Err: err}
	}
	key, first, rest, err := pkcs12.DecodeChain(p12, password)
	if err != nil {
		return nil, loadProblem(err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, &data.Problem{Key: "letter.err_key_unknown"}
	}
	return FromKey(signer, append([]*x509.Certificate{first}, rest...), now)
}

// FromKey makes a Signer from a private key held elsewhere (a smart card's, whose
// signatures the card computes) and the certificates that go with it: the signing
// certificate is the one of the key, the chain is built from the others, and the same
// checks as Load's refuse a key, or a certificate, no verifier would accept.
func FromKey(signer crypto.Signer, certs []*x509.Certificate, now time.Time) (*Signer, error) {
	if p := acceptKey(signer.Public()); p != nil {
		return nil, p
	}
	cert := leaf(signer.Public(), certs, now)
	if cert == nil {
		return nil, data.Problemf("letter.err_p12_no_cert")
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
	return &Signer{key: signer, cert: cert, chain: chainOf(cert, certs)}, nil
}

// loadProblem turns the PKCS#12 reader's error into the sentence a clerk reads. The
// reader's errors are plain strings except for the password ones, so the few cases a
// person can act on are told apart by their text; everything else is a damaged file.
func loadProblem(err error) *data.Problem {
	msg := err.Error()
	key := "letter.err_p12_invalid"
	var args map[string]string
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption),
		strings.Contains(msg, "cannot be encoded in UCS-2"): // no such password can be right
		key = "letter.err_p12_password"
	case strings.Contains(msg, "private key missing"):
		key = "letter.err_p12_no_key"
	case strings.Contains(msg, "certificate missing"):
		key = "letter.err_p12_no_cert"
	case strings.Contains(msg, "no MAC in data"):
		key = "letter.err_p12_nomac"
	case strings.Contains(msg, "unknown algorithm"), strings.Contains(msg, "elliptic curve"),
		strings.Contains(msg, "unknown private key type"):
		key = "letter.err_key_unknown"
		for oid, name := range unreadableKeys {
			if strings.Contains(msg, oid) {
				key, args = "letter.err_key_type", map[string]string{"type": name}
			}
		}
	}
	return &data.Problem{Key: key, Args: args, Err: err}
}

// unreadableKeys are key algorithms Go cannot read that a .p12 may hold, by OID.
var unreadableKeys = map[string]string{
	"1.3.101.113":       "Ed448",
	"1.3.101.110":       "X25519",
	"1.3.101.111":       "X448",
	"1.2.840.10040.4.1": "DSA",
}

// acceptKey refuses keys whose signatures PDF validators do not accept.
func acceptKey(pub crypto.PublicKey) *data.Problem {
	name, ok := keyKind(pub)
	switch {
	case ok:
		return nil
	case name == "":
		return &data.Problem{Key: "letter.err_key_unknown"}
	}
	return data.Problemf("letter.err_key_type", "type", name)
}

// keyKind names a public key and says whether PDF validators (poppler, Acrobat, the
// EU's DSS) accept its signatures in adbe.pkcs7.detached: RSA of 2048 bits or more and
// ECDSA on the NIST curves. Not Ed25519 (no PDF validator in use reads it), nor RSA
// below 2048 bits (no longer accepted for qualified signatures since 2019). An unknown
// key has no name.
func keyKind(pub crypto.PublicKey) (string, bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA " + strconv.Itoa(k.N.BitLen()) + " bit", k.N.BitLen() >= 2048
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return "ECDSA " + k.Curve.Params().Name, true
		}
		return "ECDSA " + k.Curve.Params().Name, false
	case ed25519.PublicKey:
		return "Ed25519", false
	}
	return "", false
}

// samePublicKey compares two public keys of any type.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// leaf is the certificate of the private key: of several (a renewed certificate for the
// same key), the one valid at now that runs longest, else the newest.
func leaf(pub crypto.PublicKey, certs []*x509.Certificate, now time.Time) *x509.Certificate {
	var best *x509.Certificate
	valid := func(c *x509.Certificate) bool { return !now.Before(c.NotBefore) && !now.After(c.NotAfter) }
	for _, c := range certs {
		if !samePublicKey(pub, c.PublicKey) {
			continue
		}
		switch {
		case best == nil,
			valid(c) && !valid(best),
			valid(c) == valid(best) && c.NotAfter.After(best.NotAfter):
			best = c
		}
	}
	return best
}

// chainOf climbs from cert to its root through certs: each step is the certificate
// whose subject is the issuer's name and whose key verifies the signature below it.
// Certificates that are no step of the climb are left out; a loop ends it.
func chainOf(cert *x509.Certificate, certs []*x509.Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	used := map[*x509.Certificate]bool{cert: true}
	for c := cert; !isSelfSigned(c); {
		var next *x509.Certificate
		for _, p := range certs {
			if !used[p] && bytes.Equal(p.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(p) == nil {
				next = p
				break
			}
		}
		if next == nil {
			break
		}
		used[next] = true
		chain = append(chain, next)
		c = next
	}
	return chain
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
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

// Chain is the certificates above the signing certificate, its issuer first.
func (s *Signer) Chain() []*x509.Certificate { return s.chain }

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
	// TSA, when its URL is set, time-stamps the signature (RFC 3161); a failing
	// authority fails the signature, so no letter is made without the time-stamp asked
	// for.
	TSA TSA
}

// Sign returns the PDF with the signature added as an incremental update: the bytes of
// the letter as rendered stay as they are and are covered by the signature, together
// with everything else in the file. The result is checked as a verifier would check it
// (see Check) before it is returned, so a signed file that is not sound never reaches
// the register: the clerk is told why instead. doc must carry no signature yet.
func (s *Signer) Sign(doc []byte, o Options) ([]byte, error) {
	space := s.space()
	if o.TSA.URL != "" {
		space += uint32(hex.EncodedLen(tokenRoom))
	}
	out, _, err := s.sign(doc, o, space)
	if err != nil {
		return nil, err
	}
	if o.TSA.URL != "" {
		stamped, err := stamp(out, o.TSA)
		var room errNoRoom
		if errors.As(err, &room) {
			// An authority with a long chain: sign again with the room its token
			// needed (and a new token, since the signature value changes).
			if out, _, err = s.sign(doc, o, uint32(hex.EncodedLen(room.need+1024))); err != nil {
				return nil, err
			}
			stamped, err = stamp(out, o.TSA)
			if errors.As(err, &room) { // a second token much longer than the first
				err = &data.Problem{Key: "letter.err_sign_failed", Err: err}
			}
		}
		if err != nil {
			return nil, err
		}
		out = stamped
	}
	if err := s.selfCheck(doc, out); err != nil {
		return nil, err
	}
	return out, nil
}

// space is the room for the signature (hex digits in /Contents beyond what the signing
// library adds for the certificates and digests itself): the signature value at its
// largest for the key, plus the signed attributes, the signer's identifiers and the DER
// framing, which together stay well below 1 KiB. A time-stamp's room is added by Sign
// when one is asked for. The library's own base (512 bytes) is too small
// for RSA keys above 2048 bits; when it finds its space too small it signs again and
// writes the document a second time after the first, which sign must catch.
func (s *Signer) space() uint32 {
	var sig int
	switch k := s.key.Public().(type) {
	case *rsa.PublicKey:
		sig = (k.N.BitLen() + 7) / 8
	case *ecdsa.PublicKey:
		n := (k.Curve.Params().BitSize + 7) / 8
		sig = 2*(n+3) + 4 // SEQUENCE of two INTEGERs, each with a possible leading zero
	default:
		sig = 1024
	}
	return uint32(hex.EncodedLen(sig + 1024))
}

// countingWriter keeps every Write apart: the signing library writes the finished file
// in one Write, and a second one means it signed again after its space ran out and
// appended a second copy.
type countingWriter struct {
	writes [][]byte
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

// sign signs doc with room for space hex digits of signature and returns the file and
// how many tries it took. A try whose output was written more than once is thrown away
// and done again with twice the room.
func (s *Signer) sign(doc []byte, o Options, space uint32) ([]byte, int, error) {
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
	const tries = 4
	for try := 1; try <= tries; try++ {
		rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
		if err != nil {
			return nil, try, &data.Problem{Key: "letter.err_sign_failed", Err: err}
		}
		if f := rdr.Trailer().Key("Root").Key("AcroForm").Key("Fields"); f.Len() > 0 {
			// The library is driven directly (to size its space), which leaves out its
			// carrying over of earlier signature fields; letters never have any.
			return nil, try, &data.Problem{Key: "letter.err_sign_failed", Err: errors.New("the document already has form fields")}
		}
		// sign.Sign fixes the space at 512 bytes; its context is driven directly to set
		// the space from the key.
		w := &countingWriter{}
		ctx := sign.SignContext{PDFReader: rdr, InputFile: bytes.NewReader(doc), OutputFile: w,
			SignData: sd, SignatureMaxLengthBase: space}
		if err := ctx.SignPDF(); err != nil {
			if p, ok := data.AsProblem(err); ok {
				// the key's own sentence: a smart card taken out, its PIN locked
				return nil, try, p
			}
			return nil, try, &data.Problem{Key: "letter.err_sign_failed", Err: err}
		}
		if len(w.writes) == 1 {
			return w.writes[0], try, nil
		}
		// The library raised its base to what its last attempt needed; keep more than
		// that, since a new signature (ECDSA's, a new signing time) can be longer.
		// The count of hex digits stays even, so the string is whole bytes.
		space = max(space*2, ctx.SignatureMaxLengthBase+512) &^ 1
	}
	return nil, tries, &data.Problem{Key: "letter.err_sign_failed", Err: errors.New("the signature never fitted its space")}
}

// selfCheck verifies a file just signed from doc as a verifier would: one signature,
// covering the whole file, made by this signer's certificate, matching the bytes it
// covers; and an incremental update of doc that adds one signature dictionary (counted
// in what was added, as the letter's own text may name one).
func (s *Signer) selfCheck(doc, out []byte) error {
	rep, err := Check(out)
	if err != nil {
		p, _ := data.AsProblem(err)
		key := "letter.err_sign_check_damaged"
		switch {
		case p == nil:
		case p.Key == "letter.sig_partial":
			key = "letter.err_sign_check_partial"
		case p.Key == "letter.sig_invalid":
			key = "letter.err_sign_check_invalid"
		}
		return &data.Problem{Key: key, Err: err}
	}
	switch {
	case len(rep.Signatures) != 1:
		return &data.Problem{Key: "letter.err_sign_check_damaged", Err: fmt.Errorf("%d signatures", len(rep.Signatures))}
	case !bytes.HasPrefix(out, doc) || bytes.Count(out[len(doc):], []byte("/ByteRange")) != 1:
		return &data.Problem{Key: "letter.err_sign_check_damaged", Err: errors.New("not one signature added to the document as rendered")}
	case !rep.Signatures[0].Signer.Equal(s.cert):
		return &data.Problem{Key: "letter.err_sign_check_invalid", Err: errors.New("signed by another certificate")}
	}
	return nil
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
