package exchange

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// TestLargeSignedFileStreamed: a valid signed file over streamAbove passes the check made
// while streaming and is read whole; one changed byte, another key, a cut-off copy or a
// file grown since the listing are refused with the reasons the parser would give.
func TestLargeSignedFileStreamed(t *testing.T) {
	ctx := context.Background()
	_, key, _ := ed25519GenerateKey()
	other, _, _ := ed25519GenerateKey()
	body := make([]byte, streamAbove+streamAbove/2)
	rand.Read(body)
	body[len(body)-1] = '\n'
	b, _, err := seal(key, body)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	x := &Exchange{f: OSFolder(dir)}
	write := func(name string, content []byte) Entry {
		writeFile(t, filepath.Join(dir, name), content)
		return Entry{Name: name, Size: int64(len(content))}
	}
	pub := key.Public().(ed25519.PublicKey)
	e := write("good", b)
	got, err := x.readSealed(ctx, "good", e, MaxSnapshotSize, pub)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("a valid file: %v", err)
	}
	if _, err := x.readSealed(ctx, "good", e, MaxSnapshotSize, other); ReasonOf(err) != ReasonSignature {
		t.Fatalf("another office's key: %v", err)
	}
	flipped := append([]byte(nil), b...)
	flipped[len(flipped)/3] ^= 1
	if _, err := x.readSealed(ctx, "flipped", write("flipped", flipped), MaxSnapshotSize, pub); ReasonOf(err) != ReasonHash {
		t.Fatalf("a changed byte: %v", err)
	}
	if _, err := x.readSealed(ctx, "cut", write("cut", b[:len(b)-100]), MaxSnapshotSize, pub); ReasonOf(err) != ReasonTruncated {
		t.Fatalf("cut off: %v", err)
	}
	// Listed before it grew: read as listed, so what was read is the listed bytes.
	grown := write("grown", b)
	if err := os.WriteFile(filepath.Join(dir, "grown"), append(append([]byte(nil), b...), "more\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := x.readSealed(ctx, "grown", grown, MaxSnapshotSize, pub); err != nil || !bytes.Equal(got, b) {
		t.Fatalf("grown since listed: %v", err)
	}
	if _, err := x.readSealed(ctx, "good", e, int64(len(b))-1, pub); ReasonOf(err) != ReasonTooBig {
		t.Fatalf("over the limit: %v", err)
	}
}

// FuzzCheckSealed: the check made while streaming never refuses what the parser takes
// whole (or a valid large file would never be applied), never accepts what it refuses,
// and never panics.
func FuzzCheckSealed(f *testing.F) {
	_, key, _ := ed25519GenerateKey()
	good, _, _ := seal(key, []byte("{\"format\":\"x\"}\n"))
	f.Add(good)
	f.Add(append(append([]byte(nil), good[:len(good)-1]...), " \n"...))
	f.Add([]byte("\n"))
	f.Add([]byte("x\n{\"length\":2,\"sha256\":\"\",\"sig\":\"\"}\n"))
	f.Add([]byte{})
	pub := key.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := memReader{bytes.NewReader(b)}
		err := checkSealed(context.Background(), r, int64(len(b)), pub)
		body, _, sig, uerr := unseal(b, MaxSnapshotSize)
		sum := sha256.Sum256(body)
		// A trailer line longer than anything the exchange writes (padded with spaces) is
		// beyond what the streamed check looks at: refused, as no office writes it.
		short := len(b) > 0 && len(b)-1-bytes.LastIndexByte(b[:len(b)-1], '\n') < maxTrailer
		if uerr == nil && short && verifySum(pub, hex.EncodeToString(sum[:]), sig) == nil && err != nil {
			t.Fatalf("unseal and the signature accept it, the streamed check refuses it: %v", err)
		}
		if uerr != nil && err == nil {
			t.Fatalf("the streamed check accepts what unseal refuses: %v", uerr)
		}
	})
}
