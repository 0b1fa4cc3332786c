package signature

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"time"

	"github.com/digitorus/timestamp"

	"ascolto/data"
)

// TSA is an RFC 3161 time-stamping authority. A signature time-stamped by it proves
// that it existed at the authority's time, which a verifier trusts where it does not
// trust the clock of the office's computer: the signature stays provable after the
// signer's certificate expires or is revoked (PAdES-T, "marca temporale").
type TSA struct {
	URL string
	// Username and Password, when the authority asks for them (HTTP basic auth, as the
	// Italian accredited authorities do for their paid time-stamps).
	Username, Password string
	// Timeout bounds the whole exchange; zero takes DefaultTSATimeout. An authority that
	// does not answer must not keep the clerk waiting with the letter half made.
	Timeout time.Duration
}

// DefaultTSATimeout is how long a time-stamp may take when TSA.Timeout is zero.
const DefaultTSATimeout = 30 * time.Second

// tokenRoom is the room kept in /Contents for the time-stamp token: a token with the
// authority's certificate and a chain of two CAs stays below 6 KB; a bigger one has the
// signature made again with the room it needs (see Sign).
const tokenRoom = 8192

// maxTSAResponse bounds what is read from the authority.
const maxTSAResponse = 1 << 20

// oidTimeStampToken is id-aa-timeStampToken (RFC 3161 appendix A): the unsigned
// attribute of a signer that carries the token over its signature value.
var oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// errNoRoom says the token did not fit into the signature's space, and how many bytes
// the CMS with the token needs.
type errNoRoom struct{ need int }

func (e errNoRoom) Error() string { return fmt.Sprintf("the time-stamp needs %d bytes", e.need) }

// tsaProblem is what the clerk reads when the authority fails: which authority, and
// that no letter was made.
func tsaProblem(key string, tsa TSA, err error) *data.Problem {
	host := tsa.URL
	if u, perr := url.Parse(tsa.URL); perr == nil && u.Host != "" {
		host = u.Host
	}
	return &data.Problem{Key: key, Args: map[string]string{"tsa": host}, Err: err}
}

// stamp adds a time-stamp from tsa to the single signature of signed, a file just made
// by sign: the token goes into the CMS as an unsigned attribute, written in place into
// the /Contents space, which the signature's byte range leaves out, so the bytes the
// signature covers stay as they are.
func stamp(signed []byte, tsa TSA) ([]byte, error) {
	dicts, err := signatureDicts(signed)
	if err != nil || len(dicts) != 1 || len(dicts[0].byteRange) != 4 {
		return nil, &data.Problem{Key: "letter.err_sign_failed", Err: fmt.Errorf("the signature to time-stamp: %v", err)}
	}
	br := dicts[0].byteRange
	if br[1] <= 0 || br[2] > int64(len(signed)) || br[2]-br[1] < 2 {
		return nil, &data.Problem{Key: "letter.err_sign_failed", Err: errors.New("the signature's byte range")}
	}
	gap := signed[br[1]:br[2]] // "<hex…>"
	raw := dicts[0].contents
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(raw, &outer)
	if err != nil {
		return nil, &data.Problem{Key: "letter.err_sign_failed", Err: err}
	}
	cms := raw[:len(raw)-len(rest)]
	sigValue, err := signatureValue(cms)
	if err != nil {
		return nil, &data.Problem{Key: "letter.err_sign_failed", Err: err}
	}
	token, err := fetchToken(sigValue, tsa)
	if err != nil {
		return nil, err
	}
	stamped, err := addUnsignedAttribute(cms, oidTimeStampToken, token)
	if err != nil {
		return nil, &data.Problem{Key: "letter.err_sign_failed", Err: err}
	}
	if hex.EncodedLen(len(stamped)) > len(gap)-2 {
		return nil, errNoRoom{need: len(stamped)}
	}
	out := bytes.Clone(signed)
	field := out[br[1]+1 : br[2]-1]
	n := hex.Encode(field, stamped)
	for i := n; i < len(field); i++ {
		field[i] = '0'
	}
	return out, nil
}

// fetchToken asks tsa for a time-stamp over the signature value (RFC 3161 over the
// SignerInfo's signature, as CAdES-T and PAdES-T put it) and returns the token once it
// is sound: granted, over this value with the hash asked for, with the nonce sent, and
// signed by a certificate the token carries and that is meant for time-stamping.
func fetchToken(sigValue []byte, tsa TSA) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, tsaProblem("letter.err_tsa_unreachable", tsa, err)
	}
	req, err := timestamp.CreateRequest(bytes.NewReader(sigValue), &timestamp.RequestOptions{
		Hash: crypto.SHA256, Certificates: true, Nonce: nonce})
	if err != nil {
		return nil, tsaProblem("letter.err_tsa_unreachable", tsa, err)
	}
	timeout := tsa.Timeout
	if timeout <= 0 {
		timeout = DefaultTSATimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, tsa.URL, bytes.NewReader(req))
	if err != nil {
		return nil, tsaProblem("letter.err_tsa_url", tsa, err)
	}
	if hr.URL.Scheme != "http" && hr.URL.Scheme != "https" {
		return nil, tsaProblem("letter.err_tsa_url", tsa, fmt.Errorf("scheme %q", hr.URL.Scheme))
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	if tsa.Username != "" || tsa.Password != "" {
		hr.SetBasicAuth(tsa.Username, tsa.Password)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return nil, tsaProblem("letter.err_tsa_unreachable", tsa, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse+1))
	switch {
	case err != nil:
		return nil, tsaProblem("letter.err_tsa_unreachable", tsa, err)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, tsaProblem("letter.err_tsa_login", tsa, errors.New(resp.Status))
	case resp.StatusCode != http.StatusOK:
		return nil, tsaProblem("letter.err_tsa_refused", tsa, errors.New(resp.Status))
	case len(body) > maxTSAResponse:
		return nil, tsaProblem("letter.err_tsa_garbage", tsa, errors.New("the answer is too long"))
	}
	ts, err := parseResponse(body)
	if err != nil {
		return nil, tsaProblem("letter.err_tsa_garbage", tsa, err)
	}
	if err := matchToken(ts, sigValue); err != nil {
		return nil, tsaProblem("letter.err_tsa_garbage", tsa, err)
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, tsaProblem("letter.err_tsa_garbage", tsa, errors.New("the answer is not to this request (nonce)"))
	}
	return ts.RawToken, nil
}

// parseResponse reads a time-stamp response; the library's panics on crafted input are
// kept from escaping. A response that is not granted is an authority's refusal.
func parseResponse(b []byte) (ts *timestamp.Timestamp, err error) {
	defer func() {
		if r := recover(); r != nil {
			ts, err = nil, fmt.Errorf("malformed time-stamp: %v", r)
		}
	}()
	return timestamp.ParseResponse(b)
}

// parseToken reads a time-stamp token (the CMS signed data), verifying its signature
// when it carries the authority's certificate.
func parseToken(b []byte) (ts *timestamp.Timestamp, err error) {
	defer func() {
		if r := recover(); r != nil {
			ts, err = nil, fmt.Errorf("malformed time-stamp: %v", r)
		}
	}()
	return timestamp.Parse(b)
}

// matchToken checks that ts is a verified token over sigValue from an authority whose
// certificate is meant for time-stamping.
func matchToken(ts *timestamp.Timestamp, sigValue []byte) error {
	if !ts.AddTSACertificate || len(ts.Certificates) == 0 {
		// without the certificate the library cannot verify the token's signature
		return errors.New("the token carries no certificate")
	}
	if !ts.HashAlgorithm.Available() {
		return fmt.Errorf("hash %v", ts.HashAlgorithm)
	}
	h := ts.HashAlgorithm.New()
	h.Write(sigValue)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		return errors.New("the token is over other data")
	}
	if tsaCert(ts) == nil {
		return errors.New("the token's certificate is not meant for time-stamping")
	}
	if ts.Time.IsZero() {
		return errors.New("the token has no time")
	}
	return nil
}

// tsaCert is the token's certificate meant for time-stamping (RFC 3161 2.3: the
// extended key usage timeStamping, the only one, critical); nil if none is.
func tsaCert(ts *timestamp.Timestamp) *x509.Certificate {
	for _, c := range ts.Certificates {
		if len(c.ExtKeyUsage) == 1 && c.ExtKeyUsage[0] == x509.ExtKeyUsageTimeStamping {
			return c
		}
	}
	return nil
}

// children splits a constructed DER value into its elements.
func children(v asn1.RawValue) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for b := v.Bytes; len(b) > 0; {
		var e asn1.RawValue
		rest, err := asn1.Unmarshal(b, &e)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		b = rest
	}
	return out, nil
}

// build makes a constructed DER value of the given class and tag from elements.
func build(class, tag int, elems []asn1.RawValue) ([]byte, error) {
	var body []byte
	for _, e := range elems {
		body = append(body, e.FullBytes...)
	}
	return asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: true, Bytes: body})
}

// signerInfoPath walks a CMS ContentInfo down to its only SignerInfo and returns the
// levels on the way: ContentInfo, [0], SignedData, SET OF SignerInfo and the
// SignerInfo, each as its elements.
func signerInfoPath(cms []byte) ([5][]asn1.RawValue, error) {
	var path [5][]asn1.RawValue
	var top asn1.RawValue
	if rest, err := asn1.Unmarshal(cms, &top); err != nil || len(rest) > 0 {
		return path, fmt.Errorf("CMS: %v", err)
	}
	cur := top
	// the element taken at each level: ContentInfo's [0], its SignedData, the
	// SignedData's last element (the signer infos) and the one SignerInfo
	for level := 0; level < 5; level++ {
		elems, err := children(cur)
		if err != nil {
			return path, fmt.Errorf("CMS level %d: %v", level, err)
		}
		path[level] = elems
		if level == 4 {
			break
		}
		if len(elems) == 0 {
			return path, fmt.Errorf("CMS level %d is empty", level)
		}
		switch level {
		case 0:
			if len(elems) != 2 || elems[1].Class != asn1.ClassContextSpecific || elems[1].Tag != 0 {
				return path, errors.New("CMS: not a ContentInfo")
			}
			cur = elems[1]
		case 1:
			cur = elems[0]
		case 2:
			cur = elems[len(elems)-1]
			if cur.Class != asn1.ClassUniversal || cur.Tag != asn1.TagSet {
				return path, errors.New("CMS: no signer infos")
			}
		case 3:
			if len(elems) != 1 {
				return path, fmt.Errorf("CMS: %d signers", len(elems))
			}
			cur = elems[0]
		}
		if !cur.IsCompound {
			return path, fmt.Errorf("CMS level %d is not constructed", level)
		}
	}
	return path, nil
}

// signatureValue is the signature value of a CMS's only signer.
func signatureValue(cms []byte) ([]byte, error) {
	path, err := signerInfoPath(cms)
	if err != nil {
		return nil, err
	}
	for _, e := range path[4] {
		if e.Class == asn1.ClassUniversal && e.Tag == asn1.TagOctetString {
			return e.Bytes, nil
		}
	}
	return nil, errors.New("CMS: the signer has no signature value")
}

// addUnsignedAttribute returns cms with the attribute (oid, value) added to its only
// signer's unsigned attributes, which must not exist yet. Everything else keeps its
// bytes: the signed attributes and the signature over them are not touched.
func addUnsignedAttribute(cms []byte, oid asn1.ObjectIdentifier, value []byte) ([]byte, error) {
	path, err := signerInfoPath(cms)
	if err != nil {
		return nil, err
	}
	si := path[4]
	if last := si[len(si)-1]; last.Class == asn1.ClassContextSpecific && last.Tag == 1 {
		return nil, errors.New("CMS: the signer already has unsigned attributes")
	}
	oidDER, err := asn1.Marshal(oid)
	if err != nil {
		return nil, err
	}
	values, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: value})
	if err != nil {
		return nil, err
	}
	attr, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true,
		Bytes: append(oidDER, values...)})
	if err != nil {
		return nil, err
	}
	unsigned, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: attr})
	if err != nil {
		return nil, err
	}
	si = append(si[:len(si):len(si)], asn1.RawValue{FullBytes: unsigned})
	// rebuild from the SignerInfo up
	b, err := build(asn1.ClassUniversal, asn1.TagSequence, si)
	if err != nil {
		return nil, err
	}
	b, err = build(asn1.ClassUniversal, asn1.TagSet, []asn1.RawValue{{FullBytes: b}})
	if err != nil {
		return nil, err
	}
	sdElems := append(path[2][:len(path[2])-1:len(path[2])-1], asn1.RawValue{FullBytes: b})
	if b, err = build(asn1.ClassUniversal, asn1.TagSequence, sdElems); err != nil {
		return nil, err
	}
	if b, err = build(asn1.ClassContextSpecific, 0, []asn1.RawValue{{FullBytes: b}}); err != nil {
		return nil, err
	}
	return build(asn1.ClassUniversal, asn1.TagSequence, []asn1.RawValue{path[0][0], {FullBytes: b}})
}

// Timestamp is a verified time-stamp of a signature.
type Timestamp struct {
	Time      time.Time
	Authority string // the authority's certificate's common name
}

// checkTimestamp reads the time-stamp token among a signer's unsigned attributes, if
// any, and verifies it against the signature value: a token over anything else, or one
// whose signature does not verify, makes the file's signature invalid, since a reader
// would otherwise be shown a time that proves nothing.
func checkTimestamp(unsigned []asn1.RawValue, types []asn1.ObjectIdentifier, sigValue []byte) (*Timestamp, error) {
	for i, typ := range types {
		if !typ.Equal(oidTimeStampToken) {
			continue
		}
		var tok asn1.RawValue
		if _, err := asn1.Unmarshal(unsigned[i].Bytes, &tok); err != nil {
			return nil, fmt.Errorf("time-stamp: %v", err)
		}
		ts, err := parseToken(tok.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("time-stamp: %v", err)
		}
		if err := matchToken(ts, sigValue); err != nil {
			return nil, fmt.Errorf("time-stamp: %v", err)
		}
		return &Timestamp{Time: ts.Time, Authority: commonName(tsaCert(ts))}, nil
	}
	return nil, nil
}
