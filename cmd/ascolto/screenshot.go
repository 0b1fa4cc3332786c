package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"time"

	"fyne.io/fyne/v2"
)

// settle is how long the first rows get to reach the screen: Capture reads the GL front
// buffer, which holds a frame only after it has been drawn and swapped.
const settle = 700 * time.Millisecond

// capture writes the window to p.shot and ends the program. It runs on its own goroutine.
func (p *program) capture() {
	time.Sleep(settle)
	var img *image.NRGBA
	for try := 0; try < 5; try++ {
		var raw image.Image
		fyne.DoAndWait(func() { raw = p.win.Canvas().Capture() })
		if img = opaque(raw); img != nil && !uniform(img) {
			break
		}
		// Nothing drawn yet (a slow software renderer): ask for a frame and look again.
		fyne.DoAndWait(func() { p.win.Content().Refresh() })
		time.Sleep(500 * time.Millisecond)
	}
	switch {
	case img == nil || uniform(img):
		// Mesa's llvmpipe under Xvfb reads the front buffer back empty; softpipe does not.
		fmt.Fprintf(os.Stderr, "ascolto: screenshot: the window reads back blank (under Xvfb, try GALLIUM_DRIVER=softpipe)\n")
		p.setExit(exitNoPicture)
	default:
		if err := writePNG(p.shot, img); err != nil {
			fmt.Fprintf(os.Stderr, "ascolto: screenshot: %v\n", err)
			p.setExit(exitNoPicture)
		} else {
			p.logf("screenshot %s (%d×%d) written", p.shot, img.Bounds().Dx(), img.Bounds().Dy())
		}
	}
	fyne.Do(p.app.Quit)
}

// opaque copies a captured frame with full alpha. The window is opaque on screen, but GL
// leaves the framebuffer's alpha channel as the blending made it (often 0), which would
// turn the PNG transparent.
func opaque(src image.Image) *image.NRGBA {
	if src == nil || src.Bounds().Empty() {
		return nil
	}
	b := src.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			// Read the stored channels as they are: with alpha 0 a premultiplied
			// conversion would throw the colour away.
			r, g, bl, _ := src.At(x, y).RGBA()
			i := out.PixOffset(x-b.Min.X, y-b.Min.Y)
			out.Pix[i+0], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), 0xff
		}
	}
	return out
}

// uniform reports whether every pixel has the same colour: an empty read-back.
func uniform(img *image.NRGBA) bool {
	first := img.Pix[0:4]
	for i := 4; i < len(img.Pix); i += 4 {
		if img.Pix[i] != first[0] || img.Pix[i+1] != first[1] || img.Pix[i+2] != first[2] {
			return false
		}
	}
	return true
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// watchdog ends a screenshot run that never gets to its first rows, so that a smoke test
// fails with a message instead of hanging until its own timeout.
func (p *program) watchdog(limit time.Duration) {
	time.AfterFunc(limit, func() {
		fmt.Fprintf(os.Stderr, "ascolto: screenshot: no rows on screen after %v\n", limit)
		os.Exit(exitNoPicture)
	})
}
