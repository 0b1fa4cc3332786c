package ui

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/printing/signedfile/signedtest"
)

// signedRegister is the mixed register with signed files attached to BZ-2026-000005
// (made by openssl and by the letters' signer) and the test CA as the office's trust
// list; it gives the document signed inside the envelopes.
func signedRegister(t *testing.T) (*data.Store, []byte) {
	t.Helper()
	if _, skip, err := signedtest.Find(); err != nil {
		t.Fatal(err)
	} else if skip != "" {
		t.Skip(skip)
	}
	k, err := signedtest.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := signedtest.PDF("Istanza di rimborso")
	if err != nil {
		t.Fatal(err)
	}
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := must(k.Sign(signedtest.Rossi, doc, signedtest.Options{}))
	changed := append([]byte(nil), good...)
	changed[bytes.Index(changed, []byte("%PDF-1."))+7] ^= 1
	s := mixedRegister(t)
	ctx := context.Background()
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{"istanza.pdf.p7m", good},
		{"cambiata.pdf.p7m", changed},
		{"estranea.pdf.p7m", must(k.Sign(signedtest.Unknown, doc, signedtest.Options{}))},
		{"allegato.pdf", doc},
		{"allegato.pdf.p7s", must(k.Sign(signedtest.Bianchi, doc, signedtest.Options{Detached: true}))},
		{"rotta.p7m", []byte("non è una firma")},
	} {
		if _, err := s.Attach(ctx, "BZ-2026-000005", f.name, "application/octet-stream", f.b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetLetterSetting(data.SettingTrustList, k.CA) }); err != nil {
		t.Fatal(err)
	}
	return s, doc
}

// signedRow is the line under the file named name (the object after its row).
func signedRow(t *testing.T, v *CaseView, name string) fyne.CanvasObject {
	t.Helper()
	objs := v.fileList.Objects
	for i := 0; i+1 < len(objs); i++ {
		if shows(objs[i], name) {
			return objs[i+1]
		}
	}
	t.Fatalf("no row for %s in %q", name, texts(v.fileList))
	return nil
}

// TestSignedFileLine: each signed file says who signed it and when, and whether the
// signature is intact and the signer on the trust list, in the clerk's language; a
// broken envelope says so; a PDF without a signature gets no line; "Open the signed
// document" opens the PDF inside the envelope through the usual open path.
func TestSignedFileLine(t *testing.T) {
	s, doc := signedRegister(t)
	for _, c := range []struct {
		lang                            string
		good, tampered, unknown, broken string
		detached, open                  string
	}{
		{"it", "Firmato da ROSSI MARIO (RSSMRA80A01H501U) il", "ATTENZIONE: il documento è stato modificato dopo la firma",
			"firmatario non riconosciuto (certificato di Other CA)", "è danneggiato", "Firmato da BIANCHI ANNA (BNCNNA75E45A952P)", "Apri il documento firmato"},
		{"de", "Signiert von ROSSI MARIO (RSSMRA80A01H501U) am", "ACHTUNG: Das Dokument wurde nach der Signatur verändert",
			"Unterzeichner nicht anerkannt (Zertifikat von Other CA)", "ist beschädigt", "Signiert von BIANCHI ANNA (BNCNNA75E45A952P)", "Signiertes Dokument öffnen"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			sh, q, _ := shellFor(t, s, c.lang, "")
			v := showCase(t, sh, q, "BZ-2026-000005")
			files := v.e.t("case.tab.files", "n", formatNumber(len(v.files), v.e.lang))
			for i, it := range v.tabs.Items {
				if it.Text == files {
					v.tabs.SelectIndex(i) // laid out at the window's width, as the clerk sees it
				}
			}
			defer func() {
				if t.Failed() {
					t.Logf("the files read %q", texts(v.fileList))
				}
			}()
			q.until(t, "the signatures checked", func() bool {
				return reads(v.fileList, c.good) && reads(v.fileList, c.tampered) && reads(v.fileList, c.unknown) &&
					reads(v.fileList, c.broken) && reads(v.fileList, c.detached)
			})
			ok := map[string]string{"it": "firma integra, firmatario riconosciuto", "de": "Signatur unversehrt, Unterzeichner anerkannt"}[c.lang]
			if line := signedRow(t, v, "istanza.pdf.p7m"); !reads(line, c.good) || !reads(line, ok) {
				t.Errorf("istanza: %q", texts(line))
			}
			if line := signedRow(t, v, "allegato.pdf.p7s"); !reads(line, c.detached) || !reads(line, ok) || reads(line, c.open) {
				t.Errorf("detached: %q", texts(line))
			}
			if line := signedRow(t, v, "cambiata.pdf.p7m"); !reads(line, c.tampered) || reads(line, c.open) {
				t.Errorf("a changed document is offered: %q", texts(line))
			}
			// allegato.pdf carries no signature: the next row is the next file.
			if next := signedRow(t, v, "allegato.pdf"); reads(next, c.good[:8]) {
				t.Errorf("a line under an unsigned PDF: %q", texts(next))
			}

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
			var open *button
			for _, o := range visibleObjects(signedRow(t, v, "istanza.pdf.p7m")) {
				if b, ok := o.(*button); ok && b.Text == c.open {
					open = b
				}
			}
			if open == nil {
				t.Fatalf("no %q button", c.open)
			}
			test.Tap(open)
			q.until(t, "the signed document opened", func() bool { mu.Lock(); defer mu.Unlock(); return len(opened) == 1 })
			mu.Lock()
			p := filepath.FromSlash(opened[0])
			mu.Unlock()
			if filepath.Base(p) != "istanza.pdf" {
				t.Errorf("opened %s", p)
			}
			if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, doc) {
				t.Errorf("the opened file is not the signed document: %d bytes, %v", len(b), err)
			}
		})
	}
}

// TestSignedFileTrustListUnreadable: a trust list set but not readable is said as
// such under the file, not taken for no list at all.
func TestSignedFileTrustListUnreadable(t *testing.T) {
	s, _ := signedRegister(t)
	missing := filepath.Join(t.TempDir(), "TSL-IT.xml")
	if err := s.Update(context.Background(), func(tx *data.Tx) error { return tx.SetLetterSetting(data.SettingTrustList, missing) }); err != nil {
		t.Fatal(err)
	}
	sh, q, _ := shellFor(t, s, "it", "")
	v := showCase(t, sh, q, "BZ-2026-000005")
	files := v.e.t("case.tab.files", "n", formatNumber(len(v.files), v.e.lang))
	for i, it := range v.tabs.Items {
		if it.Text == files {
			v.tabs.SelectIndex(i)
		}
	}
	q.until(t, "the signature checked", func() bool { return reads(signedRow(t, v, "istanza.pdf.p7m"), "Firmato da") })
	line := signedRow(t, v, "istanza.pdf.p7m")
	if !reads(line, "firmatario non verificato") || !reads(line, "Impossibile leggere l'elenco di fiducia") {
		t.Errorf("%q", texts(line))
	}
}
