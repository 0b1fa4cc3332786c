package data

import "os"

// Windows has no lock on a folder, but it refuses to delete a file that a program holds
// open without sharing deletion, which is how SQLite and Go open files. So a partial
// backup is kept open (pinned) by its writer from creation until just before the rename,
// and the clean-up simply tries to remove: what is in use stays.

func lockDirShared(*os.File) error      { return nil }
func tryLockDirExclusive(*os.File) bool { return true }

func pinPartial(path string) func() {
	f, err := os.Open(path)
	if err != nil {
		return func() {}
	}
	return func() { f.Close() }
}
