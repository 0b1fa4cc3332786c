package data

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"Lebenslauf Jörg Müller.pdf": "Lebenslauf Jörg Müller.pdf",
		`reclamo: "urgente"?.docx`:   "reclamo_ _urgente__.docx",
		"a/b\\c|d*e<f>g.txt":         "a_b_c_d_e_f_g.txt",
		"CON.txt":                    "_CON.txt",
		"nul":                        "_nul",
		"com7.log":                   "_com7.log",
		"console.txt":                "console.txt",
		"risposta. ":                 "risposta",
		"...":                        "file",
		"tab\there\x00.pdf":          "tab_here_.pdf",
	} {
		if got := SafeFileName(in); got != want {
			t.Errorf("SafeFileName(%q) = %q, want %q", in, got, want)
		}
	}
	long := SafeFileName(strings.Repeat("ä", 150) + ".pdf")
	if len(long) > 200 || !strings.HasSuffix(long, ".pdf") || !utf8.ValidString(long) {
		t.Errorf("long name %d bytes: %q", len(long), long[len(long)-10:])
	}
}
