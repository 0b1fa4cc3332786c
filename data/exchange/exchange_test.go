package exchange

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"ascolto/data"
)

func TestTrustAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	if err := bz.x.Join(ctx); err != nil { // again: nothing changes
		t.Fatal(err)
	}
	offs, err := bz.x.Offices(ctx)
	if err != nil || len(offs) != 2 || offs[0].Code != "BZ" || !offs[0].Trusted || offs[1].Code != "ME" || offs[1].Trusted {
		t.Fatalf("roster: %+v %v", offs, err)
	}
	if offs[1].Fingerprint != Fingerprint(me.x.pub) || offs[1].NameDE != "Arbeitsvermittlungszentrum Meran" {
		t.Fatalf("ME as seen by BZ: %+v", offs[1])
	}
	err = bz.x.Trust(ctx, "ME", Fingerprint(bz.x.pub))
	if p, ok := data.AsProblem(err); !ok || p.Key != "exchange.wrong_fingerprint" {
		t.Fatalf("wrong fingerprint: %v", err)
	}
	if offs, _ := bz.x.Offices(ctx); offs[1].Trusted {
		t.Fatal("a wrong fingerprint trusted the office")
	}
	if err := bz.x.Trust(ctx, "XX", "AAAA"); err == nil {
		t.Fatal("an office that never published its key was trusted")
	}
	trustEach(t, bz, me)
	known, _ := bz.st.Offices()
	if len(known) != 2 || known[1].Code != "ME" {
		t.Fatalf("ME is not among BZ's offices: %+v", known)
	}

	a := bz.add("Richiesta certificato")
	bz.add("Beschwerde Wartezeit")
	r := bz.sync()
	if r.Published != 2 || r.Files != 1 {
		t.Fatalf("publish: %+v", r)
	}
	if got := files(t, root, "BZ"); len(got) != 1 || got[0] != "BZ-000000000001-000000000002.ascx" {
		t.Fatalf("BZ's folder: %v", got)
	}
	r = me.sync()
	if r.Applied != 2 || r.AppliedFiles != 1 {
		t.Fatalf("receive: %+v", r)
	}
	c, err := me.st.Get(ctx, a.Number)
	if err != nil || c.Subject != a.Subject || c.Office != "BZ" {
		t.Fatalf("ME has %+v %v", c, err)
	}
	if bz.hash() != me.hash() {
		t.Fatal("registers differ after the exchange")
	}
	select {
	case <-me.x.Changed():
	default:
		t.Fatal("Changed not signalled")
	}
	// Seen twice: nothing changes.
	if r := me.sync(); r.Applied != 0 || r.Rejected != 0 {
		t.Fatalf("second look: %+v", r)
	}
	// ME's change comes back to BZ.
	if _, err := me.st.Assign(ctx, a.Number, "giulia"); err != nil {
		t.Fatal(err)
	}
	me.sync()
	if r := bz.sync(); r.Applied != 1 {
		t.Fatalf("back to BZ: %+v", r)
	}
	if c, _ := bz.st.Get(ctx, a.Number); c.Assignee != "giulia" {
		t.Fatalf("BZ has %+v", c)
	}
	if bz.hash() != me.hash() {
		t.Fatal("registers differ")
	}
	st := bz.status()
	if !st.Reachable || st.Unpublished != 0 || len(st.Rejected) != 0 || len(st.Gaps) != 0 || len(st.Offices) != 2 || st.Offices[1].HighWater != 1 {
		t.Fatalf("status: %+v", st)
	}
}

func TestGapWaitsThenFills(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	bz.add("uno")
	bz.add("due")
	bz.sync()
	bz.add("tre")
	bz.sync()
	first := filepath.Join(root, "BZ", "BZ-000000000001-000000000002.ascx")
	aside := filepath.Join(t.TempDir(), "aside")
	if err := os.Rename(first, aside); err != nil {
		t.Fatal(err)
	}
	if r := me.sync(); r.Applied != 0 || r.Gaps != 1 {
		t.Fatalf("with a gap: %+v", r)
	}
	st := me.status()
	if len(st.Gaps) != 1 || st.Gaps[0].Origin != "BZ" || st.Gaps[0].Want != 1 || st.Gaps[0].Next != 3 {
		t.Fatalf("gaps: %+v", st.Gaps)
	}
	if st.Offices[0].Code != "ME" || st.Offices[1].Pending != 3 {
		t.Fatalf("pending: %+v", st.Offices)
	}
	// BZ notices its file is gone and writes it again, the same.
	bz.sync()
	if !equalFiles(t, first, aside) {
		t.Fatal("the file written again differs")
	}
	if r := me.sync(); r.Applied != 3 || r.Gaps != 0 {
		t.Fatalf("gap filled: %+v", r)
	}
	if me.count() != 3 || bz.hash() != me.hash() {
		t.Fatal("registers differ")
	}
}

func equalFiles(t *testing.T, a, b string) bool {
	return string(readFile(t, a)) == string(readFile(t, b))
}

func TestForkAlarm(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	c := bz.add("uno")
	bz.add("due")
	bz.sync()
	me.sync()
	before := me.hash()
	// BZ's key signs other content for sequence 1 (a register restored from an old
	// backup that went on working, say).
	ops, err := bz.st.Operations(ctx, "BZ", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ops[0].HLC.Logical += 7
	ops[0].Fields["subject"] = "altro"
	b, err := Encode(bz.x.key, Header{Origin: "BZ"}, ops)
	if err != nil {
		t.Fatal(err)
	}
	forged := filepath.Join(root, "BZ", FileName("BZ", 1, 1))
	writeFile(t, forged, b)
	r := me.sync()
	if r.Forks != 1 || r.Applied != 0 {
		t.Fatalf("fork: %+v", r)
	}
	st := me.status()
	if len(st.Forks) != 1 || st.Forks[0].Path != "BZ/"+FileName("BZ", 1, 1) || st.Forks[0].Reason != ReasonFork {
		t.Fatalf("alarms: %+v", st.Forks)
	}
	if me.hash() != before {
		t.Fatal("a fork changed the register")
	}
	if got, _ := me.st.Get(ctx, c.Number); got.Subject != "uno" {
		t.Fatalf("case: %+v", got)
	}
	if _, err := os.Stat(forged); err != nil {
		t.Fatal("the forked file was removed")
	}
}

// TestBadFiles puts every kind of bad file where a good one belongs: none is applied,
// none is removed, each is listed with its reason; a file still being copied is taken
// once it is whole.
func TestBadFiles(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	bz.add("uno")
	bz.add("due")
	ops, err := bz.st.Operations(ctx, "BZ", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	good, err := Encode(bz.x.key, Header{Origin: "BZ"}, ops)
	if err != nil {
		t.Fatal(err)
	}
	name := FileName("BZ", 1, 2)
	at := filepath.Join(root, "BZ", name)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/3] ^= 0x20
	_, stranger, _ := ed25519GenerateKey()
	forged, _ := Encode(stranger, Header{Origin: "BZ"}, ops)
	unsigned := unsignedCopy(t, good)
	cases := []struct {
		name   string
		path   string // relative to root
		b      []byte
		reason Reason // "" = ignored silently
	}{
		{"truncated", "BZ/" + name, good[:len(good)-40], ReasonTruncated},
		{"bit flipped", "BZ/" + name, flipped, ReasonHash},
		{"forged", "BZ/" + name, forged, ReasonSignature},
		{"unsigned", "BZ/" + name, unsigned, ReasonUnsigned},
		{"half written", "BZ/.tmp-1234-" + name, good[:100], ""},
		{"syncthing temp", "BZ/.syncthing." + name + ".tmp", good, ""},
		{"syncthing temp 2", "BZ/~syncthing~" + name + ".tmp", good, ""},
		{"conflict copy", "BZ/BZ-000000000001-000000000002.sync-conflict-20260615-101010-ABCDEF.ascx", good, ReasonConflictCopy},
		{"conflicted copy", "BZ/BZ-000000000001-000000000002 (conflicted copy).ascx", good, ReasonConflictCopy},
		{"wrong folder", "ME/" + name, good, ReasonWrongFolder},
		{"strange name", "BZ/notes.txt", []byte("hello"), ReasonBadName},
		{"name and content differ", "BZ/" + FileName("BZ", 1, 3), good, ReasonBadName},
		{"unknown office", "ZZ/" + FileName("ZZ", 1, 2), good, ReasonUnknownOffice},
	}
	for _, c := range cases {
		p := filepath.Join(root, filepath.FromSlash(c.path))
		os.MkdirAll(filepath.Dir(p), 0o755)
		writeFile(t, p, c.b)
		me.sync()
		if me.count() != 0 {
			t.Fatalf("%s: applied", c.name)
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: removed", c.name)
		}
		r := me.rejected(c.path)
		switch {
		case c.reason == "" && r != nil:
			t.Fatalf("%s: listed %+v", c.name, r)
		case c.reason != "" && (r == nil || r.Reason != c.reason || r.Size != int64(len(c.b))):
			t.Fatalf("%s: listed %+v, want %s", c.name, r, c.reason)
		}
		os.Remove(p)
	}
	// Too big: refused from its size, never read.
	big := filepath.Join(root, "BZ", name)
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	me.sync()
	if r := me.rejected("BZ/" + name); r == nil || r.Reason != ReasonTooBig {
		t.Fatalf("too big: %+v", r)
	}
	// Still being copied, then whole: applied, and off the list.
	writeFile(t, at, good[:len(good)/2])
	me.sync()
	if r := me.rejected("BZ/" + name); r == nil || r.Reason != ReasonTruncated {
		t.Fatalf("half copied: %+v", r)
	}
	writeFile(t, at, good)
	if r := me.sync(); r.Applied != 2 {
		t.Fatalf("whole: %+v", r)
	}
	if len(me.status().Rejected) != 0 {
		t.Fatalf("still listed: %+v", me.status().Rejected)
	}
}

func TestUntrustedOfficeIgnored(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	me.x.Offices(context.Background())
	bz.add("uno")
	bz.sync()
	r := me.sync()
	if r.Applied != 0 || me.count() != 0 {
		t.Fatalf("untrusted applied: %+v", r)
	}
	if rj := me.rejected("BZ/" + FileName("BZ", 1, 1)); rj == nil || rj.Reason != ReasonUntrusted {
		t.Fatalf("untrusted file listed as %+v", rj)
	}
	trustEach(t, me, bz)
	if r := me.sync(); r.Applied != 1 || r.Rejected != 0 {
		t.Fatalf("after trust: %+v", r)
	}
}

func TestAcksAndCompaction(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ", func(c *Config) { c.CompactFiles = 2 })
	me, bx := newTestOffice(t, root, "ME"), newTestOffice(t, root, "BX")
	trustEach(t, bz, me, bx)
	bz.add("uno")
	bz.sync()
	bz.add("due")
	bz.sync()
	me.add("eins")
	me.sync()
	if got := files(t, root, "BZ"); len(got) != 2 {
		t.Fatalf("BZ files: %v", got)
	}
	me.sync() // ME has BZ's two files and says so
	if r := bz.sync(); r.Removed != 0 || len(files(t, root, "BZ")) != 2 {
		t.Fatalf("removed before BX has them: %+v", r)
	}
	bx.sync()
	if r := bz.sync(); r.Removed != 2 || len(files(t, root, "BZ")) != 0 {
		t.Fatalf("compaction: %+v %v", r, files(t, root, "BZ"))
	}
	if len(files(t, root, "ME")) != 1 {
		t.Fatal("BZ removed another office's file")
	}
	// Removed files are not written again, and new ones still go out.
	bz.add("tre")
	bz.sync()
	if got := files(t, root, "BZ"); len(got) != 1 || got[0] != FileName("BZ", 3, 3) {
		t.Fatalf("after compaction: %v", got)
	}
	me.sync()
	bx.sync()
	if me.hash() != bx.hash() || me.count() != 4 {
		t.Fatal("registers differ")
	}
	// BZ's first two operations are now only in its base: a newcomer takes them from it.
	if _, err := os.Stat(filepath.Join(root, "BZ", BaseName("BZ", 1, 2))); err != nil {
		t.Fatalf("no base: %v", err)
	}
	eg := newTestOffice(t, root, "EGNA")
	trustEach(t, eg, bz, me, bx)
	if r := eg.sync(); r.Applied != 4 || eg.hash() != me.hash() || len(eg.status().Gaps) != 0 {
		t.Fatalf("newcomer: %+v %+v", r, eg.status())
	}
}

func TestSnapshotBootstrap(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	for _, s := range []string{"uno", "due", "tre"} {
		bz.add(s)
	}
	bz.sync()
	me.add("eins")
	me.add("zwei")
	me.sync()
	bz.sync()
	if err := bz.x.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	// The files are gone (removed once every office had them).
	for _, code := range []string{"BZ", "ME"} {
		for _, f := range files(t, root, code) {
			os.Remove(filepath.Join(root, code, f))
		}
	}
	bz.add("quattro") // after the snapshot: comes as a file
	bz.sync()
	bx := newTestOffice(t, root, "BX")
	trustEach(t, bx, bz, me)
	r := bx.sync()
	if r.Applied != 6 || bx.count() != 6 {
		t.Fatalf("bootstrap: %+v, %d cases", r, bx.count())
	}
	if bx.hash() != bz.hash() || len(bx.status().Rejected) != 0 || len(bx.status().Gaps) != 0 {
		t.Fatalf("after bootstrap: %+v", bx.status())
	}
	me.add("drei")
	me.sync()
	if r := bx.sync(); r.Applied != 1 {
		t.Fatalf("after the snapshot: %+v", r)
	}
}

func TestConcurrentConflictAndResolve(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	c := bz.add("Richiesta")
	bz.sync()
	me.sync()
	a, b := "Richiesta certificato", "Anfrage Bescheinigung"
	if _, err := bz.st.Edit(ctx, c.Number, data.Edit{Subject: &a}); err != nil {
		t.Fatal(err)
	}
	if _, err := me.st.Edit(ctx, c.Number, data.Edit{Subject: &b}); err != nil {
		t.Fatal(err)
	}
	bz.sync()
	me.sync()
	bz.sync()
	x, _ := bz.st.Get(ctx, c.Number)
	y, _ := me.st.Get(ctx, c.Number)
	if x.Subject != y.Subject || bz.hash() != me.hash() {
		t.Fatalf("provisional values differ: %q %q", x.Subject, y.Subject)
	}
	if bz.status().Conflicts != 1 || me.status().Conflicts != 1 {
		t.Fatal("the conflict is not shown in both")
	}
	err := me.st.Update(ctx, func(tx *data.Tx) error {
		_, err := tx.ResolveConflict(c.Number, "subject", a, "deciso al telefono")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	me.sync()
	bz.sync()
	x, _ = bz.st.Get(ctx, c.Number)
	if x.Subject != a || bz.status().Conflicts != 0 || me.status().Conflicts != 0 || bz.hash() != me.hash() {
		t.Fatalf("after the decision: %q, conflicts %d/%d", x.Subject, bz.status().Conflicts, me.status().Conflicts)
	}
}

func TestForward(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	c := bz.add("Corso di tedesco")
	err := bz.st.Update(ctx, func(tx *data.Tx) error { _, err := tx.Forward(c.Number, "ME", "Formazione", "competente"); return err })
	if err != nil {
		t.Fatal(err)
	}
	bz.sync()
	me.sync()
	if got, _ := me.st.Get(ctx, c.Number); got.Office != "ME" || got.Service != "Formazione" {
		t.Fatalf("forwarded case at ME: %+v", got)
	}
}
