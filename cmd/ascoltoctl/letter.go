package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"ascolto/data"
	"ascolto/printing/extract"
	"ascolto/printing/letter"
	"ascolto/printing/printer"
	"ascolto/printing/signature"
)

func init() {
	register(command{"letter", "letter REF --out FILE.pdf [--language it|de|both] [--sign FILE.p12 --pass-env VAR | --pkcs11 MODULE [--token LABEL] [--pin-env VAR]] [--visible-signature] [--tsa URL [--tsa-user USER --tsa-pass-env VAR]] [--pdfa[=false]] [--text TEXT] [--text-it TEXT] [--text-de TEXT] [--print [--printer QUEUE]] [--json] | letter list|copy|print|sent|batch|template|settings … (docs/letters.md)", cmdLetter})
	register(command{"extract", "extract --out FILE.pdf [--language it|de|en] [--query TEXT] [filters as list] [--sort COLUMN] [--desc] [--limit N] [--print [--printer QUEUE]]", cmdExtract})
}

// cmdLetter issues a reply letter, or runs one of the letter subcommands.
func cmdLetter(e *env, args []string) error {
	if len(args) > 0 {
		sub := map[string]func(*env, []string) error{
			"list": letterList, "copy": letterCopy, "print": letterPrint, "sent": letterSent,
			"batch": letterBatch, "template": letterTemplate, "settings": letterSettings,
		}
		if fn, ok := sub[args[0]]; ok {
			return fn(e, args[1:])
		}
	}
	return letterIssue(e, args)
}

// signerFlags are --sign and --pass-env, or the smart card's flags (letter_token.go): the
// certificate is opened before anything else, so a wrong password or an expired
// certificate stops the command before a letter exists.
type signerFlags struct {
	path, passEnv *string
	card          *tokenFlags
}

func addSignerFlags(fs *flag.FlagSet) signerFlags {
	return signerFlags{fs.String("sign", "", ""), fs.String("pass-env", "", ""), addTokenFlags(fs)}
}

func (f signerFlags) open(e *env, s *data.Store) (*signature.Signer, error) {
	if f.card.chosen() {
		return f.card.open(e, s, *f.path)
	}
	if *f.path == "" {
		return nil, nil
	}
	if *f.passEnv == "" {
		return nil, &usageError{e.t("cli.missing_flag", "flag", "--pass-env")}
	}
	pw, ok := os.LookupEnv(*f.passEnv)
	if !ok {
		return nil, data.Problemf("letter.err_pass_env", "name", *f.passEnv)
	}
	return signature.LoadFile(*f.path, pw, s.Now())
}

func letterLanguage(v string) (data.LetterLanguage, error) {
	l := data.LetterLanguage(strings.ToLower(strings.TrimSpace(v)))
	if l != "" && !l.Valid() {
		return "", data.Problemf("letter.err_language", "language", v)
	}
	return l, nil
}

func letterIssue(e *env, args []string) error {
	fs := flag.NewFlagSet("letter", flag.ContinueOnError)
	out := fs.String("out", "", "")
	lang := fs.String("language", "", "")
	sf := addSignerFlags(fs)
	af := addArchiveFlags(fs)
	visible := fs.Bool("visible-signature", false, "")
	text := fs.String("text", "", "")
	textIT := fs.String("text-it", "", "")
	textDE := fs.String("text-de", "", "")
	salIT := fs.String("salutation-it", "", "")
	salDE := fs.String("salutation-de", "", "")
	doPrint := fs.Bool("print", false, "")
	queue := fs.String("printer", "", "")
	asJSON := fs.Bool("json", false, "")
	s, c, err := e.caseArg(fs, args)
	if err != nil {
		return err
	}
	defer s.Close()
	if *out == "" && !*doPrint {
		return &usageError{e.t("cli.missing_flag", "flag", "--out")}
	}
	ll, err := letterLanguage(*lang)
	if err != nil {
		return err
	}
	signer, err := sf.open(e, s)
	if err != nil {
		return err
	}
	defer sf.card.close()
	opt := letter.Options{Language: ll, Text: *text, Signer: signer, Visible: *visible,
		Texts:       map[data.Language]string{data.Italian: *textIT, data.German: *textDE},
		Salutations: map[data.Language]string{data.Italian: *salIT, data.German: *salDE}}
	if err := af.apply(e, &opt); err != nil {
		return err
	}
	p, err := letter.Prepare(e.ctx, s)
	if err != nil {
		return err
	}
	var l *data.Letter
	var pdf []byte
	var tmp string
	err = s.Update(e.ctx, func(t *data.Tx) error {
		if l, pdf, err = p.Issue(t, c.Number, opt); err != nil {
			return err
		}
		if *out != "" { // written before the commit: a folder that cannot take it refuses the letter
			tmp, err = writeTemp(*out, pdf)
		}
		return err
	})
	if err != nil {
		if tmp != "" {
			os.Remove(tmp)
		}
		return err
	}
	if *out != "" {
		if err := os.Rename(tmp, *out); err != nil {
			os.Remove(tmp)
			return &data.Problem{Key: "letter.err_write_file", Args: map[string]string{"path": *out, "letter": l.Number}, Err: err}
		}
	}
	if *doPrint {
		if l, err = e.printLetters(s, []*data.Letter{l}, []printer.Document{{Name: l.Number, PDF: pdf}}, *queue, *asJSON); err != nil {
			return err
		}
	}
	if *asJSON {
		return e.json(l)
	}
	if *out != "" {
		e.say("letter.cli.issued", "letter", l.Number, "number", c.Number, "path", *out,
			"size", fmt.Sprint((l.Size+1023)/1024), "sha", l.SHA256)
	} else {
		e.say("letter.cli.kept", "letter", l.Number, "number", c.Number, "sha", l.SHA256)
	}
	if l.Signer != "" {
		e.say("letter.cli.signed", "signer", l.Signer)
	}
	return nil
}

// writeWhole writes b to path whole or not at all (data.WriteWhole).
func writeWhole(path string, b []byte) error {
	return data.WriteWhole(path, func(f *os.File) error {
		_, err := f.Write(b)
		return err
	})
}

// writeTemp writes b beside path under a temporary name, flushed to disk, for a letter
// written before its transaction commits and renamed into place after.
func writeTemp(path string, b []byte) (string, error) {
	f, err := data.TempBeside(path)
	if err != nil {
		return "", &data.Problem{Key: "letter.err_write_file", Args: map[string]string{"path": path, "letter": ""}, Err: err}
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", &data.Problem{Key: "letter.err_write_file", Args: map[string]string{"path": path, "letter": ""}, Err: err}
	}
	return f.Name(), nil
}

// printLetters sends letters to the printer as one job and, when the system printed
// them (CUPS, Windows), records each as printed. It returns the last letter as it now
// stands.
func (e *env) printLetters(s *data.Store, ls []*data.Letter, docs []printer.Document, queue string, quiet bool) (*data.Letter, error) {
	// each letter is its own job, named by its number in the printer's queue
	job, err := printer.Print(e.ctx, docs, printer.Options{Queue: queue})
	if err != nil {
		return nil, err
	}
	last := ls[len(ls)-1]
	if !job.Method.Printed() {
		if !quiet {
			e.say("letter.cli.opened")
		}
		return last, nil
	}
	err = s.Update(e.ctx, func(t *data.Tx) error {
		for _, l := range ls {
			if last, err = t.MarkLetterPrinted(l.ID, job.Queue); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !quiet {
		e.say("letter.cli.printed", "count", e.num(len(ls)), "queue", job.Queue, "job", job.ID)
	}
	return last, nil
}

func letterList(e *env, args []string) error {
	fs := flag.NewFlagSet("letter list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	s, c, err := e.caseArg(fs, args)
	if err != nil {
		return err
	}
	defer s.Close()
	ls, err := s.Letters(e.ctx, c.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(ls)
	}
	if len(ls) == 0 {
		e.say("letter.cli.none", "number", c.Number)
		return nil
	}
	e.showLetters(ls)
	return nil
}

func (e *env) showLetters(ls []*data.Letter) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{e.t("letter.field.letter"), e.t("letter.field.issued"), e.t("letter.field.language"),
		e.t("letter.field.status"), e.t("letter.field.signer"), "SHA-256"}, "\t"))
	for _, l := range ls {
		fmt.Fprintln(tw, strings.Join([]string{l.Number, e.dateTime(l.IssuedAt), e.t(letter.LanguageKey(l.Language)),
			e.t(letter.StatusKey(l.Status)), term(l.Signer), l.SHA256[:16] + "…"}, "\t"))
	}
	tw.Flush()
}

func letterCopy(e *env, args []string) error {
	fs := flag.NewFlagSet("letter copy", flag.ContinueOnError)
	out := fs.String("out", "", "")
	w, s, err := e.openWith(fs, args, 1)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := e.required("out", *out); err != nil {
		return err
	}
	l, err := s.GetLetter(e.ctx, w[0])
	if err != nil {
		return err
	}
	pdf, err := s.LetterPDF(e.ctx, l)
	if err != nil {
		return err
	}
	if err := writeWhole(*out, pdf); err != nil {
		return &data.Problem{Key: "letter.err_write_file", Args: map[string]string{"path": *out, "letter": l.Number}, Err: err}
	}
	e.say("letter.cli.copied", "letter", l.Number, "path", *out, "sha", l.SHA256)
	return nil
}

// letterPrint prints kept letters again, byte for byte as issued: the ones named, or
// every letter issued today (--today) or on a day (--day DATE).
func letterPrint(e *env, args []string) error {
	fs := flag.NewFlagSet("letter print", flag.ContinueOnError)
	today := fs.Bool("today", false, "")
	day := fs.String("day", "", "")
	unprinted := fs.Bool("unprinted", false, "")
	queue := fs.String("printer", "", "")
	fs.SetOutput(io.Discard)
	var refs []string
	rest := args
	for { // letter numbers and flags in any order
		if err := fs.Parse(rest); err != nil {
			return &usageError{e.t("cli.bad_flag", "detail", err.Error())}
		}
		if fs.NArg() == 0 {
			break
		}
		refs, rest = append(refs, fs.Arg(0)), fs.Args()[1:]
	}
	if *today {
		*day = "today"
	}
	if len(refs) == 0 && *day == "" {
		return &usageError{e.t("cli.missing_flag", "flag", "--today")}
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	var ls []*data.Letter
	if *day != "" {
		d := *day
		if d == "today" {
			d = data.Today(s.Now())
		}
		if ls, err = s.LettersIssuedOn(e.ctx, d); err != nil {
			return err
		}
	}
	for _, r := range refs {
		l, err := s.GetLetter(e.ctx, r)
		if err != nil {
			return err
		}
		ls = append(ls, l)
	}
	var docs []printer.Document
	var keep []*data.Letter
	for _, l := range ls {
		if *unprinted && l.Prints > 0 {
			continue
		}
		pdf, err := s.LetterPDF(e.ctx, l)
		if err != nil {
			return err
		}
		docs, keep = append(docs, printer.Document{Name: l.Number, PDF: pdf}), append(keep, l)
	}
	if len(keep) == 0 {
		e.say("letter.cli.nothing_to_print")
		return nil
	}
	_, err = e.printLetters(s, keep, docs, *queue, false)
	return err
}

func letterSent(e *env, args []string) error {
	fs := flag.NewFlagSet("letter sent", flag.ContinueOnError)
	via := fs.String("via", "", "")
	at := fs.String("at", "", "")
	w, err := e.parse(fs, args, 1)
	if err != nil {
		return err
	}
	when, err := optTime(*at)
	if err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	var l *data.Letter
	err = s.Update(e.ctx, func(t *data.Tx) error {
		l, err = t.MarkLetterSent(w[0], when, *via)
		return err
	})
	if err != nil {
		return err
	}
	e.say("letter.cli.sent", "letter", l.Number, "date", e.dateTime(*l.SentAt))
	return nil
}

// batchChunk is how many letters go into one transaction of a batch: large enough that
// committing is a small part of the work, small enough that a clerk saving a case at
// the same time waits a fraction of a second, not the whole batch.
const batchChunk = 100

// letterBatch issues a letter for every case of a filtered list that has its reply and
// no letter yet (all of them with --again).
func letterBatch(e *env, args []string) error {
	fs := flag.NewFlagSet("letter batch", flag.ContinueOnError)
	ff := addFilterFlags(fs)
	lang := fs.String("language", "", "")
	sf := addSignerFlags(fs)
	af := addArchiveFlags(fs)
	visible := fs.Bool("visible-signature", false, "")
	outDir := fs.String("out-dir", "", "")
	again := fs.Bool("again", false, "")
	limit := fs.Int("limit", 0, "")
	doPrint := fs.Bool("print", false, "")
	queue := fs.String("printer", "", "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	ll, err := letterLanguage(*lang)
	if err != nil {
		return err
	}
	signer, err := sf.open(e, s)
	if err != nil {
		return err
	}
	defer sf.card.close()
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return &data.Problem{Key: "letter.err_write_file", Args: map[string]string{"path": *outDir, "letter": ""}, Err: err}
		}
	}
	f := ff.filter()
	if len(f.Statuses) == 0 {
		f.Statuses = []data.Status{data.StatusAnswered, data.StatusClosed}
	}
	var refs []string
	err = s.Each(e.ctx, f, func(c *data.Case) error {
		if strings.TrimSpace(c.Reply.Text) != "" && (*limit <= 0 || len(refs) < *limit) {
			refs = append(refs, c.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !*again {
		todo := refs[:0]
		for _, id := range refs {
			ls, err := s.Letters(e.ctx, id)
			if err != nil {
				return err
			}
			if len(ls) == 0 {
				todo = append(todo, id)
			}
		}
		refs = todo
	}
	p, err := letter.Prepare(e.ctx, s)
	if err != nil {
		return err
	}
	opt := letter.Options{Language: ll, Signer: signer, Visible: *visible}
	if err := af.apply(e, &opt); err != nil {
		return err
	}
	var issued []*data.Letter
	var docs []printer.Document
	progress := newProgress(e, len(refs))
	for start := 0; start < len(refs); start += batchChunk {
		chunk := refs[start:min(start+batchChunk, len(refs))]
		var ls []*data.Letter
		var pdfs [][]byte
		err := s.Update(e.ctx, func(t *data.Tx) error {
			var err error
			ls, pdfs, err = p.IssueBatch(t, chunk, opt)
			return err
		})
		if err != nil {
			if len(issued) > 0 {
				e.say("letter.cli.batch_partial", "count", e.num(len(issued)))
			}
			return err
		}
		for i, l := range ls {
			if *outDir != "" {
				path := filepath.Join(*outDir, strings.ReplaceAll(l.Number, "/", "-")+".pdf")
				if err := os.WriteFile(path, pdfs[i], 0o644); err != nil {
					return &data.Problem{Key: "letter.err_write_file", Args: map[string]string{"path": path, "letter": l.Number}, Err: err}
				}
			}
			if *doPrint {
				docs = append(docs, printer.Document{Name: l.Number, PDF: pdfs[i]})
			}
		}
		issued = append(issued, ls...)
		if len(refs) > batchChunk {
			progress(len(issued), len(refs))
		}
	}
	e.say("letter.cli.batch_done", "count", e.num(len(issued)))
	if *doPrint && len(issued) > 0 {
		_, err = e.printLetters(s, issued, docs, *queue, false)
	}
	return err
}

// letterTemplate lists, shows, sets and resets the office's letter templates.
func letterTemplate(e *env, args []string) error {
	if len(args) == 0 {
		return &usageError{e.t("letter.cli.template_usage")}
	}
	fs := flag.NewFlagSet("letter template", flag.ContinueOnError)
	lang := fs.String("language", "", "")
	text := fs.String("text", "", "")
	file := fs.String("file", "", "")
	asJSON := fs.Bool("json", false, "")
	verb := args[0]
	words := map[string]int{"list": 0, "show": 1, "set": 1, "reset": 1}
	n, ok := words[verb]
	if !ok {
		return &usageError{e.t("letter.cli.template_usage")}
	}
	w, s, err := e.openWith(fs, args[1:], n)
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := letter.Prepare(e.ctx, s)
	if err != nil {
		return err
	}
	tpl := p.Templates()
	if verb == "list" {
		return e.listTemplates(tpl, *asJSON)
	}
	l := data.Language(*lang)
	if !l.Valid() {
		return data.Problemf("letter.err_language", "language", *lang)
	}
	switch verb {
	case "show":
		fmt.Fprintln(e.stdout, strings.Join(termLines(tpl.Text(w[0], l)), "\n"))
		return nil
	case "set":
		if *file != "" {
			b, err := os.ReadFile(*file)
			if err != nil {
				return &data.Problem{Key: "err.read_file", Args: map[string]string{"path": *file}, Err: err}
			}
			*text = string(b)
		}
		if strings.TrimSpace(*text) == "" {
			return &usageError{e.t("cli.missing_flag", "flag", "--text")}
		}
	case "reset":
		*text = ""
	}
	err = s.Update(e.ctx, func(t *data.Tx) error { return t.SetLetterTemplate(w[0], l, *text) })
	if err != nil {
		return err
	}
	e.say("letter.cli.template_saved", "name", w[0], "language", string(l))
	return nil
}

func (e *env) listTemplates(tpl letter.Templates, asJSON bool) error {
	names := append(data.LetterTemplateNames(), tpl.Phrases()...)
	if asJSON {
		out := map[string]map[string]string{}
		for _, n := range names {
			out[n] = map[string]string{"it": tpl.Text(n, data.Italian), "de": tpl.Text(n, data.German)}
		}
		return e.json(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, n := range names {
		for _, l := range []data.Language{data.Italian, data.German} {
			text := tpl.Text(n, l)
			origin := e.t("letter.cli.template_default")
			if text != letter.Default(n, l) {
				origin = e.t("letter.cli.template_office")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n, l, origin, cut(term(strings.ReplaceAll(text, "\n", " ⏎ ")), 70))
		}
	}
	return tw.Flush()
}

// letterSettings shows the letter settings and changes those given as flags (an empty
// value goes back to the default).
func letterSettings(e *env, args []string) error {
	fs := flag.NewFlagSet("letter settings", flag.ContinueOnError)
	flags := map[string]*string{}
	for _, k := range data.LetterSettingKeys {
		flags[k] = fs.String(strings.ReplaceAll(k, "_", "-"), "", "")
	}
	asJSON := fs.Bool("json", false, "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		if k := strings.ReplaceAll(f.Name, "-", "_"); flags[k] != nil {
			set[k] = f.Value.String()
		}
	})
	images := map[string][]byte{}
	for _, k := range []string{data.SettingLogo, data.SettingSignatureImage} {
		if path, ok := set[k]; ok {
			delete(set, k)
			if path == "" {
				images[k] = nil
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return &data.Problem{Key: "err.read_file", Args: map[string]string{"path": path}, Err: err}
			}
			images[k] = b
		}
	}
	if len(set)+len(images) > 0 {
		err = s.Update(e.ctx, func(t *data.Tx) error {
			keys := make([]string, 0, len(set))
			for k := range set {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if err := t.SetLetterSetting(k, set[k]); err != nil {
					return err
				}
			}
			for k, b := range images {
				if err := t.SetLetterImage(k, b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	ls, err := s.LetterSettings(e.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(ls)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, row := range [][2]string{{data.SettingSigner, ls.Signer}, {data.SettingRoleIT, ls.RoleIT}, {data.SettingRoleDE, ls.RoleDE},
		{data.SettingPlaceIT, ls.PlaceIT}, {data.SettingPlaceDE, ls.PlaceDE}, {data.SettingWindow, ls.Window},
		{data.SettingContact, ls.Contact}, {data.SettingVisibleSignature, fmt.Sprint(ls.VisibleSignature)},
		{data.SettingLogo, ls.Logo}, {data.SettingSignatureImage, ls.SignatureImage},
		{data.SettingTSA, ls.TSA}, {data.SettingPDFA, fmt.Sprint(ls.PDFA)}} {
		v := row[1]
		if v == "" {
			v = "(" + e.t("letter.cli.template_default") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\n", strings.ReplaceAll(row[0], "_", "-"), term(v))
	}
	return tw.Flush()
}

// cmdExtract prints the register's filtered list as a PDF table.
func cmdExtract(e *env, args []string) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	out := fs.String("out", "", "")
	lang := fs.String("language", "", "")
	query := fs.String("query", "", "")
	ff := addFilterFlags(fs)
	sortBy := fs.String("sort", "", "")
	desc := fs.Bool("desc", false, "")
	limit := fs.Int("limit", extract.MaxRows, "")
	doPrint := fs.Bool("print", false, "")
	queue := fs.String("printer", "", "")
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	if *out == "" && !*doPrint {
		return &usageError{e.t("cli.missing_flag", "flag", "--out")}
	}
	if *lang == "" {
		*lang = e.lang
	}
	f := ff.filter()
	f.Query, f.Sort, f.Desc = *query, data.SortKey(*sortBy), *desc
	pdf, n, err := extract.Render(e.ctx, s, extract.Options{Language: *lang, Filter: f, Limit: *limit})
	if err != nil {
		return err
	}
	if *out != "" {
		if err := writeWhole(*out, pdf); err != nil {
			return &data.Problem{Key: "letter.err_write_file", Args: map[string]string{"path": *out, "letter": ""}, Err: err}
		}
		e.say("letter.cli.extract_done", "count", e.num(n), "path", *out)
	}
	if *doPrint {
		job, err := printer.Print(e.ctx, []printer.Document{{Name: "extract", PDF: pdf}}, printer.Options{Queue: *queue, Title: e.t("letter.extract.title")})
		if err != nil {
			return err
		}
		if job.Method.Printed() {
			e.say("letter.cli.printed", "count", "1", "queue", job.Queue, "job", job.ID)
		} else {
			e.say("letter.cli.opened")
		}
	}
	return nil
}
