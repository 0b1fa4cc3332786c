package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests exchange operations between real registers directly through Operations
// and ApplyRemote, without files or signatures: what they check is the merge alone. Each
// office cuts its own operations into numbered files once (as the exchange publishes
// them), so a file passed on by a third office is the same file with the same hash.

// mergeClock is an office's wall clock, moved by the test.
type mergeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *mergeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *mergeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type mergeOffice struct {
	code      string
	s         *Store
	clock     *mergeClock
	published int64        // the last of its own sequences already cut into a file
	files     []*mergeFile // its files in the folder, oldest first
}

type mergeFile struct {
	f   RemoteFile
	ops []Operation
}

var mergeNames = map[string][2]string{
	"BZ":   {"Centro di mediazione lavoro Bolzano", "Arbeitsvermittlungszentrum Bozen"},
	"ME":   {"Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran"},
	"BX":   {"Centro di mediazione lavoro Bressanone", "Arbeitsvermittlungszentrum Brixen"},
	"EGNA": {"Centro di mediazione lavoro Egna", "Arbeitsvermittlungszentrum Neumarkt"},
}

// newMergeOffice makes a register for code; every office knows the others (a case can
// be forwarded to them).
func newMergeOffice(t *testing.T, code string, now time.Time) *mergeOffice {
	t.Helper()
	clock := &mergeClock{t: now}
	n := mergeNames[code]
	s, err := Create(filepath.Join(t.TempDir(), code+".ascolto"), Office{Code: code, NameIT: n[0], NameDE: n[1]}, Options{Clock: clock, Actor: "clerk-" + strings.ToLower(code)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for c, n := range mergeNames {
		if c != code {
			if err := s.PutOffice(Office{Code: c, NameIT: n[0], NameDE: n[1]}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &mergeOffice{code: code, s: s, clock: clock}
}

func opsHash(ops []Operation) string {
	b, err := json.Marshal(ops)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func fileOf(origin string, ops []Operation) mergeFile {
	first, last := ops[0].Seq, ops[len(ops)-1].Seq
	return mergeFile{f: RemoteFile{Origin: origin, First: first, Last: last, SHA256: opsHash(ops),
		Name: fmt.Sprintf("%s-%012d-%012d.ascx", origin, first, last)}, ops: ops}
}

// publish cuts the office's operations made since its last file into a new file; nil
// when there is nothing new.
func (o *mergeOffice) publish(t *testing.T) *mergeFile {
	t.Helper()
	ops, err := o.s.Operations(context.Background(), o.code, o.published, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) == 0 {
		return nil
	}
	f := fileOf(o.code, ops)
	o.published = f.f.Last
	o.files = append(o.files, &f)
	return &f
}

// deliver applies files to an office and returns how many operations it took.
func (o *mergeOffice) deliver(t *testing.T, files ...*mergeFile) int {
	t.Helper()
	total := 0
	for _, f := range files {
		if f == nil {
			continue
		}
		n, err := o.s.ApplyRemote(context.Background(), f.f, f.ops)
		if err != nil {
			t.Fatalf("%s applying %s: %v", o.code, f.f.Name, err)
		}
		total += n
	}
	return total
}

// exchange publishes every office's new operations and hands every file in the folder
// to every other office (those it took already apply nothing): a full scan.
func exchange(t *testing.T, offices ...*mergeOffice) {
	t.Helper()
	for _, o := range offices {
		o.publish(t)
	}
	for _, o := range offices {
		for _, from := range offices {
			if from != o {
				o.deliver(t, from.files...)
			}
		}
	}
}

func (o *mergeOffice) get(t *testing.T, ref string) *Case {
	t.Helper()
	c, err := o.s.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("%s: %s: %v", o.code, ref, err)
	}
	return c
}

func (o *mergeOffice) update(t *testing.T, fn func(tx *Tx) error) {
	t.Helper()
	o.clock.add(time.Minute)
	if err := o.s.Update(context.Background(), fn); err != nil {
		t.Fatalf("%s: %v", o.code, err)
	}
}

func (o *mergeOffice) hash(t *testing.T) string {
	t.Helper()
	h, err := o.s.CanonicalHash(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// conflictsOf lists the open conflicts without the local time each office noticed them,
// in a fixed order, so that two offices' lists compare.
func conflictsOf(t *testing.T, o *mergeOffice) []Conflict {
	t.Helper()
	cs, err := o.s.Conflicts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		cs[i].Since = ""
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].CaseID != cs[j].CaseID {
			return cs[i].CaseID < cs[j].CaseID
		}
		return cs[i].Field < cs[j].Field
	})
	return cs
}

func highWaters(t *testing.T, o *mergeOffice) map[string]int64 {
	t.Helper()
	hw, err := o.s.HighWaters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hw {
		if v == 0 {
			delete(hw, k) // an office that never wrote has nothing to compare
		}
	}
	return hw
}

// converged checks that the offices hold the same register: cases, outcomes and
// conflicts (canonical hash), the same operations of every office, the same conflict
// list, and that each register is intact.
func converged(t *testing.T, offices ...*mergeOffice) {
	t.Helper()
	ctx := context.Background()
	h0, hw0, c0 := offices[0].hash(t), highWaters(t, offices[0]), conflictsOf(t, offices[0])
	for _, o := range offices[1:] {
		if h := o.hash(t); h != h0 {
			t.Errorf("canonical hash %s: %s, %s: %s", offices[0].code, h0, o.code, h)
		}
		if hw := highWaters(t, o); !reflect.DeepEqual(hw, hw0) {
			t.Errorf("high-water marks %s: %v, %s: %v", offices[0].code, hw0, o.code, hw)
		}
		if c := conflictsOf(t, o); !reflect.DeepEqual(c, c0) {
			t.Errorf("conflicts %s: %+v\n%s: %+v", offices[0].code, c0, o.code, c)
		}
	}
	for _, o := range offices {
		for origin, hw := range hw0 {
			ops, err := o.s.Operations(ctx, origin, 0, 1_000_000)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(ops)) != hw {
				t.Errorf("%s holds %d operations of %s, want %d", o.code, len(ops), origin, hw)
			}
		}
		r, err := o.s.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() {
			for _, f := range r.Findings {
				t.Errorf("%s verify: %v", o.code, f)
			}
		}
	}
}

var mergeStart = time.Date(2025, 3, 3, 9, 0, 0, 0, Rome)

func mergeCase(t *testing.T, o *mergeOffice, subject string) *Case {
	t.Helper()
	var c *Case
	o.update(t, func(tx *Tx) error {
		var err error
		c, err = tx.Create(NewCase{Kind: KindComplaint, Channel: ChannelEmail, Subject: subject,
			Description: "Lo sportello era chiuso alle 10.", Category: "orari",
			Citizen: Citizen{Name: "Jörg Müller", Email: "joerg.mueller@example.it", Phone: "+39 333 1234567", Language: German}})
		return err
	})
	return c
}

func TestMergeCreatedCaseAppearsWithTheSameFields(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart.Add(-3*time.Hour))
	c := mergeCase(t, a, "Sportello chiuso")
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Lukas"); return err })
	if n := b.deliver(t, a.publish(t)); n != 2 {
		t.Fatalf("applied %d operations, want 2", n)
	}
	got, want := b.get(t, c.Number), a.get(t, c.Number)
	if got.ID != want.ID || got.fields() != want.fields() {
		t.Fatalf("received case differs:\n got %+v\nwant %+v", got.fields(), want.fields())
	}
	if got.Office != "BZ" || got.Assignee != "Lukas" || got.Citizen.Name != "Jörg Müller" {
		t.Fatalf("received case %+v", got)
	}
	if h, _ := b.s.History(context.Background(), c.ID); len(h) != 2 || h[0].Office != "BZ" || h[1].Action != "assign" {
		t.Fatalf("history at the receiver: %+v", h)
	}
	converged(t, a, b)
}

func TestMergeConcurrentEditsOfOneFieldConflictAlike(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	exchange(t, a, b)
	// Neither office has seen the other's edit. ME's happens later, so its clock reading
	// is higher and every office shows it for now.
	a.update(t, func(tx *Tx) error {
		_, err := tx.Edit(c.Number, Edit{Subject: ptr("Sportello chiuso (BZ)")})
		return err
	})
	b.clock.add(10 * time.Minute)
	b.update(t, func(tx *Tx) error {
		_, err := tx.Edit(c.Number, Edit{Subject: ptr("Sportello chiuso (ME)")})
		return err
	})
	exchange(t, a, b)
	for _, o := range []*mergeOffice{a, b} {
		if got := o.get(t, c.Number).Subject; got != "Sportello chiuso (ME)" {
			t.Errorf("%s shows %q, want the later edit", o.code, got)
		}
		cs := conflictsOf(t, o)
		if len(cs) != 1 || cs[0].Field != "subject" || len(cs[0].Heads) != 2 ||
			cs[0].Heads[0].Origin != "ME" || cs[0].Heads[0].Value != "Sportello chiuso (ME)" ||
			cs[0].Heads[1].Origin != "BZ" || cs[0].Heads[1].Value != "Sportello chiuso (BZ)" || cs[0].Number != c.Number {
			t.Errorf("%s conflicts: %+v", o.code, cs)
		}
	}
	converged(t, a, b)

	// BZ's clerk decides for the value that is not shown; the decision closes it in both.
	a.update(t, func(tx *Tx) error {
		_, err := tx.ResolveConflict(c.Number, "subject", "Sportello chiuso (BZ)", "sentito il cittadino")
		return err
	})
	if cs := conflictsOf(t, a); len(cs) != 0 {
		t.Fatalf("BZ still lists %+v", cs)
	}
	exchange(t, a, b)
	for _, o := range []*mergeOffice{a, b} {
		if got := o.get(t, c.Number).Subject; got != "Sportello chiuso (BZ)" {
			t.Errorf("%s shows %q after the decision", o.code, got)
		}
		if cs := conflictsOf(t, o); len(cs) != 0 {
			t.Errorf("%s still lists %+v", o.code, cs)
		}
	}
	converged(t, a, b)
}

func TestMergeKeepingTheShownValueAlsoTravels(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	exchange(t, a, b)
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Lukas"); return err })
	b.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Giulia"); return err })
	exchange(t, a, b)
	shown := b.get(t, c.Number).Assignee
	if shown != a.get(t, c.Number).Assignee {
		t.Fatalf("offices show different provisional values")
	}
	if cs := conflictsOf(t, b); len(cs) != 1 || cs[0].Field != "assignee" {
		t.Fatalf("conflicts %+v", cs)
	}
	b.update(t, func(tx *Tx) error { _, err := tx.ResolveConflict(c.Number, "assignee", shown, ""); return err })
	// The decision is a write of the field even though the value did not change.
	ops, _ := b.s.Operations(context.Background(), "ME", 0, 100)
	if last := ops[len(ops)-1]; last.Action != "resolve" || last.Fields["assignee"] != shown {
		t.Fatalf("decision operation %+v", last)
	}
	exchange(t, a, b)
	for _, o := range []*mergeOffice{a, b} {
		if cs := conflictsOf(t, o); len(cs) != 0 {
			t.Errorf("%s still lists %+v", o.code, cs)
		}
		if got := o.get(t, c.Number).Assignee; got != shown {
			t.Errorf("%s shows %q", o.code, got)
		}
	}
	converged(t, a, b)
}

func TestMergeConflictOnTheOutcome(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	exchange(t, a, b)
	a.update(t, func(tx *Tx) error { _, err := tx.SetOutcome(c.Number, OutcomeGranted); return err })
	b.clock.add(10 * time.Minute)
	b.update(t, func(tx *Tx) error { _, err := tx.SetOutcome(c.Number, OutcomeRejected); return err })
	exchange(t, a, b)
	oa, _ := a.s.CaseOutcome(context.Background(), c.ID)
	ob, _ := b.s.CaseOutcome(context.Background(), c.ID)
	if oa != ob || oa != OutcomeRejected {
		t.Fatalf("outcomes BZ %q ME %q, want both the later one", oa, ob)
	}
	if cs := conflictsOf(t, a); len(cs) != 1 || cs[0].Field != "outcome" {
		t.Fatalf("conflicts %+v", cs)
	}
	converged(t, a, b)
	a.update(t, func(tx *Tx) error {
		_, err := tx.ResolveConflict(c.Number, "outcome", string(OutcomeGranted), "")
		return err
	})
	exchange(t, a, b)
	ob, _ = b.s.CaseOutcome(context.Background(), c.ID)
	if ob != OutcomeGranted || len(conflictsOf(t, b)) != 0 {
		t.Fatalf("ME after the decision: %q %+v", ob, conflictsOf(t, b))
	}
	converged(t, a, b)
}

func TestMergeEditsOfDifferentFieldsDoNotConflict(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	exchange(t, a, b)
	a.update(t, func(tx *Tx) error {
		_, err := tx.Edit(c.Number, Edit{Subject: ptr("Orari dello sportello")})
		return err
	})
	b.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Giulia"); return err })
	b.update(t, func(tx *Tx) error { _, err := tx.SetSatisfaction(c.Number, 4); return err })
	exchange(t, a, b)
	for _, o := range []*mergeOffice{a, b} {
		got := o.get(t, c.Number)
		if got.Subject != "Orari dello sportello" || got.Assignee != "Giulia" || got.Satisfaction != 4 {
			t.Errorf("%s: %+v", o.code, got)
		}
		if cs := conflictsOf(t, o); len(cs) != 0 {
			t.Errorf("%s lists conflicts %+v", o.code, cs)
		}
	}
	// An edit made after seeing the other office's is no conflict either.
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Lukas"); return err })
	exchange(t, a, b)
	if got := b.get(t, c.Number).Assignee; got != "Lukas" || len(conflictsOf(t, b)) != 0 {
		t.Fatalf("ME: %q %+v", got, conflictsOf(t, b))
	}
	converged(t, a, b)
}

func TestMergeOperationBeforeItsCaseWaits(t *testing.T) {
	a, b, x := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart), newMergeOffice(t, "BX", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	fa := a.publish(t)
	b.deliver(t, fa)
	b.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Giulia"); return err })
	b.update(t, func(tx *Tx) error { _, err := tx.SetStatus(c.Number, StatusInProgress, time.Time{}, ""); return err })
	fb := b.publish(t)
	// BX hears from ME first: the operations are kept, no case appears yet.
	if n := x.deliver(t, fb); n != 2 {
		t.Fatalf("applied %d, want 2", n)
	}
	if _, err := x.s.Get(context.Background(), c.ID); err == nil {
		t.Fatalf("a case without its creation appeared")
	}
	if hw, _ := x.s.HighWater(context.Background(), "ME"); hw != fb.f.Last {
		t.Fatalf("ME high-water %d", hw)
	}
	x.deliver(t, fa)
	got := x.get(t, c.Number)
	if got.Assignee != "Giulia" || got.Status != StatusInProgress || got.Subject != "Sportello chiuso" || got.Citizen.Name != "Jörg Müller" {
		t.Fatalf("case at BX: %+v", got)
	}
	if got.fields() != b.get(t, c.Number).fields() {
		t.Fatalf("BX and ME differ:\n%v\n%v", got.fields(), b.get(t, c.Number).fields())
	}
	exchange(t, a, b, x)
	converged(t, a, b, x)
}

func TestMergeDuplicateGapAndFork(t *testing.T) {
	ctx := context.Background()
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	f1 := a.publish(t) // 1
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Lukas"); return err })
	a.update(t, func(tx *Tx) error { _, err := tx.SetSatisfaction(c.Number, 2); return err })
	f2 := a.publish(t) // 2…3

	// A gap waits and changes nothing.
	before, hwBefore := b.hash(t), highWaters(t, b)
	if _, err := b.s.ApplyRemote(ctx, f2.f, f2.ops); !errors.Is(err, ErrGap) {
		t.Fatalf("file after a gap: %v", err)
	}
	if b.hash(t) != before || !reflect.DeepEqual(highWaters(t, b), hwBefore) {
		t.Fatalf("a refused file changed the register")
	}
	if n := b.deliver(t, f1); n != 1 {
		t.Fatalf("applied %d", n)
	}
	// The same file again takes nothing.
	if n := b.deliver(t, f1); n != 0 {
		t.Fatalf("a duplicate applied %d", n)
	}
	if n := b.deliver(t, f2); n != 2 {
		t.Fatalf("applied %d", n)
	}
	if n := b.deliver(t, f2, f1); n != 0 {
		t.Fatalf("duplicates applied %d", n)
	}

	// Same range, other content: a fork, and nothing changes.
	forged := append([]Operation(nil), f2.ops...)
	forged[1].Fields = map[string]string{"satisfaction": "5"}
	ff := fileOf("BZ", forged)
	if ff.f.SHA256 == f2.f.SHA256 {
		t.Fatal("test file not different")
	}
	before = b.hash(t)
	if _, err := b.s.ApplyRemote(ctx, ff.f, ff.ops); !errors.Is(err, ErrFork) {
		t.Fatalf("same range, other content: %v", err)
	}
	if b.hash(t) != before || b.get(t, c.Number).Satisfaction != 2 {
		t.Fatalf("a fork changed the register")
	}

	// A file cut differently (first sequence 3, inside an applied file) repeats a held
	// operation: with other content it is a fork, with the same only the new one counts.
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Anna"); return err })
	tail, _ := a.s.Operations(ctx, "BZ", 2, 100) // 3…4
	bad := append([]Operation(nil), tail...)
	bad[0].Action = "edit"
	badFile := fileOf("BZ", bad)
	if _, err := b.s.ApplyRemote(ctx, badFile.f, badFile.ops); !errors.Is(err, ErrFork) {
		t.Fatalf("overlap with other content: %v", err)
	}
	overlap := fileOf("BZ", tail)
	if n := b.deliver(t, &overlap); n != 1 {
		t.Fatalf("overlapping file applied %d, want 1", n)
	}
	if b.get(t, c.Number).Assignee != "Anna" {
		t.Fatalf("new operation of the overlapping file missing")
	}

	// A file whose name and operations disagree is refused.
	wrong := fileOf("BZ", tail)
	wrong.f.Last = 9
	_, err := b.s.ApplyRemote(ctx, wrong.f, wrong.ops)
	wantProblem(t, err, "exchange.bad_range")
	a.published = 4
	converged(t, a, b)
}

// A longer file from the same first sequence (a snapshot, or a file re-cut after a
// crash between writing and renaming) holds what was applied plus more: not a fork.
func TestMergeLongerFileFromTheSameFirstSequence(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	b.deliver(t, a.publish(t)) // 1
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Lukas"); return err })
	all, _ := a.s.Operations(context.Background(), "BZ", 0, 100)
	longer := fileOf("BZ", all) // 1…2
	n, err := b.s.ApplyRemote(context.Background(), longer.f, longer.ops)
	if err != nil || n != 1 {
		t.Fatalf("file 1…2 after file 1…1: applied %d, %v", n, err)
	}
}

// A held operation is compared with the one a file repeats: a different value under
// the same sequence is a fork even when clock, case and action agree.
func TestMergeForkInTheFieldsOfAHeldOperation(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Lukas"); return err })
	b.deliver(t, a.publish(t)) // 1…2
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Anna"); return err })
	tail, _ := a.s.Operations(context.Background(), "BZ", 1, 100) // 2…3
	tail[0].Fields = map[string]string{"assignee": "Mallory"}
	f := fileOf("BZ", tail)
	if _, err := b.s.ApplyRemote(context.Background(), f.f, f.ops); !errors.Is(err, ErrFork) {
		t.Fatalf("held operation with other fields: %v", err)
	}
}

func TestMergeForwardTravels(t *testing.T) {
	a, b, x := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart), newMergeOffice(t, "BX", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	a.update(t, func(tx *Tx) error {
		_, err := tx.Forward(c.Number, "ME", "Servizio orientamento", "competente")
		return err
	})
	exchange(t, a, b, x)
	for _, o := range []*mergeOffice{b, x} {
		got := o.get(t, c.Number)
		if got.Office != "ME" || got.Service != "Servizio orientamento" || got.Number != c.Number || got.DueDate != c.DueDate {
			t.Errorf("%s: %+v", o.code, got)
		}
	}
	// The office the case went to works on it; the others see that.
	b.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Giulia"); return err })
	exchange(t, a, b, x)
	if got := x.get(t, c.Number).Assignee; got != "Giulia" {
		t.Fatalf("BX: %q", got)
	}
	converged(t, a, b, x)
}

// anonymisedCase creates and answers a case at o, passes it to the others, and then
// erases its personal data at o.
func anonymisedCase(t *testing.T, o *mergeOffice, others ...*mergeOffice) *Case {
	c := mergeCase(t, o, "Sportello chiuso")
	o.update(t, func(tx *Tx) error {
		_, err := tx.Reply(c.Number, "Gentile signor Müller, lo sportello riapre lunedì.", German, time.Time{})
		return err
	})
	exchange(t, append([]*mergeOffice{o}, others...)...)
	o.update(t, func(tx *Tx) error {
		_, err := tx.Anonymise(c.Number, ReasonErasure, "richiesta del cittadino")
		return err
	})
	exchange(t, append([]*mergeOffice{o}, others...)...)
	return c
}

func TestMergeAnonymiseTravels(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := anonymisedCase(t, a, b)
	got := b.get(t, c.Number)
	if got.Citizen.Name != "" || got.Citizen.Email != "" || got.Citizen.Phone != "" || got.Description != "" ||
		got.Subject != AnonymisedText || got.Reply.Text != AnonymisedText || got.Kind != KindComplaint || got.Status != StatusAnswered {
		t.Fatalf("ME after the erasure: %+v", got)
	}
	reason, _, err := b.s.Anonymised(context.Background(), c.ID)
	if err != nil || reason != ReasonErasure {
		t.Fatalf("ME records anonymisation %q, %v", reason, err)
	}
	if hits, _ := b.s.Search(context.Background(), Filter{Query: "Müller"}); len(hits) != 0 {
		t.Fatalf("ME still finds the citizen: %d cases", len(hits))
	}
	converged(t, a, b)
}

// The office that erases removes the personal values from the case's history too
// (privacy.go); an office that receives the erasure must not keep them either: not in
// its audit trail, not in the operations it holds and would pass on.
func TestMergeAnonymiseLeavesNoPersonalDataAnywhere(t *testing.T) {
	ctx := context.Background()
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := anonymisedCase(t, a, b)
	personal := []string{"Müller", "joerg.mueller", "333 1234567", "Sportello chiuso", "sportello riapre"}
	for _, o := range []*mergeOffice{a, b} {
		h, err := o.s.History(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h {
			for _, p := range personal {
				if strings.Contains(e.Changes, p) {
					t.Errorf("%s: audit entry %d (%s) keeps %q: %s", o.code, e.Seq, e.Action, p, e.Changes)
				}
			}
		}
		for _, origin := range []string{"BZ", "ME"} {
			ops, _ := o.s.Operations(ctx, origin, 0, 1000)
			for _, op := range ops {
				for f, v := range op.Fields {
					for _, p := range personal {
						if strings.Contains(v, p) {
							t.Errorf("%s: operation %s %d keeps %q in %s", o.code, op.Origin, op.Seq, p, f)
						}
					}
				}
			}
		}
	}
}

func TestMergeOwnOperationsAfterRestoringAnOlderBackup(t *testing.T) {
	ctx := context.Background()
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	backup := filepath.Join(t.TempDir(), "before.ascolto")
	if err := a.s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Lukas"); return err })
	c2 := mergeCase(t, a, "Modulo non trovato")
	lost := a.publish(t) // published, then the register is lost and restored
	b.deliver(t, lost)

	path := a.s.Path()
	a.s.Close()
	if _, err := Restore(ctx, backup, path); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{Clock: a.clock, Actor: "clerk-bz"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a.s = s
	if hw, _ := s.HighWater(ctx, "BZ"); hw != 1 {
		t.Fatalf("restored register at sequence %d", hw)
	}
	// The office reads its own files back from the folder.
	if n := a.deliver(t, lost); n != int(lost.f.Last-lost.f.First+1) {
		t.Fatalf("re-applied %d of its own operations", n)
	}
	if hw, _ := s.HighWater(ctx, "BZ"); hw != lost.f.Last {
		t.Fatalf("sequence %d after re-applying, want %d", hw, lost.f.Last)
	}
	if got := a.get(t, c2.Number); got.Subject != "Modulo non trovato" || a.get(t, c.Number).Assignee != "Lukas" {
		t.Fatalf("restored cases: %+v", got)
	}
	// New work continues after them, with new sequences and a new protocol number.
	var c3 *Case
	o := a
	o.clock.add(time.Minute)
	err = s.Update(ctx, func(tx *Tx) error {
		var err error
		c3, err = tx.Create(NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Terzo caso"})
		return err
	})
	if err != nil {
		t.Fatalf("creating a case after re-applying: %v", err)
	}
	if c3.Number == c2.Number || c3.Number == c.Number {
		t.Fatalf("number %s given twice", c3.Number)
	}
	ops, _ := s.Operations(ctx, "BZ", lost.f.Last, 10)
	if len(ops) != 1 || ops[0].Seq != lost.f.Last+1 {
		t.Fatalf("next operation %+v", ops)
	}
	exchange(t, a, b)
	converged(t, a, b)
}

// The three offices edit a few cases in turn and concurrently, passing files in
// different orders; at the end all hold the same register.
func TestMergeThreeOfficesConverge(t *testing.T) {
	a, b, x := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart.Add(26*time.Hour)), newMergeOffice(t, "BX", mergeStart.Add(-50*time.Hour))
	ca := mergeCase(t, a, "Sportello chiuso")
	cb := mergeCase(t, b, "Corso di tedesco")
	exchange(t, a, b, x)
	a.update(t, func(tx *Tx) error { _, err := tx.Assign(cb.Number, "Lukas"); return err })
	b.update(t, func(tx *Tx) error { _, err := tx.Assign(cb.Number, "Giulia"); return err })
	x.update(t, func(tx *Tx) error { _, err := tx.Assign(cb.Number, "Anna"); return err })
	x.update(t, func(tx *Tx) error { _, err := tx.Edit(ca.Number, Edit{Category: ptr("accesso")}); return err })
	fa, fb, fx := a.publish(t), b.publish(t), x.publish(t)
	a.deliver(t, fx, fb)
	b.deliver(t, fa, fx)
	x.deliver(t, fb, fa)
	converged(t, a, b, x)
	cs := conflictsOf(t, a)
	if len(cs) != 1 || cs[0].Field != "assignee" || len(cs[0].Heads) != 3 {
		t.Fatalf("conflicts %+v", cs)
	}
	// ME's clock is a day ahead: its write has the highest reading and shows everywhere.
	if cs[0].Heads[0].Origin != "ME" || a.get(t, cb.Number).Assignee != "Giulia" {
		t.Fatalf("provisional value %+v", cs[0].Heads)
	}
	// BX (clock two days behind) decides; its decision has seen all three and wins.
	x.update(t, func(tx *Tx) error { _, err := tx.ResolveConflict(cb.Number, "assignee", "Anna", ""); return err })
	// Meanwhile BZ edits another field of the same case.
	a.update(t, func(tx *Tx) error { _, err := tx.SetSatisfaction(cb.Number, 5); return err })
	exchange(t, x, b, a)
	for _, o := range []*mergeOffice{a, b, x} {
		got := o.get(t, cb.Number)
		if got.Assignee != "Anna" || got.Satisfaction != 5 || len(conflictsOf(t, o)) != 0 {
			t.Errorf("%s: %q %d %+v", o.code, got.Assignee, got.Satisfaction, conflictsOf(t, o))
		}
	}
	converged(t, a, b, x)
}

// A case's workflow fields hang together: "waiting" has the day the clock stopped, an
// answered case has its reply. Merged field by field, two concurrent changes can leave a
// combination no clerk made (found by the simulation, seed 80): ME resolves a status
// conflict to "waiting" while BZ, which had not seen it, replies and clears the waiting
// day. The case must stay one a clerk can go on working with.
func TestMergeKeepsWorkflowFieldsTogether(t *testing.T) {
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, a, "Sportello chiuso")
	exchange(t, a, b)
	a.update(t, func(tx *Tx) error { _, err := tx.SetStatus(c.Number, StatusWaiting, time.Time{}, ""); return err })
	b.update(t, func(tx *Tx) error { _, err := tx.SetStatus(c.Number, StatusInProgress, time.Time{}, ""); return err })
	b.deliver(t, a.publish(t)) // ME sees both writes of the status, BZ only its own
	if cs := conflictsOf(t, b); len(cs) != 1 || cs[0].Field != "status" {
		t.Fatalf("conflicts at ME %+v", cs)
	}
	a.update(t, func(tx *Tx) error {
		_, err := tx.Reply(c.Number, "Lo sportello riapre lunedì.", Italian, time.Time{})
		return err
	})
	b.clock.add(time.Hour)
	b.update(t, func(tx *Tx) error {
		_, err := tx.ResolveConflict(c.Number, "status", string(StatusWaiting), "")
		return err
	})
	exchange(t, a, b)
	converged(t, a, b)
	for _, o := range []*mergeOffice{a, b} {
		got := o.get(t, c.Number)
		if got.Status == StatusWaiting && got.WaitingSince == "" {
			t.Errorf("%s: status waiting without the day it started (waiting_since empty)", o.code)
		}
		err := o.s.Update(context.Background(), func(tx *Tx) error {
			_, err := tx.SetStatus(c.Number, StatusInProgress, time.Time{}, "")
			return err
		})
		if _, ok := AsProblem(err); err != nil && !ok {
			t.Errorf("%s: moving the case on fails inside the register: %v", o.code, err)
		}
	}
}

// A register may record a case for another office of the department (NewCase.Office,
// `ascoltoctl add --office`, the demo): its number then carries that office's code. The
// other office numbers its own cases with the same code; when their registers meet, a
// number must not stop the exchange.
func TestMergeCaseNumberedForAnotherOffice(t *testing.T) {
	ctx := context.Background()
	a, b := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	var forME *Case
	a.update(t, func(tx *Tx) error {
		var err error
		forME, err = tx.Create(NewCase{Office: "ME", Kind: KindRequest, Channel: ChannelPhone, Subject: "Per Merano"})
		return err
	})
	own := mergeCase(t, b, "Sportello chiuso")
	if forME.Number != own.Number {
		t.Skipf("numbers differ (%s, %s): nothing to check", forME.Number, own.Number)
	}
	f := a.publish(t)
	if _, err := b.s.ApplyRemote(ctx, f.f, f.ops); err != nil {
		t.Fatalf("ME cannot take BZ's file: %v", err)
	}
	exchange(t, a, b)
	converged(t, a, b)
}

// TestMergeLegacyNumbersOfAnotherOffice: a register from before the exchange numbered
// cases for another office from that office's counter (BZ's register kept from the first
// release holds EGNA-2026-000001…4). When EGNA, which numbers its own cases, joins, both
// have an EGNA-2026-000001: the exchange must not stop, both cases must be kept, and both
// registers must show the same numbers — EGNA's own case keeps it, BZ's shows
// EGNA-2026-000001-BZ — whichever register learns of the other first.
func TestMergeLegacyNumbersOfAnotherOffice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bz.ascolto")
	b, err := os.ReadFile(filepath.Join("testdata", "register-v2.ascolto"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	clock := &mergeClock{t: mergeStart}
	s, err := Open(path, Options{Clock: clock, Actor: "clerk-bz"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	bz := &mergeOffice{code: "BZ", s: s, clock: clock}
	eg := newMergeOffice(t, "EGNA", mergeStart)
	mergeCase(t, eg, "Sportello chiuso") // EGNA-2025-000001: taken by BZ's legacy case too
	mine := mergeCase(t, eg, "Orari")
	exchange(t, bz, eg)
	exchange(t, bz, eg)
	converged(t, bz, eg)
	for _, o := range []*mergeOffice{bz, eg} {
		if c, err := o.s.Get(ctx, mine.Number); err != nil || c.ID != mine.ID {
			t.Errorf("%s: %s is not EGNA's own case: %v", o.code, mine.Number, err)
		}
		legacy, err := o.s.Get(ctx, mine.Number+"-BZ")
		if err != nil || legacy.Office != "EGNA" {
			t.Errorf("%s: BZ's legacy case not shown as %s-BZ: %v", o.code, mine.Number, err)
		}
		if rep, err := o.s.Verify(ctx); err != nil || !rep.OK() {
			t.Errorf("%s verify: %v %+v", o.code, err, rep)
		}
	}
}
