//go:build windows

package exchange

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/windows"
)

// moveNew puts tmp at path without a hard link: MoveFileEx without
// MOVEFILE_REPLACE_EXISTING fails when path exists, atomically, and may copy across
// volumes; a system that refuses it gets the copy into a file created only if none is
// there.
func moveNew(tmp, path string) error {
	from, err := windows.UTF16PtrFromString(tmp)
	if err != nil {
		return err
	}
	to, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	err = windows.MoveFileEx(from, to, windows.MOVEFILE_COPY_ALLOWED|windows.MOVEFILE_WRITE_THROUGH)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS):
		return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
	case errors.Is(err, windows.ERROR_NOT_SUPPORTED) || errors.Is(err, windows.ERROR_INVALID_FUNCTION):
		return copyNew(tmp, path)
	}
	return &fs.PathError{Op: "rename", Path: path, Err: err}
}
