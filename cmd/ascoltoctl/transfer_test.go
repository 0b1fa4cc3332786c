package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// TestExcelSavedCSVImports: a German export, saved again by Excel in its default CSV
// (windows-1252), imports with its umlauts: search finds the citizen and show prints
// the name right.
func TestExcelSavedCSVImports(t *testing.T) {
	c := newCtl(t)
	c.ok("add", "--kind", "complaint", "--channel", "email", "--subject", "Lärm in der Gärtnerstraße",
		"--citizen-name", "Jörg Müller", "--received", "2026-11-20T14:30:00+01:00")
	dir := t.TempDir()
	path := filepath.Join(dir, "vorgaenge.csv")
	c.ok("export", "--format", "csv", "--headers", "de", "--out", path)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("\uFEFFVorgangs-ID;Nummer;Amt;Art;")) {
		t.Fatalf("German headings: %q", raw[:min(len(raw), 60)])
	}
	ansi, err := charmap.Windows1252.NewEncoder().Bytes(bytes.TrimPrefix(raw, []byte("\uFEFF")))
	if err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(dir, "excel.csv")
	if err := os.WriteFile(saved, append(ansi, ";;;;;;;;;;;;;;;;;;;;;;;;;\r\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newCtl(t)
	d.ok("import", "--format", "csv", "--in", saved)
	if out := d.ok("search", "Müller"); !strings.Contains(out, "Lärm in der Gärtnerstraße") {
		t.Fatalf("search Müller: %q", out)
	}
	if out := d.ok("show", "BZ-2026-000001"); !strings.Contains(out, "Jörg Müller") {
		t.Fatalf("show: %q", out)
	}
	if code, _, _ := c.run("export", "--format", "csv", "--headers", "fr", "--out", path); code != 2 {
		t.Fatalf("--headers fr: exit %d", code)
	}
}
