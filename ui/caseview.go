package ui

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/draft"
	"ascolto/printing/history"
)

// LetterFunc builds the letter panel of a case in the case view: the reply letter,
// which is its own part of the program (ui.NewLetterPanel). It is called on the UI
// thread each time the case view shows the case.
type LetterFunc func(store *data.Store, c *data.Case, lang string) fyne.CanvasObject

// CaseView is one case: its state and deadline at the top, the actions its status
// allows (start, wait for the citizen, resume, assign, forward, close), the reply
// editor with phrases for its kind in the citizen's language, every field (the
// descriptive ones can be corrected), and beside them the history from the audit
// trail, the attachments and the letter.
type CaseView struct {
	// OnChanged is called on the UI thread after the case changed here.
	OnChanged func(c *data.Case)
	// OnEscape is called for Esc in the view.
	OnEscape func()

	e       *env
	id      string
	letter  LetterFunc
	c       *data.Case
	history []data.AuditEntry
	files   []data.CaseFile // here or arriving (ui/attachments.go, filesOfCase)
	offices []data.Office
	alerts  []data.DeliveryAlert // letters that did not arrive (ui/delivery.go)
	busy    bool

	root     *fyne.Container
	general  *widget.Label
	errs     map[string]*widget.Label
	buttons  map[string]*button
	first    fyne.Focusable
	tabs     *container.AppTabs
	fileList *fyne.Container

	kind, channel, citizenLang, satisfaction *choice
	subject, description, category, service  *textEntry
	name, email, phone, address              *textEntry
	assignTo, forwardService, note           *textEntry
	forwardOffice                            *choice
	reply                                    *textEntry
	replyLang, phrases                       *choice
	replySaver                               *draft.Autosaver

	// loaded, if set, is called after each load (tests).
	loaded func()
}

// newCaseView shows the case with id (or protocol number); it reads it off the UI
// thread and shows it when it arrives.
func newCaseView(e *env, id string, letter LetterFunc) *CaseView {
	v := &CaseView{e: e, id: id, letter: letter, errs: map[string]*widget.Label{}, buttons: map[string]*button{}}
	loading := widget.NewLabel(e.t("window.loading"))
	v.root = container.NewStack(container.NewCenter(loading))
	v.Reload()
	return v
}

// Object is the view for a window or a tab.
func (v *CaseView) Object() fyne.CanvasObject { return v.root }

// Case is the case as last read (nil before it arrived).
func (v *CaseView) Case() *data.Case { return v.c }

// Close writes a reply being typed to its draft now.
func (v *CaseView) Close() {
	if v.replySaver != nil {
		v.replySaver.Flush()
	}
}

// Reload reads the case, its history and attachments again.
func (v *CaseView) Reload() {
	store := v.e.store
	id := v.id
	var c *data.Case
	var hist []data.AuditEntry
	var files []data.CaseFile
	var offices []data.Office
	var alerts []data.DeliveryAlert
	v.e.background(func() error {
		ctx := context.Background()
		var err error
		if c, err = store.Get(ctx, id); err != nil {
			return err
		}
		if hist, err = store.History(ctx, c.ID); err != nil {
			return err
		}
		if files, err = filesOfCase(ctx, store, c.ID); err != nil {
			return err
		}
		if alerts, err = store.DeliveryAlerts(ctx, c.ID, false); err != nil {
			return err
		}
		offices, err = store.Offices()
		return err
	}, func(err error) {
		if err != nil {
			msg := widget.NewLabel(v.e.errText(err))
			msg.Importance = widget.DangerImportance
			msg.Wrapping = fyne.TextWrapWord
			v.root.Objects = []fyne.CanvasObject{container.NewCenter(container.New(readingWidth(480), msg))}
			v.root.Refresh()
			return
		}
		v.c, v.history, v.files, v.offices, v.alerts = c, hist, files, offices, alerts
		v.id = c.ID
		v.show()
		if v.loaded != nil {
			v.loaded()
		}
	})
}

// FocusFirst puts the keyboard on the first action (or the first field).
func (v *CaseView) FocusFirst(c fyne.Canvas) {
	if c != nil && v.first != nil {
		c.Focus(v.first)
	}
}

// FocusReply puts the keyboard in the reply editor (Ctrl+R).
func (v *CaseView) FocusReply(c fyne.Canvas) {
	if c != nil && v.reply != nil && !v.reply.Disabled() {
		c.Focus(v.reply)
		v.reply.cursorToEnd() // to go on writing, after what is there
	}
}

// StepTab selects the case's tab step places on (history, attachments, letter; round
// the end) and puts the keyboard on the first thing in it that takes it.
func (v *CaseView) StepTab(c fyne.Canvas, step int) {
	if v.tabs == nil || len(v.tabs.Items) == 0 {
		return
	}
	n := len(v.tabs.Items)
	v.tabs.SelectIndex(((v.tabs.SelectedIndex()+step)%n + n) % n)
	if c != nil {
		focusFirstIn(c, v.tabs.Selected().Content)
	}
}

// Save is Ctrl+S: in the reply editor it records the reply, elsewhere it saves the
// corrections of the fields.
func (v *CaseView) Save(c fyne.Canvas) {
	if c != nil && v.reply != nil && c.Focused() == fyne.Focusable(v.reply) {
		v.RecordReply()
		return
	}
	v.SaveCorrections()
}

func (v *CaseView) escape() {
	if v.OnEscape != nil {
		v.OnEscape()
	}
}

func (v *CaseView) show() {
	c := v.c
	v.errs = map[string]*widget.Label{}
	v.buttons = map[string]*button{}
	v.first = nil
	v.general = widget.NewLabel("")
	v.general.Importance = widget.DangerImportance
	v.general.Wrapping = fyne.TextWrapWord
	v.general.Hide()

	left := container.NewVBox(v.heading(), v.deliveryAlerts(), v.general, v.actions(), widget.NewSeparator(), v.replyEditor(),
		widget.NewSeparator(), v.fields())
	v.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(v.e.t("case.tab.history"), theme.HistoryIcon(), container.NewVScroll(container.NewPadded(timeline(v.history, v.e.lang, v.offices)))),
		container.NewTabItemWithIcon(v.e.t("case.tab.files", "n", formatNumber(len(v.files), v.e.lang)), theme.FileIcon(), v.attachments()),
	)
	// The letter's place: its panel comes from its own part (ui.NewLetterPanel, wired
	// in cmd/ascolto); without it the tab is left out.
	if v.letter != nil {
		if panel := v.letter(v.e.store, c, v.e.lang); panel != nil {
			// Esc in the letter closes the case, as everywhere else in it.
			if p, ok := panel.(interface{ SetOnEscape(func()) }); ok {
				p.SetOnEscape(v.escape)
			}
			v.tabs.Append(container.NewTabItemWithIcon(v.e.t("case.tab.letter"), theme.DocumentPrintIcon(), panel))
		}
	}
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(left)), v.tabs)
	split.Offset = 0.6
	v.root.Objects = []fyne.CanvasObject{split}
	v.root.Refresh()
}

// heading: the number, the status, the due date with its mark, and what and when.
func (v *CaseView) heading() fyne.CanvasObject {
	c := v.c
	lang := v.e.lang
	number := widget.NewLabel(c.Number)
	number.TextStyle.Bold = true
	number.SizeName = theme.SizeNameSubHeadingText
	number.Selectable = true
	status := widget.NewLabel(v.e.t("case.status_is", "status", word(lang, "status", c.Status)))
	status.TextStyle.Bold = true
	today := data.Today(v.e.store.Now())
	due := widget.NewLabel(v.e.t("case.due", "due", dueText(c, lang, today)))
	dueIcon := widget.NewIcon(nil)
	switch markOf(c, today) {
	case markOverdue:
		due.Importance = widget.DangerImportance
		dueIcon.SetResource(overdueIcon())
	case markToday:
		due.Importance = widget.WarningImportance
		dueIcon.SetResource(todayIcon())
	default:
		dueIcon.Hide()
	}
	if !c.Status.Open() {
		due.Importance = widget.MediumImportance
		dueIcon.Hide()
	}
	about := widget.NewLabel(v.e.t("case.about", "kind", word(lang, "kind", c.Kind), "channel", word(lang, "channel", c.Channel),
		"received", formatDateTime(c.ReceivedAt, lang), "office", history.OfficeByCode(v.offices, c.Office, lang)))
	about.Wrapping = fyne.TextWrapWord
	line := container.NewHBox(number, status, dueIcon, due)
	subject := widget.NewLabel(c.Subject)
	subject.Wrapping = fyne.TextWrapWord
	subject.TextStyle.Bold = true
	return container.NewVBox(line, subject, about)
}

func (v *CaseView) actionButton(key, label string, icon fyne.Resource, do func()) *button {
	b := newButton(label, icon, do)
	b.onEscape = v.escape
	v.buttons[key] = b
	if v.first == nil {
		v.first = b
	}
	return b
}

// actions are the moves the case's status allows, and assign and forward.
func (v *CaseView) actions() fyne.CanvasObject {
	c := v.c
	title := widget.NewLabel(v.e.t("case.section.actions"))
	title.TextStyle.Bold = true
	row := container.NewHBox()
	if data.CanMove(c.Status, data.StatusInProgress) {
		if c.Status == data.StatusWaiting {
			row.Add(v.actionButton("resume", v.e.t("case.action.resume"), theme.MediaPlayIcon(), func() { v.move(data.StatusInProgress) }))
		} else {
			row.Add(v.actionButton("start", v.e.t("case.action.start"), theme.MediaPlayIcon(), func() { v.move(data.StatusInProgress) }))
		}
	}
	if data.CanMove(c.Status, data.StatusWaiting) {
		row.Add(v.actionButton("wait", v.e.t("case.action.wait"), theme.MediaPauseIcon(), func() { v.move(data.StatusWaiting) }))
	}
	if data.CanMove(c.Status, data.StatusAnswered) {
		row.Add(v.actionButton("reply", v.e.t("case.action.reply"), theme.MailReplyIcon(), func() { v.FocusReply(v.canvas()) }))
	}
	if data.CanMove(c.Status, data.StatusClosed) {
		row.Add(v.actionButton("close", v.e.t("case.action.close"), theme.ConfirmIcon(), v.closeCase))
	}
	if c.Status == data.StatusClosed {
		done := widget.NewLabel(v.e.t("case.closed_note"))
		done.Wrapping = fyne.TextWrapWord
		return container.NewVBox(title, done)
	}

	v.note = newTextEntry()
	v.note.SetPlaceHolder(v.e.t("case.note_hint"))
	v.note.onEscape = v.escape
	v.assignTo = newTextEntry()
	v.assignTo.SetText(c.Assignee)
	v.assignTo.SetPlaceHolder(v.e.store.Actor())
	v.assignTo.onEscape = v.escape
	v.assignTo.OnSubmitted = func(string) { v.assign() }
	// The offices by their names in the interface language (the register keeps one per
	// language), in the language's order; the choice stands for the code.
	names, byName := make([]string, 0, len(v.offices)), map[string]string{}
	for _, o := range v.offices {
		n := OfficeName(o, v.e.lang)
		if _, dup := byName[n]; dup || n == "" {
			n += " (" + o.Code + ")"
		}
		names, byName[n] = append(names, n), o.Code
	}
	sortNames(v.e.lang, names)
	codes := make([]string, len(names))
	for i, n := range names {
		codes[i] = byName[n]
	}
	v.forwardOffice = newChoice(names, codes, nil)
	v.forwardOffice.SetValue(c.Office)
	v.forwardOffice.onEscape = v.escape
	v.forwardService = newTextEntry()
	v.forwardService.SetText(c.Service)
	v.forwardService.SetPlaceHolder(v.e.t("field.service"))
	v.forwardService.onEscape = v.escape
	assign := v.actionButton("assign", v.e.t("case.action.assign"), theme.AccountIcon(), v.assign)
	forward := v.actionButton("forward", v.e.t("case.action.forward"), theme.MailForwardIcon(), v.forward)

	// Tab goes through the line as it reads: the office, the service, the button (a
	// border container would put its centre, the service, first).
	forwardLine := container.NewBorder(nil, nil, v.forwardOffice, forward, v.forwardService)
	forwardLine.Objects = []fyne.CanvasObject{v.forwardOffice, v.forwardService, forward}
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(v.e.t("field.assignee")), container.NewBorder(nil, nil, nil, assign, v.assignTo),
		widget.NewLabel(v.e.t("case.forward_to")), forwardLine,
		widget.NewLabel(v.e.t("case.note")), v.note,
	)
	return container.NewVBox(title, row, form)
}

func (v *CaseView) canvas() fyne.Canvas {
	if v.e.win != nil {
		return v.e.win.Canvas()
	}
	return fyne.CurrentApp().Driver().CanvasForObject(v.root)
}

// change runs one change of the case through the register's write path, then shows
// the case again; a refusal is shown and changes nothing.
func (v *CaseView) change(fn func(tx *data.Tx) error) {
	if v.busy {
		return
	}
	v.busy = true
	v.general.Hide()
	store := v.e.store
	v.e.background(func() error {
		return store.Update(context.Background(), fn)
	}, func(err error) {
		v.busy = false
		if err != nil {
			v.general.SetText(v.e.errText(err))
			v.general.Show()
			if p, ok := data.AsProblem(err); ok && p.Key == "err.stale" {
				v.Reload()
			}
			return
		}
		v.Reload()
		if v.OnChanged != nil {
			v.OnChanged(v.c)
		}
	})
}

func (v *CaseView) noteText() string {
	if v.note == nil {
		return ""
	}
	return strings.TrimSpace(v.note.Text)
}

func (v *CaseView) move(to data.Status) {
	ref, note := v.c.ID, v.noteText()
	v.change(func(tx *data.Tx) error {
		_, err := tx.SetStatus(ref, to, time.Time{}, note)
		return err
	})
}

func (v *CaseView) assign() {
	ref, name := v.c.ID, v.assignTo.Text
	v.change(func(tx *data.Tx) error {
		_, err := tx.Assign(ref, name)
		return err
	})
}

func (v *CaseView) forward() {
	ref, office, service, note := v.c.ID, v.forwardOffice.Value(), v.forwardService.Text, v.noteText()
	v.change(func(tx *data.Tx) error {
		_, err := tx.Forward(ref, office, service, note)
		return err
	})
}

func (v *CaseView) closeCase() {
	ref := v.c.ID
	v.change(func(tx *data.Tx) error {
		_, err := tx.Close(ref, time.Time{})
		return err
	})
}

// replyEditor writes the reply, from phrases for the case's kind in the reply's
// language (the citizen's by default); a recorded reply is shown as it was sent.
func (v *CaseView) replyEditor() fyne.CanvasObject {
	c := v.c
	lang := v.e.lang
	title := widget.NewLabel(v.e.t("case.section.reply"))
	title.TextStyle.Bold = true
	if c.Reply.Text != "" {
		when := ""
		if c.Reply.At != nil {
			when = formatDateTime(*c.Reply.At, lang)
		}
		info := widget.NewLabel(v.e.t("case.reply_sent", "when", when, "language", word(lang, "language", c.Reply.Language)))
		info.Importance = widget.SuccessImportance
		text := widget.NewLabel(c.Reply.Text)
		text.Wrapping = fyne.TextWrapWord
		text.Selectable = true
		v.reply = nil
		return container.NewVBox(title, info, text)
	}
	if !data.CanMove(c.Status, data.StatusAnswered) {
		v.reply = nil
		return container.NewVBox(title, widget.NewLabel(v.e.t("case.reply_not_now")))
	}
	v.reply = newTextArea(6)
	v.reply.SetPlaceHolder(v.e.t("case.reply_hint"))
	v.reply.onEscape = v.escape
	v.replyLang = newChoice([]string{v.e.t("language.it"), v.e.t("language.de")}, []string{"it", "de"}, nil)
	v.replyLang.onEscape = v.escape
	if c.Citizen.Language != "" {
		v.replyLang.SetValue(string(c.Citizen.Language))
	} else if lang == "de" {
		v.replyLang.SetValue("de")
	} else {
		v.replyLang.SetValue("it")
	}
	list := phrasesFor(c.Kind)
	var labels, values []string
	for i, p := range list {
		labels = append(labels, v.e.t(p.title))
		values = append(values, strconv.Itoa(i))
	}
	v.phrases = newChoice(labels, values, nil)
	v.phrases.PlaceHolder = v.e.t("case.phrase.choose")
	v.phrases.onEscape = v.escape
	v.phrases.onPick = func(val string) {
		i, err := strconv.Atoi(val)
		if err != nil {
			return // the choice cleared after an insertion
		}
		v.insertPhrase(list[i])
		v.phrases.ClearSelected() // ready for the next phrase
	}
	record := v.actionButton("record_reply", v.e.t("case.reply_record"), theme.MailSendIcon(), v.RecordReply)
	record.Importance = widget.HighImportance
	v.errs["reply"] = widget.NewLabel("")
	v.errs["reply"].Importance = widget.DangerImportance
	v.errs["reply"].Hide()

	if v.e.drafts != nil {
		v.replySaver = draft.NewAutosaver(v.e.drafts, "reply-"+safeName(c.ID), draftDelay)
		var d struct{ Text, Language string }
		if ok, _ := v.e.drafts.Load("reply-"+safeName(c.ID), &d); ok {
			v.reply.SetText(d.Text)
			v.replyLang.SetValue(d.Language)
		}
		save := func() {
			v.replySaver.Set(struct{ Text, Language string }{v.reply.Text, v.replyLang.Value()})
		}
		v.reply.OnChanged = func(string) { save() }
		v.replyLang.onPick = func(string) { save() }
	}
	tools := container.NewHBox(widget.NewLabel(v.e.t("case.phrases")), v.phrases, widget.NewLabel(v.e.t("case.reply_language")), v.replyLang)
	return container.NewVBox(title, tools, v.reply, v.errs["reply"], container.NewHBox(record))
}

// insertPhrase adds a phrase at the end of the reply, in the reply's language.
func (v *CaseView) insertPhrase(p phrase) {
	text := phraseText(p, v.c, data.Language(v.replyLang.Value()), v.e.store.Local())
	if strings.TrimSpace(v.reply.Text) == "" {
		v.reply.SetText(text)
	} else {
		v.reply.SetText(strings.TrimRight(v.reply.Text, "\n") + "\n\n" + text)
	}
	if c := v.canvas(); c != nil {
		c.Focus(v.reply)
	}
	// The clerk goes on after the phrase (SetText leaves the cursor at the start).
	v.reply.cursorToEnd()
}

// RecordReply records the reply: the case becomes answered.
func (v *CaseView) RecordReply() {
	if v.reply == nil {
		return
	}
	ref, text, lang := v.c.ID, v.reply.Text, data.Language(v.replyLang.Value())
	v.errs["reply"].Hide()
	if strings.TrimSpace(text) == "" {
		v.errs["reply"].SetText(v.e.errText(data.Problemf("err.reply_empty")))
		v.errs["reply"].Show()
		return
	}
	saver := v.replySaver
	v.change(func(tx *data.Tx) error {
		_, err := tx.Reply(ref, text, lang, time.Time{})
		if err == nil && saver != nil {
			saver.Discard()
		}
		return err
	})
}

// fields shows every field; the descriptive ones can be corrected while the case is
// open.
func (v *CaseView) fields() fyne.CanvasObject {
	c := v.c
	lang := v.e.lang
	title := widget.NewLabel(v.e.t("case.section.fields"))
	title.TextStyle.Bold = true
	closed := c.Status == data.StatusClosed
	v.kind = newChoice(words(lang, "kind", data.Kinds), strs(data.Kinds), nil)
	v.kind.SetValue(string(c.Kind))
	v.channel = newChoice(words(lang, "channel", data.Channels), strs(data.Channels), nil)
	v.channel.SetValue(string(c.Channel))
	v.citizenLang = newChoice([]string{v.e.t("intake.language_unknown"), v.e.t("language.it"), v.e.t("language.de")}, []string{"", "it", "de"}, nil)
	v.citizenLang.SetValue(string(c.Citizen.Language))
	v.satisfaction = newChoice([]string{v.e.t("case.satisfaction_none"), "1", "2", "3", "4", "5"}, []string{"0", "1", "2", "3", "4", "5"}, nil)
	v.satisfaction.SetValue(strconv.Itoa(c.Satisfaction))
	entry := func(text string, multi bool) *textEntry {
		var t *textEntry
		if multi {
			t = newTextArea(4)
		} else {
			t = newTextEntry()
		}
		t.SetText(text)
		t.onEscape = v.escape
		if closed {
			t.Disable()
		}
		return t
	}
	// The subject wraps: one of thousands of characters would otherwise be drawn as one
	// piece wider than any screen.
	v.subject = newWrappedLine(1)
	v.subject.SetText(c.Subject)
	v.subject.onEscape = v.escape
	if closed {
		v.subject.Disable()
	}
	v.description = entry(c.Description, true)
	v.category = entry(c.Category, false)
	v.service = entry(c.Service, false)
	v.name = entry(c.Citizen.Name, false)
	v.email = entry(c.Citizen.Email, false)
	v.phone = entry(c.Citizen.Phone, false)
	v.address = entry(c.Citizen.Address, false)
	for _, ch := range []*choice{v.kind, v.channel, v.citizenLang, v.satisfaction} {
		ch.onEscape = v.escape
		if closed {
			ch.Disable()
		}
	}
	errField := func(key string, w fyne.CanvasObject) fyne.CanvasObject {
		l := widget.NewLabel("")
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		l.SizeName = theme.SizeNameCaptionText
		l.Hide()
		v.errs[key] = l
		return container.New(tightColumn{}, w, l)
	}
	info := func(text string) fyne.CanvasObject {
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		return l
	}
	when := func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return formatDateTime(*t, lang)
	}
	waited := v.e.t("case.days", "n", strconv.Itoa(c.WaitedDays))
	if c.WaitingSince != "" {
		waited = v.e.t("case.waiting_since", "day", formatDay(c.WaitingSince, lang), "n", strconv.Itoa(c.WaitedDays))
	}
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(v.e.t("field.number")), info(c.Number),
		widget.NewLabel(v.e.t("field.office")), info(officeLabel(v.offices, c.Office, lang)),
		widget.NewLabel(v.e.t("field.received")), info(formatDateTime(c.ReceivedAt, lang)),
		widget.NewLabel(v.e.t("field.due_date")), info(v.e.t("case.due_rule", "due", formatDay(c.DueDate, lang), "n", strconv.Itoa(c.DeadlineDays))),
		widget.NewLabel(v.e.t("field.waited")), info(waited),
		widget.NewLabel(v.e.t("field.assignee")), info(dash(c.Assignee)),
		widget.NewLabel(v.e.t("field.reply_at")), info(when(c.AnsweredAt)),
		widget.NewLabel(v.e.t("field.closed_at")), info(when(c.ClosedAt)),
		widget.NewLabel(v.e.t("field.kind")), errField("kind", v.kind),
		widget.NewLabel(v.e.t("field.channel")), errField("channel", v.channel),
		widget.NewLabel(v.e.t("field.subject")), errField("subject", v.subject),
		widget.NewLabel(v.e.t("field.description")), v.description,
		widget.NewLabel(v.e.t("field.category")), v.category,
		widget.NewLabel(v.e.t("field.service")), v.service,
		widget.NewLabel(v.e.t("field.citizen")), v.name,
		widget.NewLabel(v.e.t("field.email")), errField("email", v.email),
		widget.NewLabel(v.e.t("field.phone")), v.phone,
		widget.NewLabel(v.e.t("field.address")), v.address,
		widget.NewLabel(v.e.t("field.language")), errField("language", v.citizenLang),
		widget.NewLabel(v.e.t("field.satisfaction")), v.satisfaction,
	)
	if closed {
		return container.NewVBox(title, form)
	}
	save := v.actionButton("save", v.e.t("case.save_corrections"), theme.DocumentSaveIcon(), v.SaveCorrections)
	return container.NewVBox(title, form, container.NewHBox(save))
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func officeLabel(offices []data.Office, code, lang string) string {
	for _, o := range offices {
		if o.Code == code {
			return code + " — " + OfficeName(o, lang)
		}
	}
	return code
}

// SaveCorrections writes the fields that differ from the case, in one change (and the
// satisfaction, if it changed, in the same transaction). A refusal shows next to its
// field; the register and what was typed stay as they were.
func (v *CaseView) SaveCorrections() {
	c := v.c
	if c == nil || c.Status == data.StatusClosed || v.subject == nil {
		return
	}
	for _, l := range v.errs {
		l.Hide()
	}
	var e data.Edit
	str := func(cur string, t *textEntry, dst **string) {
		if t.Text != cur {
			s := t.Text
			*dst = &s
		}
	}
	if k := data.Kind(v.kind.Value()); k != c.Kind {
		e.Kind = &k
	}
	if ch := data.Channel(v.channel.Value()); ch != c.Channel {
		e.Channel = &ch
	}
	str(c.Subject, v.subject, &e.Subject)
	str(c.Description, v.description, &e.Description)
	str(c.Category, v.category, &e.Category)
	str(c.Service, v.service, &e.Service)
	who := data.Citizen{Name: v.name.Text, Email: v.email.Text, Phone: v.phone.Text, Address: v.address.Text,
		Language: data.Language(v.citizenLang.Value())}
	if who != c.Citizen {
		e.Citizen = &who
	}
	score, _ := strconv.Atoi(v.satisfaction.Value())
	ref := c.ID
	if v.busy {
		return
	}
	v.busy = true
	v.general.Hide()
	store := v.e.store
	changedScore := score != c.Satisfaction
	v.e.background(func() error {
		return store.Update(context.Background(), func(tx *data.Tx) error {
			if _, err := tx.Edit(ref, e); err != nil {
				return err
			}
			if changedScore {
				_, err := tx.SetSatisfaction(ref, score)
				return err
			}
			return nil
		})
	}, func(err error) {
		v.busy = false
		if err != nil {
			v.showProblem(err)
			return
		}
		v.Reload()
		if v.OnChanged != nil {
			v.OnChanged(v.c)
		}
	})
}

func (v *CaseView) showProblem(err error) {
	text := v.e.errText(err)
	if p, ok := data.AsProblem(err); ok {
		if key, ok := problemField[p.Key]; ok {
			if l := v.errs[key]; l != nil {
				l.SetText(text)
				l.Show()
				return
			}
		}
	}
	v.general.SetText(text)
	v.general.Show()
}

// attachments lists the files kept with the case; each opens with the program the
// workstation uses for its kind, and a file can be added.
func (v *CaseView) attachments() fyne.CanvasObject {
	v.fileList = container.NewVBox()
	if len(v.files) == 0 {
		v.fileList.Add(widget.NewLabel(v.e.t("case.files_none")))
	}
	for _, f := range v.files {
		v.fileList.Add(v.fileRow(f))
		if line := v.signedLine(f); line != nil { // who signed it, and whether it holds (signedfile.go)
			v.fileList.Add(line)
		}
	}
	var add fyne.CanvasObject = widget.NewLabel("")
	if v.c.Status != data.StatusClosed {
		b := newButton(v.e.t("case.file_add"), theme.ContentAddIcon(), v.chooseFile)
		b.onEscape = v.escape
		add = container.NewHBox(b)
	}
	return container.NewBorder(nil, add, nil, nil, container.NewVScroll(container.NewPadded(v.fileList)))
}

func (v *CaseView) chooseFile() {
	if v.e.win == nil {
		return
	}
	d := fileOpen(v.e.store, nil, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		name, mime := r.URI().Name(), r.URI().MimeType()
		var content []byte
		v.e.background(func() error {
			defer r.Close()
			var err error
			content, err = io.ReadAll(io.LimitReader(r, data.MaxAttachment+1))
			if err != nil {
				return data.Problemf("err.read_file", "path", name)
			}
			return nil
		}, func(err error) {
			if err != nil {
				showError(v.e, err)
				return
			}
			v.addFile(name, mime, content)
		})
	}, v.e.win)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// addFile keeps a file with the case.
func (v *CaseView) addFile(name, mime string, content []byte) {
	ref := v.c.ID
	v.change(func(tx *data.Tx) error {
		_, err := tx.Attach(ref, name, mime, content)
		return err
	})
}

// safeName makes an id usable as a draft's name.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, id)
}
