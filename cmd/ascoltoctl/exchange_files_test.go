package main

import (
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
)

// filesOf is `exchange files --json` of an office.
func filesOf(c *ctl, args ...string) filesReport {
	c.t.Helper()
	var r filesReport
	out := c.ok(append([]string{"exchange", "files", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		c.t.Fatal(err, out)
	}
	return r
}

// attachRandom attaches a PDF of n random bytes to a case and gives its SHA-256.
func attachRandom(t *testing.T, c *ctl, number, name string, n int) string {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	copy(b, "%PDF-1.4\n")
	var f struct {
		SHA256 string `json:"sha256"`
	}
	out := c.ok("attach", number, writeFile(t, t.TempDir(), name, string(b)), "--json")
	if err := json.Unmarshal([]byte(out), &f); err != nil || len(f.SHA256) != 64 {
		t.Fatalf("attach: %s %v", out, err)
	}
	return f.SHA256
}

// fileState is the state of the case's one file in a register.
func fileState(t *testing.T, c *ctl, number string) string {
	t.Helper()
	fs, _ := caseFilesOf(t, c.db, number)
	if len(fs) != 1 {
		t.Fatalf("%s lists %d files of %s: %+v", c.db, len(fs), number, fs)
	}
	return fs[0].State
}

func joinedPair(t *testing.T) (bz, me *ctl, folder string) {
	folder = t.TempDir()
	bz = newCtl(t)
	me = newOfficeCtl(t, "ME", "Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran")
	bz.ok("exchange", "join", "--folder", folder)
	me.ok("exchange", "join", "--folder", folder)
	bz.ok("exchange", "trust", "ME", "--fingerprint", exchangeStatus(me, folder).Fingerprint)
	me.ok("exchange", "trust", "BZ", "--fingerprint", exchangeStatus(bz, folder).Fingerprint)
	return bz, me, folder
}

// TestFilesBudgetThroughTheCommandLine: a budget smaller than a file keeps the file out
// of the folder, listed as waiting, and the other office lists it as arriving; a size
// that is not one is refused with a sentence and changes nothing; raising the budget
// publishes the file at the next sync and the other office takes it.
func TestFilesBudgetThroughTheCommandLine(t *testing.T) {
	bz, me, _ := joinedPair(t)
	if r := filesOf(bz); r.Settings.Budget != data.DefaultFilesBudget || r.Settings.All || r.Changed || r.Files == nil {
		t.Fatalf("defaults: %+v", r)
	}
	if out := bz.ok("exchange", "files", "--budget", "100KB"); !strings.Contains(out, "The settings of the files are saved") ||
		!strings.Contains(out, "Space for this office's files in the shared folder: 0.1 MB.") {
		t.Fatalf("setting the budget says:\n%s", out)
	}
	for _, bad := range []string{"20XB", "-1", "1.5", "lots", ""} {
		bz.refused("is not a size for the files in the shared folder", 1, "exchange", "files", "--budget", bad, "--all")
	}
	bz.refused("not both", 2, "exchange", "files", "--all", "--open-only")
	if r := filesOf(bz); r.Settings.Budget != 100<<10 || r.Settings.All {
		t.Fatalf("a refused command changed the settings: %+v", r.Settings)
	}

	a := addJSON(bz, "--kind", "request", "--channel", "counter", "--subject", "Domanda con allegato")
	sha := attachRandom(t, bz, a.Number, "domanda.pdf", 300<<10)
	bz.ok("sync", "--once")
	me.ok("sync", "--once")
	r := filesOf(bz)
	if len(r.Files.Waiting) != 1 || r.Files.Waiting[0].SHA256 != sha || r.Files.Published != 0 {
		t.Fatalf("BZ over its budget: %+v", r.Files)
	}
	if out := bz.ok("exchange", "files"); !strings.Contains(out, "1 files of this office wait") || !strings.Contains(out, sha+"  0.3 MB") {
		t.Fatalf("the waiting file is not listed:\n%s", out)
	}
	if got := fileState(t, me, a.Number); got != data.FileArriving {
		t.Fatalf("ME: the file is %q", got)
	}
	if r := filesOf(me); r.Files.Arriving != 1 || r.Files.ArrivingBytes != 300<<10 {
		t.Fatalf("ME's figures: %+v", r.Files)
	}
	if out := me.ok("exchange", "files"); !strings.Contains(out, "1 files of other offices are still on their way.") || !strings.Contains(out, "Together they are 0.3 MB.") {
		t.Fatalf("ME says:\n%s", out)
	}

	if r := filesOf(bz, "--budget", "1MB"); !r.Changed || len(r.Files.Waiting) != 0 || r.Settings.Budget != 1<<20 {
		t.Fatalf("after raising the budget: %+v", r)
	}
	bz.ok("sync", "--once")
	if r := filesOf(bz); r.Files.Published != 300<<10 || len(r.Files.Waiting) != 0 {
		t.Fatalf("BZ after the sync: %+v", r.Files)
	}
	me.ok("sync", "--once")
	if got := fileState(t, me, a.Number); got != data.FileArrived {
		t.Fatalf("ME: the file is %q after BZ raised its budget", got)
	}
	if r := filesOf(me); r.Files.Arriving != 0 || r.Files.ArrivingBytes != 0 {
		t.Fatalf("ME's figures: %+v", r.Files)
	}
	if r := filesOf(bz, "--budget", "0"); r.Settings.Budget != 0 || !strings.Contains(bz.ok("exchange", "files"), "folder: none.") {
		t.Fatalf("no limit: %+v", r.Settings)
	}
}

// TestFilesOfClosedCasesThroughTheCommandLine: two offices join after BZ closed a case
// with a file. The one that asked for --all takes the closed case's file; the one
// that asked for --open-only takes only the open case's, until it asks for all.
func TestFilesOfClosedCasesThroughTheCommandLine(t *testing.T) {
	folder := t.TempDir()
	bz := newCtl(t)
	bz.ok("exchange", "join", "--folder", folder)
	open := addJSON(bz, "--kind", "request", "--channel", "counter", "--subject", "Pratica aperta")
	attachRandom(t, bz, open.Number, "aperta.pdf", 8<<10)
	closed := addJSON(bz, "--kind", "request", "--channel", "counter", "--subject", "Pratica chiusa", "--language", "it")
	attachRandom(t, bz, closed.Number, "chiusa.pdf", 8<<10)
	bz.ok("reply", closed.Number, "--text", "Pratica evasa.")
	bz.ok("close", closed.Number)
	bz.ok("sync", "--once")

	me := newOfficeCtl(t, "ME", "Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran")
	vi := newOfficeCtl(t, "VI", "Centro di mediazione lavoro Vipiteno", "Arbeitsvermittlungszentrum Sterzing")
	bzFP := exchangeStatus(bz, folder).Fingerprint
	for _, c := range []*ctl{me, vi} {
		c.ok("exchange", "join", "--folder", folder)
		c.ok("exchange", "trust", "BZ", "--fingerprint", bzFP)
	}
	if out := me.ok("exchange", "files", "--all"); !strings.Contains(out, "takes the files of all cases") {
		t.Fatalf("--all says:\n%s", out)
	}
	vi.ok("exchange", "files", "--all")
	if out := vi.ok("exchange", "files", "--open-only"); !strings.Contains(out, "open cases") {
		t.Fatalf("--open-only says:\n%s", out)
	}
	for _, c := range []*ctl{me, vi} {
		c.ok("sync", "--once")
		if got := fileState(t, c, open.Number); got != data.FileArrived {
			t.Errorf("%s: the open case's file is %q", filepath.Base(filepath.Dir(c.db)), got)
		}
	}
	if got := fileState(t, me, closed.Number); got != data.FileArrived {
		t.Errorf("ME asked for all: the closed case's file is %q", got)
	}
	if got := fileState(t, vi, closed.Number); got != data.FileNotTaken {
		t.Errorf("VI asked for open cases only: the closed case's file is %q", got)
	}
	r := filesOf(vi)
	if r.Settings.All || r.Settings.Since == "" || r.Files.Arriving != 0 {
		t.Errorf("VI: %+v %+v", r.Settings, r.Files)
	}
	if out := vi.ok("exchange", "files"); !strings.Contains(out, "closed since ") {
		t.Errorf("VI's settings:\n%s", out)
	}

	vi.ok("exchange", "files", "--all")
	vi.ok("sync", "--once")
	if got := fileState(t, vi, closed.Number); got != data.FileArrived {
		t.Errorf("VI after --all: the closed case's file is %q", got)
	}
}

// A register that has not joined a folder has its settings, not the figures.
func TestFilesSettingsBeforeJoining(t *testing.T) {
	c := newCtl(t)
	out := c.ok("exchange", "files", "--budget", "2GiB")
	if !strings.Contains(out, "2,048.0 MB") || !strings.Contains(out, "has not joined a shared folder yet") {
		t.Fatalf("before joining:\n%s", out)
	}
	if r := filesOf(c); r.Files != nil || r.Settings.Budget != 2<<30 {
		t.Fatalf("%+v", r)
	}
	for lang, want := range map[string]string{"de": "„viel“ ist keine Größe", "it": "«viel» non è una dimensione"} {
		code, out, errs := c.run("--lang", lang, "exchange", "files", "--budget", "viel")
		if code != 1 || out != "" || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, %q %q", lang, code, out, errs)
		}
	}
	if r := filesOf(c); r.Settings.Budget != 2<<30 {
		t.Fatalf("a refused size changed the budget: %+v", r.Settings)
	}
}
