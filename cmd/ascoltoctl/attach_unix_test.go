//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A FIFO given as the file to keep is refused at once, not waited on (opening it for
// reading would wait for a writer).
func TestAttachRefusesAFIFO(t *testing.T) {
	c := newCtl(t)
	a := addJSON(c, "--kind", "request", "--channel", "email", "--subject", "Richiesta")
	fifo := filepath.Join(t.TempDir(), "scanner.pdf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := c.run("attach", a.Number, fifo)
		done <- result{code, out, errs}
	}()
	select {
	case r := <-done:
		if r.code != 1 || r.out != "" || !strings.Contains(r.errs, "not a plain file") {
			t.Fatalf("attach of a FIFO: exit %d, out %q, err %q", r.code, r.out, r.errs)
		}
	case <-time.After(10 * time.Second):
		// Let the waiting open return before failing.
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatal("attach waited on a FIFO")
	}
	if files := caseFilesJSON(c, a.Number); len(files) != 0 {
		t.Fatalf("kept %+v", files)
	}
}
