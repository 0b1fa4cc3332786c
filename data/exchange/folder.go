package exchange

import (
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
	Read(path string) ([]byte, error)
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

// maxRead is the most Read takes from one file: more than any valid exchange file or
// snapshot, so that a huge file on the share cannot exhaust memory.
const maxRead = MaxSnapshotSize + 1<<20

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

func (f osFolder) Read(p string) ([]byte, error) {
	h, err := os.Open(f.abs(p))
	if err != nil {
		return nil, err
	}
	defer h.Close()
	b, err := io.ReadAll(io.LimitReader(h, maxRead+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxRead {
		return nil, &FileError{Reason: ReasonTooBig, Path: p, Detail: fmt.Sprintf("> %d bytes", maxRead)}
	}
	return b, nil
}

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
