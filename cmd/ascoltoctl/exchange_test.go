package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
	"ascolto/data/exchange"
)

func newOfficeCtl(t *testing.T, code, it, de string) *ctl {
	c := &ctl{t: t, db: filepath.Join(t.TempDir(), "register.ascolto")}
	c.ok("init", "--office", code, "--name-it", it, "--name-de", de)
	return c
}

func exchangeStatus(c *ctl, folder string) exchange.Status {
	c.t.Helper()
	var st exchange.Status
	if err := json.Unmarshal([]byte(c.ok("exchange", "status", "--folder", folder, "--json")), &st); err != nil {
		c.t.Fatal(err)
	}
	return st
}

func TestExchangeThroughTheCommandLine(t *testing.T) {
	folder := t.TempDir()
	bz := newCtl(t)
	me := newOfficeCtl(t, "ME", "Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran")
	out := bz.ok("exchange", "join", "--folder", folder)
	bzFP := exchangeStatus(bz, folder).Fingerprint
	if !strings.Contains(out, bzFP) || bzFP == "" {
		t.Fatalf("join says %q", out)
	}
	if _, err := os.Stat(exchange.KeyPath(bz.db)); err != nil {
		t.Fatal("no key beside the register")
	}
	me.ok("exchange", "join", "--folder", folder)
	meFP := exchangeStatus(me, folder).Fingerprint

	var offices []exchange.OfficeInfo
	json.Unmarshal([]byte(bz.ok("exchange", "offices", "--folder", folder, "--json")), &offices)
	if len(offices) != 2 || offices[1].Code != "ME" || offices[1].Trusted || offices[1].Fingerprint != meFP {
		t.Fatalf("offices: %+v", offices)
	}
	bz.refused("fingerprint", 1, "exchange", "trust", "ME", "--fingerprint", bzFP, "--folder", folder)
	json.Unmarshal([]byte(bz.ok("exchange", "offices", "--json")), &offices) // the folder joined is remembered
	if offices[1].Trusted {
		t.Fatal("a wrong fingerprint trusted the office")
	}
	bz.ok("exchange", "trust", "ME", "--fingerprint", strings.ToLower(meFP), "--folder", folder)
	me.ok("exchange", "trust", "BZ", "--fingerprint", bzFP, "--folder", folder)

	a := addJSON(bz, "--kind", "complaint", "--channel", "counter", "--subject", "Wartezeiten am Schalter zu lang", "--language", "de")
	if out := bz.ok("sync", "--folder", folder, "--once"); !strings.Contains(out, "Published 1 ") {
		t.Fatalf("sync: %s", out)
	}
	if out := me.ok("sync", "--folder", folder); !strings.Contains(out, "applied 1 ") {
		t.Fatalf("sync: %s", out)
	}
	var shown data.Case
	json.Unmarshal([]byte(me.ok("show", a.Number, "--json")), &shown)
	if shown.Subject != a.Subject || shown.Office != "BZ" {
		t.Fatalf("ME has %+v", shown)
	}

	// A corrupted file changes nothing, stays, and is listed.
	b := addJSON(me, "--kind", "request", "--channel", "email", "--subject", "Certificato")
	me.ok("sync", "--once")
	name := filepath.Join(folder, "ME", exchange.FileName("ME", 1, 1))
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/3] ^= 0x01
	os.WriteFile(name, raw, 0o644)
	before := bz.snapshot()
	bz.ok("sync", "--once")
	if bz.snapshot() != before {
		t.Fatal("a corrupted file changed the register")
	}
	if code, _, _ := bz.run("show", b.Number); code != 1 {
		t.Fatal("the case of a corrupted file arrived")
	}
	if _, err := os.Stat(name); err != nil {
		t.Fatal("the corrupted file was removed")
	}
	st := exchangeStatus(bz, folder)
	if len(st.Rejected) != 1 || st.Rejected[0].Path != "ME/"+filepath.Base(name) || st.Rejected[0].Reason != exchange.ReasonHash {
		t.Fatalf("rejected: %+v", st.Rejected)
	}
	if out := bz.ok("exchange", "status"); !strings.Contains(out, "changed after it was written") || !strings.Contains(out, "ME/") {
		t.Fatalf("status text:\n%s", out)
	}

	// Forwarding travels as a change.
	bz.refused("", 1, "forward", a.Number, "--to", "XX")
	if out := bz.ok("forward", a.Number, "--to", "me", "--service", "Servizio formazione"); !strings.Contains(out, "ME") {
		t.Fatalf("forward: %s", out)
	}
	bz.ok("sync", "--once")
	me.ok("sync", "--once")
	json.Unmarshal([]byte(me.ok("show", a.Number, "--json")), &shown)
	if shown.Office != "ME" || shown.Service != "Servizio formazione" {
		t.Fatalf("forwarded case at ME: %+v", shown)
	}

	if out := bz.ok("conflicts", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("conflicts: %s", out)
	}
	bz.refused("", 1, "resolve", a.Number, "subject", "x")
	bz.refused("", 2, "sync", "--once", "--watch")
	bz.refused("", 2, "exchange")
	bz.refused("", 2, "exchange", "trust", "ME")
}

func TestConflictsThroughTheCommandLine(t *testing.T) {
	folder := t.TempDir()
	bz := newCtl(t)
	me := newOfficeCtl(t, "ME", "Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran")
	bz.ok("exchange", "join", "--folder", folder)
	me.ok("exchange", "join", "--folder", folder)
	bz.ok("exchange", "trust", "ME", "--fingerprint", exchangeStatus(me, folder).Fingerprint)
	me.ok("exchange", "trust", "BZ", "--fingerprint", exchangeStatus(bz, folder).Fingerprint)
	a := addJSON(bz, "--kind", "request", "--channel", "counter", "--subject", "Richiesta")
	bz.ok("sync")
	me.ok("sync")
	bz.ok("assign", a.Number, "--to", "giulia")
	me.ok("assign", a.Number, "--to", "lukas")
	bz.ok("sync")
	me.ok("sync")
	bz.ok("sync")
	var cs []data.Conflict
	json.Unmarshal([]byte(bz.ok("conflicts", "--json")), &cs)
	if len(cs) != 1 || cs[0].Field != "assignee" || len(cs[0].Heads) != 2 {
		t.Fatalf("conflicts: %+v", cs)
	}
	if out := me.ok("conflicts"); !strings.Contains(out, a.Number) || !strings.Contains(out, "giulia") || !strings.Contains(out, "lukas") {
		t.Fatalf("conflicts text:\n%s", out)
	}
	me.ok("resolve", a.Number, "assignee", "giulia", "--note", "agreed by phone")
	me.ok("sync")
	bz.ok("sync")
	for _, c := range []*ctl{bz, me} {
		if out := c.ok("conflicts", "--json"); strings.TrimSpace(out) != "[]" {
			t.Fatalf("after resolve: %s", out)
		}
		var shown data.Case
		json.Unmarshal([]byte(c.ok("show", a.Number, "--json")), &shown)
		if shown.Assignee != "giulia" {
			t.Fatalf("assignee %q", shown.Assignee)
		}
	}
}
