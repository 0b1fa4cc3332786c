// Package support writes the text a clerk copies for the IT admin ("copy diagnostics"):
// version, paths, the register's figures and the last lines of the log, without
// personal data.
package support

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"

	"ascolto/cmd/internal/applog"
	"ascolto/cmd/internal/buildinfo"
	"ascolto/data"
)

// Report is the diagnostics text. store may be nil (the register could not be opened).
func Report(ctx context.Context, program string, store *data.Store, logPath string) string {
	var b strings.Builder
	fmt.Fprintln(&b, buildinfo.String(program))
	fmt.Fprintf(&b, "os: %s/%s, cpus %d\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(&b, "data folder: %s\n", data.DefaultDir())
	if exe, err := os.Executable(); err == nil {
		fmt.Fprintf(&b, "program: %s\n", exe)
	}
	if store != nil {
		if d, err := store.Diagnostics(ctx); err == nil {
			js, _ := json.MarshalIndent(d, "", "  ")
			fmt.Fprintf(&b, "register:\n%s\n", js)
		} else {
			fmt.Fprintf(&b, "register: %v\n", err)
		}
	}
	if logPath != "" {
		fmt.Fprintf(&b, "log: %s (last lines)\n", logPath)
		for _, l := range applog.Tail(logPath, 40) {
			fmt.Fprintln(&b, "  "+applog.Redact(l))
		}
	}
	return b.String()
}
