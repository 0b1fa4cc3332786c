// Package printer sends finished PDFs to paper the way each system does it: through
// CUPS's lp on Linux and macOS, through the shell's "print" verb on Windows (the PDF
// viewer the clerk has prints it), and where neither is there by opening the PDF in the
// system's viewer, from which the clerk prints by hand.
package printer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"ascolto/data"
	"ascolto/data/safefile"
)

// Method says how a document went out.
type Method string

const (
	CUPS    Method = "cups"    // queued on a CUPS printer: printed
	Windows Method = "windows" // handed to the Windows print verb: printed
	Viewer  Method = "viewer"  // opened in the PDF viewer: the clerk prints from there
)

// Printed reports whether the method puts paper in the tray by itself, so that a letter
// can be recorded as printed.
func (m Method) Printed() bool { return m == CUPS || m == Windows }

// Options choose the printer.
type Options struct {
	// Queue is the printer (CUPS destination or Windows printer name); empty: the
	// system's default printer.
	Queue string
	// Title names the job in the printer's queue; empty: the document's name.
	Title string
	// Copies of each document; 0 means one.
	Copies int
}

// Job is what the printer system said.
type Job struct {
	Method Method
	Queue  string
	// ID lists CUPS's request ids ("PDF-12"), one per document; empty elsewhere.
	ID string
}

// Document is one PDF to print, with the name it has in the job.
type Document struct {
	Name string
	PDF  []byte
}

// Print sends documents to the printer as one job (CUPS) or one after another.
func Print(ctx context.Context, docs []Document, o Options) (Job, error) {
	if len(docs) == 0 {
		return Job{}, nil
	}
	dir, err := os.MkdirTemp("", "ascolto-print")
	if err != nil {
		return Job{}, printProblem("", o.Queue, err)
	}
	var files, titles []string
	for i, d := range docs {
		name := fmt.Sprintf("%03d-%s.pdf", i+1, safeName(d.Name))
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, d.PDF, 0o600); err != nil {
			return Job{}, printProblem("", o.Queue, err)
		}
		files = append(files, p)
		titles = append(titles, firstNonEmpty(o.Title, d.Name))
	}
	switch {
	case runtime.GOOS == "windows":
		// the viewer behind the print verb reads the files after the verb returns:
		// they stay in the temporary folder
		return printWindows(ctx, files, o)
	case hasLP():
		// lp hands the files' content to CUPS before it returns
		defer os.RemoveAll(dir)
		return printCUPS(ctx, files, titles, o)
	}
	for _, f := range files {
		if err := Open(f); err != nil {
			return Job{}, err
		}
	}
	return Job{Method: Viewer}, nil
}

func hasLP() bool {
	_, err := exec.LookPath("lp")
	return err == nil
}

// requestID is lp's answer: "request id is PDF-12 (2 file(s))".
var requestID = regexp.MustCompile(`request id is (\S+)`)

// printCUPS queues each document as its own job: a job of several documents is printed
// whole by printers but not by every CUPS filter (cups-pdf keeps only the first), and a
// job per letter names the letter in the queue.
func printCUPS(ctx context.Context, files, titles []string, o Options) (Job, error) {
	j := Job{Method: CUPS, Queue: o.Queue}
	var ids []string
	for i, f := range files {
		args := []string{}
		if o.Queue != "" {
			args = append(args, "-d", o.Queue)
		}
		if titles[i] != "" {
			args = append(args, "-t", titles[i])
		}
		if o.Copies > 1 {
			args = append(args, "-n", fmt.Sprint(o.Copies))
		}
		// no fit-to-page: the address must stay where the envelope's window is
		args = append(args, "-o", "fit-to-page=false", "--", f)
		cmd := exec.CommandContext(ctx, "lp", args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return Job{}, printProblem(errb.String(), o.Queue, err)
		}
		if m := requestID.FindStringSubmatch(out.String()); m != nil {
			ids = append(ids, m[1])
			if j.Queue == "" {
				if k := strings.LastIndex(m[1], "-"); k > 0 {
					j.Queue = m[1][:k]
				}
			}
		}
	}
	j.ID = strings.Join(ids, ", ")
	return j, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// printWindows hands each file to the "print" verb (or "printto" for a named printer)
// through PowerShell, as Explorer's "Print" menu does.
func printWindows(ctx context.Context, files []string, o Options) (Job, error) {
	for _, f := range files {
		script := fmt.Sprintf("Start-Process -FilePath '%s' -Verb Print -WindowStyle Hidden", psQuote(f))
		if o.Queue != "" {
			script = fmt.Sprintf("Start-Process -FilePath '%s' -Verb PrintTo -ArgumentList '\"%s\"' -WindowStyle Hidden", psQuote(f), psQuote(o.Queue))
		}
		cmd := exec.CommandContext(ctx, "powershell", "-NoProfile", "-NonInteractive", "-Command", script)
		if out, err := cmd.CombinedOutput(); err != nil {
			return Job{}, printProblem(string(out), o.Queue, err)
		}
	}
	return Job{Method: Windows, Queue: o.Queue}, nil
}

func psQuote(s string) string { return strings.ReplaceAll(s, "'", "''") }

// Open shows a file in the system's viewer (the PDF viewer for a PDF). A program or a
// script is refused (safefile.Program): the system's "viewer" for it would run it.
func Open(path string) error {
	if err := refuseProgram(path); err != nil {
		return err
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", path)
	case "darwin":
		cmd = exec.Command("open", path)
	default:
		if _, err := exec.LookPath("xdg-open"); err != nil {
			return data.Problemf("letter.err_no_printer")
		}
		cmd = exec.Command("xdg-open", path)
	}
	if err := cmd.Start(); err != nil {
		return &data.Problem{Key: "letter.print.open_failed", Args: map[string]string{"name": filepath.Base(path)}, Err: err}
	}
	go cmd.Wait() // the viewer lives on; reap the launcher when it ends
	return nil
}

// refuseProgram refuses to open a file that is a program or a script by its name or its
// first bytes.
func refuseProgram(path string) error {
	head := make([]byte, 512)
	f, err := os.Open(path)
	if err != nil {
		return &data.Problem{Key: "letter.print.open_failed", Args: map[string]string{"name": filepath.Base(path)}, Err: err}
	}
	n, _ := io.ReadFull(f, head)
	f.Close()
	if safefile.Program(filepath.Base(path), head[:n]) {
		return data.Problemf("letter.err_open_program", "name", filepath.Base(path))
	}
	return nil
}

// safeName keeps a job's file name to letters, digits and dashes (a letter number has a
// slash).
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
}

// Queues lists the CUPS printers (lpstat -e), for a clerk choosing one; nil where there
// is no CUPS.
func Queues(ctx context.Context) []string {
	if _, err := exec.LookPath("lpstat"); err != nil {
		return nil
	}
	out, err := exec.CommandContext(ctx, "lpstat", "-e").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}
