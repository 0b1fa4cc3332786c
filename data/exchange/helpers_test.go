package exchange

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

// testOffice is one office's register and exchange over a real temporary folder.
type testOffice struct {
	t    *testing.T
	code string
	st   *data.Store
	x    *Exchange
}

var officeNames = map[string][2]string{
	"BZ":   {"Centro di mediazione lavoro Bolzano", "Arbeitsvermittlungszentrum Bozen"},
	"ME":   {"Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran"},
	"BX":   {"Centro di mediazione lavoro Bressanone", "Arbeitsvermittlungszentrum Brixen"},
	"EGNA": {"Centro di mediazione lavoro Egna", "Arbeitsvermittlungszentrum Neumarkt"},
}

func newTestOffice(t *testing.T, root, code string, tune ...func(*Config)) *testOffice {
	t.Helper()
	n := officeNames[code]
	if n[0] == "" {
		n = [2]string{"Ufficio " + code, "Amt " + code}
	}
	path := filepath.Join(t.TempDir(), "register.ascolto")
	st, err := data.Create(path, data.Office{Code: code, NameIT: n[0], NameDE: n[1]}, data.Options{Actor: "test-" + strings.ToLower(code)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := LoadOrCreateKey(KeyPath(path))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Folder: OSFolder(root), Root: root, Key: key}
	for _, f := range tune {
		f(&cfg)
	}
	x, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := &testOffice{t: t, code: code, st: st, x: x}
	if err := x.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	return o
}

// trustEach makes every office trust every other by its fingerprint.
func trustEach(t *testing.T, offices ...*testOffice) {
	t.Helper()
	ctx := context.Background()
	for _, a := range offices {
		for _, b := range offices {
			if a == b {
				continue
			}
			if err := a.x.Trust(ctx, b.code, Fingerprint(b.x.pub)); err != nil {
				t.Fatalf("%s trusts %s: %v", a.code, b.code, err)
			}
		}
	}
}

func (o *testOffice) add(subject string) *data.Case {
	o.t.Helper()
	c, err := o.st.Create(context.Background(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: subject})
	if err != nil {
		o.t.Fatal(err)
	}
	return c
}

func (o *testOffice) sync() Report {
	o.t.Helper()
	r, err := o.x.SyncOnce(context.Background())
	if err != nil {
		o.t.Fatalf("%s sync: %v", o.code, err)
	}
	return r
}

func (o *testOffice) status() Status {
	o.t.Helper()
	s, err := o.x.Status(context.Background())
	if err != nil {
		o.t.Fatal(err)
	}
	return s
}

func (o *testOffice) count() int {
	o.t.Helper()
	var n int
	if err := o.st.DB().QueryRow(`SELECT count(*) FROM cases`).Scan(&n); err != nil {
		o.t.Fatal(err)
	}
	return n
}

func (o *testOffice) hash() string {
	o.t.Helper()
	h, err := o.st.CanonicalHash(context.Background())
	if err != nil {
		o.t.Fatal(err)
	}
	return h
}

func (o *testOffice) rejected(path string) *Rejected {
	for _, r := range o.status().Rejected {
		if r.Path == path {
			return &r
		}
	}
	return nil
}

// files lists the operations files of an office folder.
func files(t *testing.T, root, code string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(root, code, "*.ascx"))
	var out []string
	for _, p := range m {
		// Not a file being written (".tmp-…", renamed when whole): Glob's * matches a dot.
		if name := filepath.Base(p); !strings.HasPrefix(name, ".") {
			out = append(out, name)
		}
	}
	return out
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// eventually waits up to d for cond.
func eventually(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

func ed25519GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

// unsignedCopy is a valid file with its signature taken out.
func unsignedCopy(t *testing.T, b []byte) []byte {
	t.Helper()
	i := bytes.LastIndexByte(b[:len(b)-1], '\n')
	var tr trailer
	if err := json.Unmarshal(b[i+1:len(b)-1], &tr); err != nil {
		t.Fatal(err)
	}
	tr.Sig = ""
	tb, _ := json.Marshal(tr)
	return append(append(append([]byte(nil), b[:i+1]...), tb...), '\n')
}
