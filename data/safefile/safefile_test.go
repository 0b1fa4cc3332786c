package safefile

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"fattura.pdf", "fattura.pdf"},
		{"Lettera del sig. Müller.docx", "Lettera del sig. Müller.docx"},
		{"../../Windows/System32/evil.dll", "_._.._Windows_System32_evil.dll"},
		{`..\..\autoexec.bat`, `_._.._autoexec.bat`},
		{"C:\\Users\\x\\a.txt", "C__Users_x_a.txt"},
		{"file.txt:evil.exe", "file.txt_evil.exe"},
		{"a<b>c|d?e*f\"g.txt", "a_b_c_d_e_f_g.txt"},
		{"fattura.exe. . .", "fattura.exe"},
		{"fattura.exe   ", "fattura.exe"},
		{"  spazi.pdf", "spazi.pdf"},
		{"fattura\u202efdp.exe", "fatturafdp.exe"},
		{"a\x00b\x1b[31mc.txt", "ab[31mc.txt"},
		{"tab\there.txt", "tab here.txt"},
		{"a\xffb.txt", "a_b.txt"},
		{".bashrc", "_bashrc"},
		{"..", "file"},
		{"", "file"},
		{"\u200b", "file"},
		{"CON", "_CON"},
		{"con.txt", "_con.txt"},
		{"NUL.tar.gz", "_NUL.tar.gz"},
		{"Com1.pdf", "_Com1.pdf"},
		{"LPT9", "_LPT9"},
		{"COM¹.txt", "_COM¹.txt"},
		{"CONOUT$", "_CONOUT$"},
		{"CONSOLE.txt", "CONSOLE.txt"},
		{"COM10.txt", "COM10.txt"},
		{"aux .txt", "_aux .txt"},
	} {
		if got := Name(c.in); got != c.want {
			t.Errorf("Name(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := Name(strings.Repeat("è", 300) + ".pdf")
	if len(long) > maxName || !strings.HasSuffix(long, ".pdf") || !utf8.ValidString(long) {
		t.Errorf("long name %d bytes %q", len(long), long)
	}
}

func TestProgram(t *testing.T) {
	pdf := []byte("%PDF-1.7\n")
	for _, c := range []struct {
		name string
		head []byte
		want bool
	}{
		{"fattura.pdf", pdf, false},
		{"scansione.jpg", []byte("\xff\xd8\xff\xe0"), false},
		{"lettera.docx", []byte("PK\x03\x04"), false},
		{"messaggio.eml", []byte("From: a@example.it\r\n"), false},
		{"note.txt", []byte("MZ è l'abbreviazione di…"), true}, // starts as a program does: saved only
		{"nome senza estensione", nil, false},
		{"setup.exe", nil, true},
		{"SETUP.EXE", nil, true},
		{"fattura.pdf.exe", pdf, true},
		{"fattura.exe.", nil, true},
		{"fattura.exe . .", nil, true},
		{"fattura\u202efdp.exe", nil, true},
		{"fattura.pdf" + strings.Repeat(" ", 40) + ".scr", nil, true},
		{"Aggiornamento.msi", nil, true},
		{"script.ps1", nil, true},
		{"modulo.psm1", nil, true},
		{"a.bat", nil, true}, {"a.cmd", nil, true}, {"a.com", nil, true}, {"a.vbs", nil, true}, {"a.vbe", nil, true},
		{"a.js", nil, true}, {"a.jse", nil, true}, {"a.wsf", nil, true}, {"a.wsh", nil, true}, {"a.msp", nil, true},
		{"a.scr", nil, true}, {"a.pif", nil, true}, {"a.cpl", nil, true}, {"a.hta", nil, true}, {"a.jar", nil, true},
		{"a.lnk", nil, true}, {"a.reg", nil, true}, {"a.inf", nil, true}, {"a.scf", nil, true}, {"a.appref-ms", nil, true},
		{"a.application", nil, true}, {"a.gadget", nil, true}, {"a.msc", nil, true}, {"a.py", nil, true},
		{"a.sh", nil, true}, {"a.desktop", nil, true}, {"a.iso", nil, true}, {"a.url", nil, true},
		{"documento.pdf", []byte("MZ\x90\x00\x03"), true},
		{"documento", []byte("#!/bin/sh\nrm -rf ~\n"), true},
		{"documento.txt", []byte("\xef\xbb\xbf#!/usr/bin/env python3\n"), true},
		{"documento.pdf", []byte("\x7fELF\x02\x01\x01"), true},
		{"documento.pdf", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, true},
		{"collegamento.pdf", []byte{0x4c, 0, 0, 0, 1, 0x14, 2, 0, 0, 0}, true},
	} {
		if got := Program(c.name, c.head); got != c.want {
			t.Errorf("Program(%q, %q) = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

func TestZoneIdentifier(t *testing.T) {
	if got := string(ZoneIdentifier()); got != "[ZoneTransfer]\r\nZoneId=3\r\n" {
		t.Fatalf("%q", got)
	}
}

func TestWriteFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), Name("fattura.pdf"))
	if err := WriteFile(p, []byte("%PDF-1.7")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "%PDF-1.7" {
		t.Fatalf("%q %v", b, err)
	}
	if runtime.GOOS == "windows" {
		if b, err := os.ReadFile(p + ":Zone.Identifier"); err != nil || string(b) != string(ZoneIdentifier()) {
			t.Fatalf("mark %q %v", b, err)
		}
	}
}

// FuzzName: whatever the name, the one written is one plain file name on every system.
func FuzzName(f *testing.F) {
	for _, s := range []string{"fattura.pdf", "../x", "CON", "a.exe. ", "\u202e", "\xff\xfe", ".", "COM1.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Name(s)
		if n == "" || len(n) > maxName || !utf8.ValidString(n) || strings.ContainsAny(n, "/\\:*?\"<>|\x00") ||
			n == "." || n == ".." || strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".") || strings.HasSuffix(n, " ") || reserved(n) {
			t.Fatalf("Name(%q) = %q", s, n)
		}
		if Name(n) != n {
			t.Fatalf("Name not stable: %q → %q → %q", s, n, Name(n))
		}
	})
}
