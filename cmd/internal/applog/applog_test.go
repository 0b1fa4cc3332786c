package applog

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestRotationKeepsTheNewestLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "ascolto.log")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	w.MaxBytes = 200
	for i := 0; i < 100; i++ {
		fmt.Fprintf(w, "line %03d of the log\n", i)
	}
	w.Close()
	for _, p := range []string{path, path + ".1", path + ".2", path + ".3"} {
		st, err := os.Stat(p)
		if err != nil || st.Size() > 200 {
			t.Fatalf("%s: %v %v", p, st, err)
		}
	}
	if _, err := os.Stat(path + ".4"); err == nil {
		t.Fatal("more old files than kept")
	}
	tail := Tail(path, 3)
	if len(tail) != 3 || tail[2] != "line 099 of the log" {
		t.Fatalf("tail %q", tail)
	}
}

func TestRedact(t *testing.T) {
	got := Redact("reply sent to anna.pichler@example.it tel 0471123456 for BZ-2026-000017")
	if got != "reply sent to <e-mail> tel <number> for BZ-2026-000017" {
		t.Fatal(got)
	}
}
