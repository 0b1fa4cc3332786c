package data

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// checkpointEvery is how many audit entries lie at most between two checkpoints kept for
// good: the latest head alone would show that the chain changed, the checkpoints also
// show from where on.
const checkpointEvery = 100

func init() { migrationSteps["0010"] = func(tx *sql.Tx, _ Progress) error { return sealUpgrade(tx) } }

// SealKeyPath is the office's key beside the register (the exchange signs with the same
// key, data/exchange/key.go). Kept beside, not in it: whoever can write the register
// file alone, without this key, cannot sign a chain of their own making.
func SealKeyPath(registerPath string) string { return registerPath + ".key" }

// sealKeys caches the keys read, by file: a write signs its head with it.
var sealKeys struct {
	sync.Mutex
	m map[string]ed25519.PrivateKey
}

// sealKey reads the office's key, making it at first need (a register that never joined
// an exchange works offline and is sealed all the same). The file format is the
// exchange's (PKCS #8 in PEM, 0600); an existing key is never replaced.
func sealKey(registerPath string) (ed25519.PrivateKey, error) {
	path := SealKeyPath(registerPath)
	sealKeys.Lock()
	defer sealKeys.Unlock()
	if k, ok := sealKeys.m[path]; ok {
		return k, nil
	}
	k, err := readSealKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err = createSealKey(path)
	}
	if err != nil {
		return nil, &Problem{Key: "verify.key_unusable", Args: map[string]string{"path": path}, Err: err}
	}
	if sealKeys.m == nil {
		sealKeys.m = map[string]ed25519.PrivateKey{}
	}
	sealKeys.m[path] = k
	return k, nil
}

func readSealKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("not an Ed25519 key")
	}
	return priv, nil
}

// createSealKey writes a new key under a temporary name and links it into place, so that
// no half-written key is ever read and a key made meanwhile by another program (the
// exchange, a second window) wins and is read instead.
func createSealKey(path string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-key-*")
	if err != nil {
		return nil, err
	}
	name := tmp.Name()
	defer os.Remove(name)
	tmp.Chmod(0o600) // best effort: some shares have no modes
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	err = os.Link(name, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links here: create the name exclusively instead, never replacing.
		var f *os.File
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			_, err = f.Write(b)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(path)
				return nil, err
			}
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return readSealKey(path)
	}
	if err != nil {
		return nil, err
	}
	SyncDir(dir)
	return priv, nil
}

// checkpointMessage is what a checkpoint signs: the head of the chain at seq, and when.
// The prefix keeps the signature from being taken for any other signed thing of the
// exchange, which uses the same key.
func checkpointMessage(seq int64, head []byte, at string) []byte {
	b := []byte("ascolto audit checkpoint v1\n")
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, '\n')
	b = hex.AppendEncode(b, head)
	b = append(b, '\n')
	return append(b, at...)
}

// Checkpoint is a signed head of an audit chain: the chain had seq entries, the last one
// hashed to Head, when At says.
type Checkpoint struct {
	Seq  int64  `json:"seq"`
	Head []byte `json:"head"`
	At   string `json:"at"`
	Sig  []byte `json:"sig"`
}

// Valid reports whether the checkpoint is signed by pub.
func (c *Checkpoint) Valid(pub ed25519.PublicKey) bool {
	return len(pub) == ed25519.PublicKeySize && len(c.Head) == 32 &&
		ed25519.Verify(pub, checkpointMessage(c.Seq, c.Head, c.At), c.Sig)
}

func signCheckpoint(key ed25519.PrivateKey, seq int64, head []byte, at string) Checkpoint {
	return Checkpoint{Seq: seq, Head: head, At: at, Sig: ed25519.Sign(key, checkpointMessage(seq, head, at))}
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sealHead signs the chain's head (seq, head) into audit_seal, and keeps a checkpoint
// for good when the chain passed a multiple of checkpointEvery since the last one.
// Nothing is done when the seal names this head already.
func sealHead(ctx context.Context, q execer, registerPath string, seq int64, head []byte, now time.Time) error {
	if seq == 0 {
		return nil
	}
	var sealed sql.NullInt64
	var sealedHead []byte
	err := q.QueryRowContext(ctx, `SELECT seq, head FROM audit_seal WHERE id = 1`).Scan(&sealed, &sealedHead)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if sealed.Valid && sealed.Int64 == seq && bytes.Equal(sealedHead, head) {
		return nil
	}
	key, err := sealKey(registerPath)
	if err != nil {
		return err
	}
	cp := signCheckpoint(key, seq, head, formatTime(now))
	// The public key goes into the register too, so that a copy of it (a backup, a file
	// sent to an auditor) can be checked where the key file is not; verify says which
	// key it checked with, by the fingerprint the other offices confirmed.
	if _, err := q.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('audit_public_key', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE value <> excluded.value`,
		hex.EncodeToString(key.Public().(ed25519.PublicKey))); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO audit_seal(id, seq, head, at, sig) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, head = excluded.head, at = excluded.at, sig = excluded.sig`,
		cp.Seq, cp.Head, cp.At, cp.Sig); err != nil {
		return err
	}
	var last sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(seq) FROM audit_checkpoints`).Scan(&last); err != nil {
		return err
	}
	if last.Valid && seq/checkpointEvery == last.Int64/checkpointEvery {
		return nil
	}
	_, err = q.ExecContext(ctx, `INSERT INTO audit_checkpoints(seq, head, at, sig) VALUES (?, ?, ?, ?)`, cp.Seq, cp.Head, cp.At, cp.Sig)
	return err
}

// seal signs the head this transaction leaves (write.go, save).
func (t *Tx) seal() error {
	if t.auditSeq == 0 {
		return nil
	}
	head, err := hex.DecodeString(t.auditTip)
	if err != nil {
		return err
	}
	if err := sealHead(t.ctx, t.tx, t.s.path, t.auditSeq, head, t.s.clock.Now()); err != nil {
		return t.writeErr(err)
	}
	return nil
}

// sealUpgrade signs the chain of a register upgraded to version 10 as it stands, after
// the upgrade to version 6 checked it (reseal). A register in memory has no key beside
// it and stays unsealed.
func sealUpgrade(tx *sql.Tx) error {
	var path string
	if err := tx.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil || path == "" {
		return err
	}
	var seq int64
	var head []byte
	err := tx.QueryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &head)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return sealHead(context.Background(), tx, path, seq, head, time.Now())
}

// Seal is the latest signed head of this register's audit chain, what the exchange
// publishes as the office's witness; nil if the chain is empty.
func (s *Store) Seal(ctx context.Context) (*Checkpoint, error) {
	var c Checkpoint
	err := s.db.QueryRowContext(ctx, `SELECT seq, head, at, sig FROM audit_seal WHERE id = 1`).Scan(&c.Seq, &c.Head, &c.At, &c.Sig)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// KeepWitness stores the signed head another office published, once its signature is
// checked with that office's trusted key; a head not signed by it is refused.
func (s *Store) KeepWitness(ctx context.Context, office string, pub ed25519.PublicKey, c Checkpoint) error {
	if !c.Valid(pub) {
		return Problemf("verify.witness_signature", "office", office)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit_witnesses(office, seq, head, at, sig, received_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(office, seq) DO NOTHING`, office, c.Seq, c.Head, c.At, c.Sig, formatTime(s.clock.Now()))
	return err
}

// Witnesses are the signed heads of office's chain received from it, oldest first.
func (s *Store) Witnesses(ctx context.Context, office string) ([]Checkpoint, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, head, at, sig FROM audit_witnesses WHERE office = ? ORDER BY seq`, office)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		if err := rows.Scan(&c.Seq, &c.Head, &c.At, &c.Sig); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// VerifyWitnesses checks this register's chain against heads of it that other offices
// kept (exported there with `ascoltoctl witnesses`): each must be signed with this
// office's key, and the entry it names must still be in the chain with the hash it had.
// A chain rewritten or cut back after a head left the office fails here even when it
// was signed again with the key.
func (s *Store) VerifyWitnesses(ctx context.Context, ws []Checkpoint) ([]*Finding, error) {
	pub, err := s.sealPublicKey()
	if err != nil {
		return []*Finding{Problemf("verify.key_missing", "path", SealKeyPath(s.path))}, nil
	}
	var out []*Finding
	for _, w := range ws {
		seq := strconv.FormatInt(w.Seq, 10)
		if !w.Valid(pub) {
			out = append(out, Problemf("verify.witness_foreign", "seq", seq, "at", w.At))
			continue
		}
		var sum []byte
		err := s.db.QueryRowContext(ctx, `SELECT hash FROM audit WHERE seq = ?`, w.Seq).Scan(&sum)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if !bytes.Equal(sum, w.Head) {
			out = append(out, Problemf("verify.witness_mismatch", "seq", seq, "at", w.At))
		}
	}
	return out, nil
}

// KeyFingerprint is a public key's fingerprint as the exchange shows it (the first 20
// bytes of its SHA-256 in base32, in groups of four; data/exchange.Fingerprint), the
// one clerks read out to each other to confirm a key.
func KeyFingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:20])
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
