package exchange

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"ascolto/data"
)

func sampleOps(origin string, first int64, n int) []data.Operation {
	var out []data.Operation
	for i := 0; i < n; i++ {
		out = append(out, data.Operation{Origin: origin, Seq: first + int64(i), HLC: data.HLC{Wall: 1781510400000 + int64(i), Logical: 0},
			CaseID: "0190b3a0-0000-7000-8000-00000000000" + string(rune('0'+i%10)), Action: "create", BaseVersion: 0,
			Deps: map[string]int64{"ME": 4}, Fields: map[string]string{"subject": "Beschwerde über Wartezeiten «è»", "number": "BZ-2026-000001"},
			Actor: "giulia", At: "2026-06-15T10:00:00.000Z", Note: "allo sportello"})
	}
	return out
}

func testKey(t testing.TB) ed25519.PrivateKey {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	return ed25519.NewKeyFromSeed(seed)
}

func TestEncodeParseVerify(t *testing.T) {
	key := testKey(t)
	ops := sampleOps("BZ", 5, 3)
	b, err := Encode(key, Header{Origin: "BZ", Prev: "", Created: "2026-06-15T10:00:00.000Z"}, ops)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.First != 5 || f.Header.Last != 7 || f.Header.Count != 3 || len(f.Ops) != 3 || f.Ops[2].Fields["subject"] != ops[2].Fields["subject"] ||
		f.Ops[0].HLC != ops[0].HLC || f.Ops[0].Deps["ME"] != 4 || f.Ops[1].Note != "allo sportello" {
		t.Fatalf("parsed %+v", f)
	}
	if err := f.Verify(key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	_, other, _ := ed25519GenerateKey()
	if ReasonOf(f.Verify(other.Public().(ed25519.PublicKey))) != ReasonSignature {
		t.Fatal("another key verified")
	}
	for name, bad := range map[Reason][]byte{
		ReasonTruncated: b[:len(b)-10],
		ReasonHash:      bytes.Replace(b, []byte("giulia"), []byte("giulib"), 1),
		ReasonUnsigned:  unsignedCopy(t, b),
		ReasonTooBig:    make([]byte, MaxFileSize+1),
	} {
		if _, err := Parse(bad); ReasonOf(err) != name {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestFileNames(t *testing.T) {
	n := FileName("EGNA", 1, 1000)
	if n != "EGNA-000000000001-000000001000.ascx" {
		t.Fatal(n)
	}
	if o, f, l, ok := parseName(n); !ok || o != "EGNA" || f != 1 || l != 1000 {
		t.Fatal(o, f, l, ok)
	}
	for _, bad := range []string{"EGNA-000000000002-000000000001.ascx", "EGNA-000000000000-000000000001.ascx", "egna-000000000001-000000000001.ascx", "EGNA-1-2.ascx"} {
		if _, _, _, ok := parseName(bad); ok {
			t.Error(bad)
		}
	}
	for name, want := range map[string]kind{
		"office.json": kindOffice, "ack.json": kindAck, n: kindOps, ".tmp-ab12-" + n: kindTemp, ".syncthing." + n + ".tmp": kindTemp,
		"~syncthing~" + n + ".tmp": kindTemp, "EGNA-000000000001-000000001000.sync-conflict-20260101-101010-ABC.ascx": kindConflict,
		"EGNA-000000000001-000000001000 (conflicted copy).ascx": kindConflict, "Thumbs.db": kindIgnore, "notes.txt": kindUnknown,
		"snapshot-20260615T100000.000Z.ascs": kindSnapshot, SnapshotName(1200, "0123456789abcdef"): kindSnapshot,
		BaseName("EGNA", 1, 1000): kindBase, "EGNA-1-1000.ascs": kindUnknown,
	} {
		if got := classify(name); got != want {
			t.Errorf("classify(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestOfficeAndAckFiles(t *testing.T) {
	key := testKey(t)
	pub := key.Public().(ed25519.PublicKey)
	b, err := EncodeOffice(key, OfficeFile{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOffice(b)
	if err != nil || !o.Key().Equal(pub) || o.Fingerprint != Fingerprint(pub) {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := ParseOffice(bytes.Replace(b, []byte("Bozen"), []byte("Meran"), 1)); ReasonOf(err) != ReasonSignature {
		t.Fatalf("changed office.json: %v", err)
	}
	a, err := EncodeAck(key, AckFile{Office: "BZ", HighWater: map[string]int64{"BZ": 3, "ME": 9}, At: "2026-06-15T10:00:00.000Z"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseAck(a, pub)
	if err != nil || got.HighWater["ME"] != 9 {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := ParseAck(bytes.Replace(a, []byte(`"ME": 9`), []byte(`"ME": 99`), 1), pub); ReasonOf(err) != ReasonSignature {
		t.Fatalf("changed ack: %v", err)
	}
}

func TestSnapshotFormat(t *testing.T) {
	key := testKey(t)
	ops := append(sampleOps("ME", 1, 2), sampleOps("BZ", 1, 3)...)
	b, err := EncodeSnapshot(key, SnapshotHeader{Origin: "BZ", Created: "2026-06-15T10:00:00.000Z", HighWater: map[string]int64{"BZ": 3, "ME": 2}}, ops)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Ops) != 5 || s.Ops[0].Origin != "BZ" || s.Ops[4].Origin != "ME" || s.Header.HighWater["BZ"] != 3 {
		t.Fatalf("%+v", s.Header)
	}
	if err := s.Verify(key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if _, err := ParseSnapshot(b); err == nil {
		t.Fatal("a changed snapshot parsed")
	}
}

func TestKeys(t *testing.T) {
	path := KeyPath(filepath.Join(t.TempDir(), "register.ascolto"))
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi.Mode(), err)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !k1.Equal(k2) {
		t.Fatal("the key changed on the second load")
	}
	fp := Fingerprint(k1.Public().(ed25519.PublicKey))
	if !regexp.MustCompile(`^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q", fp)
	}
	if normalFingerprint(" "+fp[:10]+" "+fp[10:]+"\n") != normalFingerprint(fp) {
		t.Fatal("typing spaces matters")
	}
	os.WriteFile(path+"2", []byte("not a key"), 0o600)
	if _, err := LoadOrCreateKey(path + "2"); err == nil {
		t.Fatal("a broken key file was taken (or replaced)")
	}
	if b, _ := os.ReadFile(path + "2"); string(b) != "not a key" {
		t.Fatal("a broken key file was overwritten")
	}
}

// FuzzParse: nothing on the share makes Parse panic (CI runs it briefly:
// go test -run=^$ -fuzz=FuzzParse -fuzztime=10s ./data/exchange/).
func FuzzParse(f *testing.F) {
	key := testKey(f)
	good, err := Encode(key, Header{Origin: "BZ", Created: "2026-06-15T10:00:00.000Z"}, sampleOps("BZ", 1, 3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:len(good)-1])
	flipped := append([]byte(nil), good...)
	flipped[40] ^= 4
	f.Add(flipped)
	f.Add([]byte("\n\n"))
	f.Add([]byte{})
	pub := key.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(file.Ops) != file.Header.Count || file.Header.Last-file.Header.First+1 != int64(len(file.Ops)) {
			t.Fatalf("inconsistent file accepted: %+v", file.Header)
		}
		file.Verify(pub)
		ParseSnapshot(b)
		ParseOffice(b)
		ParseAck(b, pub)
	})
}
