package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// readingWidth lays its content out at a fixed width and as tall as the wrapped text
// then needs, so that a message reads as a paragraph in the middle of a wide window
// rather than as one long line.
type readingWidth float32

func (w readingWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		// A wrapping label knows its height only once it knows its width.
		if o.Size().Width != float32(w) {
			o.Resize(fyne.NewSize(float32(w), o.MinSize().Height))
		}
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

func (w readingWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// tightColumn stacks labels as the lines of one block: each label brings its padding
// above and below, so the next one moves up by the inner padding to close the gap.
// Hidden lines (a field's error message while there is none) take no room.
type tightColumn struct{}

func (tightColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	n := 0
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		s = fyne.NewSize(max(s.Width, m.Width), s.Height+m.Height)
		if n > 0 {
			s.Height -= theme.InnerPadding()
		}
		n++
	}
	return s
}

func (tightColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	var y float32
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - theme.InnerPadding()
	}
}

// sideBySide puts its objects next to each other in equal columns when the width gives
// each of them its least width, and one under the other when it does not (a window of
// 1024 px, large text): two tables never overlap or lose their last columns. Its least
// width is the widest object's; its least height follows the arrangement of the width
// it was last laid out at.
type sideBySide struct{ width float32 }

func (l *sideBySide) fits(objects []fyne.CanvasObject, width float32) bool {
	n := len(objects)
	if n == 0 {
		return true
	}
	col := (width - theme.Padding()*float32(n-1)) / float32(n)
	for _, o := range objects {
		if o.MinSize().Width > col {
			return false
		}
	}
	return true
}

func (l *sideBySide) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var w, tall, sum float32
	for i, o := range objects {
		m := o.MinSize()
		w, tall = max(w, m.Width), max(tall, m.Height)
		sum += m.Height
		if i > 0 {
			sum += theme.Padding()
		}
	}
	if l.width > 0 && l.fits(objects, l.width) {
		return fyne.NewSize(w, tall)
	}
	return fyne.NewSize(w, sum)
}

func (l *sideBySide) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	pad := theme.Padding()
	if l.fits(objects, size.Width) {
		col := (size.Width - pad*float32(len(objects)-1)) / float32(len(objects))
		for i, o := range objects {
			o.Move(fyne.NewPos(float32(i)*(col+pad), 0))
			o.Resize(fyne.NewSize(col, size.Height))
		}
		return
	}
	var y float32
	for _, o := range objects {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + pad
	}
}
