package instance

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// openers reads /proc/*/fd: the processes with one of the register's files open.
func openers(register string) []User {
	files := sameFiles(register)
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []User
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		dir := filepath.Join("/proc", p.Name(), "fd")
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(dir, fd.Name()))
			if err == nil && slices.Contains(files, target) {
				out = append(out, User{PID: pid, Program: programName(pid)})
				break
			}
		}
	}
	return out
}

// programName is the process's command name (what ps shows), "" if unknown.
func programName(pid int) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
