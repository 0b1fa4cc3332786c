package main

import (
	"database/sql"
	"encoding/json"
	"errors"
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
