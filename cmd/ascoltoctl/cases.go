package main

import (
	"flag"
	"strconv"
	"strings"
	"time"

	"ascolto/data"
	"ascolto/data/transfer"
)

func cmdAdd(e *env, args []string) error {
	fs := flag.NewFlagSet("add", flag.ContinueOnError)
	kind := fs.String("kind", "", "")
	channel := fs.String("channel", "", "")
	subject := fs.String("subject", "", "")
	desc := fs.String("description", "", "")
	received := fs.String("received", "", "")
	name := fs.String("citizen-name", "", "")
	email := fs.String("citizen-email", "", "")
	phone := fs.String("citizen-phone", "", "")
	address := fs.String("citizen-address", "", "")
	lang := fs.String("language", "", "")
	category := fs.String("category", "", "")
	service := fs.String("service", "", "")
	assignee := fs.String("assignee", "", "")
	office := fs.String("office", "", "")
	asJSON := fs.Bool("json", false, "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("kind", *kind, "channel", *channel); err != nil {
		return err
	}
	at, err := optTime(*received)
	if err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	c, err := s.Create(e.ctx, data.NewCase{Office: strings.ToUpper(*office), Kind: data.Kind(*kind), Channel: data.Channel(*channel),
		ReceivedAt: at, Subject: *subject, Description: *desc, Category: *category, Service: *service, Assignee: *assignee,
		Citizen: data.Citizen{Name: *name, Email: *email, Phone: *phone, Address: *address, Language: data.Language(*lang)}})
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(c)
	}
	e.say("cli.added", "number", c.Number, "due", e.date(c.DueDate))
	return nil
}

func optTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return transfer.ParseTime(s)
}

// openWith parses a command's flags and positional words and opens the register.
func (e *env) openWith(fs *flag.FlagSet, args []string, words int) ([]string, *data.Store, error) {
	w, err := e.parse(fs, args, words)
	if err != nil {
		return nil, nil, err
	}
	s, err := e.open()
	if err != nil {
		return nil, nil, err
	}
	return w, s, nil
}

// caseArg parses a command that names one case (REF), opens the register and reads it.
func (e *env) caseArg(fs *flag.FlagSet, args []string) (*data.Store, *data.Case, error) {
	w, s, err := e.openWith(fs, args, 1)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Get(e.ctx, w[0])
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, c, nil
}

func cmdShow(e *env, args []string) error {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	s, c, err := e.caseArg(fs, args)
	if err != nil {
		return err
	}
	defer s.Close()
	if *asJSON {
		return e.json(c)
	}
	e.showCase(c)
	return nil
}

func cmdHistory(e *env, args []string) error {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	s, c, err := e.caseArg(fs, args)
	if err != nil {
		return err
	}
	defer s.Close()
	h, err := s.History(e.ctx, c.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(h)
	}
	offices, _ := s.Offices() // without them an office shows by its code
	e.showHistory(h, offices)
	return nil
}

// filterFlags are the list filters shared by list, search and export.
type filterFlags struct {
	status, kind, channel, office, from, to *string
	overdue, dueToday                       *bool
}

func addFilterFlags(fs *flag.FlagSet) *filterFlags {
	return &filterFlags{
		status: fs.String("status", "", ""), kind: fs.String("kind", "", ""), channel: fs.String("channel", "", ""),
		office: fs.String("office", "", ""), from: fs.String("from", "", ""), to: fs.String("to", "", ""),
		overdue: fs.Bool("overdue", false, ""), dueToday: fs.Bool("due-today", false, ""),
	}
}

// split reads a comma-separated flag value: --status received,in_progress.
func split[T ~string](s string) []T {
	var out []T
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, T(p))
		}
	}
	return out
}

func (f *filterFlags) filter() data.Filter {
	return data.Filter{Statuses: split[data.Status](*f.status), Kinds: split[data.Kind](*f.kind),
		Channels: split[data.Channel](*f.channel), Offices: split[string](*f.office),
		Overdue: *f.overdue, DueToday: *f.dueToday, From: *f.from, To: *f.to}
}

func cmdList(e *env, args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	ff := addFilterFlags(fs)
	sort := fs.String("sort", "", "")
	desc := fs.Bool("desc", false, "")
	limit := fs.Int("limit", 50, "")
	offset := fs.Int("offset", 0, "")
	asJSON := fs.Bool("json", false, "")
	return e.listing(fs, args, 0, func(s *data.Store, words []string) (data.Filter, error) {
		f := ff.filter()
		f.Sort, f.Desc, f.Limit, f.Offset = data.SortKey(*sort), *desc, *limit, *offset
		return f, nil
	}, asJSON)
}

func cmdSearch(e *env, args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	ff := addFilterFlags(fs)
	limit := fs.Int("limit", 20, "")
	asJSON := fs.Bool("json", false, "")
	return e.listing(fs, args, 1, func(s *data.Store, words []string) (data.Filter, error) {
		f := ff.filter()
		f.Query, f.Limit = words[0], *limit
		return f, nil
	}, asJSON)
}

// listing runs list and search: parse, filter, print with the count of all matches.
func (e *env) listing(fs *flag.FlagSet, args []string, words int, build func(*data.Store, []string) (data.Filter, error), asJSON *bool) error {
	w, s, err := e.openWith(fs, args, words)
	if err != nil {
		return err
	}
	defer s.Close()
	f, err := build(s, w)
	if err != nil {
		return err
	}
	if f.Limit < 0 || f.Offset < 0 {
		return &usageError{e.t("cli.bad_flag", "detail", "--limit/--offset")}
	}
	cases, err := s.List(e.ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(cases)
	}
	total, err := s.Count(e.ctx, f)
	if err != nil {
		return err
	}
	e.showList(cases, total)
	return nil
}

func cmdStatus(e *env, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	note := fs.String("note", "", "")
	at := fs.String("at", "", "")
	w, err := e.parse(fs, args, 2)
	if err != nil {
		return err
	}
	return e.change(*at, func(s *data.Store, when time.Time) (*data.Case, error) {
		return s.SetStatus(e.ctx, w[0], data.Status(w[1]), when, *note)
	})
}

func cmdAssign(e *env, args []string) error {
	fs := flag.NewFlagSet("assign", flag.ContinueOnError)
	to := fs.String("to", "", "")
	w, err := e.parse(fs, args, 1)
	if err != nil {
		return err
	}
	if err := e.required("to", *to); err != nil {
		return err
	}
	return e.change("", func(s *data.Store, _ time.Time) (*data.Case, error) { return s.Assign(e.ctx, w[0], *to) })
}

func cmdReply(e *env, args []string) error {
	fs := flag.NewFlagSet("reply", flag.ContinueOnError)
	text := fs.String("text", "", "")
	lang := fs.String("language", "", "")
	at := fs.String("at", "", "")
	w, err := e.parse(fs, args, 1)
	if err != nil {
		return err
	}
	return e.change(*at, func(s *data.Store, when time.Time) (*data.Case, error) {
		return s.Reply(e.ctx, w[0], *text, data.Language(*lang), when)
	})
}

func cmdClose(e *env, args []string) error {
	fs := flag.NewFlagSet("close", flag.ContinueOnError)
	at := fs.String("at", "", "")
	w, err := e.parse(fs, args, 1)
	if err != nil {
		return err
	}
	return e.change(*at, func(s *data.Store, when time.Time) (*data.Case, error) { return s.CloseCase(e.ctx, w[0], when) })
}

// change opens the register, applies one change and says what the case is now.
func (e *env) change(at string, fn func(*data.Store, time.Time) (*data.Case, error)) error {
	when, err := optTime(at)
	if err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	c, err := fn(s, when)
	if err != nil {
		return err
	}
	e.say("cli.changed", "number", c.Number, "status", e.t("status."+string(c.Status)), "due", e.date(c.DueDate))
	return nil
}

func cmdSatisfaction(e *env, args []string) error {
	fs := flag.NewFlagSet("satisfaction", flag.ContinueOnError)
	w, err := e.parse(fs, args, 2)
	if err != nil {
		return err
	}
	score, err := strconv.Atoi(w[1])
	if err != nil {
		return data.Problemf("err.satisfaction", "value", w[1])
	}
	return e.change("", func(s *data.Store, _ time.Time) (*data.Case, error) { return s.SetSatisfaction(e.ctx, w[0], score) })
}
