package exchange

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// randomFile is n random bytes starting with head, with a marker inside that a search
// of a register's bytes finds.
func randomFile(t *testing.T, head, marker string, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	copy(b, head)
	copy(b[n/2:], marker)
	return b
}

func caseFiles(t *testing.T, o *testOffice, caseID string) []data.CaseFile {
	t.Helper()
	fs, err := o.st.CaseFiles(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// blobPath is where an office's file lies in a real folder.
func blobPath(root, code, sha string) string {
	return filepath.Join(root, filepath.FromSlash(filePath(code, sha)))
}

// attachedCase registers a case in o with a reply and one attachment.
func attachedCase(t *testing.T, o *testOffice, content []byte) (*data.Case, *data.Attachment) {
	t.Helper()
	ctx := context.Background()
	c, err := o.st.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelEmail, Subject: "Richiesta con allegato",
		Citizen: data.Citizen{Name: "Ottilie Pfeifhofer", Email: "o.pfeifhofer@example.org", Language: data.German}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := o.st.Attach(ctx, c.Number, "Scansione Pfeifhofer.pdf", "application/pdf", content)
	if err != nil {
		t.Fatal(err)
	}
	return c, a
}

// TestFilesReachTheOtherOffice: an attachment added in BZ is published once by its
// hash in BZ's part of the folder and kept in ME byte for byte, listed with its origin;
// the same file is not published twice.
func TestFilesReachTheOtherOffice(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	content := randomFile(t, "%PDF-1.4\n", "MARKER-PFEIFHOFER", 300<<10)
	c, a := attachedCase(t, bz, content)
	if r := bz.sync(); r.CaseFiles.Published != 1 {
		t.Fatalf("BZ published %+v, want 1 file", r.CaseFiles)
	}
	if got, err := os.ReadFile(blobPath(root, "BZ", a.SHA256)); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the folder does not hold the file by its hash: %v", err)
	}
	if r := me.sync(); r.CaseFiles.Fetched != 1 {
		t.Fatalf("ME fetched %+v, want 1 file", r.CaseFiles)
	}
	fs := caseFiles(t, me, c.ID)
	if len(fs) != 1 || fs[0].State != data.FileArrived || fs[0].Origin != "BZ" || fs[0].SHA256 != a.SHA256 ||
		fs[0].Name != "Scansione Pfeifhofer.pdf" || fs[0].Size != int64(len(content)) {
		t.Fatalf("ME lists %+v", fs)
	}
	got, err := me.st.CaseFileContent(context.Background(), a.SHA256)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("ME's copy differs: %v", err)
	}
	if r := bz.sync(); r.CaseFiles.Published != 0 {
		t.Fatalf("published again: %+v", r.CaseFiles)
	}
	if fs := caseFiles(t, bz, c.ID); len(fs) != 1 || fs[0].Origin != "BZ" || !fs[0].Arrived {
		t.Fatalf("BZ lists %+v", fs)
	}
	// ME's register still passes its own checks with the file it received.
	rep, err := me.st.Verify(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("ME's verify: %+v %v", rep, err)
	}
}

// TestFileArrivingThenRepaired: the manifest comes before the file; while it lacks, ME
// lists the file as arriving (with why), and after FilesPasses looks it is late for the
// administrator. BZ finds its file gone from the folder and writes it again.
func TestFileArrivingThenRepaired(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	me := newTestOffice(t, root, "ME", func(c *Config) { c.FilesPasses = 2 })
	trustEach(t, bz, me)
	content := randomFile(t, "%PDF-1.4\n", "MARKER", 64<<10)
	c, a := attachedCase(t, bz, content)
	bz.sync()
	if err := os.Remove(blobPath(root, "BZ", a.SHA256)); err != nil {
		t.Fatal(err)
	}
	me.sync()
	fs := caseFiles(t, me, c.ID)
	if len(fs) != 1 || fs[0].State != data.FileArriving || fs[0].Arrived || fs[0].Reason != "missing" || fs[0].Passes != 1 {
		t.Fatalf("ME lists %+v", fs)
	}
	if _, err := me.st.CaseFileContent(context.Background(), a.SHA256); err == nil {
		t.Fatal("content of a file that has not arrived")
	}
	st, err := me.x.FilesStatus(context.Background())
	if err != nil || st.Arriving != 1 || len(st.Late) != 0 {
		t.Fatalf("status after one look: %+v %v", st, err)
	}
	me.sync()
	st, _ = me.x.FilesStatus(context.Background())
	if len(st.Late) != 1 || st.Late[0].CaseNumber != c.Number || st.Late[0].SHA256 != a.SHA256 {
		t.Fatalf("late files after two looks: %+v", st.Late)
	}
	if r := bz.sync(); r.CaseFiles.Repaired != 1 {
		t.Fatalf("BZ did not write its lost file again: %+v", r.CaseFiles)
	}
	if r := me.sync(); r.CaseFiles.Fetched != 1 {
		t.Fatalf("ME: %+v", r.CaseFiles)
	}
	if fs := caseFiles(t, me, c.ID); !fs[0].Arrived {
		t.Fatalf("ME lists %+v", fs)
	}
	if st, _ := me.x.FilesStatus(context.Background()); st.Arriving != 0 || len(st.Late) != 0 {
		t.Fatalf("status after arrival: %+v", st)
	}
}

// TestFileWithWrongHashIsRefused: a copy in the folder whose bytes are not the
// manifest's (a flipped bit, same size) is not kept, leaves no temporary file, and the
// good copy is taken at a later look.
func TestFileWithWrongHashIsRefused(t *testing.T) {
	root := t.TempDir()
	tmp := t.TempDir()
	bz := newTestOffice(t, root, "BZ", func(c *Config) { c.FilesCheckEvery = 1 })
	me := newTestOffice(t, root, "ME", func(c *Config) { c.FilesTemp = tmp })
	trustEach(t, bz, me)
	content := randomFile(t, "%PDF-1.4\n", "MARKER", 10<<10)
	c, a := attachedCase(t, bz, content)
	bz.sync()
	p := blobPath(root, "BZ", a.SHA256)
	bad := append([]byte(nil), content...)
	bad[5000] ^= 0x10
	writeFile(t, p, bad)
	r := me.sync()
	if r.CaseFiles.Refused != 1 || r.CaseFiles.Fetched != 0 {
		t.Fatalf("ME: %+v", r.CaseFiles)
	}
	if fs := caseFiles(t, me, c.ID); fs[0].Arrived || fs[0].Reason != "hash" {
		t.Fatalf("ME lists %+v", fs)
	}
	var n int
	me.st.DB().QueryRow(`SELECT count(*) FROM blobs WHERE sha256 = ?`, a.SHA256).Scan(&n)
	if n != 0 {
		t.Fatal("the damaged copy was kept")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// A copy of the wrong size is refused before it is read.
	writeFile(t, p, content[:len(content)-1])
	if r := me.sync(); r.CaseFiles.Fetched != 0 {
		t.Fatalf("a short copy was taken: %+v", r.CaseFiles)
	}
	if fs := caseFiles(t, me, c.ID); fs[0].Reason != "size" {
		t.Fatalf("ME lists %+v", fs)
	}
	bz.sync() // BZ reads its file back and writes it again
	if r := me.sync(); r.CaseFiles.Fetched != 1 {
		t.Fatalf("ME after the repair: %+v", r.CaseFiles)
	}
}

// TestFilesBudget: an office publishes no more than its budget; the file that does not
// fit waits, listed, and goes once the budget allows it.
func TestFilesBudget(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	ctx := context.Background()
	if err := bz.st.Update(ctx, func(tx *data.Tx) error { return tx.SetFileSettings(100<<10, false) }); err != nil {
		t.Fatal(err)
	}
	_, a1 := attachedCase(t, bz, randomFile(t, "%PDF", "ONE", 60<<10))
	_, a2 := attachedCase(t, bz, randomFile(t, "%PDF", "TWO", 60<<10))
	r := bz.sync()
	if r.CaseFiles.Published != 1 || r.CaseFiles.Waiting != 1 {
		t.Fatalf("BZ: %+v", r.CaseFiles)
	}
	st, err := bz.x.FilesStatus(ctx)
	if err != nil || len(st.Waiting) != 1 || st.Waiting[0].SHA256 != a2.SHA256 || st.Waiting[0].Reason != "budget" ||
		st.Published != 60<<10 || st.Budget != 100<<10 {
		t.Fatalf("status: %+v %v", st, err)
	}
	if _, err := os.Stat(blobPath(root, "BZ", a1.SHA256)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(blobPath(root, "BZ", a2.SHA256)); !os.IsNotExist(err) {
		t.Fatal("the file over the budget is in the folder")
	}
	if err := bz.st.Update(ctx, func(tx *data.Tx) error { return tx.SetFileSettings(0, false) }); err != nil {
		t.Fatal(err)
	}
	if r := bz.sync(); r.CaseFiles.Published != 1 || r.CaseFiles.Waiting != 0 {
		t.Fatalf("BZ with no limit: %+v", r.CaseFiles)
	}
	if r := me.sync(); r.CaseFiles.Fetched != 2 {
		t.Fatalf("ME: %+v", r.CaseFiles)
	}
	if err := bz.st.Update(ctx, func(tx *data.Tx) error { return tx.SetFileSettings(-1, false) }); err == nil {
		t.Fatal("a negative budget was taken")
	}
}

// TestNewOfficeTakesOpenCasesFiles: an office joining later takes the files of open
// cases only, unless it asks for all; the files of a case closed before the retention
// cutoff are not put in the folder at all.
func TestNewOfficeTakesOpenCasesFiles(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	ctx := context.Background()
	open, aOpen := attachedCase(t, bz, randomFile(t, "%PDF", "OPEN", 4<<10))
	closed, aClosed := attachedCase(t, bz, randomFile(t, "%PDF", "CLOSED", 4<<10))
	if _, err := bz.st.Reply(ctx, closed.Number, "Erledigt.", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := bz.st.CloseCase(ctx, closed.Number, time.Now()); err != nil {
		t.Fatal(err)
	}
	bz.sync()
	me := newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	me.sync()
	if fs := caseFiles(t, me, open.ID); len(fs) != 1 || !fs[0].Arrived {
		t.Fatalf("open case in ME: %+v", fs)
	}
	if fs := caseFiles(t, me, closed.ID); len(fs) != 1 || fs[0].State != data.FileNotTaken {
		t.Fatalf("closed case in ME: %+v", fs)
	}
	if st, _ := me.x.FilesStatus(ctx); st.Arriving != 0 || len(st.Late) != 0 {
		t.Fatalf("a file not taken is listed as missing: %+v", st)
	}
	if err := me.st.Update(ctx, func(tx *data.Tx) error { return tx.SetFileSettings(data.DefaultFilesBudget, true) }); err != nil {
		t.Fatal(err)
	}
	if r := me.sync(); r.CaseFiles.Fetched != 1 {
		t.Fatalf("ME asking for all: %+v", r.CaseFiles)
	}
	if fs := caseFiles(t, me, closed.ID); !fs[0].Arrived || fs[0].SHA256 != aClosed.SHA256 {
		t.Fatalf("closed case in ME: %+v", fs)
	}
	_ = aOpen

	// Retention: a case closed long ago is not published (again).
	clock := &stepClock{t: time.Now().AddDate(-12, 0, 0)}
	path := filepath.Join(t.TempDir(), "old.ascolto")
	old, err := data.Create(path, data.Office{Code: "BX", NameIT: "Ufficio BX", NameDE: "Amt BX"}, data.Options{Clock: clock, Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	c, err := old.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: "Alt"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Attach(ctx, c.Number, "alt.pdf", "application/pdf", []byte("%PDF old")); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Reply(ctx, c.Number, "Erledigt.", data.Italian, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := old.CloseCase(ctx, c.Number, time.Time{}); err != nil {
		t.Fatal(err)
	}
	recent, err := old.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: "Neu"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Attach(ctx, recent.Number, "neu.pdf", "application/pdf", []byte("%PDF new")); err != nil {
		t.Fatal(err)
	}
	clock.t = time.Now()
	if err := old.Update(ctx, func(tx *data.Tx) error { return tx.SetRetentionYears(10) }); err != nil {
		t.Fatal(err)
	}
	todo, err := old.FilesToPublish(ctx)
	if err != nil || len(todo) != 1 || todo[0].SHA256 != shaOf([]byte("%PDF new")) {
		t.Fatalf("to publish under a 10-year rule: %+v %v", todo, err)
	}
}

type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

// TestFileErasureReachesEveryOffice: erasing the citizen in BZ removes the files from
// ME's register (no byte of them left in its file) and BZ's published copy from the
// folder; the audit trails keep digests only.
func TestFileErasureReachesEveryOffice(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	ctx := context.Background()
	marker := "MARKER-ERASE-7Q2XK9"
	content := randomFile(t, "%PDF-1.4\n", marker, 200<<10)
	c, a := attachedCase(t, bz, content)
	if _, err := bz.st.Reply(ctx, c.Number, "Risposta.", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	bz.sync()
	me.sync()
	if fs := caseFiles(t, me, c.ID); len(fs) != 1 || !fs[0].Arrived {
		t.Fatalf("ME lists %+v", fs)
	}
	if _, err := bz.st.Erase(ctx, []data.Ref{c.Number}, "Richiesta 2026/77"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		bz.sync()
		me.sync()
	}
	if _, err := os.Stat(blobPath(root, "BZ", a.SHA256)); !os.IsNotExist(err) {
		t.Fatalf("the published file is still in the folder: %v", err)
	}
	for _, o := range []*testOffice{bz, me} {
		if fs := caseFiles(t, o, c.ID); len(fs) != 0 {
			t.Errorf("%s still lists %+v", o.code, fs)
		}
		for _, p := range []string{o.st.Path(), o.st.Path() + "-wal"} {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte(marker)) || bytes.Contains(b, []byte("Pfeifhofer.pdf")) {
				t.Errorf("%s %s still holds the file or its name", o.code, filepath.Base(p))
			}
		}
	}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.Contains(p, string(filepath.Separator)+FilesDir+string(filepath.Separator)) {
			t.Errorf("left in the folder: %s", p)
		}
		return nil
	})
}

// TestConcurrentLettersOfOneCase: two offices issue a letter of the same case at the
// same time, both numbered /1; each keeps its own under the number and the other's as
// a file of the case, so both list the same two letters, arrived.
func TestConcurrentLettersOfOneCase(t *testing.T) {
	root := t.TempDir()
	bz, me := newTestOffice(t, root, "BZ"), newTestOffice(t, root, "ME")
	trustEach(t, bz, me)
	ctx := context.Background()
	c, _ := attachedCase(t, bz, []byte("%PDF small"))
	if _, err := bz.st.Reply(ctx, c.Number, "Risposta.", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	bz.sync()
	me.sync()
	issue := func(o *testOffice, pdf string) {
		err := o.st.Update(ctx, func(tx *data.Tx) error {
			_, l, err := tx.DraftLetter(c.Number, data.LetterRequest{})
			if err != nil {
				return err
			}
			if l.Number != c.Number+"/1" {
				t.Errorf("%s numbers the letter %s", o.code, l.Number)
			}
			return tx.KeepLetter(l, []byte(pdf))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	issue(bz, "%PDF letter of BZ")
	issue(me, "%PDF letter of ME")
	for range 2 {
		bz.sync()
		me.sync()
	}
	list := func(o *testOffice) string {
		var out []string
		for _, f := range caseFiles(t, o, c.ID) {
			if !f.Arrived {
				t.Errorf("%s: %+v not arrived", o.code, f)
			}
			if _, err := o.st.CaseFileContent(ctx, f.SHA256); err != nil {
				t.Errorf("%s: %v", o.code, err)
			}
			out = append(out, f.Kind+" "+f.SHA256+" "+f.Origin)
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	if a, b := list(bz), list(me); a != b || strings.Count(a, "letter ") != 2 {
		t.Fatalf("BZ:\n%s\nME:\n%s", a, b)
	}
	// Erased, the letter held as a file goes with the rest.
	if _, err := me.st.Erase(ctx, []data.Ref{c.Number}, "Richiesta"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		bz.sync()
		me.sync()
	}
	for _, o := range []*testOffice{bz, me} {
		var n int
		o.st.DB().QueryRow(`SELECT count(*) FROM blobs WHERE length(content) > 0 AND sha256 IN (?, ?)`,
			shaOf([]byte("%PDF letter of BZ")), shaOf([]byte("%PDF letter of ME"))).Scan(&n)
		if n != 0 {
			t.Errorf("%s still holds %d letters of the erased case", o.code, n)
		}
	}
}

// TestFilesFetchedInTurns: one look takes up to FilesFetchBytes of files (at least one);
// the others come at the next looks and are not counted as missing meanwhile.
func TestFilesFetchedInTurns(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	me := newTestOffice(t, root, "ME", func(c *Config) { c.FilesFetchBytes = 100 << 10 })
	trustEach(t, bz, me)
	for _, m := range []string{"A", "B", "C"} {
		attachedCase(t, bz, randomFile(t, "%PDF", m, 60<<10))
	}
	bz.sync()
	got := 0
	for i := range 3 {
		r := me.sync()
		if r.CaseFiles.Fetched != 1 {
			t.Fatalf("look %d fetched %d files, want 1", i+1, r.CaseFiles.Fetched)
		}
		got += r.CaseFiles.Fetched
	}
	var passes int
	me.st.DB().QueryRow(`SELECT count(*) FROM file_arrivals`).Scan(&passes)
	if got != 3 || passes != 0 {
		t.Fatalf("fetched %d, still expected %d", got, passes)
	}
}

// noFileWrites is a share on which this office cannot write files of cases.
type noFileWrites struct{ Folder }

func (f noFileWrites) WriteNew(p string, b []byte) error {
	if strings.Contains(p, "/"+FilesDir+"/") {
		return os.ErrPermission
	}
	return f.Folder.WriteNew(p, b)
}

// TestFilesTakenWhenOwnCannotBeWritten: a share that refuses this office's file
// writes stops its publishing only; the other office's files are still taken, and the
// look reports the failure.
func TestFilesTakenWhenOwnCannotBeWritten(t *testing.T) {
	root := t.TempDir()
	bz := newTestOffice(t, root, "BZ")
	me := newTestOffice(t, root, "ME", func(c *Config) { c.Folder = noFileWrites{OSFolder(root)} })
	trustEach(t, bz, me)
	c, _ := attachedCase(t, bz, randomFile(t, "%PDF", "BZ", 4<<10))
	attachedCase(t, me, randomFile(t, "%PDF", "ME", 4<<10))
	bz.sync()
	r, err := me.x.SyncOnce(context.Background())
	if p, ok := data.AsProblem(err); !ok || p.Key != "exchange.write_failed" {
		t.Fatalf("ME's look ended with %v", err)
	}
	if r.CaseFiles.Fetched != 1 || r.CaseFiles.Published != 0 {
		t.Fatalf("ME: %+v", r.CaseFiles)
	}
	if fs := caseFiles(t, me, c.ID); len(fs) != 1 || !fs[0].Arrived {
		t.Fatalf("ME lists %+v", fs)
	}
}
