package data

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"ascolto/data/deadline"
)

// The rules a change of a case must keep, in one place for a clerk's change (apply, the
// one write path) and for a change received from another office (merge.go). A trusted
// office signs its files, but a signature says who sent a change, not that the change
// is one a clerk could have made: an office of an older version, a register edited by
// hand or a broken program must not invent a kind, empty a subject, move a protocol
// number or a receipt date, or take another office's numbers.
//
// A change from another office is judged by the same rules, on the case as its office
// held it when making the change: the operations it had applied (its deps, with its own
// earlier ones), with the verdicts that office gave them then. Those verdicts are not
// always the final ones: an office may take an operation before an operation that one
// had seen arrives (files of different offices come in any order), and then judges it
// on less than its maker had. So the case a change is judged on is rebuilt from what
// its maker had seen, and the verdicts inside are given again from that set alone
// (decide): every office then rebuilds exactly the case the maker's write path saw, and
// a change its maker could make is never refused, whatever arrived where and when. A
// change no clerk could have made on that case (closing a case nobody answered,
// changing a closed one, erasing a case still owed an answer) is refused by every
// office alike.
//
// Two offices that change a case without having seen each other's change are each
// judged on their own view and both taken: a close in one office crossing a reply in
// another is sound work on both sides. Where they wrote the same field (the status),
// the merge keeps both values as a conflict for a clerk (merge.go); a closing crossing
// a reply that leaves the status alone gives a closed case with the newer reply, as if
// it had been written just before the closing.

// change is one change of a case as the rules see it.
type change struct {
	action string
	origin string // the office that made it
	old    *Case  // nil: the case is created
	next   *Case
	// For a clerk's decision on a conflict: the values kept for the field (any of them,
	// or a status reachable from any of them, is a valid choice).
	conflict map[string][]string
	outcome  *string // the outcome the change records, if any
}

// personalChange are the fields an anonymisation or an erasure may change: the
// personal data and the text that may carry it (privacy.go, anonymous).
var personalChange = map[string]bool{"citizen_name": true, "citizen_email": true, "citizen_phone": true,
	"citizen_address": true, "subject": true, "description": true, "reply_text": true}

// check returns the rule the change breaks, nil if none.
func (ch *change) check() error {
	c := ch.next
	if err := c.validate(); err != nil {
		return err
	}
	if !validOfficeCode(c.Office) {
		return Problemf("err.office_code", "code", c.Office)
	}
	if _, err := deadline.ParseDate(c.DueDate); err != nil {
		return Problemf("exchange.rejected.bad_value", "field", "due_date", "value", c.DueDate)
	}
	if c.WaitingSince != "" {
		if _, err := deadline.ParseDate(c.WaitingSince); err != nil {
			return Problemf("exchange.rejected.bad_value", "field", "waiting_since", "value", c.WaitingSince)
		}
	}
	if c.Satisfaction < 0 || c.Satisfaction > 5 {
		return Problemf("err.satisfaction", "value", strconv.Itoa(c.Satisfaction))
	}
	if ch.outcome != nil && *ch.outcome != "" && !Outcome(*ch.outcome).Valid() {
		return Problemf("exchange.rejected.bad_value", "field", "outcome", "value", *ch.outcome)
	}
	if ch.old == nil {
		return ch.checkCreate()
	}
	old := ch.old
	if ch.action == "create" {
		return Problemf("exchange.rejected.created_twice", "number", old.Number)
	}
	if c.Number != old.Number || !c.ReceivedAt.Equal(old.ReceivedAt) {
		return Problemf("exchange.rejected.fixed", "number", old.Number)
	}
	was, is := old.fields(), c.fields()
	var changed []string
	for i, f := range fieldNames {
		if was[i] != is[i] {
			changed = append(changed, f)
		}
	}
	if ch.action == "anonymise" || ch.action == "erase" {
		if old.AnsweredAt == nil {
			return Problemf("stats.erase_open", "number", old.Number)
		}
		for _, f := range changed {
			if !personalChange[f] {
				return Problemf("exchange.rejected.anonymise_field", "number", old.Number, "field", f)
			}
		}
		return nil
	}
	if old.Status == StatusClosed {
		// Closed is final: a closed case that needs more work is a new case. The
		// citizen's judgement may still come (SetSatisfaction), and a conflict from
		// before the closing may still be settled with one of the values kept; nothing
		// else.
		for _, f := range changed {
			if f != "satisfaction" && !ch.keeps(f, is[fieldPosition(f)]) {
				return Problemf("err.closed", "number", old.Number)
			}
		}
		return nil
	}
	if c.Status != old.Status && !ch.reachable(old.Status, c.Status) {
		return Problemf("err.transition", "number", old.Number, "from", string(old.Status), "to", string(c.Status))
	}
	return nil
}

// keeps: the change is a decision on a conflict of field that chooses one of its values.
func (ch *change) keeps(field, value string) bool {
	if ch.action != "resolve" {
		return false
	}
	for _, v := range ch.conflict[field] {
		if v == value {
			return true
		}
	}
	return false
}

// fieldPosition is a field's place in fieldNames.
func fieldPosition(field string) int {
	for i, f := range fieldNames {
		if f == field {
			return i
		}
	}
	return -1
}

// reachable: a status may follow another by the workflow; a decision on a conflict of
// the status may also keep any value kept, or move on from it.
func (ch *change) reachable(from, to Status) bool {
	if CanMove(from, to) {
		return true
	}
	if ch.action != "resolve" {
		return false
	}
	for _, v := range ch.conflict["status"] {
		if Status(v) == to || CanMove(Status(v), to) {
			return true
		}
	}
	return false
}

// checkCreate: a case is born received, with a protocol number in the numbering of the
// office that made it — the only way a number can move an office's counter (seeNumber).
// Registers from before the exchange numbered a case for another office from that
// office's counter (claimNumber): a number in the numbering of the case's own office is
// taken too, since such registers hold them and every register must keep the numbers
// it holds (verify); a case for one office in a third office's numbering is not.
func (ch *change) checkCreate() error {
	c := ch.next
	if ch.action != "create" {
		return Problemf("exchange.rejected.unknown_case", "case", c.ID)
	}
	office, _, _, ok := parseNumber(c.Number)
	if !ok {
		return Problemf("exchange.rejected.bad_number", "number", c.Number)
	}
	if office != ch.origin && office != c.Office {
		return Problemf("exchange.rejected.number_owner", "number", c.Number, "office", ch.origin)
	}
	if c.Status != StatusReceived {
		return Problemf("exchange.rejected.create_status", "number", c.Number, "status", string(c.Status))
	}
	return nil
}

// parseNumber reads a protocol number OFFICE-YEAR-NNNNNN (FormatNumber).
func parseNumber(number string) (office string, year int, n int64, ok bool) {
	parts := strings.Split(number, "-")
	if len(parts) != 3 || !validOfficeCode(parts[0]) || len(parts[1]) != 4 || len(parts[2]) < 6 {
		return "", 0, 0, false
	}
	for _, p := range parts[1:] {
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return "", 0, 0, false
			}
		}
	}
	year, _ = strconv.Atoi(parts[1])
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || n < 1 || year < 1990 {
		return "", 0, 0, false
	}
	return parts[0], year, n, true
}

type opKey struct {
	origin string
	seq    int64
}

func keyOf(op *Operation) opKey { return opKey{op.Origin, op.Seq} }

// decide splits a case's operations into the ones that make the case and the ones that
// break a rule (rejected, with the rule).
//
// Every office must decide the same for the same operation, whatever order the
// operations arrived in and whatever else it holds, and the same as the office that
// made it. So an operation is judged against the case as its office held it when making
// it: the operations it had seen (its deps, and its office's earlier ones), each with
// the verdict that office gave it then — which is decide on that set alone, since the
// office held exactly those operations of the case (an office's operations are taken in
// sequence, so a dep names all of that office's operations up to it). The verdicts
// inside are given by the same rule, on what each of those had seen among them: a
// verdict is a function of a set of operations, never of this register's state or of
// the order they came in. An operation that claims to have seen a later one, or one
// that does not exist (a forged deps), is judged on what it names that is here.
// While operations are missing a verdict may still change, and every office ends with
// the same one when it holds them all.
func decide(ops []Operation) (accepted []Operation, rejected map[opKey]*Problem) {
	switch len(ops) {
	case 0:
		return ops, nil
	case 1:
		// A case's first operation (most of a large exchange) has seen nothing of it.
		_, creates := ops[0].Fields["number"]
		if p := judge(&ops[0], nil, creates && ops[0].Action == "create"); p != nil {
			return nil, map[opKey]*Problem{keyOf(&ops[0]): p}
		}
		return ops, nil
	}
	d := newDecider(ops)
	verdicts := d.verdicts(d.all)
	for i, p := range verdicts {
		if p != nil {
			if rejected == nil {
				rejected = map[opKey]*Problem{}
			}
			rejected[keyOf(&d.ops[i])] = p
		}
	}
	if len(rejected) == 0 {
		return ops, nil
	}
	accepted = make([]Operation, 0, len(ops))
	for i := range ops {
		if rejected[keyOf(&ops[i])] == nil {
			accepted = append(accepted, ops[i])
		}
	}
	return accepted, rejected
}

// decider gives the verdicts of a case's operations on subsets of them. A subset is
// always a cut: per office, its operations up to a sequence (what an office had seen).
type decider struct {
	ops     []Operation // in (origin, seq) order, so every office walks them alike
	origins []string
	office  []int     // ops[i]'s office, an index in origins
	pos     []int     // ops[i]'s place among its office's operations here
	seqs    [][]int64 // per office, the sequences of its operations here, ascending
	all     cut
	// Verdicts per cut (a nil entry: accepted, or not in the cut), and per operation
	// and the cut of what it had seen.
	byCut map[string][]*Problem
	byOp  map[opVerdictKey]*Problem
}

// cut is, per office (origins' order), how many of its operations here it includes,
// the first ones by sequence.
type cut []int

type opVerdictKey struct {
	op        int
	seen      string
	hasCreate bool
}

func newDecider(in []Operation) *decider {
	ops := append([]Operation(nil), in...)
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Origin != ops[j].Origin {
			return ops[i].Origin < ops[j].Origin
		}
		return ops[i].Seq < ops[j].Seq
	})
	d := &decider{ops: ops, office: make([]int, len(ops)), pos: make([]int, len(ops)), byCut: map[string][]*Problem{}, byOp: map[opVerdictKey]*Problem{}}
	for i := range ops {
		if i == 0 || ops[i].Origin != ops[i-1].Origin {
			d.origins = append(d.origins, ops[i].Origin)
			d.seqs = append(d.seqs, nil)
		}
		o := len(d.origins) - 1
		d.office[i], d.pos[i] = o, len(d.seqs[o])
		d.seqs[o] = append(d.seqs[o], ops[i].Seq)
	}
	d.all = make(cut, len(d.origins))
	for o, s := range d.seqs {
		d.all[o] = len(s)
	}
	return d
}

// in reports whether operation i is in cut c.
func (d *decider) in(i int, c cut) bool { return d.pos[i] < c[d.office[i]] }

// seenBy is the part of cut c that operation i had seen: of its own office the
// operations before it, of another the ones up to its dep. It never holds i itself, so
// the recursion through verdicts ends whatever the deps say.
func (d *decider) seenBy(i int, c cut) cut {
	x := &d.ops[i]
	s := make(cut, len(c))
	for o, origin := range d.origins {
		if o == d.office[i] {
			s[o] = min(d.pos[i], c[o])
			continue
		}
		bound := x.Deps[origin]
		k := sort.Search(len(d.seqs[o]), func(k int) bool { return d.seqs[o][k] > bound })
		s[o] = min(k, c[o])
	}
	return s
}

func (c cut) key() string {
	b := make([]byte, 0, 4*len(c))
	for _, n := range c {
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, ',')
	}
	return string(b)
}

// verdicts judges every operation of cut c on what it had seen within c.
func (d *decider) verdicts(c cut) []*Problem {
	key := c.key()
	if v, ok := d.byCut[key]; ok {
		return v
	}
	hasCreate := false
	for i := range d.ops {
		if _, ok := d.ops[i].Fields["number"]; ok && d.in(i, c) && d.ops[i].Action == "create" {
			hasCreate = true
		}
	}
	v := make([]*Problem, len(d.ops))
	for i := range d.ops {
		if d.in(i, c) {
			v[i] = d.verdict(i, d.seenBy(i, c), hasCreate)
		}
	}
	d.byCut[key] = v
	return v
}

// verdict judges operation i on the cut it had seen, with the verdicts given there.
// The cut never holds i itself, so the recursion ends.
func (d *decider) verdict(i int, seen cut, hasCreate bool) *Problem {
	k := opVerdictKey{i, seen.key(), hasCreate}
	if p, ok := d.byOp[k]; ok {
		return p
	}
	inner := d.verdicts(seen)
	var ctx []Operation
	for j := range d.ops {
		if d.in(j, seen) && inner[j] == nil {
			ctx = append(ctx, d.ops[j])
		}
	}
	p := judge(&d.ops[i], ctx, hasCreate)
	d.byOp[k] = p
	return p
}

// judge checks one received operation against the case it had seen (ctx).
func judge(x *Operation, ctx []Operation, hasCreate bool) *Problem {
	var old *Case
	if len(ctx) > 0 {
		m := merge(ctx)
		if m.complete {
			c, err := caseFromFields(x.CaseID, m.values)
			if err != nil {
				// What it had seen is broken itself: nothing it does can be judged sound.
				return Problemf("exchange.rejected.unknown_case", "case", x.CaseID)
			}
			c.cleanText(nil)
			old = c
		}
	}
	// An address redacted in an erased case's history (privacy.go, redactValue) is not
	// an address, but it was one when its operation was judged first: it is judged as
	// none, so that the verdict stays what it was (a rule on the address decides
	// nothing else).
	if old != nil && old.Citizen.Email == redacted {
		old.Citizen.Email = ""
	}
	_, creates := x.Fields["number"]
	if old == nil && !creates {
		if hasCreate {
			// The case exists, but its office never saw it: no clerk changed this case.
			return Problemf("exchange.rejected.unknown_case", "case", x.CaseID)
		}
		return nil // the case's creation has not arrived yet: judged when it has
	}
	next := &Case{ID: x.CaseID}
	if old != nil {
		cp := *old
		next = &cp
	}
	ch := &change{action: x.Action, origin: x.Origin, old: old, next: next}
	keys := make([]string, 0, len(x.Fields))
	for f := range x.Fields {
		keys = append(keys, f)
	}
	sort.Strings(keys) // the first bad field named is the same everywhere
	for _, f := range keys {
		v := x.Fields[f]
		switch {
		case f == "outcome":
			ch.outcome = &v
		case mergeFields[f]:
			if err := setField(next, f, cleanField(f, v)); err != nil {
				return Problemf("exchange.rejected.bad_value", "field", f, "value", v)
			}
		}
	}
	if next.Citizen.Email == redacted {
		next.Citizen.Email = ""
	}
	if old != nil && x.Action == "resolve" {
		// The values the deciding office could have been shown as kept: those of the
		// conflicts of what it had seen, and, for a field other than the status, any
		// value an operation it had seen wrote. Its own list of conflicts was made from
		// the operations it held, whose verdicts may have changed since (an operation
		// judged before what it had seen arrived); a value nobody wrote is never one.
		ch.conflict = map[string][]string{}
		for f, hs := range merge(ctx).conflicts {
			for _, h := range hs {
				ch.conflict[f] = append(ch.conflict[f], cleanField(f, h.Value))
			}
		}
		for _, y := range ctx {
			for f, v := range y.Fields {
				if f != "status" {
					ch.conflict[f] = append(ch.conflict[f], cleanField(f, v))
				}
			}
		}
	}
	if err := ch.check(); err != nil {
		if p, ok := AsProblem(err); ok {
			return p
		}
		return Problemf("exchange.rejected.bad_value", "field", "", "value", err.Error())
	}
	return nil
}

// validUTF8 replaces each byte that is not UTF-8 with U+FFFD, as encoding/json does when
// it writes an operation into an exchange file or the change log: an operation stored
// and judged here has the bytes every other office gets, directly or passed on.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// receivedForm is an operation as every office stores it.
func receivedForm(op Operation) Operation {
	fields := make(map[string]string, len(op.Fields))
	for f, v := range op.Fields {
		fields[validUTF8(f)] = validUTF8(v)
	}
	op.Fields = fields
	op.Actor, op.At, op.Note = validUTF8(op.Actor), validUTF8(op.At), validUTF8(op.Note)
	return op
}

// RejectedOp is an operation received from another office that breaks a rule: kept
// (it counts as received and is passed on) but never applied.
type RejectedOp struct {
	Origin string `json:"origin"`
	Seq    int64  `json:"seq"`
	CaseID string `json:"case_id"`
	// Number is the case's protocol number here, empty when no such case exists.
	Number string            `json:"number"`
	Action string            `json:"action"`
	Reason string            `json:"reason"` // a translation key
	Args   map[string]string `json:"args,omitempty"`
	At     string            `json:"at"` // when this register received it
}

// Problem is the reason as a problem to show.
func (r RejectedOp) Problem() *Problem { return &Problem{Key: r.Reason, Args: r.Args} }

// RejectedOps lists the rejected operations by office and sequence.
func (s *Store) RejectedOps(ctx context.Context) ([]RejectedOp, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.origin, r.seq, r.case_id, coalesce(c.number, ''), r.action, r.reason, r.args, r.at
		FROM exchange_rejected_ops r LEFT JOIN cases c ON c.id = r.case_id ORDER BY r.origin, r.seq`)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []RejectedOp
	for rows.Next() {
		var r RejectedOp
		var args string
		if err := rows.Scan(&r.Origin, &r.Seq, &r.CaseID, &r.Number, &r.Action, &r.Reason, &args, &r.At); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		if err := json.Unmarshal([]byte(args), &r.Args); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// saveRejected makes the list of rejected operations say what decide found for a case:
// a verdict can change while the operations an operation had seen are still arriving.
func (t *Tx) saveRejected(caseID string, all []Operation, rejected map[opKey]*Problem) error {
	if len(rejected) == 0 {
		if !t.rejectedRead {
			var n int
			if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM exchange_rejected_ops)`).Scan(&n); err != nil {
				return t.writeErr(err)
			}
			t.rejectedRead, t.haveRejected = true, n > 0
		}
		if !t.haveRejected {
			return nil
		}
	}
	keep := make([]string, 0, len(rejected))
	for k := range rejected {
		keep = append(keep, k.origin+":"+strconv.FormatInt(k.seq, 10))
	}
	sort.Strings(keep)
	b, _ := json.Marshal(keep)
	if _, err := t.exec(`DELETE FROM exchange_rejected_ops WHERE case_id = ? AND origin || ':' || seq NOT IN (SELECT value FROM json_each(?))`, caseID, string(b)); err != nil {
		return t.writeErr(err)
	}
	if len(rejected) == 0 {
		return nil
	}
	t.rejectedRead, t.haveRejected = true, true
	now := formatTime(t.Now())
	for i := range all {
		p := rejected[keyOf(&all[i])]
		if p == nil {
			continue
		}
		args, _ := json.Marshal(p.Args)
		if _, err := t.exec(`INSERT INTO exchange_rejected_ops(origin, seq, case_id, action, reason, args, at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(origin, seq) DO UPDATE SET reason = excluded.reason, args = excluded.args`,
			all[i].Origin, all[i].Seq, caseID, all[i].Action, p.Key, string(args), now); err != nil {
			return t.writeErr(err)
		}
	}
	return nil
}
