package data

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// An erasure and edits of the same case made at the same time in other offices (none
// had seen the other) reach the offices in every order: the erasure wins over each
// edit of a personal field, in every office alike, and no office keeps the edited text.
func TestMergeErasureWinsOverConcurrentEditsInAnyOrder(t *testing.T) {
	ctx := context.Background()
	a := newMergeOffice(t, "BZ", mergeStart)
	b := newMergeOffice(t, "ME", mergeStart)
	c := newMergeOffice(t, "BX", mergeStart)
	d := newMergeOffice(t, "EGNA", mergeStart)
	all := []*mergeOffice{a, b, c, d}
	k := mergeCase(t, a, "Sportello chiuso")
	a.update(t, func(tx *Tx) error {
		_, err := tx.Reply(k.Number, "Gentile signor Müller, lo sportello riapre lunedì.", German, time.Time{})
		return err
	})
	exchange(t, all...)

	// BZ erases; ME, its clock ahead (its edit outranks the erasure as a value), edits
	// the subject, the description, the citizen and the category meanwhile.
	a.update(t, func(tx *Tx) error {
		_, err := tx.Anonymise(k.Number, ReasonErasure, "richiesta del cittadino")
		return err
	})
	b.clock.add(time.Hour)
	b.update(t, func(tx *Tx) error {
		subject := "Sportello chiuso, il signor Müller chiede un rimborso"
		desc := "Il signor Müller ha telefonato di nuovo."
		cat := "sussidi"
		_, err := tx.Edit(k.Number, Edit{Subject: &subject, Description: &desc, Category: &cat,
			Citizen: &Citizen{Name: "Jörg Müller", Email: "j.mueller@example.it", Language: German}})
		return err
	})
	erasure, edit := a.publish(t), b.publish(t)
	a.deliver(t, edit)
	b.deliver(t, erasure)
	c.deliver(t, erasure, edit) // the erasure first
	d.deliver(t, edit, erasure) // the edit first
	exchange(t, all...)
	converged(t, all...)
	for _, o := range all {
		got := o.get(t, k.Number)
		if got.Subject != AnonymisedText || got.Reply.Text != AnonymisedText || got.Citizen.Name != "" || got.Citizen.Email != "" ||
			got.Description != "" || got.Category != "sussidi" {
			t.Errorf("%s: the erased case: %+v", o.code, got)
		}
		if reason, _, _ := o.s.Anonymised(ctx, k.ID); reason != ReasonErasure {
			t.Errorf("%s: anonymised %q", o.code, reason)
		}
		h, err := o.s.History(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h {
			if strings.Contains(e.Changes, "Müller") || strings.Contains(e.Changes, "rimborso") {
				t.Errorf("%s: audit entry %d (%s) keeps the erased data: %s", o.code, e.Seq, e.Action, e.Changes)
			}
		}
		if cs := conflictsOf(t, o); len(cs) != 0 {
			t.Errorf("%s: conflicts over the erased case: %+v", o.code, cs)
		}
	}
}

// A clerk cannot write personal data or add a file to a case erased here: every other
// office would give the case the erased form, so the change would live here alone.
func TestErasedCaseRefusesPersonalDataAndFiles(t *testing.T) {
	a := newMergeOffice(t, "BZ", mergeStart)
	k := anonymisedCase(t, a)
	err := a.s.Update(context.Background(), func(tx *Tx) error {
		subject := "Il signor Müller di nuovo"
		_, err := tx.Edit(k.Number, Edit{Subject: &subject})
		return err
	})
	var p *Problem
	if !errors.As(err, &p) || p.Key != "stats.erased_change" {
		t.Fatalf("edit of an erased subject: %v", err)
	}
	err = a.s.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.Attach(k.Number, "Müller.pdf", "application/pdf", []byte("%PDF-1.4 Müller"))
		return err
	})
	if !errors.As(err, &p) || p.Key != "stats.erased_file" {
		t.Fatalf("file added to an erased case: %v", err)
	}
	// What names nobody still changes.
	a.update(t, func(tx *Tx) error {
		cat := "accesso"
		_, err := tx.Edit(k.Number, Edit{Category: &cat})
		return err
	})
	if got := a.get(t, k.Number); got.Category != "accesso" || got.Subject != AnonymisedText {
		t.Fatalf("after a change of category: %+v", got)
	}
}
