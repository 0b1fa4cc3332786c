package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"ascolto/data"
)

// TestExchangeRejectedThroughTheCommandLine: an operation of another office that breaks
// a rule is listed for the administrator, as text and as JSON, without the folder.
func TestExchangeRejectedThroughTheCommandLine(t *testing.T) {
	bz := newCtl(t)
	if out := bz.ok("exchange", "rejected"); !strings.Contains(out, "No rejected changes") {
		t.Fatalf("empty list:\n%s", out)
	}
	if out := strings.TrimSpace(bz.ok("exchange", "rejected", "--json")); out != "[]" {
		t.Fatalf("empty JSON list: %s", out)
	}
	a := addJSON(bz, "--kind", "request", "--channel", "counter", "--subject", "Richiesta")
	ctx := context.Background()
	s, err := data.Open(bz.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ops, err := s.Operations(ctx, "BZ", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	op := data.Operation{Origin: "ME", Seq: 1, HLC: ops[0].HLC, CaseID: a.ID, Action: "edit",
		Deps: map[string]int64{"BZ": ops[0].Seq}, Fields: map[string]string{"kind": "nonsense"}, Actor: "x", At: ops[0].At}
	op.HLC.Logical++
	if _, err := s.ApplyRemote(ctx, data.RemoteFile{Origin: "ME", First: 1, Last: 1, SHA256: "00", Name: "ME-1.ascx"}, []data.Operation{op}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var rs []data.RejectedOp
	if err := json.Unmarshal([]byte(bz.ok("exchange", "rejected", "--json")), &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Origin != "ME" || rs[0].Seq != 1 || rs[0].Number != a.Number || rs[0].Reason != "err.kind" {
		t.Fatalf("rejected: %+v", rs)
	}
	out := bz.ok("exchange", "rejected")
	for _, want := range []string{"ME no. 1", a.Number, "edit", "nonsense"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}
