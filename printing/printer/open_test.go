package printer

import (
	"os"
	"path/filepath"
	"testing"

	"ascolto/data"
)

// TestOpenRefusesPrograms: a program or a script is never handed to the system's
// "viewer", which would run it; the clerk reads why.
func TestOpenRefusesPrograms(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"lettera.exe":           "MZ\x90\x00",
		"lettera.pdf.exe":       "%PDF-1.7",
		"lettera.bat. .":        "@echo off",
		"lettera.pdf":           "MZ\x90\x00", // a program whatever its name says
		"lettera":               "#!/bin/sh\necho\n",
		"Aggiornamento.desktop": "[Desktop Entry]\nExec=sh\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		err := Open(p)
		if pr, ok := data.AsProblem(err); !ok || pr.Key != "letter.err_open_program" {
			t.Errorf("Open(%q) = %v, want letter.err_open_program", name, err)
		}
	}
	pdf := filepath.Join(dir, "lettera-BZ-2026-000001.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := refuseProgram(pdf); err != nil {
		t.Fatalf("a letter refused: %v", err)
	}
}
