package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"ascolto/cmd/internal/support"
	"ascolto/data"
	"ascolto/data/demo"
	"ascolto/data/transfer"
	"ascolto/translations"
)

func cmdInit(e *env, args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	code := fs.String("office", "", "")
	nameIT := fs.String("name-it", "", "")
	nameDE := fs.String("name-de", "", "")
	address := fs.String("address", "", "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("office", *code); err != nil {
		return err
	}
	s, err := data.Create(e.db, data.Office{Code: *code, NameIT: *nameIT, NameDE: *nameDE, Address: *address}, data.Options{Actor: e.actor})
	if err != nil {
		return err
	}
	defer s.Close()
	e.say("cli.created", "path", e.db, "office", *code)
	return nil
}

func cmdDemo(e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	count := fs.Int("count", 0, "")
	seed := fs.Int64("seed", 1, "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if *count <= 0 {
		return &usageError{e.t("cli.missing_flag", "flag", "--count")}
	}
	s, err := e.open()
	if p, ok := data.AsProblem(err); ok && p.Key == "err.no_register" {
		// A demo needs no set-up: it makes the demo office's register.
		s, err = data.Create(e.db, demo.Office(), data.Options{Actor: e.actor})
	}
	if err != nil {
		return err
	}
	defer s.Close()
	progress := newProgress(e, *count)
	if err := demo.Generate(e.ctx, s, demo.Options{Count: *count, Seed: *seed, Progress: progress}); err != nil {
		return err
	}
	e.say("cli.demo_done", "count", e.num(*count), "path", e.db)
	return nil
}

// newProgress reports long work on stderr: a line that rewrites itself on a terminal,
// a line every tenth of the way otherwise (logs of scripts stay short).
func newProgress(e *env, total int) func(done, total int) {
	tty := false
	w := e.stderr
	if g, ok := w.(guard); ok {
		w = g.w
	}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	next := total / 10
	return func(done, total int) {
		msg := e.t("cli.progress", "done", e.num(done), "total", e.num(total))
		switch {
		case tty:
			fmt.Fprintf(e.stderr, "\r%s", msg)
			if done == total {
				fmt.Fprintln(e.stderr)
			}
		case done >= next || done == total:
			fmt.Fprintln(e.stderr, msg)
			next += max(total/10, 1)
		}
	}
}

func cmdVerify(e *env, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	// The heads of another office's audit trail this register keeps, written out for that
	// office to check its register with (--witnesses there).
	of := fs.String("witnesses-of", "", "")
	witnesses := fs.String("witnesses", "", "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	if *of != "" {
		ws, err := s.Witnesses(e.ctx, strings.ToUpper(strings.TrimSpace(*of)))
		if err != nil {
			return err
		}
		if ws == nil {
			ws = []data.Checkpoint{}
		}
		return e.json(ws)
	}
	rep, err := s.Verify(e.ctx)
	if err != nil {
		return err
	}
	if *witnesses != "" {
		b, err := os.ReadFile(*witnesses)
		if err != nil {
			return data.Problemf("err.read_file", "path", *witnesses)
		}
		var ws []data.Checkpoint
		if err := json.Unmarshal(b, &ws); err != nil {
			return data.Problemf("verify.witness_file", "path", *witnesses)
		}
		found, err := s.VerifyWitnesses(e.ctx, ws)
		if err != nil {
			return err
		}
		rep.Findings = append(rep.Findings, found...)
		rep.Witnesses = len(ws)
	}
	if *asJSON {
		if err := e.json(rep); err != nil {
			return err
		}
	} else {
		for _, f := range rep.Findings {
			fmt.Fprintln(e.stdout, "✗ "+e.problemText(f))
		}
	}
	if !rep.OK() {
		return data.Problemf("cli.verify_failed", "count", strconv.Itoa(len(rep.Findings)))
	}
	if !*asJSON {
		e.say("cli.verify_ok", "cases", e.num(int(rep.Cases)), "entries", e.num(int(rep.AuditEntries)))
		if rep.Witnesses > 0 {
			e.say("cli.verify_witnesses", "count", e.num(rep.Witnesses))
		}
		if rep.SealedSeq > 0 {
			e.say("cli.verify_sealed", "seq", e.num(int(rep.SealedSeq)), "at", e.dateTime(rep.SealedAt),
				"checkpoints", e.num(int(rep.Checkpoints)), "key", data.SealKeyPath(s.Path()))
			if !rep.KeyFile {
				e.say("cli.verify_key_named", "fingerprint", rep.KeyFingerprint)
			}
		}
	}
	return nil
}

func cmdBackup(e *env, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	out := fs.String("out", "", "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	path := *out
	if path == "" { // into the backup folder, kept and pruned like the automatic ones
		path, err = s.AutoBackup(e.ctx, "manual")
	} else {
		err = s.Backup(e.ctx, path)
	}
	if err != nil {
		return err
	}
	e.say("cli.backup_done", "path", path)
	return nil
}

func cmdBackups(e *env, args []string) error {
	fs := flag.NewFlagSet("backups", flag.ContinueOnError)
	dir := fs.String("dir", "", "")
	keep := fs.Int("keep", 0, "")
	asJSON := fs.Bool("json", false, "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["dir"] || set["keep"] {
		b := s.BackupSettings()
		if set["dir"] {
			b.Dir = *dir
		}
		if set["keep"] {
			b.Keep = *keep
		}
		if err := s.Update(e.ctx, func(tx *data.Tx) error { return tx.SetBackupSettings(b) }); err != nil {
			return err
		}
	}
	b := s.BackupSettings()
	list, err := s.Backups()
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(map[string]any{"dir": b.Dir, "keep": b.Keep, "backups": list})
	}
	e.say("cli.backups", "dir", b.Dir, "keep", strconv.Itoa(b.Keep))
	for _, p := range list {
		fmt.Fprintln(e.stdout, "  "+term(filepath.Base(p)))
	}
	return nil
}

func cmdRestore(e *env, args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	from := fs.String("from", "", "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("from", *from); err != nil {
		return err
	}
	saved, err := data.Restore(e.ctx, *from, e.db)
	if err != nil {
		return err
	}
	e.say("cli.restored", "path", e.db, "from", *from, "saved", saved)
	return nil
}

func cmdExport(e *env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	format := fs.String("format", "", "")
	out := fs.String("out", "", "")
	sep := fs.String("separator", ";", "")
	headers := fs.String("headers", "", "")
	ff := addFilterFlags(fs)
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("format", *format, "out", *out); err != nil {
		return err
	}
	r, size := utf8.DecodeRuneInString(*sep)
	if size != len(*sep) || r == '"' || r == '\n' || r == '\r' {
		return &usageError{e.t("cli.bad_flag", "detail", "--separator "+*sep)}
	}
	if *headers != "" && !translations.Supported(*headers) {
		return &usageError{e.t("cli.bad_flag", "detail", "--headers "+*headers)}
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := transfer.Export(e.ctx, s, *out, transfer.Options{Format: transfer.Format(strings.ToLower(*format)), Separator: r, Filter: ff.filter(), Language: *headers})
	if err != nil {
		return err
	}
	e.say("cli.exported", "count", e.num(n), "path", *out)
	return nil
}

func cmdImport(e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	format := fs.String("format", "", "")
	in := fs.String("in", "", "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("format", *format, "in", *in); err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return &data.Problem{Key: "err.read_file", Args: map[string]string{"path": *in}, Err: err}
	}
	defer f.Close()
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := transfer.Import(e.ctx, s, f, transfer.Format(strings.ToLower(*format)))
	if err != nil {
		return err
	}
	e.say("cli.imported", "count", e.num(n), "path", filepath.Base(*in))
	return nil
}

func cmdDeadline(e *env, args []string) error {
	fs := flag.NewFlagSet("deadline", flag.ContinueOnError)
	office := fs.String("office", "", "")
	kind := fs.String("kind", "", "")
	days := fs.Int("days", 0, "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	code := officeCode(s, *office)
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "days" })
	if set {
		if err := s.Update(e.ctx, func(tx *data.Tx) error { return tx.SetDeadlineDays(code, data.Kind(*kind), *days) }); err != nil {
			return err
		}
	}
	for _, k := range data.Kinds {
		d, err := s.DeadlineDays(code, k)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%-8s %-14s %s\n", code, e.t("kind."+string(k)), e.t("cli.working_days", "days", strconv.Itoa(d)))
	}
	return nil
}

func cmdClosure(e *env, args []string) error {
	fs := flag.NewFlagSet("closure", flag.ContinueOnError)
	office := fs.String("office", "", "")
	note := fs.String("note", "", "")
	if len(args) == 0 {
		return &usageError{e.t("cli.bad_args", "want", "1", "have", "0")}
	}
	action := args[0]
	want := 1
	if action == "list" {
		want = 0
	} else if action != "add" && action != "remove" {
		return &usageError{e.t("cli.unknown_command", "command", "closure "+action)}
	}
	w, s, err := e.openWith(fs, args[1:], want)
	if err != nil {
		return err
	}
	defer s.Close()
	code := officeCode(s, *office)
	switch action {
	case "add":
		err = s.Update(e.ctx, func(tx *data.Tx) error { return tx.AddClosure(code, w[0], *note) })
	case "remove":
		err = s.Update(e.ctx, func(tx *data.Tx) error { return tx.RemoveClosure(code, w[0]) })
	}
	if err != nil {
		return err
	}
	days, err := s.Closures(code)
	if err != nil {
		return err
	}
	for _, d := range days {
		fmt.Fprintln(e.stdout, e.date(d))
	}
	return nil
}

func cmdOffice(e *env, args []string) error {
	fs := flag.NewFlagSet("office", flag.ContinueOnError)
	nameIT := fs.String("name-it", "", "")
	nameDE := fs.String("name-de", "", "")
	address := fs.String("address", "", "")
	asJSON := fs.Bool("json", false, "")
	if len(args) == 0 || (args[0] != "list" && args[0] != "add") {
		return &usageError{e.t("cli.bad_args", "want", "1", "have", "0")}
	}
	want := 0
	if args[0] == "add" {
		want = 1
	}
	w, err := e.parse(fs, args[1:], want)
	if err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	if args[0] == "add" {
		if err := s.PutOffice(data.Office{Code: w[0], NameIT: *nameIT, NameDE: *nameDE, Address: *address}); err != nil {
			return err
		}
	}
	offices, err := s.Offices()
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(offices)
	}
	for _, o := range offices {
		name := o.NameIT
		if e.lang == "de" {
			name = o.NameDE
		}
		fmt.Fprintf(e.stdout, "%-10s %s\n", term(o.Code), term(name))
	}
	return nil
}

// officeCode is the --office given, or the register's own office.
func officeCode(s *data.Store, flagValue string) string {
	if flagValue == "" {
		return s.Local().Code
	}
	return strings.ToUpper(flagValue)
}

func cmdDiagnostics(e *env, args []string) error {
	fs := flag.NewFlagSet("diagnostics", flag.ContinueOnError)
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		// Diagnostics are most needed when the register cannot be opened.
		fmt.Fprint(e.stdout, support.Report(e.ctx, "ascoltoctl", nil, ""))
		return err
	}
	defer s.Close()
	fmt.Fprint(e.stdout, support.Report(e.ctx, "ascoltoctl", s, ""))
	return nil
}
