//go:build unix

package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"ascolto/translations"
)

// TestRegisterOfAnotherAccountIsRefused: a register made by one account (here root) is
// private to it; another local account (nobody) running ascoltoctl on it is refused with
// a sentence that says why, not a crash, and the register is not touched.
func TestRegisterOfAnotherAccountIsRefused(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("runs a process as another Unix user")
	}
	if os.Geteuid() != 0 {
		t.Skip("only root can start a process as the user nobody (uid 65534)")
	}
	bin := buildCtl(t)
	// A folder every account may enter, so that nobody can run the program and reach
	// the register's folder (t.TempDir is private to root).
	base, err := os.MkdirTemp("", "ascolto-accounts-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	shared := filepath.Join(base, "ascoltoctl")
	copyExecutable(t, bin, shared)

	open := filepath.Join(base, "open") // a folder an admin made for everybody
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o755)
	for _, db := range []string{
		filepath.Join(open, "register.ascolto"),
		filepath.Join(base, "made-by-ascolto", "register.ascolto"), // folder 0700
	} {
		procOK(t, shared, db, "init", "--office", "BZ", "--name-it", "Centro Bolzano", "--name-de", "Zentrum Bozen")
		st, err := os.Stat(db)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("register made %04o", st.Mode().Perm())
		}
		before, _ := os.ReadFile(db)
		cmd := exec.Command(shared, "--db", db, "--lang", "en", "list")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C"}
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("as nobody: %v\n%s", err, out)
		}
		want := translations.T("en", "err.no_access", "path", db)
		if strings.TrimSpace(string(out)) != want {
			t.Fatalf("as nobody:\n%s\nwant:\n%s", out, want)
		}
		if after, _ := os.ReadFile(db); string(after) != string(before) {
			t.Fatal("the refused account changed the register")
		}
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(to, 0o755)
}
