package exchange

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"ascolto/data"
)

// KeyPath is where a register's office key lives: beside the register, so that a backup
// of the folder keeps both, and never in the shared folder.
func KeyPath(registerPath string) string { return registerPath + ".key" }

// LoadOrCreateKey reads the office's private key, making it the first time. An existing
// key is never replaced: the other offices trust exactly this key, and a new one would
// have to be confirmed by fingerprint with each of them again.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	if k, err := readKey(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			data.NarrowFile(path) // a key that other accounts can read lets them sign as this office
		}
		return k, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, &data.Problem{Key: "exchange.key_create", Args: map[string]string{"path": path}, Err: err}
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, &data.Problem{Key: "exchange.key_create", Args: map[string]string{"path": path}, Err: err}
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := writeKey(path, b); err != nil {
		if errors.Is(err, fs.ErrExist) { // made meanwhile by another program: that one counts
			return readKey(path)
		}
		return nil, &data.Problem{Key: "exchange.key_create", Args: map[string]string{"path": path}, Err: err}
	}
	return priv, nil
}

func readKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &data.Problem{Key: "exchange.key_read", Args: map[string]string{"path": path}, Err: err}
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, data.Problemf("exchange.key_read", "path", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, &data.Problem{Key: "exchange.key_read", Args: map[string]string{"path": path}, Err: err}
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, data.Problemf("exchange.key_read", "path", path)
	}
	return priv, nil
}

// writeKey writes the key under a temporary name, flushes it to disk and links it into
// place: the link fails if a key is there already, so no key is ever overwritten and no
// half-written key is ever seen.
func writeKey(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-key-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Chmod(0o600); err != nil && !isUnsupported(err) {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := linkNew(name, path); err != nil {
		return err
	}
	return data.SyncDir(dir)
}

// linkNew puts the file tmp at path unless path exists, never replacing a file there
// (the window and ascoltoctl may write the same name at once). A hard link is atomic
// and never replaces; where the file system has none (some shares), moveNew does what
// the system offers that never replaces either.
func linkNew(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	return moveNew(tmp, path)
}

// copyNew creates path, failing if it exists (O_EXCL), and copies the temporary file
// into it, flushed to disk; then removes the temporary file. A reader may see path
// short while it is copied, as with any file being written: the exchange verifies
// every file whole (its trailer) and reads a short one again later.
func copyNew(tmp, path string) error {
	src, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // the key is private
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // ours, half-written: created above with O_EXCL
		return err
	}
	src.Close()
	os.Remove(tmp)
	return nil
}

func isUnsupported(err error) bool { return errors.Is(err, errors.ErrUnsupported) }

// Fingerprint is what two clerks read out to each other on the phone to confirm a key:
// the first 20 bytes of its SHA-256 in base32, in groups of four (no 0/O or 1/I mix-ups,
// since base32 has no 0 and no 1).
func Fingerprint(pub ed25519.PublicKey) string { return data.KeyFingerprint(pub) }

// normalFingerprint is a fingerprint as typed: spaces, dashes and case do not matter.
func normalFingerprint(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' || r >= '2' && r <= '7' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
