package data_test

import (
	"context"
	"strings"
	"testing"

	"ascolto/data"
)

// TestOutcome: recorded through the write path (history, version, change log), refused
// when unknown, taken back with "".
func TestOutcome(t *testing.T) {
	s, clock := privRegister(t, "2026-03-02 09:00")
	ctx := context.Background()
	c := answeredCase(t, s, clock, "2026-03-02 09:00", "2026-03-03 09:00", mueller)
	_, err := s.SetOutcome(ctx, c.Number, "maybe")
	wantKey(t, err, "stats.outcome_unknown")
	got, err := s.SetOutcome(ctx, c.Number, data.OutcomeRejected)
	if err != nil || got.Version != c.Version+1 {
		t.Fatalf("outcome: %v, version %d", err, got.Version)
	}
	if o, _ := s.CaseOutcome(ctx, c.ID); o != data.OutcomeRejected {
		t.Errorf("outcome read back %q", o)
	}
	if again, _ := s.SetOutcome(ctx, c.Number, data.OutcomeRejected); again.Version != got.Version {
		t.Error("the same outcome again made a new version")
	}
	h, _ := s.History(ctx, c.ID)
	if last := h[len(h)-1]; last.Action != "outcome" || !strings.Contains(last.Changes, `"outcome":["","rejected"]`) {
		t.Errorf("history %+v", last)
	}
	if _, err := s.SetOutcome(ctx, c.Number, ""); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.CaseOutcome(ctx, c.ID); o != "" {
		t.Errorf("outcome not taken back: %q", o)
	}
	if rep, _ := s.Verify(ctx); !rep.OK() {
		t.Errorf("verify: %+v", rep.Findings)
	}
}

// TestImprovementActions: a recurring cause becomes an action with owner and due date,
// linked to its cases (one by one or by category); every change is audited.
func TestImprovementActions(t *testing.T) {
	s, clock := privRegister(t, "2026-03-02 09:00")
	ctx := context.Background()
	var cases []*data.Case
	for _, d := range []string{"2026-03-02 09:00", "2026-03-03 09:00", "2026-03-04 09:00"} {
		cases = append(cases, answeredCase(t, s, clock, d, "", mueller))
	}
	clock.set("2026-03-10 09:00")
	create := func(na data.NewAction) (*data.ImprovementAction, error) {
		var a *data.ImprovementAction
		err := s.Update(ctx, func(tx *data.Tx) error {
			var err error
			a, err = tx.CreateAction(na)
			return err
		})
		return a, err
	}
	for key, na := range map[string]data.NewAction{
		"stats.action_title": {Owner: "m.ferrari", DueDate: "2026-04-30"},
		"stats.action_owner": {Title: "Più sedie", DueDate: "2026-04-30"},
		"err.date":           {Title: "Più sedie", Owner: "m.ferrari", DueDate: "30/04/2026"},
	} {
		_, err := create(na)
		wantKey(t, err, key)
	}
	a, err := create(data.NewAction{Title: "Più sedie nella sala d'attesa", Cause: "tempi di attesa", Owner: "m.ferrari", DueDate: "2026-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Status != data.ActionOpen || a.Office != "BZ" || a.Overdue {
		t.Errorf("new action %+v", a)
	}
	var linked int
	err = s.Update(ctx, func(tx *data.Tx) error {
		n, err := tx.LinkCases(a.ID, cases[0].Number)
		if err != nil {
			return err
		}
		m, err := tx.LinkCategory(a.ID, "tempi di attesa", "2026-03-01", "2026-03-31")
		linked = n + m
		return err
	})
	if err != nil || linked != 3 {
		t.Fatalf("linked %d: %v", linked, err)
	}
	list, _ := s.ActionCases(ctx, a.ID, 0)
	if len(list) != 3 || list[0].Number != cases[2].Number {
		t.Errorf("cases behind the action: %d", len(list))
	}
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.UnlinkCase(a.ID, cases[1].Number) }); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *data.Tx) error { return tx.UnlinkCase(a.ID, cases[1].Number) })
	wantKey(t, err, "stats.action_not_linked")

	clock.set("2026-04-02 09:00") // past the due date
	pending, _ := s.Actions(ctx, data.ActionFilter{Pending: true})
	if len(pending) != 1 || !pending[0].Overdue || pending[0].Cases != 2 {
		t.Fatalf("pending actions %+v", pending)
	}
	done := data.ActionDone
	result := "Dodici sedie nuove dal 1° aprile"
	err = s.Update(ctx, func(tx *data.Tx) error {
		_, err := tx.EditAction(a.ID, data.ActionEdit{Status: &done, Result: &result})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if pending, _ = s.Actions(ctx, data.ActionFilter{Pending: true}); len(pending) != 0 {
		t.Errorf("a done action is still pending")
	}
	got, _ := s.Action(ctx, a.ID)
	if got.Status != data.ActionDone || got.Result != result || got.Overdue {
		t.Errorf("action after edit %+v", got)
	}
	bad := data.ActionStatus("someday")
	err = s.Update(ctx, func(tx *data.Tx) error { _, err := tx.EditAction(a.ID, data.ActionEdit{Status: &bad}); return err })
	wantKey(t, err, "stats.action_status")
	_, err = s.Action(ctx, 99)
	wantKey(t, err, "stats.action_unknown")
	var entries int
	s.DB().QueryRow(`SELECT count(*) FROM audit WHERE action = 'improvement:BZ' AND case_id = ''`).Scan(&entries)
	if entries != 5 { // created, linked twice (one entry per call), unlinked, edited
		t.Errorf("%d audit entries for the action", entries)
	}
	if acts, _ := s.CaseActions(ctx, cases[0].ID); len(acts) != 1 || acts[0].ID != a.ID {
		t.Errorf("actions of a case: %+v", acts)
	}
	if rep, _ := s.Verify(ctx); !rep.OK() {
		t.Errorf("verify: %+v", rep.Findings)
	}
}
