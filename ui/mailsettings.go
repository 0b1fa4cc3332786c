package ui

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
)

// mailBox is what the window uses of the office's mailbox: the calls ascoltoctl mail
// makes, on the same code (data/mailbox.Box).
type mailBox interface {
	Watch(ctx context.Context, poll time.Duration, report func(*mailbox.FetchResult, error))
	Inbox(ctx context.Context) ([]mailbox.Message, error)
	Register(ctx context.Context, id string, opt intake.Options) (*mailbox.Registered, error)
	Send(ctx context.Context, ref string, resend bool) (*mailbox.Sent, error)
	Test(ctx context.Context) []mailbox.Step
}

// openMailBox is the mailbox of store as ms describes it, logged in with password (""
// reads only the messages fetched already). Tests put a mailbox of their own here.
var openMailBox = func(store *data.Store, ms data.MailSettings, password string) mailBox {
	return &mailbox.Box{Store: store, Settings: ms, Password: password, Dir: mailbox.InboxDir(store)}
}

// The mailbox's password for this session: typed in (kept in memory until the program
// ends), else ASCOLTO_MAIL_PASSWORD as the command line reads it, else the one kept in
// the system's credential store (read once, then kept in memory). It is never written
// into the register or a file of the program.
var sessionPassword struct {
	sync.Mutex
	v       string
	fromKey bool // v came from the credential store
}

// mailPassword is the password for ms; it may ask the credential store, so the window
// calls it off the UI thread where it can.
func mailPassword(ms data.MailSettings) string {
	sessionPassword.Lock()
	defer sessionPassword.Unlock()
	if sessionPassword.v != "" {
		return sessionPassword.v
	}
	if pw := os.Getenv(mailbox.PasswordEnv); pw != "" {
		return pw
	}
	if !ms.Configured() {
		return ""
	}
	if pw, err := mailbox.StoredPassword(ms); err == nil && pw != "" {
		sessionPassword.v, sessionPassword.fromKey = pw, true
		return pw
	}
	return ""
}

// knownMailPassword is the password already known without asking the credential store.
func knownMailPassword() string {
	sessionPassword.Lock()
	defer sessionPassword.Unlock()
	if sessionPassword.v != "" {
		return sessionPassword.v
	}
	return os.Getenv(mailbox.PasswordEnv)
}

func setMailPassword(p string) {
	sessionPassword.Lock()
	sessionPassword.v, sessionPassword.fromKey = p, false
	sessionPassword.Unlock()
}

// askMailPassword asks for the mailbox's password for this session; then runs on the
// UI thread with it when one was given.
func askMailPassword(e *env, then func(password string)) {
	pw := newTextEntry()
	pw.Password = true
	hint := widget.NewLabel(e.t("window.mailbox.password_hint", "name", mailbox.PasswordEnv))
	hint.Wrapping = fyne.TextWrapWord
	content := container420(container.NewVBox(hint, pw))
	showDialog(e.win, e.t("window.mailbox.password_title"), e.t("window.ok"), e.t("window.mailbox.cancel"), content, pw, func(ok bool) {
		if ok && pw.Text != "" {
			setMailPassword(pw.Text)
			if then != nil {
				then(pw.Text)
			}
		}
	})
}

// MailSettingsDialog edits the mailbox's settings (the fields of `ascoltoctl mail
// settings`) and tests the connection with the values typed.
type MailSettingsDialog struct {
	e                              *env
	imapHost, imapPort             *textEntry
	smtpHost, smtpPort             *textEntry
	imapSec, smtpSec               *choice
	user, address, password        *textEntry
	folder, moveTo, sent, caFile   *textEntry
	pec                            *checkBox
	remember                       *checkBox     // keep the password in the system's keyring
	rememberRow                    *widget.Label // the form's empty label beside it
	keyringNote                    *widget.Label // why it cannot be kept there
	keyringChecked                 func()        // tests: the credential store was asked
	testBtn                        *button
	result                         *widget.Label
	dialogDone                     func(ok bool)
	saved                          func() // tests
	tested                         func() // tests
	dlg                            dialog.Dialog
	lastSaved                      data.MailSettings
	securityLabels, securityValues []string
}

// showMailSettings opens the mailbox settings of the register (Settings → Mailbox).
func showMailSettings(e *env) *MailSettingsDialog {
	ms, err := e.store.MailSettings(context.Background())
	if err != nil {
		showError(e, err)
		return nil
	}
	d := &MailSettingsDialog{e: e}
	d.show(ms, "")
	return d
}

func (d *MailSettingsDialog) entry(text string) *textEntry {
	t := newTextEntry()
	t.SetText(text)
	return t
}

func (d *MailSettingsDialog) show(ms data.MailSettings, problem string) {
	e := d.e
	port := func(p int) string {
		if p == 0 {
			return ""
		}
		return strconv.Itoa(p)
	}
	d.securityLabels = []string{e.t("window.mailbox.security_tls"), e.t("window.mailbox.security_starttls"), e.t("window.mailbox.security_plain")}
	d.securityValues = []string{"tls", "starttls", "plain"}
	d.imapHost, d.imapPort = d.entry(ms.IMAPHost), d.entry(port(ms.IMAPPort))
	d.smtpHost, d.smtpPort = d.entry(ms.SMTPHost), d.entry(port(ms.SMTPPort))
	d.imapSec = newChoice(d.securityLabels, d.securityValues, nil)
	d.imapSec.SetValue(ms.IMAPSecurity)
	d.smtpSec = newChoice(d.securityLabels, d.securityValues, nil)
	d.smtpSec.SetValue(ms.SMTPSecurity)
	d.user, d.address = d.entry(ms.User), d.entry(ms.Address)
	d.user.SetPlaceHolder(e.t("window.mailbox.user_placeholder"))
	d.password = newTextEntry()
	d.password.Password = true
	if os.Getenv(mailbox.PasswordEnv) != "" {
		d.password.SetPlaceHolder(e.t("window.mailbox.password_from_env", "name", mailbox.PasswordEnv))
	} else if knownMailPassword() != "" {
		d.password.SetPlaceHolder(e.t("window.mailbox.password_session"))
	}
	d.remember = newCheckBox(e.t("window.mailbox.remember"), func(bool) {})
	d.remember.Disable()
	d.rememberRow = widget.NewLabel("")
	d.keyringNote = widget.NewLabel("")
	d.keyringNote.Wrapping = fyne.TextWrapWord
	d.keyringNote.SizeName = theme.SizeNameCaptionText
	d.keyringNote.Importance = widget.WarningImportance
	d.keyringNote.Hide()
	d.checkKeyring(ms)
	d.pec = newCheckBox(e.t("window.mailbox.pec"), func(bool) {})
	d.pec.SetChecked(ms.PEC)
	d.folder, d.moveTo, d.sent, d.caFile = d.entry(ms.Folder), d.entry(ms.MoveTo), d.entry(ms.Sent), d.entry(ms.CAFile)
	d.result = widget.NewLabel(problem)
	d.result.Wrapping = fyne.TextWrapWord
	d.result.Importance = widget.DangerImportance
	if problem == "" {
		d.result.Hide()
	}
	d.testBtn = newButton(e.t("window.mailbox.test"), theme.MailSendIcon(), d.test)
	hint := widget.NewLabel(e.t("window.mailbox.password_hint", "name", mailbox.PasswordEnv))
	hint.Wrapping = fyne.TextWrapWord
	hint.SizeName = theme.SizeNameCaptionText
	l := func(key string) fyne.CanvasObject { return widget.NewLabel(e.t(key)) }
	form := container.New(layout.NewFormLayout(),
		l("window.mailbox.imap_host"), d.imapHost, l("window.mailbox.imap_port"), d.imapPort, l("window.mailbox.imap_security"), d.imapSec,
		l("window.mailbox.smtp_host"), d.smtpHost, l("window.mailbox.smtp_port"), d.smtpPort, l("window.mailbox.smtp_security"), d.smtpSec,
		l("window.mailbox.address"), d.address, l("window.mailbox.user"), d.user, l("window.mailbox.password"), d.password,
		d.rememberRow, d.remember,
		widget.NewLabel(""), d.pec,
		l("window.mailbox.folder"), d.folder, l("window.mailbox.move_to"), d.moveTo, l("window.mailbox.sent"), d.sent,
		l("window.mailbox.ca_file"), d.caFile,
	)
	content := container.New(readingWidth(560), container.NewVBox(form, d.keyringNote, hint, container.NewHBox(d.testBtn), d.result))
	dlg := showDialog(e.win, e.t("window.mailbox.settings_title"), e.t("window.mailbox.save"), e.t("window.mailbox.cancel"), content, d.imapHost, d.done)
	d.dlg = dlg
}

// checkKeyring asks the system's credential store, off the UI thread, whether it can
// keep the password: the box is offered (ticked when a password is kept already), or
// the clerk is told that the password is asked at each session.
func (d *MailSettingsDialog) checkKeyring(ms data.MailSettings) {
	e := d.e
	var kept string
	var err error
	e.background(func() error {
		kept, err = mailbox.StoredPassword(ms)
		return nil
	}, func(error) {
		// Without a keyring the box goes (its row with it) and the sentence says why.
		if err != nil {
			d.keyringNote.SetText(e.errText(err))
			d.keyringNote.Show()
			d.remember.SetChecked(false)
			d.remember.Disable()
			d.remember.Hide()
			d.rememberRow.Hide()
		} else {
			d.keyringNote.Hide()
			d.remember.Enable()
			d.remember.Show()
			d.rememberRow.Show()
			d.remember.SetChecked(kept != "")
		}
		if d.dlg != nil {
			d.dlg.Resize(d.dlg.MinSize())
			d.dlg.Refresh()
		}
		if d.keyringChecked != nil {
			d.keyringChecked()
		}
	})
}

// keepPassword keeps or forgets the password in the credential store as the box says,
// for the settings saved; a credential store that refuses is the error.
func (d *MailSettingsDialog) keepPassword(ms data.MailSettings) error {
	if d.remember.Disabled() {
		return nil
	}
	if !d.remember.Checked {
		return mailbox.ForgetPassword(ms)
	}
	pw := d.password.Text
	if pw == "" {
		pw = knownMailPassword()
	}
	if pw == "" {
		return nil // nothing typed: a password kept already stays
	}
	return mailbox.RememberPassword(ms, pw)
}

// values are the settings as typed (defaults filled in); a port that is no number is
// refused with the data layer's own sentence.
func (d *MailSettingsDialog) values() (data.MailSettings, error) {
	ms := data.MailSettings{IMAPHost: strings.TrimSpace(d.imapHost.Text), SMTPHost: strings.TrimSpace(d.smtpHost.Text),
		IMAPSecurity: d.imapSec.Value(), SMTPSecurity: d.smtpSec.Value(), User: strings.TrimSpace(d.user.Text),
		Address: strings.TrimSpace(d.address.Text), PEC: d.pec.Checked, Folder: strings.TrimSpace(d.folder.Text),
		MoveTo: strings.TrimSpace(d.moveTo.Text), Sent: strings.TrimSpace(d.sent.Text), CAFile: strings.TrimSpace(d.caFile.Text)}
	for name, f := range map[string]*textEntry{"imap-port": d.imapPort, "smtp-port": d.smtpPort} {
		v := strings.TrimSpace(f.Text)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return ms, data.Problemf("err.mailbox.setting", "name", name, "value", v)
		}
		if name == "imap-port" {
			ms.IMAPPort = n
		} else {
			ms.SMTPPort = n
		}
	}
	ms = ms.WithDefaults()
	return ms, ms.Validate()
}

// done saves on Save; settings the register refuses open the dialog again with what
// was typed and the reason.
func (d *MailSettingsDialog) done(ok bool) {
	if !ok {
		return
	}
	if d.password.Text != "" {
		setMailPassword(d.password.Text)
	}
	ms, err := d.values()
	if err == nil {
		err = d.e.store.Update(context.Background(), func(t *data.Tx) error { return t.SetMailSettings(ms) })
	}
	if err == nil {
		err = d.keepPassword(ms)
	}
	if err != nil {
		// The ports as typed, also one that is no number: the clerk corrects it.
		imapPort, smtpPort := d.imapPort.Text, d.smtpPort.Text
		d.show(ms, d.e.errText(err))
		d.imapPort.SetText(imapPort)
		d.smtpPort.SetText(smtpPort)
		return
	}
	d.lastSaved = ms
	if d.saved != nil {
		d.saved()
	}
}

// test connects to both servers with the values typed (nothing saved) and shows, for
// each, that it works or the data layer's sentence for what failed.
func (d *MailSettingsDialog) test() {
	e := d.e
	ms, err := d.values()
	if err != nil {
		d.showResult(e.errText(err), true)
		return
	}
	pw := d.password.Text
	if pw == "" {
		pw = knownMailPassword()
	}
	if pw == "" {
		d.showResult(e.t("window.mailbox.no_password"), true)
		return
	}
	d.testBtn.Disable()
	d.showResult(e.t("window.mailbox.testing"), false)
	var steps []mailbox.Step
	e.background(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		steps = openMailBox(e.store, ms, pw).Test(ctx)
		return nil
	}, func(error) {
		d.testBtn.Enable()
		var lines []string
		failed := false
		for _, st := range steps {
			name := strings.ToUpper(st.Server)
			if st.Err != nil {
				failed = true
				lines = append(lines, fmt.Sprintf("%s %s: %s", name, st.Addr, e.errText(st.Err)))
				continue
			}
			lines = append(lines, e.t("cli.mail.test_ok", "server", name, "addr", st.Addr))
		}
		d.showResult(strings.Join(lines, "\n"), failed)
		if d.tested != nil {
			d.tested()
		}
	})
}

func (d *MailSettingsDialog) showResult(text string, failed bool) {
	d.result.SetText(text)
	if failed {
		d.result.Importance = widget.DangerImportance
	} else {
		d.result.Importance = widget.SuccessImportance
	}
	d.result.Show()
	// The dialog grows by the lines of the result, which it was laid out without.
	d.dlg.Resize(d.dlg.MinSize())
	d.dlg.Refresh()
}
