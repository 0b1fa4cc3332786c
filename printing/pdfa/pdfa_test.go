package pdfa

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"

	"ascolto/data"
	"ascolto/printing"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

var created = time.Date(2026, 12, 7, 10, 30, 0, 0, data.Rome)

var info = Info{Title: "Risposta n. BZ-2026-000007/1", Author: "Comune di Bolzano – Ufficio relazioni", Subject: "Straßenbeleuchtung via Roma (Anfrage «dringend»)",
	Keywords: "BZ-2026-000007", Creator: "Ascolto", Producer: "Ascolto", Created: created}

// letterLike is a document made the way letters are: the embedded fonts, text in both
// faces, grey and coloured lines.
func letterLike(t testing.TB) []byte {
	t.Helper()
	pdf := printing.NewDocument("P", created)
	pdf.SetTitle(info.Title, true)
	for page := 0; page < 2; page++ {
		pdf.AddPage()
		pdf.SetFont(printing.Family, "", 10)
		pdf.Text(25, 40, "Gentile signora Müller, la tariffa di 12 € è abolita. Grüße aus Brixen – «Ladinia».")
		pdf.SetFont(printing.Family, "B", 10)
		pdf.Text(25, 50, "Oggetto / Betreff")
		pdf.SetDrawColor(40, 70, 150)
		pdf.Rect(120, 200, 60, 20, "D")
		pdf.SetDrawColor(160, 160, 160)
		pdf.Line(25, 266, 190, 266)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func archived(t testing.TB) []byte {
	t.Helper()
	out, err := Archive(letterLike(t), info)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func rules(ps []Problem) map[string]bool {
	m := map[string]bool{}
	for _, p := range ps {
		m[p.Rule] = true
	}
	return m
}

// needed reports a missing outside program: a failure as root (CI), a skip elsewhere.
func needed(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getuid() == 0 || os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (qpdf, poppler-utils, colord: make deps-test)", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

func tool(t testing.TB, pdf []byte, name string, args ...string) string {
	t.Helper()
	needed(t, name)
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(name, append(args, f)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestArchivedDocumentPasses: a document made as letters are and archived passes every
// property; qpdf finds it sound, and pdfinfo reads the same title and dates.
func TestArchivedDocumentPasses(t *testing.T) {
	out := archived(t)
	if ps := Check(out); len(ps) != 0 {
		t.Fatalf("an archived document fails: %v", ps)
	}
	if q := tool(t, out, "qpdf", "--check"); !strings.Contains(q, "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check:\n%s", q)
	}
	info := tool(t, out, "pdfinfo", "-isodates")
	for _, want := range []string{"Title:           Risposta n. BZ-2026-000007/1", "CreationDate:    2026-12-07T10:30:00+01", "PDF version:     1.7"} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
	meta := tool(t, out, "pdfinfo", "-meta")
	if !strings.Contains(meta, "<pdfaid:part>2</pdfaid:part>") || !strings.Contains(meta, "Straßenbeleuchtung") {
		t.Errorf("pdfinfo -meta:\n%s", meta)
	}
	again, _ := Archive(letterLike(t), info2())
	if !bytes.Equal(again, out) {
		t.Error("the same document must give the same bytes")
	}
}

func info2() Info { return info }

// TestPlainDocumentFails: the PDF library's own output, without the archival parts,
// fails on each of them, so the check can fail; a standard font, a soft mask, a
// transparent fill and an encrypted file fail on theirs.
func TestPlainDocumentFails(t *testing.T) {
	got := rules(Check(letterLike(t)))
	for _, want := range []string{RuleMetadata, RuleOutputIntent, RuleID, RuleHeader} {
		if !got[want] {
			t.Errorf("a plain document passes %q: %v", want, got)
		}
	}

	helvetica := gofpdf.New("P", "mm", "A4", "")
	helvetica.AddPage()
	helvetica.SetFont("Helvetica", "", 12)
	helvetica.Text(20, 20, "Helvetica is never embedded")
	alpha := printing.NewDocument("P", created)
	alpha.AddPage()
	alpha.SetAlpha(0.5, "Multiply")
	alpha.Rect(10, 10, 50, 50, "F")
	secret := printing.NewDocument("P", created)
	secret.SetProtection(gofpdf.CnProtectPrint, "", "owner")
	secret.AddPage()
	secret.Text(20, 20, "x")
	for _, tc := range []struct {
		name string
		pdf  *gofpdf.Fpdf
		rule string
	}{{"helvetica", helvetica, RuleFont}, {"alpha", alpha, RuleTransparency}, {"encrypted", secret, RuleEncrypt}} {
		var buf bytes.Buffer
		if err := tc.pdf.Output(&buf); err != nil {
			t.Fatal(err)
		}
		doc := buf.Bytes()
		if tc.name != "encrypted" { // the archiver refuses an encrypted document itself
			var err error
			if doc, err = Archive(doc, info); err != nil {
				t.Fatal(err)
			}
		} else if _, err := Archive(doc, info); err == nil {
			t.Error("an encrypted document must not be archived")
		}
		if got := rules(Check(doc)); !got[tc.rule] {
			t.Errorf("%s: passes %q: %v", tc.name, tc.rule, Check(doc))
		}
	}
}

// TestCheckSeesEachProperty: taking each archival part out of an archived document, in
// place (same length, so the file still reads), makes exactly that property fail.
func TestCheckSeesEachProperty(t *testing.T) {
	good := archived(t)
	for _, tc := range []struct{ old, new, rule string }{
		{"<pdfaid:part>2</pdfaid:part>", "<pdfaid:part>1</pdfaid:part>", RuleMetadata},
		{"<pdfaid:conformance>B</pdfaid:conformance>", "<pdfaid:conformance>U</pdfaid:conformance>", RuleMetadata},
		{"<xmp:CreateDate>2026-12-07T10:30:00+01:00", "<xmp:CreateDate>2026-12-07T10:30:00+02:00", RuleInfo},
		{"<xmp:CreateDate>2026-12-07T10:30:00+01:00", "<xmp:CreateDate>2026-12-07T10:30:01+01:00", RuleInfo},
		{"<rdf:li xml:lang=\"x-default\">Risposta", "<rdf:li xml:lang=\"x-default\">Rispostx", RuleInfo},
		{"/S /GTS_PDFA1", "/S /GTS_PDFX1", RuleOutputIntent},
		{"/N 3 /Alternate", "/N 4 /Alternate", RuleOutputIntent},
		{"/ID [<", "/XX [<", RuleID},
		{"%\xe2\xe3\xcf\xd3", "%abcd", RuleHeader},
		{"/FontFile2", "/FontFileX", RuleFont},
	} {
		if !bytes.Contains(good, []byte(tc.old)) {
			t.Fatalf("no %q in the archived document", tc.old)
		}
		bad := bytes.Replace(good, []byte(tc.old), []byte(tc.new), 1)
		got := rules(Check(bad))
		if !got[tc.rule] {
			t.Errorf("%q → %q: Check misses %s (%v)", tc.old, tc.new, tc.rule, Check(bad))
		}
	}
}

// TestSignedDocumentStaysPDFA: the signature, an incremental update, keeps the
// metadata, the output intent and the ID in the final catalog and trailer, with and
// without a time-stamp.
func TestSignedDocumentStaysPDFA(t *testing.T) {
	p12, err := certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "pw", CAs: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := signature.Load(p12, "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	doc := archived(t)
	signed, err := s.Sign(doc, signature.Options{Reason: "Risposta", Location: "Bolzano", Date: created})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, doc) {
		t.Fatal("the signature must be an incremental update")
	}
	if ps := Check(signed); len(ps) != 0 {
		t.Fatalf("the signed document fails: %v", ps)
	}
	// the signer wrote a new catalog: it must still name the metadata and the intent
	tail := signed[len(doc):]
	for _, want := range []string{"/Metadata", "/OutputIntents", "/ID"} {
		if !bytes.Contains(tail, []byte(want)) {
			t.Errorf("the signature's update lacks %s", want)
		}
	}
	if q := tool(t, signed, "qpdf", "--check"); !strings.Contains(q, "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check:\n%s", q)
	}
}

// TestProfileIsAnICCProfile: the embedded profile is read by Little CMS (colord's
// cd-iccdump) as an sRGB display profile, version 2.
func TestProfileIsAnICCProfile(t *testing.T) {
	needed(t, "cd-iccdump")
	f := filepath.Join(t.TempDir(), "srgb.icc")
	if err := os.WriteFile(f, SRGB(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("cd-iccdump", f).CombinedOutput()
	if err != nil {
		t.Fatalf("cd-iccdump: %v\n%s", err, out)
	}
	for _, want := range []string{"Version", "2.1", "display-device", "rgb", "sRGB IEC61966-2.1"} {
		if !strings.Contains(strings.ToLower(string(out)), strings.ToLower(want)) {
			t.Errorf("cd-iccdump lacks %q:\n%s", want, out)
		}
	}
}
