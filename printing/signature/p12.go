package signature

import (
	"encoding/asn1"
	"errors"
	"math/big"
)

// maxIterations bounds the key-derivation iterations a PKCS#12 file may ask for. The
// reader derives keys with whatever count the file names, so a file with a count in the
// billions would keep the program busy for hours. OpenSSL and Windows write 2048,
// current recommendations ask for some hundred thousand; two million is well above
// what any exporter uses.
const maxIterations = 1 << 21

// errIterations: the file asks for more key derivation than maxIterations.
var errIterations = errors.New("too many key-derivation iterations")

// checkIterations walks the unencrypted DER structure of a PKCS#12 file and refuses an
// iteration count above maxIterations: in every structure that names one (the MAC's
// MacData, PKCS#5/PKCS#12 PBE parameters, PBKDF2 and PBMAC1 parameters) it is the
// INTEGER right after the salt's OCTET STRING. What is encrypted cannot be read and is
// left to the password. A file that is not DER is left to the reader to refuse.
func checkIterations(der []byte) error {
	return walkDER(der, 0)
}

func walkDER(der []byte, depth int) error {
	if depth > 24 {
		return nil
	}
	afterOctets := false
	for len(der) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(der, &v)
		if err != nil {
			return nil
		}
		der = rest
		switch {
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagInteger && afterOctets:
			n := new(big.Int).SetBytes(v.Bytes)
			if len(v.Bytes) > 0 && v.Bytes[0]&0x80 == 0 && n.Cmp(big.NewInt(maxIterations)) > 0 {
				return errIterations
			}
		case v.IsCompound:
			if err := walkDER(v.Bytes, depth+1); err != nil {
				return err
			}
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString && wholeDER(v.Bytes):
			// content wrapped in an OCTET STRING (the authenticated safe, the bags);
			// ciphertext and salts seldom parse as DER to their last byte
			if err := walkDER(v.Bytes, depth+1); err != nil {
				return err
			}
		}
		afterOctets = v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString && !v.IsCompound
	}
	return nil
}

// wholeDER reports whether b is one or more DER elements and nothing else.
func wholeDER(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return false
		}
		b = rest
	}
	return true
}
