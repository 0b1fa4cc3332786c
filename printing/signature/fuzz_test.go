package signature

import (
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing/signature/certtest"
	"ascolto/translations"
)

// loadSeeds are .p12 files of every kind certtest makes, and pieces of them.
func loadSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, spec := range []certtest.Spec{
		{Password: "pw"},
		{Password: "pw", Encoding: "legacy", Key: "p256"},
		{Password: "pw", Encoding: "openssl", Key: "rsa3072", CAs: 1},
		{Password: "pw", Encoding: "openssl-legacy", Key: "p384", CAs: 2, RootFirst: true},
		{Password: "pw", Encoding: "openssl-nomac"},
		{Password: "pw", Encoding: "openssl", CAs: 2, ExtraCA: true},
		{Password: "pw", CAs: 2, LeafLast: true},
		{Password: "pw", Key: "ed25519"},
		{Password: "pw", Key: "rsa1024", Encoding: "legacy"},
		{Password: "pw", Encoding: "openssl", Omit: "key", CAs: 1},
		{Password: "pw", Encoding: "openssl", Omit: "cert"},
		{Password: "pw", ForeignKey: true},
		{Password: "", Encoding: "openssl-legacy"},
	} {
		b, err := certtest.P12(spec)
		if err != nil {
			if strings.HasPrefix(spec.Encoding, "openssl") {
				continue // no openssl command: the Go-made seeds remain
			}
			f.Fatal(err)
		}
		seeds = append(seeds, b, b[:len(b)/2], b[:len(b)-1], b[:64])
	}
	return seeds
}

// FuzzLoad: no file and password make Load panic; what it refuses it refuses with a
// sentence every language has, and what it accepts can sign.
func FuzzLoad(f *testing.F) {
	for _, b := range loadSeeds(f) {
		f.Add(b, "pw")
	}
	f.Add([]byte{0x30, 0x80}, "")
	f.Add(pfxAsking(f, 1<<31-1), "pw")
	f.Add(pfxAsking(f, 2048), "")
	now := time.Date(2026, 11, 27, 10, 30, 0, 0, data.Rome)
	f.Fuzz(func(t *testing.T, b []byte, password string) {
		s, err := Load(b, password, now)
		if err != nil {
			p, ok := data.AsProblem(err)
			if !ok || !translations.Has("en", p.Key) || !translations.Has("it", p.Key) || !translations.Has("de", p.Key) {
				t.Fatalf("not a translated problem: %v", err)
			}
			return
		}
		if _, ok := keyKind(s.key.Public()); !ok || !samePublicKey(s.key.Public(), s.cert.PublicKey) {
			t.Fatalf("accepted a key that cannot sign for its certificate: %T", s.key.Public())
		}
		c := s.cert
		for _, p := range s.chain {
			if c.CheckSignatureFrom(p) != nil {
				t.Fatal("a chain certificate did not issue the one below it")
			}
			c = p
		}
	})
}

// FuzzCheck: no file makes Check panic or hang; what it accepts has a signature that
// ends where the file ends, and what it refuses it refuses with a signature reason.
func FuzzCheck(f *testing.F) {
	for _, seed := range []struct {
		key     string
		visible bool
	}{{"rsa2048", false}, {"p256", true}, {"rsa4096", true}} {
		_, good, _ := signed(f, seed.key, seed.visible)
		f.Add(good)
		for _, c := range corruptions(f, good) {
			f.Add(c.pdf)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Check(b)
		if err != nil {
			if p, ok := data.AsProblem(err); !ok || !strings.HasPrefix(p.Key, "letter.sig_") || !translations.Has("en", p.Key) {
				t.Fatalf("not a signature problem: %v", err)
			}
			return
		}
		if len(rep.Signatures) == 0 {
			t.Fatal("accepted without a signature")
		}
		last := rep.Signatures[len(rep.Signatures)-1].ByteRange
		if last[0] != 0 || last[2]+last[3] != int64(len(b)) {
			t.Fatalf("accepted a signature over %v of %d bytes", last, len(b))
		}
	})
}
