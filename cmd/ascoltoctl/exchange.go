package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"ascolto/data"
	"ascolto/data/exchange"
)

// The exchange between offices through a shared folder (docs/exchange.md), the
// conflicts it may bring, and handing a case to another office.

func init() {
	register(command{"exchange", "exchange join|offices|trust|status|snapshot|rejected|files [CODE --fingerprint FP] [--budget SIZE] [--all | --open-only] [--folder DIR] [--json]", cmdExchange})
	register(command{"sync", "sync [--folder DIR] [--once | --watch] [--poll DURATION]", cmdSync})
	register(command{"conflicts", "conflicts [--json]", cmdConflicts})
	register(command{"resolve", "resolve REF FIELD VALUE [--note TEXT]", cmdResolve})
	register(command{"forward", "forward REF --to CODE [--service TEXT] [--note TEXT]", cmdForward})
}

// exchangeEnv is an open register with its exchange.
type exchangeEnv struct {
	st     *data.Store
	x      *exchange.Exchange
	folder string
}

// openExchange opens the register and the exchange with the folder given, or the one
// the register joined last.
func (e *env) openExchange(folder string, logTo io.Writer, level slog.Level, poll time.Duration) (*exchangeEnv, error) {
	s, err := e.open()
	if err != nil {
		return nil, err
	}
	if folder == "" {
		if folder, err = exchange.JoinedFolder(e.ctx, s); err != nil {
			s.Close()
			return nil, err
		}
		if folder == "" {
			s.Close()
			return nil, &usageError{e.t("cli.missing_flag", "flag", "--folder")}
		}
	}
	if abs, err := filepath.Abs(folder); err == nil {
		folder = abs
	}
	if fi, err := os.Stat(folder); err != nil || !fi.IsDir() {
		s.Close()
		return nil, &data.Problem{Key: "exchange.unreachable", Args: map[string]string{"folder": folder}, Err: err}
	}
	key, err := exchange.LoadOrCreateKey(exchange.KeyPath(e.db))
	if err != nil {
		s.Close()
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: level}))
	x, err := exchange.New(exchange.Config{Store: s, Folder: exchange.OSFolder(folder), Root: folder, Key: key, Log: log, Poll: poll})
	if err != nil {
		s.Close()
		return nil, err
	}
	return &exchangeEnv{st: s, x: x, folder: folder}, nil
}

func cmdExchange(e *env, args []string) error {
	subs := []string{"join", "offices", "trust", "status", "snapshot", "rejected", "files"}
	if len(args) == 0 || !contains(subs, args[0]) {
		return &usageError{e.t("cli.exchange.what", "choices", strings.Join(subs, ", "))}
	}
	if args[0] == "rejected" {
		return cmdExchangeRejected(e, args[1:])
	}
	if args[0] == "files" {
		return cmdExchangeFiles(e, args[1:])
	}
	sub := args[0]
	fs := flag.NewFlagSet("exchange "+sub, flag.ContinueOnError)
	folder := fs.String("folder", "", "")
	asJSON := fs.Bool("json", false, "")
	fp := fs.String("fingerprint", "", "")
	words := 0
	if sub == "trust" {
		words = 1
		// The fingerprint may also follow the code as a second word.
		if n := positional(fs, args[1:]); n == 2 {
			words = 2
		}
	}
	w, err := e.parse(fs, args[1:], words)
	if err != nil {
		return err
	}
	if sub == "trust" {
		if len(w) == 2 && *fp == "" {
			*fp = w[1]
		}
		if err := e.required("fingerprint", *fp); err != nil {
			return err
		}
	}
	if sub == "join" {
		if err := e.required("folder", *folder); err != nil {
			return err
		}
	}
	xe, err := e.openExchange(*folder, io.Discard, slog.LevelError, 0)
	if err != nil {
		return err
	}
	defer xe.st.Close()
	switch sub {
	case "join":
		if err := xe.x.Join(e.ctx); err != nil {
			return err
		}
		st, err := xe.x.Status(e.ctx)
		if err != nil {
			return err
		}
		e.say("cli.exchange.joined", "office", st.Office, "folder", xe.folder)
		e.say("cli.exchange.your_fingerprint", "fingerprint", st.Fingerprint)
	case "offices":
		offices, err := xe.x.Offices(e.ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return e.json(offices)
		}
		e.printOffices(offices)
	case "trust":
		if err := xe.x.Trust(e.ctx, w[0], *fp); err != nil {
			return err
		}
		e.say("cli.exchange.trusted_now", "code", strings.ToUpper(w[0]))
	case "status":
		st, err := xe.x.Status(e.ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return e.json(st)
		}
		e.printStatus(st)
	case "snapshot":
		if err := xe.x.Snapshot(e.ctx); err != nil {
			return err
		}
		e.say("cli.exchange.snapshot_written", "folder", xe.folder)
	}
	return nil
}

// positional counts the words of args that are not options (nor their values).
func positional(fs *flag.FlagSet, args []string) int {
	n := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			n++
			continue
		}
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				i++ // the option's value
			}
		}
	}
	return n
}

func (e *env) officeName(nameIT, nameDE string) string {
	if e.lang == "de" && nameDE != "" {
		return nameDE
	}
	return nameIT
}

func (e *env) when(t time.Time) string {
	if t.IsZero() {
		return e.t("cli.exchange.never")
	}
	return e.dateTime(t)
}

func (e *env) printOffices(offices []exchange.OfficeInfo) {
	for _, o := range offices {
		trust := e.t("cli.exchange.not_trusted")
		switch {
		case o.Local:
			trust = e.t("cli.exchange.this_office")
		case o.Trusted:
			trust = e.t("cli.exchange.trusted")
		}
		fmt.Fprintf(e.stdout, "%-10s %s  %s\n", term(o.Code), term(o.Fingerprint), term(e.officeName(o.NameIT, o.NameDE)))
		fmt.Fprintf(e.stdout, "           %s\n", e.t("cli.exchange.office_state", "trust", trust, "heard", e.when(o.LastHeard),
			"seq", fmt.Sprint(o.HighWater), "pending", fmt.Sprint(o.Pending)))
		if o.KeyChanged {
			fmt.Fprintf(e.stdout, "           ⚠ %s\n", e.t("cli.exchange.key_changed", "fingerprint", term(o.NewFingerprint)))
		}
	}
}

// rejectedText says why a file was not applied. For a file held for its clock it names
// the office by its name and the time its changes carry as the clerk reads dates: the
// administrator calls that office about its clock, and "a file dated ahead" alone does
// not say whom.
func (e *env) rejectedText(r exchange.Rejected, offices []exchange.OfficeInfo) string {
	code, at, ok := r.HeldFor()
	if !ok {
		return e.t(exchange.ReasonKey(r.Reason))
	}
	office := code
	for _, o := range offices {
		if o.Code == code {
			if name := e.officeName(o.NameIT, o.NameDE); name != "" {
				office = name + " (" + code + ")"
			}
		}
	}
	return e.t("exchange.reason.ahead_at", "office", term(office), "time", e.dateTime(at))
}

func (e *env) printStatus(st exchange.Status) {
	if st.Reachable {
		e.say("cli.exchange.folder_ok", "folder", st.Folder)
	} else {
		e.say("cli.exchange.folder_down", "folder", st.Folder)
	}
	e.say("cli.exchange.your_fingerprint", "fingerprint", st.Fingerprint)
	e.say("cli.exchange.unpublished", "count", e.num(int(st.Unpublished)))
	e.say("cli.exchange.last_look", "at", e.when(st.LastScan))
	fmt.Fprintln(e.stdout)
	e.printOffices(st.Offices)
	for _, g := range st.Gaps {
		e.say("cli.exchange.gap", "office", g.Origin, "want", fmt.Sprint(g.Want), "next", fmt.Sprint(g.Next))
	}
	for _, f := range st.Forks {
		fmt.Fprintf(e.stdout, "⚠ %s\n", e.t("cli.exchange.alarm", "file", term(f.Path), "reason", e.t(exchange.ReasonKey(f.Reason))))
	}
	if len(st.Rejected) > 0 {
		fmt.Fprintln(e.stdout)
		e.say("cli.exchange.rejected", "count", e.num(len(st.Rejected)))
		for _, r := range st.Rejected {
			fmt.Fprintf(e.stdout, "  %s (%s, %s)\n    %s\n", term(r.Path), e.t("cli.exchange.bytes", "size", e.num(int(r.Size))), e.when(r.FirstSeen),
				e.rejectedText(r, st.Offices))
		}
	}
	if st.Conflicts > 0 {
		e.say("cli.exchange.conflicts_open", "count", e.num(st.Conflicts))
	}
	e.printFilesStatus(st.Files)
}

func cmdSync(e *env, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	folder := fs.String("folder", "", "")
	once := fs.Bool("once", false, "")
	watch := fs.Bool("watch", false, "")
	poll := fs.Duration("poll", 0, "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if *once && *watch {
		return &usageError{e.t("cli.sync.once_or_watch")}
	}
	if *poll < 0 {
		return &usageError{e.t("cli.bad_flag", "detail", "--poll")}
	}
	logTo, level := io.Discard, slog.LevelError
	if *watch {
		logTo, level = e.stderr, slog.LevelInfo
	}
	xe, err := e.openExchange(*folder, logTo, level, *poll)
	if err != nil {
		return err
	}
	defer xe.st.Close()
	if !*watch {
		r, err := xe.x.SyncOnce(e.ctx)
		if err != nil {
			// What went in before the failure stays in the register: say so, so that
			// "nothing was saved" is read as the last file only.
			if r.Published > 0 || r.Applied > 0 {
				e.say("cli.sync.partial", "published", e.num(r.Published), "applied", e.num(r.Applied))
			}
			return err
		}
		e.say("cli.sync.done", "published", e.num(r.Published), "applied", e.num(r.Applied),
			"rejected", e.num(r.Rejected), "gaps", e.num(r.Gaps), "removed", e.num(r.Removed))
		if r.Forks > 0 {
			e.say("cli.sync.forks", "count", e.num(r.Forks))
		}
		return nil
	}
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	e.say("cli.sync.watching", "folder", xe.folder)
	done := make(chan error, 1)
	go func() { done <- xe.x.Watch(ctx) }()
	before, _ := xe.st.HighWaters(ctx)
	for {
		select {
		case err := <-done:
			e.say("cli.sync.stopped")
			return err
		case <-xe.x.Changed():
			now, err := xe.st.HighWaters(ctx)
			if err != nil {
				continue
			}
			var offices []string
			for o, n := range now {
				if n > before[o] && o != xe.st.Local().Code {
					offices = append(offices, o)
				}
			}
			sort.Strings(offices)
			for _, o := range offices {
				e.say("cli.sync.received", "office", o, "count", e.num(int(now[o]-before[o])))
			}
			before = now
		}
	}
}

func cmdConflicts(e *env, args []string) error {
	fs := flag.NewFlagSet("conflicts", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	cs, err := s.Conflicts(e.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if cs == nil {
			cs = []data.Conflict{}
		}
		return e.json(cs)
	}
	if len(cs) == 0 {
		e.say("cli.conflicts.none")
		return nil
	}
	for _, c := range cs {
		fmt.Fprintf(e.stdout, "%s  %s\n", term(c.Number), e.t("field."+c.Field))
		for i, h := range c.Heads {
			key := "cli.conflicts.other"
			if i == 0 {
				key = "cli.conflicts.shown"
			}
			fmt.Fprintf(e.stdout, "    %s\n", e.t(key, "value", term(h.Value), "office", term(h.Origin), "actor", term(h.Actor)))
		}
	}
	e.say("cli.conflicts.how")
	return nil
}

func cmdResolve(e *env, args []string) error {
	fs := flag.NewFlagSet("resolve", flag.ContinueOnError)
	note := fs.String("note", "", "")
	w, s, err := e.openWith(fs, args, 3)
	if err != nil {
		return err
	}
	defer s.Close()
	var c *data.Case
	err = s.Update(e.ctx, func(tx *data.Tx) error {
		var err error
		c, err = tx.ResolveConflict(w[0], w[1], w[2], *note)
		return err
	})
	if err != nil {
		return err
	}
	e.say("cli.resolved", "number", c.Number, "field", e.t("field."+w[1]), "value", w[2])
	return nil
}

func cmdForward(e *env, args []string) error {
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	to := fs.String("to", "", "")
	service := fs.String("service", "", "")
	note := fs.String("note", "", "")
	w, err := e.parse(fs, args, 1)
	if err != nil {
		return err
	}
	if err := e.required("to", *to); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	var c *data.Case
	err = s.Update(e.ctx, func(tx *data.Tx) error {
		var err error
		c, err = tx.Forward(w[0], *to, *service, *note)
		return err
	})
	if err != nil {
		return err
	}
	e.say("cli.forwarded", "number", c.Number, "office", c.Office)
	return nil
}
