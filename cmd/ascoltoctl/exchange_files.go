package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"ascolto/data"
	"ascolto/data/exchange"
)

// filesReport is `exchange files --json`: the settings, and the figures when the
// register has joined a folder.
type filesReport struct {
	Settings data.FileSettings     `json:"settings"`
	Changed  bool                  `json:"changed"`
	Files    *exchange.FilesStatus `json:"files,omitempty"`
}

// cmdExchangeFiles shows and changes the settings of the files of cases: how much this
// office keeps in the shared folder (--budget) and whether it takes the files of cases
// closed before it started taking files (--all) or not (--open-only). A size that is not
// one is refused before the register is opened: nothing changes.
func cmdExchangeFiles(e *env, args []string) error {
	fs := flag.NewFlagSet("exchange files", flag.ContinueOnError)
	budgetText := fs.String("budget", "", "")
	all := fs.Bool("all", false, "")
	openOnly := fs.Bool("open-only", false, "")
	folder := fs.String("folder", "", "")
	asJSON := fs.Bool("json", false, "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if *all && *openOnly {
		return &usageError{e.t("cli.exchange.files_all_or_open")}
	}
	budgetSet := false
	var budget int64
	fs.Visit(func(f *flag.Flag) { budgetSet = budgetSet || f.Name == "budget" })
	if budgetSet {
		var err error
		if budget, err = data.ParseFileBudget(*budgetText); err != nil {
			return err
		}
	}

	s, err := e.open()
	if err != nil {
		return err
	}
	rep := filesReport{}
	cur, err := s.FileSettings(e.ctx)
	if err != nil {
		s.Close()
		return err
	}
	err = s.Update(e.ctx, func(tx *data.Tx) error {
		want := cur
		if budgetSet {
			want.Budget = budget
		}
		if *all || *openOnly {
			want.All = *all
		}
		if want.Budget == cur.Budget && want.All == cur.All {
			return nil
		}
		rep.Changed = true
		return tx.SetFileSettings(want.Budget, want.All)
	})
	if err == nil {
		rep.Settings, err = s.FileSettings(e.ctx)
	}
	s.Close()
	if err != nil {
		return err
	}

	// The figures need the exchange: the folder given, or the one joined last. A
	// register that has not joined one has its settings only.
	joined := *folder != ""
	if !joined {
		if s, err := e.open(); err == nil {
			f, _ := exchange.JoinedFolder(e.ctx, s)
			s.Close()
			joined = f != ""
		}
	}
	if joined {
		xe, err := e.openExchange(*folder, io.Discard, slog.LevelError, 0)
		if err != nil {
			return err
		}
		st, err := xe.x.FilesStatus(e.ctx)
		xe.st.Close()
		if err != nil {
			return err
		}
		rep.Files = &st
	}
	if *asJSON {
		return e.json(rep)
	}
	if rep.Changed {
		e.say("cli.exchange.files_saved")
	}
	e.printFileSettings(rep.Settings)
	if rep.Files == nil {
		e.say("cli.exchange.files_not_joined")
		return nil
	}
	e.printFilesStatus(*rep.Files)
	for _, w := range rep.Files.Waiting {
		fmt.Fprintf(e.stdout, "  %s  %s\n", w.SHA256, e.mib(w.Size))
	}
	if rep.Files.Arriving > 0 {
		e.say("cli.exchange.files_arriving_size", "size", e.mib(rep.Files.ArrivingBytes))
	}
	return nil
}

// printFileSettings says the budget and which cases' files this office takes.
func (e *env) printFileSettings(fs data.FileSettings) {
	budget := e.t("cli.exchange.files_no_limit")
	if fs.Budget > 0 {
		budget = e.mib(fs.Budget)
	}
	e.say("cli.exchange.files_budget", "budget", budget)
	switch {
	case fs.All:
		e.say("cli.exchange.files_take_all")
	case fs.Since == "":
		e.say("cli.exchange.files_take_open_from_start")
	default:
		since := fs.Since
		if t, err := time.Parse(time.RFC3339Nano, fs.Since); err == nil {
			since = e.dateTime(t)
		}
		e.say("cli.exchange.files_take_open", "since", since)
	}
}

// printFilesStatus adds the files of cases to `exchange status`: what this office keeps
// in the folder against its budget, its files waiting for room, and the files of other
// offices that have not come in time (for the administrator to look after).
func (e *env) printFilesStatus(fs exchange.FilesStatus) {
	budget := e.t("cli.exchange.files_no_limit")
	if fs.Budget > 0 {
		budget = e.mib(fs.Budget)
	}
	fmt.Fprintln(e.stdout)
	e.say("cli.exchange.files_published", "size", e.mib(fs.Published), "budget", budget)
	if len(fs.Waiting) > 0 {
		e.say("cli.exchange.files_waiting", "count", e.num(len(fs.Waiting)))
	}
	if fs.Arriving > 0 {
		e.say("cli.exchange.files_arriving", "count", e.num(fs.Arriving))
	}
	if len(fs.Late) > 0 {
		e.say("cli.exchange.files_late", "count", e.num(len(fs.Late)))
		for _, f := range fs.Late {
			fmt.Fprintf(e.stdout, "  %s  %s (%s, %s)\n    %s\n", f.CaseNumber, term(f.Name), e.mib(f.Size), f.Origin,
				e.t("cli.exchange.files_late_why", "passes", e.num(f.Passes), "since", e.when(f.FirstTry), "reason", e.fileReason(f.Reason), "sha256", f.SHA256))
		}
	}
}

// mib writes a size in MB with one decimal (bytes below 1 MB: "0.1 MB" at least).
func (e *env) mib(n int64) string {
	v := float64(n) / (1 << 20)
	if n > 0 && v < 0.1 {
		v = 0.1
	}
	return e.t("cli.exchange.files_mb", "size", message.NewPrinter(language.Make(e.lang)).Sprintf("%.1f", v))
}

// fileReason says why a file has not come (data.CaseFile.Reason).
func (e *env) fileReason(r string) string {
	switch r {
	case "size":
		return e.t("cli.exchange.files_reason_size")
	case "hash":
		return e.t("cli.exchange.files_reason_hash")
	case "unreadable":
		return e.t("cli.exchange.files_reason_unreadable")
	}
	return e.t("cli.exchange.files_reason_missing")
}
