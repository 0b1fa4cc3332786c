//go:build !windows

package exchange

// moveNew puts tmp at path without a hard link: a rename would replace a file created
// there meanwhile, so the bytes are copied into a file created only if none is there.
func moveNew(tmp, path string) error { return copyNew(tmp, path) }
