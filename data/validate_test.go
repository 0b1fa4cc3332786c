package data

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

// forge makes one operation of office o on a case, as a broken or hostile program of that
// office would sign it: the next sequence of the office, a clock past everything it
// holds, deps saying it had seen every operation on the case it holds.
func forge(t *testing.T, o *mergeOffice, caseID, action string, fields map[string]string) *mergeFile {
	t.Helper()
	ctx := context.Background()
	seq, err := o.s.HighWater(ctx, o.code)
	if err != nil {
		t.Fatal(err)
	}
	deps := map[string]int64{}
	var top HLC
	for _, origin := range []string{"BZ", "ME", "BX", "EGNA"} {
		ops, err := o.s.Operations(ctx, origin, 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			if top.Less(op.HLC) {
				top = op.HLC
			}
			if op.CaseID == caseID && origin != o.code && deps[origin] < op.Seq {
				deps[origin] = op.Seq
			}
		}
	}
	o.clock.add(time.Minute)
	op := Operation{Origin: o.code, Seq: seq + 1, HLC: top.Tick(o.clock.Now()), CaseID: caseID, Action: action,
		Deps: deps, Fields: fields, Actor: "clerk-" + strings.ToLower(o.code), At: formatTime(o.clock.Now())}
	f := fileOf(o.code, []Operation{op})
	return &f
}

func rejectedOf(t *testing.T, o *mergeOffice) []RejectedOp {
	t.Helper()
	rs, err := o.s.RejectedOps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		rs[i].At = "" // when this register received it: not shared
	}
	return rs
}

// TestRejectedOperations: one signed operation of a trusted office must not do what no
// clerk of the receiving office could do. Each is kept as received (the exchange goes on,
// the office's next file applies), listed with the rule it breaks in every office alike,
// and changes nothing: the case stays as it was and the next local number is the next.
func TestRejectedOperations(t *testing.T) {
	ctx := context.Background()
	future := formatTime(mergeStart.Add(time.Hour))
	for _, tc := range []struct {
		name   string
		action string
		fields func(c *Case) map[string]string
		target string // "" the case; "new" a case id of its own
		reason string
	}{
		{"close unanswered", "close", func(*Case) map[string]string {
			return map[string]string{"status": "closed", "closed_at": future, "answered_at": future}
		}, "", "err.reply_empty"},
		{"close unanswered with a reply", "close", func(*Case) map[string]string {
			return map[string]string{"status": "closed", "closed_at": future, "answered_at": future, "reply_text": "Fatto.", "reply_language": "it", "reply_at": future}
		}, "", "err.transition"},
		{"status nonsense", "close", func(*Case) map[string]string {
			return map[string]string{"status": "done", "closed_at": future, "answered_at": future}
		}, "", "err.status"},
		{"channel nonsense", "edit", func(*Case) map[string]string { return map[string]string{"channel": "fax"} }, "", "err.channel"},
		{"kind nonsense", "edit", func(*Case) map[string]string { return map[string]string{"kind": "nonsense"} }, "", "err.kind"},
		{"language nonsense", "edit", func(*Case) map[string]string { return map[string]string{"citizen_language": "xx"} }, "", "err.language"},
		{"receipt date changed", "edit", func(*Case) map[string]string { return map[string]string{"received_at": future} }, "", "exchange.rejected.fixed"},
		{"erase unanswered", "erase", func(*Case) map[string]string {
			return map[string]string{"citizen_name": "", "citizen_email": "", "citizen_phone": "", "subject": AnonymisedText, "description": ""}
		}, "", "stats.erase_open"},
		{"empty subject", "edit", func(*Case) map[string]string { return map[string]string{"subject": " \u200b "} }, "", "err.subject_empty"},
		{"number in BZ's numbering", "create", func(c *Case) map[string]string {
			f := map[string]string{}
			for i, v := range c.fields() {
				if v != "" {
					f[fieldNames[i]] = v
				}
			}
			f["number"], f["office"] = "BZ-2025-999999", "ME"
			return f
		}, "new", "exchange.rejected.number_owner"},
		{"number for another office in a third's numbering", "create", func(c *Case) map[string]string {
			f := map[string]string{}
			for i, v := range c.fields() {
				if v != "" {
					f[fieldNames[i]] = v
				}
			}
			f["number"], f["office"] = "BZ-2025-999999", "BX"
			return f
		}, "new", "exchange.rejected.number_owner"},
		{"number changed", "edit", func(*Case) map[string]string { return map[string]string{"number": "BZ-2025-999999"} }, "", "exchange.rejected.fixed"},
		{"change of a case never seen", "assign", func(*Case) map[string]string { return map[string]string{"assignee": "Mallory"} }, "unseen", "exchange.rejected.unknown_case"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bz, me, bx := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart), newMergeOffice(t, "BX", mergeStart)
			c := mergeCase(t, bz, "Sportello chiuso")
			exchange(t, bz, me, bx)
			before := bz.get(t, c.Number).fields()
			mergeCase(t, me, "Orari di apertura") // ME's own, legitimate work before the forged operation
			exchange(t, bz, me, bx)
			target := c.ID
			switch tc.target {
			case "new":
				target = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
			}
			var bad *mergeFile
			if tc.target == "unseen" {
				// ME's program claims to have seen nothing of the case.
				bad = forge(t, me, c.ID, tc.action, tc.fields(c))
				bad.ops[0].Deps = nil
				*bad = fileOf("ME", bad.ops)
			} else {
				bad = forge(t, me, target, tc.action, tc.fields(c))
			}
			for _, o := range []*mergeOffice{bz, bx} {
				if _, err := o.s.ApplyRemote(ctx, bad.f, bad.ops); err != nil {
					t.Fatalf("%s: the exchange stops at a rejected operation: %v", o.code, err)
				}
				if hw, _ := o.s.HighWater(ctx, "ME"); hw != bad.f.Last {
					t.Errorf("%s: ME's high-water %d, want %d (the operation counts as received)", o.code, hw, bad.f.Last)
				}
				if got := o.get(t, c.Number).fields(); got != before {
					t.Errorf("%s: the case changed:\n%v\n%v", o.code, got, before)
				}
				if _, err := o.s.Get(ctx, "BZ-2025-999999"); err == nil {
					t.Errorf("%s: BZ-2025-999999 exists", o.code)
				}
				rs := rejectedOf(t, o)
				if len(rs) != 1 || rs[0].Origin != "ME" || rs[0].Seq != bad.f.Last || rs[0].Reason != tc.reason || rs[0].Action != tc.action {
					t.Fatalf("%s: rejected %+v, want one of ME %d for %s", o.code, rs, bad.f.Last, tc.reason)
				}
			}
			if a, b := rejectedOf(t, bz), rejectedOf(t, bx); !reflect.DeepEqual(a, b) {
				t.Errorf("rejected lists differ:\nBZ %+v\nBX %+v", a, b)
			}
			// The program that signed it is ME's own: its register takes its file back
			// (and judges it alike), and ME's next, sound work is taken after it: no
			// gap, no stuck sequence.
			me.deliver(t, bad)
			me.files, me.published = append(me.files, bad), bad.f.Last
			next := mergeCase(t, me, "Parcheggio")
			f := me.publish(t)
			bz.deliver(t, f)
			bx.deliver(t, f)
			if got := bz.get(t, next.Number); got.Subject != "Parcheggio" {
				t.Errorf("ME's next case at BZ: %+v", got)
			}
			mine := mergeCase(t, bz, "Rumore")
			if mine.Number != "BZ-2025-000002" {
				t.Errorf("BZ's next number %s, want BZ-2025-000002", mine.Number)
			}
			exchange(t, bz, me, bx)
			converged(t, bz, bx)
			// ME's register holds its own operation without an audit entry (it never
			// changed anything), which its verify rightly reports; it holds the same cases.
			if a, b := bz.hash(t), me.hash(t); a != b {
				t.Errorf("canonical hash BZ %s, ME %s", a, b)
			}
			if a, b := rejectedOf(t, bz), rejectedOf(t, me); !reflect.DeepEqual(a, b) {
				t.Errorf("rejected lists differ:\nBZ %+v\nME %+v", a, b)
			}
		})
	}
}

// TestRejectedDecisionDoesNotDependOnArrival: BZ answers and closes a case; ME, not having
// seen that yet, corrects the category. Its change had seen an open case and is sound;
// an edit ME makes after seeing the closing is not. Every office judges each against
// what it had seen, whichever arrives first — also an office that gets the late edit
// before the closing it had seen.
func TestRejectedDecisionDoesNotDependOnArrival(t *testing.T) {
	ctx := context.Background()
	bz, me := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	bx, eg := newMergeOffice(t, "BX", mergeStart), newMergeOffice(t, "EGNA", mergeStart)
	c := mergeCase(t, bz, "Sportello chiuso")
	exchange(t, bz, me, bx, eg)
	me.update(t, func(tx *Tx) error {
		_, err := tx.Edit(c.Number, Edit{Category: ptr("orari di apertura")})
		return err
	})
	fme := me.publish(t)
	bz.update(t, func(tx *Tx) error {
		if _, err := tx.Reply(c.Number, "Riaperto.", Italian, time.Time{}); err != nil {
			return err
		}
		_, err := tx.Close(c.Number, time.Time{})
		return err
	})
	fbz := bz.publish(t)
	me.deliver(t, fbz)
	late := forge(t, me, c.ID, "edit", map[string]string{"category": "altro"})
	bx.deliver(t, fme, fbz, late)
	eg.deliver(t, fme, late, fbz)
	bz.deliver(t, fme, late)
	for _, o := range []*mergeOffice{bx, eg, bz} {
		got := o.get(t, c.Number)
		if got.Status != StatusClosed || got.Category != "orari di apertura" {
			t.Errorf("%s: %s %q", o.code, got.Status, got.Category)
		}
		rs := rejectedOf(t, o)
		if len(rs) != 1 || rs[0].Seq != late.f.Last || rs[0].Reason != "err.closed" {
			t.Errorf("%s: rejected %+v", o.code, rs)
		}
	}
	if h1, h2, h3 := bx.hash(t), eg.hash(t), bz.hash(t); h1 != h2 || h2 != h3 {
		t.Errorf("hashes differ: %s %s %s", h1, h2, h3)
	}
	for _, o := range []*mergeOffice{bx, eg, bz} {
		if r, err := o.s.Verify(ctx); err != nil || !r.OK() {
			t.Errorf("%s verify: %v %+v", o.code, err, r)
		}
	}
}

// TestReceivedInvalidUTF8StoredAlike: a value that is not UTF-8 reaches one office in an
// operation as sent, and another passed on from the change log (JSON, U+FFFD). Both must
// store and judge the same bytes, and pass on the same operation.
func TestReceivedInvalidUTF8StoredAlike(t *testing.T) {
	ctx := context.Background()
	bz, me, bx := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart), newMergeOffice(t, "BX", mergeStart)
	c := mergeCase(t, bz, "Sportello chiuso")
	exchange(t, bz, me, bx)
	raw := forge(t, me, c.ID, "edit", map[string]string{"category": "orari\xff\xfe", "service": "Ufficio \xc3"})
	raw.ops[0].Note = "nota \xff"
	raw.ops[0].Actor = "clerk-me\xff"
	bz.deliver(t, raw)
	// BX gets ME's operation from BZ's change log, as a third office does.
	passed, err := bz.s.Operations(ctx, "ME", 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	f := fileOf("ME", passed)
	bx.deliver(t, &f)
	for _, o := range []*mergeOffice{bz, bx} {
		got := o.get(t, c.Number)
		if got.Category != "orari\ufffd\ufffd" || got.Service != "Ufficio \ufffd" {
			t.Errorf("%s: %q %q", o.code, got.Category, got.Service)
		}
	}
	if h1, h2 := bz.hash(t), bx.hash(t); h1 != h2 {
		t.Errorf("canonical hash BZ %s, BX %s", h1, h2)
	}
	a, _ := bz.s.Operations(ctx, "ME", 0, 1_000_000)
	b, _ := bx.s.Operations(ctx, "ME", 0, 1_000_000)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("ME's operations differ:\nBZ %+v\nBX %+v", a, b)
	}
	// The same file again is the same operation, not a fork.
	if _, err := bz.s.ApplyRemote(ctx, raw.f, raw.ops); err != nil {
		t.Errorf("the same file again: %v", err)
	}
	if _, err := bx.s.ApplyRemote(ctx, raw.f, raw.ops); err != nil {
		t.Errorf("the file as sent after the one passed on: %v", err)
	}
}

// TestResolveConflictOfTheStatusKeepsItsRules: a clerk settling a conflict of the status
// may choose any value kept, though the provisional one could not move there, and no
// other office rejects the decision.
func TestResolveConflictOfTheStatusKeepsItsRules(t *testing.T) {
	bz, me := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, bz, "Sportello chiuso")
	exchange(t, bz, me)
	bz.update(t, func(tx *Tx) error {
		_, err := tx.Reply(c.Number, "Risposta.", Italian, time.Time{})
		return err
	})
	me.update(t, func(tx *Tx) error {
		_, err := tx.SetStatus(c.Number, StatusWaiting, time.Time{}, "")
		return err
	})
	exchange(t, bz, me)
	cs := conflictsOf(t, bz)
	if len(cs) == 0 {
		t.Fatalf("no conflict")
	}
	shown := bz.get(t, c.Number).Status
	other := StatusWaiting
	if shown == StatusWaiting {
		other = StatusAnswered
	}
	bz.update(t, func(tx *Tx) error {
		_, err := tx.ResolveConflict(c.Number, "status", string(other), "")
		return err
	})
	exchange(t, bz, me)
	if rs := rejectedOf(t, me); len(rs) != 0 {
		t.Errorf("ME rejected the decision: %+v", rs)
	}
	converged(t, bz, me)
	if got := me.get(t, c.Number).Status; got != other {
		t.Errorf("status at ME %s, want %s", got, other)
	}
}

// TestResolveAConflictOfAClosedCase: two offices assigned a case at the same time, then
// it was answered and closed. The conflict can still be settled with one of the values
// kept, here and in the other office; any other change of the closed case is refused.
func TestResolveAConflictOfAClosedCase(t *testing.T) {
	bz, me := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	c := mergeCase(t, bz, "Sportello chiuso")
	exchange(t, bz, me)
	bz.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Giulia"); return err })
	me.update(t, func(tx *Tx) error { _, err := tx.Assign(c.Number, "Lukas"); return err })
	exchange(t, bz, me)
	bz.update(t, func(tx *Tx) error {
		if _, err := tx.Reply(c.Number, "Risposta.", Italian, time.Time{}); err != nil {
			return err
		}
		_, err := tx.Close(c.Number, time.Time{})
		return err
	})
	exchange(t, bz, me)
	if len(conflictsOf(t, me)) != 1 {
		t.Fatalf("conflicts: %+v", conflictsOf(t, me))
	}
	err := me.s.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.ResolveConflict(c.Number, "assignee", "Mallory", "")
		return err
	})
	if p, ok := AsProblem(err); !ok || p.Key != "err.closed" {
		t.Errorf("a new value on a closed case: %v", err)
	}
	// The value not shown: the decision changes the closed case's row.
	other := conflictsOf(t, me)[0].Heads[1].Value
	me.update(t, func(tx *Tx) error { _, err := tx.ResolveConflict(c.Number, "assignee", other, ""); return err })
	exchange(t, bz, me)
	converged(t, bz, me)
	if rs := rejectedOf(t, bz); len(rs) != 0 {
		t.Errorf("rejected: %+v", rs)
	}
	if got := bz.get(t, c.Number); got.Assignee != other || got.Status != StatusClosed || len(conflictsOf(t, bz)) != 0 {
		t.Errorf("at BZ: %q %s %+v", got.Assignee, got.Status, conflictsOf(t, bz))
	}
}

// FuzzDecide: whatever a received operation holds, judging it never panics, and the
// verdicts do not depend on the order the operations are held in.
func FuzzDecide(f *testing.F) {
	f.Add("edit", "kind", "nonsense", "subject", "", int64(1), "create")
	f.Add("close", "status", "closed", "closed_at", "2025-03-03T10:00:00.000Z", int64(1), "reply")
	f.Add("erase", "citizen_name", "", "subject", AnonymisedText, int64(2), "status")
	f.Add("create", "number", "BZ-2025-999999", "office", "ME", int64(0), "create")
	f.Add("resolve", "status", "answered", "reply_text", "ok\xff", int64(9), "edit")
	f.Add("edit", "received_at", "ieri", "deadline_days", "-1", int64(-1), "forward")
	f.Fuzz(func(t *testing.T, action, f1, v1, f2, v2 string, deps int64, second string) {
		at := HLC{Wall: mergeStart.UnixMilli()}
		create := Operation{Origin: "BZ", Seq: 1, HLC: at, CaseID: "c1", Action: "create", Fields: map[string]string{
			"number": "BZ-2025-000001", "office": "BZ", "kind": "request", "channel": "email", "status": "received",
			"received_at": formatTime(mergeStart), "due_date": "2025-04-02", "deadline_days": "30", "subject": "Orari"}}
		other := Operation{Origin: "BZ", Seq: 2, HLC: HLC{Wall: at.Wall + 1}, CaseID: "c1", Action: second,
			Fields: map[string]string{"assignee": "Giulia"}}
		x := Operation{Origin: "ME", Seq: 1, HLC: HLC{Wall: at.Wall + 2}, CaseID: "c1", Action: action,
			Deps: map[string]int64{"BZ": deps}, Fields: map[string]string{f1: v1, f2: v2}}
		y := Operation{Origin: "BX", Seq: 1, HLC: HLC{Wall: at.Wall + 2}, CaseID: "c1", Action: action,
			Deps: map[string]int64{"BZ": 2, "ME": 1}, Fields: map[string]string{f2: v1}}
		ops := []Operation{create, other, x, y}
		_, r1 := decide(ops)
		_, r2 := decide([]Operation{y, x, other, create})
		if !reflect.DeepEqual(r1, r2) {
			t.Fatalf("verdicts depend on the order: %v, %v", r1, r2)
		}
		if r1[keyOf(&create)] != nil {
			t.Fatalf("a sound creation rejected: %v", r1[keyOf(&create)])
		}
	})
}

// TestRejectedBeforeItsCaseArrives: a rule-breaking change that reaches an office before
// the case's creation waits with the case's history; when the creation comes it is
// rejected, the case is as everywhere else, and its history read in order gives it.
func TestRejectedBeforeItsCaseArrives(t *testing.T) {
	ctx := context.Background()
	bz, me, bx := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart), newMergeOffice(t, "BX", mergeStart)
	c := mergeCase(t, bz, "Sportello chiuso")
	fbz := bz.publish(t)
	me.deliver(t, fbz)
	at := formatTime(mergeStart.Add(time.Hour))
	bad := forge(t, me, c.ID, "close", map[string]string{"status": "closed", "closed_at": at, "answered_at": at})
	bx.deliver(t, bad)
	bx.deliver(t, fbz)
	if got, want := bx.get(t, c.Number).fields(), bz.get(t, c.Number).fields(); got != want {
		t.Errorf("the case at BX:\n%v\nat BZ:\n%v", got, want)
	}
	if rs := rejectedOf(t, bx); len(rs) != 1 || rs[0].Seq != bad.f.Last {
		t.Errorf("rejected at BX: %+v", rs)
	}
	r, err := bx.s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		t.Errorf("BX verify: %v", f)
	}
	h, err := bx.s.History(ctx, c.ID)
	if len(h) == 0 {
		t.Fatal("no history")
	}
	if err != nil {
		t.Fatal(err)
	}
	closed := ""
	for _, e := range h {
		for _, ch := range e.ChangeList() {
			if ch.Field == "closed_at" {
				closed = ch.New
			}
		}
	}
	if closed != "" {
		t.Errorf("the history read in order closes the case at %s", closed)
	}
}

// TestVerdictOnWhatTheSenderHeld: an office may take an operation before one that the
// operation had seen, and act on what it then holds. ME signs a reply on a case it had
// seen BZ close (closed is final: rejected); BX gets the reply before the closing, sees
// an answered case and closes it. BX's closing is sound on what BX held: it is taken in
// every office, whatever order the files come in, and ME's reply is rejected in every
// office alike.
func TestVerdictOnWhatTheSenderHeld(t *testing.T) {
	ctx := context.Background()
	bz, me := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	bx, eg := newMergeOffice(t, "BX", mergeStart), newMergeOffice(t, "EGNA", mergeStart)
	c := mergeCase(t, bz, "Sportello chiuso")
	exchange(t, bz, me, bx, eg)
	bz.update(t, func(tx *Tx) error {
		if _, err := tx.Reply(c.Number, "Risposta di Bolzano.", Italian, time.Time{}); err != nil {
			return err
		}
		_, err := tx.Close(c.Number, time.Time{})
		return err
	})
	fbz := bz.publish(t)
	me.deliver(t, fbz)
	at := formatTime(me.clock.Now().Add(time.Minute))
	reply := forge(t, me, c.ID, "reply", map[string]string{"status": "answered", "answered_at": at,
		"reply_text": "Risposta di Merano.", "reply_language": "it", "reply_at": at})
	me.deliver(t, reply)
	bx.deliver(t, reply)
	if got := bx.get(t, c.Number); got.Status != StatusAnswered || got.Reply.Text != "Risposta di Merano." {
		t.Fatalf("BX before the closing: %s %q", got.Status, got.Reply.Text)
	}
	bx.update(t, func(tx *Tx) error {
		_, err := tx.Close(c.Number, time.Time{})
		return err
	})
	fbx := bx.publish(t)
	bx.deliver(t, fbz)
	eg.deliver(t, fbz, reply, fbx)
	bz.deliver(t, fbx, reply) // the closing before the reply it had seen
	me.deliver(t, fbx)
	for _, o := range []*mergeOffice{bz, me, bx, eg} {
		if got := o.get(t, c.Number); got.Status != StatusClosed || got.Reply.Text != "Risposta di Bolzano." {
			t.Errorf("%s: %s %q", o.code, got.Status, got.Reply.Text)
		}
		rs := rejectedOf(t, o)
		if len(rs) != 1 || rs[0].Origin != "ME" || rs[0].Seq != reply.f.Last || rs[0].Reason != "err.closed" {
			t.Errorf("%s: rejected %+v", o.code, rs)
		}
		if r, err := o.s.Verify(ctx); err != nil || !r.OK() {
			t.Errorf("%s verify: %v %+v", o.code, err, r)
		}
	}
	if h := bz.hash(t); h != me.hash(t) || h != bx.hash(t) || h != eg.hash(t) {
		t.Errorf("the offices hold different cases")
	}
}

// TestNumberingAdvancedOnlyByItsOffice: a create in BZ's numbering for a BZ case is
// taken from any office (registers from before the exchange numbered cases for other
// offices), but only BZ's own operations move BZ's counter. ME's program signs
// BZ-2025-999999 and BZ-2025-000002: BZ's next case is BZ-2025-000003 (the next number,
// past the one held), not BZ-2025-1000000, in BZ and in every register that holds them;
// verify finds nothing to report in BZ or BX. (ME's own register counts what its own
// program gave, as it counted the numbers its clerks gave for other offices before the
// exchange: there the jump shows as numbers missing, rightly.)
func TestNumberingAdvancedOnlyByItsOffice(t *testing.T) {
	ctx := context.Background()
	bz, me, bx := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart), newMergeOffice(t, "BX", mergeStart)
	first := mergeCase(t, bz, "Sportello chiuso")
	exchange(t, bz, me, bx)
	create := func(id, number string) *mergeFile {
		f := map[string]string{}
		for i, v := range first.fields() {
			if v != "" {
				f[fieldNames[i]] = v
			}
		}
		f["number"], f["office"], f["status"] = number, "BZ", "received"
		for _, k := range []string{"answered_at", "closed_at", "reply_text", "reply_at", "reply_language"} {
			delete(f, k)
		}
		bad := forge(t, me, id, "create", f)
		me.deliver(t, bad)
		me.files, me.published = append(me.files, bad), bad.f.Last
		return bad
	}
	far := create("f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0", "BZ-2025-999999")
	next := create("f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1", "BZ-2025-000002")
	bz.deliver(t, far, next)
	bx.deliver(t, far, next)
	for _, o := range []*mergeOffice{bz, me, bx} {
		if c := o.get(t, "BZ-2025-999999"); c.ID != far.ops[0].CaseID {
			t.Errorf("%s: BZ-2025-999999 is %s", o.code, c.ID)
		}
	}
	mine := mergeCase(t, bz, "Rumore")
	if mine.Number != "BZ-2025-000003" {
		t.Errorf("BZ's next number %s, want BZ-2025-000003", mine.Number)
	}
	exchange(t, bz, me, bx)
	exchange(t, bz, me, bx)
	converged(t, bz, bx)
	if a, b := bz.hash(t), me.hash(t); a != b {
		t.Errorf("canonical hash BZ %s, ME %s", a, b)
	}
	for _, o := range []*mergeOffice{bz, bx} {
		var last int64
		if err := o.s.DB().QueryRowContext(ctx, `SELECT last FROM counters WHERE office = 'BZ' AND year = 2025`).Scan(&last); err != nil || last != 3 {
			t.Errorf("%s: BZ's counter %d, want 3 (%v)", o.code, last, err)
		}
		if c := o.get(t, "BZ-2025-000003"); c.ID != mine.ID {
			t.Errorf("%s: BZ-2025-000003 is %s, not BZ's own case", o.code, c.ID)
		}
		if r, err := o.s.Verify(ctx); err != nil || !r.OK() {
			t.Errorf("%s verify: %v %+v", o.code, err, r)
		}
	}
}

// TestErasureRedactsOnlyOnAFinalVerdict: ME signs an erasure of a case it held as still
// owed an answer (BZ answered it, BX concurrently set it back to in progress, and BX's
// later status is shown): rejected. EGNA gets the erasure before BX's change: on what it
// holds then the case is answered and the erasure is taken, but its verdict is not final
// (ME had seen an operation of BX that EGNA lacks), so EGNA must not redact the history,
// which could never come back: when BX's change arrives the erasure is rejected and the
// case is the citizen's again, as everywhere.
func TestErasureRedactsOnlyOnAFinalVerdict(t *testing.T) {
	ctx := context.Background()
	bz, me := newMergeOffice(t, "BZ", mergeStart), newMergeOffice(t, "ME", mergeStart)
	bx, eg := newMergeOffice(t, "BX", mergeStart), newMergeOffice(t, "EGNA", mergeStart)
	c := mergeCase(t, bz, "Sportello chiuso")
	exchange(t, bz, me, bx, eg)
	bz.update(t, func(tx *Tx) error {
		_, err := tx.Reply(c.Number, "Risposta di Bolzano.", Italian, time.Time{})
		return err
	})
	fbz := bz.publish(t)
	bx.clock.add(10 * time.Minute)
	bx.update(t, func(tx *Tx) error {
		_, err := tx.SetStatus(c.Number, StatusInProgress, time.Time{}, "")
		return err
	})
	fbx := bx.publish(t)
	me.deliver(t, fbz, fbx)
	if got := me.get(t, c.Number); got.AnsweredAt != nil {
		t.Fatalf("ME holds the case answered: %s %v", got.Status, got.AnsweredAt)
	}
	erase := forge(t, me, c.ID, "erase", map[string]string{"citizen_name": "", "citizen_email": "", "citizen_phone": "", "subject": AnonymisedText, "description": ""})
	me.deliver(t, erase)
	eg.deliver(t, fbz, erase)
	eg.deliver(t, fbx)
	bz.deliver(t, fbx, erase)
	bx.deliver(t, fbz, erase)
	for _, o := range []*mergeOffice{bz, bx, eg, me} {
		got := o.get(t, c.Number)
		if got.Citizen.Name != "Jörg Müller" || got.Subject != "Sportello chiuso" {
			t.Errorf("%s: %q %q", o.code, got.Citizen.Name, got.Subject)
		}
		rs := rejectedOf(t, o)
		if len(rs) != 1 || rs[0].Origin != "ME" || rs[0].Reason != "stats.erase_open" {
			t.Errorf("%s: rejected %+v", o.code, rs)
		}
	}
	if h := bz.hash(t); h != bx.hash(t) || h != eg.hash(t) || h != me.hash(t) {
		t.Errorf("the offices hold different cases")
	}
	for _, o := range []*mergeOffice{bz, bx, eg} {
		if r, err := o.s.Verify(ctx); err != nil || !r.OK() {
			t.Errorf("%s verify: %v %+v", o.code, err, r)
		}
	}
}
