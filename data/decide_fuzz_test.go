package data

import (
	"reflect"
	"testing"
	"time"
)

// FuzzDecideManyOffices feeds decide the operations of one case as any set of offices could sign
// them: any sequences (zero, negative), any deps (on operations that do not exist, on
// later ones, on each other), any action and values. It must never panic or run away,
// and its verdicts must not depend on the order the operations come in.
func FuzzDecideManyOffices(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0, 0, 1, 2, 1, 0, 2, 1, 3, 1, 3, 1, 2, 4})
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 2, 3, 1, 5, 0, 1, 1, 4, 2, 1, 2, 3, 0})
	f.Add([]byte{1, 0xff, 2, 2, 2, 4, 2, 0x80, 0x7f, 0, 5, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 3, 2, 1, 1, 1, 2, 4, 0, 2, 1, 1, 2, 6})
	f.Fuzz(func(t *testing.T, b []byte) {
		ops := decideOps(b)
		_, r1 := decide(ops)
		rev := make([]Operation, len(ops))
		for i := range ops {
			rev[len(ops)-1-i] = ops[i]
		}
		_, r2 := decide(rev)
		if len(r1) == 0 && len(r2) == 0 {
			return
		}
		if !reflect.DeepEqual(r1, r2) {
			t.Fatalf("verdicts depend on the order:\n%v\n%v", r1, r2)
		}
	})
}

// decideOps reads up to 12 operations of one case from b, 6 bytes each: office,
// sequence, deps on the two other offices, action, values.
func decideOps(b []byte) []Operation {
	offices := []string{"BZ", "ME", "BX"}
	at := func(n byte) string { return formatTime(mergeStart.Add(time.Duration(n) * time.Minute)) }
	var ops []Operation
	held := map[opKey]bool{}
	for len(b) >= 6 && len(ops) < 12 {
		o := int(b[0]) % len(offices)
		op := Operation{Origin: offices[o], Seq: int64(int8(b[1])), CaseID: "c", HLC: HLC{Wall: int64(b[1]) * 1000, Logical: uint32(b[2])}}
		op.Deps = map[string]int64{offices[(o+1)%3]: int64(int8(b[2])), offices[(o+2)%3]: int64(int8(b[3]))}
		if held[keyOf(&op)] {
			b = b[6:]
			continue
		}
		held[keyOf(&op)] = true
		v := b[5]
		switch b[4] % 7 {
		case 0:
			op.Action, op.Fields = "create", map[string]string{"number": []string{"BZ-2025-000001", "ME-2025-000001", "BZ-2025"}[v%3],
				"office": offices[v%3], "kind": "complaint", "channel": "email", "status": []string{"received", "closed"}[v%2],
				"received_at": at(0), "due_date": "2025-04-01", "deadline_days": "30", "subject": "Sportello chiuso"}
		case 1:
			op.Action, op.Fields = "edit", map[string]string{"category": "orari", "subject": []string{"Orari", " "}[v%2]}
		case 2:
			op.Action, op.Fields = "reply", map[string]string{"status": "answered", "answered_at": at(v), "reply_text": "Risposta.", "reply_language": "it", "reply_at": at(v)}
		case 3:
			op.Action, op.Fields = "close", map[string]string{"status": "closed", "closed_at": at(v), "answered_at": at(v)}
		case 4:
			op.Action, op.Fields = "erase", map[string]string{"citizen_name": "", "subject": AnonymisedText, "description": ""}
		case 5:
			op.Action, op.Fields = "status", map[string]string{"status": []string{"in_progress", "waiting", "received"}[v%3], "waiting_since": ""}
		default:
			op.Action, op.Fields = "resolve", map[string]string{"status": []string{"answered", "in_progress"}[v%2]}
		}
		ops = append(ops, op)
		b = b[6:]
	}
	return ops
}
