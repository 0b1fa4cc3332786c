package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"ascolto/data"
	"ascolto/data/exchange"
	"ascolto/printing/signature/certtest"
)

// caseFilesOf opens a register and lists a case's files with their bytes.
func caseFilesOf(t *testing.T, db, number string) ([]data.CaseFile, map[string][]byte) {
	t.Helper()
	s, err := data.Open(db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	c, err := s.Get(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.CaseFiles(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	content := map[string][]byte{}
	for _, f := range fs {
		if f.Arrived {
			if content[f.SHA256], err = s.CaseFileContent(ctx, f.SHA256); err != nil {
				t.Fatal(err)
			}
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].SHA256 < fs[j].SHA256 })
	return fs, content
}

// TestFilesTravelAndErasureThroughTheCommandLine: BZ registers a mailed case (its .eml
// kept as the original), adds a 20 MB scan and issues a signed letter, and forwards the
// case to ME; after both sync, ME's register holds the three files byte for byte and
// lists them. BZ then erases the citizen: once both sync again, no byte of the files is
// left in ME's register file nor in the shared folder.
func TestFilesTravelAndErasureThroughTheCommandLine(t *testing.T) {
	folder := t.TempDir()
	bz := newCtl(t)
	me := newOfficeCtl(t, "ME", "Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran")
	bz.ok("exchange", "join", "--folder", folder)
	me.ok("exchange", "join", "--folder", folder)
	bz.ok("exchange", "trust", "ME", "--fingerprint", exchangeStatus(me, folder).Fingerprint, "--folder", folder)
	me.ok("exchange", "trust", "BZ", "--fingerprint", exchangeStatus(bz, folder).Fingerprint, "--folder", folder)

	const emlMarker, scanMarker = "EMLMARKER-4J8WQZ", "SCANMARKER-9TXV2M"
	eml := strings.ReplaceAll(`Return-Path: <hannelore.pichler@posta.example.it>
From: Hannelore Pichler <hannelore.pichler@posta.example.it>
To: mediazione.lavoro.bolzano@provincia.bz.it
Subject: Bitte um Bestaetigung der Arbeitslosenmeldung
Date: Tue, 16 Jun 2026 14:03:00 +0200
Message-ID: <8d1f0c3e-files-flow@posta.example.it>
X-Mailer: `+emlMarker+`
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Sehr geehrte Damen und Herren,

ich bitte um eine Bestaetigung meiner Arbeitslosenmeldung.

Mit freundlichen Gruessen
Hannelore Pichler
`, "\n", "\r\n")
	emlPath := writeFile(t, t.TempDir(), "richiesta.eml", eml)
	got := intakeJSONOf(t, bz, emlPath, "--kind", "request", "--language", "de")
	number := got.Number

	scan := make([]byte, 20<<20)
	rand.Read(scan)
	copy(scan, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	copy(scan[10<<20:], scanMarker)
	s, err := data.Open(bz.db, data.Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attach(context.Background(), number, "Scansione domanda.pdf", "application/pdf", scan); err != nil {
		t.Fatal(err)
	}
	s.Close()

	bz.ok("reply", number, "--text", "Die Bestätigung liegt bei.")
	good := p12File(t, certtest.Spec{Name: "Giulia Ferrari", Password: "s3greto", Encoding: "openssl"})
	t.Setenv("ASCOLTO_TEST_P12", "s3greto")
	bz.ok("letter", number, "--out", filepath.Join(t.TempDir(), "antwort.pdf"), "--sign", good, "--pass-env", "ASCOLTO_TEST_P12")
	bz.ok("forward", number, "--to", "ME")

	bz.ok("sync", "--folder", folder, "--once")
	me.ok("sync", "--folder", folder, "--once")

	if out := bz.ok("exchange", "status", "--folder", folder); !strings.Contains(out, "Files of cases this office keeps in the folder: 20.0 MB (limit: 20,480.0 MB).") {
		t.Errorf("BZ's status says:\n%s", out)
	}
	if st := exchangeStatus(me, folder); st.Files.Arriving != 0 || len(st.Files.Late) != 0 || st.Files.Published != 0 {
		t.Errorf("ME's status: %+v", st.Files)
	}
	bzFiles, bzContent := caseFilesOf(t, bz.db, number)
	meFiles, meContent := caseFilesOf(t, me.db, number)
	if len(bzFiles) != 3 || len(meFiles) != 3 {
		t.Fatalf("BZ lists %d files, ME %d: %+v", len(bzFiles), len(meFiles), meFiles)
	}
	kinds := map[string]bool{}
	var letterPDF []byte
	for i, f := range meFiles {
		b := bzFiles[i]
		if !f.Arrived || f.SHA256 != b.SHA256 || f.Size != b.Size || f.Name != b.Name || f.Kind != b.Kind || f.Origin != "BZ" {
			t.Errorf("ME lists %+v, BZ %+v", f, b)
		}
		if !bytes.Equal(meContent[f.SHA256], bzContent[b.SHA256]) {
			t.Errorf("%s differs between BZ and ME", f.Name)
		}
		kinds[f.Kind+" "+f.MIME] = true
		if f.Kind == data.FileKindLetter {
			letterPDF = meContent[f.SHA256]
		}
	}
	if !kinds["letter application/pdf"] || !kinds["attachment application/pdf"] || !kinds["attachment message/rfc822"] {
		t.Fatalf("kinds: %v", kinds)
	}
	if !bytes.Contains(letterPDF, []byte("/ByteRange")) {
		t.Fatal("the letter that arrived carries no signature")
	}
	// A piece of the letter that only it holds: its signature's bytes, in the gap the
	// byte range leaves.
	m := regexp.MustCompile(`/ByteRange\s*\[\s*\d+\s+(\d+)`).FindSubmatch(letterPDF)
	if m == nil {
		t.Fatal("no byte range in the letter")
	}
	gap, _ := strconv.Atoi(string(m[1]))
	if gap <= 0 || gap+65 > len(letterPDF) {
		t.Fatalf("byte range gap at %d", gap)
	}
	letterPiece := letterPDF[gap+1 : gap+65]

	bz.ok("erase", number, "--note", "Antrag Prot. 2026/118")
	for range 2 {
		bz.ok("sync", "--folder", folder, "--once")
		me.ok("sync", "--folder", folder, "--once")
	}
	for _, c := range []*ctl{bz, me} {
		fs, _ := caseFilesOf(t, c.db, number)
		for _, f := range fs {
			if f.Arrived || f.Kind != data.FileKindLetter || f.State != data.FileRemoved {
				t.Errorf("%s still lists %+v", c.db, f)
			}
		}
		for _, p := range []string{c.db, c.db + "-wal"} {
			b, err := os.ReadFile(p)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			for _, m := range [][]byte{[]byte(emlMarker), []byte(scanMarker), letterPiece} {
				if bytes.Contains(b, m) {
					t.Errorf("%s still holds %.20q", p, m)
				}
			}
		}
	}
	filepath.Walk(folder, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		if strings.Contains(filepath.ToSlash(p), "/"+exchange.FilesDir+"/") {
			t.Errorf("left in the folder: %s", p)
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(scanMarker)) || bytes.Contains(b, []byte(emlMarker)) {
			t.Errorf("%s holds a file's bytes", p)
		}
		return nil
	})
}
