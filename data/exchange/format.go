package exchange

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"ascolto/data"
)

// The file formats of the exchange folder, version 1 (docs/exchange.md describes them for
// people who must look into the folder).
const (
	FormatName     = "ascolto-exchange"
	SnapshotFormat = "ascolto-snapshot"
	OfficeFormat   = "ascolto-office"
	AckFormat      = "ascolto-ack"
	Version        = 1

	// MaxFileSize is the largest operations file taken: a batch of BatchOps operations is
	// far smaller, so anything bigger is not ours and is refused before it is read.
	MaxFileSize = 64 << 20
	// MaxSnapshotSize limits a snapshot as stored (compressed), and maxSnapshotExpanded
	// what it may expand to, so that no file on the share can exhaust memory.
	MaxSnapshotSize     = 512 << 20
	maxSnapshotExpanded = 4 << 30

	OfficeFileName = "office.json"
	AckFileName    = "ack.json"
	fileExt        = ".ascx"
	snapshotExt    = ".ascs"
	snapshotPrefix = "snapshot-"
	// maxMetaSize limits office.json and ack.json.
	maxMetaSize = 1 << 20
)

// Reason says why a file of the folder was not applied; the window and the command line
// translate it (ReasonKey).
type Reason string

// The reasons a file is not applied.
const (
	ReasonTruncated     Reason = "truncated"      // shorter than its trailer says, or cut off
	ReasonHash          Reason = "hash"           // content changed after it was written
	ReasonSignature     Reason = "signature"      // not signed by the office's trusted key
	ReasonUnsigned      Reason = "unsigned"       // no signature at all
	ReasonUnknownOffice Reason = "unknown_office" // in a folder of no office that published its key
	ReasonUntrusted     Reason = "untrusted"      // of an office whose key no clerk confirmed
	ReasonTooBig        Reason = "too_big"        // larger than any exchange file may be
	ReasonBadName       Reason = "bad_name"       // a name the exchange does not write
	ReasonFork          Reason = "fork"           // the same changes of an office with other content
	ReasonMalformed     Reason = "malformed"      // not in the exchange format
	ReasonVersion       Reason = "version"        // written by a newer program
	ReasonWrongFolder   Reason = "wrong_folder"   // another office's file in this office's folder
	ReasonIncomplete    Reason = "incomplete"     // still being written or copied, for too long
	ReasonConflictCopy  Reason = "conflict_copy"  // a copy made by a synchronisation program
	ReasonChain         Reason = "chain"          // does not follow the office's previous file
	ReasonKeyChanged    Reason = "key_changed"    // an office published another key than the one trusted
	ReasonBadOffice     Reason = "bad_office"     // office.json unreadable or not self-signed
	ReasonUnreadable    Reason = "unreadable"     // the share refused to give it
	// ReasonNotApplied: the file was whole and signed, but the register failed to take
	// its operations (a full disk, a locked database); it is tried again later.
	ReasonNotApplied Reason = "not_applied"
	// ReasonOfficeReplaced: an office.json with another key was found in this office's
	// own folder and replaced with this office's (an alarm: someone wrote there).
	ReasonOfficeReplaced Reason = "office_replaced"
)

// reasonKeys are the translation keys of the reasons, written out so that the translation
// check finds each one in the code.
var reasonKeys = map[Reason]string{
	ReasonTruncated:      "exchange.reason.truncated",
	ReasonHash:           "exchange.reason.hash",
	ReasonSignature:      "exchange.reason.signature",
	ReasonUnsigned:       "exchange.reason.unsigned",
	ReasonUnknownOffice:  "exchange.reason.unknown_office",
	ReasonUntrusted:      "exchange.reason.untrusted",
	ReasonTooBig:         "exchange.reason.too_big",
	ReasonBadName:        "exchange.reason.bad_name",
	ReasonFork:           "exchange.reason.fork",
	ReasonMalformed:      "exchange.reason.malformed",
	ReasonVersion:        "exchange.reason.version",
	ReasonWrongFolder:    "exchange.reason.wrong_folder",
	ReasonIncomplete:     "exchange.reason.incomplete",
	ReasonConflictCopy:   "exchange.reason.conflict_copy",
	ReasonChain:          "exchange.reason.chain",
	ReasonKeyChanged:     "exchange.reason.key_changed",
	ReasonBadOffice:      "exchange.reason.bad_office",
	ReasonUnreadable:     "exchange.reason.unreadable",
	ReasonNotApplied:     "exchange.reason.not_applied",
	ReasonOfficeReplaced: "exchange.reason.office_replaced",
}

// ReasonKey is the translation key that explains a reason to a person.
func ReasonKey(r Reason) string {
	if k, ok := reasonKeys[r]; ok {
		return k
	}
	return "exchange.reason.malformed"
}

// FileError is a file of the exchange folder refused, with the reason.
type FileError struct {
	Reason Reason
	Path   string
	Detail string
	Err    error
}

func (e *FileError) Error() string {
	s := "exchange file"
	if e.Path != "" {
		s += " " + e.Path
	}
	s += ": " + string(e.Reason)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FileError) Unwrap() error { return e.Err }

// Problem is the refusal as a person reads it.
func (e *FileError) Problem() *data.Problem {
	return &data.Problem{Key: ReasonKey(e.Reason), Args: map[string]string{"file": e.Path, "detail": e.Detail}, Err: e}
}

// ReasonOf finds the reason in an error chain ("" if it is not a refused file).
func ReasonOf(err error) Reason {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return ""
}

func fail(r Reason, format string, args ...any) *FileError {
	return &FileError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Header is the first line of an operations file.
type Header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Origin  string `json:"origin"`
	First   int64  `json:"first"`
	Last    int64  `json:"last"`
	Count   int    `json:"count"`
	// Prev is the SHA-256 (hex) of the origin's previous file, "" for the first file or
	// when the chain starts again (after a snapshot base).
	Prev    string `json:"prev"`
	Created string `json:"created"`
}

// trailer is the last line of a signed file: the length and SHA-256 of every byte before
// it, and the Ed25519 signature of that SHA-256 (its 32 bytes).
type trailer struct {
	Length int64  `json:"length"`
	SHA256 string `json:"sha256"`
	Sig    string `json:"sig"`
}

// wireOp is an operation as a line of a file. The exchange's own spelling, so that the
// format does not change when the register's types do.
type wireOp struct {
	Origin string            `json:"origin"`
	Seq    int64             `json:"seq"`
	HLC    string            `json:"hlc"`
	Case   string            `json:"case"`
	Action string            `json:"action"`
	Base   int64             `json:"base"`
	Deps   map[string]int64  `json:"deps,omitempty"`
	Fields map[string]string `json:"fields"`
	Actor  string            `json:"actor,omitempty"`
	At     string            `json:"at,omitempty"`
	Note   string            `json:"note,omitempty"`
}

func toWire(op data.Operation) wireOp {
	f := op.Fields
	if f == nil {
		f = map[string]string{}
	}
	return wireOp{Origin: op.Origin, Seq: op.Seq, HLC: op.HLC.String(), Case: op.CaseID, Action: op.Action, Base: op.BaseVersion,
		Deps: op.Deps, Fields: f, Actor: op.Actor, At: op.At, Note: op.Note}
}

func fromWire(w wireOp) (data.Operation, error) {
	h, err := data.ParseHLC(w.HLC)
	if err != nil {
		return data.Operation{}, err
	}
	if w.Case == "" || w.Action == "" || w.Seq < 1 || !validCode(w.Origin) {
		return data.Operation{}, errors.New("incomplete operation")
	}
	if w.Fields == nil {
		w.Fields = map[string]string{}
	}
	return data.Operation{Origin: w.Origin, Seq: w.Seq, HLC: h, CaseID: w.Case, Action: w.Action, BaseVersion: w.Base,
		Deps: w.Deps, Fields: w.Fields, Actor: w.Actor, At: w.At, Note: w.Note}, nil
}

// File is a parsed operations file.
type File struct {
	Header Header
	Ops    []data.Operation
	// SHA256 is the hex SHA-256 of the bytes before the trailer: the file's identity, the
	// next file's Prev.
	SHA256 string
	Sig    []byte
	Size   int
}

// Encode writes an operations file of one origin's consecutive operations, signed with
// key. The header's format, version, range and count come from ops; origin, prev and
// created from h.
func Encode(key ed25519.PrivateKey, h Header, ops []data.Operation) ([]byte, error) {
	b, _, err := encodeFile(key, h, ops)
	return b, err
}

// encodeFile is Encode that also returns the file's hash.
func encodeFile(key ed25519.PrivateKey, h Header, ops []data.Operation) ([]byte, string, error) {
	if len(ops) == 0 {
		return nil, "", errors.New("exchange: no operations to encode")
	}
	h.Format, h.Version = FormatName, Version
	if h.Origin == "" {
		h.Origin = ops[0].Origin
	}
	h.First, h.Last, h.Count = ops[0].Seq, ops[len(ops)-1].Seq, len(ops)
	for i, op := range ops {
		if op.Origin != h.Origin || op.Seq != h.First+int64(i) {
			return nil, "", fmt.Errorf("exchange: operations of %s not consecutive at %d", h.Origin, op.Seq)
		}
	}
	var body bytes.Buffer
	if err := writeLine(&body, h); err != nil {
		return nil, "", err
	}
	for _, op := range ops {
		if err := writeLine(&body, toWire(op)); err != nil {
			return nil, "", err
		}
	}
	return seal(key, body.Bytes())
}

func writeLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// seal appends the trailer to body and returns the file and its hash (hex).
func seal(key ed25519.PrivateKey, body []byte) ([]byte, string, error) {
	sum := sha256.Sum256(body)
	t := trailer{Length: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(key, sum[:]))}
	tb, err := json.Marshal(t)
	if err != nil {
		return nil, "", err
	}
	out := make([]byte, 0, len(body)+len(tb)+1)
	out = append(append(append(out, body...), tb...), '\n')
	return out, t.SHA256, nil
}

// unseal checks a signed file's trailer against its content and returns the content,
// its hash and the signature (not yet checked against a key: that needs the office).
func unseal(b []byte, limit int) (body []byte, sum [32]byte, sig []byte, err error) {
	if len(b) > limit {
		return nil, sum, nil, fail(ReasonTooBig, "%d bytes", len(b))
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, sum, nil, fail(ReasonTruncated, "no end of line at the end")
	}
	i := bytes.LastIndexByte(b[:len(b)-1], '\n')
	if i < 0 {
		return nil, sum, nil, fail(ReasonTruncated, "no trailer")
	}
	body = b[:i+1]
	dec := json.NewDecoder(bytes.NewReader(b[i+1 : len(b)-1]))
	dec.DisallowUnknownFields()
	var t trailer
	if err := dec.Decode(&t); err != nil || dec.More() || len(t.SHA256) != 64 {
		return nil, sum, nil, fail(ReasonTruncated, "no trailer")
	}
	if t.Length != int64(len(body)) {
		return nil, sum, nil, fail(ReasonTruncated, "%d bytes, trailer says %d", len(body), t.Length)
	}
	sum = sha256.Sum256(body)
	if want, err := hex.DecodeString(t.SHA256); err != nil || !bytes.Equal(want, sum[:]) {
		return nil, sum, nil, fail(ReasonHash, "content does not match its SHA-256")
	}
	if t.Sig == "" {
		return nil, sum, nil, fail(ReasonUnsigned, "")
	}
	sig, err = base64.StdEncoding.DecodeString(t.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, sum, nil, fail(ReasonSignature, "signature unreadable")
	}
	return body, sum, sig, nil
}

// Parse reads an operations file and checks everything that needs no key: size,
// structure, length, hash, count and unbroken sequence. Verify checks the signature.
func Parse(b []byte) (*File, error) {
	body, sum, sig, err := unseal(b, MaxFileSize)
	if err != nil {
		return nil, err
	}
	f := &File{SHA256: hex.EncodeToString(sum[:]), Sig: sig, Size: len(b)}
	lines := bytes.Split(body[:len(body)-1], []byte{'\n'})
	if err := json.Unmarshal(lines[0], &f.Header); err != nil {
		return nil, fail(ReasonMalformed, "header: %v", err)
	}
	h := f.Header
	if h.Format != FormatName {
		return nil, fail(ReasonMalformed, "format %q", h.Format)
	}
	if h.Version != Version {
		return nil, fail(ReasonVersion, "version %d", h.Version)
	}
	if !validCode(h.Origin) || h.First < 1 || h.Last < h.First || h.Count != len(lines)-1 || h.Last-h.First+1 != int64(h.Count) {
		return nil, fail(ReasonMalformed, "header range %d-%d count %d, %d lines", h.First, h.Last, h.Count, len(lines)-1)
	}
	if h.Prev != "" && !isHex64(h.Prev) {
		return nil, fail(ReasonMalformed, "prev %q", h.Prev)
	}
	f.Ops = make([]data.Operation, 0, h.Count)
	for i, line := range lines[1:] {
		var w wireOp
		if err := json.Unmarshal(line, &w); err != nil {
			return nil, fail(ReasonMalformed, "line %d: %v", i+2, err)
		}
		op, err := fromWire(w)
		if err != nil {
			return nil, fail(ReasonMalformed, "line %d: %v", i+2, err)
		}
		if op.Origin != h.Origin || op.Seq != h.First+int64(i) {
			return nil, fail(ReasonMalformed, "line %d: operation %s %d out of sequence", i+2, op.Origin, op.Seq)
		}
		f.Ops = append(f.Ops, op)
	}
	return f, nil
}

// Verify checks the file's signature with the origin office's public key.
func (f *File) Verify(pub ed25519.PublicKey) error {
	return verifySum(pub, f.SHA256, f.Sig)
}

func verifySum(pub ed25519.PublicKey, sumHex string, sig []byte) error {
	sum, err := hex.DecodeString(sumHex)
	if err != nil || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, sum, sig) {
		return fail(ReasonSignature, "not signed by the office's key")
	}
	return nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,9}$`)

// validCode is the register's rule for office codes, which name the folders.
func validCode(c string) bool { return codePattern.MatchString(c) }

// FileName is the name of an office's operations file for a sequence range.
func FileName(origin string, first, last int64) string {
	return fmt.Sprintf("%s-%012d-%012d%s", origin, first, last, fileExt)
}

var namePattern = regexp.MustCompile(`^([A-Z][A-Z0-9]{1,9})-([0-9]{12})-([0-9]{12})\.ascx$`)

// parseName reads an operations file's name.
func parseName(name string) (origin string, first, last int64, ok bool) {
	return parseRange(namePattern, name)
}

// parseRange reads an office code and a sequence range from a name the pattern matches.
func parseRange(pattern *regexp.Regexp, name string) (origin string, first, last int64, ok bool) {
	m := pattern.FindStringSubmatch(name)
	if m == nil {
		return "", 0, 0, false
	}
	first, _ = strconv.ParseInt(m[2], 10, 64)
	last, _ = strconv.ParseInt(m[3], 10, 64)
	return m[1], first, last, first >= 1 && last >= first
}

// SnapshotName names a snapshot of every office's operations by what it holds (the
// number of operations) and its hash, never by the author's clock: clocks of offices may
// be days apart, so a time in the name would say nothing about which snapshot is newer.
func SnapshotName(total int64, sha string) string {
	if len(sha) > 8 {
		sha = sha[:8]
	}
	return fmt.Sprintf("%s%012d-%s%s", snapshotPrefix, total, sha, snapshotExt)
}

// snapshotPattern also takes the names earlier versions gave snapshots (by time): they
// are read, and ordered by their content like the others.
var snapshotPattern = regexp.MustCompile(`^snapshot-([0-9]{8}T[0-9]{6}(\.[0-9]{3})?Z|[0-9]{12}-[0-9a-f]{8})\.ascs$`)

// BaseName is the name of an office's base: its own operations first…last, compacted
// into one file (the snapshot format) so that its operations files may be removed.
func BaseName(origin string, first, last int64) string {
	return fmt.Sprintf("%s-%012d-%012d%s", origin, first, last, snapshotExt)
}

var basePattern = regexp.MustCompile(`^([A-Z][A-Z0-9]{1,9})-([0-9]{12})-([0-9]{12})\.ascs$`)

// parseBaseName reads a base's name.
func parseBaseName(name string) (origin string, first, last int64, ok bool) {
	return parseRange(basePattern, name)
}

// SnapshotHeader is the first line of a snapshot's content.
type SnapshotHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Origin is the office that made the snapshot and signed it.
	Origin    string           `json:"origin"`
	Created   string           `json:"created"`
	HighWater map[string]int64 `json:"high_water"`
	Count     int              `json:"count"`
	// First is set in a base (an office's own operations First…HighWater[Origin]).
	First int64 `json:"first,omitempty"`
}

// Snapshot is every operation an office held at a moment, of every origin: a new office
// starts from it instead of from every file since the beginning.
type Snapshot struct {
	Header SnapshotHeader
	Ops    []data.Operation // by origin, then sequence
	SHA256 string
	Sig    []byte
}

// EncodeSnapshot writes a snapshot: gzip-compressed JSON lines (header, then the
// operations by origin and sequence), a line end, then the signed trailer.
func EncodeSnapshot(key ed25519.PrivateKey, h SnapshotHeader, ops []data.Operation) ([]byte, error) {
	b, _, err := encodeSnapshot(key, h, ops)
	return b, err
}

// encodeSnapshot is EncodeSnapshot that also returns the file's hash.
func encodeSnapshot(key ed25519.PrivateKey, h SnapshotHeader, ops []data.Operation) ([]byte, string, error) {
	h.Format, h.Version, h.Count = SnapshotFormat, Version, len(ops)
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Origin != ops[j].Origin {
			return ops[i].Origin < ops[j].Origin
		}
		return ops[i].Seq < ops[j].Seq
	})
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	bw := bufio.NewWriter(zw)
	if err := writeLine(bw, h); err != nil {
		return nil, "", err
	}
	for _, op := range ops {
		if err := writeLine(bw, toWire(op)); err != nil {
			return nil, "", err
		}
	}
	if err := bw.Flush(); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	buf.WriteByte('\n')
	return seal(key, buf.Bytes())
}

// snapshotHead checks a snapshot's trailer (length, hash) and reads only its header: what
// it covers, without expanding every operation.
func snapshotHead(b []byte) (*Snapshot, error) {
	body, sum, sig, err := unseal(b, MaxSnapshotSize)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{SHA256: hex.EncodeToString(sum[:]), Sig: sig}
	zr, err := gzip.NewReader(bytes.NewReader(body[:len(body)-1]))
	if err != nil {
		return nil, fail(ReasonMalformed, "not compressed: %v", err)
	}
	sc := bufio.NewScanner(io.LimitReader(zr, 16<<20))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	if !sc.Scan() {
		return nil, fail(ReasonMalformed, "empty snapshot")
	}
	if err := json.Unmarshal(sc.Bytes(), &s.Header); err != nil || s.Header.Format != SnapshotFormat {
		return nil, fail(ReasonMalformed, "header")
	}
	return s, nil
}

// ParseBase reads a base of origin over first…last (from its name) and checks, besides
// what ParseSnapshot checks, that it holds exactly the origin's operations first…last.
func ParseBase(b []byte, origin string, first, last int64) (*Snapshot, error) {
	s, err := ParseSnapshot(b)
	if err != nil {
		return nil, err
	}
	h := s.Header
	if h.Origin != origin || h.First != first || h.HighWater[origin] != last || len(h.HighWater) != 1 || int64(len(s.Ops)) != last-first+1 {
		return nil, fail(ReasonBadName, "holds %s %d-%d", h.Origin, h.First, h.HighWater[h.Origin])
	}
	for i, op := range s.Ops {
		if op.Origin != origin || op.Seq != first+int64(i) {
			return nil, fail(ReasonMalformed, "operation %s %d out of sequence", op.Origin, op.Seq)
		}
	}
	return s, nil
}

// ParseSnapshot reads a snapshot and checks its structure and hash; Verify its signature.
func ParseSnapshot(b []byte) (*Snapshot, error) {
	body, sum, sig, err := unseal(b, MaxSnapshotSize)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{SHA256: hex.EncodeToString(sum[:]), Sig: sig}
	zr, err := gzip.NewReader(bytes.NewReader(body[:len(body)-1]))
	if err != nil {
		return nil, fail(ReasonMalformed, "not compressed: %v", err)
	}
	sc := bufio.NewScanner(io.LimitReader(zr, maxSnapshotExpanded))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	if !sc.Scan() {
		return nil, fail(ReasonMalformed, "empty snapshot")
	}
	if err := json.Unmarshal(sc.Bytes(), &s.Header); err != nil {
		return nil, fail(ReasonMalformed, "header: %v", err)
	}
	if s.Header.Format != SnapshotFormat {
		return nil, fail(ReasonMalformed, "format %q", s.Header.Format)
	}
	if s.Header.Version != Version {
		return nil, fail(ReasonVersion, "version %d", s.Header.Version)
	}
	if !validCode(s.Header.Origin) || s.Header.Count < 0 {
		return nil, fail(ReasonMalformed, "header")
	}
	s.Ops = make([]data.Operation, 0, min(s.Header.Count, 1<<20))
	for sc.Scan() {
		var w wireOp
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			return nil, fail(ReasonMalformed, "line %d: %v", len(s.Ops)+2, err)
		}
		op, err := fromWire(w)
		if err != nil {
			return nil, fail(ReasonMalformed, "line %d: %v", len(s.Ops)+2, err)
		}
		if n := len(s.Ops); n > 0 {
			p := s.Ops[n-1]
			if op.Origin < p.Origin || op.Origin == p.Origin && op.Seq <= p.Seq {
				return nil, fail(ReasonMalformed, "line %d: out of order", n+2)
			}
		}
		s.Ops = append(s.Ops, op)
	}
	if err := sc.Err(); err != nil {
		return nil, fail(ReasonMalformed, "%v", err)
	}
	if len(s.Ops) != s.Header.Count {
		return nil, fail(ReasonMalformed, "%d operations, header says %d", len(s.Ops), s.Header.Count)
	}
	return s, nil
}

// Verify checks the snapshot's signature with its author's key.
func (s *Snapshot) Verify(pub ed25519.PublicKey) error { return verifySum(pub, s.SHA256, s.Sig) }

// OfficeFile is office.json: an office's code, names and public key, signed with that
// key (which proves only that whoever wrote it holds the key; trust comes from a clerk
// comparing the fingerprint).
type OfficeFile struct {
	Format      string `json:"format"`
	Version     int    `json:"version"`
	Code        string `json:"code"`
	NameIT      string `json:"name_it"`
	NameDE      string `json:"name_de"`
	PublicKey   string `json:"public_key"` // base64
	Fingerprint string `json:"fingerprint"`
	Created     string `json:"created"`
	Sig         string `json:"sig,omitempty"`
}

// Key is the office's public key.
func (o *OfficeFile) Key() ed25519.PublicKey {
	b, err := base64.StdEncoding.DecodeString(o.PublicKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil
	}
	return ed25519.PublicKey(b)
}

// AckFile is ack.json: for each origin, the last sequence this office has applied. The
// offices' acknowledgements decide which files their author may remove.
type AckFile struct {
	Format    string           `json:"format"`
	Version   int              `json:"version"`
	Office    string           `json:"office"`
	HighWater map[string]int64 `json:"high_water"`
	// Audit is the office's latest signed audit head, its witness for the others
	// (witness.go); absent in the files of older programs.
	Audit *AuditWitness `json:"audit,omitempty"`
	At    string        `json:"at"`
	Sig   string        `json:"sig,omitempty"`
}

// office.json and ack.json are signed over their own content, not over the reader's idea
// of it: the signature covers the object as written, every member in the order written,
// without the top-level "sig" member and without the spaces between the tokens (Go's
// json.Marshal of the object, which is what the writer signs). A reader that does not
// know a member a newer program added still checks the signature over it, and ignores
// it; a reader that rebuilt the object from the fields it knows would drop that member
// and refuse every file of the newer program (as the audit witness in ack.json showed).
// A change that older programs must not ignore raises the format's version instead.

// signJSON marshals v (whose Sig is empty, so that it is left out) and returns the
// signature of those bytes.
func signJSON(key ed25519.PrivateKey, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, b)), nil
}

// signedContent splits a signed JSON object into what its signature covers (see above)
// and the signature ("" when there is none). Anything but one JSON object, or one with
// the signature twice, is malformed: bad.
func signedContent(b []byte, bad Reason) (content []byte, sig string, err error) {
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return nil, "", fail(bad, "%v", err)
	}
	cb := c.Bytes()
	if len(cb) == 0 || cb[0] != '{' {
		return nil, "", fail(bad, "not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(cb))
	if _, err := dec.Token(); err != nil { // {
		return nil, "", fail(bad, "%v", err)
	}
	out := make([]byte, 0, len(cb))
	out = append(out, '{')
	signed := false
	for dec.More() {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, "", fail(bad, "%v", err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, "", fail(bad, "%v", err)
		}
		member := bytes.TrimPrefix(cb[start:dec.InputOffset()], []byte{','})
		if name == "sig" {
			if signed {
				return nil, "", fail(bad, "signed twice")
			}
			signed = true
			if err := json.Unmarshal(raw, &sig); err != nil {
				return nil, "", fail(ReasonSignature, "signature unreadable")
			}
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, member...)
	}
	return append(out, '}'), sig, nil
}

// verifySigned checks sig (base64) over content with pub.
func verifySigned(pub ed25519.PublicKey, content []byte, sig string) error {
	if sig == "" {
		return fail(ReasonUnsigned, "")
	}
	s, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, content, s) {
		return fail(ReasonSignature, "not signed by the office's key")
	}
	return nil
}

// EncodeOffice writes this office's office.json.
func EncodeOffice(key ed25519.PrivateKey, o OfficeFile) ([]byte, error) {
	pub := key.Public().(ed25519.PublicKey)
	o.Format, o.Version, o.Sig = OfficeFormat, Version, ""
	o.PublicKey, o.Fingerprint = base64.StdEncoding.EncodeToString(pub), Fingerprint(pub)
	sig, err := signJSON(key, o)
	if err != nil {
		return nil, err
	}
	o.Sig = sig
	b, err := json.MarshalIndent(o, "", "  ")
	return append(b, '\n'), err
}

// ParseOffice reads an office.json and checks it is signed with the key it publishes.
func ParseOffice(b []byte) (*OfficeFile, error) {
	if len(b) > maxMetaSize {
		return nil, fail(ReasonTooBig, "%d bytes", len(b))
	}
	content, sig, err := signedContent(b, ReasonBadOffice)
	if err != nil {
		return nil, err
	}
	// Only what the signature covers is read: a second "sig" in another spelling
	// (json matches names regardless of case) is part of the content, never the signature.
	var o OfficeFile
	if err := json.Unmarshal(content, &o); err != nil {
		return nil, fail(ReasonBadOffice, "%v", err)
	}
	if o.Format != OfficeFormat {
		return nil, fail(ReasonBadOffice, "format %q", o.Format)
	}
	if o.Version != Version {
		return nil, fail(ReasonVersion, "version %d", o.Version)
	}
	pub := o.Key()
	if !validCode(o.Code) || pub == nil || o.Fingerprint != Fingerprint(pub) {
		return nil, fail(ReasonBadOffice, "code, key or fingerprint")
	}
	if err := verifySigned(pub, content, sig); err != nil {
		return nil, err
	}
	o.Sig = sig
	return &o, nil
}

// EncodeAck writes an office's ack.json.
func EncodeAck(key ed25519.PrivateKey, a AckFile) ([]byte, error) {
	a.Format, a.Version, a.Sig = AckFormat, Version, ""
	sig, err := signJSON(key, a)
	if err != nil {
		return nil, err
	}
	a.Sig = sig
	b, err := json.MarshalIndent(a, "", "  ")
	return append(b, '\n'), err
}

// ParseAck reads an ack.json and checks its signature with the office's trusted key.
func ParseAck(b []byte, pub ed25519.PublicKey) (*AckFile, error) {
	if len(b) > maxMetaSize {
		return nil, fail(ReasonTooBig, "%d bytes", len(b))
	}
	content, sig, err := signedContent(b, ReasonMalformed)
	if err != nil {
		return nil, err
	}
	var a AckFile
	if err := json.Unmarshal(content, &a); err != nil {
		return nil, fail(ReasonMalformed, "%v", err)
	}
	if a.Format != AckFormat {
		return nil, fail(ReasonMalformed, "format %q", a.Format)
	}
	if a.Version != Version {
		return nil, fail(ReasonVersion, "version %d", a.Version)
	}
	if err := verifySigned(pub, content, sig); err != nil {
		return nil, err
	}
	a.Sig = sig
	return &a, nil
}

// classify sorts a name found in an office's folder.
type kind int

const (
	kindIgnore   kind = iota // not the exchange's, harmless (system files, sub-folders)
	kindOffice               // office.json
	kindAck                  // ack.json
	kindOps                  // an operations file
	kindSnapshot             // a snapshot of every office's operations
	kindBase                 // an office's base: its own operations, compacted
	kindTemp                 // being written or copied
	kindConflict             // a synchronisation program's conflict copy
	kindUnknown              // some other file
)

func classify(name string) kind {
	low := strings.ToLower(name)
	switch {
	case name == OfficeFileName:
		return kindOffice
	case name == AckFileName:
		return kindAck
	case strings.Contains(low, ".sync-conflict-") || strings.Contains(low, "conflicted copy") || strings.Contains(low, "conflict copy"):
		return kindConflict
	case strings.HasPrefix(name, TempPrefix) || strings.HasPrefix(name, ".syncthing.") && strings.HasSuffix(name, ".tmp") ||
		strings.HasPrefix(name, "~syncthing~") || strings.HasSuffix(low, ".partial") || strings.HasPrefix(name, "~$"):
		return kindTemp
	case namePattern.MatchString(name):
		return kindOps
	case snapshotPattern.MatchString(name):
		return kindSnapshot
	case basePattern.MatchString(name):
		return kindBase
	case low == "thumbs.db" || low == "desktop.ini" || low == ".ds_store" || strings.HasPrefix(name, "._") || low == ".stfolder" || low == ".stignore":
		return kindIgnore
	}
	return kindUnknown
}
