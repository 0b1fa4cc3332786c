package mailbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"ascolto/data"
)

// tlsServer is a TLS server on 127.0.0.1 with a self-signed certificate valid from
// notBefore to notAfter for 127.0.0.1; caFile holds the certificate, to be trusted.
func tlsServer(t *testing.T, notBefore, notAfter time.Time) (port int, caFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: notBefore, NotAfter: notAfter, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if c.(*tls.Conn).Handshake() == nil {
					c.Write([]byte("* OK IMAP4rev1 ready\r\n"))
					time.Sleep(time.Second)
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, caFile
}

func testBox(port int, security, caFile string) *Box {
	return &Box{Settings: data.MailSettings{IMAPHost: "127.0.0.1", IMAPPort: port, IMAPSecurity: security,
		SMTPHost: "127.0.0.1", SMTPPort: port, SMTPSecurity: security, Address: "urp@example.org", CAFile: caFile}.WithDefaults(),
		Password: "pw", Timeout: 2 * time.Second}
}

func problemKey(err error) string {
	if p, ok := data.AsProblem(err); ok {
		return p.Key
	}
	return "not a problem: " + err.Error()
}

// TestCertificateFaultsAreNamed: an expired certificate, one of an unknown authority,
// one made out to another name, each said as such by IMAP and SMTP alike.
func TestCertificateFaultsAreNamed(t *testing.T) {
	now := time.Now()
	expiredPort, expiredCA := tlsServer(t, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	goodPort, goodCA := tlsServer(t, now.Add(-time.Hour), now.Add(24*time.Hour))
	for _, tc := range []struct {
		name string
		box  *Box
		want string
	}{
		{"expired", testBox(expiredPort, "tls", expiredCA), "err.mailbox.cert_expired"},
		{"unknown authority", testBox(goodPort, "tls", ""), "err.mailbox.cert_unknown"},
		{"missing CA file", testBox(goodPort, "tls", filepath.Join(t.TempDir(), "none.pem")), "err.mailbox.ca_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.box.openIMAP(context.Background()); problemKey(err) != tc.want {
				t.Fatalf("IMAP: %v, want %s", err, tc.want)
			}
			if _, err := tc.box.openSMTP(context.Background()); problemKey(err) != tc.want {
				t.Fatalf("SMTP: %v, want %s", err, tc.want)
			}
		})
	}
	// The certificate is for 127.0.0.1; reached as localhost it is someone else's.
	b := testBox(goodPort, "tls", goodCA)
	b.Settings.IMAPHost = "localhost"
	if _, err := b.openIMAP(context.Background()); problemKey(err) != "err.mailbox.cert_name" {
		t.Fatalf("wrong name: %v", err)
	}
	p, _ := data.AsProblem(func() error {
		_, err := testBox(expiredPort, "tls", expiredCA).openIMAP(context.Background())
		return err
	}())
	if p == nil || p.Args["date"] != now.Add(-24*time.Hour).In(data.Rome).Format("02.01.2006") {
		t.Fatalf("the expiry date is not said: %+v", p)
	}
}

// TestPortAndNameFaultsAreNamed: nothing listening, a name that does not exist, a TLS
// port spoken to in clear, plain text to another machine.
func TestPortAndNameFaultsAreNamed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if _, err := testBox(closed, "tls", "").openIMAP(context.Background()); problemKey(err) != "err.mailbox.port" {
		t.Fatalf("closed port: %v", err)
	}
	b := testBox(993, "tls", "")
	b.Settings.IMAPHost = "mail.does-not-exist.invalid"
	if _, err := b.openIMAP(context.Background()); problemKey(err) != "err.mailbox.name" {
		t.Fatalf("unknown name: %v", err)
	}
	tlsPort, _ := tlsServer(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	start := time.Now()
	if _, err := testBox(tlsPort, "starttls", "").openIMAP(context.Background()); problemKey(err) != "err.mailbox.no_greeting" {
		t.Fatalf("TLS port in clear: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("a silent server held the test for %v", time.Since(start))
	}
	b = testBox(143, "plain", "")
	b.Settings.IMAPHost = "192.0.2.1"
	if _, err := b.openIMAP(context.Background()); problemKey(err) != "err.mailbox.plain" {
		t.Fatalf("plain text to another machine: %v", err)
	}
}

// TestIDs: an id names a message by UIDVALIDITY and UID; anything else is refused.
func TestIDs(t *testing.T) {
	if v, u, ok := parseID(messageID(1796658747, 42)); !ok || v != 1796658747 || u != 42 {
		t.Fatal(v, u, ok)
	}
	for _, bad := range []string{"", "1", "1-0", "-3", "1-x", "../../etc/passwd", "1-2-3", "99999999999-1", "1-" + strconv.Itoa(1<<40)} {
		if _, _, ok := parseID(bad); ok {
			t.Errorf("%q taken as an id", bad)
		}
	}
}

// FuzzParseID: an id typed by a clerk or read from a file name never panics, and one
// that is taken names a file inside the inbox folder.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1796658747-3", "0-1", "1-", "../1-2", "1-2.eml", "٣-٤"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, u, ok := parseID(s)
		if !ok {
			return
		}
		if messageID(v, u) != s && filepath.Base(s) != s {
			t.Fatalf("%q taken as %d-%d", s, v, u)
		}
		b := &Box{Dir: "/inbox"}
		if filepath.Dir(b.file(s)) != "/inbox" {
			t.Fatalf("%q leaves the inbox folder", s)
		}
	})
}
