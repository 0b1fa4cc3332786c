// Package buildinfo says which Ascolto this is: the version and build number from
// FyneApp.toml, stamped in by the Makefile (-ldflags -X), and the source revision the Go
// toolchain records. A plain `go build` still reports something useful.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Stamped by the Makefile: -X ascolto/cmd/internal/buildinfo.Version=0.1.0 -X ….Build=1
var (
	Version = "dev"
	Build   = "0"
)

// Revision is the source revision (short) and whether the tree had changes, if known.
func Revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return rev + modified
}

// String is the one line --version prints: "Ascolto 0.1.0 (build 1, 1a2b3c4d5e6f, go1.26.8 windows/amd64)".
func String(program string) string {
	s := fmt.Sprintf("%s %s (build %s", program, Version, Build)
	if r := Revision(); r != "" {
		s += ", " + r
	}
	return s + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}
