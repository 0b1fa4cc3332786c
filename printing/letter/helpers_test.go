package letter

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

// now is the tests' clock: Friday 27 November 2026, 10:30 in Bolzano.
var now = time.Date(2026, 11, 27, 10, 30, 0, 0, data.Rome)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

var office = data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen",
	Address: "Via Dante 11 / Dantestraße 11, 39100 Bolzano/Bozen"}

// newRegister makes a real register in a temporary folder.
func newRegister(t testing.TB) *data.Store {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), office, data.Options{Clock: fixedClock{}, Actor: "m.rossi"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// addCase registers a case received on 23 November 2026 and, if reply is not empty,
// its reply in the citizen's language.
func addCase(t testing.TB, s *data.Store, nc data.NewCase, reply string) *data.Case {
	t.Helper()
	ctx := context.Background()
	if nc.Kind == "" {
		nc.Kind = data.KindComplaint
	}
	if nc.Channel == "" {
		nc.Channel = data.ChannelCounter
	}
	if nc.ReceivedAt.IsZero() {
		nc.ReceivedAt = time.Date(2026, 11, 23, 9, 15, 0, 0, data.Rome)
	}
	c, err := s.Create(ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	if reply != "" {
		if c, err = s.Reply(ctx, c.Number, reply, "", now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// needed reports a missing outside program: a failure on CI, where it must be
// installed, and a skip elsewhere, so that a check is never silently weaker.
func needed(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed: CI must install it (poppler-utils for pdftotext, pdfsig and pdfimages; qpdf; openssl)", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

// pdftotext reads a PDF's text back as poppler does; args crop or lay out.
func pdftotext(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	needed(t, "pdftotext")
	f := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", append(append([]string{"-enc", "UTF-8"}, args...), f, "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// flat joins text into single-spaced words, so text wrapped into lines compares with
// the text as written.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// keep writes a PDF where a person can look at it when ASCOLTO_LETTER_OUT names a folder.
func keep(t testing.TB, name string, pdf []byte) {
	if dir := os.Getenv("ASCOLTO_LETTER_OUT"); dir != "" {
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, name), pdf, 0o644)
	}
}

// checkPdfsig asserts what poppler says of a signed PDF.
func checkPdfsig(t *testing.T, pdf []byte, name string) {
	t.Helper()
	needed(t, "pdfsig")
	f := filepath.Join(t.TempDir(), "signed.pdf")
	os.WriteFile(f, pdf, 0o644)
	out, _ := exec.Command("pdfsig", f).CombinedOutput()
	for _, want := range []string{"Signer Certificate Common Name: " + name, "Signature Validation: Signature is Valid.", "Total document signed"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, out)
		}
	}
}

func pdfimages(t *testing.T, pdf []byte) (string, error) {
	t.Helper()
	needed(t, "pdfimages")
	f := filepath.Join(t.TempDir(), "img.pdf")
	os.WriteFile(f, pdf, 0o644)
	out, err := exec.Command("pdfimages", "-list", f).CombinedOutput()
	return string(out), err
}
