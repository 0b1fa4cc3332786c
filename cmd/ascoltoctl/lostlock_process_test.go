package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"ascolto/data"
)

// TestForeignCloseDoesNotLoseCases replays what once happened in an office: the window
// had the register open, its file chooser opened and closed register.ascolto, -wal and
// -shm to guess their types, and on Unix closing any descriptor of a file drops every
// POSIX lock the process holds on it, SQLite's included. The next `ascoltoctl add` then
// took itself for the register's last user: at its exit it copied the WAL into the file
// and deleted it under the window. The window's next case went into the deleted WAL (and
// got the protocol number the ascoltoctl case already had), and verify found the file
// damaged. Both cases must be in the register, numbered apart, and the register intact.
func TestForeignCloseDoesNotLoseCases(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps a lock until the handle that took it is closed")
	}
	bin := buildCtl(t)
	db := filepath.Join(t.TempDir(), "register.ascolto")
	procOK(t, bin, db, "init", "--office", "BZ", "--name-it", "Ufficio Bolzano", "--name-de", "Amt Bozen")

	ctx := context.Background()
	window, err := data.Open(db, data.Options{Actor: "window"})
	if err != nil {
		t.Fatal(err)
	}
	defer window.Close()
	first, err := window.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, Subject: "Prima richiesta"})
	if err != nil {
		t.Fatal(err)
	}

	// What the file chooser did: open and close each of the register's files.
	for _, side := range []string{"", "-wal", "-shm"} {
		f, err := os.Open(db + side)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	// ascoltoctl adds a case and exits, as a script at the counter would.
	add := func(subject string) *data.Case {
		t.Helper()
		out := procOK(t, bin, db, "add", "--kind", "request", "--channel", "email", "--subject", subject, "--json")
		var c data.Case
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatalf("ascoltoctl add --json: %v\n%s", err, out)
		}
		return &c
	}
	// The window's save. Should the register have had to be reopened first, the store
	// says so and the clerk repeats the save; it never writes blindly.
	save := func(subject string) *data.Case {
		t.Helper()
		nc := data.NewCase{Kind: data.KindReport, Channel: data.ChannelCounter, Subject: subject}
		c, err := window.Create(ctx, nc)
		if p, ok := data.AsProblem(err); ok && p.Key == "err.register_reopened" {
			c, err = window.Create(ctx, nc)
		}
		if err != nil {
			t.Fatalf("the window's case %q: %v", subject, err)
		}
		return c
	}
	cases := []*data.Case{first, add("Richiesta per posta"), save("Segnalazione allo sportello")}

	// What the window saved is at once there for every other program.
	cmd := exec.Command(bin, "--db", db, "show", cases[2].Number)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("ascoltoctl does not see the window's case %s: %v\n%s", cases[2].Number, err, out)
	}
	cases = append(cases, add("Seconda richiesta per posta"), save("Seconda segnalazione"))
	numbers := map[string]string{}
	for _, c := range cases {
		if prev, dup := numbers[c.Number]; dup {
			t.Errorf("protocol number %s given twice: %q and %q", c.Number, prev, c.Subject)
		}
		numbers[c.Number] = c.Subject
	}
	if err := window.Close(); err != nil {
		t.Fatal(err)
	}

	// A fresh look at the file, as the next start of either program has it.
	again, err := data.Open(db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := again.DB().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q %v", check, err)
	}
	for _, c := range cases {
		got, err := again.Get(ctx, c.ID)
		if err != nil {
			t.Errorf("case %s %q is gone: %v", c.Number, c.Subject, err)
			continue
		}
		if got.Number != c.Number {
			t.Errorf("case %q: number %s, was given %s", c.Subject, got.Number, c.Number)
		}
	}
	again.Close()
	if out := procOK(t, bin, db, "verify"); strings.Contains(out, "✗") {
		t.Errorf("verify:\n%s", out)
	}
}
