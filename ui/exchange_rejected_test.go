package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"

	"ascolto/data"
)

// TestExchangeTabListsRejectedChanges: a change from another office that breaks a rule
// of the register is listed in the Exchange tab with the rule, in the clerk's language.
func TestExchangeTabListsRejectedChanges(t *testing.T) {
	test.NewTempApp(t)
	s := newRegister(t, 1)
	ctx := context.Background()
	ops, err := s.Operations(ctx, "BZ", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	op := data.Operation{Origin: "ME", Seq: 1, HLC: ops[0].HLC, CaseID: ops[0].CaseID, Action: "edit",
		Deps: map[string]int64{"BZ": ops[0].Seq}, Fields: map[string]string{"kind": "nonsense"}, Actor: "x", At: ops[0].At}
	op.HLC.Logical++
	if _, err := s.ApplyRemote(ctx, data.RemoteFile{Origin: "ME", First: 1, Last: 1, SHA256: "00", Name: "ME-1.ascx"}, []data.Operation{op}); err != nil {
		t.Fatal(err)
	}
	sh, q, w := shellFor(t, s, "de", "")
	sh.SetExchange(busyExchange())
	sh.ShowExchange()
	v := sh.Exchange()
	q.until(t, "the view", func() bool { return len(v.rejectedOps) == 1 })
	for _, want := range []string{"Zurückgewiesene Änderungen (1)", "ME Nr. 1 · Vorgang BZ-2026-000001 · edit", "nonsense", "dem Administrator melden"} {
		if !reads(w.Content(), want) {
			t.Errorf("the view does not say %q: %q", want, texts(w.Content()))
		}
	}
}
