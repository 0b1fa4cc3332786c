package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/safefile"
)

// openURL hands a file to the workstation's program for it (tests look at what would
// be opened instead).
var openURL = func(app fyne.App, u *url.URL) error { return app.OpenURL(u) }

// openFile writes the kept file, under a name that is safe on every system and marked
// as coming from outside, to a private temporary folder and opens it with the
// workstation's program for it. A program or a script is not opened, since opening it
// would run it: the clerk reads why and may save it (offerSave).
func (v *CaseView) openFile(a data.Attachment) {
	store := v.e.store
	v.openContent(a.Name, func() ([]byte, error) { return store.AttachmentContent(context.Background(), a.SHA256) })
}

// openContent opens a file as openFile does; load gives its bytes off the UI thread
// (the kept file, or the document inside a signed file: ui/signedfile.go).
func (v *CaseView) openContent(name string, load func() ([]byte, error)) {
	var path string
	var content []byte
	program := false
	v.e.background(func() error {
		var err error
		if content, err = load(); err != nil {
			return err
		}
		if program = safefile.Program(name, content); program {
			return nil
		}
		sum := sha256.Sum256(content)
		dir := filepath.Join(os.TempDir(), "ascolto-"+hex.EncodeToString(sum[:8]))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return data.Problemf("err.read_file", "path", dir)
		}
		path = filepath.Join(dir, safefile.Name(name))
		if err := safefile.WriteFile(path, content); err != nil {
			return data.Problemf("err.read_file", "path", path)
		}
		return nil
	}, func(err error) {
		switch {
		case err != nil:
			showError(v.e, err)
		case program:
			v.offerSave(name, content)
		default:
			u, _ := url.Parse(storage.NewFileURI(path).String())
			if v.e.app != nil && u != nil {
				if err := openURL(v.e.app, u); err != nil {
					inform(v.e, v.e.t("case.file_open"), v.e.t("case.file_saved_at", "path", path))
				}
			}
		}
	})
}

// offerSave says that the file is a program and can only be saved, and saves it where
// the clerk chooses, under a safe name and with the mark of the web.
func (v *CaseView) offerSave(original string, content []byte) {
	name := safefile.Name(original)
	msg := widget.NewLabel(v.e.t("case.file_program", "name", name))
	msg.Wrapping = fyne.TextWrapWord
	showDialog(v.e.win, v.e.t("case.file_program_title"), v.e.t("case.file_save"), v.e.t("case.file_cancel"),
		container420(msg), nil, func(save bool) {
			if save {
				v.saveFile(name, content)
			}
		})
}

func (v *CaseView) saveFile(name string, content []byte) {
	d := fileSave(v.e.store, nil, func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		u := w.URI()
		v.e.background(func() error {
			_, err := w.Write(content)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return &data.Problem{Key: "case.file_save_failed", Args: map[string]string{"path": u.Path()}, Err: err}
			}
			if u.Scheme() == "file" {
				_ = safefile.Mark(u.Path()) // best effort: a volume without streams keeps no mark
			}
			return nil
		}, func(err error) {
			if err != nil {
				showError(v.e, err)
				return
			}
			inform(v.e, v.e.t("case.file_program_title"), v.e.t("case.file_saved", "path", u.Path()))
		})
	}, v.e.win)
	d.SetFileName(name)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}
