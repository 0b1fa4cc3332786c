package data

// filesCanChange: on Windows SQLite opens the register's files without FILE_SHARE_DELETE,
// so nobody can delete or replace them while they are open, and a lock is released only
// with the handle that took it: closing another handle of the file cannot drop it. The
// files need no watching (see lock.go), and a write costs no stat calls.
const filesCanChange = false

type heldFiles struct{}

func holdFiles(string) *heldFiles { return nil }

func (*heldFiles) release() func() { return func() {} }

func (*heldFiles) shared() bool { return false }
