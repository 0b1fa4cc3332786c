// Package mailbox connects the register to the office's own mail server: it reads new
// messages from an IMAP folder into an inbox kept beside the register, registers them
// through data/intake (the one intake of e-mail), marks them on the server so that no
// other workstation on the same mailbox registers them again, and sends issued letters
// to citizens by SMTP submission. Ascolto runs no mail server of its own.
//
// Every failure a person must act on is a *data.Problem that says which step failed:
// the server's name, the port, the certificate, the login, the folder.
package mailbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"ascolto/data"
)

// PasswordEnv is the environment variable the command line reads the password from.
const PasswordEnv = "ASCOLTO_MAIL_PASSWORD"

// DefaultTimeout bounds every step of a conversation with a server: a server that
// stops answering becomes a message instead of a program that hangs.
const DefaultTimeout = 30 * time.Second

// endpoint is one server: IMAP or SMTP.
type endpoint struct {
	host     string
	port     int
	security string
}

func (e endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

func (b *Box) imapEndpoint() endpoint {
	return endpoint{b.Settings.IMAPHost, b.Settings.IMAPPort, b.Settings.IMAPSecurity}
}

func (b *Box) smtpEndpoint() endpoint {
	return endpoint{b.Settings.SMTPHost, b.Settings.SMTPPort, b.Settings.SMTPSecurity}
}

// tlsConfig trusts the system's CAs and, if set, the office's own CA certificate.
func (b *Box) tlsConfig(host string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if b.Settings.CAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(b.Settings.CAFile)
	if err != nil {
		return nil, &data.Problem{Key: "err.mailbox.ca_file", Args: map[string]string{"path": b.Settings.CAFile}, Err: err}
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, data.Problemf("err.mailbox.ca_file", "path", b.Settings.CAFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// dial resolves the name and opens the TCP connection, telling the two failures apart.
func (b *Box) dial(ctx context.Context, e endpoint) (net.Conn, error) {
	if e.security == "plain" && !data.Loopback(e.host) {
		return nil, data.Problemf("err.mailbox.plain", "host", e.host)
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout())
	defer cancel()
	if net.ParseIP(e.host) == nil {
		if _, err := net.DefaultResolver.LookupHost(ctx, e.host); err != nil {
			return nil, &data.Problem{Key: "err.mailbox.name", Args: map[string]string{"host": e.host}, Err: err}
		}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", e.addr())
	if err != nil {
		return nil, &data.Problem{Key: "err.mailbox.port", Args: map[string]string{"host": e.host, "port": strconv.Itoa(e.port)}, Err: err}
	}
	return conn, nil
}

// handshake starts TLS on conn, naming a certificate that is refused and why.
func (b *Box) handshake(ctx context.Context, conn net.Conn, host string) (*tls.Conn, error) {
	cfg, err := b.tlsConfig(host)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout())
	defer cancel()
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, certProblem(err, host)
	}
	return tc, nil
}

// certProblem names what is wrong with a server's certificate; a handshake that fails
// for another reason (the server speaks no TLS on that port) is said as such.
func certProblem(err error, host string) error {
	var expired x509.CertificateInvalidError
	if errors.As(err, &expired) && expired.Reason == x509.Expired {
		return &data.Problem{Key: "err.mailbox.cert_expired", Args: map[string]string{"host": host,
			"date": expired.Cert.NotAfter.In(data.Rome).Format("02.01.2006")}, Err: err}
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return &data.Problem{Key: "err.mailbox.cert_unknown", Args: map[string]string{"host": host}, Err: err}
	}
	var name x509.HostnameError
	if errors.As(err, &name) {
		return &data.Problem{Key: "err.mailbox.cert_name", Args: map[string]string{"host": host}, Err: err}
	}
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) || errors.As(err, &expired) {
		return &data.Problem{Key: "err.mailbox.cert_invalid", Args: map[string]string{"host": host, "detail": err.Error()}, Err: err}
	}
	return &data.Problem{Key: "err.mailbox.tls", Args: map[string]string{"host": host, "detail": err.Error()}, Err: err}
}

// serverProblem is a failure in the middle of a conversation: the connection cut, the
// server answering an error.
func serverProblem(host string, err error) error {
	if _, ok := data.AsProblem(err); ok {
		return err
	}
	return &data.Problem{Key: "err.mailbox.server", Args: map[string]string{"host": host, "detail": err.Error()}, Err: err}
}

// openIMAP connects and logs in to the IMAP server.
func (b *Box) openIMAP(ctx context.Context) (*client.Client, error) {
	e := b.imapEndpoint()
	conn, err := b.dial(ctx, e)
	if err != nil {
		return nil, err
	}
	var c *client.Client
	switch e.security {
	case "tls":
		tc, err := b.handshake(ctx, conn, e.host)
		if err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
		fallthrough
	case "plain":
		if c, err = b.greet(conn, e); err != nil {
			return nil, err
		}
	case "starttls":
		if c, err = b.greet(conn, e); err != nil {
			return nil, err
		}
		c.Timeout = b.timeout()
		if ok, err := c.SupportStartTLS(); err != nil || !ok {
			c.Terminate()
			return nil, data.Problemf("err.mailbox.no_starttls", "host", e.host)
		}
		cfg, err := b.tlsConfig(e.host)
		if err != nil {
			c.Terminate()
			return nil, err
		}
		if err := c.StartTLS(cfg); err != nil {
			c.Terminate()
			return nil, certProblem(err, e.host)
		}
	default:
		conn.Close()
		return nil, data.Problemf("err.mailbox.setting", "name", "imap-security", "value", e.security)
	}
	c.Timeout = b.timeout()
	c.ErrorLog = quiet // a cut connection is reported by the call that meets it
	if err := c.Login(b.Settings.Login(), b.Password); err != nil {
		c.Terminate()
		return nil, &data.Problem{Key: "err.mailbox.login", Args: map[string]string{"host": e.host, "user": b.Settings.Login()}, Err: err}
	}
	return c, nil
}

// greet waits for the server's greeting. A server that says nothing is most often a
// TLS port spoken to in plain text: it waits for the client to start TLS.
func (b *Box) greet(conn net.Conn, e endpoint) (*client.Client, error) {
	conn.SetDeadline(time.Now().Add(min(b.timeout(), greetingTimeout)))
	c, err := client.New(conn)
	if err != nil {
		conn.Close()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, &data.Problem{Key: "err.mailbox.no_greeting", Args: map[string]string{"host": e.host, "port": strconv.Itoa(e.port)}, Err: err}
		}
		return nil, serverProblem(e.host, err)
	}
	conn.SetDeadline(time.Time{})
	return c, nil
}

// greetingTimeout is how long a server may take to say hello; real servers greet at once.
const greetingTimeout = 10 * time.Second

// openSMTP connects to the submission server and authenticates.
func (b *Box) openSMTP(ctx context.Context) (*smtp.Client, error) {
	e := b.smtpEndpoint()
	conn, err := b.dial(ctx, e)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(b.timeout()))
	var c *smtp.Client
	switch e.security {
	case "tls":
		tc, err := b.handshake(ctx, conn, e.host)
		if err != nil {
			conn.Close()
			return nil, err
		}
		c = smtp.NewClient(tc)
		if err := c.Hello(b.helloName()); err != nil {
			c.Close()
			return nil, serverProblem(e.host, err)
		}
	case "plain":
		c = smtp.NewClient(conn)
		if err := c.Hello(b.helloName()); err != nil {
			c.Close()
			return nil, serverProblem(e.host, err)
		}
	case "starttls":
		cfg, err := b.tlsConfig(e.host)
		if err != nil {
			conn.Close()
			return nil, err
		}
		if c, err = smtp.NewClientStartTLS(conn, cfg); err != nil {
			conn.Close()
			if strings.Contains(err.Error(), "doesn't support STARTTLS") {
				return nil, data.Problemf("err.mailbox.no_starttls", "host", e.host)
			}
			return nil, certProblem(err, e.host)
		}
	default:
		conn.Close()
		return nil, data.Problemf("err.mailbox.setting", "name", "smtp-security", "value", e.security)
	}
	c.CommandTimeout = b.timeout()
	c.SubmissionTimeout = 5 * b.timeout()
	if err := c.Auth(sasl.NewPlainClient("", b.Settings.Login(), b.Password)); err != nil {
		c.Close()
		var se *smtp.SMTPError
		if errors.As(err, &se) && (se.Code == 535 || se.Code == 534 || se.Code == 530) {
			return nil, &data.Problem{Key: "err.mailbox.login", Args: map[string]string{"host": e.host, "user": b.Settings.Login()}, Err: err}
		}
		return nil, serverProblem(e.host, err)
	}
	return c, nil
}

// helloName is the name given in EHLO: the office's mail domain.
func (b *Box) helloName() string {
	if d := domain(b.Settings.Address); d != "" {
		return d
	}
	return "localhost"
}

var quiet = log.New(io.Discard, "", 0)

func (b *Box) timeout() time.Duration {
	if b.Timeout > 0 {
		return b.Timeout
	}
	return DefaultTimeout
}
