package exchange

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// signAsWriter writes a signed JSON file the way every version of the program does:
// v marshalled without its signature is what is signed, then the file is v indented with
// the signature as its last member. v is a struct of the writer's own fields, which may
// be more than this program knows.
func signAsWriter(t testing.TB, key ed25519.PrivateKey, v any, withSig func(sig string) any) []byte {
	t.Helper()
	sig, err := signJSON(key, v)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(withSig(sig), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// newerAck is ack.json as a later version might write it: a member this program does not
// know between the known ones, and one after the audit witness.
type newerAck struct {
	Format    string           `json:"format"`
	Version   int              `json:"version"`
	Office    string           `json:"office"`
	Mailbox   map[string]int64 `json:"mailbox_high_water"`
	HighWater map[string]int64 `json:"high_water"`
	Audit     *AuditWitness    `json:"audit,omitempty"`
	Clock     string           `json:"clock_source"`
	At        string           `json:"at"`
	Sig       string           `json:"sig,omitempty"`
}

// olderAck is ack.json as the programs before the audit witness wrote it.
type olderAck struct {
	Format    string           `json:"format"`
	Version   int              `json:"version"`
	Office    string           `json:"office"`
	HighWater map[string]int64 `json:"high_water"`
	At        string           `json:"at"`
	Sig       string           `json:"sig,omitempty"`
}

// TestAckOfANewerProgram: an ack.json with members this program does not know, signed by
// its writer over all of them, is accepted and read for what it knows; any change to a
// member, known or not, is refused. Before, the signature was checked over the object
// rebuilt from the known fields, so every such ack was refused as forged.
func TestAckOfANewerProgram(t *testing.T) {
	key := testKey(t)
	pub := key.Public().(ed25519.PublicKey)
	w := newerAck{Format: AckFormat, Version: Version, Office: "BZ", Mailbox: map[string]int64{"pec": 12},
		HighWater: map[string]int64{"BZ": 3, "ME": 9}, Audit: &AuditWitness{Seq: 40, Head: "ab12", At: "2026-06-15T10:00:00.000Z", Sig: []byte{1, 2, 3}},
		Clock: "ntp", At: "2026-06-15T10:00:00.000Z"}
	b := signAsWriter(t, key, w, func(sig string) any { w := w; w.Sig = sig; return w })
	a, err := ParseAck(b, pub)
	if err != nil {
		t.Fatalf("an ack with members this program does not know is refused: %v\n%s", err, b)
	}
	if a.Office != "BZ" || a.HighWater["ME"] != 9 || a.Audit == nil || a.Audit.Seq != 40 || a.At != w.At {
		t.Fatalf("read wrong: %+v", a)
	}
	for name, changed := range map[string][]byte{
		"unknown member":      bytes.Replace(b, []byte(`"ntp"`), []byte(`"gps"`), 1),
		"unknown map":         bytes.Replace(b, []byte(`"pec": 12`), []byte(`"pec": 13`), 1),
		"known member":        bytes.Replace(b, []byte(`"ME": 9`), []byte(`"ME": 99`), 1),
		"member added":        bytes.Replace(b, []byte(`"clock_source"`), []byte(`"extra": 1, "clock_source"`), 1),
		"member removed":      bytes.Replace(b, []byte(`"clock_source": "ntp",`), nil, 1),
		"case of a name":      bytes.Replace(b, []byte(`"office"`), []byte(`"Office"`), 1),
		"second signature":    bytes.Replace(b, []byte(`"at": "2026`), []byte(`"Sig": "AAAA", "at": "2026`), 1),
		"audit head replaced": bytes.Replace(b, []byte(`"ab12"`), []byte(`"cd34"`), 1),
	} {
		if bytes.Equal(changed, b) {
			t.Fatalf("%s: the test changed nothing", name)
		}
		if _, err := ParseAck(changed, pub); ReasonOf(err) != ReasonSignature {
			t.Errorf("%s: %v, want refused for its signature", name, err)
		}
	}
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
	if _, err := ParseAck(b, other.Public().(ed25519.PublicKey)); ReasonOf(err) != ReasonSignature {
		t.Errorf("another office's key: %v", err)
	}

	// Spaces and line ends are not content: a copy re-indented by some tool is the same.
	var flat bytes.Buffer
	if err := json.Compact(&flat, b); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseAck(flat.Bytes(), pub); err != nil {
		t.Errorf("the same ack without spaces: %v", err)
	}
	// The signature is a member like the others: where it stands does not matter, that it
	// stands twice does.
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, mustMarshal(t, w)))
	moved := bytes.Replace(flat.Bytes(), []byte(`{"format"`), []byte(`{"sig":"`+sig+`","format"`), 1)
	moved = bytes.Replace(moved, []byte(`,"sig":"`+sig+`"}`), []byte(`}`), 1)
	if _, err := ParseAck(moved, pub); err != nil {
		t.Errorf("the signature first: %v\n%s", err, moved)
	}
	twice := bytes.Replace(flat.Bytes(), []byte(`{"format"`), []byte(`{"sig":"`+sig+`","format"`), 1)
	if _, err := ParseAck(twice, pub); ReasonOf(err) != ReasonMalformed {
		t.Errorf("signed twice: %v", err)
	}
	unsigned := bytes.Replace(flat.Bytes(), []byte(`,"sig":"`+sig+`"`), nil, 1)
	if _, err := ParseAck(unsigned, pub); ReasonOf(err) != ReasonUnsigned {
		t.Errorf("without a signature: %v", err)
	}
	for _, junk := range []string{`[1,2]`, `"ack"`, `{"format":"ascolto-ack"} {}`, `{"sig":7}`, ``, `{`} {
		if _, err := ParseAck([]byte(junk), pub); err == nil || ReasonOf(err) == "" {
			t.Errorf("%q: %v", junk, err)
		}
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAckOfTheOlderFormat: acks written before the audit witness, and those this program
// writes, are read.
func TestAckOfTheOlderFormat(t *testing.T) {
	key := testKey(t)
	pub := key.Public().(ed25519.PublicKey)
	o := olderAck{Format: AckFormat, Version: Version, Office: "ME", HighWater: map[string]int64{"BZ": 1200, "ME": 80}, At: "2026-06-15T10:00:00.000Z"}
	b := signAsWriter(t, key, o, func(sig string) any { o := o; o.Sig = sig; return o })
	a, err := ParseAck(b, pub)
	if err != nil || a.HighWater["BZ"] != 1200 || a.Audit != nil {
		t.Fatalf("an ack of the older format: %+v %v", a, err)
	}
	if _, err := ParseAck(bytes.Replace(b, []byte("1200"), []byte("1201"), 1), pub); ReasonOf(err) != ReasonSignature {
		t.Errorf("changed older ack: %v", err)
	}
	cur, err := EncodeAck(key, AckFile{Office: "ME", HighWater: map[string]int64{"BZ": 5},
		Audit: &AuditWitness{Seq: 2, Head: "00ff", At: "2026-06-15T10:00:00.000Z", Sig: []byte("x")}, At: "2026-06-15T10:00:00.000Z"})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := ParseAck(cur, pub); err != nil || a.Audit == nil || a.Audit.Head != "00ff" || a.Sig == "" {
		t.Fatalf("this program's ack: %+v %v", a, err)
	}
}

// newerOffice is office.json with a member this program does not know.
type newerOffice struct {
	OfficeFile
	Mail string `json:"mail"`
}

// TestOfficeOfANewerProgram: office.json is signed the same way, with the same rule.
func TestOfficeOfANewerProgram(t *testing.T) {
	key := testKey(t)
	pub := key.Public().(ed25519.PublicKey)
	o := newerOffice{OfficeFile: OfficeFile{Format: OfficeFormat, Version: Version, Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano",
		NameDE: "Arbeitsvermittlungszentrum Bozen", PublicKey: base64.StdEncoding.EncodeToString(pub), Fingerprint: Fingerprint(pub),
		Created: "2026-06-15T10:00:00.000Z"}, Mail: "amt@pec.example"}
	b := signAsWriter(t, key, o, func(sig string) any { o := o; o.Sig = sig; return o })
	got, err := ParseOffice(b)
	if err != nil || got.Code != "BZ" || !got.Key().Equal(pub) {
		t.Fatalf("office.json with a member this program does not know: %+v %v\n%s", got, err, b)
	}
	if _, err := ParseOffice(bytes.Replace(b, []byte("amt@pec"), []byte("xyz@pec"), 1)); ReasonOf(err) != ReasonSignature {
		t.Errorf("changed unknown member: %v", err)
	}
	if _, err := ParseOffice([]byte(`{"format":"ascolto-office","sig":"a","sig":"b"}`)); ReasonOf(err) != ReasonBadOffice {
		t.Errorf("signed twice: %v", err)
	}
}

// FuzzSignedJSON: nothing on the share makes ParseAck or ParseOffice panic or return an
// error without a reason, and no change to a signed ack that is still accepted changes
// what it says (only the writer's key can say something else).
// go test -run=^$ -fuzz=FuzzSignedJSON -fuzztime=60s ./data/exchange/
func FuzzSignedJSON(f *testing.F) {
	key := testKey(f)
	pub := key.Public().(ed25519.PublicKey)
	good, err := EncodeAck(key, AckFile{Office: "BZ", HighWater: map[string]int64{"BZ": 3, "ME": 9},
		Audit: &AuditWitness{Seq: 4, Head: "ab", At: "2026-06-15T10:00:00.000Z", Sig: []byte{9}}, At: "2026-06-15T10:00:00.000Z"})
	if err != nil {
		f.Fatal(err)
	}
	want, err := ParseAck(good, pub)
	if err != nil {
		f.Fatal(err)
	}
	office, err := EncodeOffice(key, OfficeFile{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"})
	if err != nil {
		f.Fatal(err)
	}
	var flat bytes.Buffer
	json.Compact(&flat, good)
	f.Add(good)
	f.Add(flat.Bytes())
	f.Add(office)
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"format":"ascolto-ack","version":1,"sig":"","sig":"x"}`))
	f.Add([]byte(`{"a":{"sig":"x"},"sig":"\u0041"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseOffice(b)
		a, err := ParseAck(b, pub)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		got, _ := json.Marshal(AckFile{Office: a.Office, HighWater: a.HighWater, Audit: a.Audit, At: a.At})
		exp, _ := json.Marshal(AckFile{Office: want.Office, HighWater: want.HighWater, Audit: want.Audit, At: want.At})
		if !bytes.Equal(got, exp) {
			t.Fatalf("a changed ack was accepted: %s\nsays %s", b, got)
		}
	})
}
