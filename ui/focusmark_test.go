package ui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// The keyboard on a primary button ("Issue letter", a dialog's default answer) must be
// seen: drawn by the test driver, the focused button differs 3:1 from itself unfocused
// and from the background beside it, in the light and the dark variant, and its text
// stays readable on it. Fyne's own focus (the focus colour laid over the accent) made a
// dark blue on blue, 1.5:1.
func TestFocusedPrimaryButtonStandsOut(t *testing.T) {
	for _, variant := range []string{"light", "dark"} {
		t.Run(variant, func(t *testing.T) {
			if variant == "dark" {
				t.Setenv("FYNE_THEME", "dark")
			}
			a := test.NewTempApp(t)
			a.Settings().SetTheme(OfficeTheme())
			preview := newButton("Anteprima", nil, func() {})
			issue := newButton("Emetti lettera", nil, func() {})
			issue.Importance = widget.HighImportance
			w := test.NewWindow(container.NewPadded(container.NewHBox(preview, issue)))
			defer w.Close()
			w.Resize(fyne.NewSize(360, 120))

			// A point inside the button clear of its text and corners (4 px in from its
			// left edge, halfway down), one right of it on the background, and the
			// button's text: the pixel farthest from its fill along its middle.
			sample := func() (fill, beside, text color.Color) {
				img := w.Canvas().Capture()
				scale := float32(img.Bounds().Dx()) / w.Canvas().Size().Width
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(issue)
				size := issue.Size()
				y := int((pos.Y + size.Height/2) * scale)
				fill = img.At(int((pos.X+4)*scale), y)
				beside = img.At(int((pos.X+size.Width+3)*scale), y)
				text = fill
				for x := int(pos.X * scale); x < int((pos.X+size.Width)*scale); x++ {
					if c := img.At(x, y); contrast(c, fill) > contrast(text, fill) {
						text = c
					}
				}
				return fill, beside, text
			}
			still, beside, _ := sample()
			w.Canvas().Focus(issue)
			focused, beside2, text := sample()
			if w.Canvas().Focused() != fyne.Focusable(issue) {
				t.Fatal("the button did not take the keyboard")
			}
			r := contrast(focused, still)
			t.Logf("focused %v, unfocused %v: %.2f:1; on the background %v: %.2f:1; its text %.2f:1",
				focused, still, r, beside2, contrast(focused, beside2), contrast(text, focused))
			if r < 3 {
				t.Errorf("the focused primary button is %.2f:1 from itself unfocused, want 3:1", r)
			}
			if c := contrast(focused, beside2); c < 3 || beside2 != beside {
				t.Errorf("the focused primary button is %.2f:1 from the background beside it (%v, %v unfocused), want 3:1", c, beside2, beside)
			}
			if c := contrast(text, focused); c < 4.5 {
				t.Errorf("the focused primary button's text is %.2f:1 on it, want 4.5:1", c)
			}

			// The keyboard moves on: the button is drawn as before.
			w.Canvas().Focus(preview)
			if again, _, _ := sample(); again != still {
				t.Errorf("the primary button after the focus left: %v, before %v", again, still)
			}
		})
	}
}
