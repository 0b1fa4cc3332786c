package data

import (
	"os"
	"path/filepath"
	"runtime"
)

// RegisterFileName is the register's file name in its folder.
const RegisterFileName = "register.ascolto"

// DefaultDir is where a workstation keeps its register: the user's application-data
// folder (%APPDATA%\Ascolto on Windows, ~/Library/Application Support/Ascolto on macOS,
// $XDG_DATA_HOME/ascolto or ~/.local/share/ascolto elsewhere). ASCOLTO_HOME overrides it
// for admins and tests.
func DefaultDir() string {
	if d := os.Getenv("ASCOLTO_HOME"); d != "" {
		return d
	}
	switch runtime.GOOS {
	case "windows", "darwin":
		if d, err := os.UserConfigDir(); err == nil {
			return filepath.Join(d, "Ascolto")
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "ascolto")
		}
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".local", "share", "ascolto")
		}
	}
	return "."
}

// DefaultPath is the register the desktop app and ascoltoctl use without --db.
func DefaultPath() string { return filepath.Join(DefaultDir(), RegisterFileName) }
