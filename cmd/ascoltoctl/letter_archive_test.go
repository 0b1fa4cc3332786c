package main

import (
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/printing/pdfa"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

// TestLetterTimestampAndPDFA: letter --tsa time-stamps the signed letter; letters are
// PDF/A by default, --pdfa=false makes a plain PDF; an authority that is down refuses
// the letter with one sentence naming it and archives nothing; letter settings keeps
// the office's authority, which letter batch then uses.
func TestLetterTimestampAndPDFA(t *testing.T) {
	authority, err := certtest.NewTSA("Test TSA")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(authority)
	defer srv.Close()
	c := newCtl(t)
	dir := t.TempDir()
	cert := p12File(t, certtest.Spec{Name: "Giulia Ferrari", Password: "s3greto"})
	t.Setenv("ASCOLTO_TEST_P12", "s3greto")
	var refs []string
	for _, who := range []string{"Nicolò Dalla Via", "Anna Pichler", "Jörg Müller"} {
		a := addJSON(c, "--kind", "request", "--channel", "email", "--subject", "Certificato", "--citizen-name", who, "--language", "it")
		c.ok("reply", a.Number, "--text", "Il certificato è pronto.")
		refs = append(refs, a.Number)
	}
	out := filepath.Join(dir, "firmata.pdf")
	c.ok("letter", refs[0], "--out", out, "--sign", cert, "--pass-env", "ASCOLTO_TEST_P12", "--tsa", srv.URL)
	b, _ := os.ReadFile(out)
	rep, err := signature.Check(b)
	if err != nil || rep.Signatures[0].Timestamp == nil {
		t.Fatalf("the letter is not time-stamped: %v", err)
	}
	if ps := pdfa.Check(b); len(ps) != 0 {
		t.Fatalf("the letter is not PDF/A: %v", ps)
	}

	plain := filepath.Join(dir, "plain.pdf")
	c.ok("letter", refs[0], "--out", plain, "--pdfa=false")
	if b, _ := os.ReadFile(plain); len(pdfa.Check(b)) == 0 {
		t.Fatal("--pdfa=false must make a plain PDF")
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() + "/tsr"
	l.Close()
	before := letterCount(t, c)
	c.refused(l.Addr().String()+" does not answer", 1, "letter", refs[1], "--out", filepath.Join(dir, "no.pdf"), "--sign", cert, "--pass-env", "ASCOLTO_TEST_P12", "--tsa", down)
	if letterCount(t, c) != before {
		t.Fatal("a letter was archived without its time-stamp")
	}
	c.refused("ASCOLTO_TEST_UNSET", 1, "letter", refs[1], "--out", filepath.Join(dir, "no.pdf"), "--tsa", srv.URL, "--tsa-user", "u", "--tsa-pass-env", "ASCOLTO_TEST_UNSET")
	c.refused("", 2, "letter", refs[1], "--out", filepath.Join(dir, "no.pdf"), "--tsa-user", "u")

	c.refused("", 1, "letter", "settings", "--tsa-url", "https://user:pw@tsa.example/")
	settings := c.ok("letter", "settings", "--tsa-url", srv.URL)
	if !strings.Contains(settings, srv.URL) || !strings.Contains(settings, "true") {
		t.Fatalf("letter settings: %s", settings)
	}
	asked := authority.Count()
	c.ok("letter", "batch", "--sign", cert, "--pass-env", "ASCOLTO_TEST_P12", "--out-dir", dir)
	if authority.Count() != asked+2 {
		t.Fatalf("the batch asked the office's authority %d times for 2 letters", authority.Count()-asked)
	}
}
