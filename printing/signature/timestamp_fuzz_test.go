package signature

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"io"
	"net/http"
	"testing"

	"github.com/digitorus/timestamp"
)

// FuzzTSAResponse: no answer of a time-stamping authority makes the reading of it panic,
// and none but a sound token over the signature value is accepted.
func FuzzTSAResponse(f *testing.F) {
	_, srv := startTSA(f)
	sigValue := bytes.Repeat([]byte{0x5a}, 256)
	req, err := timestamp.CreateRequest(bytes.NewReader(sigValue), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
	if err != nil {
		f.Fatal(err)
	}
	resp, err := http.Post(srv.URL, "application/timestamp-query", bytes.NewReader(req))
	if err != nil {
		f.Fatal(err)
	}
	good, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02})
	f.Add([]byte("<html>Service unavailable</html>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := parseResponse(b)
		if err != nil {
			return
		}
		if matchToken(ts, sigValue) == nil {
			sum := sha256.Sum256(sigValue)
			if !bytes.Equal(ts.HashedMessage, sum[:]) || tsaCert(ts) == nil {
				t.Fatal("a token not over the signature value was accepted")
			}
		}
	})
}
