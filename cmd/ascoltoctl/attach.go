package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"ascolto/data"
	"ascolto/data/safefile"
)

// The files of a case: kept with it here, or on their way from another office through
// the shared folder. Each goes through the one write path (data.Tx.Attach), so a file
// kept from the command line is recorded, audited and exchanged as the window's are.
func init() {
	register(command{"attach", "attach REF FILE [--name NAME] [--json]", cmdAttach})
	register(command{"attachments", "attachments REF [--json]", cmdAttachments})
	register(command{"attachment", "attachment save REF ID --out FILE [--force]", cmdAttachment})
}

func cmdAttach(e *env, args []string) error {
	fs := flag.NewFlagSet("attach", flag.ContinueOnError)
	name := fs.String("name", "", "")
	asJSON := fs.Bool("json", false, "")
	w, err := e.parse(fs, args, 2)
	if err != nil {
		return err
	}
	ref, path := w[0], w[1]
	if *name == "" {
		*name = filepath.Base(path)
	}
	content, err := readAttachment(path, *name)
	if err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	var a *data.Attachment
	err = s.Update(e.ctx, func(tx *data.Tx) error {
		var err error
		a, err = tx.Attach(ref, *name, mimeOf(*name, content), content)
		return err
	})
	if err != nil {
		return err
	}
	c, err := s.Get(e.ctx, a.CaseID)
	if err != nil {
		return err
	}
	if *asJSON {
		f, err := caseFile(e, s, c, a.ID)
		if err != nil {
			return err
		}
		return e.json(f)
	}
	e.say("cli.attach.added", "name", a.Name, "size", e.size(a.Size), "number", c.Number, "id", a.ID, "sha", a.SHA256)
	return nil
}

// readAttachment reads the file to keep, refusing one larger than the register keeps
// before reading it whole (a disk image given by mistake must not fill the memory).
func readAttachment(path, name string) ([]byte, error) {
	readErr := func(err error) error {
		return &data.Problem{Key: "err.read_file", Args: map[string]string{"path": path}, Err: err}
	}
	// Looked at before it is opened: opening a FIFO would wait for a writer for ever.
	if st, err := os.Stat(path); err != nil {
		return nil, readErr(err)
	} else if !st.Mode().IsRegular() {
		return nil, data.Problemf("err.attach_not_file", "path", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, readErr(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, readErr(err)
	}
	if !st.Mode().IsRegular() { // replaced between the look and the opening
		return nil, data.Problemf("err.attach_not_file", "path", path)
	}
	tooBig := data.Problemf("err.attachment_size", "name", name, "max", fmt.Sprint(data.MaxAttachment>>20))
	if st.Size() > data.MaxAttachment {
		return nil, tooBig
	}
	// The file may grow while it is read (a scanner still writing): the limit holds for
	// what is read, not only for what Stat said.
	content, err := io.ReadAll(io.LimitReader(f, data.MaxAttachment+1))
	if err != nil {
		return nil, readErr(err)
	}
	if len(content) > data.MaxAttachment {
		return nil, tooBig
	}
	return content, nil
}

// mimeOf names the file's type: by its extension as the window's file chooser does,
// else by its first bytes.
func mimeOf(name string, content []byte) string {
	t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
	if t == "" {
		t = http.DetectContentType(content)
	}
	if m, _, err := mime.ParseMediaType(t); err == nil {
		return m
	}
	return "application/octet-stream"
}

// caseFile finds one file of a case as `attachments` lists it.
func caseFile(e *env, s *data.Store, c *data.Case, id string) (*data.CaseFile, error) {
	files, err := s.CaseFiles(e.ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for i := range files {
		if strings.EqualFold(files[i].ID, strings.TrimSpace(id)) {
			return &files[i], nil
		}
	}
	return nil, data.Problemf("err.attach_unknown", "number", c.Number, "id", id)
}

func cmdAttachments(e *env, args []string) error {
	fs := flag.NewFlagSet("attachments", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	s, c, err := e.caseArg(fs, args)
	if err != nil {
		return err
	}
	defer s.Close()
	files, err := s.CaseFiles(e.ctx, c.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		if files == nil {
			files = []data.CaseFile{} // an array, also when there is none
		}
		return e.json(files)
	}
	if len(files) == 0 {
		e.say("cli.attach.none", "number", c.Number)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{e.t("cli.attach.col.id"), e.t("cli.attach.col.name"), e.t("cli.attach.col.type"),
		e.t("cli.attach.col.size"), e.t("cli.attach.col.office"), e.t("cli.attach.col.state"), "SHA-256"}, "\t"))
	for _, f := range files {
		// Every value may come from another office's file: none reaches the terminal raw.
		fmt.Fprintln(tw, strings.Join([]string{term(f.ID), cut(term(f.Name), 40), term(f.MIME), e.size(f.Size), term(f.Origin),
			e.fileState(f), term(f.SHA256)}, "\t"))
	}
	return tw.Flush()
}

// fileState says in words whether a file is here, and why one is not.
func (e *env) fileState(f data.CaseFile) string {
	switch f.State {
	case data.FileArrived:
		return e.t("cli.attach.state.arrived")
	case data.FileNotTaken:
		return e.t("cli.attach.state.not_taken")
	}
	why := map[string]string{
		"missing":    "cli.attach.reason.missing",
		"size":       "cli.attach.reason.incomplete",
		"hash":       "cli.attach.reason.damaged",
		"unreadable": "cli.attach.reason.unreadable",
		"budget":     "cli.attach.reason.budget",
	}[f.Reason]
	var notes []string
	if why != "" {
		notes = append(notes, e.t(why))
	}
	if f.Passes >= lateFilePasses {
		notes = append(notes, e.t("cli.attach.late", "n", e.num(f.Passes)))
	}
	if len(notes) == 0 {
		return e.t("cli.attach.state.arriving")
	}
	return e.t("cli.attach.state.arriving") + " (" + strings.Join(notes, "; ") + ")"
}

// lateFilePasses is when the exchange lists a file that has not come as late
// (exchange.Config.FilesPasses, default).
const lateFilePasses = 60

func cmdAttachment(e *env, args []string) error {
	if len(args) == 0 || args[0] != "save" {
		return &usageError{e.t("cli.attach.sub")}
	}
	fs := flag.NewFlagSet("attachment save", flag.ContinueOnError)
	out := fs.String("out", "", "")
	force := fs.Bool("force", false, "")
	w, err := e.parse(fs, args[1:], 2)
	if err != nil {
		return err
	}
	if err := e.required("out", *out); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	c, err := s.Get(e.ctx, w[0])
	if err != nil {
		return err
	}
	f, err := caseFile(e, s, c, w[1])
	if err != nil {
		return err
	}
	switch f.State {
	case data.FileArrived:
	case data.FileNotTaken:
		return data.Problemf("err.attach_not_taken", "name", f.Name, "number", c.Number, "office", f.Origin)
	default:
		return data.Problemf("err.attach_arriving", "name", f.Name, "number", c.Number, "office", f.Origin)
	}
	content, err := s.CaseFileContent(e.ctx, f.SHA256)
	if err != nil {
		return err
	}
	if err := saveNew(*out, content, *force); err != nil {
		return err
	}
	e.say("cli.attach.saved", "name", f.Name, "path", *out, "sha", f.SHA256)
	return nil
}

// saveNew writes a file from outside where the clerk asked: whole or not at all (a
// temporary file beside it, flushed, then put in place), readable by the clerk alone
// and marked as coming from outside (safefile). An existing file is replaced only with
// force; without, the file is put in place by a hard link, which fails if another
// program made the name meanwhile, so nothing is overwritten even then.
func saveNew(path string, content []byte, force bool) error {
	writeErr := func(err error) error {
		return &data.Problem{Key: "err.attach_write", Args: map[string]string{"path": path}, Err: err}
	}
	exists := data.Problemf("err.attach_exists", "path", path)
	if fi, err := os.Lstat(path); err == nil {
		if !force {
			return exists
		}
		if !fi.Mode().IsRegular() {
			return data.Problemf("err.attach_not_file", "path", path) // never through a link or into a device
		}
	}
	tmp, err := data.TempBeside(path)
	if err != nil {
		return writeErr(err)
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(content); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return writeErr(err)
	}
	_ = safefile.Mark(tmp.Name()) // the mark moves with the file; a volume without marks keeps none
	if force {
		err = os.Rename(tmp.Name(), path)
	} else if err = os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		// A volume without hard links (FAT, some shares): look once more, then rename.
		if _, serr := os.Lstat(path); serr == nil {
			return exists
		}
		err = os.Rename(tmp.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return exists
	}
	if err != nil {
		return writeErr(err)
	}
	data.SyncDir(filepath.Dir(path))
	return nil
}

// size writes a file's size as the window's case view does (kB and MB of 1024), in
// the way the reader's language writes numbers.
func (e *env) size(n int64) string {
	p := message.NewPrinter(language.Make(e.lang))
	switch {
	case n < 1<<10:
		return e.t("cli.attach.bytes", "n", p.Sprintf("%d", n))
	case n < 1<<20:
		return p.Sprintf("%.0f kB", float64(n)/(1<<10))
	default:
		return p.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
}
