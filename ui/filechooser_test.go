package ui

import (
	"context"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/storage/repository"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
)

// countingRepo records every file Fyne opens for reading through file:// URIs (to guess
// a type, to hand a chosen file over).
type countingRepo struct {
	fileRepository
	mu     sync.Mutex
	opened map[string]int
}

func (r *countingRepo) Reader(u fyne.URI) (fyne.URIReadCloser, error) {
	r.mu.Lock()
	r.opened[filepath.Base(u.Path())]++
	r.mu.Unlock()
	return r.fileRepository.Reader(u)
}

func (r *countingRepo) CanRead(u fyne.URI) (bool, error) {
	r.mu.Lock()
	r.opened[filepath.Base(u.Path())]++
	r.mu.Unlock()
	return r.fileRepository.CanRead(u)
}

func (r *countingRepo) reset() {
	r.mu.Lock()
	clear(r.opened)
	r.mu.Unlock()
}

func (r *countingRepo) seen() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.opened {
		out[k] = v
	}
	return out
}

// TestChoosersNeverOpenTheRegister browses the register's own folder with every kind of
// chooser the window has. The chooser opens files it shows to guess their type; it must
// never open the register's files, and the process must still hold SQLite's locks on
// the register afterwards.
func TestChoosersNeverOpenTheRegister(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	reg := filepath.Join(dir, "register.ascolto")
	s, err := data.Create(reg, data.Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, data.Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Create(context.Background(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: "Richiesta"}); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(reg + side); err != nil {
			t.Fatalf("the open register has no %s: %v", side, err)
		}
	}
	// Files a clerk keeps beside the register, of endings Fyne does not know.
	for _, name := range []string{"firma.p12", "posta.eml", "copia.ascolto", "allegato.x-scan"} {
		writeFile(t, filepath.Join(dir, name), "contenuto\n")
	}
	heldBefore := lastingLocks(t, reg)

	orig, err := repository.ForURI(storage.NewFileURI(dir))
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingRepo{fileRepository: orig.(fileRepository), opened: map[string]int{}}
	repository.Register("file", counter)
	defer repository.Register("file", orig)
	guardFiles(s) // in front of the counter, as every chooser puts it

	w := test.NewWindow(nil)
	defer w.Close()
	w.Resize(fyne.NewSize(1000, 700))
	loc, err := storage.ListerForURI(storage.NewFileURI(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		exts  []string
		shown string // a file the chooser lists and so opens, proving it looked
	}{
		{nil, "allegato.x-scan"},                // attachments: any file
		{[]string{".p12", ".pfx"}, "firma.p12"}, // certificates
		{[]string{".eml"}, "posta.eml"},         // mails
		{[]string{".ascolto"}, "copia.ascolto"}, // backups to restore
	} {
		counter.reset()
		refusedBefore := guardOf(t).refused.Load()
		d := fileOpen(s, c.exts, func(fyne.URIReadCloser, error) {}, w)
		d.SetLocation(loc)
		d.Resize(fyne.NewSize(900, 600))
		d.Show()
		w.Canvas().Capture() // draws the chooser and its items
		seen := counter.seen()
		d.Hide()
		// The system may know a type by its ending (.p12 in /etc/mime.types); then the
		// chooser need not open the file to tell.
		if seen[c.shown] == 0 && mime.TypeByExtension(filepath.Ext(c.shown)) == "" {
			t.Errorf("filter %v: the chooser did not look at %s (seen %v); the test proves nothing", c.exts, c.shown, seen)
		}
		for _, side := range []string{"", "-wal", "-shm"} {
			if n := seen["register.ascolto"+side]; n > 0 {
				t.Errorf("filter %v: the chooser opened register.ascolto%s %d times", c.exts, side, n)
			}
		}
		// The filter alone keeps the chooser away: the guard behind it had nothing to do.
		if n := guardOf(t).refused.Load() - refusedBefore; n > 0 {
			t.Errorf("filter %v: the chooser tried to open the register's files %d times", c.exts, n)
		}
	}
	if after := locksBack(t, reg, heldBefore); after < heldBefore {
		t.Errorf("the process held %d POSIX locks on the register before the choosers, %d after", heldBefore, after)
	}
}

// guardOf is the guard fileOpen put in front of Fyne's file repository.
func guardOf(t *testing.T) *guardedFiles {
	t.Helper()
	r, err := repository.ForURI(storage.NewFileURI("/"))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := r.(*guardedFiles)
	if !ok {
		t.Fatalf("Fyne's file repository is %T, not guarded", r)
	}
	return g
}

// TestFyneCannotOpenTheRegister: whatever way Fyne is asked to (a name typed into a save
// chooser, a dropped file), it neither reads, writes nor deletes the register's files,
// and the process keeps its locks; other files it handles as before.
func TestFyneCannotOpenTheRegister(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	reg := filepath.Join(dir, "register.ascolto")
	s, err := data.Create(reg, data.Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, data.Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Create(context.Background(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: "Richiesta"}); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(reg)
	if err != nil {
		t.Fatal(err)
	}
	held := lastingLocks(t, reg)
	w := test.NewWindow(nil)
	defer w.Close()
	fileSave(s, nil, func(fyne.URIWriteCloser, error) {}, w)

	for _, side := range []string{"", "-wal", "-shm"} {
		u := storage.NewFileURI(reg + side)
		if r, err := storage.Reader(u); err == nil {
			r.Close()
			t.Errorf("Fyne read register.ascolto%s", side)
		}
		if w, err := storage.Writer(u); err == nil {
			w.Close()
			t.Errorf("Fyne wrote register.ascolto%s", side)
		}
		if err := storage.Delete(u); err == nil {
			t.Errorf("Fyne deleted register.ascolto%s", side)
		}
		if mime := u.MimeType(); mime == "" {
			t.Errorf("no type for register.ascolto%s", side)
		}
	}
	after, err := os.Stat(reg)
	if err != nil || after.Size() != before.Size() {
		t.Fatalf("the register changed size: %d → %v %v", before.Size(), after, err)
	}
	if got := locksBack(t, reg, held); got < held {
		t.Errorf("the process held %d POSIX locks on the register, now %d", held, got)
	}
	other := filepath.Join(dir, "lettera.txt")
	wc, err := storage.Writer(storage.NewFileURI(other))
	if err != nil {
		t.Fatal(err)
	}
	wc.Write([]byte("testo"))
	wc.Close()
	if b, err := os.ReadFile(other); err != nil || string(b) != "testo" {
		t.Fatalf("another file: %q %v", b, err)
	}
	if _, err := s.Create(context.Background(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: "Dopo"}); err != nil {
		t.Fatalf("the register after Fyne's attempts: %v", err)
	}
}

func TestIsRegisterFile(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "register.ascolto")
	writeFile(t, reg, "")
	other := t.TempDir()
	link := filepath.Join(other, "link")
	linked := os.Symlink(dir, link) == nil
	for path, want := range map[string]bool{
		reg:                                      true,
		reg + "-wal":                             true,
		reg + "-shm":                             true,
		reg + ".lock":                            true,
		filepath.Join(dir, "REGISTER.ASCOLTO"):   true,
		filepath.Join(dir, "copia.ascolto"):      false,
		filepath.Join(dir, "register.asc"):       false,
		filepath.Join(other, "register.ascolto"): false,
		"":                                       false,
	} {
		if got := isRegisterFile(reg, path); got != want {
			t.Errorf("isRegisterFile(%q) = %v", path, got)
		}
	}
	if linked && !isRegisterFile(reg, filepath.Join(link, "register.ascolto-wal")) {
		t.Error("the register's WAL reached through a link to its folder is not recognised")
	}
	if isRegisterFile("", reg) {
		t.Error("with no register open, nothing is the register")
	}
}

// TestEveryChooserIsFiltered: a file chooser made anywhere but in filechooser.go would
// list, and so open, the register's files.
func TestEveryChooserIsFiltered(t *testing.T) {
	for _, glob := range []string{"*.go", "../cmd/ascolto/*.go"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "filechooser.go" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, call := range []string{"dialog.NewFileOpen(", "dialog.ShowFileOpen(", "dialog.NewFileSave(", "dialog.ShowFileSave("} {
				if strings.Contains(string(b), call) {
					t.Errorf("%s calls %s; use fileOpen or fileSave", f, call)
				}
			}
		}
	}
}

// lastingLocks is the fewest POSIX locks the process holds on the file over a fifth of
// a second: a lock a connection takes for a moment (a background step's read or write)
// is not one the register keeps, and counting it made a lock look lost when it had only
// been given back.
func lastingLocks(t *testing.T, path string) int {
	t.Helper()
	least := posixLocksOn(t, path)
	for range 10 {
		time.Sleep(20 * time.Millisecond)
		least = min(least, posixLocksOn(t, path))
	}
	return least
}

// locksBack is the POSIX locks on the file once there are want of them again, or what
// there are after three seconds: a lock a descriptor's close dropped does not come back.
func locksBack(t *testing.T, path string, want int) int {
	t.Helper()
	n := posixLocksOn(t, path)
	for start := time.Now(); n < want && time.Since(start) < 3*time.Second; n = posixLocksOn(t, path) {
		time.Sleep(20 * time.Millisecond)
	}
	return n
}
