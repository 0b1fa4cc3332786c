package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
)

// PrefMailAside lists the inbox messages this workstation set aside (ids, comma
// separated): they stay on the server for another workstation or for later.
const PrefMailAside = "pref.mail_aside"

// InboxPoll is how often the inbox fetches at the latest when the server announces
// nothing (IMAP IDLE announces new mail at once).
var InboxPoll = time.Minute

// InboxView is the office mailbox beside the register: the messages fetched in the
// background (IMAP IDLE, else polling), each with sender, subject, date, files and the
// proposed kind and language. Enter registers the selected message (as `ascoltoctl
// mail register`), Delete sets it aside or takes it back.
type InboxView struct {
	// OnOpenCase opens a case registered from the inbox; OnRegistered follows a new case.
	OnOpenCase   func(id string)
	OnRegistered func()
	OnEscape     func()

	e         *env
	list      *inboxList
	status    *widget.Label
	showAside *checkBox
	passBtn   *button
	setupBtn  *button
	root      fyne.CanvasObject
	// kind and lang show the selected message's proposal; the clerk changes them (Tab
	// from the list, a letter picks) before Enter registers.
	kind, lang *choice
	chosen     map[string]inboxChoice // message id → what the clerk chose
	showing    bool                   // the choices are being set from a message

	all     []mailbox.Message
	shown   []mailbox.Message
	aside   map[string]bool
	cur     int
	busy    bool
	ms      data.MailSettings
	stop    context.CancelFunc
	fetched func() // tests: after each fetch or inbox read shown
}

// inboxChoice is the kind and language a message is registered with.
type inboxChoice struct {
	kind data.Kind
	lang data.Language
}

func newInboxView(e *env) *InboxView {
	v := &InboxView{e: e, aside: map[string]bool{}, cur: -1, chosen: map[string]inboxChoice{}}
	for _, id := range strings.Split(e.pref(PrefMailAside), ",") {
		if id != "" {
			v.aside[id] = true
		}
	}
	v.build()
	return v
}

// Object is the view for the tab.
func (v *InboxView) Object() fyne.CanvasObject { return v.root }

func (v *InboxView) build() {
	e := v.e
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.list = newInboxList(v)
	v.showAside = newCheckBox(e.t("window.mailbox.show_aside", "count", "0"), func(bool) { v.show() })
	v.showAside.onEscape = v.escape
	v.passBtn = newButton(e.t("window.mailbox.password_button"), theme.LoginIcon(), func() {
		askMailPassword(v.e, func(string) { v.Start() })
	})
	v.passBtn.onEscape = v.escape
	v.passBtn.Hide()
	v.setupBtn = newButton(e.t("window.mailbox.settings_button"), theme.SettingsIcon(), func() {
		if d := showMailSettings(v.e); d != nil {
			d.saved = v.Start
		}
	})
	v.setupBtn.onEscape = v.escape
	keys := widget.NewLabel(e.t("window.mailbox.keys"))
	keys.SizeName = theme.SizeNameCaptionText
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(v.passBtn, v.setupBtn), v.status),
		container.NewHBox(v.showAside), keys)
	v.kind = newChoice(words(e.lang, "kind", data.Kinds), strs(data.Kinds), func(k string) {
		v.choose(func(c *inboxChoice) { c.kind = data.Kind(k) })
	})
	v.lang = newChoice([]string{e.t("intake.language_unknown"), e.t("language.it"), e.t("language.de")}, []string{"", "it", "de"},
		func(l string) { v.choose(func(c *inboxChoice) { c.lang = data.Language(l) }) })
	v.kind.onEscape, v.lang.onEscape = v.escape, v.escape
	// Right under the list and next after it for Tab: the list, then kind, then language.
	bar := container.NewHBox(widget.NewLabel(e.t("window.mailbox.kind")), v.kind, widget.NewLabel(e.t("window.mailbox.language")), v.lang)
	v.root = container.NewBorder(top, nil, nil, nil, container.NewBorder(nil, bar, nil, nil, v.list))
	v.showChoice()
}

// choiceOf is what the message is registered with: the clerk's choice, else the proposal.
func (v *InboxView) choiceOf(m mailbox.Message) inboxChoice {
	if c, ok := v.chosen[m.ID]; ok {
		return c
	}
	return inboxChoice{kind: m.Kind, lang: m.Language}
}

// choose changes the selected message's kind or language as the clerk picked it.
func (v *InboxView) choose(change func(*inboxChoice)) {
	if v.showing || v.cur < 0 || v.cur >= len(v.shown) {
		return
	}
	m := v.shown[v.cur]
	c := v.choiceOf(m)
	change(&c)
	v.chosen[m.ID] = c
	v.list.RefreshItem(v.cur)
}

// showChoice puts the selected message's kind and language into the choices; a message
// that cannot be registered as new (a problem, a case already) leaves them disabled.
func (v *InboxView) showChoice() {
	v.showing = true
	defer func() { v.showing = false }()
	if v.cur < 0 || v.cur >= len(v.shown) || v.shown[v.cur].Problem != nil || v.shown[v.cur].Case != "" {
		v.kind.SetValue("")
		v.lang.SetValue("")
		v.kind.Disable()
		v.lang.Disable()
		return
	}
	c := v.choiceOf(v.shown[v.cur])
	v.kind.Enable()
	v.lang.Enable()
	v.kind.SetValue(string(c.kind))
	v.lang.SetValue(string(c.lang))
}

func (v *InboxView) escape() {
	if v.OnEscape != nil {
		v.OnEscape()
	}
}

// FocusFirst puts the keyboard on the list of messages.
func (v *InboxView) FocusFirst(c fyne.Canvas) {
	if c != nil {
		c.Focus(v.list)
	}
}

// Start reads the messages fetched already and, when the mailbox is set up and its
// password known, fetches in the background until Close. It is called again after the
// settings or the password change.
func (v *InboxView) Start() {
	v.stopWatch()
	ctx, cancel := context.WithCancel(context.Background())
	v.stop = cancel
	store := v.e.store
	var ms data.MailSettings
	var list []mailbox.Message
	var pw string
	v.e.background(func() error {
		var err error
		if ms, err = store.MailSettings(ctx); err != nil {
			return err
		}
		pw = mailPassword(ms)
		list, err = openMailBox(store, ms, "").Inbox(ctx)
		return err
	}, func(err error) {
		if ctx.Err() != nil {
			return
		}
		v.ms = ms
		if err != nil {
			v.say(v.e.errText(err), true)
			return
		}
		v.setMessages(list)
		v.passBtn.Hide()
		switch {
		case !ms.Configured():
			v.say(v.e.t("window.mailbox.not_configured"), false)
		case pw == "":
			v.say(v.e.t("window.mailbox.need_password"), false)
			v.passBtn.Show()
		default:
			v.say(v.e.t("window.mailbox.fetching", "address", ms.Address), false)
			go openMailBox(store, ms, pw).Watch(ctx, InboxPoll, func(res *mailbox.FetchResult, err error) {
				v.e.do(func() {
					if ctx.Err() == nil {
						v.fetchedNow(res, err)
					}
				})
			})
		}
		if v.fetched != nil {
			v.fetched()
		}
	})
}

// fetchedNow shows what a fetch brought, or why it failed (the watch tries again).
func (v *InboxView) fetchedNow(res *mailbox.FetchResult, err error) {
	if err != nil {
		v.say(v.e.errText(err), true)
	} else {
		v.setMessages(res.Inbox)
		text := v.e.t("window.mailbox.fetched", "time", formatDateTime(v.e.store.Now(), v.e.lang), "count", strconv.Itoa(len(v.visible())))
		for _, id := range res.Released {
			text += "\n" + v.e.t("cli.mail.released", "id", id)
		}
		for _, id := range res.TooBig {
			text += "\n" + v.e.t("cli.mail.too_big", "id", id, "limit", strconv.Itoa(mailbox.MaxMessage>>20)+" MB")
		}
		v.say(text, false)
	}
	if v.fetched != nil {
		v.fetched()
	}
}

func (v *InboxView) say(text string, failed bool) {
	v.status.SetText(text)
	v.status.Importance = widget.MediumImportance
	if failed {
		v.status.Importance = widget.DangerImportance
	}
	v.status.Refresh()
}

// setMessages takes a new list of the inbox; set-aside marks of messages no longer
// in it are forgotten, and the selection stays on the same message where it can.
func (v *InboxView) setMessages(list []mailbox.Message) {
	keep := ""
	if v.cur >= 0 && v.cur < len(v.shown) {
		keep = v.shown[v.cur].ID
	}
	v.all = list
	present := map[string]bool{}
	for _, m := range list {
		present[m.ID] = true
	}
	for id := range v.aside {
		if !present[id] {
			delete(v.aside, id)
		}
	}
	for id := range v.chosen {
		if !present[id] {
			delete(v.chosen, id)
		}
	}
	v.saveAside()
	v.show()
	for i, m := range v.shown {
		if m.ID == keep {
			v.selectRow(i)
			return
		}
	}
	if len(v.shown) > 0 {
		v.selectRow(0)
	}
}

// visible are the messages not set aside.
func (v *InboxView) visible() []mailbox.Message {
	var out []mailbox.Message
	for _, m := range v.all {
		if !v.aside[m.ID] {
			out = append(out, m)
		}
	}
	return out
}

func (v *InboxView) show() {
	v.shown = v.visible()
	if v.showAside.Checked {
		v.shown = v.all
	}
	v.showAside.Text = v.e.t("window.mailbox.show_aside", "count", strconv.Itoa(len(v.aside)))
	v.showAside.Refresh()
	if v.cur >= len(v.shown) {
		v.cur = len(v.shown) - 1
	}
	v.list.Refresh()
	if v.cur >= 0 {
		v.list.Select(v.cur)
	} else {
		v.list.UnselectAll()
	}
	v.showChoice()
}

func (v *InboxView) selectRow(i int) {
	if i < 0 || i >= len(v.shown) {
		return
	}
	v.cur = i
	v.list.Select(i)
	v.list.ScrollTo(i)
	v.showChoice()
}

func (v *InboxView) saveAside() {
	var ids []string
	for _, m := range v.all {
		if v.aside[m.ID] {
			ids = append(ids, m.ID)
		}
	}
	v.e.setPref(PrefMailAside, strings.Join(ids, ","))
}

// rowTexts are a message's two lines: who and what; when, files and the proposal.
func (v *InboxView) rowTexts(m mailbox.Message) (string, string) {
	e := v.e
	if m.Problem != nil {
		return m.ID, e.errText(m.Problem)
	}
	from := m.From
	if m.FromName != "" {
		from = m.FromName + " <" + m.From + ">"
	}
	first := from + " — " + m.Subject
	var parts []string
	if !m.Date.IsZero() {
		parts = append(parts, formatDateTime(m.Date, e.lang))
	}
	parts = append(parts, e.t("window.mailbox.files", "count", strconv.Itoa(len(m.Attachments))))
	if m.Case != "" {
		parts = append(parts, e.t("window.mailbox.already", "number", m.Case))
	} else {
		c := v.choiceOf(m)
		p := capital(word(e.lang, "kind", c.kind)) + ", " + e.t("channel."+string(m.Channel))
		if c.lang != "" {
			p += ", " + e.t("language."+string(c.lang))
		}
		parts = append(parts, e.t("window.mailbox.proposal", "proposal", p))
	}
	if v.aside[m.ID] {
		parts = append(parts, e.t("window.mailbox.aside"))
	}
	return first, strings.Join(parts, " · ")
}

// toggleAside sets the selected message aside, or takes a set-aside one back.
func (v *InboxView) toggleAside() {
	if v.cur < 0 || v.cur >= len(v.shown) {
		return
	}
	id := v.shown[v.cur].ID
	v.aside[id] = !v.aside[id]
	if !v.aside[id] {
		delete(v.aside, id)
		v.say(v.e.t("window.mailbox.taken_back"), false)
	} else {
		v.say(v.e.t("window.mailbox.set_aside"), false)
	}
	v.saveAside()
	v.show()
	v.selectRow(min(v.cur, len(v.shown)-1))
}

// registerSelected registers the selected message as `ascoltoctl mail register` does,
// and opens the case.
func (v *InboxView) registerSelected() {
	if v.busy || v.cur < 0 || v.cur >= len(v.shown) {
		return
	}
	m := v.shown[v.cur]
	if m.Problem != nil {
		v.say(v.e.errText(m.Problem), true)
		return
	}
	if !v.ms.Configured() {
		// Messages fetched before the settings were emptied: shown, not registrable.
		v.say(v.e.t("window.mailbox.not_configured"), true)
		return
	}
	pw := knownMailPassword()
	if pw == "" {
		askMailPassword(v.e, func(string) { v.registerSelected() })
		return
	}
	e, ms, c := v.e, v.ms, v.choiceOf(m)
	v.busy = true
	v.say(e.t("window.mailbox.registering", "subject", m.Subject), false)
	var r *mailbox.Registered
	var list []mailbox.Message
	e.background(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		box := openMailBox(e.store, ms, pw)
		var err error
		r, err = box.Register(ctx, m.ID, intake.Options{Kind: c.kind, Language: c.lang,
			Note: e.t("cli.mail.note", "id", m.ID, "address", ms.Address)})
		if l, lerr := box.Inbox(ctx); lerr == nil {
			list = l
		}
		return err
	}, func(err error) {
		v.busy = false
		if list != nil {
			v.setMessages(list)
		}
		if r == nil {
			v.say(e.errText(err), true)
			return
		}
		var text string
		switch {
		case r.Elsewhere:
			text = e.t("cli.mail.elsewhere", "id", m.ID)
		case r.Duplicate:
			text = e.t("window.mailbox.already", "number", r.Case.Number)
		default:
			text = e.t("intake.saved", "number", r.Case.Number, "due", formatDay(r.Case.DueDate, e.lang))
		}
		if err != nil {
			// Registered; only the move on the server failed.
			text += "\n" + e.errText(err)
		}
		v.say(text, err != nil)
		if r.Case != nil {
			if !r.Duplicate && v.OnRegistered != nil {
				v.OnRegistered()
			}
			if v.OnOpenCase != nil {
				v.OnOpenCase(r.Case.ID)
			}
		}
	})
}

func (v *InboxView) stopWatch() {
	if v.stop != nil {
		v.stop()
		v.stop = nil
	}
}

// Close stops the background fetching.
func (v *InboxView) Close() { v.stopWatch() }

// inboxList is the list of messages: Up and Down move the selection, Enter registers,
// Delete sets aside, Esc leaves.
type inboxList struct {
	widget.List
	v *InboxView
}

func newInboxList(v *InboxView) *inboxList {
	l := &inboxList{v: v}
	l.Length = func() int { return len(v.shown) }
	l.CreateItem = func() fyne.CanvasObject {
		top := widget.NewLabel("")
		top.TextStyle.Bold = true
		top.Truncation = fyne.TextTruncateEllipsis
		bottom := widget.NewLabel("")
		bottom.Truncation = fyne.TextTruncateEllipsis
		return container.NewVBox(top, bottom)
	}
	l.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) {
		if i < 0 || i >= len(v.shown) {
			return
		}
		a, b := v.rowTexts(v.shown[i])
		box := o.(*fyne.Container)
		box.Objects[0].(*widget.Label).SetText(a)
		box.Objects[1].(*widget.Label).SetText(b)
	}
	l.OnSelected = func(i widget.ListItemID) {
		v.cur = i
		v.showChoice()
	}
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey: see inboxList.
func (l *inboxList) TypedKey(k *fyne.KeyEvent) {
	v := l.v
	switch k.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		v.registerSelected()
	case fyne.KeyDelete:
		v.toggleAside()
	case fyne.KeyDown:
		v.selectRow(v.cur + 1)
	case fyne.KeyUp:
		v.selectRow(max(v.cur-1, 0))
	case fyne.KeyHome:
		v.selectRow(0)
	case fyne.KeyEnd:
		v.selectRow(len(v.shown) - 1)
	case fyne.KeyEscape:
		v.escape()
	default:
		l.List.TypedKey(k)
	}
}
