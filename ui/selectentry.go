package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// selectEntry is a field with a list of suggestions (a template's name) that hands Esc
// to the screen, as the program's other fields do, and opens its list on Down; its
// list button, which Tab reaches after the field, answers Esc and Enter as well.
type selectEntry struct {
	widget.SelectEntry
	onEscape func()
	options  []string
}

func newSelectEntry() *selectEntry {
	e := &selectEntry{}
	e.ExtendBaseWidget(e)
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip) // as widget.NewSelectEntry
	return e
}

// CreateRenderer is the select entry's, with the program's list button.
func (e *selectEntry) CreateRenderer() fyne.WidgetRenderer {
	e.SetOptions(e.options)
	return e.SelectEntry.CreateRenderer()
}

// SetOptions sets the suggestions; the list's button is the program's, so that Esc
// and Enter work on it too.
func (e *selectEntry) SetOptions(options []string) {
	e.options = options
	e.SelectEntry.SetOptions(options)
	if b, ok := e.ActionItem.(*widget.Button); ok {
		own := newButton("", b.Icon, b.OnTapped)
		own.Importance = b.Importance
		own.onEscape = func() {
			if e.onEscape != nil {
				e.onEscape()
			}
		}
		if b.Disabled() {
			own.Disable()
		}
		e.ActionItem = own
		e.Refresh()
	}
}

// TypedKey hands Esc to the screen and opens the list on Down.
func (e *selectEntry) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		if e.onEscape != nil {
			e.onEscape()
			return
		}
	case fyne.KeyDown:
		if b, ok := e.ActionItem.(*button); ok && !b.Disabled() && b.OnTapped != nil {
			b.OnTapped()
			return
		}
	}
	e.SelectEntry.TypedKey(k)
}

// AcceptsTab: never, as textEntry.
func (e *selectEntry) AcceptsTab() bool { return false }

// selectList is a drop-down whose choosing does something at once (a phrase inserted
// into the reply), so typed letters pick nothing, unlike choice: it hands Esc to the
// screen and opens its list on Enter as on Space.
type selectList struct {
	widget.Select
	onEscape func()
}

func newSelectList(changed func(string)) *selectList {
	s := &selectList{}
	s.OnChanged = changed
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey hands Esc to the screen and opens the list on Enter.
func (s *selectList) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		if s.onEscape != nil {
			s.onEscape()
			return
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		k = &fyne.KeyEvent{Name: fyne.KeySpace, Physical: k.Physical}
	}
	s.Select.TypedKey(k)
}
