//go:build !linux && !windows

package data

// filesCanChange: on Unix a register's files can be deleted or replaced while open.
const filesCanChange = true

// heldFiles: this system has no open file description locks; the check of the files
// before each write is what guards the register (see lock.go).
type heldFiles struct{}

func holdFiles(string) *heldFiles { return nil }

func (*heldFiles) release() func() { return func() {} }

func (*heldFiles) shared() bool { return false }
