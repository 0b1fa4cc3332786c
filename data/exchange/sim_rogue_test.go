package exchange

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"ascolto/data"
)

// A trusted office whose program signs changes no clerk could make: it closes cases
// nobody answered, changes closed ones, erases cases still owed an answer, invents
// statuses, channels and kinds, empties subjects, moves receipt dates, and numbers cases
// in another office's numbering. Its files are genuine (its key is trusted), so the
// exchange takes them; every office must keep each of its changes as rejected, apply
// none, go on with the sequences after it, and end with the same list. The rules that
// depend on the case are judged on the case as the rogue held it (it says it had seen
// every operation it holds), so each office refuses them alike whatever arrived first.
// One thing it does is taken: a case for another office in that office's numbering,
// as registers from before the exchange hold them; that office's counter must not move,
// so its next cases keep their numbers.
// The rogue office is not one of m.offices: its own register holds its changes without
// audit entries, which its own verify rightly reports.

const rogueCode = "LANA"

type simRogue struct {
	o       *simOffice
	rnd     *rand.Rand // its own: the run's draws stay as they were
	trusted map[string]bool
	sent    int             // changes sent that every office must reject
	taken   map[string]bool // numbers of the cases it made for an office in its numbering
}

// rogueJoin makes the rogue office, joined to the share and trusted by every office.
func (m *sim) rogueJoin() {
	rnd := rand.New(rand.NewSource(m.seed*7919 + 17))
	p := filepath.Join(m.dir, rogueCode+".ascolto")
	clock := &skewClock{base: m.time}
	s, err := data.Create(p, data.Office{Code: rogueCode, NameIT: "Centro di mediazione lavoro Lana", NameDE: "Arbeitsvermittlungszentrum Lana"},
		data.Options{Clock: clock, Actor: "clerk-lana"})
	if err != nil {
		m.t.Fatal(err)
	}
	seed := make([]byte, ed25519.SeedSize)
	rnd.Read(seed)
	o := &simOffice{code: rogueCode, path: p, s: s, clock: clock, view: m.share.view(rogueCode), key: ed25519.NewKeyFromSeed(seed), batch: 3}
	m.restart(o)
	m.rogue = &simRogue{o: o, rnd: rnd, trusted: map[string]bool{}, taken: map[string]bool{}}
	m.join(o)
	m.trustRogue()
}

// trustRogue has every joined office trust the rogue, and the rogue them (it works on
// their cases), as clerks do on the phone: the key is genuine.
func (m *sim) trustRogue() {
	r := m.rogue
	if r == nil {
		return
	}
	ctx := context.Background()
	faults := m.share.faults
	m.share.setFaults(false)
	defer m.share.setFaults(faults)
	fp := Fingerprint(r.o.key.Public().(ed25519.PublicKey))
	for _, o := range m.offices {
		if !o.joined || r.trusted[o.code] {
			continue
		}
		wasOffline := o.view.offline
		o.view.setOffline(false)
		if err := o.x.Trust(ctx, rogueCode, fp); err != nil {
			m.t.Fatalf("%s trusting %s: %v", o.code, rogueCode, err)
		}
		o.view.setOffline(wasOffline)
		if err := r.o.x.Trust(ctx, o.code, Fingerprint(o.key.Public().(ed25519.PublicKey))); err != nil {
			m.t.Fatalf("%s trusting %s: %v", rogueCode, o.code, err)
		}
		r.trusted[o.code] = true
	}
}

// rogueStep: now and then the rogue office takes what is new and signs one bad change.
func (m *sim) rogueStep() {
	r := m.rogue
	if r == nil || r.rnd.Intn(3) != 0 {
		return
	}
	ctx := context.Background()
	if _, err := r.o.x.SyncOnce(ctx); err != nil {
		m.tracef("%s sync: %v", rogueCode, err)
	}
	op, what := m.rogueOp()
	seq, err := r.o.s.HighWater(ctx, rogueCode)
	if err != nil {
		m.t.Fatal(err)
	}
	op.Seq = seq + 1
	// Its own register takes it back as its program wrote it, and its sequence moves past it.
	f := data.RemoteFile{Origin: rogueCode, First: op.Seq, Last: op.Seq, SHA256: fmt.Sprintf("rogue-%d", op.Seq), Name: fmt.Sprintf("rogue-%d", op.Seq)}
	if _, err := r.o.s.ApplyRemote(ctx, f, []data.Operation{op}); err != nil {
		m.t.Fatalf("%s %s: %v", rogueCode, what, err)
	}
	if strings.HasPrefix(what, "numbered-for-") {
		r.taken[op.Fields["number"]] = true
	} else {
		r.sent++
	}
	m.tracef("%s signs %s %s (%d)", rogueCode, what, short(op.CaseID), op.Seq)
	if _, err := r.o.x.SyncOnce(ctx); err != nil {
		m.tracef("%s sync: %v", rogueCode, err)
	}
}

// rogueOp is one change that breaks a rule, on a case the rogue holds when it has one.
func (m *sim) rogueOp() (data.Operation, string) {
	r := m.rogue
	ctx := context.Background()
	now := r.o.clock.Now()
	at := now.UTC().Format("2006-01-02T15:04:05.000Z")
	// Its clock is past every operation it holds, and it says it had seen them all.
	var top data.HLC
	deps := map[string]int64{}
	var cases []*data.Case
	ids := caseIDs(r.o.s)
	for _, origin := range append(append([]string(nil), simCodes...), rogueCode) {
		ops, err := r.o.s.Operations(ctx, origin, 0, 1<<30)
		if err != nil {
			m.t.Fatal(err)
		}
		for _, op := range ops {
			if top.Less(op.HLC) {
				top = op.HLC
			}
		}
	}
	hlc := top.Tick(now)
	op := data.Operation{Origin: rogueCode, HLC: hlc, Actor: "clerk-lana", At: at}
	for _, id := range ids {
		if c, err := r.o.s.Get(ctx, id); err == nil {
			cases = append(cases, c)
		}
	}
	kind := r.rnd.Intn(8)
	if len(cases) == 0 {
		kind = 6 + r.rnd.Intn(2)
	}
	if kind < 6 {
		c := cases[r.rnd.Intn(len(cases))]
		op.CaseID = c.ID
		for _, origin := range simCodes {
			ops, _ := r.o.s.Operations(ctx, origin, 0, 1<<30)
			for _, o := range ops {
				if o.CaseID == c.ID && deps[origin] < o.Seq {
					deps[origin] = o.Seq
				}
			}
		}
		op.Deps = deps
		erase := map[string]string{"citizen_name": "", "citizen_email": "", "citizen_phone": "", "subject": data.AnonymisedText, "description": ""}
		switch {
		case kind == 4 && c.Status != data.StatusAnswered:
			// Closing a case nobody answered, or closing a closed case again.
			op.Action, op.Fields = "close", map[string]string{"status": "closed", "closed_at": at, "answered_at": at}
			if c.Status == data.StatusClosed {
				return op, "close-closed"
			}
			return op, "close-unanswered"
		case kind == 5 && c.AnsweredAt == nil:
			op.Action, op.Fields = "erase", erase
			return op, "erase-unanswered"
		case kind == 5 && c.Status == data.StatusClosed:
			// A closed case may be erased, but nothing else of it changes.
			op.Action, op.Fields = "edit", map[string]string{"category": "riaperto"}
			return op, "edit-closed"
		case kind == 0:
			op.Action, op.Fields = "close", map[string]string{"status": "done", "closed_at": at, "answered_at": at}
			return op, "status-nonsense"
		case kind == 1 && r.rnd.Intn(2) == 0:
			op.Action, op.Fields = "edit", map[string]string{"received_at": at}
			return op, "receipt-moved"
		case kind == 1:
			op.Action, op.Fields = "edit", map[string]string{"channel": "fax"}
			return op, "channel-nonsense"
		case kind == 2:
			op.Action, op.Fields = "edit", map[string]string{"subject": "  "}
			return op, "empty-subject"
		default:
			op.Action, op.Fields = "edit", map[string]string{"kind": "nonsense"}
			return op, "kind-nonsense"
		}
	}
	// A case in another office's numbering, far ahead: of its own (refused), or for
	// that office (taken, as a register from before the exchange could hold it).
	victim := simCodes[r.rnd.Intn(len(simCodes))]
	var b [16]byte
	r.rnd.Read(b[:])
	op.CaseID = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	op.Action = "create"
	op.Fields = map[string]string{"number": fmt.Sprintf("%s-%d-%06d", victim, now.In(data.Rome).Year(), 999990+r.rnd.Intn(9)),
		"office": rogueCode, "kind": "request", "channel": "email", "status": "received", "received_at": at,
		"due_date": now.In(data.Rome).AddDate(0, 0, 30).Format("2006-01-02"), "deadline_days": "30", "subject": "Numero altrui"}
	if kind == 7 {
		op.Fields["office"] = victim
		return op, "numbered-for-" + strings.ToLower(victim)
	}
	return op, "number-of-" + strings.ToLower(victim)
}

// rogueFlush has the rogue publish what it has not yet once the faults stop.
func (m *sim) rogueFlush() {
	if m.rogue == nil {
		return
	}
	for i := 0; i < 3; i++ {
		if _, err := m.rogue.o.x.SyncOnce(context.Background()); err != nil {
			m.t.Fatalf("%s sync after the faults stopped: %v", rogueCode, err)
		}
		m.time.add(time.Second)
	}
}

// checkRejected: every office holds every change of the rogue, rejected each, the list
// the same everywhere, and nothing of an honest office rejected.
func (m *sim) checkRejected(ctx context.Context) {
	r := m.rogue
	if r == nil {
		return
	}
	var first []data.RejectedOp
	for i, o := range m.offices {
		rs, err := o.s.RejectedOps(ctx)
		if err != nil {
			m.t.Fatal(err)
		}
		n := 0
		for j := range rs {
			rs[j].At = "" // when it arrived here
			rs[j].Number = ""
			if rs[j].Origin != rogueCode {
				m.t.Errorf("%s rejected a change of %s: %+v", o.code, rs[j].Origin, rs[j])
			} else {
				n++
			}
		}
		if n != r.sent {
			m.t.Errorf("%s rejected %d changes of %s, it sent %d", o.code, n, rogueCode, r.sent)
		}
		if i == 0 {
			first = rs
		} else if !reflect.DeepEqual(rs, first) {
			m.t.Errorf("rejected lists differ: %s %d, %s %d", m.offices[0].code, len(first), o.code, len(rs))
		}
		for _, code := range simCodes {
			for n := 999990; n < 999999; n++ {
				number := fmt.Sprintf("%s-%d-%06d", code, m.time.now().In(data.Rome).Year(), n)
				_, err := o.s.Get(ctx, number)
				if err == nil && !r.taken[number] {
					m.t.Errorf("%s holds %s, numbered by %s", o.code, number, rogueCode)
				}
				if err != nil && r.taken[number] {
					m.t.Errorf("%s does not hold %s, numbered by %s for %s: %v", o.code, number, rogueCode, code, err)
				}
			}
		}
		// No office's numbering moved: the numbers it gave itself stay where they were.
		var office string
		var last int64
		err = o.s.DB().QueryRowContext(ctx, `SELECT office, last FROM counters WHERE last >= 999990`).Scan(&office, &last)
		if err == nil {
			m.t.Errorf("%s: the counter of %s stands at %d", o.code, office, last)
		}
	}
	m.tracef("rogue: %d changes sent, each rejected by every office; %d cases numbered for others taken", r.sent, len(r.taken))
}
