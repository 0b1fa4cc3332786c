package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/printing/signedfile/signedtest"
)

// TestSignatureProcess runs the real ascoltoctl on files signed by openssl and by the
// letters' own signer, and checks each verdict's exit code, what it prints, and that
// extract writes the innermost content.
func TestSignatureProcess(t *testing.T) {
	if _, skip, err := signedtest.Find(); err != nil {
		t.Fatal(err)
	} else if skip != "" {
		t.Skip(skip)
	}
	k, err := signedtest.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bin := buildCtl(t)
	dir := t.TempDir()
	doc, err := signedtest.PDF("Domanda di contributo")
	if err != nil {
		t.Fatal(err)
	}
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	der, err := k.Sign(signedtest.Rossi, doc, signedtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), der...)
	at := bytes.Index(tampered, []byte("Domanda"))
	if at < 0 {
		// the text is compressed in the PDF: change a byte of its header instead
		at = bytes.Index(tampered, []byte("%PDF-1.")) + 7
	}
	tampered[at] ^= 1
	p7m := write("domanda.pdf.p7m", der)
	nested := write("domanda.pdf.p7m.p7m", must(k.Nest(doc, signedtest.Rossi, signedtest.Bianchi)))
	pemFile := write("domanda-pem.pdf.p7m", must(k.Sign(signedtest.Rossi, doc, signedtest.Options{PEM: true})))
	expired := write("vecchia.pdf.p7m", must(k.Sign(signedtest.Expired, doc, signedtest.Options{})))
	unknown := write("estranea.pdf.p7m", must(k.Sign(signedtest.Unknown, doc, signedtest.Options{})))
	changed := write("cambiata.pdf.p7m", tampered)
	write("allegato.pdf", doc)
	detached := write("allegato.pdf.p7s", must(k.Sign(signedtest.Bianchi, doc, signedtest.Options{Detached: true})))
	lonely := write("solo.pdf.p7s", must(k.Sign(signedtest.Bianchi, doc, signedtest.Options{Detached: true})))
	plain := write("lettera.txt", []byte("Buongiorno, allego la domanda."))
	garbage := write("rotta.p7m", []byte("\x30\x82\x10\x00\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02 cut"))
	signedPDF := write("risposta.pdf", must(k.SignedPDF(signedtest.Rossi, doc)))

	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--lang", "en", "--db", filepath.Join(dir, "none.db")}, args...)...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		var x *exec.ExitError
		if errors.As(err, &x) {
			code = x.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	trust := "--trust=" + k.CA
	for _, c := range []struct {
		name string
		args []string
		code int
		out  []string // in stdout
		err  string   // in stderr
	}{
		{"der", []string{"signature", "check", p7m, trust}, 0, []string{"ROSSI MARIO", signedtest.RossiCF, "Prova Qualified CA", "intact", "domanda.pdf"}, ""},
		{"nested", []string{"signature", "check", nested, trust}, 0, []string{"BIANCHI ANNA", "ROSSI MARIO", "2"}, ""},
		{"pem", []string{"signature", "check", pemFile, trust}, 0, []string{"ROSSI MARIO"}, ""},
		{"detached beside", []string{"signature", "check", detached, trust}, 0, []string{"BIANCHI ANNA", "allegato.pdf"}, ""},
		{"detached --content", []string{"signature", "check", lonely, trust, "--content", filepath.Join(dir, "allegato.pdf")}, 0, []string{"BIANCHI ANNA"}, ""},
		{"detached alone", []string{"signature", "check", lonely, trust}, exitDamaged, nil, "detached"},
		{"detached wrong content", []string{"signature", "check", lonely, trust, "--content", plain}, exitTampered, []string{"NOT intact"}, "changed"},
		{"signed pdf", []string{"signature", "check", signedPDF, trust}, 0, []string{"ROSSI MARIO", "PAdES"}, ""},
		{"expired", []string{"signature", "check", expired, trust}, exitExpired, []string{"VERDI LUCA", "NOT valid"}, "VERDI LUCA"},
		{"unknown", []string{"signature", "check", unknown, trust}, exitUntrusted, []string{"NERI PAOLO", "not on the trust list"}, "Other CA"},
		{"no trust list", []string{"signature", "check", p7m}, exitUntrusted, []string{"ROSSI MARIO"}, "trust list"},
		{"tampered", []string{"signature", "check", changed, trust}, exitTampered, []string{"NOT intact"}, "changed"},
		{"not signed", []string{"signature", "check", plain, trust}, exitNotSigned, nil, "no digital signature"},
		{"damaged", []string{"signature", "check", garbage, trust}, exitDamaged, nil, "damaged"},
		{"missing", []string{"signature", "check", filepath.Join(dir, "missing.p7m")}, 1, nil, "could not be read"},
		{"bad trust", []string{"signature", "check", p7m, "--trust", plain}, 1, nil, "trust list"},
		{"usage", []string{"signature", "verify", p7m}, 2, nil, "signature check"},
		{"extract without --out", []string{"signature", "extract", p7m}, 2, nil, "--out"},
	} {
		out, errOut, code := run(c.args...)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", c.name, code, c.code, out, errOut)
			continue
		}
		for _, w := range c.out {
			if !strings.Contains(out, w) {
				t.Errorf("%s: %q not in\n%s", c.name, w, out)
			}
		}
		if !strings.Contains(errOut, c.err) {
			t.Errorf("%s: %q not in stderr %q", c.name, c.err, errOut)
		}
	}

	// JSON for scripts.
	out, _, code := run("signature", "check", nested, trust, "--json")
	var rep signatureJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
		t.Fatalf("%v, exit %d: %s", err, code, out)
	}
	if rep.Kind != "p7m" || rep.Envelopes != 2 || len(rep.Signers) != 2 || rep.Signers[1].FiscalCode != signedtest.RossiCF ||
		!rep.Intact || !rep.Trusted || rep.ContentName != "domanda.pdf" || rep.ContentSize != len(doc) || rep.Signers[0].SigningTime == nil {
		t.Errorf("%+v", rep)
	}
	out, _, code = run("signature", "check", changed, trust, "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitTampered || rep.Problem == nil || rep.Problem.Key != "case.signed_tampered" || rep.Exit != exitTampered {
		t.Errorf("%v, exit %d: %s", err, code, out)
	}

	// extract writes the innermost content, whole.
	target := filepath.Join(dir, "out", "domanda.pdf")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run("signature", "extract", nested, trust, "--out", target); code != 0 {
		t.Fatalf("extract: %d %s", code, errOut)
	}
	if b, err := os.ReadFile(target); err != nil || !bytes.Equal(b, doc) {
		t.Fatalf("extracted %d bytes, %v", len(b), err)
	}
	// An untrusted signer's content is written, and the exit code says why.
	other := filepath.Join(dir, "out", "estranea.pdf")
	if _, _, code := run("signature", "extract", unknown, trust, "--out", other); code != exitUntrusted {
		t.Errorf("extract unknown: %d", code)
	} else if b, _ := os.ReadFile(other); !bytes.Equal(b, doc) {
		t.Error("the untrusted signer's document was not written")
	}
	// A changed content is not handed out, and the earlier file stays as it was.
	if _, _, code := run("signature", "extract", changed, trust, "--out", target); code != exitTampered {
		t.Errorf("extract tampered: %d", code)
	}
	if b, _ := os.ReadFile(target); !bytes.Equal(b, doc) {
		t.Error("the tampered extract touched the file")
	}
	entries, _ := os.ReadDir(filepath.Dir(target))
	if len(entries) != 2 {
		t.Errorf("temporary files left: %v", entries)
	}

	// The trust list the office set is used without --trust.
	db := filepath.Join(dir, "office.db")
	for _, args := range [][]string{
		{"init", "--office", "BZ", "--name-it", "Ufficio", "--name-de", "Amt"},
		{"letter", "settings", "--trust-list", k.CA},
	} {
		cmd := exec.Command(bin, append([]string{"--db", db, "--actor", "test"}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, b)
		}
	}
	cmd := exec.Command(bin, "--lang", "it", "--db", db, "signature", "check", p7m)
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "ROSSI MARIO") {
		t.Errorf("with the office's trust list: %v\n%s", err, b)
	}
}
