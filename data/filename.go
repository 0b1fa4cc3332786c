package data

import (
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// SafeFileName turns a name that came with an e-mail or a citizen's upload into one
// every office workstation can save: Windows forbids < > : " / \ | ? * and control
// characters, trailing dots and spaces, and the device names CON, PRN, AUX, NUL,
// COM1–9, LPT1–9 (with any extension); names stay under 200 bytes, keeping the
// extension. Letters such as ä, ò, ß are kept.
func SafeFileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r):
			b.WriteByte('_')
		case r == utf8.RuneError:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimRight(strings.TrimSpace(b.String()), ". ")
	if s == "" {
		s = "file"
	}
	base := strings.ToUpper(strings.TrimSpace(strings.SplitN(s, ".", 2)[0]))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		s = "_" + s
	}
	if len(s) > 200 {
		ext := filepath.Ext(s)
		if len(ext) > 20 {
			ext = ""
		}
		stem := s[:200-len(ext)]
		for !utf8.ValidString(stem) { // do not cut a letter in half
			stem = stem[:len(stem)-1]
		}
		s = stem + ext
	}
	return s
}
