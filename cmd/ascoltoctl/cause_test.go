package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestSyncOnFullDiskSaysWhatItApplied: ME's register lies on a small tmpfs that fills up
// while `sync --once` applies BZ's files one by one. The command fails saying the disk
// is full, and says how many changes it did apply before, which stay in the register
// (the message used to be only "nothing was written").
func TestSyncOnFullDiskSaysWhatItApplied(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", disk).Run() })
	folder := t.TempDir()
	bz := newCtl(t)
	me := &ctl{t: t, db: filepath.Join(disk, "register.ascolto")}
	me.ok("init", "--office", "ME", "--name-it", "Centro di mediazione lavoro Merano", "--name-de", "Arbeitsvermittlungszentrum Meran")
	bz.ok("exchange", "join", "--folder", folder)
	me.ok("exchange", "join", "--folder", folder)
	bzFP := exchangeStatus(bz, folder).Fingerprint
	meFP := exchangeStatus(me, folder).Fingerprint
	bz.ok("exchange", "trust", "ME", "--fingerprint", meFP, "--folder", folder)
	me.ok("exchange", "trust", "BZ", "--fingerprint", bzFP, "--folder", folder)
	me.ok("sync", "--once")

	text := strings.Repeat("Il cittadino chiede informazioni sul collocamento mirato e sui corsi di formazione. ", 250)
	const files = 30
	for i := 0; i < files; i++ {
		bz.ok("add", "--kind", "request", "--channel", "email", "--subject", fmt.Sprintf("Richiesta %d", i), "--description", text)
		bz.ok("sync", "--once")
	}
	// Leave the register room for a few of the files only.
	fill, err := os.Create(filepath.Join(disk, "filler"))
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
	fill.Truncate(mustSize(t, fill) - 400*1024)
	fill.Close()

	code, out, errs := me.run("sync", "--once")
	if code == 0 {
		t.Fatalf("sync on a full disk succeeded: %s", out)
	}
	if !strings.Contains(errs, "is full") {
		t.Errorf("the error does not say the disk is full: %s", errs)
	}
	m := regexp.MustCompile(`(\d+) changes of other offices applied`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" {
		t.Fatalf("sync does not say what it applied before the failure:\nstdout: %s\nstderr: %s", out, errs)
	}
	t.Logf("applied %s of %d before the disk was full", m[1], files)
}

func mustSize(t *testing.T, f *os.File) int64 {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
