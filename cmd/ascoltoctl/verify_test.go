package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
)

// TestVerifyWitnesses: verify says how far the trail is signed; a head of the register
// kept elsewhere passes while the chain still holds it, and a head it no longer holds
// (here: one of another register, signed with another key) fails verify, named.
func TestVerifyWitnesses(t *testing.T) {
	c := newCtl(t)
	c.ok("add", "--kind", "request", "--channel", "counter", "--subject", "Certificato")
	out := c.ok("verify")
	if !strings.Contains(out, "intact") || !strings.Contains(out, "signed with the office's key") {
		t.Fatalf("verify: %s", out)
	}
	if got := strings.TrimSpace(c.ok("verify", "--witnesses-of", "ME")); got != "[]" {
		t.Fatalf("witnesses of an office never heard of: %s", got)
	}
	s, err := data.Open(c.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seal, err := s.Seal(context.Background())
	s.Close()
	if err != nil || seal == nil {
		t.Fatalf("seal %v %v", seal, err)
	}
	file := filepath.Join(t.TempDir(), "witnesses.json")
	b, _ := json.Marshal([]data.Checkpoint{*seal})
	os.WriteFile(file, b, 0o600)
	if out := c.ok("verify", "--witnesses", file); !strings.Contains(out, "matches the 1 heads") {
		t.Fatalf("verify --witnesses: %s", out)
	}

	other := newCtl(t)
	other.ok("add", "--kind", "request", "--channel", "counter", "--subject", "Altro")
	s, err = data.Open(other.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := s.Seal(context.Background())
	s.Close()
	b, _ = json.Marshal([]data.Checkpoint{*foreign})
	os.WriteFile(file, b, 0o600)
	code, out, errs := c.run("verify", "--witnesses", file)
	if code == 0 || !strings.Contains(out, "not signed with this office's key") {
		t.Fatalf("foreign witness: exit %d: %s %s", code, out, errs)
	}
	os.WriteFile(file, []byte("not json"), 0o600)
	if code, _, errs := c.run("verify", "--witnesses", file); code == 0 || !strings.Contains(errs, "is not a list of witnesses") {
		t.Fatalf("bad witness file: exit %d: %s", code, errs)
	}
}
