// Package token signs with the official's smart card or USB token (in Italy the firma
// digitale or CNS card, in Germany the Signaturkarte) through its PKCS#11 module, the
// library the card's maker or OpenSC ships. The private key never leaves the card: the
// card computes every signature. The PIN is only held in memory while the session is
// open (cards whose key asks for the PIN at every signature need it again) and is never
// written anywhere.
//
// Loading a module needs cgo; a program built without it gets a Problem saying that
// this build cannot use smart cards (Open), and everything else keeps working.
package token

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"ascolto/data"
	"ascolto/printing/signature"
)

// Token is a card (or USB token) in a reader, as its module describes it.
type Token struct {
	Slot         uint
	Label        string
	Serial       string
	Manufacturer string
	Model        string
	Flags        uint
	// Certificates are the signing certificates: those with a key of theirs on the
	// card, the ones meant for signatures (non-repudiation) first. Before the PIN is
	// given a card shows its private keys to nobody, so a certificate counts when its
	// public key object is there; after the login only a private key counts.
	Certificates []Certificate
}

// Certificate is a certificate on a card with a key of its own there.
type Certificate struct {
	Cert  *x509.Certificate
	Label string
	ID    []byte
}

// Token flags (PKCS#11 CK_TOKEN_INFO.flags) this package reads.
const (
	flagLoginRequired   = 0x00000004
	flagUserPINInit     = 0x00000008
	flagProtectedPath   = 0x00000100
	flagUserPINCountLow = 0x00010000
	flagUserPINFinalTry = 0x00020000
	flagUserPINLocked   = 0x00040000
	flagInitialized     = 0x00000400
)

// PINLocked: the card refuses the PIN until it is unlocked with the PUK.
func (t Token) PINLocked() bool { return t.Flags&flagUserPINLocked != 0 }

// PINCountLow: a wrong PIN was entered since the last right one.
func (t Token) PINCountLow() bool { return t.Flags&flagUserPINCountLow != 0 }

// PINFinalTry: one more wrong PIN locks the card.
func (t Token) PINFinalTry() bool { return t.Flags&flagUserPINFinalTry != 0 }

// PINPad: the PIN is typed on the reader's own keypad, not in the program.
func (t Token) PINPad() bool { return t.Flags&flagProtectedPath != 0 }

// NonRepudiation says whether the certificate is meant for signatures a person answers
// for (qualified signatures): key usage non-repudiation (contentCommitment). Cards carry
// one for signing and others for logging in (CNS) or encrypting.
func (c Certificate) NonRepudiation() bool {
	return c.Cert.KeyUsage&x509.KeyUsageContentCommitment != 0
}

// Name is the certificate's holder as it names them.
func (c Certificate) Name() string {
	if c.Cert.Subject.CommonName != "" {
		return c.Cert.Subject.CommonName
	}
	return c.Cert.Subject.String()
}

// order puts the certificates a signature should use first: non-repudiation before
// the others, valid at now before expired or not yet valid, the longest-running first;
// the card's own order otherwise.
func order(certs []Certificate, now time.Time) {
	valid := func(c Certificate) bool { return !now.Before(c.Cert.NotBefore) && !now.After(c.Cert.NotAfter) }
	sort.SliceStable(certs, func(i, j int) bool {
		a, b := certs[i], certs[j]
		if a.NonRepudiation() != b.NonRepudiation() {
			return a.NonRepudiation()
		}
		if valid(a) != valid(b) {
			return valid(a)
		}
		return a.Cert.NotAfter.After(b.Cert.NotAfter)
	})
}

// pick chooses the token to sign with: the one labelled label, or the only one. A label
// is compared without the blanks modules pad it with, and without regard to case.
func pick(tokens []Token, label string) (Token, error) {
	var labels []string
	for _, t := range tokens {
		labels = append(labels, t.Label)
	}
	if len(tokens) == 0 {
		return Token{}, data.Problemf("letter.token.err_no_token")
	}
	if label == "" {
		if len(tokens) > 1 {
			return Token{}, data.Problemf("letter.token.err_several", "labels", strings.Join(labels, ", "))
		}
		return tokens[0], nil
	}
	for _, t := range tokens {
		if strings.EqualFold(strings.TrimSpace(t.Label), strings.TrimSpace(label)) {
			return t, nil
		}
	}
	return Token{}, data.Problemf("letter.token.err_token_label", "label", label, "labels", strings.Join(labels, ", "))
}

// pinProblem is the sentence for a refused PIN, with what the card's flags (read after
// the refusal) say about the tries left: PKCS#11 gives no count, only "low" and "final
// try", and a card that is now locked says so.
func pinProblem(flags uint, err error) *data.Problem {
	switch {
	case flags&flagUserPINLocked != 0:
		return &data.Problem{Key: "letter.token.err_pin_locked", Err: err}
	case flags&flagUserPINFinalTry != 0:
		return &data.Problem{Key: "letter.token.err_pin_final", Err: err}
	case flags&flagUserPINCountLow != 0:
		return &data.Problem{Key: "letter.token.err_pin_low", Err: err}
	}
	return &data.Problem{Key: "letter.token.err_pin_wrong", Err: err}
}

// codeProblem is the sentence for a PKCS#11 return value met outside the login.
func codeProblem(code uint, err error) *data.Problem {
	switch code {
	case 0xE0, 0xE1, 0x32, 0x30, 0xB3, 0xB0: // TOKEN_NOT_PRESENT, TOKEN_NOT_RECOGNIZED, DEVICE_REMOVED, DEVICE_ERROR, SESSION_HANDLE_INVALID, SESSION_CLOSED
		return &data.Problem{Key: "letter.token.err_removed", Err: err}
	case 0x101: // USER_NOT_LOGGED_IN: the card was taken out and put back
		return &data.Problem{Key: "letter.token.err_removed", Err: err}
	case 0xA4: // PIN_LOCKED
		return &data.Problem{Key: "letter.token.err_pin_locked", Err: err}
	case 0x50: // FUNCTION_CANCELED: the PIN pad's Cancel
		return &data.Problem{Key: "letter.token.err_canceled", Err: err}
	}
	return &data.Problem{Key: "letter.token.err_failed", Args: map[string]string{"code": "0x" + strconv.FormatUint(uint64(code), 16)}, Err: err}
}

// digestInfo are the DER prefixes of PKCS#1 v1.5's DigestInfo for each hash (RFC 8017
// 9.2 note 1): CKM_RSA_PKCS signs what it is given, so the prefix is added here.
var digestInfo = map[crypto.Hash][]byte{
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// rsaInput is what CKM_RSA_PKCS signs for a digest: DigestInfo, the hash's DER prefix
// followed by the digest.
func rsaInput(digest []byte, h crypto.Hash) ([]byte, error) {
	prefix, ok := digestInfo[h]
	if !ok {
		return nil, errors.New("token: no PKCS#1 v1.5 prefix for hash " + h.String())
	}
	if len(digest) != h.Size() {
		return nil, errors.New("token: digest of " + strconv.Itoa(len(digest)) + " bytes for " + h.String())
	}
	return append(bytes.Clone(prefix), digest...), nil
}

// ecdsaDER turns CKM_ECDSA's signature (r and s side by side, each as long as the
// curve's order) into the ASN.1 SEQUENCE of two INTEGERs that CMS carries.
func ecdsaDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, errors.New("token: ECDSA signature of " + strconv.Itoa(len(raw)) + " bytes")
	}
	n := len(raw) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])})
}

// signerFrom builds the signature.Signer for the first usable certificate of certs
// (in the order of order), its chain from all the certificates the card holds. A card
// with a certificate meant for signatures (non-repudiation) signs with one of those
// only: its login certificate (a CNS card's) must not stand in for an expired
// signature certificate. When none is usable, the reason of the first is given
// (expired, not for signatures).
func signerFrom(certs []Certificate, all []*x509.Certificate, key func(Certificate) (crypto.Signer, error), now time.Time) (*signature.Signer, error) {
	if len(certs) == 0 {
		return nil, data.Problemf("letter.token.err_no_cert")
	}
	var signing []Certificate
	for _, c := range certs {
		if c.NonRepudiation() {
			signing = append(signing, c)
		}
	}
	if len(signing) > 0 {
		certs = signing
	}
	var first error
	for _, c := range certs {
		k, err := key(c)
		if err == nil {
			var s *signature.Signer
			s, err = signature.FromKey(k, append([]*x509.Certificate{c.Cert}, all...), now)
			if err == nil {
				return s, nil
			}
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

var logins atomic.Int64

// Logins counts the PINs presented to cards since the program started: a batch of
// letters is signed after one login, which the tests hold the program to.
func Logins() int64 { return logins.Load() }
