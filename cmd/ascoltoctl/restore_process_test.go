package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRestoreOwnsTheRegister runs the real program: a `sync --watch` service keeps the
// register open, and `restore` is refused naming it (program and pid) with nothing
// changed; once the service stops the restore goes through. Then clerks add cases in a
// loop while a restore runs: every add that was acknowledged is either in the restored
// register afterwards or in the copy made before the restore, and no protocol number is
// given twice.
func TestRestoreOwnsTheRegister(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("names the holder from /proc")
	}
	bin := buildCtl(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "office", "register.ascolto")
	folder := filepath.Join(dir, "exchange")
	os.MkdirAll(folder, 0o700)
	procOK(t, bin, db, "init", "--office", "BZ", "--name-it", "Centro di mediazione lavoro Bolzano", "--name-de", "Arbeitsvermittlungszentrum Bozen")
	procOK(t, bin, db, "add", "--kind", "request", "--channel", "email", "--subject", "Richiesta 0")
	backup := filepath.Join(dir, "copy.ascolto")
	procOK(t, bin, db, "backup", "--out", backup)

	svc := exec.Command(bin, "--db", db, "--actor", "sync", "sync", "--folder", folder, "--watch", "--poll", "200ms")
	var svcOut bytes.Buffer
	svc.Stdout, svc.Stderr = &svcOut, &svcOut
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	defer svc.Process.Kill()
	time.Sleep(1500 * time.Millisecond)
	out, err := exec.Command(bin, "--db", db, "--lang", "en", "restore", "--from", backup).CombinedOutput()
	if err == nil {
		t.Fatalf("restore while sync --watch runs succeeded:\n%s", out)
	}
	if want := fmt.Sprintf("pid %d", svc.Process.Pid); !strings.Contains(string(out), want) || !strings.Contains(string(out), "ascoltoctl") {
		t.Errorf("the refusal does not name the service (%s):\n%s", want, out)
	}
	svc.Process.Kill()
	svc.Wait()
	procOK(t, bin, db, "restore", "--from", backup)

	// Adds racing a restore.
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := time.Now().Add(3 * time.Second)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				subject := fmt.Sprintf("Caso %d-%d", w, i)
				if exec.Command(bin, "--db", db, "--actor", "test", "add", "--kind", "request", "--channel", "counter", "--subject", subject).Run() == nil {
					mu.Lock()
					acked = append(acked, subject)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(time.Second)
	restoreOut, restoreErr := exec.Command(bin, "--db", db, "restore", "--from", backup).CombinedOutput()
	wg.Wait()
	if restoreErr != nil && !strings.Contains(string(restoreOut), "pid") && !strings.Contains(string(restoreOut), "register") {
		t.Fatalf("restore: %v\n%s", restoreErr, restoreOut)
	}
	type listed struct{ Number, Subject string }
	read := func(reg string) []listed {
		var cases []listed
		if err := json.Unmarshal([]byte(procOK(t, bin, reg, "list", "--json", "--limit", "1000000")), &cases); err != nil {
			t.Fatal(err)
		}
		return cases
	}
	after := read(db)
	in := map[string]bool{}
	numbers := map[string]int{}
	for _, c := range after {
		in[c.Subject] = true
		numbers[c.Number]++
	}
	if restoreErr == nil {
		backups, _ := filepath.Glob(filepath.Join(filepath.Dir(db), "backups", "register-before-restore-*.ascolto"))
		for _, b := range backups {
			for _, c := range read(b) {
				in[c.Subject] = true
			}
		}
	}
	lost, twice := 0, 0
	for _, s := range acked {
		if !in[s] {
			lost++
		}
	}
	for _, n := range numbers {
		if n > 1 {
			twice++
		}
	}
	if twice > 0 {
		t.Errorf("%d protocol numbers given twice in the register", twice)
	}
	t.Logf("%d adds acknowledged, %d cases in the register after, restore error: %v", len(acked), len(after), restoreErr)
	if lost > 0 {
		t.Errorf("%d of %d acknowledged adds are in neither the register nor the copy before the restore", lost, len(acked))
	}
}
