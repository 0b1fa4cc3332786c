package ui

import (
	"runtime"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"ascolto/translations"
)

// The window is used with the keyboard alone at the counter. Fyne gives a focused widget
// every key but Tab, so the keys that leave a field (Esc back to the register, Down from
// the search box into the table) are taught to the widgets here; Ctrl+N, Ctrl+S, Ctrl+F
// and the others are main-menu shortcuts, which Fyne runs whatever has the focus.

// textEntry is an entry that hands Esc (and, single-line, Down) to the screen, and in
// which Tab always moves on: a description needs no tab characters, and a multi-line
// field that swallows Tab traps a keyboard user.
type textEntry struct {
	widget.Entry
	onEscape func()
	onDown   func()
	oneLine  bool // wraps like a text area but takes no line breaks (see newWrappedLine)
}

func newTextEntry() *textEntry {
	e := &textEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func newTextArea(rows int) *textEntry {
	e := &textEntry{}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	e.SetMinRowsVisible(rows)
	return e
}

// newWrappedLine is a one-line value shown wrapped over as many rows as it needs from
// rows on: Fyne draws a one-line entry's text as one piece, and a text of thousands of
// characters (a subject from another register) becomes a texture wider than the
// graphics card takes, drawn as a black bar. Enter adds no line break to it.
func newWrappedLine(rows int) *textEntry {
	e := newTextArea(rows)
	e.oneLine = true
	return e
}

// AcceptsTab: never, see above.
func (e *textEntry) AcceptsTab() bool { return false }

// TypedShortcut adds Ctrl+Home and Ctrl+End, to the start and the end of the whole
// text, as in every editor (Fyne's entry moves only within a line with Home and End).
func (e *textEntry) TypedShortcut(s fyne.Shortcut) {
	if c, ok := s.(*desktop.CustomShortcut); ok && c.Modifier == fyne.KeyModifierShortcutDefault {
		switch c.KeyName {
		case fyne.KeyEnd:
			e.cursorToEnd()
			return
		case fyne.KeyHome:
			e.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageUp})
			return
		}
	}
	e.Entry.TypedShortcut(s)
}

// cursorToEnd puts the cursor after the last character: Page Down does that in Fyne's
// entry, counting wrapped lines as it does.
func (e *textEntry) cursorToEnd() {
	e.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
}

// TypedKey gives Esc and Down to the screen when it asked for them.
func (e *textEntry) TypedKey(k *fyne.KeyEvent) {
	switch {
	case k.Name == fyne.KeyEscape && e.onEscape != nil:
		e.onEscape()
		return
	case k.Name == fyne.KeyDown && !e.MultiLine && e.onDown != nil:
		e.onDown()
		return
	case (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && e.oneLine:
		if e.OnSubmitted != nil {
			e.OnSubmitted(e.Text)
		}
		return
	}
	e.Entry.TypedKey(k)
}

// choice is a drop-down of translated labels standing for register values (kinds,
// channels, languages, offices). Typing a letter picks the next option that starts with
// it — "r" then "r" again walks richiesta, reclamo — and a word typed picks the option
// with it (TypedRune), so a clerk never needs the popup;
// Left and Right step through the options, Space or Enter opens the list, Esc leaves the
// screen.
type choice struct {
	widget.Select
	values   []string
	onEscape func()
	onPick   func(value string)
	typed    string    // the letters typed without a pause, folded
	typedAt  time.Time // when the last was
}

func newChoice(labels, values []string, onPick func(value string)) *choice {
	c := &choice{values: values, onPick: onPick}
	c.Options = labels
	c.OnChanged = func(label string) {
		if c.onPick != nil {
			c.onPick(c.Value())
		}
	}
	c.ExtendBaseWidget(c)
	return c
}

// offer adds an option for value if there is none (several values in one, from the
// dashboard).
func (c *choice) offer(value, label string) {
	for _, v := range c.values {
		if v == value {
			return
		}
	}
	c.values = append(c.values, value)
	c.SetOptions(append(append([]string(nil), c.Options...), label))
}

// Value is the register value of the option chosen, "" if none.
func (c *choice) Value() string {
	i := c.SelectedIndex()
	if i < 0 || i >= len(c.values) {
		return ""
	}
	return c.values[i]
}

// SetValue chooses the option standing for v; an unknown v clears the choice.
func (c *choice) SetValue(v string) {
	for i, x := range c.values {
		if x == v {
			if c.SelectedIndex() != i {
				c.SetSelectedIndex(i)
			}
			return
		}
	}
	if c.SelectedIndex() >= 0 {
		c.ClearSelected()
	}
}

// typeAheadPause ends a word being typed into a choice: the next letter starts anew.
const typeAheadPause = time.Second

// typingClock is the time for the typing into a choice (a variable for tests).
var typingClock = time.Now

// TypedRune picks the next option whose label starts with r, accents aside; letters
// typed without a pause pick by the word they make, at the start of the label or of any
// of its words ("mer" for "Centro di mediazione lavoro Merano", where every option
// starts with the same letter).
func (c *choice) TypedRune(r rune) {
	now := typingClock()
	if now.Sub(c.typedAt) > typeAheadPause {
		c.typed = ""
	}
	c.typedAt = now
	c.typed += string(foldRune(r))
	if word := []rune(c.typed); len(word) > 1 && strings.Count(c.typed, string(word[0])) != len(word) {
		if i := c.optionFor(c.typed); i >= 0 {
			if i != c.SelectedIndex() {
				c.SetSelectedIndex(i)
			}
			return
		}
		c.typed = string(foldRune(r)) // no option has it: the letter alone, anew
	}
	c.nextStartingWith(foldRune(r))
}

// optionFor is the first option with a label or a word of it starting with word (folded),
// -1 if none.
func (c *choice) optionFor(word string) int {
	for i, label := range c.Options {
		if strings.HasPrefix(foldText(strings.TrimSpace(label)), word) {
			return i
		}
	}
	for i, label := range c.Options {
		for _, w := range strings.Fields(foldText(label)) {
			if strings.HasPrefix(w, word) {
				return i
			}
		}
	}
	return -1
}

// nextStartingWith picks the next option after the chosen one whose label starts with
// want (folded), round the end.
func (c *choice) nextStartingWith(want rune) {
	n := len(c.Options)
	start := c.SelectedIndex()
	for k := 1; k <= n; k++ {
		i := (start + k + n) % n
		if start < 0 {
			i = k - 1
		}
		label := []rune(strings.TrimSpace(c.Options[i]))
		if len(label) > 0 && foldRune(label[0]) == want {
			c.SetSelectedIndex(i)
			return
		}
	}
}

// TypedKey hands Esc to the screen and opens the list on Enter as on Space (the key a
// clerk tries first on anything that has the keyboard); the rest is the Select's.
func (c *choice) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		if c.onEscape != nil {
			c.onEscape()
			return
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		k = &fyne.KeyEvent{Name: fyne.KeySpace, Physical: k.Physical}
	}
	c.Select.TypedKey(k)
}

func foldRune(r rune) rune {
	if f := []rune(foldText(string(r))); len(f) == 1 {
		return f[0]
	}
	return unicode.ToLower(r)
}

// checkBox is a check box that hands Esc to the screen.
type checkBox struct {
	widget.Check
	onEscape func()
}

func newCheckBox(label string, changed func(bool)) *checkBox {
	c := &checkBox{}
	c.Text = label
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey hands Esc to the screen; Space toggles as in any check box.
func (c *checkBox) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && c.onEscape != nil {
		c.onEscape()
		return
	}
	c.Check.TypedKey(k)
}

// button is a button that Enter presses as well as Space (the key a clerk tries first)
// and that hands Esc to the screen.
type button struct {
	widget.Button
	onEscape func()
	hasFocus bool // for drawing the focus on a primary button (primarybutton.go)
}

func newButton(label string, icon fyne.Resource, tapped func()) *button {
	b := &button{}
	b.Text = label
	b.Icon = icon
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey presses the button on Enter too.
func (b *button) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if !b.Disabled() && b.OnTapped != nil {
			b.OnTapped()
		}
		return
	case fyne.KeyEscape:
		if b.onEscape != nil {
			b.onEscape()
			return
		}
	}
	b.Button.TypedKey(k)
}

// menuShortcut is a menu item's key combination, matched by its name as Fyne matches
// every shortcut, but without the Key and Mod a fyne.KeyboardShortcut has: Fyne's own
// menus would print it as "Ctrl+N" in every language (the words are fixed in Fyne),
// where a German keyboard says "Strg+N". The item's label carries it instead, in the
// interface language's words.
type menuShortcut struct{ sc *desktop.CustomShortcut }

// ShortcutName is the shortcut's, so that the key combination still runs the item.
func (m menuShortcut) ShortcutName() string { return m.sc.ShortcutName() }

// menuItem is a menu item with label and shortcut sc; a Ctrl+key shortcut is written
// in lang's words after the label. macOS draws its menus itself, with ⌘ signs that
// need no words: there the shortcut is left to the system.
func menuItem(lang, label string, sc fyne.Shortcut, do func()) *fyne.MenuItem {
	i := fyne.NewMenuItem(label, do)
	i.Shortcut = sc
	if c, ok := sc.(*desktop.CustomShortcut); ok && runtime.GOOS != "darwin" {
		i.Label = translations.T(lang, "window.menu.item_key", "item", label, "key", shortcutLabel(lang, c))
		i.Shortcut = menuShortcut{c}
	}
	return i
}

// shortcutLabel writes a key combination as the language's keyboards label it
// (Strg+N in German, Ctrl+N in Italian and English).
func shortcutLabel(lang string, c *desktop.CustomShortcut) string {
	var b strings.Builder
	mods := c.Modifier
	if mods&fyne.KeyModifierControl != 0 {
		b.WriteString(translations.T(lang, "window.key.ctrl") + "+")
	}
	if mods&fyne.KeyModifierAlt != 0 {
		b.WriteString("Alt+")
	}
	if mods&fyne.KeyModifierShift != 0 {
		b.WriteString(translations.T(lang, "window.key.shift") + "+")
	}
	b.WriteString(keyLabel(lang, c.KeyName))
	return b.String()
}

// keyLabel is a key as its cap reads in lang: Fyne names Page Down "Next" and Page Up
// "Prior" after X11, which no keyboard prints.
func keyLabel(lang string, k fyne.KeyName) string {
	switch k {
	case fyne.KeyPageDown:
		return translations.T(lang, "window.key.page_down")
	case fyne.KeyPageUp:
		return translations.T(lang, "window.key.page_up")
	}
	return string(k)
}

// firstFocuser is a part that knows where the keyboard starts in it (the letter panel,
// which is built elsewhere and handed to the case view as a plain object).
type firstFocuser interface{ FocusFirst(fyne.Canvas) }

// focusFirstIn puts the keyboard on the first thing in o that takes it (a tab just
// brought to the front by a key): o's own choice if it makes one, else the first shown
// and enabled widget that takes the keyboard, in the order Tab would reach it. With
// none, the keyboard is let go rather than left on something the tab now hides.
func focusFirstIn(c fyne.Canvas, o fyne.CanvasObject) {
	var find func(o fyne.CanvasObject) func()
	find = func(o fyne.CanvasObject) func() {
		if o == nil || !o.Visible() {
			return nil
		}
		switch x := o.(type) {
		case firstFocuser:
			return func() { x.FocusFirst(c) }
		case fyne.Focusable:
			if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
				return nil
			}
			return func() { c.Focus(x) }
		case *fyne.Container:
			for _, child := range x.Objects {
				if f := find(child); f != nil {
					return f
				}
			}
		case *container.Scroll:
			return find(x.Content)
		}
		return nil
	}
	if f := find(o); f != nil {
		f()
		return
	}
	c.Unfocus()
}
