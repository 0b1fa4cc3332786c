package ui

import (
	"context"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/draft"
)

// DashboardFunc builds the quality dashboard's tab (ui.NewDashboard, its own part);
// open shows the register filtered to the cases behind a figure.
type DashboardFunc func(store *data.Store, lang string, open func(data.Filter)) fyne.CanvasObject

// Config is what the main window is made of.
type Config struct {
	Store  *data.Store
	Lang   string
	Window fyne.Window
	App    fyne.App
	// Drafts keeps what is typed until it is saved; nil keeps nothing (tests).
	Drafts *draft.Store
	// Letter and Dashboard are the places of the letter panel and of the quality
	// dashboard, which come from their own parts; nil leaves them out.
	Letter    LetterFunc
	Dashboard DashboardFunc
	// ReminderEvery is how often the deadlines are counted (default hourly).
	ReminderEvery time.Duration
	// WatchEvery is how often the register is looked at for changes made by other
	// programs (default every second).
	WatchEvery time.Duration
	// ExchangeEvery is how often the exchange's status line is read again besides
	// after each change it applied (default every 15 seconds).
	ExchangeEvery time.Duration
	// About is the program's version line (Help → About); Diagnostics gathers the text
	// for support (Help → Copy diagnostics). Either may be empty/nil.
	About       string
	Diagnostics func() string
}

// Shell is the main window: the register, the intake form, the dashboard, the settings
// and the open cases as tabs; the menu with the keyboard shortcuts; the reminder at the
// foot. It switches language while running by building its screens again, keeping the
// filter, the open cases and what was typed.
type Shell struct {
	// OnFirstRows is called once when the register's first rows are on screen.
	OnFirstRows func()

	cfg Config
	e   *env

	tabs        *container.AppTabs
	register    *RegisterView
	registerTab *container.TabItem
	intake      *IntakeView
	intakeTab   *container.TabItem
	inbox       *InboxView // the office's mailbox (inbox.go)
	inboxTab    *container.TabItem
	settings    *SettingsView
	settingsTab *container.TabItem
	dashTab     *container.TabItem
	dashBuilt   bool
	cases       []*openCase
	reminder    *Reminder
	root        fyne.CanvasObject
	firstSeen   bool
	stopWatch   context.CancelFunc
	shown       bool

	// The exchange with other offices (SetExchange): its tab, its line at the foot.
	exch     Exchanger
	exchView *ExchangeView
	exchTab  *container.TabItem
	exchLine *ExchangeLine
	foot     *fyne.Container
	stopExch context.CancelFunc
	// exchCtx is what the view's and the line's calls of the exchange run on; ended by
	// stopExchange, so that nothing of the window still works on an exchange taken away
	// (another folder, a restore). Nil after that until the next makeExchange.
	exchCtx    context.Context
	exchCancel context.CancelFunc
}

type openCase struct {
	view *CaseView
	tab  *container.TabItem
}

// NewShell builds the main window's content for cfg.Window; Show puts it there.
func NewShell(cfg Config) *Shell { return newShell(cfg, fyne.Do) }

func newShell(cfg Config, do func(func())) *Shell {
	if cfg.ReminderEvery == 0 {
		cfg.ReminderEvery = ReminderEvery
	}
	if cfg.WatchEvery == 0 {
		cfg.WatchEvery = time.Second
	}
	if cfg.ExchangeEvery == 0 {
		cfg.ExchangeEvery = 15 * time.Second
	}
	s := &Shell{cfg: cfg}
	var prefs fyne.Preferences
	if cfg.App != nil {
		prefs = cfg.App.Preferences()
	}
	s.e = &env{store: cfg.Store, lang: cfg.Lang, do: do, win: cfg.Window, app: cfg.App, prefs: prefs, drafts: cfg.Drafts}
	s.build(registerFilter{}, nil)
	return s
}

// Lang is the interface language.
func (s *Shell) Lang() string { return s.e.lang }

// Register is the register view.
func (s *Shell) Register() *RegisterView { return s.register }

// Intake is the intake form.
func (s *Shell) Intake() *IntakeView { return s.intake }

func (s *Shell) build(f registerFilter, keep *intakeDraft) {
	e := s.e
	s.register = registerViewFor(e, f)
	s.register.OnOpen = func(c *data.Case) { s.OpenCase(c.ID) }
	s.register.OnFirstRows = func() {
		if !s.firstSeen {
			s.firstSeen = true
			if s.OnFirstRows != nil {
				s.OnFirstRows()
			}
		}
	}
	s.intake = newIntakeView(e)
	if keep != nil && !s.intake.Restored() {
		s.intake.fill(*keep) // no drafts folder: carry the form over in memory
	}
	s.intake.OnSaved = func(*data.Case) {
		s.register.Reload()
		s.reminder.Refresh()
	}
	s.intake.OnEscape = s.ShowRegister
	s.intake.OnOpenCase = s.OpenCase
	s.register.OnEscape = func() {}
	s.inbox = newInboxView(e)
	s.inbox.OnOpenCase = s.OpenCase
	s.inbox.OnRegistered = s.changedElsewhere
	s.inbox.OnEscape = s.ShowRegister
	s.settings = newSettingsView(e)
	s.settings.OnLanguage = func(lang string) { s.e.do(func() { s.SetLanguage(lang) }) }
	s.settings.OnEscape = s.ShowRegister

	s.registerTab = container.NewTabItemWithIcon(e.t("window.tab.register"), theme.ListIcon(), s.register.Object())
	s.intakeTab = container.NewTabItemWithIcon(e.t("window.tab.intake"), theme.ContentAddIcon(), s.intake.Object())
	s.settingsTab = container.NewTabItemWithIcon(e.t("window.tab.settings"), theme.SettingsIcon(), s.settings.Object())
	s.inboxTab = container.NewTabItemWithIcon(e.t("window.mailbox.tab"), theme.MailComposeIcon(), s.inbox.Object())
	items := []*container.TabItem{s.registerTab, s.intakeTab, s.inboxTab}
	s.dashTab, s.dashBuilt = nil, false
	// The quality dashboard's place: its tab comes from its own part (ui.NewDashboard,
	// wired in cmd/ascolto); without it there is no tab. It is built when the tab is
	// first opened: its figures are computed over the whole register, work the start
	// of the window (and its memory) should not wait for.
	if s.cfg.Dashboard != nil {
		s.dashTab = container.NewTabItemWithIcon(e.t("window.tab.dashboard"), theme.GridIcon(),
			container.NewCenter(widget.NewLabel(e.t("window.loading"))))
		items = append(items, s.dashTab)
	}
	s.exchView, s.exchTab, s.exchLine = nil, nil, nil
	if s.exch != nil {
		s.makeExchange()
		items = append(items, s.exchTab)
	}
	items = append(items, s.settingsTab)
	s.tabs = container.NewAppTabs(items...)
	s.tabs.OnSelected = s.tabSelected

	s.reminder = newReminder(e, s.cfg.ReminderEvery)
	s.reminder.OnShow = func() {
		s.ShowRegister()
		s.register.ShowOverdue()
	}
	s.foot = container.NewVBox(widget.NewSeparator(), s.reminder.Object())
	if s.exchLine != nil {
		s.foot.Add(s.exchLine.Object())
	}
	s.root = container.NewBorder(nil, s.foot, nil, nil, s.tabs)
	if s.intake.Restored() {
		s.intakeTab.Text = e.t("window.tab.intake_draft")
	}
}

// Object is the window's content.
func (s *Shell) Object() fyne.CanvasObject { return s.root }

// Show puts the shell in its window: content, title, menu, the drop of e-mails; it
// starts the reminder and the watch for changes made by other programs.
func (s *Shell) Show() {
	w := s.cfg.Window
	w.SetContent(s.root)
	w.SetTitle(s.register.Title())
	w.SetMainMenu(s.menu())
	w.SetOnDropped(s.dropped)
	s.reminder.Start()
	s.inbox.Start()
	if s.stopWatch == nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopWatch = cancel
		go s.cfg.Store.Watch(ctx, s.cfg.WatchEvery, func() { s.e.do(s.changedElsewhere) })
	}
	s.shown = true
	s.followExchange()
	s.register.FocusSearch(w.Canvas())
}

// changedElsewhere follows a change made by another program (ascoltoctl, an import,
// the exchange): the table and the figures show it. An open case is not rebuilt under
// the clerk's hands; a change of it made meanwhile is refused with a message (the
// register checks the version) and the case is shown again then.
func (s *Shell) changedElsewhere() {
	s.register.Reload()
	s.reminder.Refresh()
}

// Close stops the shell's readers and writes pending drafts (the window is closing).
func (s *Shell) Close() {
	if s.stopWatch != nil {
		s.stopWatch()
		s.stopWatch = nil
	}
	s.stopExchange()
	s.shown = false // an exchange given after this is not followed
	s.closeViews()
}

func (s *Shell) closeViews() {
	s.reminder.Stop()
	s.register.Close()
	s.intake.Close()
	s.inbox.Close()
	for _, oc := range s.cases {
		oc.view.Close()
	}
}

// SetLanguage switches the interface language at once: the screens are built again in
// lang, with the same filter, the same open cases and what was typed in the form.
func (s *Shell) SetLanguage(lang string) {
	if lang == s.e.lang {
		return
	}
	f := s.register.filter
	keep := s.intake.state()
	s.intake.Close() // the draft is on the disk before the new form reads it
	var open []string
	for _, oc := range s.cases {
		open = append(open, oc.view.id)
	}
	selected := s.selectedName()
	s.closeViews()
	s.cases = nil
	s.e.lang = lang
	s.e.setPref(PrefLanguage, lang)
	UseFyneLanguage(lang)
	s.firstSeen = true // no second screenshot after a switch
	s.build(f, &keep)
	for _, id := range open {
		s.OpenCase(id)
	}
	s.Show()
	s.selectName(selected)
}

func (s *Shell) selectedName() string {
	cur := s.tabs.Selected()
	switch cur {
	case s.intakeTab:
		return "intake"
	case s.inboxTab:
		return "inbox"
	case s.settingsTab:
		return "settings"
	case s.dashTab:
		return "dashboard"
	}
	if cur != nil && cur == s.exchTab {
		return "exchange"
	}
	for _, oc := range s.cases {
		if oc.tab == cur {
			return "case:" + oc.view.id
		}
	}
	return "register"
}

func (s *Shell) selectName(name string) {
	switch {
	case name == "intake":
		s.ShowIntake()
	case name == "inbox":
		s.tabs.Select(s.inboxTab)
	case name == "settings":
		s.ShowSettings()
	case name == "dashboard" && s.dashTab != nil:
		s.tabs.Select(s.dashTab)
	case name == "exchange" && s.exchTab != nil:
		s.ShowExchange()
	case strings.HasPrefix(name, "case:"):
		s.OpenCase(strings.TrimPrefix(name, "case:"))
	default:
		s.ShowRegister()
	}
}

// ShowScreen selects a screen by name (register, intake, settings, dashboard, exchange, case:REF), for
// the program's --show option.
func (s *Shell) ShowScreen(name string) { s.selectName(name) }

func (s *Shell) canvas() fyne.Canvas { return s.cfg.Window.Canvas() }

func (s *Shell) tabSelected(t *container.TabItem) {
	if t == s.dashTab && !s.dashBuilt {
		s.dashBuilt = true
		if d := s.cfg.Dashboard(s.e.store, s.e.lang, s.ShowCases); d != nil {
			t.Content = d
			s.tabs.Refresh()
		}
	}
	switch t {
	case s.registerTab:
		s.register.FocusSearch(s.canvas())
	case s.intakeTab:
		s.intake.FocusFirst(s.canvas())
	case s.inboxTab:
		s.inbox.FocusFirst(s.canvas())
	case s.settingsTab:
		s.settings.FocusFirst(s.canvas())
	}
	if t != nil && t == s.dashTab {
		// The dashboard has no field to start in; the keyboard must not stay in a screen
		// now hidden (a key typed would land there). Tab goes into the dashboard.
		s.canvas().Unfocus()
	}
	if t != nil && t == s.exchTab {
		s.exchView.Refresh()
		s.exchView.FocusFirst(s.canvas())
	}
	for _, oc := range s.cases {
		if oc.tab == t {
			oc.view.FocusFirst(s.canvas())
		}
	}
}

// ShowCases shows the register filtered by f (the dashboard's way to the cases).
func (s *Shell) ShowCases(f data.Filter) {
	s.register.ShowCases(f)
	s.ShowRegister()
}

// ShowRegister selects the register with the keyboard in the search box (Ctrl+F).
func (s *Shell) ShowRegister() {
	if s.tabs.Selected() != s.registerTab {
		s.tabs.Select(s.registerTab)
	}
	s.register.FocusSearch(s.canvas())
}

// ShowIntake selects the intake form with the keyboard on its first field (Ctrl+N).
func (s *Shell) ShowIntake() {
	if s.tabs.Selected() != s.intakeTab {
		s.tabs.Select(s.intakeTab)
	}
	s.intake.freshen()
	s.intake.FocusFirst(s.canvas())
}

// ShowSettings selects the settings.
func (s *Shell) ShowSettings() {
	if s.tabs.Selected() != s.settingsTab {
		s.tabs.Select(s.settingsTab)
	}
	s.settings.FocusFirst(s.canvas())
}

// OpenCase shows a case in a tab of its own (the same tab if it is open already).
func (s *Shell) OpenCase(ref string) {
	for _, oc := range s.cases {
		if oc.view.id == ref || (oc.view.c != nil && oc.view.c.Number == ref) {
			s.tabs.Select(oc.tab)
			oc.view.FocusFirst(s.canvas())
			return
		}
	}
	v := newCaseView(s.e, ref, s.cfg.Letter)
	title := ref
	if len(title) > 20 {
		title = "…"
	}
	tab := container.NewTabItemWithIcon(title, theme.DocumentIcon(), v.Object())
	oc := &openCase{view: v, tab: tab}
	v.OnEscape = func() { s.closeCase(oc) }
	v.OnChanged = func(*data.Case) {
		s.register.Reload()
		s.reminder.Refresh()
	}
	v.loaded = func() {
		if tab.Text != v.c.Number {
			tab.Text = v.c.Number
			s.tabs.Refresh()
		}
		// The view was built anew: the keyboard goes to its first action.
		if s.tabs.Selected() == tab {
			v.FocusFirst(s.canvas())
		}
	}
	s.cases = append(s.cases, oc)
	s.tabs.Append(tab)
	s.tabs.Select(tab)
}

// closeCase closes a case's tab and goes back to the register.
func (s *Shell) closeCase(oc *openCase) {
	oc.view.Close()
	for i, x := range s.cases {
		if x == oc {
			s.cases = append(s.cases[:i], s.cases[i+1:]...)
			break
		}
	}
	s.tabs.Remove(oc.tab)
	s.ShowRegister()
}

func (s *Shell) currentCase() *openCase {
	cur := s.tabs.Selected()
	for _, oc := range s.cases {
		if oc.tab == cur {
			return oc
		}
	}
	return nil
}

// save is Ctrl+S: it saves what the current screen is about.
func (s *Shell) save() {
	switch cur := s.tabs.Selected(); {
	case cur == s.intakeTab:
		s.intake.Save()
	case cur == s.settingsTab:
		s.settings.Save(s.canvas())
	case s.currentCase() != nil:
		s.currentCase().view.Save(s.canvas())
	}
}

// closeTab is Ctrl+W: a case's tab closes; elsewhere the register comes to the front.
func (s *Shell) closeTab() {
	if oc := s.currentCase(); oc != nil {
		s.closeCase(oc)
		return
	}
	s.ShowRegister()
}

func (s *Shell) reply() {
	if oc := s.currentCase(); oc != nil {
		oc.view.FocusReply(s.canvas())
	}
}

func ctrl(k fyne.KeyName) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

// menu is the window's menu. Its shortcuts work wherever the keyboard is, also inside
// a text field, because Fyne gives menu shortcuts the first go at every key.
func (s *Shell) menu() *fyne.MainMenu {
	e := s.e
	item := func(key string, sc fyne.Shortcut, do func()) *fyne.MenuItem {
		return menuItem(e.lang, e.t(key), sc, do)
	}
	register := fyne.NewMenu(e.t("window.menu.register"),
		item("window.menu.new", ctrl(fyne.KeyN), s.ShowIntake),
		item("window.menu.mail", ctrl(fyne.KeyE), s.chooseMail),
		item("window.menu.search", ctrl(fyne.KeyF), s.ShowRegister),
		item("window.menu.save", ctrl(fyne.KeyS), s.save),
		item("window.menu.reply", ctrl(fyne.KeyR), s.reply),
		item("window.menu.close_tab", ctrl(fyne.KeyW), s.closeTab),
		fyne.NewMenuItemSeparator(),
		item("window.menu.overdue", ctrl(fyne.KeyD), func() {
			s.ShowRegister()
			s.register.ShowOverdue()
		}),
		item("window.menu.settings", ctrl(fyne.KeyComma), s.ShowSettings),
		fyne.NewMenuItemSeparator(),
		s.quitItem(),
	)
	view := fyne.NewMenu(e.t("window.menu.view"), s.tabItems()...)
	var langs []*fyne.MenuItem
	for _, l := range []struct{ code, key string }{{"it", "settings.language_name.it"}, {"de", "settings.language_name.de"}, {"en", "settings.language_name.en"}} {
		code := l.code
		i := fyne.NewMenuItem(e.t(l.key), func() { s.SetLanguage(code) })
		i.Checked = code == e.lang
		langs = append(langs, i)
	}
	language := fyne.NewMenu(e.t("window.menu.language"), langs...)
	help := fyne.NewMenu(e.t("window.menu.help"), fyne.NewMenuItem(e.t("window.menu.keys"), s.ShowKeys))
	if s.cfg.About != "" {
		help.Items = append(help.Items, fyne.NewMenuItem(e.t("window.menu.about"), func() {
			inform(s.e, e.t("window.menu.about"), s.cfg.About)
		}))
	}
	if s.cfg.Diagnostics != nil {
		help.Items = append(help.Items, fyne.NewMenuItem(e.t("window.menu.diagnostics"), func() {
			text := s.cfg.Diagnostics()
			s.cfg.App.Clipboard().SetContent(text)
			inform(s.e, e.t("window.menu.diagnostics"), e.t("window.diagnostics_copied"))
		}))
	}
	return fyne.NewMainMenu(register, language, view, help)
}

// quitItem is Ctrl+Q. It closes the window, the same way as its close button: what was
// typed is written to its draft then (cmd/ascolto closes the shell when the window
// closes), and the program ends with its last window. Being the first menu's quit item,
// it stands in for the one Fyne would add without a shortcut.
func (s *Shell) quitItem() *fyne.MenuItem {
	i := menuItem(s.e.lang, s.e.t("window.menu.quit"), ctrl(fyne.KeyQ), s.quit)
	i.IsQuit = true
	return i
}

func (s *Shell) quit() { s.cfg.Window.Close() }

// tabItems are the keys to the tabs: Ctrl+1 to Ctrl+5 for the window's own screens,
// each always on its number (a screen this workstation has not got leaves its number
// unused, so that the numbers learnt hold on every desk); Ctrl+Tab and Ctrl+Shift+Tab
// through all the window's tabs, open cases included, as in a browser; Ctrl+PageDown
// and Ctrl+PageUp through the tabs of the case in front (history, attachments, letter).
func (s *Shell) tabItems() []*fyne.MenuItem {
	e := s.e
	item := func(label string, sc fyne.Shortcut, do func()) *fyne.MenuItem {
		return menuItem(e.lang, label, sc, do)
	}
	items := []*fyne.MenuItem{
		item(e.t("window.tab.register"), ctrl(fyne.Key1), s.ShowRegister),
		item(e.t("window.tab.intake"), ctrl(fyne.Key2), s.ShowIntake),
	}
	if s.dashTab != nil {
		items = append(items, item(e.t("window.tab.dashboard"), ctrl(fyne.Key3), func() { s.tabs.Select(s.dashTab) }))
	}
	if s.exchTab != nil {
		items = append(items, item(e.t("window.exchange.tab"), ctrl(fyne.Key4), s.ShowExchange))
	}
	items = append(items,
		item(e.t("window.tab.settings"), ctrl(fyne.Key5), s.ShowSettings),
		item(e.t("window.mailbox.tab"), ctrl(fyne.Key6), func() { s.tabs.Select(s.inboxTab) }),
		fyne.NewMenuItemSeparator(),
		item(e.t("window.menu.next_tab"), ctrl(fyne.KeyTab), func() { s.stepTab(1) }),
		item(e.t("window.menu.previous_tab"), ctrlShift(fyne.KeyTab), func() { s.stepTab(-1) }),
		fyne.NewMenuItemSeparator(),
		item(e.t("window.menu.case_next_tab"), ctrl(fyne.KeyPageDown), func() { s.stepCaseTab(1) }),
		item(e.t("window.menu.case_previous_tab"), ctrl(fyne.KeyPageUp), func() { s.stepCaseTab(-1) }),
	)
	return items
}

// stepTab selects the window's tab step places on, round the end (tabSelected puts
// the keyboard in it).
func (s *Shell) stepTab(step int) {
	n := len(s.tabs.Items)
	if n == 0 {
		return
	}
	s.tabs.SelectIndex(((s.tabs.SelectedIndex()+step)%n + n) % n)
}

// stepCaseTab selects the tab step places on among those of the case in front.
func (s *Shell) stepCaseTab(step int) {
	if oc := s.currentCase(); oc != nil {
		oc.view.StepTab(s.canvas(), step)
	}
}

func ctrlShift(k fyne.KeyName) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
}

// ShowKeys shows the keyboard shortcuts (Help menu).
func (s *Shell) ShowKeys() {
	inform(s.e, s.e.t("window.menu.keys"), s.e.t("window.keys")+"\n"+s.e.t("window.keys_tabs"))
}

// chooseMail asks for an .eml file (Ctrl+E).
func (s *Shell) chooseMail() {
	d := fileOpen(s.cfg.Store, []string{".eml"}, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		u := r.URI()
		r.Close()
		s.loadMail(u)
	}, s.cfg.Window)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// dropped takes an e-mail dropped on the window.
func (s *Shell) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, u := range uris {
		if strings.EqualFold(u.Extension(), ".eml") {
			s.loadMail(u)
			return
		}
	}
	if len(uris) > 0 {
		inform(s.e, s.e.t("intake.mail_title"), s.e.t("intake.mail_only_eml"))
	}
}

// loadMail reads an .eml file and fills the intake form from it. A broken file gets a
// message and changes nothing; a form with unsaved input is replaced only if the clerk
// agrees.
func (s *Shell) loadMail(u fyne.URI) {
	var raw []byte
	name := u.Name()
	s.e.background(func() error {
		var err error
		raw, err = os.ReadFile(u.Path())
		if err != nil {
			return data.Problemf("err.read_file", "path", u.Path())
		}
		return nil
	}, func(err error) {
		if err != nil {
			showError(s.e, err)
			return
		}
		s.LoadMail(name, raw)
	})
}

// LoadMail fills the intake form from the e-mail raw (named name), asking first if
// the form holds unsaved input.
func (s *Shell) LoadMail(name string, raw []byte) {
	apply := func() {
		if err := s.intake.LoadMail(name, raw); err != nil {
			showError(s.e, err)
			return
		}
		s.ShowIntake()
	}
	if s.intake.Dirty() {
		confirm(s.e, s.e.t("intake.mail_title"), s.e.t("intake.mail_replace"), apply)
		return
	}
	apply()
}

// --- The exchange with other offices -------------------------------------------------

// SetExchange gives the window the exchange with the other offices (nil: none, the
// exchange folder is not set): its tab and its line at the foot of the window come and go
// with it, and the register follows the changes it applies. UI thread.
func (s *Shell) SetExchange(x Exchanger) {
	s.stopExchange()
	if s.exchTab != nil {
		if s.tabs.Selected() == s.exchTab {
			s.ShowRegister()
		}
		s.tabs.Remove(s.exchTab)
	}
	if s.exchLine != nil {
		s.foot.Remove(s.exchLine.Object())
	}
	s.exchView, s.exchTab, s.exchLine = nil, nil, nil
	s.exch = x
	if x != nil {
		s.makeExchange()
		s.foot.Add(s.exchLine.Object())
		// Before the settings, after the register's own screens; keep what is in front.
		cur, onSel := s.tabs.Selected(), s.tabs.OnSelected
		var items []*container.TabItem
		for _, it := range s.tabs.Items {
			if it == s.settingsTab {
				items = append(items, s.exchTab)
			}
			items = append(items, it)
		}
		s.tabs.OnSelected = nil
		s.tabs.SetItems(items)
		if cur != nil {
			s.tabs.Select(cur)
		}
		s.tabs.OnSelected = onSel
	}
	s.foot.Refresh()
	if s.shown {
		s.followExchange()
		s.cfg.Window.SetMainMenu(s.menu()) // Ctrl+4 comes and goes with the tab
	}
}

// Exchange is the exchange view, nil without an exchange.
func (s *Shell) Exchange() *ExchangeView { return s.exchView }

// ExchangeLine is the exchange's line at the foot, nil without an exchange.
func (s *Shell) ExchangeLine() *ExchangeLine { return s.exchLine }

// ShowExchange brings the exchange view to the front (the status line's click).
func (s *Shell) ShowExchange() {
	if s.exchTab == nil {
		return
	}
	if s.tabs.Selected() != s.exchTab {
		s.tabs.Select(s.exchTab) // tabSelected reads it again
		return
	}
	s.exchView.Refresh()
	s.exchView.FocusFirst(s.canvas())
}

// makeExchange builds the exchange's view, tab and line for the current exchange and
// language (build calls it too, so a language switch keeps them).
func (s *Shell) makeExchange() {
	e := s.e
	if s.exchCtx == nil {
		s.exchCtx, s.exchCancel = context.WithCancel(context.Background())
	}
	s.exchView = newExchangeView(s.exchCtx, e, s.exch)
	s.exchView.OnEscape = s.ShowRegister
	s.exchView.OnChanged = s.changedElsewhere
	s.exchTab = container.NewTabItemWithIcon(e.t("window.exchange.tab"), theme.MailSendIcon(), s.exchView.Object())
	s.exchLine = newExchangeLine(s.exchCtx, e, s.exch, s.ShowExchange)
	s.exchView.OnStatus = s.exchLine.show
	s.exchLine.Refresh()
}

// followExchange follows the exchange while the window shows: after each change it
// applied, the table, the figures, the line and the view are read again; the line also
// every ExchangeEvery, for what changes without a change (the folder lost, a file
// refused, the time of the last round).
func (s *Shell) followExchange() {
	if s.exch == nil || s.stopExch != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopExch = cancel
	changed := s.exch.Changed() // nil for an exchange that did not start: never ready
	every := s.cfg.ExchangeEvery
	on := func(f func()) {
		s.e.do(func() {
			if ctx.Err() == nil { // not for an exchange replaced meanwhile
				f()
			}
		})
	}
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				on(s.exchangeApplied)
			case <-tick.C:
				on(func() {
					if s.exchLine != nil {
						s.exchLine.Refresh()
					}
				})
			}
		}
	}()
}

// exchangeApplied follows changes of other offices the exchange applied.
func (s *Shell) exchangeApplied() {
	s.changedElsewhere()
	if s.exchLine != nil {
		s.exchLine.Refresh()
	}
	if s.exchView != nil && s.tabs.Selected() == s.exchTab {
		s.exchView.Refresh()
	}
}

// stopExchange stops following the exchange and ends the calls the view and the line
// have running on it (they then fail as cancelled, and say so in their own words).
func (s *Shell) stopExchange() {
	if s.stopExch != nil {
		s.stopExch()
		s.stopExch = nil
	}
	if s.exchCancel != nil {
		s.exchCancel()
		s.exchCtx, s.exchCancel = nil, nil
	}
}
