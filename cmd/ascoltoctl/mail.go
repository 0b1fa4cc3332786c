package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
)

// The office's mailbox: the same code path (data/mailbox) as the window's inbox.
func init() {
	register(command{"mail", "mail settings [--imap-host H --imap-port N --imap-security tls|starttls|plain --smtp-host H --smtp-port N --smtp-security tls|starttls|plain --user NAME --address ADDR --pec true|false --folder F --move-to F --sent F --ca-file FILE] [--json] | mail test | mail fetch [--watch [--poll DURATION]] [--json] | mail inbox [--json] | mail register ID [--kind KIND] [--office CODE] [--language it|de] [--json] | mail send REF [--resend] [--json] | mail alerts [--all] [--json] | mail ack REF [--note TEXT]   (password: " + mailbox.PasswordEnv + ")", cmdMail})
}

func cmdMail(e *env, args []string) error {
	sub := map[string]func(*env, []string) error{
		"settings": mailSettings, "test": mailTest, "fetch": mailFetch, "inbox": mailInbox,
		"register": mailRegister, "send": mailSend, "alerts": mailAlerts, "ack": mailAck,
	}
	if len(args) > 0 {
		if fn, ok := sub[args[0]]; ok {
			return fn(e, args[1:])
		}
		return &usageError{e.t("cli.mail.unknown", "word", term(args[0]))}
	}
	return &usageError{e.t("cli.mail.unknown", "word", "")}
}

// mailSettings shows the settings, or changes the ones given.
func mailSettings(e *env, args []string) error {
	fs := flag.NewFlagSet("mail settings", flag.ContinueOnError)
	str := map[string]*string{}
	for _, k := range []string{"imap-host", "imap-port", "imap-security", "smtp-host", "smtp-port", "smtp-security",
		"user", "address", "pec", "folder", "move-to", "sent", "ca-file"} {
		str[k] = fs.String(k, "", "")
	}
	asJSON := fs.Bool("json", false, "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	ms, err := s.MailSettings(e.ctx)
	if err != nil {
		return err
	}
	changed := false
	var ferr error
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "json" || ferr != nil {
			return
		}
		changed = true
		v := strings.TrimSpace(f.Value.String())
		port := func() int {
			n, err := strconv.Atoi(v)
			if err != nil {
				ferr = data.Problemf("err.mailbox.setting", "name", f.Name, "value", v)
			}
			return n
		}
		switch f.Name {
		case "imap-host":
			ms.IMAPHost = v
		case "imap-port":
			ms.IMAPPort = port()
		case "imap-security":
			ms.IMAPSecurity = strings.ToLower(v)
		case "smtp-host":
			ms.SMTPHost = v
		case "smtp-port":
			ms.SMTPPort = port()
		case "smtp-security":
			ms.SMTPSecurity = strings.ToLower(v)
		case "user":
			ms.User = v
		case "address":
			ms.Address = v
		case "pec":
			b, err := strconv.ParseBool(v)
			if err != nil {
				ferr = data.Problemf("err.mailbox.setting", "name", f.Name, "value", v)
			}
			ms.PEC = b
		case "folder":
			ms.Folder = v
		case "move-to":
			ms.MoveTo = v
		case "sent":
			ms.Sent = v
		case "ca-file":
			ms.CAFile = v
		}
	})
	if ferr != nil {
		return ferr
	}
	if changed {
		if err := s.Update(e.ctx, func(t *data.Tx) error { return t.SetMailSettings(ms) }); err != nil {
			return err
		}
		if ms, err = s.MailSettings(e.ctx); err != nil {
			return err
		}
	}
	if *asJSON {
		return e.json(ms)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	yes := map[bool]string{true: e.t("cli.mail.yes"), false: e.t("cli.mail.no")}
	for _, row := range [][2]string{
		{e.t("cli.mail.setting_imap"), fmt.Sprintf("%s:%d (%s)", ms.IMAPHost, ms.IMAPPort, ms.IMAPSecurity)},
		{e.t("cli.mail.setting_smtp"), fmt.Sprintf("%s:%d (%s)", ms.SMTPHost, ms.SMTPPort, ms.SMTPSecurity)},
		{e.t("cli.mail.setting_user"), ms.Login()}, {e.t("cli.mail.setting_address"), ms.Address},
		{e.t("cli.mail.setting_pec"), yes[ms.PEC]}, {e.t("cli.mail.setting_folder"), ms.Folder},
		{e.t("cli.mail.setting_move_to"), ms.MoveTo}, {e.t("cli.mail.setting_sent"), ms.Sent},
		{e.t("cli.mail.setting_ca_file"), ms.CAFile},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], term(row[1]))
	}
	fmt.Fprintf(tw, "%s:\t%s\n", e.t("cli.mail.setting_password"), e.t("cli.mail.password_env", "name", mailbox.PasswordEnv))
	return tw.Flush()
}

// openBox opens the register and its mailbox, with the password from the environment.
func (e *env) openBox(fs *flag.FlagSet, args []string, words int) ([]string, *data.Store, *mailbox.Box, error) {
	w, s, err := e.openWith(fs, args, words)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := mailbox.Open(e.ctx, s, os.Getenv(mailbox.PasswordEnv))
	if err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	return w, s, b, nil
}

// mailTest connects to both servers and says, for each, that it works or what failed.
func mailTest(e *env, args []string) error {
	fs := flag.NewFlagSet("mail test", flag.ContinueOnError)
	_, s, b, err := e.openBox(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	var failed error
	for _, st := range b.Test(e.ctx) {
		name := strings.ToUpper(st.Server)
		if st.Err != nil {
			fmt.Fprintf(e.stdout, "%s %s: %s\n", name, term(st.Addr), e.problemText(st.Err))
			failed = st.Err
			continue
		}
		e.say("cli.mail.test_ok", "server", name, "addr", st.Addr)
	}
	if failed != nil {
		return data.Problemf("cli.mail.test_failed")
	}
	return nil
}

// inboxJSON is a message of the inbox with its problem in the reader's language.
func (e *env) inboxJSON(list []mailbox.Message) []mailbox.Message {
	for i := range list {
		if list[i].Problem != nil {
			list[i].Note = e.problemText(list[i].Problem)
		}
		if list[i].Attachments == nil {
			list[i].Attachments = []string{}
		}
	}
	return list
}

func (e *env) showInbox(list []mailbox.Message) error {
	if len(list) == 0 {
		e.say("cli.mail.inbox_empty")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.t("cli.mail.col_id"), e.t("cli.mail.col_date"), e.t("cli.mail.col_from"),
		e.t("cli.mail.col_subject"), e.t("cli.mail.col_files"), e.t("cli.mail.col_proposal"))
	for _, m := range list {
		if m.Problem != nil {
			fmt.Fprintf(tw, "%s\t\t\t%s\t\t\n", m.ID, term(e.problemText(m.Problem)))
			continue
		}
		proposal := e.t("kind."+string(m.Kind)) + ", " + e.t("channel."+string(m.Channel))
		if m.Language != "" {
			proposal += ", " + e.t("language."+string(m.Language))
		}
		if m.Case != "" {
			proposal = e.t("cli.mail.already", "number", m.Case)
		}
		from := m.From
		if m.FromName != "" {
			from = m.FromName + " <" + m.From + ">"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", m.ID, e.dateTime(m.Date), term(cut(from, 40)), term(cut(m.Subject, 50)),
			len(m.Attachments), term(proposal))
	}
	return tw.Flush()
}

func mailFetch(e *env, args []string) error {
	fs := flag.NewFlagSet("mail fetch", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	watch := fs.Bool("watch", false, "")
	poll := fs.Duration("poll", time.Minute, "")
	_, s, b, err := e.openBox(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	if *watch {
		// Until interrupted: a fetch at once, then one whenever the server announces a
		// change (IMAP IDLE), or every --poll; a fault is said and tried again.
		ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		first := true
		b.Watch(ctx, *poll, func(res *mailbox.FetchResult, err error) {
			if err != nil {
				fmt.Fprintln(e.stderr, e.problemText(err))
				return
			}
			e.showFetch(res, *asJSON, true, !first)
			first = false
		})
		return nil
	}
	res, err := b.Fetch(e.ctx)
	if err != nil {
		return err
	}
	return e.showFetch(res, *asJSON, false, false)
}

// showFetch prints what a fetch found; watching, JSON comes one object a line, and
// (quiet) a fetch that found nothing new is not printed.
func (e *env) showFetch(res *mailbox.FetchResult, asJSON, watching, quiet bool) error {
	if quiet && res.New == 0 && res.Gone == 0 && len(res.Receipts) == 0 && len(res.TooBig) == 0 && len(res.Alerts) == 0 && len(res.Released) == 0 {
		return nil
	}
	res.Inbox = e.inboxJSON(res.Inbox)
	if res.TooBig == nil {
		res.TooBig = []string{}
	}
	if res.Receipts == nil {
		res.Receipts = []mailbox.Receipt{}
	}
	if res.Alerts == nil {
		res.Alerts = []data.DeliveryAlert{}
	}
	if res.OpenAlerts == nil {
		res.OpenAlerts = []data.DeliveryAlert{}
	}
	if asJSON && watching {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(append(jsonSafe(b), '\n'))
		return err
	}
	if asJSON {
		return e.json(res)
	}
	e.say("cli.mail.fetched", "new", e.num(res.New), "gone", e.num(res.Gone), "inbox", e.num(len(res.Inbox)))
	for _, r := range res.Receipts {
		if r.Kind == "bounce" {
			continue // said with its alert below
		}
		if r.Failed {
			e.say("cli.mail.receipt_failed", "kind", r.Kind, "letter", r.Letter, "case", r.Case, "problem", r.Problem)
			continue
		}
		e.say("cli.mail.receipt", "kind", r.Kind, "letter", r.Letter, "case", r.Case, "time", e.dateTime(r.At))
	}
	for _, id := range res.Released {
		e.say("cli.mail.released", "id", id)
	}
	for _, id := range res.TooBig {
		e.say("cli.mail.too_big", "id", id, "limit", strconv.Itoa(mailbox.MaxMessage>>20)+" MB")
	}
	if err := e.showInbox(res.Inbox); err != nil {
		return err
	}
	e.showAlerts(res.OpenAlerts)
	return nil
}

// showAlerts says, for each letter that did not reach the citizen, why and when, and
// how the case leaves the overdue list.
func (e *env) showAlerts(alerts []data.DeliveryAlert) {
	for _, a := range alerts {
		key := "cli.mail.alert_bounce"
		if a.Kind == data.AlertPEC {
			key = "cli.mail.alert_pec"
		}
		e.say(key, "letter", a.Letter, "case", a.Case, "to", a.To, "time", e.dateTime(a.At), "reason", a.Reason)
	}
	if len(alerts) > 0 {
		e.say("cli.mail.alert_how")
	}
}

// mailAlerts lists the letters that did not reach the citizen: open ones, or all.
func mailAlerts(e *env, args []string) error {
	fs := flag.NewFlagSet("mail alerts", flag.ContinueOnError)
	all := fs.Bool("all", false, "")
	asJSON := fs.Bool("json", false, "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.DeliveryAlerts(e.ctx, "", *all)
	if err != nil {
		return err
	}
	if list == nil {
		list = []data.DeliveryAlert{}
	}
	if *asJSON {
		return e.json(list)
	}
	if len(list) == 0 {
		e.say("cli.mail.alerts_none")
		return nil
	}
	e.showAlerts(list)
	return nil
}

// mailAck acknowledges the open alerts of a case: the clerk dealt with the letter
// that did not arrive another way, and the case leaves the overdue list.
func mailAck(e *env, args []string) error {
	fs := flag.NewFlagSet("mail ack", flag.ContinueOnError)
	note := fs.String("note", "", "")
	w, s, err := e.openWith(fs, args, 1)
	if err != nil {
		return err
	}
	defer s.Close()
	var n int64
	var number string
	err = s.Update(e.ctx, func(t *data.Tx) error {
		var err error
		n, err = t.AcknowledgeDeliveryAlerts(w[0], *note)
		return err
	})
	if err != nil {
		return err
	}
	if c, err := s.Get(e.ctx, w[0]); err == nil {
		number = c.Number
	}
	e.say("cli.mail.acknowledged", "case", number, "count", e.num(int(n)))
	return nil
}

func mailInbox(e *env, args []string) error {
	fs := flag.NewFlagSet("mail inbox", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	// The inbox is read from the folder the last fetch filled: no server, no password.
	b := &mailbox.Box{Store: s, Dir: mailbox.InboxDir(s)}
	list, err := b.Inbox(e.ctx)
	if err != nil {
		return err
	}
	list = e.inboxJSON(list)
	if *asJSON {
		return e.json(list)
	}
	if err := e.showInbox(list); err != nil {
		return err
	}
	alerts, err := s.OpenDeliveryAlerts(e.ctx)
	if err != nil {
		return err
	}
	e.showAlerts(alerts)
	return nil
}

func mailRegister(e *env, args []string) error {
	fs := flag.NewFlagSet("mail register", flag.ContinueOnError)
	kind := fs.String("kind", "", "")
	office := fs.String("office", "", "")
	lang := fs.String("language", "", "")
	asJSON := fs.Bool("json", false, "")
	w, s, b, err := e.openBox(fs, args, 1)
	if err != nil {
		return err
	}
	defer s.Close()
	id := w[0]
	r, err := b.Register(e.ctx, id, intake.Options{Kind: data.Kind(*kind), Office: strings.ToUpper(*office),
		Language: data.Language(*lang), Note: e.t("cli.mail.note", "id", id, "address", b.Settings.Address)})
	if r == nil {
		return err
	}
	if err != nil {
		// Registered; only the move on the server failed: said, and the command succeeds.
		fmt.Fprintln(e.stderr, e.problemText(err))
	}
	if r.Elsewhere {
		if *asJSON {
			return e.json(map[string]any{"id": id, "elsewhere": true})
		}
		e.say("cli.mail.elsewhere", "id", id)
		return nil
	}
	c := r.Case
	if *asJSON {
		return e.json(intakeJSON{c, r.Duplicate, false})
	}
	if r.Duplicate {
		e.say("cli.intake.duplicate", "number", c.Number, "due", e.date(c.DueDate))
		return nil
	}
	e.say("intake.saved", "number", c.Number, "due", e.date(c.DueDate))
	return nil
}

func mailSend(e *env, args []string) error {
	fs := flag.NewFlagSet("mail send", flag.ContinueOnError)
	resend := fs.Bool("resend", false, "")
	asJSON := fs.Bool("json", false, "")
	w, s, b, err := e.openBox(fs, args, 1)
	if err != nil {
		return err
	}
	defer s.Close()
	sent, err := b.Send(e.ctx, w[0], *resend)
	if sent == nil {
		return err
	}
	if err != nil {
		fmt.Fprintln(e.stderr, e.problemText(err))
	}
	if *asJSON {
		return e.json(sent)
	}
	key := "cli.mail.sent"
	if sent.Already {
		key = "cli.mail.sent_before"
	}
	e.say(key, "number", sent.Letter.Number, "to", sent.To, "time", e.dateTime(sent.AcceptedAt))
	return nil
}
