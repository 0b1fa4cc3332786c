//go:build !windows

package safefile

// Mark does nothing outside Windows: no other system keeps a zone for files.
func Mark(path string) error { return nil }
