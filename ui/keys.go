package ui

import (
	"runtime"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
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
// it — "r" then "r" again walks richiesta, reclamo — so a clerk never needs the popup;
// Left and Right step through the options, Space opens the list, Esc leaves the screen.
type choice struct {
	widget.Select
	values   []string
	onEscape func()
	onPick   func(value string)
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

// TypedRune picks the next option whose label starts with r, accents aside.
func (c *choice) TypedRune(r rune) {
	want := foldRune(r)
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

// TypedKey hands Esc to the screen; the rest is the Select's.
func (c *choice) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && c.onEscape != nil {
		c.onEscape()
		return
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
	b.WriteString(string(c.KeyName))
	return b.String()
}
