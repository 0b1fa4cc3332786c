package ui

import (
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"ascolto/data"
	"ascolto/translations"
)

// docShortcuts reads the Ctrl shortcuts from the keyboard table of docs/window.md.
func docShortcuts(t *testing.T) []fyne.KeyName {
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
	var out []fyne.KeyName
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		keys := strings.TrimSpace(strings.Split(line, "|")[1])
		for _, k := range strings.Split(keys, ", ") {
			if name, ok := strings.CutPrefix(k, "Ctrl+"); ok {
				if name == "," {
					out = append(out, fyne.KeyComma)
				} else {
					out = append(out, fyne.KeyName(name))
				}
			}
		}
	}
	if len(out) < 8 {
		t.Fatalf("only %d shortcuts read from the table: %v", len(out), out)
	}
	return out
}

// Every shortcut docs/window.md lists does what it says, in Italian and in German, and
// its menu item shows it in the language's words (Strg in German).
func TestDocumentedShortcutsWork(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			s := mixedRegister(t)
			sh, q, w := shellFor(t, s, lang, "")
			focused := func() fyne.Focusable { return w.Canvas().Focused() }
			checks := map[fyne.KeyName]func() string{
				fyne.KeyN: func() string {
					press(t, w, fyne.KeyN)
					if sh.tabs.Selected() != sh.intakeTab || focused() != fyne.Focusable(sh.intake.kind) {
						return "the form with the keyboard on the kind"
					}
					return ""
				},
				fyne.KeyE: func() string {
					press(t, w, fyne.KeyE)
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
				fyne.KeyF: func() string {
					sh.ShowIntake()
					press(t, w, fyne.KeyF)
					if sh.tabs.Selected() != sh.registerTab || focused() != fyne.Focusable(sh.register.search) {
						return "the register with the keyboard in the search"
					}
					return ""
				},
				fyne.KeyS: func() string {
					press(t, w, fyne.KeyN)
					n := count(t, s)
					typeInto(w, sh.intake.subject, "Scorciatoia")
					press(t, w, fyne.KeyS)
					q.until(t, "the save", func() bool { return count(t, s) == n+1 })
					return ""
				},
				fyne.KeyR: func() string {
					list, _ := s.List(t.Context(), data.Filter{Statuses: []data.Status{data.StatusReceived}, Limit: 1})
					showCase(t, sh, q, list[0].Number)
					press(t, w, fyne.KeyR)
					if oc := sh.currentCase(); oc == nil || focused() != fyne.Focusable(oc.view.reply) {
						return "the keyboard in the reply"
					}
					return ""
				},
				fyne.KeyW: func() string {
					list, _ := s.List(t.Context(), data.Filter{Statuses: []data.Status{data.StatusReceived}, Limit: 1})
					showCase(t, sh, q, list[0].Number)
					press(t, w, fyne.KeyW)
					if sh.currentCase() != nil || len(sh.cases) != 0 {
						return "the case's tab closed"
					}
					return ""
				},
				fyne.KeyD: func() string {
					press(t, w, fyne.KeyD)
					q.until(t, "the overdue cases", func() bool { return settled(sh.register) })
					if sh.tabs.Selected() != sh.registerTab || !sh.register.filter.Overdue {
						return "the register filtered to the overdue cases"
					}
					return ""
				},
				fyne.KeyComma: func() string {
					press(t, w, fyne.KeyComma)
					if sh.tabs.Selected() != sh.settingsTab {
						return "the settings"
					}
					return ""
				},
			}
			for _, k := range docShortcuts(t) {
				check, ok := checks[k]
				if !ok {
					t.Errorf("Ctrl+%s is in docs/window.md but not checked here", k)
					continue
				}
				if want := check(); want != "" {
					t.Errorf("Ctrl+%s did not give %s", k, want)
				}
				label := translations.T(lang, "window.key.ctrl") + "+" + string(k)
				if !menuShows(w.MainMenu(), label) {
					t.Errorf("no menu item shows %q", label)
				}
			}
		})
	}
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
