package signature

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"

	"ascolto/data"
	"ascolto/printing/signature/certtest"
	"ascolto/translations"
)

// startTSA starts a local RFC 3161 authority for a test.
func startTSA(t testing.TB) (*certtest.TSA, *httptest.Server) {
	t.Helper()
	a, err := certtest.NewTSA("Test TSA")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv
}

// tokenOf returns the time-stamp token and the signature value of a signed PDF's only
// signature, as a verifier extracts them.
func tokenOf(t testing.TB, pdf []byte) (token, sigValue []byte) {
	t.Helper()
	dicts, err := signatureDicts(pdf)
	if err != nil || len(dicts) != 1 {
		t.Fatalf("signatures: %v", err)
	}
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(dicts[0].contents, &outer)
	if err != nil {
		t.Fatal(err)
	}
	p7, err := pkcs7.Parse(dicts[0].contents[:len(dicts[0].contents)-len(rest)])
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p7.Signers[0].UnauthenticatedAttributes {
		if a.Type.Equal(oidTimeStampToken) {
			var tok asn1.RawValue
			if _, err := asn1.Unmarshal(a.Value.Bytes, &tok); err != nil {
				t.Fatal(err)
			}
			return tok.FullBytes, p7.Signers[0].EncryptedDigest
		}
	}
	t.Fatal("the signature carries no time-stamp token")
	return nil, nil
}

// TestTimestampedSignature: a signature time-stamped by an RFC 3161 authority verifies
// in pdfsig and qpdf over the whole file; Check reports the authority's time and name;
// and openssl verifies the token over the signature value against the authority's
// root. Keys of every size fit the first try.
func TestTimestampedSignature(t *testing.T) {
	stampAt := time.Date(2026, 12, 7, 9, 30, 15, 0, time.UTC)
	for _, key := range []string{"rsa2048", "rsa4096", "p384"} {
		t.Run(key, func(t *testing.T) {
			a, srv := startTSA(t)
			a.Clock = func() time.Time { return stampAt }
			s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw", Key: key, CAs: 2}), "pw", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			doc := document(t)
			start := time.Now()
			signed, err := s.Sign(doc, Options{Reason: "Risposta", Location: "Bolzano", Date: time.Now(), TSA: TSA{URL: srv.URL}})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: signed and time-stamped in %v, %d bytes (unsigned %d)", key, time.Since(start), len(signed), len(doc))
			if a.Count() != 1 {
				t.Errorf("the authority was asked %d times, want once", a.Count())
			}
			out := checkSigned(t, signed, "Maria Rossi")
			t.Logf("pdfsig:\n%s", out)
			rep, _ := Check(signed)
			ts := rep.Signatures[0].Timestamp
			if ts == nil || !ts.Time.Equal(stampAt) || ts.Authority != "Test TSA" {
				t.Fatalf("Check reports the time-stamp %+v, want %v by Test TSA", ts, stampAt)
			}
			opensslVerify(t, a, signed)
		})
	}
}

// opensslVerify checks the token with openssl ts -verify: over the signature value,
// signed by the authority's certificate, chained to its root.
func opensslVerify(t *testing.T, a *certtest.TSA, signed []byte) {
	t.Helper()
	needed(t, "openssl")
	token, sigValue := tokenOf(t, signed)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tok := write("token.der", token)
	dat := write("signature.bin", sigValue)
	ca := write("root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Root.Raw}))
	out, err := exec.Command("openssl", "ts", "-verify", "-in", tok, "-token_in", "-data", dat, "-CAfile", ca).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
	other := write("other.bin", append(bytes.Clone(sigValue), 1))
	if out, err := exec.Command("openssl", "ts", "-verify", "-in", tok, "-token_in", "-data", other, "-CAfile", ca).CombinedOutput(); err == nil {
		t.Fatalf("openssl accepts the token over other data:\n%s", out)
	}
}

// TestTimestampTooLongForTheRoom: a token longer than the room kept (an authority with
// a long chain) has the letter signed again with the room it needs, and the file is
// whole and valid.
func TestTimestampTooLongForTheRoom(t *testing.T) {
	a, srv := startTSA(t)
	a.Chain = true
	s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw"}), "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	doc := document(t)
	out, _, err := s.sign(doc, Options{Date: time.Now()}, s.space()+64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stamp(out, TSA{URL: srv.URL}); err == nil {
		t.Fatal("a token must not fit into 32 bytes of room")
	} else if _, ok := err.(errNoRoom); !ok {
		t.Fatalf("want errNoRoom, got %v", err)
	}
	signed, err := s.Sign(doc, Options{Date: time.Now(), TSA: TSA{URL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	checkSigned(t, signed, "Maria Rossi")
}

// TestTimestampAuthorityFailures: an authority that is down, refuses, asks for a login,
// answers garbage, a token over other data, a token without its certificate, or does
// not answer at all makes Sign fail with a sentence naming the authority in every
// language, and nothing signed comes back.
func TestTimestampAuthorityFailures(t *testing.T) {
	s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw"}), "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// a port nobody listens on
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() + "/tsa"
	l.Close()

	other, otherSrv := startTSA(t) // a genuine authority, answering over other data
	_ = other
	otherAnswer := func(req []byte) (int, []byte) {
		resp, err := http.Post(otherSrv.URL, "application/timestamp-query", bytes.NewReader(req))
		if err != nil {
			return 500, nil
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return 200, b.Bytes()
	}
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer hang.Close()
	defer close(release)

	for _, tc := range []struct {
		name, key string
		answer    func(req []byte) (int, []byte)
		url       string
		timeout   time.Duration
	}{
		{name: "down", key: "letter.err_tsa_unreachable", url: down},
		{name: "not http", key: "letter.err_tsa_url", url: "ftp://tsa.example/"},
		{name: "refused", key: "letter.err_tsa_refused", answer: func([]byte) (int, []byte) { return 503, []byte("maintenance") }},
		{name: "login", key: "letter.err_tsa_login", answer: func([]byte) (int, []byte) { return 401, nil }},
		{name: "garbage", key: "letter.err_tsa_garbage", answer: func([]byte) (int, []byte) { return 200, []byte("<html>Welcome</html>") }},
		{name: "rejection", key: "letter.err_tsa_garbage", answer: func([]byte) (int, []byte) {
			return 200, []byte{0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02} // PKIStatus rejection
		}},
		{name: "other data", key: "letter.err_tsa_garbage", answer: func(req []byte) (int, []byte) {
			req = bytes.Clone(req)
			i := bytes.Index(req, []byte{0x04, 0x20}) // the SHA-256 imprint
			req[i+2] ^= 0xff
			return otherAnswer(req)
		}},
		{name: "no certificate", key: "letter.err_tsa_garbage", answer: func(req []byte) (int, []byte) {
			req = bytes.Clone(req)
			// certReq TRUE → FALSE: the token comes without the authority's certificate
			i := bytes.LastIndex(req, []byte{0x01, 0x01, 0xff})
			req[i+2] = 0
			return otherAnswer(req)
		}},
		{name: "no answer", key: "letter.err_tsa_unreachable", url: hang.URL, timeout: 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if tc.answer != nil {
				a, srv := startTSA(t)
				a.Answer = tc.answer
				url = srv.URL
			}
			start := time.Now()
			out, err := s.Sign(document(t), Options{Date: time.Now(), TSA: TSA{URL: url, Timeout: tc.timeout}})
			if out != nil {
				t.Fatal("a failed time-stamp must give back no file")
			}
			p, ok := data.AsProblem(err)
			if !ok || p.Key != tc.key {
				t.Fatalf("want %s, got %v", tc.key, err)
			}
			if tc.timeout > 0 && time.Since(start) > 5*time.Second {
				t.Fatalf("a silent authority kept the signature waiting %v", time.Since(start))
			}
			for _, lang := range []string{"it", "de", "en"} {
				msg := translations.T(lang, p.Key, "tsa", p.Args["tsa"])
				if msg == p.Key || !strings.Contains(msg, p.Args["tsa"]) {
					t.Errorf("%s: %q does not name the authority %q", lang, msg, p.Args["tsa"])
				}
			}
		})
	}
}

// TestCheckRefusesAForgedTimestamp: a genuine token moved from another signature (so
// over another signature value) makes Check refuse the file, so no time is shown that
// proves nothing; the same file with its own token passes.
func TestCheckRefusesAForgedTimestamp(t *testing.T) {
	_, srv := startTSA(t)
	s, err := Load(p12(t, certtest.Spec{Name: "Maria Rossi", Password: "pw"}), "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Sign(document(t), Options{Date: time.Now(), TSA: TSA{URL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := tokenOf(t, other)
	doc := document(t)
	plain, _, err := s.sign(doc, Options{Date: time.Now().Add(time.Second)}, s.space()+uint32(hex.EncodedLen(tokenRoom)))
	if err != nil {
		t.Fatal(err)
	}
	withToken := func(token []byte) []byte {
		dicts, err := signatureDicts(plain)
		if err != nil {
			t.Fatal(err)
		}
		var outer asn1.RawValue
		rest, _ := asn1.Unmarshal(dicts[0].contents, &outer)
		cms, err := addUnsignedAttribute(dicts[0].contents[:len(dicts[0].contents)-len(rest)], oidTimeStampToken, token)
		if err != nil {
			t.Fatal(err)
		}
		out := bytes.Clone(plain)
		copy(out[dicts[0].byteRange[1]+1:], hex.EncodeToString(cms))
		return out
	}
	_, err = Check(withToken(foreign))
	if p, ok := data.AsProblem(err); !ok || p.Key != "letter.sig_timestamp_invalid" {
		t.Fatalf("a token over another signature: %v", err)
	}
	_, own := tokenOf(t, withToken(foreign))
	ownToken, err := fetchToken(own, TSA{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(withToken(ownToken))
	if err != nil || rep.Signatures[0].Timestamp == nil {
		t.Fatalf("the signature's own token: %v", err)
	}
}
