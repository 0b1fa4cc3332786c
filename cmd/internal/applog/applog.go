// Package applog writes the programs' log to a file in the user's folder, rotated by
// size so that it never fills a workstation's disk: ascolto.log, then ascolto.log.1 …
// ascolto.log.N. Support asks for it ("copy diagnostics" adds its last lines).
package applog

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Writer is an io.Writer that rotates its file past MaxBytes.
type Writer struct {
	Path     string
	MaxBytes int64
	Keep     int // older files kept: ascolto.log.1 … .Keep

	mu   sync.Mutex
	f    *os.File
	size int64
}

// Open starts (or continues) the log at path: 1 MiB a file, three old files kept.
func Open(path string) (*Writer, error) {
	w := &Writer{Path: path, MaxBytes: 1 << 20, Keep: 3}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return w, w.open()
}

// The log names registers, case numbers and sometimes what a clerk typed: only the
// account that runs Ascolto may read it, so the file is 0600 (a log of an older program,
// made 0644, is narrowed). On Windows the user's profile keeps it private and Chmod
// only touches the read-only flag, so there nothing is changed.
func (w *Writer) open() error {
	f, err := os.OpenFile(w.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if runtime.GOOS != "windows" {
		if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
			f.Chmod(0o600)
		}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	w.f, w.size = f, st.Size()
	return nil
}

// Write appends p, rotating first if p would take the file past its size.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return 0, os.ErrClosed
	}
	if w.size > 0 && w.size+int64(len(p)) > w.MaxBytes {
		if err := w.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

func (w *Writer) rotate() error {
	w.f.Close()
	os.Remove(fmt.Sprintf("%s.%d", w.Path, w.Keep))
	for i := w.Keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", w.Path, i), fmt.Sprintf("%s.%d", w.Path, i+1))
	}
	if err := os.Rename(w.Path, w.Path+".1"); err != nil && !os.IsNotExist(err) {
		return err
	}
	return w.open()
}

// Close closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// Tail returns the last n lines of the log (from the rotated file too if needed).
func Tail(path string, n int) []string {
	var lines []string
	for _, p := range []string{path + ".1", path} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		f.Close()
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

var _ io.Writer = (*Writer)(nil)

// Redact removes what looks like personal data from a log line before it leaves the
// workstation: e-mail addresses and long runs of digits (phone numbers); protocol
// numbers (letters and digits) stay, support needs them.
func Redact(line string) string {
	var b strings.Builder
	for _, word := range strings.SplitAfter(line, " ") {
		core := strings.TrimSpace(word)
		switch {
		case strings.Contains(core, "@") && strings.Contains(core, "."):
			b.WriteString("<e-mail>" + word[len(core):])
		case digits(core) >= 6 && !strings.ContainsAny(strings.ToUpper(core), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
			b.WriteString("<number>" + word[len(core):])
		default:
			b.WriteString(word)
		}
	}
	return b.String()
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}
