package data

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// appendOnly is the body of every trigger that refuses a change to the audit trail.
const appendOnly = `BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END`

// auditTriggers are the triggers that keep the audit trail and its checkpoints
// append-only, with their exact SQL: a trigger dropped, or replaced by one that lets
// changes through, is found by verify.
var auditTriggers = map[string]string{
	"audit_no_update":             auditGuard,
	"audit_no_delete":             "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit " + appendOnly,
	"audit_checkpoints_no_update": "CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints " + appendOnly,
	"audit_checkpoints_no_delete": "CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints " + appendOnly,
}

func (s *Store) verifyTriggers(ctx context.Context, add func(string, ...string)) error {
	have := map[string]string{}
	rows, err := s.db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		var text sql.NullString
		if err := rows.Scan(&name, &text); err != nil {
			rows.Close()
			return err
		}
		have[name] = text.String
	}
	rows.Close()
	names := make([]string, 0, len(auditTriggers))
	for n := range auditTriggers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		got, ok := have[n]
		switch {
		case !ok:
			add("verify.trigger_missing", "name", n)
		case strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(auditTriggers[n]), " "):
			add("verify.trigger_changed", "name", n)
		}
	}
	return nil
}

// sealPublicKey is the public half of the office's key beside the register; nil if
// there is none or it cannot be read.
func (s *Store) sealPublicKey() (ed25519.PublicKey, error) {
	k, err := readSealKey(SealKeyPath(s.path))
	if err != nil {
		return nil, err
	}
	return k.Public().(ed25519.PublicKey), nil
}

// verifyChain checks the hash chain in one pass and the signed checkpoints and head
// against it: a chain edited and computed again fails the signatures it can no longer
// match, one cut back fails the head signed last.
func (s *Store) verifyChain(ctx context.Context, r *VerifyReport, add func(string, ...string), redactions map[int64]digests, anonymised map[string]bool) error {
	var cps []Checkpoint
	rows, err := s.db.QueryContext(ctx, `SELECT seq, head, at, sig FROM audit_checkpoints ORDER BY seq`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c Checkpoint
		if err := rows.Scan(&c.Seq, &c.Head, &c.At, &c.Sig); err != nil {
			rows.Close()
			return err
		}
		cps = append(cps, c)
	}
	rows.Close()
	seal, err := s.Seal(ctx)
	if err != nil {
		return err
	}
	r.Checkpoints = int64(len(cps))
	if seal != nil {
		r.SealedSeq = seal.Seq
		r.SealedAt, _ = parseTime(seal.At)
	}

	rows, err = s.db.QueryContext(ctx, `SELECT seq, at, actor, office, case_id, action, changes, note, hash FROM audit ORDER BY seq`)
	if err != nil {
		return err
	}
	prev := ""
	var expect int64 = 1
	var lastSum []byte
	ci := 0
	// Checkpoints the chain no longer matches, as (seq of the last one matched, the
	// one that fails): the entries between them were changed after being signed.
	type span struct {
		from, to int64
		at       string
	}
	var broken []span
	var good int64
	for rows.Next() {
		var e AuditEntry
		var sum []byte
		var kept any
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Office, &e.CaseID, &e.Action, &kept, &e.Note, &sum); err != nil {
			rows.Close()
			return err
		}
		// A kept form that does not decode is an entry changed after it was written:
		// no text hashes to its hash, and it is reported with the entry's seq below.
		var derr error
		if e.Changes, derr = unpackChanges(kept); derr != nil {
			e.Changes = "\x00" + derr.Error()
		}
		r.AuditEntries++
		seq := strconv.FormatInt(e.Seq, 10)
		if e.Seq != expect {
			add("verify.audit_gap", "from", strconv.FormatInt(expect, 10), "to", strconv.FormatInt(e.Seq-1, 10))
		}
		// The chain links through the stored hash of the entry before, so an entry
		// edited in place fails its own hash, and one removed leaves a hole in seq.
		e.PrevHash = prev
		if d, ok := redactions[e.Seq]; ok {
			if !bytes.Equal(e.hashWith(d.changes, d.note), sum) || !anonymised[e.CaseID] || !redactedForm(e.Action, e.Changes, e.Note) {
				add("verify.audit_hash", "seq", seq)
			}
		} else if !bytes.Equal(e.computeHash(), sum) {
			add("verify.audit_hash", "seq", seq)
		}
		for ci < len(cps) && cps[ci].Seq < e.Seq {
			ci++ // names an entry that is not there: reported below
		}
		if ci < len(cps) && cps[ci].Seq == e.Seq {
			if bytes.Equal(cps[ci].Head, sum) {
				good = e.Seq
			} else if len(broken) == 0 {
				broken = append(broken, span{good + 1, e.Seq, cps[ci].At})
			}
			ci++
		}
		e.Hash = hex.EncodeToString(sum)
		prev, expect, lastSum = e.Hash, e.Seq+1, sum
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	last := expect - 1

	// The key file beside the register is the office's key. A copy of the register
	// elsewhere (a backup) has none beside it: it is checked with the public key the
	// register names, and the report says so with its fingerprint, to be compared with
	// the one the offices confirmed.
	var stored ed25519.PublicKey
	var storedHex string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'audit_public_key'`).Scan(&storedHex); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if b, err := hex.DecodeString(storedHex); err == nil && len(b) == ed25519.PublicKeySize {
		stored = b
	}
	pub, kerr := s.sealPublicKey()
	switch {
	case kerr == nil:
		r.KeyFile = true
		if stored != nil && !stored.Equal(pub) {
			add("verify.key_replaced", "path", SealKeyPath(s.path))
		}
	case errors.Is(kerr, fs.ErrNotExist) && stored != nil:
		pub = stored
	case last > 0 || seal != nil || len(cps) > 0:
		key := "verify.key_missing"
		if !errors.Is(kerr, fs.ErrNotExist) {
			key = "verify.key_unreadable"
		}
		add(key, "path", SealKeyPath(s.path))
	}
	if pub != nil {
		r.KeyFingerprint = KeyFingerprint(pub)
	}
	if pub != nil {
		for i := range cps {
			if !cps[i].Valid(pub) {
				add("verify.checkpoint_signature", "seq", strconv.FormatInt(cps[i].Seq, 10))
			}
		}
	}
	for _, c := range cps {
		if c.Seq > last {
			add("verify.audit_cut", "have", strconv.FormatInt(last, 10), "want", strconv.FormatInt(c.Seq, 10), "at", c.At)
			break
		}
	}
	switch {
	case seal == nil && last > 0:
		add("verify.seal_missing", "have", strconv.FormatInt(last, 10))
	case seal == nil:
	case pub != nil && !seal.Valid(pub):
		add("verify.seal_signature", "seq", strconv.FormatInt(seal.Seq, 10))
	case seal.Seq > last:
		add("verify.audit_cut", "have", strconv.FormatInt(last, 10), "want", strconv.FormatInt(seal.Seq, 10), "at", seal.At)
	case seal.Seq < last:
		add("verify.audit_unsealed", "from", strconv.FormatInt(seal.Seq+1, 10), "to", strconv.FormatInt(last, 10))
	case !bytes.Equal(seal.Head, lastSum):
		broken = append(broken, span{good + 1, last, seal.At})
	}
	if len(broken) > 0 {
		b := broken[0]
		cases, err := s.casesOfEntries(ctx, b.from, b.to)
		if err != nil {
			return err
		}
		add("verify.audit_resealed", "from", strconv.FormatInt(b.from, 10), "to", strconv.FormatInt(b.to, 10), "at", b.at, "cases", cases)
	}
	return nil
}

// casesOfEntries names the cases of the audit entries from..to, a few of them.
func (s *Store) casesOfEntries(ctx context.Context, from, to int64) (string, error) {
	const most = 8
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT coalesce(c.number, a.case_id) FROM audit a LEFT JOIN cases c ON c.id = a.case_id
		WHERE a.seq BETWEEN ? AND ? AND a.case_id <> '' LIMIT ?`, from, to, most+1)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return "", err
		}
		out = append(out, n)
	}
	if len(out) > most {
		out = append(out[:most], "…")
	}
	return strings.Join(out, ", "), rows.Err()
}

type digests struct{ changes, note []byte }

// caseTrail is what a case's audit entries say it is: its fields as the last change left
// them, its attachments and letters as recorded when they were added.
type caseTrail struct {
	id          string
	entries     int64
	created     bool
	number      string
	set         [len(fieldNames)]bool
	state       [len(fieldNames)]string
	attachments map[string]string
	letters     map[string]string
	buf         []fieldChange // the changes of the entry read last, reused
}

var fieldIndex = func() map[string]int {
	m := map[string]int{}
	for i, f := range fieldNames {
		m[f] = i
	}
	return m
}()

// verifyCases replays the audit trail: each case's entries, in order, give the values
// its row must hold, and the attachments and letters it must have. Cases, entries,
// attachments and letters are read side by side in case order, so memory stays the
// size of one case whatever the size of the register.
func (s *Store) verifyCases(ctx context.Context, r *VerifyReport, add func(string, ...string), anonymised map[string]bool) error {
	caseRows, err := s.db.QueryContext(ctx, `SELECT `+caseColumns+`, rowid FROM cases ORDER BY id`)
	if err != nil {
		return err
	}
	defer caseRows.Close()
	auditRows, err := s.db.QueryContext(ctx, `SELECT case_id, action, audit_changes(changes), office FROM audit WHERE case_id <> '' ORDER BY case_id, seq`)
	if err != nil {
		return err
	}
	defer auditRows.Close()
	attRows, err := s.db.QueryContext(ctx, `SELECT case_id, id, name, mime, size, sha256 FROM attachments ORDER BY case_id`)
	if err != nil {
		return err
	}
	defer attRows.Close()
	letRows, err := s.db.QueryContext(ctx, `SELECT case_id, id, number, language, size, sha256, signer FROM letters ORDER BY case_id`)
	if err != nil {
		return err
	}
	defer letRows.Close()

	var nums numberBook
	var buf []fieldChange
	now := s.clock.Now()
	var cur *Case
	nextCase := func() error {
		cur = nil
		if caseRows.Next() {
			c, err := scanCase(caseRows, now)
			if err != nil {
				return err
			}
			cur = c
		}
		return caseRows.Err()
	}
	var aID, aAction, aChanges, aOffice string
	aOK := false
	nextAudit := func() error {
		aOK = auditRows.Next()
		if aOK {
			return auditRows.Scan(&aID, &aAction, &aChanges, &aOffice)
		}
		return auditRows.Err()
	}
	type side struct {
		caseID, id, desc string
	}
	sideNext := func(rows *sql.Rows, letter bool) (*side, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		var sd side
		var name, mime, lang, number, signer, sum string
		var size int64
		if letter {
			if err := rows.Scan(&sd.caseID, &sd.id, &number, &lang, &size, &sum, &signer); err != nil {
				return nil, err
			}
			sd.desc = strings.Join([]string{sd.id, number, lang, strconv.FormatInt(size, 10), sum, signer}, "|")
		} else {
			if err := rows.Scan(&sd.caseID, &sd.id, &name, &mime, &size, &sum); err != nil {
				return nil, err
			}
			sd.desc = fmt.Sprintf("%s|%s|%d|%s|%s", sd.id, name, size, mime, sum)
		}
		return &sd, nil
	}
	att, err := sideNext(attRows, false)
	if err != nil {
		return err
	}
	let, err := sideNext(letRows, true)
	if err != nil {
		return err
	}
	if err := nextCase(); err != nil {
		return err
	}
	if err := nextAudit(); err != nil {
		return err
	}
	for cur != nil || aOK {
		// The next case id in order, from whichever side has it.
		id := ""
		switch {
		case cur == nil:
			id = aID
		case !aOK:
			id = cur.ID
		default:
			id = min(cur.ID, aID)
		}
		tr := caseTrail{id: id, buf: buf}
		for aOK && aID == id {
			tr.add(aAction, aChanges, aOffice, s.local.Code, &nums)
			if err := nextAudit(); err != nil {
				return err
			}
		}
		buf = tr.buf
		var row *Case
		if cur != nil && cur.ID == id {
			row = cur
			r.Cases++
			if err := nextCase(); err != nil {
				return err
			}
		}
		// Attachments and letters of cases before this one have no case: the foreign
		// key check reports them.
		for att != nil && att.caseID <= id {
			if att.caseID == id {
				tr.checkSide(add, row, "verify.case_attachment", att.id, att.desc, tr.attachments, anonymised[id])
			}
			if att, err = sideNext(attRows, false); err != nil {
				return err
			}
		}
		for let != nil && let.caseID <= id {
			if let.caseID == id {
				tr.checkSide(add, row, "verify.case_letter", let.id, let.desc, tr.letters, anonymised[id])
			}
			if let, err = sideNext(letRows, true); err != nil {
				return err
			}
		}
		tr.check(add, row, anonymised[id])
	}
	counters := map[counterKey]int64{}
	rows, err := s.db.QueryContext(ctx, `SELECT office, year, last FROM counters`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k counterKey
		var last int64
		if err := rows.Scan(&k.office, &k.year, &last); err != nil {
			return err
		}
		counters[k] = last
	}
	if err := rows.Err(); err != nil {
		return err
	}
	nums.check(counters, add)
	return nil
}

// add takes one audit entry of the case into the trail, made by office in the register
// of local.
func (tr *caseTrail) add(action, changes, office, local string, nums *numberBook) {
	tr.entries++
	if action == "create" {
		// The row is born here, from all the case's operations known then: changes
		// received ahead of the creation (data/merge.go) are in it or were undone.
		tr.created = true
		tr.set, tr.state = [len(fieldNames)]bool{}, [len(fieldNames)]string{}
	}
	var ok bool
	if tr.buf, ok = readChanges(changes, tr.buf); !ok {
		return // its hash is checked; its content says nothing of the case
	}
	for _, c := range tr.buf {
		f, v := c.field, c.value
		if i, ok := fieldIndex[f]; ok {
			tr.state[i], tr.set[i] = v, true
			if f == "number" {
				nums.use(v, office, local)
				if action == "create" {
					tr.number = v
				}
			}
			continue
		}
		switch f {
		case "attachment", "letter":
			id, _, _ := strings.Cut(v, "|")
			if tr.attachments == nil {
				tr.attachments, tr.letters = map[string]string{}, map[string]string{}
			}
			if f == "attachment" {
				tr.attachments[id] = v
			} else {
				tr.letters[id] = v
			}
		}
	}
}

// checkSide compares an attachment's or a letter's row with what its audit entry
// recorded when it was added (an anonymised case's descriptions are redacted: only that
// one was recorded is checked).
func (tr *caseTrail) checkSide(add func(string, ...string), row *Case, key, id, desc string, recorded map[string]string, anonymised bool) {
	want, ok := recorded[id]
	if ok && (anonymised || want == desc) {
		return
	}
	number := tr.id
	if row != nil {
		number = row.Number
	}
	add(key, "number", number, "id", id)
}

// check compares the case's row with its trail.
func (tr *caseTrail) check(add func(string, ...string), row *Case, anonymised bool) {
	if row == nil {
		if tr.created {
			number := tr.number
			if number == "" {
				number = tr.id
			}
			add("verify.case_removed", "number", number)
		}
		// Entries of a case whose first operation has not arrived yet from the office
		// that created it (data/merge.go) have no row, and need none.
		return
	}
	if tr.entries != row.Version {
		add("verify.audit_missing", "number", row.Number, "have", strconv.FormatInt(tr.entries, 10), "want", strconv.FormatInt(row.Version, 10))
	}
	for i, v := range row.fields() {
		f := fieldNames[i]
		if anonymised && historyPersonal(f) {
			continue // the history of an anonymised case holds its personal values redacted
		}
		want := tr.state[i]
		if !tr.set[i] && (v == "" || v == "0") {
			continue // a column added after the case's entries were written
		}
		if v != want {
			add("verify.case_changed", "number", row.Number, "field", f)
		}
	}
}

// maxNumber bounds the numbers kept per office and year (a bit each, 2 MiB at most), so
// that a number forged into the file cannot make verify take the machine's memory.
const maxNumber = 1 << 24

// numberBook keeps, per office and year, the protocol numbers the audit trail gave: by
// the numbering's own office or by this register's (given, which move the counter), and
// by any office (held). A number another office gave in an office's numbering (a
// register from before the exchange, or a program signing what no clerk could do)
// moves no counter (data/merge.go, seeNumber) and is skipped when it comes up.
type numberBook struct {
	given, held map[counterKey][]uint64
}

// use records one number (OFFICE-YEAR-NNNNNN) given by office in the register of local;
// a number of another form (a received case renumbered with its office after it) gives
// no counter.
func (b *numberBook) use(number, office, local string) {
	k, n, ok := splitNumber(number)
	if !ok || n > maxNumber {
		return // beyond any office's year; its counter is then reported
	}
	if b.given == nil {
		b.given, b.held = map[counterKey][]uint64{}, map[counterKey][]uint64{}
	}
	set := func(m map[counterKey][]uint64) {
		bits := m[k]
		for uint64(len(bits))*64 <= uint64(n) {
			bits = append(bits, 0)
		}
		bits[n/64] |= 1 << (n % 64)
		m[k] = bits
	}
	set(b.held)
	if office == k.office || office == local {
		set(b.given)
	}
}

func splitNumber(number string) (counterKey, int64, bool) {
	i := strings.LastIndexByte(number, '-')
	if i < 6 || number[i-5] != '-' {
		return counterKey{}, 0, false
	}
	n, err1 := strconv.ParseInt(number[i+1:], 10, 64)
	year, err2 := strconv.Atoi(number[i-4 : i])
	if err1 != nil || err2 != nil || n <= 0 {
		return counterKey{}, 0, false
	}
	return counterKey{number[:i-5], year}, n, true
}

// check compares the counters with the numbers given: each counter stands at the
// highest number given, and between the lowest and the highest of an office and year
// no number is missing (a case removed with its entries leaves such a hole); a number
// held by a case another office numbered is not missing.
func (b numberBook) check(counters map[counterKey]int64, add func(string, ...string)) {
	keys := make([]counterKey, 0, len(b.given))
	for k := range b.given {
		keys = append(keys, k)
	}
	for k := range counters {
		if _, ok := b.given[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].office < keys[j].office || keys[i].office == keys[j].office && keys[i].year < keys[j].year
	})
	for _, k := range keys {
		bits, held := b.given[k], b.held[k]
		var lo, hi int64 = -1, 0
		for w, word := range bits {
			for j := 0; word != 0 && j < 64; j++ {
				if word&(1<<j) != 0 {
					n := int64(w*64 + j)
					if lo < 0 {
						lo = n
					}
					hi = n
				}
			}
		}
		if last, ok := counters[k]; !ok || last != hi {
			add("verify.counter", "office", k.office, "year", strconv.Itoa(k.year),
				"have", strconv.FormatInt(counters[k], 10), "want", strconv.FormatInt(hi, 10))
		}
		gaps := 0
		for n := lo + 1; lo >= 0 && n < hi; n++ {
			if held[n/64]&(1<<(n%64)) == 0 {
				add("verify.number_missing", "number", FormatNumber(k.office, k.year, n))
				if gaps++; gaps == 20 {
					break // enough to show where to look
				}
			}
		}
	}
}

// verifyBlobsQuery reads every file kept, and whether it is the PDF of a letter of an
// anonymised case, emptied on purpose (data/privacy.go). The letters of anonymised cases
// are listed once for the whole query: letters has no index on sha256, so a subquery
// per file would read every letter for every file (TestVerifyBlobsQueryOnce).
const verifyBlobsQuery = `SELECT sha256, content, sha256 IN (SELECT l.sha256 FROM anonymised_cases a JOIN letters l ON l.case_id = a.case_id) FROM blobs`

// verifyBlobs checks that every file kept holds what its SHA-256 names.
func (s *Store) verifyBlobs(ctx context.Context, add func(string, ...string)) error {
	rows, err := s.db.QueryContext(ctx, verifyBlobsQuery)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var content sql.RawBytes
		var emptied bool
		if err := rows.Scan(&name, &content, &emptied); err != nil {
			return err
		}
		if len(content) == 0 && emptied {
			continue
		}
		sum := sha256.Sum256(content)
		if hex.EncodeToString(sum[:]) != name {
			add("verify.blob", "sha256", name)
		}
	}
	return rows.Err()
}
