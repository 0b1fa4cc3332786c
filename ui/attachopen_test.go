package ui

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
)

// TestAttachmentThatIsAProgramIsNeverOpened: a file that is a program (by its name,
// also behind a second extension and trailing dots, or by its content) is not handed to
// the workstation; the clerk reads that it can only be saved. A document is opened,
// written under a safe name.
func TestAttachmentThatIsAProgramIsNeverOpened(t *testing.T) {
	s := mixedRegister(t)
	sh, q, w := shellFor(t, s, "it", "")
	v := showCase(t, sh, q, "BZ-2026-000005")

	var mu sync.Mutex
	var opened []string
	old := openURL
	openURL = func(_ fyne.App, u *url.URL) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, u.Path)
		return nil
	}
	t.Cleanup(func() { openURL = old })
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(opened) }

	files := []struct{ name, content string }{
		{"fattura.pdf.exe", "MZ\x90\x00"},
		{"fattura.exe. .", "MZ\x90\x00"},
		{"avviso.pdf", "MZ\x90\x00\x03"},
		{"aggiorna.ps1", "Remove-Item C:\\ -Recurse"},
		{"CON.pdf", "%PDF-1.4 lettera"},
	}
	for _, f := range files {
		if _, err := s.Attach(context.Background(), "BZ-2026-000005", f.name, "application/octet-stream", []byte(f.content)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Attachments(context.Background(), v.c.ID)
	if err != nil || len(all) != len(files) {
		t.Fatalf("%d attachments, %v", len(all), err)
	}
	for _, a := range all {
		if a.Name == "CON.pdf" {
			continue
		}
		v.openFile(a)
		q.until(t, "the refusal of "+a.Name, func() bool { return w.Canvas().Overlays().Top() != nil })
		top := w.Canvas().Overlays().Top()
		if !reads(top, "è un programma o uno script") || !reads(top, "Salva…") {
			t.Errorf("%s: the dialog reads %q", a.Name, texts(top))
		}
		top.Hide()
		w.Canvas().Overlays().Remove(top)
	}
	if n := count(); n != 0 {
		t.Fatalf("programs handed to the workstation: %v", opened)
	}
	for _, a := range all {
		if a.Name == "CON.pdf" {
			v.openFile(a)
		}
	}
	q.until(t, "the document to be opened", func() bool { return count() == 1 })
	mu.Lock()
	p := opened[0]
	mu.Unlock()
	if filepath.Base(p) != "_CON.pdf" {
		t.Fatalf("opened %q, want the safe name _CON.pdf", p)
	}
	if b, err := os.ReadFile(filepath.FromSlash(p)); err != nil || string(b) != "%PDF-1.4 lettera" {
		t.Fatalf("written %q, %v", b, err)
	}
}
