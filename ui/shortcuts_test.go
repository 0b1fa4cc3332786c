package ui

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/draft"
	"ascolto/translations"
)

// docShortcuts reads the Ctrl shortcuts from the keyboard table of docs/window.md, each
// as written after "Ctrl+" ("N", ",", "Shift+Tab", "PageDown").
func docShortcuts(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../docs/window.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(raw), "## Keyboard")
	if !ok {
		t.Fatal("docs/window.md has no keyboard section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	var out []string
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		keys := strings.TrimSpace(strings.Split(line, "|")[1])
		for _, k := range strings.Split(keys, ", ") {
			if name, ok := strings.CutPrefix(k, "Ctrl+"); ok {
				out = append(out, name)
			}
		}
	}
	if len(out) < 8 {
		t.Fatalf("only %d shortcuts read from the table: %v", len(out), out)
	}
	return out
}

// docKey is a shortcut as the table writes it after "Ctrl+", as the window gets it, and
// as the menu of lang must write it.
func docKey(lang, name string) (*desktop.CustomShortcut, string) {
	sc := &desktop.CustomShortcut{Modifier: fyne.KeyModifierShortcutDefault}
	label := translations.T(lang, "window.key.ctrl") + "+"
	if rest, ok := strings.CutPrefix(name, "Shift+"); ok {
		sc.Modifier |= fyne.KeyModifierShift
		label += translations.T(lang, "window.key.shift") + "+"
		name = rest
	}
	switch name {
	case ",":
		sc.KeyName = fyne.KeyComma
	case "PageDown":
		sc.KeyName = fyne.KeyPageDown
		return sc, label + translations.T(lang, "window.key.page_down")
	case "PageUp":
		sc.KeyName = fyne.KeyPageUp
		return sc, label + translations.T(lang, "window.key.page_up")
	default:
		sc.KeyName = fyne.KeyName(name)
	}
	return sc, label + name
}

// pressKeys runs the menu item with shortcut sc, as the window does for a key
// combination (menu shortcuts go first, wherever the keyboard is).
func pressKeys(t *testing.T, w fyne.Window, sc fyne.Shortcut) {
	t.Helper()
	for _, menu := range w.MainMenu().Items {
		for _, i := range menu.Items {
			if i.Shortcut != nil && i.Shortcut.ShortcutName() == sc.ShortcutName() && i.Action != nil {
				i.Action()
				return
			}
		}
	}
	t.Fatalf("no menu item has the shortcut %s", sc.ShortcutName())
}

// keyShell is the window as the program has it: with the quality dashboard, the
// exchange and the letter panel, and the drafts in dir.
func keyShell(t *testing.T, s *data.Store, lang, dir string) (*Shell, uiQueue, fyne.Window) {
	t.Helper()
	a := fyne.CurrentApp()
	if a == nil {
		a = test.NewTempApp(t)
	}
	drafts, err := draft.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	q := make(uiQueue, 1000)
	w := test.NewWindow(nil)
	t.Cleanup(func() {
		if windowOpen(w) { // Ctrl+Q closed it already; the test driver fails a second close
			w.Close()
		}
	})
	w.Resize(fyne.NewSize(1280, 720))
	sh := newShell(Config{Store: s, Lang: lang, Window: w, App: a, Drafts: drafts,
		ReminderEvery: time.Hour, WatchEvery: time.Hour, ExchangeEvery: time.Hour,
		Letter: func(store *data.Store, c *data.Case, lang string) fyne.CanvasObject {
			return NewLetterPanel(store, c, lang, w)
		},
		Dashboard: func(*data.Store, string, func(data.Filter)) fyne.CanvasObject {
			return widget.NewLabel("dashboard")
		}}, q.do)
	t.Cleanup(sh.Close)
	sh.Show()
	sh.SetExchange(busyExchange())
	q.until(t, "the first rows", func() bool { return sh.register.firstDone })
	return sh, q, w
}

// Every shortcut docs/window.md lists does what it says, in Italian and in German, and
// its menu item shows it in the language's words (Strg in German).
func TestDocumentedShortcutsWork(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			s := mixedRegister(t)
			dir := t.TempDir()
			sh, q, w := keyShell(t, s, lang, dir)
			focused := func() fyne.Focusable { return w.Canvas().Focused() }
			received, _ := s.List(t.Context(), data.Filter{Statuses: []data.Status{data.StatusReceived}, Limit: 1})
			openCase := func() *CaseView { return showCase(t, sh, q, received[0].Number) }
			press := func(name string) {
				t.Helper()
				sc, _ := docKey(lang, name)
				pressKeys(t, w, sc)
			}
			letterOf := func(v *CaseView) *LetterPanel {
				return v.tabs.Items[2].Content.(*letterPanelObject).p
			}
			checks := map[string]func() string{
				"N": func() string {
					press("N")
					if sh.tabs.Selected() != sh.intakeTab || focused() != fyne.Focusable(sh.intake.kind) {
						return "the form with the keyboard on the kind"
					}
					return ""
				},
				"E": func() string {
					press("E")
					top := w.Canvas().Overlays().Top()
					defer func() {
						if top != nil {
							w.Canvas().Overlays().Remove(top)
						}
					}()
					if top == nil {
						return "the file chooser"
					}
					return ""
				},
				"F": func() string {
					sh.ShowIntake()
					press("F")
					if sh.tabs.Selected() != sh.registerTab || focused() != fyne.Focusable(sh.register.search) {
						return "the register with the keyboard in the search"
					}
					return ""
				},
				"S": func() string {
					press("N")
					n := count(t, s)
					typeInto(w, sh.intake.subject, "Scorciatoia")
					press("S")
					q.until(t, "the save", func() bool { return count(t, s) == n+1 })
					return ""
				},
				"R": func() string {
					openCase()
					press("R")
					if oc := sh.currentCase(); oc == nil || focused() != fyne.Focusable(oc.view.reply) {
						return "the keyboard in the reply"
					}
					return ""
				},
				"W": func() string {
					openCase()
					press("W")
					if sh.currentCase() != nil || len(sh.cases) != 0 {
						return "the case's tab closed"
					}
					return ""
				},
				"D": func() string {
					press("D")
					q.until(t, "the overdue cases", func() bool { return settled(sh.register) })
					if sh.tabs.Selected() != sh.registerTab || !sh.register.filter.Overdue {
						return "the register filtered to the overdue cases"
					}
					return ""
				},
				",": func() string {
					press(",")
					if sh.tabs.Selected() != sh.settingsTab {
						return "the settings"
					}
					return ""
				},
				"1": func() string {
					sh.ShowIntake()
					press("1")
					if sh.tabs.Selected() != sh.registerTab || focused() != fyne.Focusable(sh.register.search) {
						return "the register with the keyboard in the search"
					}
					return ""
				},
				"2": func() string {
					press("2")
					if sh.tabs.Selected() != sh.intakeTab || focused() != fyne.Focusable(sh.intake.kind) {
						return "the form with the keyboard on the kind"
					}
					return ""
				},
				"3": func() string {
					press("3")
					if sh.tabs.Selected() != sh.dashTab || !reads(sh.dashTab.Content, "dashboard") || focused() != nil {
						return "the dashboard, built, with the keyboard let go"
					}
					return ""
				},
				"4": func() string {
					press("4")
					if sh.exchTab == nil || sh.tabs.Selected() != sh.exchTab {
						return "the exchange"
					}
					return ""
				},
				"5": func() string {
					press("5")
					if sh.tabs.Selected() != sh.settingsTab {
						return "the settings"
					}
					return ""
				},
				"6": func() string {
					press("6")
					if sh.inboxTab == nil || sh.tabs.Selected() != sh.inboxTab {
						return "the inbox"
					}
					return ""
				},
				"Tab": func() string {
					sh.ShowRegister()
					press("Tab")
					if sh.tabs.Selected() != sh.intakeTab || focused() != fyne.Focusable(sh.intake.kind) {
						return "the next tab, the form, with the keyboard on the kind"
					}
					v := openCase() // the last tab: Ctrl+Tab goes round to the first
					press("Tab")
					if sh.tabs.Selected() != sh.registerTab || focused() != fyne.Focusable(sh.register.search) || sh.currentCase() != nil {
						return "round the end to the register"
					}
					_ = v
					return ""
				},
				"Shift+Tab": func() string {
					v := openCase()
					sh.ShowRegister()
					press("Shift+Tab")
					if oc := sh.currentCase(); oc == nil || oc.view != v || focused() != v.first {
						return "the previous tab round the start, the case, with the keyboard on its first action"
					}
					press("Shift+Tab")
					if sh.tabs.Selected() != sh.settingsTab {
						return "from the case back to the settings"
					}
					return ""
				},
				"PageDown": func() string {
					v := openCase()
					v.tabs.SelectIndex(0)
					press("PageDown")
					add, ok := focused().(*button)
					if v.tabs.SelectedIndex() != 1 || !ok || add.Text != translations.T(lang, "case.file_add") {
						return "the attachments, with the keyboard on adding one"
					}
					press("PageDown")
					if v.tabs.SelectedIndex() != 2 || focused() != fyne.Focusable(letterOf(v).reply) {
						return "the letter, with the keyboard in its reply"
					}
					return ""
				},
				"PageUp": func() string {
					v := openCase()
					v.tabs.SelectIndex(0)
					press("PageUp")
					if v.tabs.SelectedIndex() != 2 || focused() != fyne.Focusable(letterOf(v).reply) {
						return "round the start to the letter, with the keyboard in its reply"
					}
					press("PageUp")
					press("PageUp")
					if v.tabs.SelectedIndex() != 0 || focused() != nil {
						return "the history, with the keyboard let go (nothing in it takes it)"
					}
					return ""
				},
				"Q": func() string {
					closed := 0
					w.SetOnClosed(func() { // as cmd/ascolto does
						closed++
						sh.Close()
					})
					v := openCase()
					press("R")
					test.Type(v.reply, "Bozza da non perdere")
					press("Q")
					if windowOpen(w) {
						return "the window closed"
					}
					var d struct{ Text, Language string }
					drafts, _ := draft.Open(dir)
					if ok, err := drafts.Load("reply-"+safeName(v.c.ID), &d); closed != 1 || !ok || err != nil || !strings.HasSuffix(d.Text, "Bozza da non perdere") {
						return "the reply kept as a draft when the window closed"
					}
					return ""
				},
			}
			keys := docShortcuts(t)
			// Quitting ends the window: last.
			sort.SliceStable(keys, func(i, j int) bool { return keys[j] == "Q" && keys[i] != "Q" })
			for _, k := range keys {
				check, ok := checks[k]
				if !ok {
					t.Errorf("Ctrl+%s is in docs/window.md but not checked here", k)
					continue
				}
				_, label := docKey(lang, k)
				if !menuShows(w.MainMenu(), label) {
					t.Errorf("no menu item shows %q", label)
				}
				if want := check(); want != "" {
					t.Errorf("Ctrl+%s did not give %s", k, want)
				}
			}
			if keys[len(keys)-1] != "Q" {
				t.Error("Ctrl+Q is not in docs/window.md")
			}
		})
	}
}

// windowOpen says whether w is still one of the program's windows.
func windowOpen(w fyne.Window) bool {
	for _, x := range fyne.CurrentApp().Driver().AllWindows() {
		if x == w {
			return true
		}
	}
	return false
}

func menuShows(m *fyne.MainMenu, label string) bool {
	for _, menu := range m.Items {
		for _, i := range menu.Items {
			if strings.Contains(i.Label, label) {
				return true
			}
		}
	}
	return false
}
