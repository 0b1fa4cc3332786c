//go:build !cgo

package token

import (
	"crypto"
	"time"

	"ascolto/data"
	"ascolto/printing/signature"
)

// Available says whether this build can load PKCS#11 modules: a module is a C
// library, which a program built without cgo cannot load.
const Available = false

// Module is a loaded PKCS#11 module; this build has none.
type Module struct{}

// Session is a card logged in to; this build has none.
type Session struct{}

func noCgo() error { return data.Problemf("letter.token.err_no_cgo") }

// Open says that this build cannot use smart cards.
func Open(path string) (*Module, error) { return nil, noCgo() }

func (m *Module) Close() error                                 { return nil }
func (m *Module) Tokens() ([]Token, error)                     { return nil, noCgo() }
func (m *Module) Login(label, pin string) (*Session, error)    { return nil, noCgo() }
func (s *Session) Token() Token                                { return Token{} }
func (s *Session) Certificates() []Certificate                 { return nil }
func (s *Session) Signer(time.Time) (*signature.Signer, error) { return nil, noCgo() }
func (s *Session) Key(Certificate) (crypto.Signer, error)      { return nil, noCgo() }
func (s *Session) Close() error                                { return nil }
