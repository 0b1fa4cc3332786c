package ui

import (
	"context"
	"image"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/printing/letter"
	"ascolto/printing/preview"
	"ascolto/printing/printer"
	"ascolto/printing/signature"
	"ascolto/translations"
)

// LetterPanel is the reply letter of one case in the case view: the letter's language,
// the reply (when the case has none yet, with the office's ready-made phrases), a
// digital signature, a preview of the pages, issuing, printing and sending, and where
// the case's letter stands (issued, printed, sent).
type LetterPanel struct {
	store *data.Store
	c     *data.Case
	lang  string
	win   fyne.Window
	// prefs are the workstation's settings (the default signer, the certificate); nil
	// where the program has none.
	prefs fyne.Preferences

	office  *letter.Office
	letters []*data.Letter

	status    *widget.Label
	language  *choice // a data.LetterLanguage
	reply     *textEntry
	second    *textEntry
	phrases   *selectList
	sign      *checkBox
	certPath  string
	certLabel *widget.Label
	card      *cardChoice // the smart card as the signing choice (letter_token.go)
	problem   *widget.Label
	issueBtn  *button
	printBtn  *button
	sentBtn   *button
	undoBtn   *button
	saveBtn   *button
	showBtn   *button
	mail      *mailSend // Send by e-mail (mailsend.go)
	done      *widget.Label
	// the dialogs open now (tests drive them)
	passDialog dialog.Dialog
	passEntry  *textEntry
	sentDialog dialog.Dialog
	wayPick    *wayChoice
	replyBox   *fyne.Container
	secondBox  *fyne.Container
	root       fyne.CanvasObject
	langs      []data.LetterLanguage
	// onEscape is Esc anywhere in the panel: the case view's, which closes the case as
	// Esc does in the rest of it (SetOnEscape).
	onEscape func()
}

// NewLetterPanel builds the letter panel of case c in the interface language lang; win
// hosts its dialogs (password, certificate, preview).
func NewLetterPanel(store *data.Store, c *data.Case, lang string, win fyne.Window) fyne.CanvasObject {
	o := &letterPanelObject{p: newLetterPanel(store, c, lang, win)}
	o.ExtendBaseWidget(o)
	return o
}

// letterPanelObject is the panel as the case view holds it: its column, and where the
// keyboard starts when a key brings its tab to the front.
type letterPanelObject struct {
	widget.BaseWidget
	p *LetterPanel
}

func (o *letterPanelObject) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(o.p.root)
}

// FocusFirst is the panel's.
func (o *letterPanelObject) FocusFirst(c fyne.Canvas) { o.p.FocusFirst(c) }

// SetOnEscape makes Esc in any of the panel's fields, lists and buttons do what it does
// in the case around it (the case view sets it).
func (o *letterPanelObject) SetOnEscape(f func()) { o.p.onEscape = f }

// escape is the panel's widgets' Esc.
func (p *LetterPanel) escape() {
	if p.onEscape != nil {
		p.onEscape()
	}
}

// FocusFirst puts the keyboard where the clerk starts: in the reply while there is one
// to write, else on the button that issues the letter (Shift+Tab goes back to the
// language and the signature, Tab on to printing and sending).
func (p *LetterPanel) FocusFirst(c fyne.Canvas) {
	if c == nil {
		return
	}
	if p.replyBox.Visible() {
		c.Focus(p.reply)
		return
	}
	c.Focus(p.issueBtn)
}

// focus puts the keyboard on b when it had it on from, a button that has just gone or
// been disabled: Fyne's Tab would start again from the top of the window.
func (p *LetterPanel) focus(from, b *button) {
	if p.win == nil || !b.Visible() || b.Disabled() {
		return
	}
	if c := p.win.Canvas(); c.Focused() == fyne.Focusable(from) {
		c.Focus(b)
	}
}

func newLetterPanel(store *data.Store, c *data.Case, lang string, win fyne.Window) *LetterPanel {
	p := &LetterPanel{store: store, c: c, lang: lang, win: win,
		langs: []data.LetterLanguage{data.LetterItalian, data.LetterGerman, data.LetterBoth}}
	if a := fyne.CurrentApp(); a != nil {
		p.prefs = a.Preferences()
	}
	p.build()
	p.refresh()
	return p
}

func (p *LetterPanel) t(key string, kv ...string) string { return translations.T(p.lang, key, kv...) }

func (p *LetterPanel) pref(key string) string {
	if p.prefs == nil {
		return ""
	}
	return strings.TrimSpace(p.prefs.String(key))
}

func (p *LetterPanel) build() {
	title := widget.NewLabelWithStyle(p.t("letter.ui.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.showBtn = newButton(p.t("letter.ui.show"), theme.VisibilityIcon(), p.showIssued)

	var names, values []string
	for _, l := range p.langs {
		names = append(names, p.langName(l))
		values = append(values, string(l))
	}
	// A drop-down, as the case's other languages: the keyboard on a radio button's
	// option has no Esc in Fyne.
	p.language = newChoice(names, values, func(string) { p.layoutTexts() })
	p.language.SetValue(string(p.defaultLanguage()))
	p.language.onEscape = p.escape

	// The texts are the program's text areas, in which Tab moves on to the next control
	// (a plain multi-line entry keeps Tab as a character: the keyboard could not leave).
	p.reply = newTextArea(5)
	p.reply.SetPlaceHolder(p.t("letter.ui.reply_placeholder"))
	p.reply.onEscape = p.escape
	p.second = newTextArea(4)
	p.second.onEscape = p.escape
	p.phrases = newSelectList(p.insertPhrase)
	p.phrases.PlaceHolder = p.t("letter.ui.phrase")
	p.phrases.onEscape = p.escape
	p.replyBox = container.NewVBox(widget.NewLabel(p.t("letter.ui.reply")), p.reply, p.phrases)
	p.secondBox = container.NewVBox(widget.NewLabel(""), p.second)

	p.sign = newCheckBox(p.t("letter.ui.sign"), func(bool) {})
	p.sign.onEscape = p.escape
	p.certLabel = widget.NewLabel(p.t("letter.ui.no_certificate"))
	cert := newButton(p.t("letter.ui.certificate"), theme.FolderOpenIcon(), p.chooseCertificate)
	cardBtn := p.buildCard()
	// The certificate chosen in Settings is this workstation's: every case starts with it
	// (its password is still asked at each letter).
	if path := p.pref(PrefCertificate); path != "" {
		p.setCertificate(path)
	}

	p.problem = widget.NewLabel("")
	p.problem.Wrapping = fyne.TextWrapWord
	p.problem.Importance = widget.DangerImportance
	p.problem.Hide()

	// The buttons are the program's: Space or Enter presses the one with the keyboard,
	// which Tab reaches in the order they stand (disabled ones are passed over).
	previewBtn := newButton(p.t("letter.ui.preview"), theme.SearchIcon(), p.previewDraft)
	p.issueBtn = newButton(p.t("letter.ui.issue"), theme.DocumentCreateIcon(), p.askAndIssue)
	p.issueBtn.Importance = widget.HighImportance
	p.printBtn = newButton(p.t("letter.ui.print"), theme.DocumentPrintIcon(), p.print)
	p.sentBtn = newButton(p.t("letter.ui.sent"), theme.MailSendIcon(), p.askSent)
	p.undoBtn = newButton(p.t("letter.ui.undo_sent"), theme.ContentUndoIcon(), p.undoSent)
	p.saveBtn = newButton(p.t("letter.ui.save_pdf"), theme.DocumentSaveIcon(), p.savePDF)
	p.mail = newMailSend(p)
	for _, b := range []*button{p.showBtn, cert, cardBtn, previewBtn, p.issueBtn, p.printBtn, p.sentBtn, p.undoBtn, p.saveBtn, p.mail.btn} {
		b.onEscape = p.escape
	}
	p.done = widget.NewLabel("")
	p.done.Wrapping = fyne.TextWrapWord
	p.done.Importance = widget.SuccessImportance
	p.done.Hide()

	p.root = container.NewVBox(
		title,
		container.NewBorder(nil, nil, nil, p.showBtn, p.status),
		widget.NewForm(widget.NewFormItem(p.t("letter.ui.language"), container.NewHBox(p.language))),
		p.replyBox, p.secondBox,
		container.NewHBox(p.sign, cert, cardBtn, p.certLabel),
		p.problem, p.done,
		container.NewHBox(previewBtn, p.issueBtn, p.printBtn, p.saveBtn, p.mail.btn, p.sentBtn, p.undoBtn),
	)
}

// defaultLanguage is the citizen's language, both where it is not recorded.
func (p *LetterPanel) defaultLanguage() data.LetterLanguage {
	switch {
	case p.c.Citizen.Language != "":
		return data.LetterLanguage(p.c.Citizen.Language)
	case p.c.Reply.Language != "":
		return data.LetterLanguage(p.c.Reply.Language)
	}
	return data.LetterBoth
}

// langName is a letter language as the drop-down names it (short).
func (p *LetterPanel) langName(l data.LetterLanguage) string {
	if l == data.LetterBoth {
		return p.t("letter.ui.both")
	}
	return p.t(letter.LanguageKey(l))
}

// chosen is the letter language selected.
func (p *LetterPanel) chosen() data.LetterLanguage {
	for _, x := range p.langs {
		if string(x) == p.language.Value() {
			return x
		}
	}
	return p.defaultLanguage()
}

// replyLanguage is the language the reply entry is written in: the recorded reply's,
// else the letter's (the citizen's for a bilingual letter).
func (p *LetterPanel) replyLanguage() data.Language {
	if p.c.Reply.Language != "" {
		return p.c.Reply.Language
	}
	if l := p.chosen(); l != data.LetterBoth {
		return data.Language(l)
	}
	if p.c.Citizen.Language != "" {
		return p.c.Citizen.Language
	}
	return data.Italian
}

// otherLanguage is the language a bilingual letter still needs the reply in.
func (p *LetterPanel) otherLanguage() data.Language {
	if p.replyLanguage() == data.German {
		return data.Italian
	}
	return data.German
}

// refresh reads the case, its letters and the office's settings again.
func (p *LetterPanel) refresh() {
	ctx := context.Background()
	if c, err := p.store.Get(ctx, p.c.ID); err == nil {
		p.c = c
	}
	var err error
	if p.letters, err = p.store.Letters(ctx, p.c.ID); err != nil {
		p.showProblem(err)
	}
	if p.office, err = letter.Prepare(ctx, p.store); err != nil {
		p.showProblem(err)
	}
	var names []string
	if p.office != nil {
		names = p.office.Templates().Phrases()
	}
	p.phrases.Options = names
	p.phrases.Refresh()
	p.status.SetText(p.statusText())
	last := p.last()
	showIf(p.showBtn, last != nil)
	p.printBtn.Disable()
	p.saveBtn.Disable()
	p.sentBtn.Disable()
	showIf(p.undoBtn, p.canUndoSent())
	p.mail.refresh()
	if last != nil {
		p.printBtn.Enable()
		p.saveBtn.Enable()
		if last.SentAt == nil {
			p.sentBtn.Enable()
		}
	}
	p.layoutTexts()
}

func (p *LetterPanel) last() *data.Letter {
	if len(p.letters) == 0 {
		return nil
	}
	return p.letters[len(p.letters)-1]
}

// statusText says where the case's letter stands, in words.
func (p *LetterPanel) statusText() string {
	l := p.last()
	if l == nil {
		return p.t("letter.ui.none")
	}
	s := p.t("letter.ui.issued", "letter", l.Number, "date", formatDateTime(l.IssuedAt, p.lang),
		"language", p.t(letter.LanguageKey(l.Language)))
	if l.Signer != "" {
		s += " · " + p.t("letter.ui.signed_by", "signer", l.Signer) + p.timestampText(l)
	}
	if l.PrintedAt != nil {
		s += " · " + p.t("letter.ui.printed", "date", formatDateTime(*l.PrintedAt, p.lang), "count", strconv.Itoa(l.Prints))
	}
	if l.SentAt != nil {
		if way := p.wayName(l.SentVia); way != "" {
			s += " · " + p.t("letter.ui.was_sent_via", "date", formatDateTime(*l.SentAt, p.lang), "way", way)
		} else {
			s += " · " + p.t("letter.ui.was_sent", "date", formatDateTime(*l.SentAt, p.lang))
		}
	}
	return s
}

// layoutTexts shows the reply entry when the case has no reply yet, and the second
// language's entry when a bilingual letter needs it.
func (p *LetterPanel) layoutTexts() {
	if p.reply == nil || p.replyBox == nil {
		return
	}
	showIf(p.replyBox, strings.TrimSpace(p.c.Reply.Text) == "")
	showIf(p.secondBox, p.chosen() == data.LetterBoth)
	if label, ok := p.secondBox.Objects[0].(*widget.Label); ok {
		label.SetText(p.t("letter.ui.reply_in", "language", p.t("language."+string(p.otherLanguage()))))
	}
	if p.root != nil {
		p.root.Refresh() // the column lays itself out again around what appeared or went
	}
}

func showIf(o fyne.CanvasObject, show bool) {
	if show {
		o.Show()
	} else {
		o.Hide()
	}
}

// insertPhrase adds a ready-made phrase at the end of the reply, in the reply's language.
func (p *LetterPanel) insertPhrase(name string) {
	if name == "" || p.office == nil {
		return
	}
	text := p.office.Templates().Text(name, p.replyLanguage())
	if cur := strings.TrimRight(p.reply.Text, " \n"); cur != "" {
		text = cur + "\n\n" + text
	}
	p.reply.SetText(text)
	p.phrases.ClearSelected()
}

// options are the clerk's choices as the letter package takes them.
func (p *LetterPanel) options(signer *signature.Signer) letter.Options {
	opt := letter.Options{Language: p.chosen(), Signer: signer, Texts: map[data.Language]string{},
		DefaultSigner: p.pref(PrefSigner)}
	if strings.TrimSpace(p.c.Reply.Text) == "" {
		opt.Text = p.reply.Text
		opt.Texts[p.replyLanguage()] = p.reply.Text
	}
	if opt.Language == data.LetterBoth {
		opt.Texts[p.otherLanguage()] = p.second.Text
	}
	return opt
}

func (p *LetterPanel) showProblem(err error) {
	if err == nil {
		p.problem.Hide()
		return
	}
	p.problem.SetText(ErrorText(p.lang, err))
	p.problem.Show()
}

func (p *LetterPanel) chooseCertificate() {
	d := fileOpen(p.store, []string{".p12", ".pfx"}, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		p.setCertificate(r.URI().Path())
	}, p.win)
	if p.certPath != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(filepath.Dir(p.certPath))); err == nil {
			d.SetLocation(l)
		}
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

func (p *LetterPanel) setCertificate(path string) {
	p.certPath = path
	p.card.chosen = false
	p.certLabel.SetText(filepath.Base(path))
	p.sign.SetChecked(true)
}

// askAndIssue asks for the certificate's password when the letter is to be signed: it is
// used to open the certificate and then forgotten, never stored.
func (p *LetterPanel) askAndIssue() {
	if !p.sign.Checked {
		p.issue("")
		return
	}
	if p.card.chosen {
		p.askPIN()
		return
	}
	if p.certPath == "" {
		p.showProblem(data.Problemf("letter.err_p12_invalid"))
		return
	}
	pw := newTextEntry()
	pw.Password = true
	// The program's dialog (showDialog): the password is typed at once and Enter issues,
	// no mouse between the two; Esc cancels; and its "Issue letter" shows the keyboard
	// as the program's primary buttons do (Fyne's form dialog draws its own).
	p.passEntry = pw
	p.passDialog = showDialog(p.win, p.t("letter.ui.password_title"), p.t("letter.ui.issue"), p.t("letter.ui.cancel"),
		container420(widget.NewForm(widget.NewFormItem(p.t("letter.ui.password"), pw))), pw, func(ok bool) {
			p.passDialog, p.passEntry = nil, nil
			password := pw.Text
			pw.SetText("")
			if ok {
				p.issue(password)
			}
		})
}

// issue makes, signs and keeps the letter. A refusal (no reply, a wrong password, an
// expired certificate) is shown in the panel and keeps what the clerk typed.
func (p *LetterPanel) issue(password string) {
	var signer *signature.Signer
	if p.sign.Checked {
		var err error
		if signer, err = signature.LoadFile(p.certPath, password, p.store.Now()); err != nil {
			p.showProblem(err)
			return
		}
	}
	p.issueSigned(signer)
}

// issueSigned makes and keeps the letter, signed by signer (a .p12's or the smart
// card's; nil: unsigned).
func (p *LetterPanel) issueSigned(signer *signature.Signer) {
	_, _, err := letter.Issue(context.Background(), p.store, p.c.ID, p.options(signer))
	if err != nil {
		p.showProblem(err)
		return
	}
	p.showProblem(nil)
	p.reply.SetText("")
	p.second.SetText("")
	p.refresh()
}

// previewDraft shows the letter as it would be issued now, without keeping it.
func (p *LetterPanel) previewDraft() {
	if p.office == nil {
		return
	}
	c := *p.c
	opt := p.options(nil)
	if strings.TrimSpace(c.Reply.Text) == "" {
		c.Reply = data.Reply{Text: opt.Text, Language: p.replyLanguage()}
	}
	if strings.TrimSpace(c.Reply.Text) == "" {
		p.showProblem(data.Problemf("letter.err_no_reply", "number", c.Number))
		return
	}
	draft := &data.Letter{Number: c.Number + "/" + strconv.Itoa(len(p.letters)+1), Language: opt.Language, IssuedAt: p.store.Now()}
	pdf, err := p.office.Render(&c, draft, opt)
	if err != nil {
		p.showProblem(err)
		return
	}
	p.showProblem(nil)
	p.showPDF(p.t("letter.ui.preview_title", "letter", draft.Number), pdf)
}

// showIssued shows the last issued letter, exactly as kept in the register.
func (p *LetterPanel) showIssued() {
	l := p.last()
	if l == nil {
		return
	}
	pdf, err := p.store.LetterPDF(context.Background(), l)
	if err != nil {
		p.showProblem(err)
		return
	}
	p.showPDF(l.Number, pdf)
}

// showPDF shows pages as pictures in a dialog (pdftoppm), or opens the PDF in the
// system's viewer where pages cannot be rendered here.
func (p *LetterPanel) showPDF(title string, pdf []byte) {
	pages, err := p.pages(pdf)
	if err != nil {
		f, ferr := os.CreateTemp("", "ascolto-*.pdf")
		if ferr == nil {
			f.Write(pdf)
			f.Close()
			if ferr = printer.Open(f.Name()); ferr == nil {
				return
			}
		}
		p.showProblem(err)
		return
	}
	box := container.NewVBox()
	for _, img := range pages {
		pic := canvas.NewImageFromImage(img)
		pic.FillMode = canvas.ImageFillContain
		b := img.Bounds()
		pic.SetMinSize(fyne.NewSize(float32(b.Dx()), float32(b.Dy())))
		box.Add(pic)
	}
	scroll := container.NewVScroll(box)
	scroll.SetMinSize(fyne.NewSize(640, 600))
	// Enter and Esc close it, as its one button does.
	showDialog(p.win, title, p.t("letter.ui.close"), "", scroll, nil, nil)
}

// pages renders the PDF's pages for the preview (a variable for tests).
var previewPages = func(pdf []byte) ([]image.Image, error) {
	return preview.Pages(context.Background(), pdf, 80)
}

func (p *LetterPanel) pages(pdf []byte) ([]image.Image, error) { return previewPages(pdf) }

// print sends the last issued letter, byte for byte as kept, to the default printer and
// records it as printed when the system printed it.
func (p *LetterPanel) print() {
	l := p.last()
	if l == nil {
		return
	}
	ctx := context.Background()
	pdf, err := p.store.LetterPDF(ctx, l)
	if err != nil {
		p.showProblem(err)
		return
	}
	job, err := printLetter(ctx, []printer.Document{{Name: l.Number, PDF: pdf}}, printer.Options{})
	if err != nil {
		p.showProblem(err)
		return
	}
	if job.Method.Printed() {
		err = p.store.Update(ctx, func(t *data.Tx) error {
			_, err := t.MarkLetterPrinted(l.ID, job.Queue)
			return err
		})
	}
	p.showProblem(err)
	p.refresh()
}

// printLetter is the printer (a variable so tests print on a stand-in).
var printLetter = printer.Print

// sentWays are the ways a letter leaves the office, as recorded in the register.
var sentWays = []string{"post", "email", "pec", "hand"}

// wayKeys name them.
var wayKeys = map[string]string{"post": "letter.ui.way_post", "email": "letter.ui.way_email", "pec": "letter.ui.way_pec",
	"hand": "letter.ui.way_hand"}

// wayName is a recorded way in words; a way typed on the command line stays as typed.
func (p *LetterPanel) wayName(via string) string {
	for _, w := range sentWays {
		if w == via {
			return p.t(wayKeys[w])
		}
	}
	return strings.TrimSpace(via)
}

// wayChoice is the choice of the way a letter went: a letter picks (p, e, c, m…),
// Enter confirms the dialog, Esc leaves it.
type wayChoice struct {
	choice
	onEnter func()
}

func newWayChoice(labels, values []string) *wayChoice {
	c := &wayChoice{}
	c.Options, c.values = labels, values
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey confirms on Enter; the rest is the choice's.
func (c *wayChoice) TypedKey(k *fyne.KeyEvent) {
	if (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && c.onEnter != nil {
		c.onEnter()
		return
	}
	c.choice.TypedKey(k)
}

// askSent asks how the last letter left the office (post, e-mail, PEC, by hand) before
// recording it: a click by mistake records nothing.
func (p *LetterPanel) askSent() {
	l := p.last()
	if l == nil || l.SentAt != nil {
		return
	}
	var labels []string
	for _, w := range sentWays {
		labels = append(labels, p.t(wayKeys[w]))
	}
	pick := newWayChoice(labels, sentWays)
	way := "post"
	if strings.TrimSpace(p.c.Citizen.Email) != "" {
		way = "email"
	}
	pick.SetValue(way)
	// The program's dialog, as for the password: Enter on the way records, Esc cancels.
	p.wayPick = pick
	p.sentDialog = showDialog(p.win, p.t("letter.ui.sent_title", "letter", l.Number), p.t("letter.ui.sent_confirm"), p.t("letter.ui.cancel"),
		container420(widget.NewForm(widget.NewFormItem(p.t("letter.ui.sent_way"), pick))), pick, func(ok bool) {
			p.sentDialog, p.wayPick = nil, nil
			if ok && pick.Value() != "" {
				p.markSent(l, pick.Value())
				p.focus(p.sentBtn, p.undoBtn) // the next thing to do, if any, is to undo it
			}
		})
}

// markSent records that letter l left the office now, the way it went.
func (p *LetterPanel) markSent(l *data.Letter, via string) {
	err := p.store.Update(context.Background(), func(t *data.Tx) error {
		_, err := t.MarkLetterSent(l.ID, time.Time{}, via)
		return err
	})
	p.showProblem(err)
	p.refresh()
}

// canUndoSent: the last letter was recorded as sent today (Europe/Rome); the next day
// the record stands (data.UnmarkLetterSent refuses it too).
func (p *LetterPanel) canUndoSent() bool {
	l := p.last()
	return l != nil && l.SentAt != nil && data.Today(*l.SentAt) == data.Today(p.store.Now())
}

// undoSent takes back today's record of the sending, as its own entry in the history.
func (p *LetterPanel) undoSent() {
	l := p.last()
	if l == nil {
		return
	}
	err := p.store.Update(context.Background(), func(t *data.Tx) error {
		_, err := t.UnmarkLetterSent(l.ID)
		return err
	})
	p.showProblem(err)
	p.refresh()
	p.focus(p.undoBtn, p.sentBtn)
}

// pdfFileName is the name offered for a letter's PDF: its number with "-" for the
// "/" no file name may hold (BZ-2026-000935/1 → BZ-2026-000935-1.pdf).
func pdfFileName(number string) string {
	return strings.NewReplacer("/", "-", "\\", "-").Replace(number) + ".pdf"
}

// savePDF asks where to save the last letter's PDF (to attach it to an e-mail) and
// writes it there, byte for byte as kept in the register.
func (p *LetterPanel) savePDF() {
	l := p.last()
	if l == nil {
		return
	}
	chooseSavePath(p, pdfFileName(l.Number), func(path string) { p.writePDF(l, path) })
}

// chooseSavePath shows the save chooser (ui/filechooser.go) and hands the path chosen
// to done; a variable so that tests choose without the dialog.
var chooseSavePath = defaultChooseSavePath

func defaultChooseSavePath(p *LetterPanel, name string, done func(path string)) {
	d := fileSave(p.store, []string{".pdf"}, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			p.showProblem(err)
			return
		}
		if w == nil {
			return
		}
		// The chooser has created the file; it is written whole below, under a
		// temporary name and then renamed over it.
		w.Close()
		done(w.URI().Path())
	}, p.win)
	d.SetFileName(name)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// writePDF writes the letter's PDF to path atomically: a temporary file beside it,
// flushed, then renamed, so an e-mail program never picks up half a letter.
func (p *LetterPanel) writePDF(l *data.Letter, path string) {
	p.done.Hide()
	pdf, err := p.store.LetterPDF(context.Background(), l)
	if err == nil {
		err = writeFileAtomic(path, pdf)
		if err != nil {
			err = &data.Problem{Key: "letter.err_write_file", Args: map[string]string{"path": path, "letter": l.Number}, Err: err}
		}
	}
	p.showProblem(err)
	if err == nil {
		p.done.SetText(p.t("letter.ui.pdf_saved", "letter", l.Number, "path", path))
		p.done.Show()
	}
}

func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// LetterSettings is the letters' part of the office's settings: who signs and in which
// role, the place letters are dated from, the envelope window's side, the contacts in
// the footer, the logo and the scanned signature, and the wording (templates and reply
// phrases) with its placeholders. A template with an unknown placeholder is refused when
// saved, with the placeholder named.
type LetterSettings struct {
	store *data.Store
	lang  string
	win   fyne.Window

	entries   map[string]*textEntry
	window    *choice // "left", "right"
	visible   *checkBox
	pdfa      *checkBox
	images    map[string][]byte // chosen since the last save; nil content removes
	template  *selectEntry
	tplLang   *choice // "it", "de"
	text      *textEntry
	problem   *widget.Label
	saved     *widget.Label
	templates letter.Templates
	root      fyne.CanvasObject
}

// newLetterSettings builds the letter settings in the interface language lang, for the
// dialog of showLetterSettings, whose "Save and close" saves the settings (saveSettings);
// the templates have their own buttons. Its fields, lists, check box and buttons are the
// program's (ui/keys.go), so that the dialog takes Esc and Enter in every one of them.
func newLetterSettings(store *data.Store, lang string, win fyne.Window) *LetterSettings {
	s := &LetterSettings{store: store, lang: lang, win: win, entries: map[string]*textEntry{}, images: map[string][]byte{}}
	t := func(key string) string { return translations.T(lang, key) }
	form := widget.NewForm()
	for _, k := range []string{data.SettingSigner, data.SettingRoleIT, data.SettingRoleDE, data.SettingPlaceIT, data.SettingPlaceDE, data.SettingContact, data.SettingTSA} {
		e := newTextEntry()
		s.entries[k] = e
		form.Append(t(settingLabels[k]), e)
	}
	// Drop-downs rather than radio buttons: a radio button has the keyboard on one of
	// its options, which Fyne gives no Esc; a choice takes ← → and letters as well.
	s.window = newChoice([]string{t("letter.ui.window_left"), t("letter.ui.window_right")}, []string{"left", "right"}, nil)
	form.Append(t("letter.ui.window"), container.NewHBox(s.window))
	s.visible = newCheckBox(t("letter.ui.visible_signature"), nil)
	form.Append("", s.visible)
	s.pdfa = newCheckBox(t("letter.ui.pdfa"), nil)
	form.Append("", s.pdfa)
	imageButtons := container.NewHBox()
	for _, k := range []string{data.SettingLogo, data.SettingSignatureImage} {
		k := k
		imageButtons.Add(newButton(t(settingLabels[k]), theme.FileImageIcon(), func() { s.chooseImage(k) }))
		imageButtons.Add(newButton("", theme.DeleteIcon(), func() { s.images[k] = nil }))
	}
	form.Append(t("letter.ui.images"), imageButtons)

	s.template = newSelectEntry()
	s.template.OnChanged = func(string) { s.showTemplate() }
	s.tplLang = newChoice([]string{t("settings.language_name.it"), t("settings.language_name.de")}, []string{"it", "de"},
		func(string) { s.showTemplate() })
	s.text = newTextArea(6)
	placeholders := widget.NewLabel(translations.T(lang, "letter.ui.placeholders", "list", "{"+strings.Join(data.LetterPlaceholders, "}, {")+"}"))
	placeholders.Wrapping = fyne.TextWrapWord
	s.problem = widget.NewLabel("")
	s.problem.Wrapping = fyne.TextWrapWord
	s.problem.Importance = widget.DangerImportance
	s.problem.Hide()
	s.saved = widget.NewLabel("")

	s.root = container.NewVBox(
		widget.NewLabelWithStyle(t("letter.ui.settings_title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(t("letter.ui.templates_title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, nil, s.tplLang, s.template),
		s.text, placeholders,
		container.NewHBox(
			newButton(t("letter.ui.save_template"), theme.DocumentSaveIcon(), s.saveTemplate),
			newButton(t("letter.ui.reset_template"), theme.ContentUndoIcon(), s.resetTemplate)),
		s.problem, s.saved,
	)
	s.load()
	s.tplLang.SetValue("it")
	s.template.SetText(data.TemplateSalutation)
	return s
}

// settingLabels name the settings on screen.
var settingLabels = map[string]string{
	data.SettingSigner: "letter.ui.signer", data.SettingRoleIT: "letter.ui.role_it", data.SettingRoleDE: "letter.ui.role_de",
	data.SettingPlaceIT: "letter.ui.place_it", data.SettingPlaceDE: "letter.ui.place_de", data.SettingContact: "letter.ui.contact",
	data.SettingLogo: "letter.ui.logo", data.SettingSignatureImage: "letter.ui.signature_image",
	data.SettingTSA: "letter.ui.tsa_url",
}

// load shows the settings and templates as stored.
func (s *LetterSettings) load() {
	ctx := context.Background()
	st, err := s.store.LetterSettings(ctx)
	if err != nil {
		s.show(err)
		return
	}
	for k, v := range map[string]string{data.SettingSigner: st.Signer, data.SettingRoleIT: st.RoleIT, data.SettingRoleDE: st.RoleDE,
		data.SettingPlaceIT: st.PlaceIT, data.SettingPlaceDE: st.PlaceDE, data.SettingContact: st.Contact, data.SettingTSA: st.TSA} {
		s.entries[k].SetText(v)
	}
	if st.Window == "right" {
		s.window.SetValue("right")
	} else {
		s.window.SetValue("left")
	}
	s.visible.SetChecked(st.VisibleSignature)
	s.pdfa.SetChecked(st.PDFA)
	office, err := letter.Prepare(ctx, s.store)
	if err != nil {
		s.show(err)
		return
	}
	s.templates = office.Templates()
	s.template.SetOptions(append(data.LetterTemplateNames(), s.templates.Phrases()...))
}

func (s *LetterSettings) show(err error) {
	if err == nil {
		s.problem.Hide()
		return
	}
	s.saved.SetText("")
	s.problem.SetText(ErrorText(s.lang, err))
	s.problem.Show()
}

func (s *LetterSettings) chooseImage(key string) {
	d := fileOpen(s.store, []string{".png", ".jpg", ".jpeg"}, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		// a little over the 2 MB the register takes, so that a larger file is refused
		// by SetLetterImage with its message rather than read whole
		b, err := io.ReadAll(io.LimitReader(r, 2<<20+1))
		if err != nil {
			s.show(err)
			return
		}
		s.images[key] = b
	}, s.win)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// saveSettings writes every setting in one transaction: all or nothing.
func (s *LetterSettings) saveSettings() {
	window := s.window.Value()
	if window == "" {
		window = "left"
	}
	err := s.store.Update(context.Background(), func(t *data.Tx) error {
		for k, e := range s.entries {
			if err := t.SetLetterSetting(k, e.Text); err != nil {
				return err
			}
		}
		if err := t.SetLetterSetting(data.SettingWindow, window); err != nil {
			return err
		}
		if err := t.SetLetterSetting(data.SettingVisibleSignature, strconv.FormatBool(s.visible.Checked)); err != nil {
			return err
		}
		if err := t.SetLetterSetting(data.SettingPDFA, strconv.FormatBool(s.pdfa.Checked)); err != nil {
			return err
		}
		for k, b := range s.images {
			if err := t.SetLetterImage(k, b); err != nil {
				return err
			}
		}
		return nil
	})
	s.show(err)
	if err == nil {
		s.images = map[string][]byte{}
		s.saved.SetText(translations.T(s.lang, "letter.ui.saved"))
		s.load()
	}
}

func (s *LetterSettings) showTemplate() {
	if s.templates == nil || s.tplLang.Value() == "" {
		return
	}
	s.text.SetText(s.templates.Text(strings.TrimSpace(s.template.Text), data.Language(s.tplLang.Value())))
}

func (s *LetterSettings) saveTemplate() { s.putTemplate(s.text.Text) }

func (s *LetterSettings) resetTemplate() { s.putTemplate("") }

// putTemplate saves (or, empty, resets) the template shown; the text stays in the editor
// when it is refused, so the clerk can correct it.
func (s *LetterSettings) putTemplate(text string) {
	name := strings.TrimSpace(s.template.Text)
	err := s.store.Update(context.Background(), func(t *data.Tx) error {
		return t.SetLetterTemplate(name, data.Language(s.tplLang.Value()), text)
	})
	s.show(err)
	if err == nil {
		s.saved.SetText(translations.T(s.lang, "letter.ui.saved"))
		s.load()
		s.template.SetText(name)
		s.showTemplate()
	}
}
