package printer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing"
)

// cups finds the test's CUPS printer, a PDF virtual printer (.ci/cups.sh sets it up):
// queue ASCOLTO_TEST_PRINTER (default PDF), its files in ASCOLTO_CUPS_OUT (default
// /var/spool/cups-pdf/out). Without it the test is skipped on a workstation but fails
// in CI (CI set), where the printer must be there.
func cups(t *testing.T) (queue, out string) {
	t.Helper()
	queue, out = os.Getenv("ASCOLTO_TEST_PRINTER"), os.Getenv("ASCOLTO_CUPS_OUT")
	if queue == "" {
		queue = "PDF"
	}
	if out == "" {
		out = "/var/spool/cups-pdf/out"
	}
	why := ""
	if _, err := exec.LookPath("lp"); err != nil {
		why = "lp is not installed"
	} else if err := exec.Command("lpstat", "-p", queue).Run(); err != nil {
		why = "CUPS has no printer " + queue
	} else if st, err := os.Stat(out); err != nil || !st.IsDir() {
		why = "the PDF printer's folder " + out + " is missing"
	}
	if why != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: CI must run .ci/cups.sh before the tests", why)
		}
		t.Skipf("%s (run .ci/cups.sh as root to set up a CUPS PDF printer)", why)
	}
	return queue, out
}

func pdfOfPages(t *testing.T, pages int, text string) []byte {
	pdf := printing.NewDocument("P", time.Date(2026, 11, 27, 10, 0, 0, 0, data.Rome))
	for p := 1; p <= pages; p++ {
		pdf.AddPage()
		pdf.Text(25, 40, fmt.Sprintf("%s – Seite %d von %d", text, p, pages))
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pageCount(t *testing.T, file string) int {
	out, err := exec.Command("pdfinfo", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v %s", file, err, out)
	}
	var n int
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Pages:") {
			fmt.Sscan(strings.TrimPrefix(line, "Pages:"), &n)
		}
	}
	return n
}

// TestPrintThroughCUPS prints two documents on a real CUPS queue and waits for the PDF
// printer to put them out, each with its pages.
func TestPrintThroughCUPS(t *testing.T) {
	queue, out := cups(t)
	tag := fmt.Sprintf("ascolto-test-%d", time.Now().UnixNano())
	docs := []Document{{Name: tag + "-a", PDF: pdfOfPages(t, 1, "Gebühr 12 €")}, {Name: tag + "-b", PDF: pdfOfPages(t, 2, "Grüße")}}
	job, err := Print(context.Background(), docs, Options{Queue: queue})
	if err != nil {
		t.Fatal(err)
	}
	if job.Method != CUPS || !job.Method.Printed() || job.Queue != queue || strings.Count(job.ID, queue+"-") != 2 {
		t.Fatalf("job %+v", job)
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, d := range docs {
		var found string
		for found == "" && time.Now().Before(deadline) {
			files, _ := filepath.Glob(filepath.Join(out, d.Name+"*.pdf"))
			for _, f := range files {
				if b, err := os.ReadFile(f); err == nil && bytes.HasPrefix(b, []byte("%PDF")) && bytes.Contains(b, []byte("%%EOF")) {
					found = f
				}
			}
			if found == "" {
				time.Sleep(200 * time.Millisecond)
			}
		}
		if found == "" {
			t.Fatalf("the printer did not put out %s (job %s) within a minute", d.Name, job.ID)
		}
		want := 1
		if strings.HasSuffix(d.Name, "-b") {
			want = 2
		}
		if n := pageCount(t, found); n != want {
			t.Errorf("%s: %d pages printed, want %d", d.Name, n, want)
		}
		os.Remove(found)
	}
}

func TestUnknownQueueIsAClearError(t *testing.T) {
	if _, err := exec.LookPath("lp"); err != nil {
		t.Skip("lp is not installed")
	}
	_, err := Print(context.Background(), []Document{{Name: "x", PDF: pdfOfPages(t, 1, "x")}}, Options{Queue: "no-such-printer-here"})
	p, ok := data.AsProblem(err)
	if !ok || p.Key != "letter.print.not_found" || p.Args["printer"] != "no-such-printer-here" || p.Err == nil {
		t.Fatalf("%v", err)
	}
}

func TestNothingToPrint(t *testing.T) {
	if j, err := Print(context.Background(), nil, Options{}); err != nil || j.Method != "" {
		t.Fatal(j, err)
	}
	if safeName("BZ-2026-000001/1") != "BZ-2026-000001-1" {
		t.Fatal(safeName("BZ-2026-000001/1"))
	}
}
