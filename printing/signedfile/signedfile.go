// Package signedfile reads the signed files citizens and other offices send: CAdES
// envelopes (.p7m, "firma digitale"; nested as .p7m.p7m, in DER, PEM or bare base64),
// detached signatures (.p7s beside the file they sign) and signed PDFs. It says who
// signed, when, whether the signature still matches the content, whether the
// certificate was valid when it was used and whether it was issued by an authority of
// the office's trust list, and it hands out the signed content itself.
package signedfile

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"path"
	"strings"
	"time"

	"github.com/digitorus/pkcs7"

	"ascolto/data"
	"ascolto/printing/signature"
)

// Limits: a signed file is at most as large as an attachment, and envelopes are
// opened to a depth no real file reaches (two or three signers countersigning by
// wrapping), so a file of nested envelopes cannot keep the reader busy.
const (
	MaxFile   = data.MaxAttachment
	MaxDepth  = 8
	maxSigner = 64 // signers per envelope
)

// Kinds of signed file.
const (
	KindEnvelope = "p7m" // CAdES enveloping: the content is inside
	KindDetached = "p7s" // CAdES detached: the content is a file beside it
	KindPDF      = "pdf" // a PDF with its signature inside (PAdES)
)

// Result is what Inspect found.
type Result struct {
	Kind      string
	Envelopes int      // envelopes opened: 2 for a .p7m.p7m, 0 for a PDF
	Signers   []Signer // outermost envelope first
	// Content is the signed document (the PDF inside the .p7m; for a PDF, the PDF) and
	// ContentName its name (file.pdf.p7m: file.pdf).
	Content     []byte
	ContentName string
	// TrustList says whether a trust list with certificates was given: without one no
	// signer can be trusted.
	TrustList bool
}

// Signer is one signature.
type Signer struct {
	Name        string // the certificate's common name, or given name and surname
	FiscalCode  string // the Italian codice fiscale from the subject's serialNumber, when it holds one
	SerialAttr  string // the subject's serialNumber as written (e.g. TINIT-RSSMRA80A01H501U)
	Issuer      string // the issuing authority's common name or organisation
	Certificate *x509.Certificate
	SigningTime time.Time // the signed signingTime attribute; zero when the signature has none
	Envelope    int       // 1 for the outermost envelope
	// Intact: the content's digest and the signature match; ValidAtSigning: the
	// certificate was within its validity at the signing time (or now, without one);
	// Trusted: it chains to the trust list at that time.
	Intact, ValidAtSigning, Trusted bool
	Err                             error // why not intact or not trusted, for logs
}

// Intact says whether every signature matches its content.
func (r *Result) Intact() bool {
	for _, s := range r.Signers {
		if !s.Intact {
			return false
		}
	}
	return len(r.Signers) > 0
}

// Trusted says whether every signature is intact, made with a certificate valid at the
// time and issued by an authority of the trust list.
func (r *Result) Trusted() bool {
	for _, s := range r.Signers {
		if !s.Intact || !s.ValidAtSigning || !s.Trusted {
			return false
		}
	}
	return len(r.Signers) > 0
}

// Problem is what a person must be told about the signatures, the gravest first:
// a changed content, a certificate out of its validity, no trust list, a signer the
// trust list does not know; nil when all is in order.
func (r *Result) Problem() *data.Problem {
	for _, s := range r.Signers {
		if !s.Intact {
			return &data.Problem{Key: "case.signed_tampered", Err: s.Err}
		}
	}
	for _, s := range r.Signers {
		if !s.ValidAtSigning {
			c := s.Certificate
			return data.Problemf("case.signed_expired", "name", s.Name,
				"from", c.NotBefore.UTC().Format("2006-01-02"), "until", c.NotAfter.UTC().Format("2006-01-02"))
		}
	}
	if !r.TrustList {
		return data.Problemf("case.signed_no_trust")
	}
	for _, s := range r.Signers {
		if !s.Trusted {
			return &data.Problem{Key: "case.signed_unknown", Args: map[string]string{"name": s.Name, "issuer": s.Issuer}, Err: s.Err}
		}
	}
	return nil
}

// LooksSigned says from the name alone whether a file is a signature envelope the
// window should check (a PDF is checked only when it carries a signature).
func LooksSigned(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".p7m") || strings.HasSuffix(n, ".p7s") || strings.HasSuffix(n, ".pdf")
}

// Inspect reads a signed file: a .p7m envelope (DER, PEM or base64 text; nested ones
// are opened to the innermost content) or a signed PDF. A detached signature (.p7s)
// needs its content: see InspectDetached. trust may be nil (then no signer is
// trusted); now is the time used for a signature without a signing time. The error is
// a *data.Problem when the file carries no signature (case.signed_none), is damaged
// (case.signed_damaged), too large or too deeply nested, or is a detached signature
// (case.signed_detached); a signature that does not match, an expired or unknown
// signer are reported in the Result (Result.Problem).
func Inspect(name string, file []byte, trust *TrustList, now time.Time) (res *Result, err error) {
	return inspect(name, file, nil, trust, now)
}

// InspectDetached checks a detached signature (name.p7s) against the file it signs.
func InspectDetached(name string, sig, content []byte, trust *TrustList, now time.Time) (*Result, error) {
	if content == nil {
		content = []byte{}
	}
	return inspect(name, sig, content, trust, now)
}

func inspect(name string, file, detached []byte, trust *TrustList, now time.Time) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil { // the CMS and PDF readers panic on some crafted input
			res, err = nil, &data.Problem{Key: "case.signed_damaged", Err: fmt.Errorf("malformed: %v", r)}
		}
	}()
	if len(file) > MaxFile || len(detached) > MaxFile {
		return nil, data.Problemf("case.signed_too_large", "name", name)
	}
	if detached == nil && isPDF(file) && !looksSignedData(file) {
		return inspectPDF(name, file, trust, now)
	}
	res = &Result{Kind: KindEnvelope, TrustList: trust.Len() > 0, ContentName: contentName(name)}
	content := file
	for depth := 0; ; depth++ {
		der, ok := unarmour(content)
		var p7 *pkcs7.PKCS7
		if ok {
			p7, err = pkcs7.Parse(der)
		}
		if !ok || err != nil || len(p7.Signers) == 0 {
			if depth == 0 {
				// A file named or shaped as a signed envelope that cannot be read is
				// damaged; one that reads but has no signer (a certificate bundle, an
				// encrypted message) or is something else altogether is not signed.
				if err != nil && ok && looksSignedData(der) || (err != nil || !ok) && hasSignatureSuffix(name) {
					return nil, &data.Problem{Key: "case.signed_damaged", Args: map[string]string{"name": name}, Err: err}
				}
				return nil, data.Problemf("case.signed_none", "name", name)
			}
			break // the content: no envelope any more
		}
		if depth >= MaxDepth {
			return nil, data.Problemf("case.signed_too_deep", "name", name, "depth", fmt.Sprint(MaxDepth))
		}
		if len(p7.Signers) > maxSigner {
			return nil, &data.Problem{Key: "case.signed_damaged", Args: map[string]string{"name": name}, Err: errors.New("too many signers")}
		}
		if len(p7.Content) == 0 {
			if depth > 0 || detached == nil {
				return nil, data.Problemf("case.signed_detached", "name", name)
			}
			p7.Content = detached
			res.Kind = KindDetached
		} else if depth == 0 && detached != nil {
			return nil, &data.Problem{Key: "case.signed_damaged", Args: map[string]string{"name": name}, Err: errors.New("a detached signature expected, the file holds its content")}
		}
		for i := range p7.Signers {
			s, err := verifySigner(p7, i, trust, now)
			if err != nil {
				return nil, &data.Problem{Key: "case.signed_damaged", Args: map[string]string{"name": name}, Err: err}
			}
			s.Envelope = depth + 1
			res.Signers = append(res.Signers, s)
		}
		res.Envelopes++
		content = p7.Content
	}
	res.Content = content
	if path.Ext(res.ContentName) == "" && bytes.HasPrefix(content, []byte("%PDF-")) {
		res.ContentName += ".pdf"
	}
	return res, nil
}

// hasSignatureSuffix: a file named as a signature that cannot be read is damaged, not
// unsigned.
func hasSignatureSuffix(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".p7m") || strings.HasSuffix(n, ".p7s")
}

// looksSignedData: the file starts as CMS SignedData (a SEQUENCE, of any length form,
// opening with the SignedData type), so a failure to read it means damage, even when
// it was cut short.
func looksSignedData(der []byte) bool {
	if len(der) < 2 || der[0] != 0x30 {
		return false
	}
	at := 2
	if n := der[1]; n > 0x80 {
		at += int(n & 0x7f)
	}
	oid := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
	return len(der) >= at+len(oid) && bytes.Equal(der[at:at+len(oid)], oid)
}

// contentName is the name of the signed content: file.pdf.p7m, file.pdf.p7m.p7m and
// file.pdf.p7s are file.pdf.
func contentName(name string) string {
	n := strings.TrimSpace(name)
	for hasSignatureSuffix(n) {
		n = n[:len(n)-4]
	}
	if n == "" {
		n = "document"
	}
	return n
}

// isPDF: a PDF may have a few bytes before its header (readers look in the first
// kilobyte).
func isPDF(b []byte) bool {
	head := b
	if len(head) > 1024 {
		head = head[:1024]
	}
	return bytes.Contains(head, []byte("%PDF-"))
}

// unarmour gives the DER of an envelope: as it is, from PEM ("-----BEGIN PKCS7-----",
// "CMS", "SIGNED MESSAGE"), or from bare base64 text as some programs save it.
func unarmour(b []byte) ([]byte, bool) {
	t := bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	if len(t) == 0 {
		return nil, false
	}
	if t[0] == 0x30 {
		return b, true
	}
	if bytes.HasPrefix(t, []byte("-----BEGIN")) {
		blk, _ := pem.Decode(t)
		if blk == nil {
			return nil, false
		}
		return blk.Bytes, true
	}
	// Bare base64, possibly broken into lines; anything else is not an envelope.
	clean := make([]byte, 0, len(t))
	for _, c := range t {
		switch {
		case c == '\r' || c == '\n' || c == ' ' || c == '\t':
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/', c == '=':
			clean = append(clean, c)
		default:
			return nil, false
		}
	}
	der, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil {
		der, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(string(clean), "="))
	}
	if err != nil || len(der) == 0 || der[0] != 0x30 {
		return nil, false
	}
	return der, true
}

// attribute is a signed attribute as the CMS library keeps it.
type attribute struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

var (
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSerialNumber         = asn1.ObjectIdentifier{2, 5, 4, 5}
)

// verifySigner checks the i-th signature of p7 against its content. An error means the
// envelope is damaged (no certificate for the signer); a signature that does not
// match is a Signer with Intact false.
func verifySigner(p7 *pkcs7.PKCS7, i int, trust *TrustList, now time.Time) (Signer, error) {
	si := p7.Signers[i]
	var cert *x509.Certificate
	for _, c := range p7.Certificates {
		if sameSerial(c.SerialNumber, si.IssuerAndSerialNumber.SerialNumber) && bytes.Equal(c.RawIssuer, si.IssuerAndSerialNumber.IssuerName.FullBytes) {
			cert = c
			break
		}
	}
	if cert == nil {
		return Signer{}, errors.New("the signer's certificate is not in the envelope")
	}
	s := Signer{Certificate: cert, Name: personName(cert.Subject), Issuer: issuerName(cert.Issuer)}
	s.SerialAttr, s.FiscalCode = fiscalCode(cert.Subject)
	attrs := make([]attribute, len(si.AuthenticatedAttributes))
	for k, a := range si.AuthenticatedAttributes {
		attrs[k] = attribute{Type: a.Type, Value: a.Value}
	}
	var t time.Time
	if attrValue(attrs, oidSigningTime, &t) == nil {
		s.SigningTime = t
	}
	s.Err = checkSignature(p7.Content, cert, attrs, si.DigestAlgorithm, si.DigestEncryptionAlgorithm, si.EncryptedDigest)
	s.Intact = s.Err == nil

	s.judge(p7.Certificates, trust, now)
	return s, nil
}

// judge says whether the signer's certificate was valid when it signed (its own
// signing time, else now) and whether it chains to the trust list. The chain is checked
// at the signing time, kept inside the signer's own validity: an expired certificate
// is said as such, not as an unknown signer.
func (s *Signer) judge(carried []*x509.Certificate, trust *TrustList, now time.Time) {
	cert := s.Certificate
	at := now
	if !s.SigningTime.IsZero() {
		at = s.SigningTime
	}
	s.ValidAtSigning = !at.Before(cert.NotBefore) && !at.After(cert.NotAfter)
	if trust.Len() == 0 {
		return
	}
	chainAt := at
	if chainAt.Before(cert.NotBefore) {
		chainAt = cert.NotBefore
	}
	if chainAt.After(cert.NotAfter) {
		chainAt = cert.NotAfter
	}
	s.Trusted = chains(cert, carried, trust, chainAt, s)
}

// chains says whether cert chains to the trust list at the time given.
func chains(cert *x509.Certificate, carried []*x509.Certificate, trust *TrustList, at time.Time, s *Signer) bool {
	inter := x509.NewCertPool()
	for _, c := range carried {
		if c != cert {
			inter.AddCert(c)
		}
	}
	_, err := cert.Verify(x509.VerifyOptions{Roots: trust.pool(at), Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil && s.Err == nil {
		s.Err = err
	}
	return err == nil
}

func sameSerial(a, b *big.Int) bool { return a != nil && b != nil && a.Cmp(b) == 0 }

// attrValue decodes the first value of a signed attribute.
func attrValue(attrs []attribute, oid asn1.ObjectIdentifier, out any) error {
	for _, a := range attrs {
		if a.Type.Equal(oid) {
			_, err := asn1.Unmarshal(a.Value.Bytes, out)
			return err
		}
	}
	return errors.New("no such attribute")
}

// checkSignature verifies one signature: the content's digest against the signed
// messageDigest, the signing-certificate attribute against the certificate, and the
// signature over the signed attributes (or, without them, over the content).
func checkSignature(content []byte, cert *x509.Certificate, attrs []attribute, digestAlg, sigAlg pkix.AlgorithmIdentifier, sig []byte) error {
	h, err := hashFor(digestAlg.Algorithm)
	if err != nil {
		return err
	}
	signed := content
	if len(attrs) > 0 {
		var digest []byte
		if err := attrValue(attrs, oidMessageDigest, &digest); err != nil {
			return fmt.Errorf("messageDigest: %v", err)
		}
		d := h.New()
		d.Write(content)
		if subtle.ConstantTimeCompare(digest, d.Sum(nil)) != 1 {
			return errors.New("the content's digest does not match the signed one")
		}
		if err := checkSigningCertificate(attrs, cert); err != nil {
			return err
		}
		enc, err := asn1.Marshal(struct {
			A []attribute `asn1:"set"`
		}{A: attrs})
		if err != nil {
			return err
		}
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(enc, &seq); err != nil {
			return err
		}
		signed = seq.Bytes // the SET OF, as it was signed
	}
	if sigAlg.Algorithm.Equal(oidRSAPSS) {
		return checkPSS(cert, h, signed, sig)
	}
	alg, err := signatureAlgorithm(sigAlg.Algorithm, h, cert)
	if err != nil {
		return err
	}
	return cert.CheckSignature(alg, signed, sig)
}

// checkPSS verifies an RSASSA-PSS signature. The salt length is the signer's choice,
// written in the algorithm's parameters (OpenSSL takes the largest that fits, not the
// hash's length Go's certificate check assumes), so it is found from the signature.
func checkPSS(cert *x509.Certificate, h crypto.Hash, signed, sig []byte) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("an RSASSA-PSS signature with a key that is not RSA")
	}
	if h == crypto.SHA1 {
		return errors.New("RSASSA-PSS with SHA-1")
	}
	d := h.New()
	d.Write(signed)
	return rsa.VerifyPSS(pub, h, d.Sum(nil), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: h})
}

func hashFor(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA1):
		return crypto.SHA1, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		return crypto.SHA256, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA384):
		return crypto.SHA384, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("digest algorithm %v", oid)
}

var (
	oidRSAPSS      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidECPublic    = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSASHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAFamily = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3}
)

// signatureAlgorithm names the algorithm of a SignerInfo: its signature OID says the
// key's kind (rsaEncryption, sha256WithRSAEncryption, ecdsa-with-SHA256, id-ecPublicKey,
// Ed25519) and the digest algorithm the hash, as CMS writers put them either way
// (RSASSA-PSS: checkPSS).
func signatureAlgorithm(oid asn1.ObjectIdentifier, h crypto.Hash, cert *x509.Certificate) (x509.SignatureAlgorithm, error) {
	rsa := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA1: x509.SHA1WithRSA, crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}
	ec := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA1: x509.ECDSAWithSHA1, crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}
	var table map[crypto.Hash]x509.SignatureAlgorithm
	switch {
	case oid.Equal(pkcs7.OIDEncryptionAlgorithmEDDSA25519):
		return x509.PureEd25519, nil
	case oid.Equal(pkcs7.OIDEncryptionAlgorithmRSA), oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA1),
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA256), oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA384),
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA512):
		table = rsa
	case oid.Equal(oidECPublic), oid.Equal(oidECDSASHA1), len(oid) == len(oidECDSAFamily)+1 && oid[:len(oidECDSAFamily)].Equal(oidECDSAFamily):
		table = ec
	default:
		return 0, fmt.Errorf("signature algorithm %v", oid)
	}
	if a, ok := table[h]; ok {
		return a, nil
	}
	return 0, fmt.Errorf("signature algorithm %v with %v", oid, h)
}

// essCertID is ESSCertID / ESSCertIDv2 (RFC 2634, RFC 5035).
type essCertID struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  asn1.RawValue `asn1:"optional"`
}

type signingCertificate struct {
	Certs    []essCertID
	Policies asn1.RawValue `asn1:"optional"`
}

// checkSigningCertificate compares the signed hash of the signer's certificate (CAdES
// requires the attribute) with the certificate the envelope carries: the certificates
// are outside what is signed, and a swapped one would otherwise pass.
func checkSigningCertificate(attrs []attribute, cert *x509.Certificate) error {
	var sc signingCertificate
	h := crypto.SHA1
	if err := attrValue(attrs, oidSigningCertificateV2, &sc); err == nil {
		h = crypto.SHA256
		if len(sc.Certs) > 0 && len(sc.Certs[0].HashAlgorithm.Algorithm) > 0 {
			var err error
			if h, err = hashFor(sc.Certs[0].HashAlgorithm.Algorithm); err != nil {
				return err
			}
		}
	} else if err := attrValue(attrs, oidSigningCertificate, &sc); err != nil {
		return nil // a plain CMS signature without the attribute
	}
	if len(sc.Certs) == 0 {
		return errors.New("empty signing-certificate attribute")
	}
	d := h.New()
	d.Write(cert.Raw)
	if !bytes.Equal(d.Sum(nil), sc.Certs[0].CertHash) {
		return errors.New("the signer's certificate is not the one signed for")
	}
	return nil
}

// personName is the name a certificate gives its holder.
func personName(n pkix.Name) string {
	if n.CommonName != "" {
		return n.CommonName
	}
	var given, sur string
	for _, a := range n.Names {
		v, _ := a.Value.(string)
		switch {
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 42}):
			given = v
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 4}):
			sur = v
		}
	}
	if s := strings.TrimSpace(given + " " + sur); s != "" {
		return s
	}
	if len(n.Organization) > 0 {
		return n.Organization[0]
	}
	return n.String()
}

func issuerName(n pkix.Name) string {
	if n.CommonName != "" {
		return n.CommonName
	}
	if len(n.Organization) > 0 {
		return n.Organization[0]
	}
	return n.String()
}

// fiscalCode reads the subject's serialNumber attribute; Italian qualified certificates
// write the codice fiscale there as TINIT-<code> (ETSI EN 319 412-1) or, in older ones,
// IT:<code>. The code is given only when it has the shape of one (16 characters for a
// person, 11 digits for an organisation).
func fiscalCode(n pkix.Name) (raw, cf string) {
	for _, a := range n.Names {
		if !a.Type.Equal(oidSerialNumber) {
			continue
		}
		raw, _ = a.Value.(string)
		break
	}
	v := strings.ToUpper(strings.TrimSpace(raw))
	for _, p := range []string{"TINIT-", "IT:", "IT-", "VATIT-"} {
		v = strings.TrimPrefix(v, p)
	}
	if isCF(v) {
		return raw, v
	}
	return raw, ""
}

func isCF(v string) bool {
	if len(v) == 11 {
		for _, c := range v {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	if len(v) != 16 {
		return false
	}
	for i, c := range v {
		letter := c >= 'A' && c <= 'Z'
		alnum := letter || c >= '0' && c <= '9'
		switch {
		case i < 6 || i == 8 || i == 11 || i == 15:
			if !letter {
				return false
			}
		case !alnum: // digits, or letters where homonyms are told apart (omocodia)
			return false
		}
	}
	return true
}

// inspectPDF checks a signed PDF with the letters' own checker.
func inspectPDF(name string, file []byte, trust *TrustList, now time.Time) (*Result, error) {
	res := &Result{Kind: KindPDF, TrustList: trust.Len() > 0, Content: file, ContentName: strings.TrimSpace(name)}
	rep, err := signature.Check(file)
	if err != nil {
		p, _ := data.AsProblem(err)
		key := ""
		if p != nil {
			key = p.Key
		}
		switch key {
		case "letter.sig_none":
			return nil, data.Problemf("case.signed_none", "name", name)
		case "letter.sig_invalid", "letter.sig_partial":
			// The signature is there but the document changed: say so, with the file.
			res.Signers = []Signer{{Envelope: 1, Err: err}}
			return res, nil
		case "letter.sig_key_type":
			return nil, p
		}
		return nil, &data.Problem{Key: "case.signed_damaged", Args: map[string]string{"name": name}, Err: err}
	}
	for _, sig := range rep.Signatures {
		cert := sig.Signer
		s := Signer{Certificate: cert, Name: personName(cert.Subject), Issuer: issuerName(cert.Issuer),
			SigningTime: sig.SigningTime, Intact: true, Envelope: 1}
		s.SerialAttr, s.FiscalCode = fiscalCode(cert.Subject)
		s.judge(sig.Certificates, trust, now)
		res.Signers = append(res.Signers, s)
	}
	return res, nil
}
