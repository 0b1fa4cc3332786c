package data

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestUnmarkLetterSentSameDayOnly: a sending recorded by mistake is taken back on the
// same day (Europe/Rome) with its own audit entry; after midnight it stays.
func TestUnmarkLetterSentSameDayOnly(t *testing.T) {
	s, clock := letterRegister(t)
	ctx := context.Background()
	c := letterCase(t, s, "Antwort")
	l, err := issueLetter(s, c.Number, LetterRequest{Render: fakeLetterPDF("x")})
	if err != nil {
		t.Fatal(err)
	}
	do := func(fn func(*Tx) (*Letter, error)) (*Letter, error) {
		var out *Letter
		err := s.Update(ctx, func(t *Tx) error {
			var err error
			out, err = fn(t)
			return err
		})
		return out, err
	}
	if _, err := do(func(t *Tx) (*Letter, error) { return t.UnmarkLetterSent(l.ID) }); letterProblemKey(err) != "letter.err_not_sent" {
		t.Fatalf("undo of a letter not sent: %v", err)
	}
	if _, err := do(func(t *Tx) (*Letter, error) { return t.MarkLetterSent(l.ID, time.Time{}, "post") }); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(3 * time.Hour)
	back, err := do(func(t *Tx) (*Letter, error) { return t.UnmarkLetterSent(l.Number) })
	if err != nil || back.SentAt != nil || back.SentVia != "" || back.Status != LetterIssued {
		t.Fatalf("undo: %+v %v", back, err)
	}
	got, _ := s.GetLetter(ctx, l.ID)
	if got.SentAt != nil || got.Status != LetterIssued {
		t.Fatalf("stored after undo: %+v", got)
	}
	// sent again by PEC, and the next day the undo is refused
	if _, err := do(func(t *Tx) (*Letter, error) { return t.MarkLetterSent(l.ID, time.Time{}, "pec") }); err != nil {
		t.Fatal(err)
	}
	// 23:59 in Rome is still the same day
	clock.t = time.Date(2026, 11, 27, 23, 59, 0, 0, Rome)
	if _, err := do(func(t *Tx) (*Letter, error) { return t.UnmarkLetterSent(l.ID) }); err != nil {
		t.Fatalf("undo before midnight: %v", err)
	}
	if _, err := do(func(t *Tx) (*Letter, error) { return t.MarkLetterSent(l.ID, time.Time{}, "pec") }); err != nil {
		t.Fatal(err)
	}
	clock.t = time.Date(2026, 11, 28, 0, 1, 0, 0, Rome)
	if _, err := do(func(t *Tx) (*Letter, error) { return t.UnmarkLetterSent(l.ID) }); letterProblemKey(err) != "letter.err_unsend_late" {
		t.Fatalf("undo after midnight: %v", err)
	}
	got, _ = s.GetLetter(ctx, l.ID)
	if got.SentAt == nil || got.SentVia != "pec" {
		t.Fatalf("a refused undo changed the letter: %+v", got)
	}
	h, _ := s.History(ctx, c.ID)
	var actions []string
	var undoDetail string
	for _, e := range h {
		actions = append(actions, e.Action)
		if e.Action == ActionLetterUnsent && undoDetail == "" {
			for _, ch := range e.ChangeList() {
				undoDetail = ch.New
			}
		}
	}
	want := "create,reply,letter,letter_sent,letter_unsent,letter_sent,letter_unsent,letter_sent"
	if got := strings.Join(actions, ","); got != want {
		t.Fatalf("history %s", got)
	}
	if !strings.HasSuffix(undoDetail, "|post") {
		t.Errorf("the undo does not name the way taken back: %q", undoDetail)
	}
	if LetterActionKeys[ActionLetterUnsent] == "" {
		t.Error("no translation key for the undo")
	}
	if rep, _ := s.Verify(ctx); !rep.OK() {
		t.Fatalf("verify %+v", rep.Findings)
	}
}
