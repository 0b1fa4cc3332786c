package signature

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"

	"ascolto/data"
)

// Report is what Check found in a signed PDF.
type Report struct {
	// Signatures in the order of the bytes they cover; the last covers the whole file.
	Signatures []Signature
}

// Signature is one verified signature of a PDF.
type Signature struct {
	Signer       *x509.Certificate   // the certificate that made the signature
	Certificates []*x509.Certificate // every certificate the signature carries
	SubFilter    string              // adbe.pkcs7.detached or ETSI.CAdES.detached
	ByteRange    [4]int64            // the two parts of the file it covers: offset, length, offset, length
	Name         string              // /Name, /Reason and /Location as the signer wrote them
	Reason       string
	Location     string
	SigningTime  time.Time // the signingTime attribute; zero when the signature has none
	// Timestamp is the signature's verified RFC 3161 time-stamp; nil when it has none.
	Timestamp *Timestamp
}

// Limits on what Check walks, so that a crafted file cannot keep it busy.
const (
	maxFields   = 1000
	maxFieldTop = 8 // levels of /Kids
)

// Check verifies the digital signatures of a PDF as a verifier does: the file parses,
// every signature dictionary's /ByteRange is [0 a b c] with the gap between a and b
// being exactly its /Contents hex string, the CMS signature (adbe.pkcs7.detached or
// ETSI.CAdES.detached) verifies with the certificate it names against the bytes it
// covers and its messageDigest matches them, its key is one PDF validators accept, and
// the last signature ends where the file ends (nothing added after it, no second copy).
// Certificates are not checked against trusted roots: that is the reader's matter. A
// file that fails is refused with a *data.Problem whose key says why: unreadable, no
// signature, damaged, partial or invalid.
func Check(file []byte) (rep *Report, err error) {
	// A PDF must end in %%EOF; testing it first spares the reader its slow search of
	// files that do not.
	if !bytes.HasSuffix(bytes.TrimRight(file, "\r\n\t \x00"), []byte("%%EOF")) {
		return nil, &data.Problem{Key: "letter.sig_unreadable", Err: errors.New("no %%EOF at the end")}
	}
	if err := sane(file); err != nil {
		return nil, &data.Problem{Key: "letter.sig_unreadable", Err: err}
	}
	dicts, err := signatureDicts(file)
	if err != nil {
		return nil, &data.Problem{Key: "letter.sig_unreadable", Err: err}
	}
	if len(dicts) == 0 {
		return nil, &data.Problem{Key: "letter.sig_none"}
	}
	rep = &Report{}
	for _, d := range dicts {
		sig, err := verify(file, d)
		if err != nil {
			return nil, err
		}
		rep.Signatures = append(rep.Signatures, *sig)
	}
	last := rep.Signatures[0]
	for _, s := range rep.Signatures[1:] {
		if s.ByteRange[2]+s.ByteRange[3] > last.ByteRange[2]+last.ByteRange[3] {
			last = s
		}
	}
	if end := last.ByteRange[2] + last.ByteRange[3]; end != int64(len(file)) {
		return nil, &data.Problem{Key: "letter.sig_partial", Err: fmt.Errorf("the signature covers %d of %d bytes", end, len(file))}
	}
	sortByEnd(rep.Signatures)
	return rep, nil
}

func sortByEnd(s []Signature) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].ByteRange[2]+s[j].ByteRange[3] < s[j-1].ByteRange[2]+s[j-1].ByteRange[3]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// sigDict is what Check reads of a signature dictionary.
type sigDict struct {
	filter, subFilter      string
	byteRange              []int64
	contents               []byte
	name, reason, location string
}

// signatureDicts finds the signature dictionaries through the document's form fields
// (/Root /AcroForm /Fields, and their /Kids), each once.
func signatureDicts(file []byte) (out []sigDict, err error) {
	// The PDF reader reports malformed input by panicking.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("malformed PDF: %v", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return nil, err
	}
	root := r.Trailer().Key("Root")
	if root.Kind() != pdf.Dict {
		return nil, errors.New("no document catalog")
	}
	seen := map[string]bool{}
	count := 0
	var walk func(fields pdf.Value, ft string, depth int)
	walk = func(fields pdf.Value, ft string, depth int) {
		if fields.Kind() != pdf.Array || depth > maxFieldTop {
			return
		}
		for i := 0; i < fields.Len() && count < maxFields; i++ {
			count++
			f := fields.Index(i)
			if f.Kind() != pdf.Dict {
				continue
			}
			t := ft
			if n := f.Key("FT").Name(); n != "" {
				t = n
			}
			if v := f.Key("V"); t == "Sig" && v.Kind() == pdf.Dict {
				// the same dictionary reached twice (a widget and its field) is one signature
				id := fmt.Sprint(v.GetPtr())
				if !seen[id] {
					seen[id] = true
					out = append(out, readDict(v))
				}
			}
			walk(f.Key("Kids"), t, depth+1)
		}
	}
	walk(root.Key("AcroForm").Key("Fields"), "", 0)
	return out, nil
}

func readDict(v pdf.Value) sigDict {
	d := sigDict{filter: v.Key("Filter").Name(), subFilter: v.Key("SubFilter").Name(),
		contents: []byte(v.Key("Contents").RawString()),
		name:     v.Key("Name").Text(), reason: v.Key("Reason").Text(), location: v.Key("Location").Text()}
	br := v.Key("ByteRange")
	for i := 0; i < br.Len() && i < 5; i++ {
		e := br.Index(i)
		if e.Kind() != pdf.Integer {
			d.byteRange = nil
			break
		}
		d.byteRange = append(d.byteRange, e.Int64())
	}
	return d
}

// verify checks one signature dictionary against the file.
func verify(file []byte, d sigDict) (*Signature, error) {
	damaged := func(format string, args ...any) error {
		return &data.Problem{Key: "letter.sig_damaged", Err: fmt.Errorf(format, args...)}
	}
	if d.subFilter != "adbe.pkcs7.detached" && d.subFilter != "ETSI.CAdES.detached" {
		return nil, damaged("sub-filter %q", d.subFilter)
	}
	br := d.byteRange
	n := int64(len(file))
	if len(br) != 4 || br[0] != 0 || br[1] <= 0 || br[2] <= br[1]+1 || br[3] < 0 || br[2] > n || br[3] > n-br[2] {
		return nil, damaged("byte range %v in a file of %d bytes", br, n)
	}
	// The gap must be the /Contents string itself, as hex: anything else in it would be
	// unsigned content.
	gap := file[br[1]:br[2]]
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		return nil, damaged("the byte range's gap is not a hex string")
	}
	if len(gap)%2 != 0 {
		return nil, damaged("odd hex string")
	}
	raw := make([]byte, hex.DecodedLen(len(gap)-2))
	if _, err := hex.Decode(raw, gap[1:len(gap)-1]); err != nil {
		return nil, damaged("the byte range's gap: %v", err)
	}
	if !bytes.Equal(raw, d.contents) {
		return nil, damaged("the byte range's gap is not this signature's /Contents")
	}
	// The CMS is DER and the rest of the space is zeros.
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(raw, &outer)
	if err != nil {
		return nil, damaged("CMS: %v", err)
	}
	if len(bytes.Trim(rest, "\x00")) != 0 {
		return nil, damaged("data after the CMS")
	}
	p7, err := parseCMS(raw[:len(raw)-len(rest)])
	if err != nil {
		return nil, damaged("CMS: %v", err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return nil, damaged("%d signers, or the signer's certificate is missing", len(p7.Signers))
	}
	if p := acceptSignerKey(signer); p != nil {
		return nil, p
	}
	if err := checkSigningCertificate(p7, signer); err != nil {
		return nil, &data.Problem{Key: "letter.sig_invalid", Err: err}
	}
	p7.Content = append(append(make([]byte, 0, br[1]+br[3]), file[:br[1]]...), file[br[2]:br[2]+br[3]]...)
	if err := verifyCMS(p7); err != nil {
		return nil, &data.Problem{Key: "letter.sig_invalid", Err: err}
	}
	sig := &Signature{Signer: signer, Certificates: p7.Certificates, SubFilter: d.subFilter,
		ByteRange: [4]int64{br[0], br[1], br[2], br[3]}, Name: d.name, Reason: d.reason, Location: d.location}
	var t time.Time
	if p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &t) == nil {
		sig.SigningTime = t
	}
	if len(p7.Signers) == 1 {
		var values []asn1.RawValue
		var types []asn1.ObjectIdentifier
		for _, a := range p7.Signers[0].UnauthenticatedAttributes {
			types, values = append(types, a.Type), append(values, a.Value)
		}
		ts, err := checkTimestamp(values, types, p7.Signers[0].EncryptedDigest)
		if err != nil {
			return nil, &data.Problem{Key: "letter.sig_timestamp_invalid", Err: err}
		}
		sig.Timestamp = ts
	}
	return sig, nil
}

var (
	oidSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// essCertID is ESSCertID and ESSCertIDv2 (RFC 2634, RFC 5035): the hash algorithm is
// absent in ESSCertID and where it is SHA-256 in ESSCertIDv2.
type essCertID struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  asn1.RawValue `asn1:"optional"`
}

type signingCertificate struct {
	Certs    []essCertID
	Policies asn1.RawValue `asn1:"optional"`
}

// checkSigningCertificate compares the signed hash of the signer's certificate (the
// signing-certificate attribute PAdES requires) with the certificate the CMS carries:
// the certificates are outside what the signature covers, and without this a changed
// certificate would still let the signature verify.
func checkSigningCertificate(p7 *pkcs7.PKCS7, signer *x509.Certificate) error {
	var attr asn1.RawValue
	v1 := false
	if p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &attr) != nil {
		if p7.UnmarshalSignedAttribute(oidSigningCertificate, &attr) != nil {
			return nil // a plain CMS signature without the attribute
		}
		v1 = true
	}
	var sc signingCertificate
	if rest, err := asn1.Unmarshal(attr.FullBytes, &sc); err != nil || len(rest) > 0 || len(sc.Certs) == 0 {
		return fmt.Errorf("signing-certificate attribute: %v", err)
	}
	id := sc.Certs[0]
	var h hash.Hash
	switch alg := id.HashAlgorithm.Algorithm; {
	case v1:
		h = sha1.New()
	case len(alg) == 0 || alg.Equal(oidSHA256):
		h = sha256.New()
	case alg.Equal(oidSHA384):
		h = sha512.New384()
	case alg.Equal(oidSHA512):
		h = sha512.New()
	default:
		return fmt.Errorf("signing-certificate hash %v", alg)
	}
	h.Write(signer.Raw)
	if !bytes.Equal(h.Sum(nil), id.CertHash) {
		return errors.New("the signer's certificate is not the one signed for")
	}
	return nil
}

// parseCMS and verifyCMS keep a panic of the CMS library on crafted input from
// escaping as a crash.
func parseCMS(der []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, fmt.Errorf("malformed CMS: %v", r)
		}
	}()
	return pkcs7.Parse(der)
}

func verifyCMS(p7 *pkcs7.PKCS7) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed CMS: %v", r)
		}
	}()
	return p7.Verify()
}

// acceptSignerKey refuses a signature made with a key PDF validators do not accept.
func acceptSignerKey(c *x509.Certificate) *data.Problem {
	name, ok := keyKind(c.PublicKey)
	if ok {
		return nil
	}
	if name == "" {
		name = c.PublicKeyAlgorithm.String()
	}
	return data.Problemf("letter.sig_key_type", "type", name)
}
