package exchange

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ascolto/data"
)

// What the shared folder may hold is not up to this office: anyone who can write on the
// share can put a pipe, a device, a link or gigabytes of junk under an exchange file's
// name, or a validly signed operation stamped years ahead. None of it may stop a look,
// hold much memory or move this office's clock; it is listed, never deleted.
const (
	// ReasonNotRegular: a FIFO, a device, a socket or a symbolic link under an exchange
	// file's name; never opened.
	ReasonNotRegular Reason = "not_regular"
	// ReasonAhead: operations stamped more than maxAhead after this office's clock. The
	// file waits in the folder and is applied once the clock gets there.
	ReasonAhead Reason = "ahead"
)

func init() {
	reasonKeys[ReasonNotRegular] = "exchange.reason.not_regular"
	reasonKeys[ReasonAhead] = "exchange.reason.ahead"
}

// maxAhead is how far ahead of this office's clock a received operation may be stamped.
// Offices' clocks drift by minutes, not days: an operation further ahead comes from a
// clock set wrong, and applying it would carry every office's clock (the hybrid logical
// clock follows the latest reading it has seen) to that date for good.
const maxAhead = 24 * time.Hour

// readChunk is how much is read at a time: between two chunks a look notices that it
// should stop.
const readChunk = 1 << 20

// streamAbove: a signed file larger than this has its trailer, hash and signature checked
// while streaming before it is read into memory, so that junk under an exchange file's
// name costs a read, not its size in memory.
const streamAbove = 1 << 20

// maxTrailer is more than any trailer line (length, SHA-256 and signature: ~170 bytes).
const maxTrailer = 4 << 10

// openLimited opens a file the listing says is not larger than limit, and returns how
// much of it may be read: never more than the listing promised (a file that grew since
// is read as listed, and refused if that is not whole) nor than limit.
func (x *Exchange) openLimited(ctx context.Context, p string, e Entry, limit int64) (Reader, int64, error) {
	if e.Size > limit {
		return nil, 0, fail(ReasonTooBig, "%d bytes", e.Size)
	}
	r, err := x.f.Open(ctx, p, limit)
	if err != nil {
		return nil, 0, readFailed(ctx, err)
	}
	return r, min(r.Size(), e.Size, limit), nil
}

// readFailed sorts out why a file could not be opened or read: gone, refused for what it
// is, the look stopping, or the share refusing (tried again at the next look).
func readFailed(ctx context.Context, err error) error {
	switch {
	case isNotExist(err) || ReasonOf(err) != "":
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return &FileError{Reason: ReasonUnreadable, Err: err}
}

// readAll reads the first n bytes of r a chunk at a time, stopping when ctx ends. A file
// shorter than n gives what it holds (the parser refuses it as cut off).
func readAll(ctx context.Context, r Reader, n int64) ([]byte, error) {
	b := make([]byte, n)
	for off := int64(0); off < n; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, err := r.ReadAt(b[off:min(off+readChunk, n)], off)
		off += int64(k)
		if err == io.EOF {
			return b[:off], nil
		}
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readWhole reads a file of the folder, at most limit bytes (open, read, close).
func readWhole(ctx context.Context, f Folder, p string, limit int64) ([]byte, error) {
	r, err := f.Open(ctx, p, limit)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAll(ctx, r, min(r.Size(), limit))
}

// readSealed reads a signed file (operations, base, snapshot). A large one is first
// checked as it is streamed: its trailer must match its length, its content the
// trailer's SHA-256, and that the signature of pub; only then is it read into memory.
func (x *Exchange) readSealed(ctx context.Context, p string, e Entry, limit int64, pub ed25519.PublicKey) ([]byte, error) {
	r, n, err := x.openLimited(ctx, p, e, limit)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if n > streamAbove {
		if err := checkSealed(ctx, r, n, pub); err != nil {
			return nil, readFailed(ctx, err)
		}
	}
	b, err := readAll(ctx, r, n)
	if err != nil {
		return nil, readFailed(ctx, err)
	}
	return b, nil
}

// checkSealed checks the first n bytes of r as unseal and verifySum do, holding no more
// than a chunk at a time.
func checkSealed(ctx context.Context, r Reader, n int64, pub ed25519.PublicKey) error {
	if n <= 0 {
		return fail(ReasonTruncated, "empty")
	}
	tail := make([]byte, min(n, maxTrailer))
	k, err := r.ReadAt(tail, n-int64(len(tail)))
	if k < len(tail) {
		if err == nil || err == io.EOF {
			return fail(ReasonTruncated, "shorter than listed")
		}
		return err
	}
	if tail[len(tail)-1] != '\n' {
		return fail(ReasonTruncated, "no end of line at the end")
	}
	i := bytes.LastIndexByte(tail[:len(tail)-1], '\n')
	if i < 0 {
		return fail(ReasonTruncated, "no trailer")
	}
	dec := json.NewDecoder(bytes.NewReader(tail[i+1 : len(tail)-1]))
	dec.DisallowUnknownFields()
	var t trailer
	if err := dec.Decode(&t); err != nil || dec.More() || len(t.SHA256) != 64 {
		return fail(ReasonTruncated, "no trailer")
	}
	body := n - int64(len(tail)-i-1)
	if t.Length != body {
		return fail(ReasonTruncated, "%d bytes, trailer says %d", body, t.Length)
	}
	if pub == nil {
		return nil
	}
	h := sha256.New()
	buf := make([]byte, readChunk)
	for off := int64(0); off < body; {
		if err := ctx.Err(); err != nil {
			return err
		}
		k, err := r.ReadAt(buf[:min(int64(len(buf)), body-off)], off)
		h.Write(buf[:k])
		off += int64(k)
		if err == io.EOF && off < body {
			return fail(ReasonTruncated, "shorter than listed")
		}
		if err != nil && err != io.EOF {
			return err
		}
	}
	if want, err := hex.DecodeString(t.SHA256); err != nil || !bytes.Equal(want, h.Sum(nil)) {
		return fail(ReasonHash, "content does not match its SHA-256")
	}
	if t.Sig == "" {
		return fail(ReasonUnsigned, "")
	}
	sig, err := base64.StdEncoding.DecodeString(t.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fail(ReasonSignature, "signature unreadable")
	}
	return verifySum(pub, t.SHA256, sig)
}

// aheadOf finds the first operation after hw (those that would be applied) stamped more
// than maxAhead after now.
func aheadOf(ops []data.Operation, hw int64, now time.Time) (data.Operation, bool) {
	limit := now.Add(maxAhead).UnixMilli()
	for _, op := range ops {
		if op.Seq > hw && op.HLC.Wall > limit {
			return op, true
		}
	}
	return data.Operation{}, false
}

// hold lists a file whose operations are stamped too far ahead, and leaves it for a few
// looks: it is read again then, and applied once this office's clock is near enough.
func (x *Exchange) hold(p string, e Entry, op data.Operation, rej map[string]Rejected) {
	at := time.UnixMilli(op.HLC.Wall).UTC()
	r := &Rejected{Path: p, Reason: ReasonAhead, Detail: op.Origin + " " + at.Format(time.RFC3339), Size: e.Size, ModTime: e.ModTime}
	rej[p] = *r
	m := markOf(e)
	m.bad, m.retry = r, x.scans+recheckScans
	x.seen[p] = m
}

// heldAt tells whether an operations file covering seq is held for its clock.
func heldAt(files []candidate, seq int64, rej map[string]Rejected) bool {
	for _, c := range files {
		if c.first <= seq && c.last >= seq && rej[c.path].Reason == ReasonAhead {
			return true
		}
	}
	return false
}

// HeldFor tells, for a file held for its clock, which office's operation is stamped too
// far ahead and the stamp it carries (ok false for any other refusal). The window and
// the command line name the office and write the time as the clerk reads dates.
func (r Rejected) HeldFor() (office string, at time.Time, ok bool) {
	if r.Reason != ReasonAhead {
		return "", time.Time{}, false
	}
	office, stamp, ok := strings.Cut(r.Detail, " ")
	if !ok || !validCode(office) {
		return "", time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, stamp)
	if err != nil {
		return "", time.Time{}, false
	}
	return office, t, true
}

// Problem is the refusal as a person reads it. The file's name is an argument, never
// part of the text, so that whoever shows it can escape it; for a file held for its
// clock, the text names the office and the time it carries.
func (r Rejected) Problem() *data.Problem {
	args := map[string]string{"file": r.Path, "detail": r.Detail}
	if office, at, ok := r.HeldFor(); ok {
		args["office"], args["time"] = office, at.UTC().Format("2006-01-02 15:04 UTC")
		return &data.Problem{Key: "exchange.reason.ahead_at", Args: args}
	}
	return &data.Problem{Key: ReasonKey(r.Reason), Args: args}
}

// printable escapes what could act on a terminal or start a new line (control and
// format characters, invalid UTF-8) the way Go quotes strings, and keeps the rest: the
// details of a refusal are built from what the folder holds (names, errors that quote
// paths), and must never forge a line of a report or colour an administrator's screen.
func printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !strconv.IsPrint(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}
