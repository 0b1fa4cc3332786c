//go:build linux

package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// As root the system lets every write through whatever the mode says, so the checks of
// a read-only file or folder run in a child process under the account "nobody" (uid
// 65534), as an office's clerk account would be; as another user they run here.

const causeChildEnv = "ASCOLTO_CAUSE_CHILD"

// TestCauseChild is the child's side: it opens the register named in the environment,
// tries to save a case and to verify, and prints the problem keys it got.
func TestCauseChild(t *testing.T) {
	reg := os.Getenv(causeChildEnv)
	if reg == "" {
		t.Skip("run by the tests below")
	}
	fmt.Println(strings.Join(tryRegister(reg), " "))
}

// tryRegister opens reg, adds a case and verifies; it returns "open=KEY" or
// "add=KEY|ok verify=KEY,KEY".
func tryRegister(reg string) []string {
	key := func(err error) string {
		if err == nil {
			return "ok"
		}
		if p, ok := AsProblem(err); ok {
			return p.Key
		}
		return "raw:" + strings.ReplaceAll(err.Error(), " ", "_")
	}
	s, err := Open(reg, Options{Actor: "test"})
	if err != nil {
		return []string{"open=" + key(err)}
	}
	defer s.Close()
	_, err = s.Create(context.Background(), NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Richiesta"})
	out := []string{"add=" + key(err)}
	r, err := s.Verify(context.Background())
	if err != nil {
		return append(out, "verify="+key(err))
	}
	var found []string
	for _, f := range r.Findings {
		found = append(found, f.Key)
	}
	return append(out, "verify="+strings.Join(found, ","))
}

// asClerk runs tryRegister on reg as an account without special rights.
func asClerk(t *testing.T, reg string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		return strings.Join(tryRegister(reg), " ")
	}
	// The test binary may sit in a folder only root can enter: a copy the child can run.
	bin := filepath.Join(t.TempDir(), "data.test")
	copyExec(t, os.Args[0], bin, 0o755)
	for _, d := range []string{filepath.Dir(bin), filepath.Dir(filepath.Dir(bin))} {
		os.Chmod(d, 0o755)
	}
	cmd := exec.Command(bin, "-test.run=^TestCauseChild$")
	cmd.Env = append(os.Environ(), causeChildEnv+"="+reg)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.Output() // the log lines go to stderr
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	return strings.SplitN(string(out), "\n", 2)[0]
}

// handOver gives the files to the clerk's account (nobody) when the test runs as root,
// as an office's register belongs to the clerks who use it.
func handOver(t *testing.T, paths ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	for _, p := range paths {
		if err := os.Chown(p, 65534, 65534); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
}

func copyExec(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// clerkRegister makes a register with one case in a folder of its own that everybody
// may enter, closed (no -wal, no -shm).
func clerkRegister(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "office")
	reg := filepath.Join(dir, "register.ascolto")
	s, err := Create(reg, bz, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, NewCase{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(dir), filepath.Dir(filepath.Dir(dir))} {
		os.Chmod(d, 0o755)
	}
	os.Chmod(dir, 0o700)
	handOver(t, dir)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		handOver(t, filepath.Join(dir, e.Name()))
	}
	return reg
}

// TestReadOnlyRegisterSaysSo: a register the account may only read refuses a save as
// read-only, and verify reports the search index as not checked, not as damaged.
func TestReadOnlyRegisterSaysSo(t *testing.T) {
	reg := clerkRegister(t)
	os.Chmod(reg, 0o444)
	got := asClerk(t, reg)
	if !strings.Contains(got, "add=err.readonly_file") {
		t.Errorf("save into a read-only register: %s", got)
	}
	_, verify, _ := strings.Cut(got, "verify=")
	findings := strings.Split(verify, ",")
	if slices.Contains(findings, "verify.search_index") || !slices.Contains(findings, "verify.search_index_unchecked") {
		t.Errorf("verify of an intact read-only register: %s", got)
	}
}

// TestReadOnlyFolderSaysSo: SQLite cannot create the -wal and -shm in a read-only
// folder; that is what the clerk is told, not that the file is no register.
func TestReadOnlyFolderSaysSo(t *testing.T) {
	reg := clerkRegister(t)
	os.Chmod(filepath.Dir(reg), 0o555)
	if got := asClerk(t, reg); got != "open=err.readonly_folder" {
		t.Errorf("register in a read-only folder: %s", got)
	}
}

// TestStaleReadOnlySharedMemoryIsRepaired: a -shm left read-only (by a program of
// another account, or a chmod) while no program has the register open is made anew,
// so that saving works again instead of answering "busy" for ever.
func TestStaleReadOnlySharedMemoryIsRepaired(t *testing.T) {
	reg := clerkRegister(t)
	s, err := Open(reg, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, NewCase{})
	shm, err := os.ReadFile(reg + "-shm")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(reg+"-shm", shm, 0o444); err != nil {
		t.Fatal(err)
	}
	os.Chmod(reg+"-shm", 0o444)
	got := asClerk(t, reg)
	if !strings.HasPrefix(got, "add=ok verify=") || strings.Contains(got, "verify=err") || strings.Contains(got, "verify=verify") {
		t.Errorf("register with a stale read-only -shm: %s", got)
	}
}

// TestStaleSharedMemoryInUseIsNamed: while another program has the register open the
// -shm is left alone, and the save says which file is read-only rather than "busy".
func TestStaleSharedMemoryInUseIsNamed(t *testing.T) {
	reg := clerkRegister(t)
	s, err := Open(reg, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	handOver(t, reg+"-wal")
	os.Chmod(reg+"-shm", 0o444)
	defer os.Chmod(reg+"-shm", 0o644)
	got := asClerk(t, reg)
	if !strings.Contains(got, "err.readonly_side") {
		t.Errorf("register in use with a read-only -shm: %s", got)
	}
	if _, err := os.Stat(reg + "-shm"); err != nil {
		t.Errorf("the -shm of a register in use was removed: %v", err)
	}
}

// TestFullDiskSaysSo fills a small tmpfs: the save says the disk is full.
func TestFullDiskSaysSo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	s, err := Create(filepath.Join(dir, "register.ascolto"), bz, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCreate(t, s, NewCase{})
	fill, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := fill.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	fill.Close()
	big := strings.Repeat("Richiesta di informazioni sul collocamento mirato. ", 2000)
	var last error
	for i := 0; i < 20 && last == nil; i++ {
		_, last = s.Create(context.Background(), NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Richiesta", Description: big})
	}
	wantProblem(t, last, "err.disk_full")
	// The figures for a support request show it too.
	d, err := s.Diagnostics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.FreeBytes < 0 || d.FreeBytes > 64*1024 || !d.Writable["folder"] || !d.Writable["register"] {
		t.Errorf("diagnostics of a full disk: free %d, writable %v", d.FreeBytes, d.Writable)
	}
}
