// Package instance keeps one program per register: the first start holds a lock beside
// the register and listens on a loopback port; a second start finds the lock taken and
// asks the first to bring its window forward instead of opening the register twice.
package instance

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrRunning means another program holds the register.
var ErrRunning = errors.New("the register is open in another Ascolto")

// Instance is the held lock of the running program.
type Instance struct {
	file     *os.File
	path     string
	listener net.Listener
	once     sync.Once
}

// lockPath is the lock beside the register: register.ascolto.lock.
func lockPath(register string) string { return register + ".lock" }

// Acquire takes the register for this program, or returns ErrRunning. The lock is an OS
// file lock, so it is released by the system when the program dies, however it dies.
func Acquire(register string) (*Instance, error) {
	f, err := os.OpenFile(lockPath(register), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, ErrRunning
	}
	return &Instance{file: f, path: lockPath(register)}, nil
}

// Listen answers a second start: each "show" it receives calls show (bring the window
// forward). The port goes into the lock file for the second start to find.
func (in *Instance) Listen(show func()) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	in.listener = l
	port := l.Addr().(*net.TCPAddr).Port
	if err := in.file.Truncate(0); err != nil {
		return err
	}
	if _, err := in.file.WriteAt([]byte(fmt.Sprintf("%d %d\n", os.Getpid(), port)), 0); err != nil {
		return err
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			if strings.TrimSpace(line) == "show" {
				show()
				c.Write([]byte("ok\n"))
			}
			c.Close()
		}
	}()
	return nil
}

// Release lets the register go (the lock file stays; it is only a lock).
func (in *Instance) Release() {
	in.once.Do(func() {
		if in.listener != nil {
			in.listener.Close()
		}
		unlockFile(in.file)
		in.file.Close()
	})
}

// Knock asks the program holding the register to bring its window forward and reports
// whether it answered.
func Knock(register string) bool {
	b, err := os.ReadFile(lockPath(register))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return false
	}
	port, err := strconv.Atoi(f[1])
	if err != nil || port <= 0 || port > 65535 {
		return false
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("show\n")); err != nil {
		return false
	}
	answer, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(answer) == "ok"
}
