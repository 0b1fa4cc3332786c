package certtest

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
)

// TSA is a time-stamping authority for tests: an RFC 3161 responder (an http.Handler,
// to be served by httptest) whose certificate has the critical timeStamping extended
// key usage and is issued by a test root.
type TSA struct {
	Root *x509.Certificate
	Cert *x509.Certificate
	key  crypto.Signer
	// Clock gives the time the tokens carry; nil: the real time.
	Clock func() time.Time
	// Answer, when set, replaces the responder's answer (garbage, a refusal).
	Answer func(req []byte) (status int, body []byte)
	// Chain adds the root to each token, making it longer.
	Chain bool

	mu    sync.Mutex
	count int
}

// NewTSA makes an authority with a new certificate under a new root.
func NewTSA(name string) (*TSA, error) {
	now := time.Now()
	root, err := ca("Test TSA Root", nil, 3, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
	if err != nil {
		return nil, err
	}
	k, err := key("p256", 3)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name, Organization: []string{"Ascolto test TSA"}, Country: []string{"IT"}},
		NotBefore:    now.AddDate(-1, 0, 0), NotAfter: now.AddDate(3, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}
	// RFC 3161 2.3: the extended key usage must be critical; Go writes it non-critical,
	// so the extension is made by hand.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		return nil, err
	}
	tmpl.ExtKeyUsage = nil
	tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root.cert, k.Public(), root.key)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &TSA{Root: root.cert, Cert: c, key: k}, nil
}

// Count is how many requests the authority has answered.
func (a *TSA) Count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count
}

// ServeHTTP answers a time-stamp request.
func (a *TSA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	a.mu.Lock()
	a.count++
	a.mu.Unlock()
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if a.Answer != nil {
		status, b := a.Answer(body)
		w.WriteHeader(status)
		w.Write(b)
		return
	}
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	now := time.Now()
	if a.Clock != nil {
		now = a.Clock()
	}
	ts := timestamp.Timestamp{
		HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage,
		Time: now.UTC().Truncate(time.Second), Nonce: req.Nonce, Accuracy: time.Second,
		Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		AddTSACertificate: req.Certificates,
	}
	if a.Chain {
		ts.Certificates = []*x509.Certificate{a.Root}
	}
	resp, err := ts.CreateResponseWithOpts(a.Cert, a.key, crypto.SHA256)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}
