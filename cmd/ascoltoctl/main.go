// Command ascoltoctl works on the Ascolto register from the command line: for scripts,
// admins, imports and benchmarks. Its contract is docs/CLI.md (the design's CLI.md):
// exit 0 done, 1 refused or failed (one sentence on stderr, nothing changed), 2 usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"ascolto/cmd/internal/buildinfo"
	"ascolto/data"
	"ascolto/translations"
)

// env is what every command gets: the streams, the language and the register's path.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	lang   string
	db     string
	actor  string
}

func (e *env) t(key string, kv ...string) string { return translations.T(e.lang, key, kv...) }

// open opens the register named by --db, and says so when it upgraded an older one.
func (e *env) open() (*data.Store, error) {
	// An upgrade that converts a large register takes a while: it says what it does,
	// then how far it is, on stderr (stdout stays the command's own output).
	var told func(done, total int)
	progress := func(done, total int64) {
		if told == nil {
			fmt.Fprintln(e.stderr, e.t("cli.upgrading"))
			told = newProgress(e, int(total))
		}
		told(int(done), int(total))
	}
	s, err := data.Open(e.db, data.Options{Actor: e.actor, Progress: progress})
	if err == nil && s.Migrated() != nil {
		m := s.Migrated()
		fmt.Fprintln(e.stderr, e.t("cli.migrated", "from", fmt.Sprint(m.From), "to", fmt.Sprint(m.To), "backup", m.Backup))
	}
	return s, err
}

type command struct {
	name     string
	synopsis string
	run      func(e *env, args []string) error
}

// commands are listed in help in this order; the parts of the program add theirs with
// register (in their own files), so that the command line grows without one long list.
var commands []command

// register adds a command; a name given twice is a programming error.
func register(c command) {
	for _, o := range commands {
		if o.name == c.name {
			panic("ascoltoctl: command " + c.name + " registered twice")
		}
	}
	commands = append(commands, c)
}

func init() {
	for _, c := range []command{
		{"init", "init --office CODE --name-it TEXT --name-de TEXT [--address TEXT]", cmdInit},
		{"add", "add --kind KIND --channel CHANNEL --subject TEXT [--description TEXT] [--received TIME] [--citizen-name TEXT] [--citizen-email TEXT] [--citizen-phone TEXT] [--citizen-address TEXT] [--language it|de] [--category TEXT] [--service TEXT] [--assignee NAME] [--office CODE] [--json]", cmdAdd},
		{"show", "show REF [--json]", cmdShow},
		{"history", "history REF [--json]", cmdHistory},
		{"list", "list [--status S] [--kind K] [--channel C] [--office CODE] [--overdue] [--due-today] [--from DATE] [--to DATE] [--sort COLUMN] [--desc] [--limit N] [--offset N] [--json]", cmdList},
		{"search", "search QUERY [--status S] [--kind K] [--channel C] [--office CODE] [--overdue] [--from DATE] [--to DATE] [--limit N] [--json]", cmdSearch},
		{"status", "status REF STATUS [--note TEXT] [--at TIME]", cmdStatus},
		{"assign", "assign REF --to NAME", cmdAssign},
		{"reply", "reply REF --text TEXT [--language it|de] [--at TIME]", cmdReply},
		{"close", "close REF [--at TIME]", cmdClose},
		{"satisfaction", "satisfaction REF SCORE          (1 very unsatisfied … 5 very satisfied; 0 clears)", cmdSatisfaction},
		{"export", "export --format csv|json|xlsx --out FILE [--separator ';'|','] [--headers it|de|en] [filters as list]", cmdExport},
		{"import", "import --format csv|json --in FILE", cmdImport},
		{"demo", "demo --count N [--seed S]", cmdDemo},
		{"deadline", "deadline [--office CODE] [--kind KIND] [--days N]", cmdDeadline},
		{"closure", "closure add|remove|list [DATE] [--office CODE] [--note TEXT]", cmdClosure},
		{"office", "office list|add [CODE --name-it TEXT --name-de TEXT [--address TEXT]] [--json]", cmdOffice},
		{"verify", "verify [--json] [--witnesses FILE] [--witnesses-of CODE]", cmdVerify},
		{"diagnostics", "diagnostics", cmdDiagnostics},
		{"backup", "backup [--out FILE]", cmdBackup},
		{"backups", "backups [--dir DIR] [--keep N] [--json]", cmdBackups},
		{"restore", "restore --from FILE", cmdRestore},
	} {
		register(c)
	}
}

// usageError is a mistake in the command line itself (exit 2).
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	stdout, stderr = guard{stdout}, guard{stderr} // term.go: no control byte reaches the terminal
	e := &env{ctx: context.Background(), stdout: stdout, stderr: stderr, lang: translations.Detect(), db: data.DefaultPath()}
	// Global flags may come before the command: --db, --lang, --actor.
	global := flag.NewFlagSet("ascoltoctl", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&e.db, "db", e.db, "")
	lang := global.String("lang", "", "")
	global.StringVar(&e.actor, "actor", os.Getenv("ASCOLTO_ACTOR"), "")
	rest, err := splitGlobal(global, args)
	if *lang != "" {
		if !translations.Supported(*lang) {
			fmt.Fprintln(stderr, e.t("cli.bad_lang", "lang", term(*lang)))
			return 2
		}
		e.lang = *lang
	}
	if err != nil {
		fmt.Fprintln(stderr, term(err.Error()))
		return 2
	}
	if len(rest) > 0 && (rest[0] == "version" || rest[0] == "--version") {
		fmt.Fprintln(stdout, buildinfo.String("ascoltoctl"))
		return 0
	}
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "--help" || rest[0] == "-h" {
		usage(e, stdout)
		if len(rest) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == rest[0] {
			return e.finish(c, c.run(e, rest[1:]))
		}
	}
	fmt.Fprintln(stderr, e.t("cli.unknown_command", "command", term(rest[0])))
	usage(e, stderr)
	return 2
}

// splitGlobal takes the global flags wherever they stand and returns the other words.
func splitGlobal(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		if eq := strings.IndexByte(name, '='); eq >= 0 {
			name = name[:eq]
		}
		if strings.HasPrefix(a, "-") && fs.Lookup(name) != nil {
			pair := []string{a}
			if !strings.Contains(a, "=") && i+1 < len(args) {
				pair = append(pair, args[i+1])
				i++
			}
			if err := fs.Parse(pair); err != nil {
				return nil, err
			}
			continue
		}
		rest = append(rest, a)
	}
	return rest, nil
}

func (e *env) finish(c command, err error) int {
	if err == nil {
		return 0
	}
	var u *usageError
	if errors.As(err, &u) {
		fmt.Fprintln(e.stderr, term(u.msg))
		fmt.Fprintln(e.stderr, e.t("cli.usage")+" ascoltoctl "+c.synopsis)
		return 2
	}
	fmt.Fprintln(e.stderr, e.problemText(err))
	// A command whose refusals a script tells apart says so by its exit code
	// (signature check: not signed, changed, not trusted).
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return 1
}

// problemText is the one sentence a person reads for an error.
func (e *env) problemText(err error) string {
	p, ok := data.AsProblem(err)
	if c := data.Cause(err, e.db); c != nil {
		p, ok = c, true // a full disk, a read-only file: what to act on, not "could not be saved"
	}
	if !ok {
		return e.t("err.internal", "detail", term(err.Error()))
	}
	args := make(map[string]string, len(p.Args)) // names, paths, values from outside
	for k, v := range p.Args {
		args[k] = term(v)
	}
	msg := translations.Format(e.lang, p.Key, args)
	if p.Line > 0 {
		msg = e.t("err.at_line", "line", fmt.Sprint(p.Line), "message", msg)
	}
	return msg
}

func usage(e *env, w io.Writer) {
	fmt.Fprintln(w, e.t("cli.intro"))
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, e.t("cli.cmd."+c.name))
		fmt.Fprintf(w, "            ascoltoctl %s\n", c.synopsis)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, e.t("cli.global", "path", data.DefaultPath()))
}

// parse parses a command's flags, which may stand before, between or after its
// positional words, and checks the number of positional words.
func (e *env) parse(fs *flag.FlagSet, args []string, positional int) ([]string, error) {
	fs.SetOutput(io.Discard)
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &usageError{e.t("cli.bad_flag", "detail", term(err.Error()))}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		words = append(words, args[0])
		args = args[1:]
	}
	if len(words) != positional {
		return nil, &usageError{e.t("cli.bad_args", "want", fmt.Sprint(positional), "have", fmt.Sprint(len(words)))}
	}
	return words, nil
}

// required reports a missing flag as a usage error.
func (e *env) required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return &usageError{e.t("cli.missing_flag", "flag", "--"+pairs[i])}
		}
	}
	return nil
}
