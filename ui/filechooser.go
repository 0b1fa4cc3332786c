package ui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/storage/repository"

	"ascolto/data"
)

// Every file chooser of the window is made here, and none of them ever lists the open
// register's own files (register.ascolto, its -wal and -shm, and the files made beside
// it). Fyne's chooser guesses the type of each file it shows whose ending it does not
// know (".ascolto", ".ascolto-wal", ".p12", ".eml"...) by opening it and reading its
// first line, and on Unix closing any descriptor of a file drops every POSIX lock the
// process holds on it, SQLite's included: another program then took the register for
// unused and deleted its WAL under the window (docs/register.md, "Why no other code
// opens the register's files"). A file the chooser does not list is never opened: not
// to guess its type, not to draw its icon, and it cannot be picked (Fyne opens the
// picked file before handing it over). The folder itself may still be browsed.
//
// Behind the filter, Fyne's own file repository is wrapped (guardFiles) so that it
// refuses to read, write or delete the register's files by any way at all: a name typed
// into a save chooser, a drop, a copy. Writing would even truncate the register.

// fileOpen is dialog.NewFileOpen showing only files ending in one of exts (any file if
// none are given) and never the register's own.
func fileOpen(store *data.Store, exts []string, callback func(fyne.URIReadCloser, error), parent fyne.Window) *dialog.FileDialog {
	guardFiles(store)
	d := dialog.NewFileOpen(callback, parent)
	d.SetFilter(chooserFilter(store, exts))
	d.SetTitleText(fileDialogTitle(false))
	return d
}

// fileSave is dialog.NewFileSave with the same filter.
func fileSave(store *data.Store, exts []string, callback func(fyne.URIWriteCloser, error), parent fyne.Window) *dialog.FileDialog {
	guardFiles(store)
	d := dialog.NewFileSave(callback, parent)
	d.SetFilter(chooserFilter(store, exts))
	d.SetTitleText(fileDialogTitle(true))
	return d
}

// fileFilter is the chooser's filter: by the ending of the name, and never a file
// of the register. It looks at names and, for a name like the register's, at the
// folder with stat: it opens no file.
type fileFilter struct {
	exts     []string
	register string // the open register's path; empty: none open
}

func chooserFilter(store *data.Store, exts []string) *fileFilter {
	f := &fileFilter{exts: exts}
	if store != nil {
		f.register = store.Path()
	}
	return f
}

// Matches tells whether the chooser may list u.
func (f *fileFilter) Matches(u fyne.URI) bool {
	if u == nil || isRegisterFile(f.register, u.Path()) {
		return false
	}
	if len(f.exts) == 0 {
		return true
	}
	for _, ext := range f.exts {
		if strings.EqualFold(u.Extension(), ext) {
			return true
		}
	}
	return false
}

// isRegisterFile tells whether path is the register or one of the files SQLite and
// Ascolto keep beside it, all named after it (register.ascolto-wal, -shm, -journal,
// .lock, .creating...). Names are compared without regard to case, since Windows and
// macOS do not tell them apart; the folders by identity, so that another spelling of
// the same folder (a link, a mapped drive) is caught too.
func isRegisterFile(register, path string) bool {
	if register == "" || path == "" {
		return false
	}
	base := filepath.Base(register)
	name := filepath.Base(path)
	if len(name) < len(base) || !strings.EqualFold(name[:len(base)], base) {
		return false
	}
	dir, regDir := filepath.Dir(path), filepath.Dir(register)
	if filepath.Clean(dir) == filepath.Clean(regDir) {
		return true
	}
	a, errA := os.Stat(dir)
	b, errB := os.Stat(regDir)
	return errA == nil && errB == nil && os.SameFile(a, b)
}

// fileRepository is what Fyne's repository for file:// URIs offers that the window uses.
type fileRepository interface {
	repository.WritableRepository
	repository.ListableRepository
	repository.HierarchicalRepository
}

// guardedFiles is Fyne's file repository refusing the open register's files.
type guardedFiles struct {
	fileRepository
	register atomic.Value // string: the open register's path
	refused  atomic.Int64 // how often Fyne was refused, for the log and the tests
}

// errRegisterFile is what Fyne gets when it tries to open one of the register's files.
var errRegisterFile = errors.New("the register's files are opened by the register only")

// guardFiles puts guardedFiles in front of Fyne's file repository (once) and tells it
// which register is open now.
func guardFiles(store *data.Store) {
	path := ""
	if store != nil {
		path = store.Path()
	}
	guardMu.Lock()
	defer guardMu.Unlock()
	cur, err := repository.ForURI(storage.NewFileURI("/"))
	if err != nil {
		return
	}
	g, ok := cur.(*guardedFiles)
	if !ok {
		fr, ok := cur.(fileRepository)
		if !ok {
			return
		}
		g = &guardedFiles{fileRepository: fr}
		repository.Register("file", g)
	}
	g.register.Store(path)
}

var guardMu sync.Mutex

func (g *guardedFiles) refuses(u fyne.URI) bool {
	p, _ := g.register.Load().(string)
	if u == nil || !isRegisterFile(p, u.Path()) {
		return false
	}
	g.refused.Add(1)
	fyne.LogError("not opened: "+u.Path(), errRegisterFile)
	return true
}

func (g *guardedFiles) Reader(u fyne.URI) (fyne.URIReadCloser, error) {
	if g.refuses(u) {
		return nil, errRegisterFile
	}
	return g.fileRepository.Reader(u)
}

func (g *guardedFiles) CanRead(u fyne.URI) (bool, error) {
	if g.refuses(u) {
		return false, nil
	}
	return g.fileRepository.CanRead(u)
}

func (g *guardedFiles) Writer(u fyne.URI) (fyne.URIWriteCloser, error) {
	if g.refuses(u) {
		return nil, errRegisterFile
	}
	return g.fileRepository.Writer(u)
}

func (g *guardedFiles) CanWrite(u fyne.URI) (bool, error) {
	if g.refuses(u) {
		return false, nil
	}
	return g.fileRepository.CanWrite(u)
}

func (g *guardedFiles) Delete(u fyne.URI) error {
	if g.refuses(u) {
		return errRegisterFile
	}
	return g.fileRepository.Delete(u)
}

func (g *guardedFiles) Appender(u fyne.URI) (fyne.URIWriteCloser, error) {
	a, ok := g.fileRepository.(repository.AppendableRepository)
	if !ok {
		return nil, repository.ErrOperationNotSupported
	}
	if g.refuses(u) {
		return nil, errRegisterFile
	}
	return a.Appender(u)
}
