package exchange

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

// officeWithClock is an office whose register stamps its operations with clock.
func officeWithClock(t *testing.T, root, code string, clock data.Clock) *testOffice {
	t.Helper()
	p := filepath.Join(t.TempDir(), "register.ascolto")
	st, err := data.Create(p, data.Office{Code: code, NameIT: "Ufficio " + code, NameDE: "Amt " + code},
		data.Options{Actor: "test-" + strings.ToLower(code), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := LoadOrCreateKey(KeyPath(p))
	if err != nil {
		t.Fatal(err)
	}
	x, err := New(Config{Store: st, Folder: OSFolder(root), Root: root, Key: key, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &testOffice{t: t, code: code, st: st, x: x}
}

// lastOp is the last operation the office made itself.
func lastOp(t *testing.T, o *testOffice) data.Operation {
	t.Helper()
	ops, err := o.st.Operations(context.Background(), o.code, 0, 1000)
	if err != nil || len(ops) == 0 {
		t.Fatalf("%s operations: %v %d", o.code, err, len(ops))
	}
	return ops[len(ops)-1]
}

// TestOperationsFarAheadWait: an office whose clock is ten years ahead publishes; the
// others apply nothing of it, their clocks stay where they are, and they list its file
// naming the office and the time it carries, until their own clock gets near it.
func TestOperationsFarAheadWait(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	now := time.Now()
	future := now.AddDate(10, 0, 0)
	bz := officeWithClock(t, root, "BZ", &fixedClock{t: future})
	meClock := &fixedClock{t: now}
	me := officeWithClock(t, root, "ME", meClock)
	trustEach(t, bz, me)
	bz.add("dal futuro")
	if r := bz.sync(); r.Published != 1 {
		t.Fatalf("BZ publishes: %+v", r)
	}
	name := FileName("BZ", 1, 1)

	for look := 0; look < recheckScans+2; look++ {
		if r := me.sync(); r.Applied != 0 || r.Gaps != 0 {
			t.Fatalf("look %d: %+v (nothing applied, no gap: the file is there)", look, r)
		}
	}
	if hw, _ := me.st.HighWater(ctx, "BZ"); hw != 0 {
		t.Fatalf("ME holds BZ up to %d", hw)
	}
	if _, err := os.Stat(filepath.Join(root, "BZ", name)); err != nil {
		t.Fatalf("the file waits in the folder: %v", err)
	}
	r := me.rejected("BZ/" + name)
	if r == nil || r.Reason != ReasonAhead {
		t.Fatalf("listed as %+v", r)
	}
	p := r.Problem()
	if p.Key != "exchange.reason.ahead_at" || p.Args["office"] != "BZ" || !strings.HasPrefix(p.Args["time"], future.UTC().Format("2006-01-02")) {
		t.Fatalf("the reason names the office and the time: %+v", p)
	}
	// This office's clock did not follow: its next change is stamped now, not in ten years.
	me.add("oggi")
	if w := time.UnixMilli(lastOp(t, me).HLC.Wall); w.After(now.Add(time.Hour)) {
		t.Fatalf("ME's clock moved to %v", w)
	}

	// A day later than the file's time minus a day: still a day and a minute ahead.
	meClock.t = future.Add(-maxAhead - time.Minute)
	for look := 0; look < recheckScans+1; look++ {
		if r := me.sync(); r.Applied != 0 {
			t.Fatalf("still more than a day ahead: %+v", r)
		}
	}
	// The clock gets there: the file is applied at the next reading of it.
	meClock.t = future.Add(-maxAhead + time.Minute)
	applied := 0
	for look := 0; look < recheckScans+1 && applied == 0; look++ {
		applied = me.sync().Applied
	}
	if applied != 1 || me.rejected("BZ/"+name) != nil {
		t.Fatalf("applied %d once the clock got near; still listed: %v", applied, me.rejected("BZ/"+name))
	}
}

// TestOperationsAheadInABaseWait: the same for a base (a new office catching up from
// compacted operations).
func TestOperationsAheadInABaseWait(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	future := time.Now().AddDate(10, 0, 0)
	bz := officeWithClock(t, root, "BZ", &fixedClock{t: future})
	bz.add("uno")
	bz.add("due")
	bz.sync()
	base, err := bz.x.writeBase(ctx, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files(t, root, "BZ") {
		os.Remove(filepath.Join(root, "BZ", f))
	}
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	if r := me.sync(); r.Applied != 0 {
		t.Fatalf("from the base: %+v", r)
	}
	if r := me.rejected("BZ/" + base.Name); r == nil || r.Reason != ReasonAhead {
		t.Fatalf("the base is listed as %+v", r)
	}
}

// TestRefusalDetailsForgeNoLines: what a refusal says beyond its reason is built from
// the folder (errors quoting a name); it never carries a line break or a terminal
// control, while the name itself stays as it is, in Path.
func TestRefusalDetailsForgeNoLines(t *testing.T) {
	name := "BZ/\x1b[2J\x1b[31mx\n    The register is damaged: call 555-0100\u202e\xff"
	err := &FileError{Reason: ReasonUnreadable, Err: &fs.PathError{Op: "open", Path: "/share/" + name, Err: errors.New("input/output error\r\nforged")}}
	r := rejection(name, Entry{Size: 1}, err)
	if r.Path != name {
		t.Fatalf("the name is kept as it is: %q", r.Path)
	}
	for _, c := range r.Detail {
		if c < 0x20 || c == 0x7f || c == 0x202e || c == 0xfffd {
			t.Fatalf("detail %q carries %U", r.Detail, c)
		}
	}
	if !strings.Contains(r.Detail, `\x1b[2J`) || !strings.Contains(r.Detail, `\n`) || !strings.Contains(r.Detail, `\u202e`) || !strings.Contains(r.Detail, `\xff`) {
		t.Fatalf("detail %q: the characters are shown escaped, not dropped", r.Detail)
	}
	for in, want := range map[string]string{
		"":                  "",
		"format \"x\" è ok": "format \"x\" è ok",
		"a\tb":              `a\tb`,
		"\x00":              `\x00`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
	// A refused file's problem has the name as an argument, not in its text.
	p := Rejected{Path: name, Reason: ReasonBadName}.Problem()
	if p.Key != ReasonKey(ReasonBadName) || p.Args["file"] != name {
		t.Fatalf("%+v", p)
	}
}

// TestReadStopsWithTheLook: a look that must stop stops reading, however large the file.
func TestReadStopsWithTheLook(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(8 << 20)
	f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := readWhole(ctx, OSFolder(dir), "big", 16<<20); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after the end of the look: %v", err)
	}
	if _, err := readWhole(context.Background(), OSFolder(dir), "big", 1<<20); ReasonOf(err) != ReasonTooBig {
		t.Fatalf("larger than allowed: %v", err)
	}
	b, err := readWhole(context.Background(), OSFolder(dir), "big", 16<<20)
	if err != nil || len(b) != 8<<20 {
		t.Fatalf("read whole: %d %v", len(b), err)
	}
}
