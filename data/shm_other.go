//go:build !linux

package data

// repairSharedMemory: outside Linux the register's lock cannot be taken without dropping
// SQLite's own locks of this process (see lock.go), so a read-only -shm is not removed;
// the write that fails says which file it is and what to do.
func repairSharedMemory(string) {}
