//go:build unix

package exchange

import (
	"os"
	"syscall"
)

// openFile opens for reading without following a symbolic link and without waiting:
// O_NONBLOCK makes the open of a FIFO return at once (and reads of it return nothing)
// should one take the place of the file between Lstat and here. On a regular file the
// flag changes nothing.
func openFile(abs string) (*os.File, error) {
	fd, err := syscall.Open(abs, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: abs, Err: err}
	}
	return os.NewFile(uintptr(fd), abs), nil
}
