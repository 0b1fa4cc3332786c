// Package preview renders a PDF's pages as pictures for the screen, with poppler's
// pdftoppm (installed with the program's other tools on Linux, part of poppler on macOS
// and Windows ports); where it is missing the caller opens the PDF in the system viewer.
package preview

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"ascolto/data"
)

// Available reports whether pages can be rendered here.
func Available() bool {
	_, err := exec.LookPath("pdftoppm")
	return err == nil
}

// Pages renders every page of pdf at dpi dots per inch (about 60 fits a page on a
// laptop's screen, 100 reads comfortably).
func Pages(ctx context.Context, pdf []byte, dpi int) ([]image.Image, error) {
	if !Available() {
		return nil, data.Problemf("letter.err_preview", "detail", "pdftoppm")
	}
	dir, err := os.MkdirTemp("", "ascolto-preview")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "pdftoppm", "-png", "-r", fmt.Sprint(dpi), in, filepath.Join(dir, "page"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, &data.Problem{Key: "letter.err_preview", Args: map[string]string{"detail": string(bytes.TrimSpace(out))}, Err: err}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	// page-1 … page-10 sort wrongly as text when there are ten or more: by length first
	sort.Slice(files, func(i, j int) bool {
		if len(files[i]) != len(files[j]) {
			return len(files[i]) < len(files[j])
		}
		return files[i] < files[j]
	})
	var out []image.Image
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	return out, nil
}
