package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Changes received from other offices come in here, through the same transaction, audit
// trail and change log as a clerk's (ARCHITECTURE.md: one way in).
//
// How offices converge. A case is the result of all the operations on it, whatever order
// they arrived in: for each field, the writes not seen by another write of that field are
// its heads. Write a was seen by write b when b's office had applied a before making b —
// the same office's earlier operations always, another office's when b's deps reach a's
// sequence. One head is the field's value. Two or more heads are a conflict: every office
// shows the same provisional value, the head with the highest clock reading (then office
// code, then sequence), keeps the others in the conflicts table, and a clerk's choice is
// a new write that has seen all heads, so it becomes the only one everywhere it arrives.
// The clock only orders; whether two writes conflict is decided by what they had seen
// (EXCHANGE.md). Since heads are a function of the set of operations alone, two registers
// that hold the same operations hold the same cases, field by field: the simulation in
// data/exchange checks exactly this with a canonical hash (CanonicalHash).

// RemoteFile names a verified exchange file: its office, its sequence range and its hash.
type RemoteFile struct {
	Origin string
	First  int64
	Last   int64
	SHA256 string
	Name   string
}

// Errors of ApplyRemote that the exchange acts on: a gap waits for the missing file, a
// fork (same sequences, other content) is an alarm.
var (
	ErrGap  = errors.New("exchange: sequence gap")
	ErrFork = errors.New("exchange: same sequence, different content")
)

// mergeFields are what merging decides: the case's fields and the recorded outcome.
// Other names an operation carries (attachment, letter…) are history only.
var mergeFields = func() map[string]bool {
	m := map[string]bool{"outcome": true}
	for _, f := range fieldNames {
		m[f] = true
	}
	return m
}()

// ApplyRemote applies a verified exchange file's operations and moves the office's
// high-water mark, in one transaction. A file applied before changes nothing and returns
// 0; a file that starts after the next expected sequence returns ErrGap and changes
// nothing; a file whose sequences were applied with other content returns ErrFork.
// Operations of this register's own office are taken too (a register restored from an
// older backup gets back what it had published), and its sequence moves past them.
func (s *Store) ApplyRemote(ctx context.Context, f RemoteFile, ops []Operation) (int, error) {
	var n int
	err := s.Update(ctx, func(t *Tx) error {
		var err error
		n, err = t.applyRemote(f, ops)
		return err
	})
	return n, err
}

func (t *Tx) applyRemote(f RemoteFile, ops []Operation) (int, error) {
	if len(ops) == 0 || f.First != ops[0].Seq || f.Last != ops[len(ops)-1].Seq {
		return 0, Problemf("exchange.bad_range", "file", f.Name)
	}
	for i, op := range ops {
		if op.Origin != f.Origin || op.Seq != f.First+int64(i) {
			return 0, Problemf("exchange.bad_range", "file", f.Name)
		}
	}
	// Compared, judged and stored as every office stores it (validate.go, validUTF8).
	ops = append([]Operation(nil), ops...)
	for i := range ops {
		ops[i] = receivedForm(ops[i])
	}
	var known string
	err := t.queryRow(`SELECT sha256 FROM exchange_files WHERE origin = ? AND first = ?`, f.Origin, f.First).Scan(&known)
	switch {
	case err == nil && known == f.SHA256:
		return 0, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return 0, t.writeErr(err)
	}
	// Another file over sequences held already (cut differently, or published again
	// after a restore) is compared operation by operation below: the same operations
	// are welcome, different ones are a fork.
	var hw int64
	if f.Origin == t.s.local.Code {
		hw = t.seq
	} else if err := t.queryRow(`SELECT seq FROM origins WHERE origin = ?`, f.Origin).Scan(&hw); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, t.writeErr(err)
	}
	if f.First > hw+1 {
		return 0, ErrGap
	}
	applied := 0
	for _, op := range ops {
		if op.Seq <= hw {
			if err := t.sameAsHeld(op); err != nil {
				return 0, err
			}
			continue
		}
		if err := t.applyOp(op); err != nil {
			return 0, err
		}
		applied++
	}
	if f.Last > hw {
		if f.Origin == t.s.local.Code {
			t.seq = f.Last
			t.dirty = true
		} else if _, err := t.exec(`INSERT INTO origins(origin, seq) VALUES (?, ?) ON CONFLICT(origin) DO UPDATE SET seq = excluded.seq`, f.Origin, f.Last); err != nil {
			return 0, t.writeErr(err)
		}
	}
	if err := t.settleErasures(f); err != nil {
		return 0, err
	}
	now := formatTime(t.Now())
	if _, err := t.exec(`INSERT INTO exchange_files(origin, first, last, sha256, name, applied_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(origin, first) DO NOTHING`, f.Origin, f.First, f.Last, f.SHA256, f.Name, now); err != nil {
		return 0, t.writeErr(err)
	}
	if _, err := t.exec(`UPDATE exchange_offices SET last_heard = ? WHERE code = ?`, now, f.Origin); err != nil {
		return 0, t.writeErr(err)
	}
	return applied, nil
}

// sameAsHeld checks an operation held already against its copy in a file: anything
// different is a fork. The values of an anonymised case's personal fields are not
// compared: here they were removed from the history.
func (t *Tx) sameAsHeld(op Operation) error {
	if err := t.flush(); err != nil {
		return err
	}
	held, err := scanOperation(t.tx.QueryRowContext(t.ctx, opQuery+`WHERE o.origin = ? AND o.seq = ?`, op.Origin, op.Seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return t.writeErr(err)
	}
	var anon int
	if err := t.queryRow(`SELECT count(*) FROM anonymised_cases WHERE case_id = ?`, op.CaseID).Scan(&anon); err != nil {
		return t.writeErr(err)
	}
	if held.HLC != op.HLC || held.CaseID != op.CaseID || held.Action != op.Action || held.BaseVersion != op.BaseVersion ||
		formatDeps(held.Deps) != formatDeps(op.Deps) || len(held.Fields) != len(op.Fields) {
		return ErrFork
	}
	for f, v := range op.Fields {
		w, ok := held.Fields[f]
		if !ok || (w != v && !(anon > 0 && historyPersonal(f))) {
			return ErrFork
		}
	}
	return nil
}

// applyOp takes one operation from another office: it joins the case's operations, the
// case is merged again from all of them, and the difference is the audit entry. An
// operation that breaks a rule of the register (validate.go, decide) is kept with the
// others — it counts as received, so the exchange goes on, and it is passed on, so that
// every office can judge it — but it makes no change of its own: it is listed among the
// rejected operations with the rule it breaks. Its coming can still change the verdict
// on an operation held before it that had seen it (decide); that change is then
// recorded under it.
func (t *Tx) applyOp(op Operation) error {
	if op.CaseID == "" || op.Action == "" {
		return Problemf("exchange.bad_op", "origin", op.Origin, "seq", strconv.FormatInt(op.Seq, 10))
	}
	now := t.s.clock.Now()
	t.hlc = t.hlc.Observe(op.HLC, now)
	t.dirty = true
	held, err := t.opsOf(op.CaseID)
	if err != nil {
		return err
	}
	all := append(held[:len(held):len(held)], op)
	accepted, rejected := decide(all)
	refused := rejected[keyOf(&op)] != nil
	m := merge(accepted)
	if refused && (!m.complete || sameVerdicts(held, rejected)) {
		// Nothing else changes.
		return t.keepOp(op, all, rejected)
	}
	// A refused operation may still change the case: an operation held before it that
	// had seen it was judged on what its office held, where it counted (validate.go,
	// decide), and is taken now. The entry that follows records that change under it.
	// Only once the case is here: until its creation arrives no verdict is final (an
	// erasure of a case still owed an answer is rejected then), and what is redacted
	// cannot come back.
	anonymised := false
	for _, o := range accepted {
		anonymised = anonymised || m.complete && (o.Action == "anonymise" || o.Action == "erase")
	}
	// And only once its verdict is final: while an operation some operation of the case
	// had seen is still missing here, an erasure taken now may be refused when it comes
	// (an erasure signed on a case still owed an answer, taken where the change that
	// reopened the case has not arrived yet), and a redacted history cannot come back.
	// The case's values follow the merge meanwhile; the history is redacted when the
	// missing operations are here (settleErasures).
	if anonymised {
		var done int
		if err := t.queryRow(`SELECT count(*) FROM anonymised_cases WHERE case_id = ?`, op.CaseID).Scan(&done); err != nil {
			return t.writeErr(err)
		}
		settled := done > 0 // redacted on a final verdict: it stays
		if !settled {
			if settled, err = t.settled(all, op); err != nil {
				return err
			}
		}
		if !settled {
			anonymised = false
			if err := t.markErasure(op.CaseID, true); err != nil {
				return err
			}
		}
	}
	old, err := t.get(op.CaseID)
	if err != nil {
		if p, ok := AsProblem(err); !ok || p.Key != "err.unknown_ref" {
			return err
		}
		old = nil
	}

	var changes []FieldChange
	if m.complete {
		next, err := caseFromFields(op.CaseID, m.values)
		if err != nil {
			return Problemf("exchange.bad_op", "origin", op.Origin, "seq", strconv.FormatInt(op.Seq, 10))
		}
		// The same cleaning as a local write (text.go): an office of an older version, or
		// a file written by hand, must not bring control characters in, and every
		// office stores the same bytes. The operation itself is kept as received.
		next.cleanText(nil)
		if err := t.ensureOffice(next.Office); err != nil {
			return err
		}
		numbered := numberOrigin(accepted)
		if err := t.seeNumber(next.Number, numbered); err != nil {
			return err
		}
		if old == nil || old.Number != next.Number {
			if next.Number, err = t.claimNumber(next.ID, next.Number, numbered); err != nil {
				return err
			}
		}
		changes = diff(old, next)
		if old == nil && len(held) > 0 {
			// The operations held before the creation came wrote their values in the
			// history; where the case ends otherwise (a change judged now and rejected,
			// a value the merge left out), the entry says so, so that the history read
			// in order gives the case.
			changes = restated(changes, next, held)
		}
		if old == nil {
			// One audit entry per operation that made one (verify): the operations
			// held before the creation came wrote theirs, rejected ones none.
			n, err := t.auditCount(op.CaseID, len(all))
			if err != nil {
				return err
			}
			next.Version = n + 1
		} else {
			next.Version = old.Version + 1
			next.rowid = old.rowid
		}
		t.stage(old, next)
		if err := t.mergeSideTables(op, m, accepted, !refused && anonymised); err != nil {
			return err
		}
	} else {
		// The case's first operation has not arrived yet (another office passed this
		// one on sooner): the history keeps what it set, the case appears with it.
		for f, v := range op.Fields {
			changes = append(changes, FieldChange{Field: f, New: cleanField(f, v)})
		}
	}
	for f, v := range op.Fields {
		if !mergeFields[f] && !refused {
			changes = append(changes, FieldChange{Field: f, New: cleanField(f, v)})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Field < changes[j].Field })
	if anonymised && (op.Action == "anonymise" || op.Action == "erase") {
		for i := range changes {
			if historyPersonal(changes[i].Field) {
				changes[i].Old = redactValue(changes[i].Old)
			}
		}
	}
	note := strings.TrimSpace(CleanText(op.Note) + " [" + op.Origin + " " + strconv.FormatInt(op.Seq, 10) + " " + CleanLine(op.At) + "]")
	if err := t.auditAs(now, CleanLine(op.Actor), op.Origin, op.CaseID, op.Action, changes, note); err != nil {
		return err
	}
	if err := t.keepOp(op, all, rejected); err != nil {
		return err
	}
	if anonymised {
		delete(t.caseOps, op.CaseID) // redaction changes what is held: read it again
	}
	if err := t.saveConflicts(op.CaseID, m.conflicts, now); err != nil {
		return err
	}
	// A change that reaches a case already anonymised here (made before its office
	// learned of the anonymisation) loses its personal values at once.
	if anonymised && (refused || op.Action != "anonymise" && op.Action != "erase") {
		return t.redactHistory(op.CaseID)
	}
	return nil
}

// settled reports whether every operation a case's operations had seen is here, so
// that no verdict on them can change any more (decide). op is the operation being
// taken: its office's earlier ones are here too.
func (t *Tx) settled(ops []Operation, op Operation) (bool, error) {
	held := map[string]int64{t.s.local.Code: t.seq}
	for _, y := range ops {
		for o, n := range y.Deps {
			h, ok := held[o]
			if !ok {
				err := t.queryRow(`SELECT seq FROM origins WHERE origin = ?`, o).Scan(&h)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return false, t.writeErr(err)
				}
				if o == op.Origin {
					h = max(h, op.Seq)
				}
				held[o] = h
			}
			if n > h {
				return false, nil
			}
		}
	}
	return true, nil
}

// markErasure keeps (or drops) a case among those with an erasure taken from another
// office whose verdict is not final yet (meta 'erasures_waiting', a JSON list).
func (t *Tx) markErasure(caseID string, waiting bool) error {
	ids, err := t.waitingErasures()
	if err != nil {
		return err
	}
	i := sort.SearchStrings(ids, caseID)
	has := i < len(ids) && ids[i] == caseID
	switch {
	case waiting && !has:
		ids = append(ids[:i], append([]string{caseID}, ids[i:]...)...)
	case !waiting && has:
		ids = append(ids[:i], ids[i+1:]...)
	default:
		return nil
	}
	b, _ := json.Marshal(ids)
	if _, err := t.exec(`INSERT INTO meta(key, value) VALUES ('erasures_waiting', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, string(b)); err != nil {
		return t.writeErr(err)
	}
	return nil
}

func (t *Tx) waitingErasures() ([]string, error) {
	var v string
	err := t.queryRow(`SELECT value FROM meta WHERE key = 'erasures_waiting'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, t.writeErr(err)
	}
	var ids []string
	if json.Unmarshal([]byte(v), &ids) != nil {
		return nil, nil // a list this program did not write: the cases are merged again when their operations come
	}
	sort.Strings(ids)
	return ids, nil
}

// settleErasures redacts the cases whose erasure from another office was taken while
// its verdict could still change, once it cannot: the operations they wait for came
// with a file, maybe of another case. An erasure refused meanwhile redacts nothing.
func (t *Tx) settleErasures(f RemoteFile) error {
	ids, err := t.waitingErasures()
	if err != nil || len(ids) == 0 {
		return err
	}
	for _, id := range ids {
		ops, err := t.opsOf(id)
		if err != nil {
			return err
		}
		accepted, _ := decide(ops)
		var erasure *Operation
		for i := range accepted {
			if a := accepted[i].Action; a == "anonymise" || a == "erase" {
				erasure = &accepted[i]
			}
		}
		if erasure == nil || !merge(accepted).complete {
			if err := t.markErasure(id, false); err != nil {
				return err
			}
			continue
		}
		settled, err := t.settled(ops, Operation{Origin: f.Origin, Seq: f.Last})
		if err != nil {
			return err
		}
		if !settled {
			continue
		}
		reason := ReasonRetention
		if erasure.Action == "erase" {
			reason = ReasonErasure
		}
		if _, err := t.exec(`INSERT INTO anonymised_cases(case_id, at, reason) VALUES (?, ?, ?) ON CONFLICT(case_id) DO NOTHING`,
			id, formatTime(t.Now()), reason); err != nil {
			return t.writeErr(err)
		}
		if _, err := t.dropAttachments(id); err != nil {
			return err
		}
		if err := t.keepLetterRecords(id, accepted); err != nil {
			return err
		}
		if err := t.redactHistory(id); err != nil {
			return err
		}
		if err := t.markErasure(id, false); err != nil {
			return err
		}
	}
	return nil
}

// sameVerdicts reports whether the operations held before one more came keep the
// verdicts they had (decide on them alone) among the verdicts on all (rejected).
func sameVerdicts(held []Operation, rejected map[opKey]*Problem) bool {
	_, before := decide(held)
	for i := range held {
		k := keyOf(&held[i])
		if (before[k] == nil) != (rejected[k] == nil) {
			return false
		}
	}
	return true
}

// restated adds to a new case's changes every case field the earlier operations set
// that the changes do not name, with the case's value.
func restated(changes []FieldChange, next *Case, earlier []Operation) []FieldChange {
	named := map[string]bool{}
	for _, c := range changes {
		named[c.Field] = true
	}
	values := next.fields()
	for i, f := range fieldNames {
		if named[f] {
			continue
		}
		for _, o := range earlier {
			if _, ok := o.Fields[f]; ok {
				changes = append(changes, FieldChange{Field: f, New: values[i]})
				break
			}
		}
	}
	return changes
}

// keepOp stores a received operation with the case's others, moves what this register
// has seen of the case, and keeps the list of rejected operations up to date.
func (t *Tx) keepOp(op Operation, all []Operation, rejected map[opKey]*Problem) error {
	fields, _ := json.Marshal(op.Fields)
	t.buffered[op.CaseID] = true
	t.opRows = append(t.opRows, []any{op.Origin, op.Seq, op.HLC.String(), op.CaseID, op.Action, op.BaseVersion, t.auditSeq,
		formatDeps(op.Deps), string(fields), op.Actor, op.At, op.Note})
	t.caseOps[op.CaseID] = all
	deps, err := t.depsOf(op.CaseID, false)
	if err != nil {
		return err
	}
	if op.Origin != t.s.local.Code && deps[op.Origin] < op.Seq {
		deps[op.Origin] = op.Seq
	}
	if len(t.opRows) >= flushEvery {
		if err := t.flush(); err != nil {
			return err
		}
	}
	return t.saveRejected(op.CaseID, all, rejected)
}

// auditCount is how many audit entries a case has, n its operations held: with only
// this one, none yet (the common case, read without a query).
func (t *Tx) auditCount(caseID string, n int) (int64, error) {
	if n <= 1 {
		return 0, nil
	}
	if err := t.flush(); err != nil {
		return 0, err
	}
	var c int64
	if err := t.queryRow(`SELECT count(*) FROM audit WHERE case_id = ?`, caseID).Scan(&c); err != nil {
		return 0, t.writeErr(err)
	}
	return c, nil
}

// opsOf is every operation held on a case, read once per transaction and then kept up
// to date by applyOp (a file brings several operations of one case: creation, reply,
// closing). A local change drops the case from this cache (logOp), as does redaction.
func (t *Tx) opsOf(caseID string) ([]Operation, error) {
	if ops, ok := t.caseOps[caseID]; ok {
		return ops, nil
	}
	if t.buffered[caseID] {
		if err := t.flush(); err != nil {
			return nil, err
		}
	}
	ops, err := t.caseOperations(caseID)
	if err != nil {
		return nil, err
	}
	t.caseOps[caseID] = ops
	if _, ok := t.caseDeps[caseID]; !ok {
		d := map[string]int64{}
		for _, o := range ops {
			if o.Origin != t.s.local.Code && d[o.Origin] < o.Seq {
				d[o.Origin] = o.Seq
			}
		}
		t.caseDeps[caseID] = d
	}
	return ops, nil
}

// caseOperations reads every operation held on a case, in (origin, seq) order.
func (t *Tx) caseOperations(caseID string) ([]Operation, error) {
	rows, err := t.tx.QueryContext(t.ctx, caseOpsQuery, caseID, caseID)
	if err != nil {
		return nil, t.writeErr(err)
	}
	defer rows.Close()
	var out []Operation
	for rows.Next() {
		op, err := scanOperation(rows)
		if err != nil {
			return nil, t.writeErr(err)
		}
		out = append(out, op)
	}
	return out, rows.Err()
}

// ensureOffice makes an office known to the register when a case of it arrives: with the
// names it published in the exchange folder, or its code until then.
func (t *Tx) ensureOffice(code string) error {
	if t.officesSeen[code] {
		return nil
	}
	t.officesSeen[code] = true
	res, err := t.exec(`INSERT INTO offices(code, name_it, name_de)
		SELECT ?, coalesce(nullif(e.name_it, ''), ?), coalesce(nullif(e.name_de, ''), ?)
		FROM (SELECT 1) LEFT JOIN exchange_offices e ON e.code = ?
		WHERE true ON CONFLICT(code) DO NOTHING`, code, code, code, code)
	if err != nil {
		return t.writeErr(err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		t.s.calMu.Lock()
		t.s.offices = nil
		t.s.calMu.Unlock()
	}
	return nil
}

// numberOrigin is the office whose operation gave a case its number (its creation).
func numberOrigin(ops []Operation) string {
	var w []*Operation
	for i := range ops {
		if _, ok := ops[i].Fields["number"]; ok {
			w = append(w, &ops[i])
		}
	}
	if len(w) == 0 {
		return ""
	}
	return headsOf(w)[0].Origin
}

// claimNumber settles two cases that came with the same protocol number. Offices number
// only from their own counters, but registers from before the exchange numbered a case
// for another office from that office's counter (BZ registering EGNA-2026-000001), so
// such a case may meet the one the other office numbered itself. The case whose number
// is its own office's keeps it (the prefix is the office that registered it); the other
// is shown with its registering office after the number (EGNA-2026-000001-BZ); when
// neither or both are, the smaller id keeps it. Every office decides the same from the
// cases alone. The case here that loses its number is renumbered in place, with an
// audit entry of its own; it is not an operation: every office does it by itself.
// It returns the number the incoming case id is to show.
func (t *Tx) claimNumber(id, number, origin string) (string, error) {
	otherID, ok := t.byNum[number]
	if !ok || otherID == id {
		err := t.queryRow(`SELECT id FROM cases WHERE number = ? AND id <> ?`, number, id).Scan(&otherID)
		if errors.Is(err, sql.ErrNoRows) {
			return number, nil
		}
		if err != nil {
			return "", t.writeErr(err)
		}
	}
	if p, pending := t.pending[otherID]; pending && p.cur.Number != number {
		return number, nil // renumbered already in this transaction
	}
	otherOps, err := t.opsOf(otherID)
	if err != nil {
		return "", err
	}
	otherOrigin := numberOrigin(otherOps)
	if otherOrigin == "" {
		otherOrigin = t.s.local.Code // a case of this register from before the change log
	}
	prefix := number[:max(0, strings.IndexByte(number, '-'))]
	mine, theirs := origin == prefix, otherOrigin == prefix
	incomingKeeps := mine && !theirs || mine == theirs && id < otherID
	if !incomingKeeps {
		return number + "-" + origin, nil
	}
	other, err := t.get(otherID)
	if err != nil {
		return "", err
	}
	next := *other
	next.Number = number + "-" + otherOrigin
	next.Version = other.Version + 1
	t.stage(other, &next)
	delete(t.byNum, number)
	t.byNum[next.Number] = other.ID
	t.buffered[other.ID] = true
	return number, t.audit(t.s.clock.Now(), other, "renumber", []FieldChange{{Field: "number", Old: number, New: next.Number}}, "")
}

// seeNumber moves the protocol counter of a received case's office and year up to its
// number, when the case was numbered by that office itself (origin, the office whose
// operation gave the number) or by this register's own office (its own cases coming back
// after an older backup was restored): this register then never gives that number again.
// A number in an office's numbering given by another office (a register from before the
// exchange numbered cases for other offices, validate.go, checkCreate, or a program
// that signs what no clerk could do) moves no counter: an office's numbering is
// advanced only by itself, and a number such a case holds is skipped when it comes up
// (nextNumber).
func (t *Tx) seeNumber(number, origin string) error {
	office, year, n, ok := parseNumber(number)
	if !ok || origin != office && origin != t.s.local.Code {
		return nil
	}
	k := counterKey{office, year}
	last, ok := t.counters[k]
	if !ok {
		err := t.queryRow(`SELECT last FROM counters WHERE office = ? AND year = ?`, office, year).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return t.writeErr(err)
		}
	}
	if n > last {
		t.counters[k] = n
	}
	return nil
}

// mergeSideTables keeps what lives beside the case row: the outcome, and the mark and
// the files of an anonymised case.
func (t *Tx) mergeSideTables(op Operation, m *merged, all []Operation, taken bool) error {
	hasOutcome := false
	for _, o := range all {
		_, ok := o.Fields["outcome"]
		hasOutcome = hasOutcome || ok
	}
	if hasOutcome {
		outcome := m.values["outcome"]
		var err error
		if outcome == "" {
			_, err = t.exec(`DELETE FROM case_outcomes WHERE case_id = ?`, op.CaseID)
		} else {
			_, err = t.exec(`INSERT INTO case_outcomes(case_id, outcome) VALUES (?, ?)
				ON CONFLICT(case_id) DO UPDATE SET outcome = excluded.outcome`, op.CaseID, outcome)
		}
		if err != nil {
			return t.writeErr(err)
		}
	}
	if taken {
		// The case is anonymised: by this operation, or by one taken before the case's
		// creation came (an office taking the folder from the start gets an office's
		// erasure before another office's creation of the case); then it is marked
		// now, before applyOp redacts the history, which only a marked case allows.
		erasure := op
		for _, o := range all {
			if !(erasure.Action == "anonymise" || erasure.Action == "erase") && (o.Action == "anonymise" || o.Action == "erase") {
				erasure = o
			}
		}
		reason := ReasonRetention
		if erasure.Action == "erase" {
			reason = ReasonErasure
		}
		if _, err := t.exec(`INSERT INTO anonymised_cases(case_id, at, reason) VALUES (?, ?, ?) ON CONFLICT(case_id) DO NOTHING`,
			op.CaseID, formatTime(t.Now()), reason); err != nil {
			return t.writeErr(err)
		}
		if _, err := t.dropAttachments(op.CaseID); err != nil {
			return err
		}
		if err := t.keepLetterRecords(op.CaseID, all); err != nil {
			return err
		}
		if op.Action == "anonymise" || op.Action == "erase" {
			return t.redactHistory(op.CaseID)
		}
		return nil
	}
	// The files the case's operations announce (data/files.go).
	return t.expectFiles(op.CaseID, all)
}

// Head is one value kept for a field: the write that set it.
type Head struct {
	Origin string `json:"origin"`
	Seq    int64  `json:"seq"`
	HLC    string `json:"hlc"`
	Actor  string `json:"actor,omitempty"`
	Value  string `json:"value"`
}

type merged struct {
	values    map[string]string
	conflicts map[string][]Head // field → heads, provisional winner first
	complete  bool              // the case's creation is among the operations
}

// seen reports whether write b's office had applied a when it made b.
func seen(a, b *Operation) bool {
	if a.Origin == b.Origin {
		return a.Seq < b.Seq
	}
	return b.Deps[a.Origin] >= a.Seq
}

// merge computes a case from all its operations (any order).
func merge(ops []Operation) *merged {
	m := &merged{values: map[string]string{}, conflicts: map[string][]Head{}}
	var statusHead *Operation
	byField := map[string][]*Operation{}
	for i := range ops {
		for f := range ops[i].Fields {
			if mergeFields[f] {
				byField[f] = append(byField[f], &ops[i])
			}
		}
	}
	for f, writes := range byField {
		if companion[f] {
			continue // after the status (below)
		}
		heads := headsOf(writes)
		m.values[f] = heads[0].Fields[f]
		if f == "status" {
			statusHead = heads[0]
		}
		if len(heads) > 1 {
			hs := make([]Head, len(heads))
			for i, h := range heads {
				hs[i] = Head{Origin: h.Origin, Seq: h.Seq, HLC: h.HLC.String(), Actor: h.Actor, Value: h.Fields[f]}
			}
			m.conflicts[f] = hs
		}
	}
	// The fields that follow the status come with it: from the operation whose status
	// was chosen when it set them (a change of status on a shared case carries them, see
	// Tx.withCompanions), otherwise from their own latest writes. They are never a
	// conflict of their own: the status's conflict is the clerk's question.
	for _, f := range statusCompanions {
		writes := byField[f]
		if len(writes) == 0 {
			continue
		}
		if statusHead != nil {
			if v, ok := statusHead.Fields[f]; ok {
				m.values[f] = v
				continue
			}
		}
		m.values[f] = headsOf(writes)[0].Fields[f]
	}
	m.complete = m.values["number"] != "" && m.values["received_at"] != ""
	if st := statusHead; st != nil {
		m.normalise(st)
	}
	// An erasure wins over every write of a personal field, earlier, concurrent or
	// later: the field takes its anonymised form, and no conflict over it is kept (the
	// values kept are the data erased). The stored operations of an erased case are
	// redacted at different moments in different offices (when the verdict on the
	// erasure is final there, or when an operation comes after), so the merge must not
	// depend on whether a value is the original or its redacted copy: the anonymised
	// form of both is the same.
	if erasedIn(ops) {
		for f := range personalFields {
			if v, ok := m.values[f]; ok {
				m.values[f] = anonymisedValue(f, v)
			}
			delete(m.conflicts, f)
		}
	}
	return m
}

// headsOf is the writes of one field that no other write of it had seen, the
// provisional winner first.
func headsOf(writes []*Operation) []*Operation {
	var heads []*Operation
	for _, a := range writes {
		later := false
		for _, b := range writes {
			if a != b && seen(a, b) {
				later = true
				break
			}
		}
		if !later {
			heads = append(heads, a)
		}
	}
	if len(heads) == 0 {
		// Writes that each claim to have seen another in a ring (deps no program of
		// an office writes, as an office sees only what came before): none is later
		// than all, so all are kept.
		heads = append(heads, writes...)
	}
	sort.Slice(heads, func(i, j int) bool { return outranks(heads[i], heads[j]) })
	return heads
}

// companion marks the fields that follow the status.
var companion = map[string]bool{"waiting_since": true, "answered_at": true, "closed_at": true}

// outranks is the provisional winner's order: the later clock reading, then the office
// code, then the sequence (all offices agree on it).
func outranks(a, b *Operation) bool {
	if a.HLC != b.HLC {
		return b.HLC.Less(a.HLC)
	}
	if a.Origin != b.Origin {
		return a.Origin > b.Origin
	}
	return a.Seq > b.Seq
}

// normalise keeps the fields that follow the status consistent with the status chosen.
// Fields merge one by one, so when two offices moved a case concurrently (one put it on
// hold for the citizen, the other answered or resumed it) the provisional status may
// come from one office and the waiting date from the other. Each rule below is a
// function of the operations alone (the time is that of the operation whose status
// won), so every office repairs the same way; the clerk settles the conflict itself.
func (m *merged) normalise(statusHead *Operation) {
	at := time.UnixMilli(statusHead.HLC.Wall).UTC()
	switch Status(m.values["status"]) {
	case StatusWaiting:
		if m.values["waiting_since"] == "" {
			m.values["waiting_since"] = at.In(Rome).Format(dateLayout)
		}
	default:
		m.values["waiting_since"] = ""
	}
	switch Status(m.values["status"]) {
	case StatusAnswered, StatusClosed:
		if m.values["answered_at"] == "" {
			m.values["answered_at"] = formatTime(at)
		}
	}
	if Status(m.values["status"]) == StatusClosed {
		if m.values["closed_at"] == "" {
			m.values["closed_at"] = formatTime(at)
		}
	} else {
		m.values["closed_at"] = ""
	}
}

// saveConflicts makes the conflicts table say what the merge found for a case.
func (t *Tx) saveConflicts(caseID string, conflicts map[string][]Head, now time.Time) error {
	if len(conflicts) == 0 {
		if !t.conflictsRead {
			var n int
			if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM conflicts)`).Scan(&n); err != nil {
				return t.writeErr(err)
			}
			t.conflictsRead, t.haveConflicts = true, n > 0
		}
		if !t.haveConflicts {
			return nil
		}
	}
	if _, err := t.exec(`DELETE FROM conflicts WHERE case_id = ? AND field NOT IN (SELECT value FROM json_each(?))`, caseID, jsonKeys(conflicts)); err != nil {
		return t.writeErr(err)
	}
	if len(conflicts) > 0 {
		t.conflictsRead, t.haveConflicts = true, true
	}
	for f, hs := range conflicts {
		b, _ := json.Marshal(hs)
		if _, err := t.exec(`INSERT INTO conflicts(case_id, field, heads, since) VALUES (?, ?, ?, ?)
			ON CONFLICT(case_id, field) DO UPDATE SET heads = excluded.heads`, caseID, f, string(b), formatTime(now)); err != nil {
			return t.writeErr(err)
		}
	}
	return nil
}

func jsonKeys(m map[string][]Head) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b, _ := json.Marshal(keys)
	return string(b)
}

// caseFromFields builds a case from its fields as text (the inverse of Case.fields).
func caseFromFields(id string, values map[string]string) (*Case, error) {
	c := &Case{ID: id}
	for _, f := range fieldNames {
		if err := setField(c, f, values[f]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// setField sets one field of a case from its text form.
func setField(c *Case, field, v string) error {
	num := func(dst *int) error {
		if v == "" {
			*dst = 0
			return nil
		}
		n, err := strconv.Atoi(v)
		*dst = n
		return err
	}
	tm := func(dst **time.Time) error {
		if v == "" {
			*dst = nil
			return nil
		}
		x, err := parseTime(v)
		*dst = &x
		return err
	}
	switch field {
	case "number":
		c.Number = v
	case "office":
		c.Office = v
	case "kind":
		c.Kind = Kind(v)
	case "channel":
		c.Channel = Channel(v)
	case "status":
		c.Status = Status(v)
	case "received_at":
		x, err := parseTime(v)
		c.ReceivedAt = x
		return err
	case "due_date":
		c.DueDate = v
	case "deadline_days":
		return num(&c.DeadlineDays)
	case "waiting_since":
		c.WaitingSince = v
	case "waited_days":
		return num(&c.WaitedDays)
	case "answered_at":
		return tm(&c.AnsweredAt)
	case "closed_at":
		return tm(&c.ClosedAt)
	case "subject":
		c.Subject = v
	case "description":
		c.Description = v
	case "category":
		c.Category = v
	case "service":
		c.Service = v
	case "assignee":
		c.Assignee = v
	case "citizen_name":
		c.Citizen.Name = v
	case "citizen_email":
		c.Citizen.Email = v
	case "citizen_phone":
		c.Citizen.Phone = v
	case "citizen_address":
		c.Citizen.Address = v
	case "citizen_language":
		c.Citizen.Language = Language(v)
	case "reply_text":
		c.Reply.Text = v
	case "reply_language":
		c.Reply.Language = Language(v)
	case "reply_at":
		return tm(&c.Reply.At)
	case "satisfaction":
		return num(&c.Satisfaction)
	default:
		return Problemf("exchange.bad_field", "field", field)
	}
	return nil
}

// Conflict is a field two offices changed without having seen each other's change.
type Conflict struct {
	CaseID string `json:"case_id"`
	Number string `json:"number"`
	Field  string `json:"field"`
	// Heads are the values kept, the provisional one (shown in every office) first.
	Heads []Head `json:"heads"`
	Since string `json:"since"`
}

// Conflicts lists the open conflicts, oldest first.
func (s *Store) Conflicts(ctx context.Context) ([]Conflict, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT k.case_id, coalesce(c.number, ''), k.field, k.heads, k.since
		FROM conflicts k LEFT JOIN cases c ON c.id = k.case_id ORDER BY k.since, c.number, k.field`)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		var heads string
		if err := rows.Scan(&c.CaseID, &c.Number, &c.Field, &heads, &c.Since); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		if err := json.Unmarshal([]byte(heads), &c.Heads); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ResolveConflict is a clerk's decision on a conflict: the field gets value (one of the
// kept values, or another), as a change that has seen every kept value, so every office
// that receives it ends the conflict the same way.
func (t *Tx) ResolveConflict(ref Ref, field, value, note string) (*Case, error) {
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	var heads string
	if err := t.queryRow(`SELECT heads FROM conflicts WHERE case_id = ? AND field = ?`, old.ID, field).Scan(&heads); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Problemf("exchange.no_conflict", "number", old.Number, "field", field)
		}
		return nil, t.writeErr(err)
	}
	var kept []Head
	if err := json.Unmarshal([]byte(heads), &kept); err != nil {
		return nil, t.writeErr(err)
	}
	// The rules take any value kept as where the decision starts (validate.go).
	t.resolving = map[string][]string{}
	for _, h := range kept {
		t.resolving[field] = append(t.resolving[field], h.Value)
	}
	defer func() { t.resolving = nil }()
	next := *old
	if field == "outcome" {
		var cur string
		err := t.queryRow(`SELECT outcome FROM case_outcomes WHERE case_id = ?`, old.ID).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, t.writeErr(err)
		}
		if cur != value {
			return t.SetOutcome(ref, Outcome(value))
		}
		// The value shown is kept: still a write of the field (apply ends the conflict).
		return &next, t.apply("resolve", old, &next, note, map[string]string{field: value})
	}
	if err := setField(&next, field, value); err != nil {
		return nil, Problemf("exchange.bad_value", "field", field, "value", value)
	}
	if field == "status" {
		if !next.Status.Valid() {
			return nil, Problemf("exchange.bad_value", "field", field, "value", value)
		}
		settleCompanions(&next, t.Now())
	}
	var extra map[string]string
	if (&next).fields() == old.fields() {
		// The clerk keeps the value shown: the decision is still a write of the field.
		extra = map[string]string{field: value}
	}
	if err := t.apply("resolve", old, &next, note, extra); err != nil {
		return nil, err
	}
	return &next, nil
}

// settleCompanions makes the fields that follow the status agree with the status a
// clerk chose in a conflict, by the same rules as normalise, with the decision's time.
func settleCompanions(c *Case, now time.Time) {
	if c.Status == StatusWaiting {
		if c.WaitingSince == "" {
			c.WaitingSince = now.In(Rome).Format(dateLayout)
		}
	} else {
		c.WaitingSince = ""
	}
	if (c.Status == StatusAnswered || c.Status == StatusClosed) && c.AnsweredAt == nil {
		at := now.UTC().Truncate(time.Millisecond)
		c.AnsweredAt = &at
	}
	if c.Status == StatusClosed {
		if c.ClosedAt == nil {
			at := now.UTC().Truncate(time.Millisecond)
			c.ClosedAt = &at
		}
	} else {
		c.ClosedAt = nil
	}
}

// CanonicalHash is a digest of every case as the offices share it (all fields but the
// local version and row number), its outcome and its open conflicts: two registers that
// took the same operations have the same hash.
func (s *Store) CanonicalHash(ctx context.Context) (string, error) {
	h := sha256.New()
	write := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(strconv.Itoa(len(p))))
			h.Write([]byte{':'})
			h.Write([]byte(p))
		}
		h.Write([]byte{'\n'})
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+caseColumns+`, rowid FROM cases ORDER BY id`)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	for rows.Next() {
		c, err := scanCase(rows, now)
		if err != nil {
			rows.Close()
			return "", err
		}
		f := c.fields()
		write(append([]string{c.ID}, f[:]...)...)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT case_id, outcome FROM case_outcomes ORDER BY case_id`)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var id, o string
		rows.Scan(&id, &o)
		write("outcome", id, o)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT case_id, field, heads FROM conflicts ORDER BY case_id, field`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var id, f, heads string
		rows.Scan(&id, &f, &heads)
		var hs []Head
		json.Unmarshal([]byte(heads), &hs)
		for _, x := range hs {
			write("conflict", id, f, x.Origin, strconv.FormatInt(x.Seq, 10), x.Value)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), rows.Err()
}
