package ui

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/exchange"
	"ascolto/translations"
)

// Exchanger is the exchange with the other offices as the window sees it: the engine of
// data/exchange in the program (wired in cmd/ascolto, see ExchangeEngine), a fake in some
// tests. The window knows its state and its four actions, never its files. Every method
// may touch the shared folder, so the window calls them off the UI thread.
type Exchanger interface {
	Status(ctx context.Context) (ExchangeStatus, error)
	// Join publishes this office's key in the folder, so that the others can trust it.
	Join(ctx context.Context) error
	// Trust trusts an office's key once the clerk has compared its fingerprint by phone;
	// a fingerprint that is not the key's is a *data.Problem and trusts nothing.
	Trust(ctx context.Context, code, fingerprint string) error
	SyncOnce(ctx context.Context) (ExchangeReport, error)
	// Changed is signalled after changes of other offices were applied.
	Changed() <-chan struct{}
}

// ExchangeStatus is what the exchange view and the status line show.
type ExchangeStatus struct {
	Folder    string
	Reachable bool
	// Joined: this office's key is in the folder.
	Joined      bool
	Office      string // this office's code
	Fingerprint string // of this office's key, to be read out by phone
	Offices     []ExchangeOffice
	Unpublished int      // local changes not yet in the folder
	Waiting     []string // offices whose next file is missing: their later files wait
	Rejected    []RejectedFile
	Forks       []ForkAlarm
	Conflicts   int
	LastScan    time.Time // zero: never
	// LastError is why the exchange's last look at the folder (or the last action)
	// failed, at LastErrorAt; nil when it has not failed. A *data.Problem where the
	// exchange knows the cause, so that it is shown in the clerk's language.
	LastError   error
	LastErrorAt time.Time
	// Files: the files of cases on their way, over the budget, late (exchange_files.go).
	Files ExchangeFiles
}

// ExchangeOffice is another office seen in the folder.
type ExchangeOffice struct {
	Code, NameIT, NameDE string
	Fingerprint          string
	Trusted              bool
	LastHeard            time.Time // zero: never
	HighWater            int64     // the last of its changes applied here
	Pending              int       // its changes seen in the folder, not yet applied
	// NewFingerprint: a trusted office now publishes another key (a new workstation, or
	// a forgery); its files are checked with the trusted key until a clerk confirms the
	// new fingerprint by phone.
	NewFingerprint string
}

// RejectedFile is a file of the folder that was not applied, and why. It stays in the
// folder (never deleted): an administrator looks at it.
type RejectedFile struct {
	Path string
	// Reason is the engine's code, ReasonKey its translation key ("" for a code the
	// window does not know); Detail says more, for support.
	Reason, ReasonKey, Detail string
	Size                      int64
	FirstSeen, LastSeen       time.Time
	// HeldOffice and HeldAt: the file waits because HeldOffice's changes are stamped
	// HeldAt, more than a day ahead of this computer's clock ("" otherwise).
	HeldOffice string
	HeldAt     time.Time
}

// ForkAlarm: an office published two different contents for the same changes (a
// restored old copy of a register, or a forged file), a file that does not follow its
// previous one, or another key than the one trusted. Nothing of it is applied.
type ForkAlarm struct {
	Office, Path      string
	Reason, ReasonKey string // as for a refused file
	Detail            string
	At                time.Time
}

// ExchangeReport is what one sync did.
type ExchangeReport struct {
	Applied   int // changes of other offices applied
	Published int // changes of this office written to the folder
	Rejected  int // files refused
}

// rejectReason says why a file was refused, in words. A file held for its clock names
// the office (by its name among offices, when it is there) and the time its changes
// carry, as the clerk reads dates: that office's clock is what to have checked.
func rejectReason(lang string, f RejectedFile, offices []ExchangeOffice) string {
	if f.HeldOffice != "" && !f.HeldAt.IsZero() {
		office := f.HeldOffice
		for _, o := range offices {
			if o.Code != f.HeldOffice {
				continue
			}
			if n := OfficeName(data.Office{Code: o.Code, NameIT: o.NameIT, NameDE: o.NameDE}, lang); strings.TrimSpace(n) != "" && n != o.Code {
				office = n + " (" + o.Code + ")"
			}
		}
		return translations.T(lang, "exchange.reason.ahead_at", "office", office, "time", formatDateTime(f.HeldAt, lang))
	}
	if f.ReasonKey != "" {
		return translations.T(lang, f.ReasonKey)
	}
	return translations.T(lang, "exchange.view.reason.other", "detail", firstNonEmpty(f.Detail, f.Reason))
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// exchangeTimeout bounds one call of the exchange from the window: a share that hangs
// (an SMB server gone) must not leave the clerk with a view that never answers.
const exchangeTimeout = 2 * time.Minute

// busyAfter is how long an action of the view may run before the clerk is told the
// exchange is busy: an action waits for a look at the folder under way (the first
// import of a large register takes minutes), and a view that says nothing meanwhile
// looks broken.
const busyAfter = 3 * time.Second

// busyError is what the clerk reads for an action that ran out of time or was stopped
// while it waited for the exchange: "busy, try again", never a raw "deadline exceeded".
func busyError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return data.Problemf("exchange.view.busy")
	}
	return err
}

// failedExchange stands for an exchange that could not be started: the view and the
// status line say why and what to do.
type failedExchange struct {
	folder string
	err    error
	retry  func()
}

// FailedExchange is the exchange of folder when it could not be started (err says why):
// the status line and the view show the reason instead of hiding the exchange.
func FailedExchange(folder string, err error) Exchanger {
	return failedExchange{folder: folder, err: err}
}

// RetryableExchange is FailedExchange with a way to start it again: the view offers
// "Try again", which calls retry (from the UI thread; it must not block). A share that
// was down at the start is usually back soon.
func RetryableExchange(folder string, err error, retry func()) Exchanger {
	return failedExchange{folder: folder, err: err, retry: retry}
}

// retrier is an exchange that did not start and can be started again.
type retrier interface{ Retry() bool }

// Retry starts the exchange again; false when it cannot be.
func (f failedExchange) Retry() bool {
	if f.retry == nil {
		return false
	}
	f.retry()
	return true
}

func (f failedExchange) Status(context.Context) (ExchangeStatus, error) {
	return ExchangeStatus{Folder: f.folder}, f.err
}
func (f failedExchange) Join(context.Context) error                  { return f.err }
func (f failedExchange) Trust(context.Context, string, string) error { return f.err }
func (f failedExchange) SyncOnce(context.Context) (ExchangeReport, error) {
	return ExchangeReport{}, f.err
}
func (f failedExchange) Changed() <-chan struct{} { return nil }

// ExchangeLine is the exchange's line at the foot of the main window ("Scambio: 3 uffici
// · ultimo 10:42 · 2 conflitti · 1 file rifiutato"); a click opens the exchange view.
type ExchangeLine struct {
	e       *env
	ctx     context.Context // ended when the exchange is taken away (Shell.stopExchange)
	x       Exchanger
	icon    *widget.Icon
	link    *widget.Hyperlink
	root    *fyne.Container
	loading int
	loaded  func() // tests
}

func newExchangeLine(ctx context.Context, e *env, x Exchanger, open func()) *ExchangeLine {
	l := &ExchangeLine{e: e, ctx: ctx, x: x}
	l.icon = widget.NewIcon(theme.ViewRefreshIcon())
	l.link = widget.NewHyperlink(e.t("window.exchange.line", "parts", e.t("window.loading")), nil)
	l.link.OnTapped = open
	l.root = container.NewHBox(l.icon, l.link, layout.NewSpacer())
	return l
}

// Object is the line for the foot of the window.
func (l *ExchangeLine) Object() fyne.CanvasObject { return l.root }

// Text is what the line says.
func (l *ExchangeLine) Text() string { return l.link.Text }

// Refresh reads the exchange's state off the UI thread and shows it.
func (l *ExchangeLine) Refresh() {
	l.loading++
	gen := l.loading
	var st ExchangeStatus
	x := l.x
	l.e.background(func() error {
		ctx, cancel := context.WithTimeout(l.ctx, exchangeTimeout)
		defer cancel()
		var err error
		st, err = x.Status(ctx)
		return err
	}, func(err error) {
		if gen != l.loading {
			return
		}
		l.show(st, err)
	})
}

// show puts a status read elsewhere (by the view) on the line.
func (l *ExchangeLine) show(st ExchangeStatus, err error) {
	// A look that failed on the register says why (a full disk), as the view does.
	st.LastError = l.e.cause(st.LastError)
	text, level := exchangeSummary(l.e.lang, st, l.e.cause(err), l.e.store.Now())
	l.link.SetText(text)
	switch level {
	case widget.DangerImportance:
		l.icon.SetResource(theme.NewErrorThemedResource(theme.WarningIcon()))
	case widget.WarningImportance:
		l.icon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
	default:
		l.icon.SetResource(theme.ViewRefreshIcon())
	}
	if l.loaded != nil {
		l.loaded()
	}
}

// exchangeSummary is the status line's text and how urgent it is: refused files, fork
// alarms, an unreachable folder or a broken exchange are for today; conflicts and
// offices waiting for trust are for soon.
func exchangeSummary(lang string, st ExchangeStatus, err error, now time.Time) (string, widget.Importance) {
	line := func(parts []string) string {
		return translations.T(lang, "window.exchange.line", "parts", strings.Join(parts, " · "))
	}
	if err != nil {
		return line([]string{ErrorText(lang, err)}), widget.DangerImportance
	}
	level := widget.MediumImportance
	var parts []string
	if !st.Reachable {
		parts = append(parts, translations.T(lang, "window.exchange.unreachable"))
		level = widget.DangerImportance
	}
	if !st.Joined {
		parts = append(parts, translations.T(lang, "window.exchange.not_joined"))
		level = urgent(level, widget.WarningImportance)
	}
	untrusted := 0
	for _, o := range st.Offices {
		if !o.Trusted {
			untrusted++
		}
	}
	parts = append(parts, plural(lang, len(st.Offices), "window.exchange.offices_one", "window.exchange.offices_other"))
	if untrusted > 0 {
		parts = append(parts, plural(lang, untrusted, "window.exchange.untrusted_one", "window.exchange.untrusted_other"))
		level = urgent(level, widget.WarningImportance)
	}
	if st.LastScan.IsZero() {
		parts = append(parts, translations.T(lang, "window.exchange.last_never"))
	} else {
		parts = append(parts, translations.T(lang, "window.exchange.last", "time", shortWhen(st.LastScan, lang, now)))
	}
	if st.Conflicts > 0 {
		parts = append(parts, plural(lang, st.Conflicts, "window.exchange.conflicts_one", "window.exchange.conflicts_other"))
		level = urgent(level, widget.WarningImportance)
	}
	if n := len(st.Rejected); n > 0 {
		parts = append(parts, plural(lang, n, "window.exchange.rejected_one", "window.exchange.rejected_other"))
		level = widget.DangerImportance
	}
	if n := len(st.Forks); n > 0 {
		parts = append(parts, plural(lang, n, "window.exchange.forks_one", "window.exchange.forks_other"))
		level = widget.DangerImportance
	}
	fileParts, fileLevel := filesSummary(lang, st.Files)
	parts = append(parts, fileParts...)
	level = urgent(level, fileLevel)
	if st.LastError != nil {
		parts = append(parts, translations.T(lang, "window.exchange.last_failed", "error", ErrorText(lang, st.LastError)))
		// Failing now is for today; a failure followed by a good look since, for soon.
		if st.LastErrorAt.IsZero() || !st.LastErrorAt.Before(st.LastScan) {
			level = widget.DangerImportance
		} else {
			level = urgent(level, widget.WarningImportance)
		}
	}
	return line(parts), level
}

// urgent is the more urgent of two importances (medium < warning < danger).
func urgent(a, b widget.Importance) widget.Importance {
	rank := func(i widget.Importance) int {
		switch i {
		case widget.DangerImportance:
			return 2
		case widget.WarningImportance:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// shortWhen is a moment as a glance reads it: the time alone today, date and time
// before.
func shortWhen(t time.Time, lang string, now time.Time) string {
	t, now = t.In(data.Rome), now.In(data.Rome)
	if t.Format("2006-01-02") == now.Format("2006-01-02") {
		return t.Format("15:04")
	}
	return formatDateTime(t, lang)
}

// when is a moment in full, or "never".
func when(t time.Time, lang string) string {
	if t.IsZero() {
		return translations.T(lang, "exchange.view.never")
	}
	return formatDateTime(t, lang)
}

// ExchangeView is the exchange with the other offices in the clerk's window: the folder
// and whether it answers; this office's code and key fingerprint, large, to read out by
// phone; joining the folder; the offices seen, their fingerprints and whether they are
// trusted, and trusting one after the phone call; the conflicts between offices with the
// values kept, to keep one; the refused files and the fork alarms, at the top; and a sync
// now. It reads the exchange and the register off the UI thread.
type ExchangeView struct {
	// OnChanged is called after the clerk's action changed the register (a conflict
	// decided, another office's changes applied by a sync).
	OnChanged func()
	// OnEscape is called for Esc in the view.
	OnEscape func()
	// OnStatus is given each status the view read (the status line shows it too).
	OnStatus func(ExchangeStatus, error)

	e *env
	// ctx ends when the exchange is taken away (Shell.stopExchange): the view's calls
	// run on it, so that a restore or another folder does not wait for them.
	ctx  context.Context
	x    Exchanger
	root fyne.CanvasObject
	body *fyne.Container
	msg  *widget.Label

	st        ExchangeStatus
	stErr     error
	conflicts []data.Conflict
	// The changes of other offices kept but never applied (exchange_rejected.go).
	rejectedOps []data.RejectedOp
	busy        bool
	acting      int // counts the actions started, so a late "busy" is not shown after the end
	loading     int
	loaded      func() // tests

	// The view's controls, for the keyboard and for tests.
	first    fyne.Focusable
	join     *button
	sync     *button
	retry    *button // for an exchange that did not start
	trusts   map[string]*button
	keeps    map[string][]*button // conflictKey → one per value kept
	trustIn  *textEntry           // the fingerprint typed in the open trust dialog
	trustDlg dialog.Dialog
	files    *filesPanel // the settings of the files of cases (exchange_files.go)
}

func newExchangeView(ctx context.Context, e *env, x Exchanger) *ExchangeView {
	v := &ExchangeView{e: e, ctx: ctx, x: x}
	v.msg = messageLabel()
	v.body = container.NewVBox(widget.NewLabel(e.t("window.loading")))
	v.root = container.NewVScroll(container.NewPadded(container.NewVBox(v.body, v.msg)))
	return v
}

// Object is the view for a tab.
func (v *ExchangeView) Object() fyne.CanvasObject { return v.root }

// FocusFirst puts the keyboard on the view's first action.
func (v *ExchangeView) FocusFirst(c fyne.Canvas) {
	if c != nil && v.first != nil {
		c.Focus(v.first)
	}
}

func (v *ExchangeView) escape() {
	if v.OnEscape != nil {
		v.OnEscape()
	}
}

func (v *ExchangeView) button(label string, icon fyne.Resource, tapped func()) *button {
	b := newButton(label, icon, tapped)
	b.onEscape = v.escape
	return b
}

// Refresh reads the exchange's state and the open conflicts again and shows them.
func (v *ExchangeView) Refresh() {
	v.loading++
	gen := v.loading
	x, store := v.x, v.e.store
	var st ExchangeStatus
	var stErr error
	var conflicts []data.Conflict
	var rejected []data.RejectedOp
	var fileSettings data.FileSettings
	fileSettingsErr := errors.New("not read")
	v.e.background(func() error {
		ctx, cancel := context.WithTimeout(v.ctx, exchangeTimeout)
		defer cancel()
		st, stErr = x.Status(ctx)
		var err error
		if conflicts, err = store.Conflicts(ctx); err != nil {
			return err
		}
		fileSettings, fileSettingsErr = store.FileSettings(ctx)
		rejected, err = store.RejectedOps(ctx)
		return err
	}, func(err error) {
		if gen != v.loading {
			return
		}
		st.LastError = v.e.cause(st.LastError)
		v.st, v.stErr, v.conflicts, v.rejectedOps = st, v.e.cause(stErr), conflicts, rejected
		if fileSettingsErr == nil {
			v.fileSettingsRead(fileSettings)
		}
		v.show()
		if v.OnStatus != nil {
			v.OnStatus(v.st, v.stErr)
		}
		if err != nil {
			say(v.msg, v.e.causeText(err), true)
		}
		if v.loaded != nil {
			v.loaded()
		}
	})
}

// show builds the view from what was read last.
func (v *ExchangeView) show() {
	e, st := v.e, v.st
	v.trusts = map[string]*button{}
	v.keeps = map[string][]*button{}
	var parts []fyne.CanvasObject

	// Alarms first: they are what needs someone today.
	if alarms := v.alarms(); alarms != nil {
		parts = append(parts, alarms, widget.NewSeparator())
	}
	// Then the conflicts, when there are any: a clerk's decision is wanted.
	conflicts := append([]fyne.CanvasObject{section(e.t("exchange.view.section.conflicts", "n", formatNumber(len(v.conflicts), e.lang)))},
		v.conflictList()...)
	if len(v.conflicts) > 0 {
		parts = append(parts, conflicts...)
	}

	// This office.
	parts = append(parts, section(e.t("exchange.view.section.office")))
	reach := e.t("exchange.view.reachable")
	if !st.Reachable {
		reach = e.t("exchange.view.unreachable")
	}
	folder := widget.NewLabel(firstNonEmpty(st.Folder, e.pref(PrefExchangeDir)))
	folder.Selectable = true
	folder.Wrapping = fyne.TextWrapBreak
	reachL := widget.NewLabel(reach)
	if !st.Reachable {
		reachL.Importance = widget.DangerImportance
	} else {
		reachL.Importance = widget.SuccessImportance
	}
	code := widget.NewLabel(firstNonEmpty(st.Office, e.store.Local().Code) + " – " + OfficeName(e.store.Local(), e.lang))
	parts = append(parts, container.New(layout.NewFormLayout(),
		widget.NewLabel(e.t("exchange.view.folder")), container.NewVBox(folder, reachL),
		widget.NewLabel(e.t("exchange.view.office")), code,
	))
	parts = append(parts, widget.NewLabel(e.t("exchange.view.fingerprint")))
	fp := widget.NewLabel(firstNonEmpty(st.Fingerprint, "—"))
	fp.Selectable = true // copied into a mail as well as read out
	fp.TextStyle = fyne.TextStyle{Monospace: true}
	fp.SizeName = theme.SizeNameHeadingText
	fp.Wrapping = fyne.TextWrapWord
	parts = append(parts, fp, caption(e.t("exchange.view.fingerprint_hint")))

	v.sync = v.button(e.t("exchange.view.sync_now"), theme.ViewRefreshIcon(), v.syncNow)
	actions := container.NewHBox()
	v.join = nil
	if !st.Joined {
		v.join = v.button(e.t("exchange.view.join"), theme.LoginIcon(), v.joinFolder)
		v.join.Importance = widget.HighImportance
		actions.Add(v.join)
		parts = append(parts, caption(e.t("exchange.view.join_hint")))
	}
	actions.Add(v.sync)
	v.retry = nil
	if r, ok := v.x.(retrier); ok && v.stErr != nil {
		v.retry = v.button(e.t("exchange.view.retry"), theme.ViewRefreshIcon(), func() {
			if r.Retry() {
				say(v.msg, v.e.t("exchange.view.retrying"), false)
				v.retry.Disable()
			}
		})
		v.retry.Importance = widget.HighImportance
		actions.Add(v.retry)
	}
	for _, b := range []*button{v.join, v.sync} {
		if b != nil && (v.busy || v.stErr != nil) {
			b.Disable()
		}
	}
	if v.retry != nil {
		v.first = v.retry
	} else if v.join != nil {
		v.first = v.join
	} else {
		v.first = v.sync
	}
	parts = append(parts, actions)
	facts := []string{e.t("exchange.view.last_scan", "when", when(st.LastScan, e.lang))}
	if st.Unpublished > 0 {
		facts = append(facts, e.t("exchange.view.unpublished", "n", formatNumber(st.Unpublished, e.lang)))
	}
	if len(st.Waiting) > 0 {
		facts = append(facts, e.t("exchange.view.waiting", "offices", strings.Join(st.Waiting, ", ")))
	}
	parts = append(parts, caption(strings.Join(facts, " · ")))
	parts = append(parts, v.filesSection()...)

	// The other offices.
	parts = append(parts, widget.NewSeparator(), section(e.t("exchange.view.section.offices")))
	if len(st.Offices) == 0 {
		parts = append(parts, caption(e.t("exchange.view.no_offices")))
	}
	for _, o := range st.Offices {
		parts = append(parts, v.officeRow(o))
	}
	parts = append(parts, v.rejectedOpsList()...)

	if len(v.conflicts) == 0 {
		parts = append(parts, widget.NewSeparator())
		parts = append(parts, conflicts...)
	}

	v.body.Objects = parts
	v.body.Refresh()
}

func caption(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}

func danger(text string, bold bool) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.TextStyle.Bold = bold
	return l
}

// alarms are what needs someone today: an exchange that does not work, a folder that
// does not answer, files refused, forks. Nil when there are none.
func (v *ExchangeView) alarms() fyne.CanvasObject {
	e, st := v.e, v.st
	var rows []fyne.CanvasObject
	if v.stErr != nil {
		rows = append(rows, danger(e.errText(v.stErr), true))
	} else if !st.Reachable {
		rows = append(rows, danger(e.t("exchange.view.unreachable_text", "folder", st.Folder), true))
	}
	if v.stErr == nil && st.LastError != nil {
		rows = append(rows, danger(e.t("exchange.view.last_error", "error", e.errText(st.LastError),
			"when", when(st.LastErrorAt, e.lang)), true))
	}
	for _, f := range st.Forks {
		reason := rejectReason(e.lang, RejectedFile{Reason: f.Reason, ReasonKey: f.ReasonKey, Detail: f.Detail}, st.Offices)
		rows = append(rows, danger(e.t("exchange.view.fork", "office", f.Office, "reason", reason), true))
		facts := []string{baseName(f.Path)}
		if !f.At.IsZero() {
			facts = append(facts, when(f.At, e.lang))
		}
		if f.Detail != "" && f.ReasonKey != "" {
			facts = append(facts, f.Detail)
		}
		d := caption(strings.Join(facts, " · "))
		d.Selectable = true
		rows = append(rows, d)
	}
	if len(st.Rejected) > 0 {
		rows = append(rows, danger(plural(e.lang, len(st.Rejected), "exchange.view.rejected_one", "exchange.view.rejected_other"), true))
		for _, f := range st.Rejected {
			name := widget.NewLabel(baseName(f.Path))
			name.TextStyle.Bold = true
			name.Selectable = true
			name.Wrapping = fyne.TextWrapBreak
			seen := when(f.FirstSeen, e.lang)
			if !f.LastSeen.IsZero() && !f.LastSeen.Equal(f.FirstSeen) {
				seen = e.t("exchange.view.seen_from_to", "from", seen, "to", when(f.LastSeen, e.lang))
			}
			detail := e.t("exchange.view.rejected_line", "reason", rejectReason(e.lang, f, st.Offices),
				"size", formatSize(f.Size, e.lang), "when", seen)
			rows = append(rows, name, caption(detail))
			if f.Detail != "" && f.ReasonKey != "" && f.HeldOffice == "" { // a held file's detail is in its reason
				d := caption(f.Detail)
				d.Selectable = true
				rows = append(rows, d)
			}
		}
		rows = append(rows, caption(e.t("exchange.view.rejected_hint")))
	}
	if len(rows) == 0 {
		return nil
	}
	icon := widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon()))
	return container.NewBorder(nil, nil, container.NewVBox(icon), nil, container.NewVBox(rows...))
}

// baseName is a path's last element, for either kind of separator (the folder may be a
// Windows share seen from anywhere).
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func (v *ExchangeView) officeRow(o ExchangeOffice) fyne.CanvasObject {
	e := v.e
	name := o.Code
	if n := OfficeName(data.Office{Code: o.Code, NameIT: o.NameIT, NameDE: o.NameDE}, e.lang); strings.TrimSpace(n) != "" && n != o.Code {
		name += " – " + n
	}
	title := widget.NewLabel(name)
	title.TextStyle.Bold = true
	fp := widget.NewLabel(e.t("exchange.view.office_fingerprint", "fingerprint", o.Fingerprint))
	fp.TextStyle.Monospace = true
	fp.Selectable = true
	fp.Wrapping = fyne.TextWrapWord
	trusted := e.t("exchange.view.trusted_no")
	if o.Trusted {
		trusted = e.t("exchange.view.trusted_yes")
	}
	facts := []string{trusted, e.t("exchange.view.last_heard", "when", when(o.LastHeard, e.lang))}
	if o.Pending > 0 {
		facts = append(facts, e.t("exchange.view.pending", "n", formatNumber(o.Pending, e.lang)))
	}
	state := widget.NewLabel(strings.Join(facts, " · "))
	state.Wrapping = fyne.TextWrapWord
	if !o.Trusted {
		state.Importance = widget.WarningImportance
	}
	lines := []fyne.CanvasObject{title, fp, state}
	if o.NewFingerprint != "" {
		nk := danger(e.t("exchange.view.new_key", "fingerprint", o.NewFingerprint), false)
		nk.Selectable = true
		lines = append(lines, nk)
	}
	var right fyne.CanvasObject
	if !o.Trusted || o.NewFingerprint != "" {
		o := o
		b := v.button(e.t("exchange.view.trust"), theme.ConfirmIcon(), func() { v.askTrust(o) })
		if v.busy || v.stErr != nil {
			b.Disable()
		}
		v.trusts[o.Code] = b
		right = container.NewVBox(b)
	}
	return container.NewBorder(nil, nil, nil, right, container.NewVBox(lines...))
}

// askTrust asks for the fingerprint the other office read out on the phone. It is typed,
// not ticked: the exchange compares it with the key in the folder, so a forged key in
// the folder is not trusted by a clerk who agreed without looking.
func (v *ExchangeView) askTrust(o ExchangeOffice) {
	e := v.e
	name := o.Code
	if n := OfficeName(data.Office{Code: o.Code, NameIT: o.NameIT, NameDE: o.NameDE}, e.lang); strings.TrimSpace(n) != "" && n != o.Code {
		name += " – " + n
	}
	in := newTextEntry()
	in.SetPlaceHolder(e.t("exchange.view.trust_placeholder"))
	in.TextStyle.Monospace = true
	v.trustIn = in
	text := widget.NewLabel(e.t("exchange.view.trust_text", "office", name))
	text.Wrapping = fyne.TextWrapWord
	content := container.New(readingWidth(480), container.NewVBox(text, in))
	code := o.Code
	// Enter in the field trusts, Esc cancels (showDialog).
	v.trustDlg = showDialog(e.win, e.t("exchange.view.trust_title", "office", o.Code), e.t("exchange.view.trust_confirm"),
		e.t("exchange.view.cancel"), content, in, func(ok bool) {
			v.trustIn, v.trustDlg = nil, nil
			if ok {
				v.trust(code, in.Text)
			}
		})
}

// trust hands the typed fingerprint to the exchange; a wrong one is refused with the
// exchange's translated words and nothing is trusted. Once trusted, the office's files
// are read at once, so the clerk sees its cases without waiting for the next round.
func (v *ExchangeView) trust(code, fingerprint string) {
	fingerprint = strings.TrimSpace(fingerprint)
	if fingerprint == "" {
		showError(v.e, data.Problemf("exchange.view.no_fingerprint"))
		return
	}
	x := v.x
	var rep ExchangeReport
	var syncErr error
	v.act(func(ctx context.Context) error {
		if err := x.Trust(ctx, code, fingerprint); err != nil {
			return err
		}
		rep, syncErr = x.SyncOnce(ctx)
		syncErr = busyError(syncErr)
		return nil
	}, func(err error) {
		if err != nil {
			showError(v.e, err)
			v.Refresh()
			return
		}
		say(v.msg, v.e.t("exchange.view.trusted_done", "office", code), false)
		if syncErr != nil {
			say(v.msg, v.e.causeText(syncErr), true)
		}
		v.synced(rep)
	})
}

// joinFolder publishes this office's key in the folder, then reads the folder once, so
// that the offices already there are listed, ready to be trusted.
func (v *ExchangeView) joinFolder() {
	x := v.x
	var rep ExchangeReport
	var syncErr error
	v.act(func(ctx context.Context) error {
		if err := x.Join(ctx); err != nil {
			return err
		}
		rep, syncErr = x.SyncOnce(ctx)
		syncErr = busyError(syncErr)
		return nil
	}, func(err error) {
		if err != nil {
			showError(v.e, err)
			v.Refresh()
			return
		}
		say(v.msg, v.e.t("exchange.view.joined"), false)
		if syncErr != nil {
			say(v.msg, v.e.causeText(syncErr), true)
		}
		v.synced(rep)
	})
}

// syncNow publishes this office's changes and applies the others' at once.
func (v *ExchangeView) syncNow() {
	x := v.x
	say(v.msg, v.e.t("exchange.view.syncing"), false)
	var rep ExchangeReport
	v.act(func(ctx context.Context) error {
		var err error
		rep, err = x.SyncOnce(ctx)
		return err
	}, func(err error) {
		if err != nil {
			v.msg.Hide()
			showError(v.e, err)
			v.Refresh()
			return
		}
		say(v.msg, v.e.t("exchange.view.synced", "applied", formatNumber(rep.Applied, v.e.lang),
			"published", formatNumber(rep.Published, v.e.lang)), false)
		v.synced(rep)
	})
}

// act runs one of the clerk's actions off the UI thread, on the view's context (ended
// when the exchange is taken away) and bounded by exchangeTimeout, then done on the UI
// thread. An action still waiting after busyAfter says so; one that ran out of time is
// told as "busy, try again" (busyError).
func (v *ExchangeView) act(work func(ctx context.Context) error, done func(error)) {
	v.setBusy(true)
	v.acting++
	gen := v.acting
	ended := make(chan struct{})
	go func() {
		t := time.NewTimer(busyAfter)
		defer t.Stop()
		select {
		case <-ended:
		case <-t.C:
			v.e.do(func() {
				if gen == v.acting && v.busy {
					say(v.msg, v.e.t("exchange.view.busy_waiting"), false)
				}
			})
		}
	}()
	v.e.background(func() error {
		defer close(ended)
		ctx, cancel := context.WithTimeout(v.ctx, exchangeTimeout)
		defer cancel()
		return work(ctx)
	}, func(err error) {
		if gen == v.acting {
			v.acting++ // a "busy" queued meanwhile is not for this view any more
		}
		v.setBusy(false)
		if v.ctx.Err() != nil {
			return // the exchange was taken away (a restore, another folder): nothing to say
		}
		done(v.e.cause(busyError(err)))
	})
}

func (v *ExchangeView) synced(rep ExchangeReport) {
	if rep.Applied > 0 && v.OnChanged != nil {
		v.OnChanged()
	}
	v.Refresh()
}

// setBusy keeps the clerk from starting a second action while one runs.
func (v *ExchangeView) setBusy(busy bool) {
	v.busy = busy
	bs := []*button{v.join, v.sync}
	for _, b := range v.trusts {
		bs = append(bs, b)
	}
	for _, list := range v.keeps {
		bs = append(bs, list...)
	}
	for _, b := range bs {
		if b == nil {
			continue
		}
		if busy {
			b.Disable()
		} else if v.stErr == nil {
			b.Enable()
		}
	}
}

// engineExchange is the exchange engine (data/exchange) as the window sees it.
type engineExchange struct {
	x      *exchange.Exchange
	joined atomic.Bool // Join or a round succeeded in this program
}

// ExchangeEngine gives the window the exchange engine x. The program joins the folder
// and syncs through the value returned, so that the view knows whether this office is
// in the folder.
func ExchangeEngine(x *exchange.Exchange) Exchanger { return &engineExchange{x: x} }

func (a *engineExchange) Join(ctx context.Context) error {
	err := a.x.Join(ctx)
	if err == nil {
		a.joined.Store(true)
	}
	return err
}

func (a *engineExchange) Trust(ctx context.Context, code, fingerprint string) error {
	return a.x.Trust(ctx, code, fingerprint)
}

func (a *engineExchange) SyncOnce(ctx context.Context) (ExchangeReport, error) {
	r, err := a.x.SyncOnce(ctx)
	if err == nil {
		a.joined.Store(true) // a round joins first
	}
	return ExchangeReport{Applied: r.Applied, Published: r.Published, Rejected: r.Rejected}, err
}

func (a *engineExchange) Changed() <-chan struct{} { return a.x.Changed() }

func (a *engineExchange) Status(ctx context.Context) (ExchangeStatus, error) {
	st, err := a.x.Status(ctx)
	out := ExchangeStatus{Folder: st.Folder, Reachable: st.Reachable, Office: st.Office, Fingerprint: st.Fingerprint,
		Unpublished: int(st.Unpublished), Conflicts: st.Conflicts, LastScan: st.LastScan,
		LastError: st.LastError, LastErrorAt: st.LastErrorAt,

		// A round (the program's watch or a sync) joins the folder first.
		Joined: a.joined.Load() || !st.LastScan.IsZero()}
	for _, o := range st.Offices {
		if o.Local {
			continue // this office is shown on its own
		}
		out.Offices = append(out.Offices, ExchangeOffice{Code: o.Code, NameIT: o.NameIT, NameDE: o.NameDE,
			Fingerprint: o.Fingerprint, Trusted: o.Trusted, LastHeard: o.LastHeard, HighWater: o.HighWater, Pending: int(o.Pending),
			NewFingerprint: o.NewFingerprint})
	}
	for _, g := range st.Gaps {
		out.Waiting = append(out.Waiting, g.Origin)
	}
	out.Files = ExchangeFiles{Published: st.Files.Published, Budget: st.Files.Budget, Waiting: len(st.Files.Waiting),
		Arriving: st.Files.Arriving, ArrivingBytes: st.Files.ArrivingBytes, Late: st.Files.Late}
	for _, w := range st.Files.Waiting {
		out.Files.WaitingBytes += w.Size
	}
	alarm := map[string]bool{}
	for _, f := range st.Forks {
		alarm[f.Path] = true
		office, _, _ := strings.Cut(f.Path, "/") // the folder's paths use /
		out.Forks = append(out.Forks, ForkAlarm{Office: office, Path: f.Path, Reason: string(f.Reason),
			ReasonKey: exchange.ReasonKey(f.Reason), Detail: f.Detail, At: f.FirstSeen})
	}
	for _, f := range st.Rejected {
		if alarm[f.Path] {
			continue // shown as an alarm
		}
		r := RejectedFile{Path: f.Path, Reason: string(f.Reason), ReasonKey: exchange.ReasonKey(f.Reason),
			Detail: f.Detail, Size: f.Size, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}
		r.HeldOffice, r.HeldAt, _ = f.HeldFor()
		out.Rejected = append(out.Rejected, r)
	}
	return out, err
}
