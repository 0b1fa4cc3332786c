//go:build cgo

package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/miekg/pkcs11"

	"ascolto/data"
	"ascolto/printing/signature"
)

// Available says whether this build can load PKCS#11 modules.
const Available = true

// Module is a loaded PKCS#11 module.
type Module struct {
	path string
	lib  *library
}

// library is a module loaded once for the whole program: PKCS#11 allows one
// C_Initialize per process, so a module opened twice (the window's list, then its
// signature) shares it, and it is finalized when the last one is closed. It stays
// loaded after that and is initialized again by the next Open: unloading a vendor's
// library that started threads of its own can bring the program down.
type library struct {
	ctx  *pkcs11.Ctx
	refs int
	mu   sync.Mutex // PKCS#11 sessions are not to be used from two threads at once
}

var (
	libMu     sync.Mutex
	libraries = map[string]*library{}
)

// Open loads the PKCS#11 module at path (the card maker's library or OpenSC's
// opensc-pkcs11.so / opensc-pkcs11.dll).
func Open(path string) (*Module, error) {
	if strings.TrimSpace(path) == "" {
		return nil, data.Problemf("letter.token.err_module_none")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, &data.Problem{Key: "letter.token.err_module_missing", Args: map[string]string{"path": path}, Err: err}
	}
	libMu.Lock()
	defer libMu.Unlock()
	l := libraries[path]
	if l == nil {
		ctx := pkcs11.New(path)
		if ctx == nil {
			return nil, data.Problemf("letter.token.err_module_load", "path", path)
		}
		l = &library{ctx: ctx}
		libraries[path] = l
	}
	if l.refs == 0 {
		if err := l.ctx.Initialize(); err != nil && !isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			return nil, &data.Problem{Key: "letter.token.err_module_load", Args: map[string]string{"path": path}, Err: err}
		}
	}
	l.refs++
	return &Module{path: path, lib: l}, nil
}

// Close releases the module; the last Close of a path finalizes it (every session on
// it ends), so that the next Open sees the cards afresh.
func (m *Module) Close() error {
	if m == nil || m.lib == nil {
		return nil
	}
	libMu.Lock()
	defer libMu.Unlock()
	l := m.lib
	m.lib = nil
	l.refs--
	if l.refs > 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ctx.Finalize()
}

// errClosed: the module was closed before it was used.
var errClosed = errors.New("token: the module is closed")

func isCode(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}

func problem(err error) *data.Problem {
	var e pkcs11.Error
	if errors.As(err, &e) {
		return codeProblem(uint(e), err)
	}
	return &data.Problem{Key: "letter.token.err_failed", Args: map[string]string{"code": "?"}, Err: err}
}

// Tokens lists the cards present in the module's readers, with the certificates that
// have a key of theirs on the card (seen without the PIN). A reader without a card,
// or with a blank one, is left out.
func (m *Module) Tokens() ([]Token, error) {
	l := m.lib
	if l == nil {
		return nil, errClosed
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	slots, err := l.ctx.GetSlotList(true)
	if err != nil {
		return nil, problem(err)
	}
	var out []Token
	for _, slot := range slots {
		ti, err := l.ctx.GetTokenInfo(slot)
		if err != nil {
			if isCode(err, pkcs11.CKR_TOKEN_NOT_PRESENT) || isCode(err, pkcs11.CKR_TOKEN_NOT_RECOGNIZED) {
				continue
			}
			return nil, problem(err)
		}
		if ti.Flags&flagInitialized == 0 {
			continue
		}
		t := Token{Slot: slot, Label: strings.TrimSpace(ti.Label), Serial: strings.TrimSpace(ti.SerialNumber),
			Manufacturer: strings.TrimSpace(ti.ManufacturerID), Model: strings.TrimSpace(ti.Model), Flags: ti.Flags}
		sh, err := l.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
		if err != nil {
			return nil, problem(err)
		}
		t.Certificates, _, _, err = readCerts(l.ctx, sh, false)
		l.ctx.CloseSession(sh)
		if err != nil {
			return nil, problem(err)
		}
		order(t.Certificates, time.Now())
		out = append(out, t)
	}
	return out, nil
}

// object is what signingCerts reads of a key object.
type object struct {
	handle pkcs11.ObjectHandle
	id     []byte
	// value identifies the key by its public part: an RSA modulus or an EC point.
	value []byte
}

// find lists the objects of a class with their CKA_ID and their public value.
func find(ctx *pkcs11.Ctx, sh pkcs11.SessionHandle, class uint, value uint) ([]object, error) {
	if err := ctx.FindObjectsInit(sh, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)}); err != nil {
		return nil, err
	}
	var handles []pkcs11.ObjectHandle
	for {
		hs, _, err := ctx.FindObjects(sh, 64)
		if err != nil {
			ctx.FindObjectsFinal(sh)
			return nil, err
		}
		if len(hs) == 0 || len(handles) > 4096 {
			break
		}
		handles = append(handles, hs...)
	}
	if err := ctx.FindObjectsFinal(sh); err != nil {
		return nil, err
	}
	var out []object
	for _, h := range handles {
		o := object{handle: h}
		// One attribute at a time: a module refuses the whole call when one of several
		// is sensitive or unknown to the object (an EC key has no modulus).
		if a, err := ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_ID, nil)}); err == nil && len(a) == 1 {
			o.id = a[0].Value
		}
		if value != 0 {
			if a, err := ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(value, nil)}); err == nil && len(a) == 1 {
				o.value = a[0].Value
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// cardCert is a certificate on the card with the private key found for it.
type cardCert struct {
	Certificate
	key pkcs11.ObjectHandle
}

// readCerts reads the card's certificates and keeps those with a key of theirs:
// matched by CKA_ID (what cards and pkcs11-tool set), or, where the IDs are missing, by
// the public value (modulus, EC point). With private set, only private keys count;
// else public keys too. It returns them, the same with their key's handle, and every
// certificate on the card (for the chain).
func readCerts(ctx *pkcs11.Ctx, sh pkcs11.SessionHandle, private bool) ([]Certificate, []cardCert, []*x509.Certificate, error) {
	objs, err := find(ctx, sh, pkcs11.CKO_CERTIFICATE, pkcs11.CKA_VALUE)
	if err != nil {
		return nil, nil, nil, err
	}
	var keys []object
	for _, class := range []uint{pkcs11.CKO_PRIVATE_KEY, pkcs11.CKO_PUBLIC_KEY} {
		if class == pkcs11.CKO_PUBLIC_KEY && private {
			break
		}
		for _, attr := range []uint{pkcs11.CKA_MODULUS, pkcs11.CKA_EC_POINT} {
			ks, err := find(ctx, sh, class, attr)
			if err != nil {
				return nil, nil, nil, err
			}
			if class == pkcs11.CKO_PRIVATE_KEY && attr == pkcs11.CKA_EC_POINT {
				break // a private EC key has no point; its ID or its certificate's say it
			}
			keys = append(keys, ks...)
		}
	}
	var out []Certificate
	var withKey []cardCert
	var all []*x509.Certificate
	for _, o := range objs {
		c, err := x509.ParseCertificate(o.value)
		if err != nil {
			continue // not an X.509 certificate Go reads: not one to sign with
		}
		all = append(all, c)
		label := ""
		if a, err := ctx.GetAttributeValue(sh, o.handle, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)}); err == nil && len(a) == 1 {
			label = string(a[0].Value)
		}
		for _, k := range keys {
			if (len(k.id) > 0 && bytes.Equal(k.id, o.id)) || (len(k.value) > 0 && matchesPublic(c, k.value)) {
				cc := Certificate{Cert: c, Label: label, ID: o.id}
				out = append(out, cc)
				withKey = append(withKey, cardCert{cc, k.handle})
				break
			}
		}
	}
	return out, withKey, all, nil
}

// matchesPublic says whether value (a key's modulus, or its EC point as a DER OCTET
// STRING or bare) is the certificate's public key.
func matchesPublic(c *x509.Certificate, value []byte) bool {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return bytes.Equal(bytes.TrimLeft(value, "\x00"), k.N.Bytes())
	case *ecdsa.PublicKey:
		pt, err := k.Bytes()
		return err == nil && (bytes.Equal(value, pt) || bytes.HasSuffix(value, pt) && len(value) <= len(pt)+3)
	}
	return false
}

// Session is a card the official has logged in to with the PIN.
type Session struct {
	m      *Module
	token  Token
	sh     pkcs11.SessionHandle
	pin    []byte // kept only for keys that ask for it at each signature
	certs  []cardCert
	all    []*x509.Certificate
	closed bool
}

// Login opens a session on the card labelled label (the only card when label is
// empty) and logs in with pin. A card with a PIN pad takes an empty pin and asks on
// the pad. A refused PIN tells what the card says of the tries left.
func (m *Module) Login(label, pin string) (*Session, error) {
	tokens, err := m.Tokens()
	if err != nil {
		return nil, err
	}
	t, err := pick(tokens, label)
	if err != nil {
		return nil, err
	}
	if t.PINLocked() {
		return nil, data.Problemf("letter.token.err_pin_locked")
	}
	l := m.lib
	l.mu.Lock()
	defer l.mu.Unlock()
	sh, err := l.ctx.OpenSession(t.Slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, problem(err)
	}
	fail := func(p *data.Problem) (*Session, error) {
		l.ctx.CloseSession(sh)
		return nil, p
	}
	if pin == "" && !t.PINPad() {
		return fail(data.Problemf("letter.token.err_pin_empty"))
	}
	logins.Add(1)
	if err := l.ctx.Login(sh, pkcs11.CKU_USER, pin); err != nil && !isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		switch {
		case isCode(err, pkcs11.CKR_PIN_INCORRECT), isCode(err, pkcs11.CKR_PIN_LEN_RANGE), isCode(err, pkcs11.CKR_PIN_INVALID):
			flags := uint(0)
			if ti, e := l.ctx.GetTokenInfo(t.Slot); e == nil {
				flags = ti.Flags
			}
			return fail(pinProblem(flags, err))
		}
		return fail(problem(err))
	}
	_, certs, all, err := readCerts(l.ctx, sh, true)
	if err != nil {
		return fail(problem(err))
	}
	if len(certs) == 0 {
		l.ctx.Logout(sh)
		return fail(data.Problemf("letter.token.err_no_cert", "label", t.Label))
	}
	s := &Session{m: m, token: t, sh: sh, certs: certs, all: all}
	t.Certificates = s.Certificates()
	s.token = t
	for _, c := range certs {
		if alwaysAuthenticate(l.ctx, sh, c.key) {
			s.pin = []byte(pin)
		}
	}
	return s, nil
}

func alwaysAuthenticate(ctx *pkcs11.Ctx, sh pkcs11.SessionHandle, key pkcs11.ObjectHandle) bool {
	a, err := ctx.GetAttributeValue(sh, key, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_AUTHENTICATE, nil)})
	return err == nil && len(a) == 1 && len(a[0].Value) > 0 && a[0].Value[0] != 0
}

// Token is the card of the session, its Certificates those with a private key.
func (s *Session) Token() Token { return s.token }

// Certificates are the certificates whose private key is on the card, the ones meant
// for signatures first.
func (s *Session) Certificates() []Certificate {
	out := make([]Certificate, len(s.certs))
	for i, c := range s.certs {
		out[i] = c.Certificate
	}
	order(out, time.Now())
	return out
}

// Signer is the letters' signer on this card at now: the first usable certificate of
// Certificates, with the chain the card holds.
func (s *Session) Signer(now time.Time) (*signature.Signer, error) {
	certs := s.Certificates()
	order(certs, now)
	return signerFrom(certs, s.all, s.Key, now)
}

// Key is the crypto.Signer of a certificate's private key: its Sign runs on the card.
func (s *Session) Key(c Certificate) (crypto.Signer, error) {
	for _, cc := range s.certs {
		if cc.Cert.Equal(c.Cert) {
			return &key{s: s, handle: cc.key, pub: c.Cert.PublicKey}, nil
		}
	}
	return nil, data.Problemf("letter.token.err_no_cert", "label", s.token.Label)
}

// Close logs out and ends the session; the PIN kept for it is wiped.
func (s *Session) Close() error {
	l := s.m.lib
	if s.closed || l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s.closed = true
	clear(s.pin)
	s.pin = nil
	l.ctx.Logout(s.sh)
	return l.ctx.CloseSession(s.sh)
}

// key is a private key on the card.
type key struct {
	s      *Session
	handle pkcs11.ObjectHandle
	pub    crypto.PublicKey
}

func (k *key) Public() crypto.PublicKey { return k.pub }

// Sign signs digest on the card: RSA PKCS#1 v1.5 (the DigestInfo built here, since
// CKM_RSA_PKCS pads what it is given) or ECDSA (the card's r||s made DER).
func (k *key) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	var mech uint
	input := digest
	switch k.pub.(type) {
	case *rsa.PublicKey:
		if _, pss := opts.(*rsa.PSSOptions); pss {
			return nil, errors.New("token: RSA-PSS is not used for letters")
		}
		var err error
		if input, err = rsaInput(digest, opts.HashFunc()); err != nil {
			return nil, err
		}
		mech = pkcs11.CKM_RSA_PKCS
	case *ecdsa.PublicKey:
		mech = pkcs11.CKM_ECDSA
	default:
		return nil, errors.New("token: key type not supported")
	}
	s := k.s
	l := s.m.lib
	if l == nil {
		return nil, data.Problemf("letter.token.err_removed")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.closed {
		return nil, data.Problemf("letter.token.err_removed")
	}
	if err := l.ctx.SignInit(s.sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, k.handle); err != nil {
		return nil, problem(err)
	}
	if s.pin != nil {
		// A key for qualified signatures may ask for the PIN before each one.
		if err := l.ctx.Login(s.sh, pkcs11.CKU_CONTEXT_SPECIFIC, string(s.pin)); err != nil {
			l.ctx.Sign(s.sh, nil) // ends the operation begun
			return nil, problem(err)
		}
	}
	sig, err := l.ctx.Sign(s.sh, input)
	if err != nil {
		return nil, problem(err)
	}
	if mech == pkcs11.CKM_ECDSA {
		return ecdsaDER(sig)
	}
	return sig, nil
}
