package ui

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

// posixLocksOn counts this process's lasting POSIX locks on the file as the system
// lists them, since a process cannot ask for its own locks otherwise. SQLite's PENDING
// and RESERVED bytes (0x40000000, 0x40000001) are left out: they come and go with any
// write, and the register's own background steps write when they find it idle, so
// counting them made a lock seem lost when a step had only ended.
func posixLocksOn(t *testing.T, path string) int {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		t.Skip("no /proc/locks")
	}
	defer f.Close()
	pid := fmt.Sprint(os.Getpid())
	ino := fmt.Sprintf(":%d", st.Ino)
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 1: POSIX  ADVISORY  READ 4711 08:01:1234 1073741826 1073742335
		fl := strings.Fields(sc.Text())
		if len(fl) >= 7 && fl[1] == "POSIX" && fl[4] == pid && strings.HasSuffix(fl[5], ino) &&
			fl[6] != "1073741824" && fl[6] != "1073741825" {
			n++
		}
	}
	return n
}
