// Package safefile decides how a file that came from outside (an e-mail attachment, a
// scanned letter a citizen sent) may leave the register for the workstation: under
// which name it is written, whether it may be opened with the program the system has
// for its kind, and the mark that tells Windows it came from outside.
//
// A program or a script is never opened: on Windows "opening" it runs it, with the
// clerk's rights. Such a file can only be saved, and is marked as coming from the
// internet, so that Windows asks before running it and Office opens documents in
// protected view.
package safefile

import (
	"bytes"
	"os"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// programs are the extensions that Windows, macOS or a Linux desktop run, install, mount
// or follow rather than show: executables, scripts, installers, shortcuts, settings,
// and disk images (which would open their contents without the mark of the web).
var programs = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`
		exe com bat cmd ps1 psm1 psd1 ps1xml psc1 ps2 ps2xml psc2 msh msh1 msh2 mshxml msh1xml msh2xml
		vbs vbe vb js jse wsf wsh ws wsc sct msi msp mst msix msixbundle appx appxbundle scr pif cpl hta
		jar lnk url website reg inf ins isp scf appref-ms application gadget msc xbap chm hlp dll ocx sys drv
		xll settingcontent-ms library-ms search-ms searchconnector-ms diagcab iso img vhd vhdx
		py pyw pyc pyo pyz sh bash zsh csh ksh command tool app pkg dmg run bin appimage desktop deb rpm apk
		pl rb php`) {
		programs[e] = true
	}
}

// maxName is the longest name written, in bytes (file systems allow 255).
const maxName = 200

// Name is the file name to write a file under: the name it came with, without anything
// that could make it land elsewhere or be something else on any system. Path
// separators and the characters Windows refuses become "_"; control characters and
// the invisible characters that reverse text ("fattura\u202Efdp.exe") are removed; a
// leading dot (a hidden file, "..") becomes "_"; trailing dots and spaces, which
// Windows drops (so that "x.exe." is "x.exe"), are removed; a name Windows reserves for
// a device (CON, NUL, COM1, LPT1, …, also with an extension) gets "_" in front; an
// empty name is "file"; a long one is shortened, keeping its extension.
func Name(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune('_')
		case unicode.IsSpace(r): // tab, line break, no-break space
			b.WriteRune(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		case strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), " ")
	s = strings.TrimRight(s, ". ")
	if strings.HasPrefix(s, ".") {
		s = "_" + s[1:]
	}
	if s == "" {
		return "file"
	}
	if reserved(s) {
		s = "_" + s
	}
	if len(s) > maxName {
		ext := path.Ext(s)
		if len(ext) > 20 {
			ext = ""
		}
		stem := s[:maxName-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		s = strings.TrimRight(stem, ". ") + ext
	}
	return s
}

// reserved reports the names Windows gives to devices, whatever follows the first dot:
// "NUL.txt" is the device too.
func reserved(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$":
		return true
	}
	if len(stem) >= 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		switch stem[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

// Program reports whether a file must not be opened directly, only saved: a program, a
// script, an installer, a shortcut or a disk image, by the extension its name has once
// written (Name) or by what its first bytes are (a Windows or Linux or macOS program, a
// script starting with "#!", a Windows shortcut), whatever its name says.
func Program(name string, head []byte) bool {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(Name(name)), "."))
	return programs[ext] || programContent(head)
}

// magics are the first bytes of programs and shortcuts.
var magics = [][]byte{
	[]byte("MZ"),             // Windows program or library (PE)
	[]byte("#!"),             // a script for the interpreter named on its first line
	[]byte("\x7fELF"),        // Linux program
	{0xfe, 0xed, 0xfa, 0xce}, // macOS program, 32 bit
	{0xfe, 0xed, 0xfa, 0xcf}, // macOS program, 64 bit
	{0xce, 0xfa, 0xed, 0xfe}, // macOS program, 32 bit, little-endian
	{0xcf, 0xfa, 0xed, 0xfe}, // macOS program, 64 bit, little-endian
	{0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00}, // Windows shortcut (.lnk)
}

func programContent(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")) // "#!" after a byte-order mark still runs on some systems
	for _, m := range magics {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// ZoneIdentifier is the mark of the web: the content of the Zone.Identifier stream that
// Windows and its programs read to know that a file came from the internet (zone 3).
func ZoneIdentifier() []byte { return []byte("[ZoneTransfer]\r\nZoneId=3\r\n") }

// WriteFile writes a file from outside for the clerk (readable by the clerk alone) and
// marks it (Mark). A volume that keeps no mark does not stop the writing: the mark is
// a second line behind Program, not the first.
func WriteFile(path string, content []byte) error {
	if err := os.WriteFile(path, content, 0o600); err != nil {
		return err
	}
	_ = Mark(path)
	return nil
}
