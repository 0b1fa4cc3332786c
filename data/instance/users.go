package instance

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// User is a process other than this one that has a register open.
type User struct {
	PID     int
	Program string // the program's name, "" if the system does not tell
}

func (u User) String() string {
	if u.Program == "" {
		return fmt.Sprintf("pid %d", u.PID)
	}
	return fmt.Sprintf("%s (pid %d)", u.Program, u.PID)
}

// Users names the other processes that have the register open, as far as the system
// tells: on Linux every process with the register, its WAL or its shared-memory file
// open (from /proc, where this account may look); elsewhere the Ascolto window holding
// the register's lock. An empty list does not mean nobody has it open: SQLite's lock
// is what decides; this only says who, for the message.
func Users(register string) []User {
	seen := map[int]bool{os.Getpid(): true}
	var out []User
	for _, u := range openers(register) {
		if !seen[u.PID] {
			seen[u.PID] = true
			out = append(out, u)
		}
	}
	if pid := windowPID(register); pid > 0 && !seen[pid] {
		out = append(out, User{PID: pid, Program: programName(pid)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

// windowPID is the pid the Ascolto window wrote into the register's lock when that lock
// is held by another process now; 0 otherwise.
func windowPID(register string) int {
	b, err := os.ReadFile(lockPath(register))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return 0
	}
	probe, err := os.OpenFile(lockPath(register), os.O_RDWR, 0)
	if err != nil {
		return 0
	}
	defer probe.Close()
	if lockFile(probe) == nil {
		unlockFile(probe)
		return 0 // nobody holds it: the pid is a leftover
	}
	return pid
}

// sameFiles are the register's files whose openers use the register.
func sameFiles(register string) []string {
	abs, err := filepath.Abs(register)
	if err != nil {
		abs = register
	}
	return []string{abs, abs + "-wal", abs + "-shm"}
}
