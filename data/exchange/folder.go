package exchange

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"
)

// Entry is one name in a folder of the share.
type Entry struct {
	Name    string
	Size    int64
	ModTime time.Time
	Dir     bool
}

// Folder is the shared exchange folder as the engine uses it. Paths are slash-separated
// and relative to the folder's root; the simulation puts a fake share behind it.
type Folder interface {
	// List lists dir ("" = root); a folder that does not exist gives an error wrapping
	// fs.ErrNotExist.
	List(dir string) ([]Entry, error)
	// Open opens a file for reading, refusing what is not a regular file (a FIFO, a
	// device, a socket, a symbolic link: ReasonNotRegular) and what is larger than limit
	// (ReasonTooBig) before reading a byte. It never waits for a writer: whatever the
	// folder holds, it returns at once.
	Open(ctx context.Context, path string, limit int64) (Reader, error)
	// WriteNew writes under a temporary name in the same folder (".tmp-…"), flushes it
	// to disk and renames it into place; if path exists it returns fs.ErrExist and
	// writes nothing (files in the exchange are never overwritten).
	WriteNew(path string, b []byte) error
	// Replace writes the same way but over an existing file: only for this office's own
	// office.json and ack.json.
	Replace(path string, b []byte) error
	Remove(path string) error
	MkdirAll(dir string) error
}

// TempPrefix starts the names of files being written; others skip them while young.
const TempPrefix = ".tmp-"

// Reader is a file of the folder opened for reading: its size was fixed when it was
// opened, and nothing past it is read.
type Reader interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// OSFolder is a folder of the file system (a mapped drive, a mounted share, a folder
// kept in step by Syncthing).
func OSFolder(root string) Folder { return osFolder{root: root} }

type osFolder struct{ root string }

func (f osFolder) abs(p string) string {
	return filepath.Join(f.root, filepath.FromSlash(path.Clean("/"+p)))
}

func (f osFolder) List(dir string) ([]Entry, error) {
	des, err := os.ReadDir(f.abs(dir))
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(des))
	for _, d := range des {
		info, err := d.Info()
		if err != nil {
			continue // removed between reading the folder and looking at the file
		}
		out = append(out, Entry{Name: d.Name(), Size: info.Size(), ModTime: info.ModTime(), Dir: d.IsDir()})
	}
	return out, nil
}

// Open looks at the name before opening it (Lstat: a symbolic link is refused, not
// followed), opens it so that a FIFO put there meanwhile cannot block (openFile), and
// checks that what it opened is the regular file it looked at.
//
// Symbolic links are refused whatever they point to: the exchange writes none, nor do
// Syncthing or SMB shares, so one in the folder was put there by hand; following it
// could read anything the office's account can (a device, a pipe, a file outside the
// folder), and telling "inside the folder" safely would race with whoever made it.
func (f osFolder) Open(ctx context.Context, p string, limit int64) (Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	abs := f.abs(p)
	fi, err := os.Lstat(abs)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(p, fi.Mode())
	}
	if fi.Size() > limit {
		return nil, &FileError{Reason: ReasonTooBig, Path: p, Detail: fmt.Sprintf("%d bytes", fi.Size())}
	}
	h, err := openFile(abs)
	if err != nil {
		return nil, err
	}
	st, err := h.Stat()
	if err != nil {
		h.Close()
		return nil, err
	}
	switch {
	case !st.Mode().IsRegular():
		h.Close()
		return nil, notRegular(p, st.Mode())
	case !os.SameFile(fi, st):
		// Replaced between the look and the opening: the next look sees what is there.
		h.Close()
		return nil, &fs.PathError{Op: "open", Path: p, Err: errReplaced}
	case st.Size() > limit:
		h.Close()
		return nil, &FileError{Reason: ReasonTooBig, Path: p, Detail: fmt.Sprintf("%d bytes", st.Size())}
	}
	return osReader{File: h, size: st.Size()}, nil
}

var errReplaced = errors.New("replaced while being opened")

func notRegular(p string, m fs.FileMode) error {
	return &FileError{Reason: ReasonNotRegular, Path: p, Detail: m.Type().String()}
}

type osReader struct {
	*os.File
	size int64
}

func (r osReader) Size() int64 { return r.size }

// writeTemp writes b to a new temporary file beside p and flushes it to the disk.
func (f osFolder) writeTemp(p string, b []byte) (string, error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	abs := f.abs(p)
	tmp := filepath.Join(filepath.Dir(abs), TempPrefix+hex.EncodeToString(rnd[:])+"-"+filepath.Base(abs))
	h, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return "", err
	}
	_, err = h.Write(b)
	if err == nil {
		err = h.Sync()
	}
	if cerr := h.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

func (f osFolder) WriteNew(p string, b []byte) error {
	abs := f.abs(p)
	if _, err := os.Lstat(abs); err == nil {
		return &fs.PathError{Op: "create", Path: p, Err: fs.ErrExist}
	}
	tmp, err := f.writeTemp(p, b)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := linkNew(tmp, abs); err != nil {
		return err
	}
	syncDir(filepath.Dir(abs))
	return nil
}

func (f osFolder) Replace(p string, b []byte) error {
	tmp, err := f.writeTemp(p, b)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, f.abs(p)); err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(f.abs(p)))
	return nil
}

func (f osFolder) Remove(p string) error { return os.Remove(f.abs(p)) }

func (f osFolder) MkdirAll(dir string) error { return os.MkdirAll(f.abs(dir), 0o777) }

// syncDir makes a rename durable where the system allows it (not on Windows, nor on
// every share: best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// isNotExist tells a missing file from a folder that cannot be reached.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
