package instance

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestOneProgramPerRegister(t *testing.T) {
	reg := filepath.Join(t.TempDir(), "register.ascolto")
	first, err := Acquire(reg)
	if err != nil {
		t.Fatal(err)
	}
	shown := make(chan bool, 1)
	if err := first.Listen(func() { shown <- true }); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(reg); err != ErrRunning {
		t.Fatalf("second acquire: %v", err)
	}
	if !Knock(reg) {
		t.Fatal("the running program did not answer")
	}
	select {
	case <-shown:
	case <-time.After(2 * time.Second):
		t.Fatal("show was not called")
	}
	first.Release()
	again, err := Acquire(reg)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
	if Knock(reg) {
		t.Fatal("nobody should answer after release")
	}
}

// TestLockDiesWithTheProgram: a program killed with SIGKILL leaves the lock file, but
// the OS lock is gone, so the next start takes the register.
func TestLockDiesWithTheProgram(t *testing.T) {
	if reg := os.Getenv("ASCOLTO_LOCK_CHILD"); reg != "" {
		if _, err := Acquire(reg); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Hour)
	}
	reg := filepath.Join(t.TempDir(), "register.ascolto")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockDiesWithTheProgram$")
	cmd.Env = append(os.Environ(), "ASCOLTO_LOCK_CHILD="+reg)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, _ := out.Read(buf)
	if string(buf[:n]) != "locked\n" {
		cmd.Process.Kill()
		t.Fatalf("child: %q", buf[:n])
	}
	if _, err := Acquire(reg); err != ErrRunning {
		cmd.Process.Kill()
		t.Fatalf("while the child holds it: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	in, err := Acquire(reg)
	if err != nil {
		t.Fatalf("after the child died: %v", err)
	}
	in.Release()
}
