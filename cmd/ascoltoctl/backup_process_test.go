package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ascolto/translations"
)

// partialFiles lists what killed backups leave in dir: the partial copy and the
// journal or WAL files SQLite keeps beside it.
func partialFiles(t *testing.T, dir string) (names []string, bytes int64) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".partial") {
			names = append(names, e.Name())
			if fi, err := e.Info(); err == nil {
				bytes += fi.Size()
			}
		}
	}
	return names, bytes
}

// TestKilledBackupsLeaveNoDebris runs `ascoltoctl backup` on a register big enough for
// a backup to take about a second and kills it (SIGKILL: no clean-up) at random moments
// ten times. One more backup afterwards must leave no partial file; the backups that
// finished must be intact, and they alone are listed.
//
// The moments come from a seed (ASCOLTO_PROC_SEED, default 1); the register's size from
// ASCOLTO_BACKUP_CASES (default 20000 demo cases, some 70 MB).
func TestKilledBackupsLeaveNoDebris(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("kills processes with SIGKILL and relies on Linux file semantics")
	}
	if testing.Short() {
		t.Skip("builds a register of some 70 MB")
	}
	seed := int64(1)
	if v, err := strconv.ParseInt(os.Getenv("ASCOLTO_PROC_SEED"), 10, 64); err == nil {
		seed = v
	}
	cases := 20000
	if v, err := strconv.Atoi(os.Getenv("ASCOLTO_BACKUP_CASES")); err == nil && v > 0 {
		cases = v
	}
	t.Logf("seed %d (ASCOLTO_PROC_SEED), %d cases (ASCOLTO_BACKUP_CASES)", seed, cases)
	rnd := rand.New(rand.NewSource(seed))
	bin := buildCtl(t)
	db := filepath.Join(t.TempDir(), "office", "register.ascolto")
	procOK(t, bin, db, "init", "--office", "BZ", "--name-it", "Centro di mediazione lavoro Bolzano", "--name-de", "Arbeitsvermittlungszentrum Bozen")
	procOK(t, bin, db, "demo", "--count", strconv.Itoa(cases), "--seed", "7")
	dir := filepath.Join(filepath.Dir(db), "backups")

	began := time.Now()
	procOK(t, bin, db, "backup")
	took := time.Since(began)
	finished, killed, hit := 1, 0, 0
	var mostBytes int64
	for i := 0; i < 10; i++ {
		cmd := exec.Command(bin, "--db", db, "--actor", "test", "backup")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(float64(took) * (0.1 + 0.85*rnd.Float64())))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if cmd.ProcessState.Success() {
			finished++
			continue
		}
		killed++
		if names, bytes := partialFiles(t, dir); len(names) > 0 {
			hit++
			mostBytes = max(mostBytes, bytes)
		}
	}
	t.Logf("a backup took %v; %d killed (%d of them mid-copy, up to %d MB of partial files at once), %d finished", took.Round(time.Millisecond), killed, hit, mostBytes>>20, finished)
	if hit == 0 {
		t.Fatalf("no kill landed while a backup was being written (a backup takes %v): the test proves nothing", took)
	}

	procOK(t, bin, db, "backup")
	finished++
	if names, bytes := partialFiles(t, dir); len(names) > 0 {
		t.Fatalf("after one more backup, %d bytes of leftovers: %v", bytes, names)
	}
	var listing struct{ Backups []string }
	if err := json.Unmarshal([]byte(procOK(t, bin, db, "backups", "--json")), &listing); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var onDisk []string
	for _, e := range entries {
		onDisk = append(onDisk, filepath.Join(dir, e.Name()))
	}
	slices.Sort(onDisk)
	listed := slices.Sorted(slices.Values(listing.Backups))
	if !slices.Equal(listed, onDisk) || len(listed) != finished {
		t.Fatalf("%d backups finished; listed %v; in the folder %v", finished, listed, onDisk)
	}
	for _, p := range listed {
		b, err := sql.Open("sqlite", "file:"+p+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		var res string
		err = b.QueryRow(`PRAGMA integrity_check`).Scan(&res)
		b.Close()
		if err != nil || res != "ok" {
			t.Fatalf("%s: integrity_check %q %v", filepath.Base(p), res, err)
		}
	}
}

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
