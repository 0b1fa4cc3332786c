package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"ascolto/data"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func caseFilesJSON(c *ctl, ref string) []data.CaseFile {
	c.t.Helper()
	var files []data.CaseFile
	out := c.ok("attachments", ref, "--json")
	if err := json.Unmarshal([]byte(out), &files); err != nil {
		c.t.Fatal(err, out)
	}
	return files
}

func blobCount(t *testing.T, db string) int {
	t.Helper()
	s, err := data.Open(db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM blobs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A file kept from the command line is listed with its type, size, SHA-256 and office,
// and comes back byte for byte; the same content kept twice is one blob; a saved file
// never replaces one that is there without --force, nor goes through a link.
func TestAttachListAndSave(t *testing.T) {
	c := newCtl(t)
	a := addJSON(c, "--kind", "request", "--channel", "email", "--subject", "Richiesta di iscrizione", "--citizen-name", "Anna Pichler")
	dir := t.TempDir()
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	in := writeFile(t, dir, "modulo firmato.pdf", string(pdf))

	var f data.CaseFile
	out := c.ok("attach", a.Number, in, "--json")
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err, out)
	}
	if f.Name != "modulo firmato.pdf" || f.MIME != "application/pdf" || f.Size != int64(len(pdf)) || f.SHA256 != sha256Hex(pdf) ||
		!f.Arrived || f.State != data.FileArrived || f.Origin != "BZ" || f.CaseID != a.ID || f.ID == "" {
		t.Fatalf("attach --json: %+v", f)
	}
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"id", "name", "mime", "size", "sha256", "arrived", "origin", "state"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("attach --json lacks %q: %s", k, out)
		}
	}
	// The same file again, under another name: a second entry, one blob.
	text := c.ok("attach", a.Number, in, "--name", "copia.pdf")
	if !strings.Contains(text, "copia.pdf") || !strings.Contains(text, a.Number) || !strings.Contains(text, f.SHA256) {
		t.Errorf("attach says %q", text)
	}
	files := caseFilesJSON(c, a.Number)
	if len(files) != 2 || files[0].ID != f.ID || files[1].Name != "copia.pdf" || files[1].SHA256 != f.SHA256 {
		t.Fatalf("attachments: %+v", files)
	}
	if n := blobCount(t, c.db); n != 1 {
		t.Errorf("the same content twice is kept %d times", n)
	}
	list := c.ok("attachments", a.Number)
	for _, want := range []string{"modulo firmato.pdf", "copia.pdf", "application/pdf", f.SHA256, "arrived", "BZ", f.ID} {
		if !strings.Contains(list, want) {
			t.Errorf("attachments lacks %q:\n%s", want, list)
		}
	}
	b := addJSON(c, "--kind", "report", "--channel", "counter", "--subject", "Senza allegati")
	if got := c.ok("attachments", b.Number); !strings.Contains(got, "has no files") {
		t.Errorf("a case without files: %q", got)
	}
	if got := strings.TrimSpace(c.ok("attachments", b.Number, "--json")); got != "[]" {
		t.Errorf("a case without files, --json: %q", got)
	}

	// Saved byte for byte, readable by the clerk alone.
	dst := filepath.Join(dir, "out", "salvato.pdf")
	os.Mkdir(filepath.Dir(dst), 0o755)
	if got := c.ok("attachment", "save", a.Number, f.ID, "--out", dst); !strings.Contains(got, dst) {
		t.Errorf("save says %q", got)
	}
	if got, err := os.ReadFile(dst); err != nil || string(got) != string(pdf) {
		t.Fatalf("saved %q, %v", got, err)
	}
	if fi, _ := os.Stat(dst); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("saved with mode %v", fi.Mode().Perm())
	}
	// Not over an existing file without --force.
	writeFile(t, filepath.Dir(dst), filepath.Base(dst), "the clerk's own notes")
	c.refused("exists already", 1, "attachment", "save", a.Number, f.ID, "--out", dst)
	if got, _ := os.ReadFile(dst); string(got) != "the clerk's own notes" {
		t.Fatalf("an existing file was overwritten: %q", got)
	}
	c.ok("attachment", "save", a.Number, f.ID, "--out", dst, "--force")
	if got, _ := os.ReadFile(dst); string(got) != string(pdf) {
		t.Fatalf("--force did not replace the file: %q", got)
	}
	// Never through a symbolic link, even with --force: the file it points to stays.
	if runtime.GOOS != "windows" {
		target := writeFile(t, dir, "target.txt", "elsewhere")
		link := filepath.Join(dir, "out", "link.pdf")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		c.refused("not a plain file", 1, "attachment", "save", a.Number, f.ID, "--out", link, "--force")
		c.refused("exists already", 1, "attachment", "save", a.Number, f.ID, "--out", link)
		if got, _ := os.ReadFile(target); string(got) != "elsewhere" {
			t.Fatalf("saved through a link: %q", got)
		}
	}
	// No temporary file is left beside the saved ones.
	entries, _ := os.ReadDir(filepath.Dir(dst))
	for _, e := range entries {
		if e.Name() != "salvato.pdf" && e.Name() != "link.pdf" {
			t.Errorf("left in the folder: %s", e.Name())
		}
	}
	// A file of another case, or an id that is none, is not there.
	c.refused("has no file", 1, "attachment", "save", b.Number, f.ID, "--out", filepath.Join(dir, "x.pdf"))
	c.refused("has no file", 1, "attachment", "save", a.Number, "0190-nope", "--out", filepath.Join(dir, "x.pdf"))
	if _, err := os.Stat(filepath.Join(dir, "x.pdf")); err == nil {
		t.Error("a refused save wrote a file")
	}
	c.refused("--out", 2, "attachment", "save", a.Number, f.ID)
	c.refused("save", 2, "attachment", "open", a.Number, f.ID)
}

// Refusals change nothing and say why in the reader's language: a file larger than the
// register keeps (refused before it is read), a folder, a missing file, a name that is
// no file name, a case that does not exist.
func TestAttachRefusals(t *testing.T) {
	c := newCtl(t)
	a := addJSON(c, "--kind", "request", "--channel", "email", "--subject", "Richiesta")
	dir := t.TempDir()
	big := filepath.Join(dir, "scansione.tif")
	h, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Truncate(data.MaxAttachment + 1); err != nil { // sparse: no disk is filled
		t.Fatal(err)
	}
	h.Close()
	c.refused("larger than 50 MB", 1, "attach", a.Number, big)
	code, _, errs := c.run("--lang", "it", "attach", a.Number, big)
	if code != 1 || !strings.Contains(errs, "supera 50 MB") {
		t.Errorf("Italian refusal: %d %q", code, errs)
	}
	code, _, errs = c.run("--lang", "de", "attach", a.Number, big)
	if code != 1 || !strings.Contains(errs, "größer als 50 MB") {
		t.Errorf("German refusal: %d %q", code, errs)
	}
	// Exactly the limit is kept.
	if err := os.Truncate(big, data.MaxAttachment); err != nil {
		t.Fatal(err)
	}
	c.ok("attach", a.Number, big)

	c.refused("not a plain file", 1, "attach", a.Number, dir)
	c.refused("could not be read", 1, "attach", a.Number, filepath.Join(dir, "missing.pdf"))
	small := writeFile(t, dir, "nota.txt", "nota")
	c.refused("cannot be kept", 1, "attach", a.Number, small, "--name", "../../etc/passwd")
	c.refused("BZ-2026-999999", 1, "attach", "BZ-2026-999999", small)
	c.refused("", 2, "attach", a.Number)
}

func TestMimeOf(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"lettera.PDF", "%PDF-1.7", "application/pdf"},
		{"foto.jpg", "\xff\xd8\xff", "image/jpeg"},
		{"senza estensione", "%PDF-1.4 x", "application/pdf"},
		{"senza estensione", "Gentile ufficio,", "text/plain"},
		{"dati.weird-ext", "\x00\x01\x02", "application/octet-stream"},
	} {
		if got := mimeOf(tc.name, []byte(tc.content)); got != tc.want {
			t.Errorf("mimeOf(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A file added in another office is listed before it arrives, as arriving, with the
// office it comes from; saving it is refused with a sentence that says so, until the
// next look at the folder brings it.
func TestAttachmentArrivingFromAnotherOffice(t *testing.T) {
	folder := t.TempDir()
	bz := newCtl(t)
	me := newOfficeCtl(t, "ME", "Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran")
	bz.ok("exchange", "join", "--folder", folder)
	me.ok("exchange", "join", "--folder", folder)
	bz.ok("exchange", "trust", "ME", "--fingerprint", exchangeStatus(me, folder).Fingerprint, "--folder", folder)
	me.ok("exchange", "trust", "BZ", "--fingerprint", exchangeStatus(bz, folder).Fingerprint, "--folder", folder)

	a := addJSON(bz, "--kind", "complaint", "--channel", "counter", "--subject", "Sopralluogo cantiere")
	content := []byte("%PDF-1.4\nverbale di sopralluogo, 3 pagine\n%%EOF\n")
	bz.ok("attach", a.Number, writeFile(t, t.TempDir(), "verbale.pdf", string(content)))
	bz.ok("sync", "--folder", folder, "--once")
	// The file is not in the folder yet (a carrier still copying it).
	files := filepath.Join(folder, "BZ", "files")
	hidden := filepath.Join(t.TempDir(), "files")
	if err := os.Rename(files, hidden); err != nil {
		t.Fatal(err)
	}
	me.ok("sync", "--folder", folder, "--once")
	got := caseFilesJSON(me, a.Number)
	if len(got) != 1 || got[0].Arrived || got[0].State != data.FileArriving || got[0].Origin != "BZ" || got[0].SHA256 != sha256Hex(content) {
		t.Fatalf("before the file came: %+v", got)
	}
	if list := me.ok("attachments", a.Number); !strings.Contains(list, "arriving") || !strings.Contains(list, "verbale.pdf") {
		t.Errorf("attachments: %s", list)
	}
	out := filepath.Join(t.TempDir(), "verbale.pdf")
	me.refused("has not arrived yet: it was added in BZ", 1, "attachment", "save", a.Number, got[0].ID, "--out", out)
	code, _, errs := me.run("--lang", "de", "attachment", "save", a.Number, got[0].ID, "--out", out)
	if code != 1 || !strings.Contains(errs, "ist noch nicht angekommen") {
		t.Errorf("German refusal: %d %q", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a file not arrived was saved")
	}

	if err := os.Rename(hidden, files); err != nil {
		t.Fatal(err)
	}
	me.ok("sync", "--folder", folder, "--once")
	got = caseFilesJSON(me, a.Number)
	if len(got) != 1 || !got[0].Arrived || got[0].State != data.FileArrived {
		t.Fatalf("after the file came: %+v", got)
	}
	me.ok("attachment", "save", a.Number, got[0].ID, "--out", out)
	if b, err := os.ReadFile(out); err != nil || string(b) != string(content) {
		t.Fatalf("saved %q, %v", b, err)
	}
}

// What another office's file says about a file of a case (its id, its type) is printed
// escaped: a direction override cannot turn the row around, a tab or a line break
// cannot add a column or a row to the table.
func TestAttachmentsFromAnotherOfficeAreEscaped(t *testing.T) {
	bz := newCtl(t)
	me := newOfficeCtl(t, "ME", "Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran")
	a := addJSON(bz, "--kind", "request", "--channel", "email", "--subject", "Richiesta")
	bz.ok("attach", a.Number, writeFile(t, t.TempDir(), "domanda.pdf", "%PDF-1.4 domanda"))
	ctx := t.Context()
	src, err := data.Open(bz.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ops, err := src.Operations(ctx, "BZ", 0, 1000)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	forged := false
	for i, op := range ops {
		if d, ok := op.Fields["attachment"]; ok {
			p := strings.Split(d, "|") // id|name|size|type|sha256
			p[0], p[3] = "evil\u202e\tfdp.exe", "application/pdf\n\x1b[2J"
			ops[i].Fields["attachment"] = strings.Join(p, "|")
			forged = true
		}
	}
	if !forged {
		t.Fatalf("no attach operation among %+v", ops)
	}
	dst, err := data.Open(me.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = dst.ApplyRemote(ctx, data.RemoteFile{Origin: "BZ", First: ops[0].Seq, Last: ops[len(ops)-1].Seq, SHA256: strings.Repeat("0", 64),
		Name: "BZ-000000000001.ascx"}, ops)
	dst.Close()
	if err != nil {
		t.Fatal(err)
	}
	files := caseFilesJSON(me, a.Number)
	if len(files) != 1 || files[0].ID != "evil\u202e\tfdp.exe" || files[0].Arrived {
		t.Fatalf("the forged file: %+v", files)
	}
	out := me.ok("attachments", a.Number)
	if strings.ContainsAny(out, "\u202e\x1b") || !strings.Contains(out, `evil\u202e\tfdp.exe`) || !strings.Contains(out, `application/pdf\n\x1b[2J`) {
		t.Errorf("printed raw or not at all:\n%q", out)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || strings.Count(lines[1], "\t") != 0 {
		t.Errorf("the table has %d lines:\n%q", len(lines), out)
	}
}

// The state column says why a file is not here, and when it is late.
func TestFileStateWords(t *testing.T) {
	e := &env{lang: "en"}
	for _, tc := range []struct {
		f    data.CaseFile
		want string
	}{
		{data.CaseFile{State: data.FileArrived, Arrived: true}, "arrived"},
		{data.CaseFile{State: data.FileArriving}, "arriving"},
		{data.CaseFile{State: data.FileArriving, Reason: "missing", Passes: 3}, "arriving (not in the folder yet)"},
		{data.CaseFile{State: data.FileArriving, Reason: "hash", Passes: 61}, "arriving (the copy in the folder was damaged, fetched again; not come after 61 attempts)"},
		{data.CaseFile{State: data.FileArriving, Reason: "something new", Passes: 1200}, "arriving (not come after 1,200 attempts)"},
		{data.CaseFile{State: data.FileArriving, Reason: "size"}, "arriving (the copy in the folder is incomplete or still being copied)"},
		{data.CaseFile{State: data.FileNotTaken}, "not taken"},
	} {
		if got := e.fileState(tc.f); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestSizeWords(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 16, "16 bytes"}, {"it", 1023, "1.023 byte"}, {"de", 300 << 10, "300 kB"},
		{"it", 50 << 20, "50,0 MB"}, {"en", 1536 << 10, "1.5 MB"},
	} {
		if got := (&env{lang: tc.lang}).size(tc.n); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
