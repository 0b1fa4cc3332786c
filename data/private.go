package data

import (
	"errors"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The register, its WAL, its backups and the office key hold citizens' personal data:
// only the account that runs Ascolto may read them. Files are created 0600 and folders
// 0700 by Ascolto itself, whatever the umask says; an existing register that others could
// read is narrowed when it is opened. On Windows the files live in the user's profile,
// whose ACL already keeps other accounts out, and Unix modes mean nothing there, so these
// functions only create files and folders.

const (
	privateFile fs.FileMode = 0o600
	privateDir  fs.FileMode = 0o700
)

// MkdirPrivate creates dir and any missing parent as 0700 (umask-independent). Folders
// that already exist are left as they are: they may be the user's own, shared ones.
func MkdirPrivate(dir string) error {
	if dir == "" {
		return nil
	}
	st, err := os.Stat(dir)
	if err == nil {
		if !st.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: fs.ErrExist}
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := MkdirPrivate(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, privateDir); err != nil {
		if errors.Is(err, fs.ErrExist) { // made meanwhile by another program
			return nil
		}
		return err
	}
	return chmodPrivate(dir, privateDir)
}

// CreatePrivate creates the empty file path as 0600, failing if it exists. SQLite opens
// an empty file as a new database and gives its journal, WAL and shared-memory files the
// database file's mode, so a register or backup started in such a file stays private.
func CreatePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, privateFile)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return chmodPrivate(path, privateFile)
}

// newRegisterFile replaces whatever a killed earlier attempt left at path (and its
// journal files) with an empty private file for SQLite to build a register in.
func newRegisterFile(path string) error {
	removeWithSidecars(path)
	return CreatePrivate(path)
}

func removeWithSidecars(path string) {
	for _, side := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(path + side)
	}
}

func chmodPrivate(path string, mode fs.FileMode) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	return os.Chmod(path, mode)
}

// tightenRegister narrows a register made by an older program (0644, readable by every
// local account) and its WAL files to 0600 when it is opened, and says so in the log. A
// file this account may not change is left as it is: opening must not fail for that.
func tightenRegister(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		NarrowFile(p)
	}
}

// NarrowFile narrows one file to 0600 if other accounts may read or write it, saying so
// in the log; it reports whether it did. A file it may not change is left as it is.
func NarrowFile(path string) bool {
	if runtime.GOOS == "windows" {
		return false
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o077 == 0 {
		return false
	}
	if err := os.Chmod(path, st.Mode().Perm()&privateFile); err != nil {
		log.Printf("ascolto: %s can be read by other accounts (mode %04o) and could not be narrowed: %v", path, st.Mode().Perm(), err)
		return false
	}
	log.Printf("ascolto: %s could be read by other accounts (mode %04o); narrowed to %04o", path, st.Mode().Perm(), st.Mode().Perm()&privateFile)
	return true
}

// openProblem names why a register could not be opened; a file of another account is
// said in so many words, since "could not be opened" alone leaves an admin guessing.
func openProblem(path string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return &Problem{Key: "err.no_access", Args: map[string]string{"path": path}, Err: err}
	}
	return &Problem{Key: "err.open", Args: map[string]string{"path": path}, Err: err}
}

// SyncDir makes the renames and new names in dir durable: after a rename the new name
// lives in the folder, and without flushing the folder a power cut can undo the rename
// even though the file's content was flushed. Windows cannot open a folder for flushing
// (and NTFS journals its metadata itself), so there it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteWhole writes a file the way every export, report and letter of Ascolto is
// written: under a temporary name beside path (".NAME.*.partial", owner-only), flushed,
// renamed into place and the folder flushed, so that a failed or killed write never
// leaves half a file that looks whole. The leftovers of earlier writes of the same name
// that were killed are removed first (under the folder lock of HoldFolder, so a write
// running in another program is never taken for one). write fills the file; its error,
// or the file system's, is returned as it is, for the caller to put in words.
func WriteWhole(path string, write func(f *os.File) error) error {
	dir := filepath.Dir(path)
	release := HoldFolder(dir, partialOf(path))
	defer release()
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	SyncDir(dir)
	return nil
}

// partialOf matches the temporary names WriteWhole (and TempBeside) use for path.
func partialOf(path string) func(name string) bool {
	prefix := "." + filepath.Base(path) + "."
	return func(name string) bool { return strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ".partial") }
}

// TempBeside is the first half of WriteWhole, for a file that must be written before a
// transaction commits and renamed into place after it: leftovers of killed writes of the
// same name are removed, and the new temporary file is created owner-only. The caller
// renames or removes it.
func TempBeside(path string) (*os.File, error) {
	HoldFolder(filepath.Dir(path), partialOf(path))()
	return os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
}
