package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/draft"
	"ascolto/data/intake"
)

// Drafts of the intake form: the fields as typed, and (apart, written once) the e-mail
// the form was filled from.
const (
	intakeDraftName = "intake"
	intakeMailName  = "intake-mail"
	// draftDelay is how long after a keystroke the draft is written: often enough that
	// a crash loses at most the last word, seldom enough not to write per letter.
	draftDelay = 400 * time.Millisecond
	// similarDelay is how long the form waits after the citizen's name is typed
	// before it looks for earlier items of the same citizen.
	similarDelay = 300 * time.Millisecond
)

// intakeDraft is the intake form as typed (text as typed, choices as register values).
type intakeDraft struct {
	Kind, Channel, Office, Received, Subject, Description string
	Name, Email, Phone, Address, Language                 string
	Category, Service, Assignee                           string
	HasMail                                               bool
	Saved                                                 time.Time
}

// mailDraft is an e-mail the form was filled from, as the draft keeps it.
type mailDraft struct {
	Name string
	Raw  []byte
}

// IntakeView is the form a clerk fills at the counter or from an e-mail: defaults for
// the counter (channel counter, received now, the register's office, the citizen's
// language as the interface's), every field reachable with Tab, Ctrl+S saves, Esc goes
// back to the register keeping what was typed. What is typed is written to a draft a
// moment later, so that closing the window or a crash loses nothing; the draft is
// removed when the case is saved. When the citizen brought a similar item in the last
// 30 days the form says so. An e-mail goes through data/intake, as in ascoltoctl: one
// already registered does not fill the form, the form says which case it is.
type IntakeView struct {
	// OnSaved is called on the UI thread with the case just registered.
	OnSaved func(c *data.Case)
	// OnEscape is called for Esc in the form.
	OnEscape func()
	// OnOpenCase opens a case by number (from the hint on a similar item).
	OnOpenCase func(number string)

	e       *env
	root    fyne.CanvasObject
	kind    *choice
	channel *choice
	office  *choice
	lang    *choice

	received, subject, description *textEntry
	name, email, phone, address    *textEntry
	category, service, assignee    *textEntry
	errs                           map[string]*widget.Label
	general, note, mailNote        *widget.Label
	similar                        *fyne.Container
	similarText                    *widget.Label
	similarOpen                    *button
	// dateNote says that the time received is a guess the clerk must confirm.
	dateNote *widget.Label
	// known says that an e-mail is already a case, and offers to open it.
	known         *fyne.Container
	knownText     *widget.Label
	knownOpen     *button
	knownNumber   string
	save, discard *button
	// mail is the e-mail the form was filled from; it is kept with the case on saving.
	mail            *intake.Mail
	saver           *draft.Autosaver
	saving, filling bool
	similarTimer    *time.Timer
	similarSeq      int
	similarNumber   string
	restored        bool
	defaultLang     data.Language
	// similarDone, if set, is called after each look for similar items (tests).
	similarDone func()
}

// newIntakeView builds the form and fills it from the draft, if one was left.
func newIntakeView(e *env) *IntakeView {
	v := &IntakeView{e: e, errs: map[string]*widget.Label{}}
	if e.lang == "it" || e.lang == "de" {
		v.defaultLang = data.Language(e.lang)
	}
	if e.drafts != nil {
		v.saver = draft.NewAutosaver(e.drafts, intakeDraftName, draftDelay)
	}
	v.build()
	v.reset()
	v.restore()
	return v
}

// Object is the form for a window.
func (v *IntakeView) Object() fyne.CanvasObject { return v.root }

// Restored reports whether the form was filled from a draft left by an earlier run.
func (v *IntakeView) Restored() bool { return v.restored }

// Dirty reports whether the clerk has typed anything not yet saved.
func (v *IntakeView) Dirty() bool {
	d := v.state()
	return d.Subject != "" || d.Description != "" || d.Name != "" || d.Email != "" || d.Phone != "" ||
		d.Address != "" || d.Category != "" || d.Service != "" || d.Assignee != "" || v.mail != nil
}

// FocusFirst puts the keyboard on the first field.
func (v *IntakeView) FocusFirst(c fyne.Canvas) {
	if c != nil {
		c.Focus(v.kind)
	}
}

// Close writes a pending draft to the disk now (the window is closing).
func (v *IntakeView) Close() {
	if v.similarTimer != nil {
		v.similarTimer.Stop()
	}
	if v.saver != nil {
		v.saver.Flush()
	}
}

func (v *IntakeView) field(key string, w fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	l.Hide()
	v.errs[key] = l
	return container.New(tightColumn{}, w, l)
}

func (v *IntakeView) build() {
	e := v.e
	lang := e.lang
	v.kind = newChoice(words(lang, "kind", data.Kinds), strs(data.Kinds), nil)
	v.channel = newChoice(words(lang, "channel", data.Channels), strs(data.Channels), nil)
	v.office = newChoice([]string{e.store.Local().Code}, []string{e.store.Local().Code}, nil)
	v.lang = newChoice([]string{e.t("intake.language_unknown"), e.t("language.it"), e.t("language.de")},
		[]string{"", "it", "de"}, nil)
	v.received = newTextEntry()
	v.received.SetPlaceHolder(formatDateTime(sampleTime, lang))
	v.subject = newTextEntry()
	v.subject.SetPlaceHolder(e.t("intake.subject_hint"))
	v.description = newTextArea(6)
	v.name = newTextEntry()
	v.email = newTextEntry()
	v.email.SetPlaceHolder(e.t("intake.email_hint"))
	v.phone = newTextEntry()
	v.address = newTextEntry()
	v.category = newTextEntry()
	v.service = newTextEntry()
	v.assignee = newTextEntry()

	for _, c := range []*choice{v.kind, v.channel, v.office, v.lang} {
		c.onEscape = v.escape
		c.onPick = func(string) { v.changed() }
	}
	for _, t := range v.entries() {
		t.onEscape = v.escape
		t.OnChanged = func(string) { v.changed() }
	}
	v.received.OnChanged = func(string) {
		if !v.filling {
			v.dateNote.Hide() // the clerk set the time: it is no longer a guess
		}
		v.changed()
	}
	v.name.OnChanged = func(string) { v.changed(); v.lookSimilarSoon() }
	v.email.OnChanged = func(string) { v.changed(); v.lookSimilarSoon() }
	v.kind.onPick = func(string) { v.changed(); v.lookSimilarSoon() }
	// A field's message goes as soon as the field is being corrected: one that stayed
	// would say the field is still wrong.
	for key, t := range map[string]*textEntry{"subject": v.subject, "email": v.email, "received": v.received} {
		key, changed := key, t.OnChanged
		t.OnChanged = func(s string) { v.errs[key].Hide(); changed(s) }
	}
	for key, c := range map[string]*choice{"kind": v.kind, "channel": v.channel, "language": v.lang, "office": v.office} {
		key, picked := key, c.onPick
		c.onPick = func(s string) { v.errs[key].Hide(); picked(s) }
	}

	v.dateNote = widget.NewLabel("")
	v.dateNote.Importance = widget.WarningImportance
	v.dateNote.Wrapping = fyne.TextWrapWord
	v.dateNote.SizeName = theme.SizeNameCaptionText
	v.dateNote.Hide()
	receivedField := v.field("received", v.received).(*fyne.Container)
	receivedField.Add(v.dateNote)

	label := func(key string) *widget.Label { return widget.NewLabel(e.t(key)) }
	left := container.New(layout.NewFormLayout(),
		label("field.kind"), v.field("kind", v.kind),
		label("field.channel"), v.field("channel", v.channel),
		label("field.received"), receivedField,
		label("field.office"), v.field("office", v.office),
		label("field.subject"), v.field("subject", v.subject),
		label("field.description"), v.field("description", v.description),
	)
	right := container.New(layout.NewFormLayout(),
		label("field.citizen"), v.field("name", v.name),
		label("field.email"), v.field("email", v.email),
		label("field.phone"), v.field("phone", v.phone),
		label("field.address"), v.field("address", v.address),
		label("field.language"), v.field("language", v.lang),
		label("field.category"), v.field("category", v.category),
		label("field.service"), v.field("service", v.service),
		label("field.assignee"), v.field("assignee", v.assignee),
	)
	whatTitle := widget.NewLabel(e.t("intake.section.item"))
	whatTitle.TextStyle.Bold = true
	whoTitle := widget.NewLabel(e.t("intake.section.citizen"))
	whoTitle.TextStyle.Bold = true

	v.similarText = widget.NewLabel("")
	v.similarText.Wrapping = fyne.TextWrapWord
	v.similarOpen = newButton(e.t("intake.similar_open"), theme.NavigateNextIcon(), func() {
		if v.OnOpenCase != nil && v.similarNumber != "" {
			v.OnOpenCase(v.similarNumber)
		}
	})
	v.similarOpen.onEscape = v.escape
	v.similar = container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.InfoIcon())), v.similarOpen, v.similarText)
	v.similar.Hide()

	v.knownText = widget.NewLabel("")
	v.knownText.Wrapping = fyne.TextWrapWord
	v.knownOpen = newButton(e.t("intake.mail.duplicate_open"), theme.NavigateNextIcon(), func() {
		if v.OnOpenCase != nil && v.knownNumber != "" {
			v.OnOpenCase(v.knownNumber)
		}
	})
	v.knownOpen.onEscape = v.escape
	v.known = container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.MailComposeIcon())), v.knownOpen, v.knownText)
	v.known.Hide()

	v.mailNote = widget.NewLabel("")
	v.mailNote.Wrapping = fyne.TextWrapWord
	v.mailNote.Hide()
	v.general = widget.NewLabel("")
	v.general.Importance = widget.DangerImportance
	v.general.Wrapping = fyne.TextWrapWord
	v.general.Hide()
	v.note = widget.NewLabel("")
	v.note.Wrapping = fyne.TextWrapWord
	v.note.Importance = widget.SuccessImportance
	v.note.Hide()

	v.save = newButton(e.t("intake.save"), theme.DocumentSaveIcon(), v.Save)
	v.save.Importance = widget.HighImportance
	v.save.onEscape = v.escape
	v.discard = newButton(e.t("intake.discard"), theme.DeleteIcon(), v.confirmDiscard)
	v.discard.onEscape = v.escape
	keys := widget.NewLabel(e.t("intake.keys"))
	keys.SizeName = theme.SizeNameCaptionText

	title := widget.NewLabel(e.t("intake.title"))
	title.TextStyle.Bold = true
	title.SizeName = theme.SizeNameSubHeadingText

	columns := container.NewGridWithColumns(2,
		container.NewBorder(whatTitle, nil, nil, nil, left),
		container.NewBorder(whoTitle, nil, nil, nil, right))
	buttons := container.NewHBox(v.save, v.discard, layout.NewSpacer(), keys)
	body := container.NewVBox(title, v.note, v.known, columns, v.similar, v.mailNote, v.general, buttons)
	v.root = container.NewVScroll(container.NewPadded(body))
}

func (v *IntakeView) entries() []*textEntry {
	return []*textEntry{v.received, v.subject, v.description, v.name, v.email, v.phone, v.address, v.category, v.service, v.assignee}
}

func (v *IntakeView) escape() {
	if v.OnEscape != nil {
		v.OnEscape()
	}
}

// SetOffices offers the register's offices (codes) for the case's office.
func (v *IntakeView) SetOffices(codes []string) {
	sorted := append([]string(nil), codes...)
	sortNames(v.e.lang, sorted)
	cur := v.office.Value()
	v.filling = true
	v.office.values = sorted
	v.office.SetOptions(sorted)
	v.office.SetValue(cur)
	if v.office.SelectedIndex() < 0 {
		v.office.SetValue(v.e.store.Local().Code)
	}
	v.filling = false
}

// freshen sets the time received to now in a form nobody has typed into yet: a form
// left open since the morning must not date the afternoon's citizen.
func (v *IntakeView) freshen() {
	if v.Dirty() || v.restored {
		return
	}
	v.filling = true
	v.received.SetText(formatDateTime(v.e.store.Now(), v.e.lang))
	v.filling = false
}

// reset empties the form and sets the counter's defaults.
func (v *IntakeView) reset() {
	v.fill(intakeDraft{Kind: string(data.KindRequest), Channel: string(data.ChannelCounter),
		Office: v.e.store.Local().Code, Received: formatDateTime(v.e.store.Now(), v.e.lang), Language: string(v.defaultLang)})
	v.mail = nil
	v.mailNote.Hide()
	v.dateNote.Hide()
	v.known.Hide()
	v.similar.Hide()
	v.clearErrors()
}

// fill puts a draft into the fields without writing it back as a new draft.
func (v *IntakeView) fill(d intakeDraft) {
	v.filling = true
	defer func() { v.filling = false }()
	v.kind.SetValue(d.Kind)
	v.channel.SetValue(d.Channel)
	v.office.SetValue(d.Office)
	v.lang.SetValue(d.Language)
	for _, p := range []struct {
		e *textEntry
		s string
	}{{v.received, d.Received}, {v.subject, d.Subject}, {v.description, d.Description}, {v.name, d.Name},
		{v.email, d.Email}, {v.phone, d.Phone}, {v.address, d.Address}, {v.category, d.Category},
		{v.service, d.Service}, {v.assignee, d.Assignee}} {
		p.e.SetText(p.s)
	}
}

// state is the form as typed.
func (v *IntakeView) state() intakeDraft {
	return intakeDraft{Kind: v.kind.Value(), Channel: v.channel.Value(), Office: v.office.Value(),
		Received: v.received.Text, Subject: v.subject.Text, Description: v.description.Text,
		Name: v.name.Text, Email: v.email.Text, Phone: v.phone.Text, Address: v.address.Text,
		Language: v.lang.Value(), Category: v.category.Text, Service: v.service.Text, Assignee: v.assignee.Text,
		HasMail: v.mail != nil}
}

// changed hands the form to the draft writer (a moment later, off the UI thread).
func (v *IntakeView) changed() {
	if v.filling {
		return
	}
	v.note.Hide()
	v.known.Hide()
	if v.saver != nil {
		d := v.state()
		d.Saved = v.e.store.Now()
		v.saver.Set(d)
	}
}

// restore fills the form from a draft an earlier run left behind.
func (v *IntakeView) restore() {
	if v.e.drafts == nil {
		return
	}
	var d intakeDraft
	found, err := v.e.drafts.Load(intakeDraftName, &d)
	if err != nil || !found {
		return
	}
	if d.HasMail {
		var md mailDraft
		if ok, _ := v.e.drafts.Load(intakeMailName, &md); ok {
			if m, err := intake.Read(md.Name, md.Raw, v.e.store.Now()); err == nil {
				v.mail = m
				v.showMail(m)
			}
		}
	}
	v.fill(d)
	v.restored = true
	v.note.SetText(v.e.t("intake.draft_restored", "time", formatDateTime(d.Saved, v.e.lang)))
	v.note.Importance = widget.MediumImportance
	v.note.Show()
	// The program may have stopped after the case was saved and before the draft was
	// removed: the clerk is told, and saving again gives no second case.
	if v.mail != nil {
		if c, err := intake.Find(context.Background(), v.e.store, v.mail); err == nil && c != nil {
			v.showKnown(c)
		}
	}
}

func (v *IntakeView) clearErrors() {
	for _, l := range v.errs {
		l.Hide()
	}
	v.general.Hide()
}

// problemField names the field a problem of the register is about.
var problemField = map[string]string{
	"err.subject_empty": "subject", "err.subject_long": "subject", "err.email": "email", "err.date": "received",
	"err.future": "received", "err.before_receipt": "received", "err.kind": "kind", "err.channel": "channel",
	"err.language": "language", "err.unknown_office": "office",
}

// showProblem puts the translated problem next to its field and the keyboard there;
// what was typed stays as it was.
func (v *IntakeView) showProblem(err error) {
	text := v.e.errText(err)
	if p, ok := data.AsProblem(err); ok {
		if key, ok := problemField[p.Key]; ok {
			l := v.errs[key]
			l.SetText(text)
			l.Show()
			v.focusField(key)
			return
		}
	}
	v.general.SetText(text)
	v.general.Show()
}

func (v *IntakeView) focusField(key string) {
	f := map[string]fyne.Focusable{"subject": v.subject, "email": v.email, "received": v.received, "kind": v.kind,
		"channel": v.channel, "language": v.lang, "office": v.office}[key]
	if f == nil || v.e.win == nil {
		return
	}
	v.e.win.Canvas().Focus(f)
}

// Save registers the case as typed (Ctrl+S). A refusal shows next to its field and
// changes nothing: the register is untouched and the form keeps what was typed.
func (v *IntakeView) Save() {
	if v.saving {
		return
	}
	v.clearErrors()
	d := v.state()
	received, ok := parseDateTime(d.Received, v.e.lang)
	if !ok {
		v.showProblem(data.Problemf("err.date", "value", d.Received))
		return
	}
	nc := data.NewCase{Office: d.Office, Kind: data.Kind(d.Kind), Channel: data.Channel(d.Channel), ReceivedAt: received,
		Subject: d.Subject, Description: d.Description, Category: d.Category, Service: d.Service, Assignee: d.Assignee,
		Citizen: data.Citizen{Name: d.Name, Email: d.Email, Phone: d.Phone, Address: d.Address, Language: data.Language(d.Language)}}
	mail := v.mail
	if mail != nil {
		nc.Note = v.e.t("intake.mail_note", "name", mail.Name)
		// The form shows minutes; a time left as the message gave it keeps its seconds
		// (a PEC's certified time to the second).
		if d.Received == formatDateTime(mail.Received, v.e.lang) {
			nc.ReceivedAt = mail.Received
		}
	}
	v.saving = true
	v.save.Disable()
	store := v.e.store
	var created *data.Case
	var known bool
	v.e.background(func() error {
		if mail != nil {
			// The one intake of e-mails, with what the clerk typed or corrected.
			res, err := intake.Register(context.Background(), store, mail, nc)
			if err == nil {
				created, known = res.Case, res.Duplicate
			}
			return err
		}
		var err error
		created, err = store.Create(context.Background(), nc)
		return err
	}, func(err error) {
		v.saving = false
		v.save.Enable()
		if err != nil {
			v.showProblem(err)
			return
		}
		if known {
			// Registered meanwhile (another window, ascoltoctl): the form stays as it is.
			v.showKnown(created)
			return
		}
		v.forgetDraft()
		v.reset()
		v.note.SetText(v.e.t("intake.saved", "number", created.Number, "due", formatDay(created.DueDate, v.e.lang)))
		v.note.Importance = widget.SuccessImportance
		v.note.Show()
		// The next citizen starts at the first field again.
		if v.e.win != nil {
			v.FocusFirst(v.e.win.Canvas())
		}
		if v.OnSaved != nil {
			v.OnSaved(created)
		}
	})
}

func (v *IntakeView) forgetDraft() {
	if v.saver != nil {
		v.saver.Discard()
	}
	if v.e.drafts != nil {
		v.e.drafts.Remove(intakeMailName)
	}
	v.restored = false
}

// confirmDiscard asks before throwing away what was typed.
func (v *IntakeView) confirmDiscard() {
	if !v.Dirty() || v.e.win == nil {
		v.Discard()
		return
	}
	confirm(v.e, v.e.t("intake.discard_title"), v.e.t("intake.discard_question"), v.Discard)
}

// Discard empties the form and removes its draft.
func (v *IntakeView) Discard() {
	v.forgetDraft()
	v.reset()
	v.note.Hide()
}

// LoadMail fills the form from an e-mail (.eml): sender, subject, date, text, and the
// attachments to keep. A broken file, or a PEC receipt, is refused with a problem and
// changes nothing. An e-mail already registered does not fill the form: the form says
// which case it is and offers to open it.
func (v *IntakeView) LoadMail(name string, raw []byte) error {
	m, err := intake.Read(name, raw, v.e.store.Now())
	if err != nil {
		return err
	}
	c, err := intake.Find(context.Background(), v.e.store, m)
	if err != nil {
		return err
	}
	if c != nil {
		v.showKnown(c)
		return nil
	}
	nc := m.Proposal(v.defaultLang)
	v.clearErrors()
	v.mail = m
	v.fill(intakeDraft{Kind: string(nc.Kind), Channel: string(nc.Channel), Office: v.e.store.Local().Code,
		Received: formatDateTime(nc.ReceivedAt, v.e.lang), Subject: nc.Subject, Description: nc.Description,
		Name: nc.Citizen.Name, Email: nc.Citizen.Email, Language: string(nc.Citizen.Language)})
	v.note.Hide()
	v.changed()
	v.showMail(m)
	if v.e.drafts != nil {
		go v.e.drafts.Save(intakeMailName, mailDraft{Name: m.Name, Raw: m.Raw}) // once, apart from the keystrokes
	}
	v.lookSimilarSoon()
	return nil
}

// showMail says whose e-mail fills the form and what is kept, and whether its time of
// receipt is a guess to confirm.
func (v *IntakeView) showMail(m *intake.Mail) {
	msg := m.Message
	from := msg.FromAddress
	if msg.FromName != "" {
		from = msg.FromName + " <" + msg.FromAddress + ">"
	}
	v.mailNote.SetText(v.e.t("intake.mail_loaded", "from", from, "n", formatNumber(m.Files(), v.e.lang)))
	v.mailNote.Show()
	if note := m.DateNote(); note != nil {
		v.dateNote.SetText(v.e.errText(note))
		v.dateNote.Show()
	} else {
		v.dateNote.Hide()
	}
}

// showKnown says that the e-mail is already the case c and offers to open it.
func (v *IntakeView) showKnown(c *data.Case) {
	v.knownNumber = c.Number
	v.knownText.SetText(v.e.t("intake.mail.duplicate", "number", c.Number,
		"date", formatDay(c.ReceivedAt.In(data.Rome).Format("2006-01-02"), v.e.lang), "subject", c.Subject))
	v.known.Show()
}

// lookSimilarSoon looks for earlier items of the same citizen once the typing pauses.
func (v *IntakeView) lookSimilarSoon() {
	if v.filling {
		return
	}
	if v.similarTimer != nil {
		v.similarTimer.Stop()
	}
	v.similarTimer = time.AfterFunc(similarDelay, func() { v.e.do(v.lookSimilar) })
}

func (v *IntakeView) lookSimilar() {
	v.similarSeq++
	seq := v.similarSeq
	who := data.Citizen{Name: v.name.Text, Email: v.email.Text}
	kind := data.Kind(v.kind.Value())
	subject := v.subject.Text
	at, ok := parseDateTime(v.received.Text, v.e.lang)
	if !ok {
		at = v.e.store.Now()
	}
	store := v.e.store
	var found []*data.Case
	v.e.background(func() error {
		var err error
		found, err = store.Similar(context.Background(), who, kind, subject, at)
		return err
	}, func(err error) {
		if seq != v.similarSeq {
			return // the clerk typed on meanwhile
		}
		if err != nil || len(found) == 0 {
			v.similar.Hide()
			v.similarNumber = ""
		} else {
			c := found[0]
			text := v.e.t("intake.similar", "name", c.Citizen.Name, "date", formatDay(c.ReceivedAt.In(data.Rome).Format("2006-01-02"), v.e.lang),
				"number", c.Number, "subject", c.Subject, "kind", word(v.e.lang, "kind", c.Kind), "status", word(v.e.lang, "status", c.Status))
			if len(found) > 1 {
				text += " " + plural(v.e.lang, len(found)-1, "intake.similar_more.one", "intake.similar_more.other")
			}
			v.similarText.SetText(text)
			v.similarNumber = c.Number
			v.similar.Show()
		}
		if v.similarDone != nil {
			v.similarDone()
		}
	})
}
