//go:build !linux

package instance

// openers: outside Linux the system does not tell this account who has a file open.
func openers(string) []User { return nil }

// programName: the holder of the lock is the Ascolto window.
func programName(int) string { return "ascolto" }
