package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"ascolto/data/draft"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// AnonymisedText stands where a subject or a reply was: both must not be empty (a case
// has a subject, an answered case a reply), and the marker says in both languages why
// the text is gone.
const AnonymisedText = "[anonimizzato / anonymisiert]"

// redacted stands for a removed value in the audit entry of an anonymisation, so that the
// entry that removes personal data does not itself record it again.
const redacted = "[…]"

// Reasons for an anonymisation, as recorded in anonymised_cases and in the audit trail.
const (
	ReasonRetention = "retention" // the retention rule: the case ended long enough ago
	ReasonErasure   = "erasure"   // the citizen asked for erasure
)

// personalFields are the case fields that can name or reach a person: the citizen's
// details and the free texts (a subject, a description or a reply may name them). What
// remains — office, kind, channel, status, dates, deadline, waiting, category, service,
// languages, satisfaction, assignee — is what the statistics need and names no citizen.
var personalFields = map[string]bool{"citizen_name": true, "citizen_email": true, "citizen_phone": true,
	"citizen_address": true, "subject": true, "description": true, "reply_text": true}

// personalFieldList is personalFields as a JSON list, for SQL.
var personalFieldList = func() string {
	var fs []string
	for f := range personalFields {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	b, _ := json.Marshal(fs)
	return string(b)
}()

// anonymous is the case without personal data: each personal field in its anonymised
// form (anonymisedValue), the form the merge gives them too.
func anonymous(c *Case) *Case {
	next := *c
	next.Citizen = Citizen{Language: c.Citizen.Language}
	next.Subject = anonymisedValue("subject", c.Subject)
	next.Description = anonymisedValue("description", c.Description)
	next.Reply.Text = anonymisedValue("reply_text", c.Reply.Text)
	return &next
}

// anonymisedValue is what a personal field holds once its case is anonymised, whatever
// value was written there and whenever: the subject and a reply (both must not be empty
// once written) say that the text is gone, the other fields are empty. Since it depends
// on nothing but the field and whether a value was written, every office gives the same
// value to an erased case's field, from the original operations or from their redacted
// copies (redactHistory), and in any order of arrival (merge.go).
func anonymisedValue(field, v string) string {
	switch {
	case field == "subject":
		return AnonymisedText
	case field == "reply_text" && v != "":
		return AnonymisedText
	}
	return ""
}

// erasedIn reports whether operations on a case include an anonymisation or an erasure.
func erasedIn(ops []Operation) bool {
	for i := range ops {
		if a := ops[i].Action; a == "anonymise" || a == "erase" {
			return true
		}
	}
	return false
}

// refuseErased refuses a clerk's change that would write personal data into an
// anonymised case again: the merge gives an erased case's personal fields their
// anonymised form in every office, whatever an operation on it writes, so the change
// would show here and nowhere else (and bring back what the citizen had erased). An
// erasure received from another office whose verdict is not final yet counts: the
// merge applies it already.
//
// A file or a letter added to an erased case is refused too: the offices drop the files
// of an erased case when the addition reaches them (its name and content may name the
// citizen), so it too would stay here alone.
func (t *Tx) refuseErased(action string, old *Case, changes []FieldChange, extra map[string]string) error {
	if old == nil || action == "anonymise" || action == "erase" {
		return nil
	}
	key := ""
	for _, c := range changes {
		if personalFields[c.Field] {
			key = "stats.erased_change"
			break
		}
	}
	for _, f := range [...]string{FileKindAttachment, FileKindLetter} {
		if _, ok := extra[f]; ok {
			key = "stats.erased_file"
		}
	}
	if key == "" {
		return nil
	}
	var n int
	if err := t.queryRow(`SELECT count(*) FROM anonymised_cases WHERE case_id = ?`, old.ID).Scan(&n); err != nil {
		return t.writeErr(err)
	}
	if n == 0 {
		ids, err := t.waitingErasures()
		if err != nil {
			return err
		}
		i := sort.SearchStrings(ids, old.ID)
		if i == len(ids) || ids[i] != old.ID {
			return nil
		}
	}
	return Problemf(key, "number", old.Number)
}

// applyRedacted is apply for an anonymisation: the row, the search index, the audit
// entry and the change-log operation in the same transaction, but the audit entry
// records the removed personal values as redacted instead of repeating them (the
// operation carries the new, empty values, so other offices holding the case follow).
func (t *Tx) applyRedacted(action string, old, next *Case, note string) error {
	if err := next.validate(); err != nil {
		return err
	}
	changes := diff(old, next)
	if len(changes) == 0 {
		return nil
	}
	for i := range changes {
		if personalFields[changes[i].Field] && changes[i].Old != "" {
			changes[i].Old = redacted
		}
	}
	next.Version = old.Version + 1
	t.stage(old, next)
	now := t.s.clock.Now()
	if err := t.audit(now, next, action, changes, note); err != nil {
		return err
	}
	if err := t.settleConflicts(next.ID, changes, false); err != nil {
		return err
	}
	return t.logOp(now, next.ID, action, old.Version)
}

// Anonymise removes a case's personal data and keeps every statistical field, with its
// files: the retention rule (reason ReasonRetention) and a citizen's request for erasure
// (ReasonErasure) both come here. The case, its number and its figures stay: a protocol
// number is never given back, and the indicators do not change. A case without a reply
// is refused: the office still owes the citizen an answer.
func (t *Tx) Anonymise(ref Ref, reason, note string) (*Case, error) {
	if reason != ReasonRetention && reason != ReasonErasure {
		return nil, Problemf("stats.anonymise_reason", "reason", reason)
	}
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	if old.AnsweredAt == nil {
		return nil, Problemf("stats.erase_open", "number", old.Number)
	}
	var done string
	err = t.queryRow(`SELECT reason FROM anonymised_cases WHERE case_id = ?`, old.ID).Scan(&done)
	if err == nil {
		return old, nil // nothing personal is left
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, t.writeErr(err)
	}
	// Zeroed from the first statement on, not just freed: the rows, files and index
	// entries this transaction removes must not stay readable in the file's free space.
	if err := t.secureDelete(); err != nil {
		return nil, err
	}
	files, err := t.dropAttachments(old.ID)
	if err != nil {
		return nil, err
	}
	ops, err := t.opsOf(old.ID)
	if err != nil {
		return nil, err
	}
	accepted, _ := decide(ops)
	if err := t.keepLetterRecords(old.ID, accepted); err != nil {
		return nil, err
	}
	if _, err := t.exec(`INSERT INTO anonymised_cases(case_id, at, reason) VALUES (?, ?, ?)`, old.ID, formatTime(t.Now()), reason); err != nil {
		return nil, t.writeErr(err)
	}
	next := anonymous(old)
	// Conflicts over personal fields end here: the merge keeps none on an erased case
	// (merge.go), and their kept values are the personal data being erased.
	if _, err := t.exec(`DELETE FROM conflicts WHERE case_id = ? AND field IN (SELECT value FROM json_each(?))`, old.ID, personalFieldList); err != nil {
		return nil, t.writeErr(err)
	}
	if files > 0 {
		note = strings.TrimSpace(note + " (" + strconv.Itoa(files) + " files removed)")
	}
	action := "anonymise"
	if reason == ReasonErasure {
		action = "erase"
	}
	if err := t.applyRedacted(action, old, next, note); err != nil {
		return nil, err
	}
	if err := t.redactHistory(old.ID); err != nil {
		return nil, err
	}
	if err := t.forgetMessages(old.ID); err != nil {
		return nil, err
	}
	return next, nil
}

// dropAttachments removes a case's files; a file's content goes too unless another case
// or a letter still refers to it.
func (t *Tx) dropAttachments(caseID string) (int, error) {
	// Files still expected from other offices: their names may name the citizen.
	if err := t.dropArrivals(caseID); err != nil {
		return 0, err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT sha256 FROM attachments WHERE case_id = ?`, caseID)
	if err != nil {
		return 0, t.writeErr(err)
	}
	var shas []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		shas = append(shas, s)
	}
	rows.Close()
	if len(shas) == 0 {
		return 0, nil
	}
	if _, err := t.exec(`DELETE FROM attachments WHERE case_id = ?`, caseID); err != nil {
		return 0, t.writeErr(err)
	}
	for _, sha := range shas {
		// A blob still referenced elsewhere (another case, a letter) stays: the foreign
		// key refuses the statement, which SQLite undoes alone, and the transaction goes on.
		_, err := t.exec(`DELETE FROM blobs WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?)`, sha, sha)
		if err != nil && !strings.Contains(err.Error(), "FOREIGN KEY") {
			return 0, t.writeErr(err)
		}
	}
	return len(shas), nil
}

// keepLetterRecords gives an anonymised case the record of every letter its operations
// (accepted, ops) issued: its number, date, hash and size, the proof that the office
// replied, with no content. The record of a letter whose content had arrived here
// before the erasure stays as the erasure found it; a letter still expected, or whose
// operation comes after the erasure, gets the same record from its operation, so that
// every office lists the same letters of an erased case, in whatever order the
// letter, its content and the erasure came. The content is emptied by redactHistory.
//
// Two offices may have issued a letter of the case with the same number at the same
// time: a register keeps such a second letter aside until its content arrives
// (file_arrivals, held), and which one holds the number depends on what arrived first.
// For an erased case nothing arrives any more, so the number goes to the letter issued
// first (the lowest clock reading, then office and sequence, as every office orders
// them) and the other is not kept: the same in every office.
func (t *Tx) keepLetterRecords(caseID string, ops []Operation) error {
	type record struct {
		op *Operation
		f  fileEntry
	}
	var recs []record
	for i := range ops {
		detail, ok := ops[i].Fields[FileKindLetter]
		if !ok {
			continue
		}
		if f, ok := parseFileDetail(FileKindLetter, detail); ok {
			recs = append(recs, record{&ops[i], f})
		}
	}
	if len(recs) == 0 {
		return nil
	}
	sort.SliceStable(recs, func(i, j int) bool { return outranks(recs[j].op, recs[i].op) })
	numbered := map[string]bool{}
	var kept, lost []record
	for _, r := range recs {
		if numbered[r.f.number] {
			lost = append(lost, r)
			continue
		}
		numbered[r.f.number] = true
		kept = append(kept, r)
	}
	for _, r := range lost {
		if _, err := t.exec(`DELETE FROM letters WHERE id = ? AND case_id = ?`, r.f.id, caseID); err != nil {
			return t.writeErr(err)
		}
	}
	for _, r := range kept {
		if _, err := t.exec(`INSERT INTO blobs(sha256, content) VALUES (?, x'') ON CONFLICT DO NOTHING`, r.f.sha); err != nil {
			return t.writeErr(err)
		}
		origin := r.op.Origin
		if origin == t.s.local.Code {
			origin = ""
		}
		if _, err := t.keepFileRow(caseID, r.f, origin, CleanLine(r.op.Actor), CleanLine(r.op.At)); err != nil {
			return err
		}
	}
	// The content of a letter not kept goes (it names the citizen), and so does an
	// empty content no letter refers to (verify takes an empty content for a file's
	// only when it is an erased case's letter's).
	for _, r := range recs {
		_, err := t.exec(`DELETE FROM blobs WHERE sha256 = ?1 AND NOT EXISTS (SELECT 1 FROM letters WHERE sha256 = ?1)
			AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1) AND NOT EXISTS (SELECT 1 FROM file_arrivals WHERE sha256 = ?1 AND held)`, r.f.sha)
		if err != nil && !strings.Contains(err.Error(), "FOREIGN KEY") {
			return t.writeErr(err)
		}
	}
	return nil
}

// Anonymised reports whether (and why) a case's personal data was removed.
func (s *Store) Anonymised(ctx context.Context, caseID string) (reason string, at time.Time, err error) {
	var when string
	err = s.db.QueryRowContext(ctx, `SELECT reason, at FROM anonymised_cases WHERE case_id = ?`, caseID).Scan(&reason, &when)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, err
	}
	at, _ = parseTime(when)
	return reason, at, nil
}

// MaxRetentionYears bounds the retention rule: beyond it the rule would keep data for
// longer than any register exists.
const MaxRetentionYears = 100

// RetentionYears is the retention rule: cases are anonymised this many years after they
// ended; 0 means never.
func (s *Store) RetentionYears(ctx context.Context) (int, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'retention_years'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, &Problem{Key: "err.read", Err: err}
	}
	return strconv.Atoi(v)
}

// SetRetentionYears changes the retention rule (audited as a setting of the office).
func (t *Tx) SetRetentionYears(years int) error {
	if years < 0 || years > MaxRetentionYears {
		return Problemf("stats.retention_years", "value", strconv.Itoa(years), "max", strconv.Itoa(MaxRetentionYears))
	}
	var old string
	_ = t.tx.QueryRow(`SELECT value FROM meta WHERE key = 'retention_years'`).Scan(&old)
	if old == strconv.Itoa(years) {
		return nil
	}
	if _, err := t.exec(`INSERT INTO meta(key, value) VALUES ('retention_years', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
		strconv.Itoa(years)); err != nil {
		return t.writeErr(err)
	}
	return t.audit(t.Now(), &Case{}, "settings:"+t.s.local.Code, []FieldChange{{Field: "retention_years", Old: old, New: strconv.Itoa(years)}}, "")
}

// RetentionCutoff is the day before which a case must have ended to be anonymised under
// a rule of years, at now: the same day of the year, years earlier (29 February → 1 March).
func RetentionCutoff(now time.Time, years int) string {
	return now.In(Rome).AddDate(-years, 0, 0).Format(dateLayout)
}

// RetentionDue lists the ids of the cases the retention rule anonymises at now: those
// that ended (closed, or answered and not closed) before the cutoff and still hold
// personal data, oldest first.
func (s *Store) RetentionDue(ctx context.Context, limit int) ([]string, error) {
	years, err := s.RetentionYears(ctx)
	if err != nil || years == 0 {
		return nil, err
	}
	// Times are stored in UTC; the cutoff is midnight in Rome, as UTC text.
	cut, _ := parseDate(RetentionCutoff(s.clock.Now(), years))
	cutoff := formatTime(cut)
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM (
			SELECT id, closed_at AS ended FROM cases WHERE closed_at IS NOT NULL AND closed_at < ?
			UNION ALL
			SELECT id, answered_at FROM cases WHERE status = 'answered' AND answered_at < ?)
		WHERE id NOT IN (SELECT case_id FROM anonymised_cases) ORDER BY ended LIMIT ?`, cutoff, cutoff, limit)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// retentionBatch is how many cases one transaction anonymises: small enough that a
// clerk's save never waits long behind the retention run.
const retentionBatch = 500

// ApplyRetention anonymises every case the retention rule says is due, in short
// transactions, and returns how many it anonymised. The desktop program calls it at
// start and a server's scheduler through `ascoltoctl retention --run`, so the rule
// applies without anyone remembering it.
func (s *Store) ApplyRetention(ctx context.Context) (int, error) {
	years, err := s.RetentionYears(ctx)
	if err != nil || years == 0 {
		return 0, err
	}
	note := "retention: " + strconv.Itoa(years) + " years"
	total := 0
	for {
		ids, err := s.RetentionDue(ctx, retentionBatch)
		if err != nil {
			return total, err
		}
		if len(ids) == 0 {
			return total, nil
		}
		err = s.Update(ctx, func(t *Tx) error {
			for _, id := range ids {
				if _, err := t.Anonymise(id, ReasonRetention, note); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(ids)
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// Anonymise removes a case's personal data in its own transaction.
func (s *Store) Anonymise(ctx context.Context, ref Ref, reason, note string) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.Anonymise(ref, reason, note) })
}

// Subject names the person whose data is asked for. Every field given must match (an
// e-mail and a name: the cases with both), so that a common name alone does not hand one
// person's cases to another; a clerk may also name the cases (Refs) outright.
type Subject struct {
	Name  string
	Email string
	Phone string
	Refs  []Ref
}

func (p Subject) empty() bool {
	return strings.TrimSpace(p.Name) == "" && strings.TrimSpace(p.Email) == "" && digits(p.Phone) == "" && len(p.Refs) == 0
}

// digits keeps the digits of a phone number, so that +39 333 123 4567 and 3331234567
// compare equal (the country code is compared as a suffix).
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldName makes names comparable the way a clerk types them: case, accents and spacing
// do not matter (Müller = muller, Nicolò = nicolo).
func foldName(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, _ := transform.String(t, strings.ToLower(s))
	return strings.Join(strings.Fields(out), " ")
}

func (p Subject) matches(c *Case) bool {
	if n := foldName(p.Name); n != "" && foldName(c.Citizen.Name) != n {
		return false
	}
	if e := strings.TrimSpace(p.Email); e != "" && !strings.EqualFold(c.Citizen.Email, e) {
		return false
	}
	if d := digits(p.Phone); d != "" {
		have := digits(c.Citizen.Phone)
		if have == "" || !(strings.HasSuffix(have, d) || strings.HasSuffix(d, have)) {
			return false
		}
	}
	return true
}

// SubjectCases finds a person's cases, oldest first. Candidates come from the search
// index (name, e-mail) or, for a phone number alone, from a pass over the register; each
// is then checked field by field.
func (s *Store) SubjectCases(ctx context.Context, p Subject) ([]*Case, error) {
	if p.empty() {
		return nil, Problemf("stats.subject_empty")
	}
	seen := map[string]bool{}
	var out []*Case
	add := func(c *Case) {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	for _, ref := range p.Refs {
		c, err := s.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		add(c)
	}
	if strings.TrimSpace(p.Name) != "" || strings.TrimSpace(p.Email) != "" || digits(p.Phone) != "" {
		var column, text string
		switch {
		case strings.TrimSpace(p.Email) != "":
			column, text = "citizen_email", p.Email
		case strings.TrimSpace(p.Name) != "":
			column, text = "citizen_name", p.Name
		}
		err := s.eachCandidate(ctx, column, text, func(c *Case) error {
			if p.matches(c) {
				add(c)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sortCases(out)
	return out, nil
}

// eachCandidate calls fn for the cases whose column holds all the words of text (search
// index), or for every case with a phone number when no column is given.
func (s *Store) eachCandidate(ctx context.Context, column, text string, fn func(*Case) error) error {
	now := s.clock.Now()
	var rows *sql.Rows
	var err error
	if column == "" {
		rows, err = s.db.QueryContext(ctx, `SELECT `+prefixed(caseColumns)+`, c.rowid FROM cases c WHERE c.citizen_phone <> ''`)
	} else {
		words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if len(words) == 0 {
			return nil
		}
		var parts []string
		for _, w := range words {
			parts = append(parts, `"`+w+`"`)
		}
		match := column + ` : (` + strings.Join(parts, " AND ") + `)`
		rows, err = s.db.QueryContext(ctx, `SELECT `+prefixed(caseColumns)+`, c.rowid FROM cases_fts JOIN cases c ON c.rowid = cases_fts.rowid
			WHERE cases_fts MATCH ?`, match)
	}
	if err != nil {
		return &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCase(rows, now)
		if err != nil {
			return &Problem{Key: "err.read", Err: err}
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

func sortCases(cs []*Case) {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].ReceivedAt.Before(cs[j].ReceivedAt) })
}

// SubjectCase is one case as a citizen's request for their data gives it: the case, its
// history, its files (names and sizes) and what the office recorded about it.
type SubjectCase struct {
	Case        *Case                `json:"case"`
	Outcome     Outcome              `json:"outcome,omitempty"`
	History     []AuditEntry         `json:"history"`
	Attachments []Attachment         `json:"attachments"`
	Actions     []*ImprovementAction `json:"improvement_actions,omitempty"`
}

// SubjectReport is everything the register holds about a person (GDPR art. 15).
type SubjectReport struct {
	Office  Office        `json:"office"`
	Subject SubjectQuery  `json:"subject"`
	Made    time.Time     `json:"made_at"`
	Cases   []SubjectCase `json:"cases"`
}

// SubjectQuery records what the request named, for the report's reader.
type SubjectQuery struct {
	Name  string   `json:"name,omitempty"`
	Email string   `json:"email,omitempty"`
	Phone string   `json:"phone,omitempty"`
	Refs  []string `json:"refs,omitempty"`
}

// SubjectAccess gathers a person's cases with their history and files: the content of
// the answer to a request for access.
func (s *Store) SubjectAccess(ctx context.Context, p Subject) (*SubjectReport, error) {
	cases, err := s.SubjectCases(ctx, p)
	if err != nil {
		return nil, err
	}
	r := &SubjectReport{Office: s.local, Made: s.clock.Now(), Cases: []SubjectCase{},
		Subject: SubjectQuery{Name: p.Name, Email: p.Email, Phone: p.Phone, Refs: p.Refs}}
	for _, c := range cases {
		sc := SubjectCase{Case: c}
		if sc.History, err = s.History(ctx, c.ID); err != nil {
			return nil, err
		}
		if sc.Attachments, err = s.Attachments(ctx, c.ID); err != nil {
			return nil, err
		}
		if sc.Attachments == nil {
			sc.Attachments = []Attachment{}
		}
		if sc.Outcome, err = s.CaseOutcome(ctx, c.ID); err != nil {
			return nil, err
		}
		if sc.Actions, err = s.CaseActions(ctx, c.ID); err != nil {
			return nil, err
		}
		r.Cases = append(r.Cases, sc)
	}
	return r, nil
}

// Erase anonymises the named cases at a citizen's request, all or none, and returns them.
// The note says which request (its protocol number, the date): erasure is audited.
// Then it rewrites the register so that no byte of the erased data is left in the file,
// its WAL or a backup made afterwards (FinishErasure); the window and ascoltoctl both
// come here. Should that rewrite fail (a reader holding the WAL), the erasure stands and
// the error says so: the rewrite is owed and done at the next FinishErasure.
func (s *Store) Erase(ctx context.Context, refs []Ref, note string) ([]*Case, error) {
	out, err := s.erase(ctx, refs, note)
	if err != nil {
		return nil, err
	}
	if err := s.dropReplyDrafts(out); err != nil {
		return out, err
	}
	return out, s.FinishErasure(ctx)
}

// dropReplyDrafts removes the reply the window may hold typed but unsaved for each erased
// case, in the drafts folder beside the register: it names the citizen as the reply does.
// The name is the window's (ui/caseview.go): "reply-" and the case id, letters, digits
// and - kept, anything else written _.
func (s *Store) dropReplyDrafts(cases []*Case) error {
	dir := draft.DirFor(s.path)
	if _, err := os.Stat(dir); err != nil {
		return nil // no drafts folder: nothing was ever typed and left
	}
	ds, err := draft.Open(dir)
	if err != nil {
		return &Problem{Key: "err.write", Err: err}
	}
	for _, c := range cases {
		name := "reply-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return '_'
		}, c.ID)
		if err := ds.Remove(name); err != nil {
			return &Problem{Key: "err.write", Err: err}
		}
	}
	return nil
}

func (s *Store) erase(ctx context.Context, refs []Ref, note string) ([]*Case, error) {
	if strings.TrimSpace(note) == "" {
		return nil, Problemf("stats.erase_note")
	}
	var out []*Case
	err := s.Update(ctx, func(t *Tx) error {
		out = out[:0]
		for _, ref := range refs {
			c, err := t.Anonymise(ref, ReasonErasure, note)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// historyFields are the names in an audit entry or an operation that can carry personal
// data: the personal fields and the names of attached files.
func historyPersonal(field string) bool { return personalFields[field] || field == "attachment" }

// redactValue is what a personal value becomes in the history of an anonymised case.
// A value that is blank once cleaned names nobody and stays: an operation is judged
// again on its redacted copy (validate.go, decide), and a subject or a reply of blanks,
// refused when it came, must not become an acceptable "[…]".
func redactValue(v string) string {
	if v == "" || v == redacted || v == AnonymisedText || strings.TrimSpace(CleanText(v)) == "" {
		return v
	}
	return redacted
}

// redactHistory removes the personal data of an anonymised case from the rest of the
// register: the past entries of its audit trail (their digests are kept, so the chain
// is still checked: migration 0006), the operations received from other offices, and
// the content of its archived letters (their number, date and hash stay). The entries
// of the anonymisation itself keep their note: it says who asked for it and why.
func (t *Tx) redactHistory(caseID string) error {
	delete(t.caseOps, caseID)
	if err := t.flush(); err != nil {
		return err
	}
	// Zeroed, not just freed: what is removed must not stay readable in the file.
	if err := t.secureDelete(); err != nil {
		return err
	}
	type entry struct {
		seq           int64
		action        string
		changes, note string
	}
	var entries []entry
	rows, err := t.tx.QueryContext(t.ctx, `SELECT seq, action, changes, note FROM audit WHERE case_id = ? ORDER BY seq`, caseID)
	if err != nil {
		return t.writeErr(err)
	}
	for rows.Next() {
		var e entry
		var kept any
		if err := rows.Scan(&e.seq, &e.action, &kept, &e.note); err == nil {
			e.changes, err = unpackChanges(kept) // redacted from the text the hash covers
		}
		if err != nil {
			rows.Close()
			return t.writeErr(err)
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t.writeErr(err)
	}
	now := formatTime(t.Now())
	for _, e := range entries {
		changes, note := redactChanges(e.changes), e.note
		if e.action != "anonymise" && e.action != "erase" {
			note = redactValue(note)
		}
		if changes == e.changes && note == e.note {
			continue
		}
		cs, ns := sha256.Sum256([]byte(e.changes)), sha256.Sum256([]byte(e.note))
		if _, err := t.exec(`INSERT INTO audit_redactions(seq, changes_sha, note_sha, at) VALUES (?, ?, ?, ?) ON CONFLICT(seq) DO NOTHING`,
			e.seq, cs[:], ns[:], now); err != nil {
			return t.writeErr(err)
		}
		if _, err := t.exec(`UPDATE audit SET changes = ?, note = ? WHERE seq = ?`, packChanges(changes), note, e.seq); err != nil {
			return t.writeErr(err)
		}
	}
	// Operations received from other offices keep what they set: the same values go.
	type op struct {
		origin         string
		seq            int64
		action, fields string
		note           string
	}
	var ops []op
	rows, err = t.tx.QueryContext(t.ctx, `SELECT origin, seq, action, audit_changes(fields), note FROM ops WHERE case_id = ? AND fields IS NOT NULL`, caseID)
	if err != nil {
		return t.writeErr(err)
	}
	for rows.Next() {
		var o op
		if err := rows.Scan(&o.origin, &o.seq, &o.action, &o.fields, &o.note); err != nil {
			rows.Close()
			return t.writeErr(err)
		}
		ops = append(ops, o)
	}
	rows.Close()
	for _, o := range ops {
		var m map[string]string
		if err := json.Unmarshal([]byte(o.fields), &m); err != nil {
			return t.writeErr(err)
		}
		for f, v := range m {
			if historyPersonal(f) {
				m[f] = redactValue(v)
			}
		}
		b, _ := json.Marshal(m)
		note := o.note
		if o.action != "anonymise" && o.action != "erase" {
			note = redactValue(note)
		}
		if _, err := t.exec(`UPDATE ops SET fields = ?, note = ? WHERE origin = ? AND seq = ?`, packChanges(string(b)), note, o.origin, o.seq); err != nil {
			return t.writeErr(err)
		}
	}
	if _, err := t.exec(`INSERT INTO meta(key, value) VALUES ('search_purge', '1') ON CONFLICT(key) DO UPDATE SET value = '1'`); err != nil {
		return t.writeErr(err)
	}
	// The rewrite of the file that leaves no copy behind (FinishErasure) is owed from
	// now on, here and in every office this anonymisation reaches.
	if _, err := t.exec(`INSERT INTO meta(key, value) VALUES ('erasure_pending', '1') ON CONFLICT(key) DO UPDATE SET value = '1'`); err != nil {
		return t.writeErr(err)
	}
	// The letters' PDFs carry the citizen's name and address: their content goes, their
	// record (number, date, hash, size) stays as the proof that the office replied.
	if _, err := t.exec(`UPDATE blobs SET content = x'' WHERE sha256 IN (SELECT sha256 FROM letters WHERE case_id = ?)
		AND NOT EXISTS (SELECT 1 FROM letters l JOIN cases c ON c.id = l.case_id WHERE l.sha256 = blobs.sha256 AND l.case_id <> ?)`, caseID, caseID); err != nil {
		return t.writeErr(err)
	}
	return nil
}

// redactChanges is an audit entry's changes (field → [old, new]) with the personal
// values replaced by the marker.
func redactChanges(changes string) string {
	var m map[string][2]string
	if err := json.Unmarshal([]byte(changes), &m); err != nil {
		return changes
	}
	out := make([]FieldChange, 0, len(m))
	for f, v := range m {
		if historyPersonal(f) {
			v[0], v[1] = redactValue(v[0]), redactValue(v[1])
		}
		out = append(out, FieldChange{Field: f, Old: v[0], New: v[1]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return encodeChanges(out)
}

// redactedForm reports whether an entry's changes and note hold nothing personal, the
// only form a redacted entry may have (verify).
func redactedForm(action, changes, note string) bool {
	if redactChanges(changes) != changes {
		return false
	}
	return action == "anonymise" || action == "erase" || redactValue(note) == note
}

// secureDelete makes SQLite overwrite with zeros what the transaction's connection frees
// from now on. The setting belongs to the connection, which goes back to the pool: it is
// left on, as the search-index purge leaves it, since zeroing costs little (docs/register.md).
func (t *Tx) secureDelete() error {
	if _, err := t.tx.ExecContext(t.ctx, `PRAGMA secure_delete = 1`); err != nil {
		return t.writeErr(err)
	}
	return nil
}

// ErasurePending reports whether an anonymisation, made here or received from another
// office, still waits for the rewrite of FinishErasure.
func (s *Store) ErasurePending(ctx context.Context) bool {
	var v string
	s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'erasure_pending'`).Scan(&v)
	return v == "1"
}

// FinishErasure removes every copy of anonymised data the register file still holds
// once the rows are redacted, when an anonymisation left one owed (ErasurePending):
//
//   - the search index: FTS5 removes a case's words by writing a delete marker in a new
//     segment, the words stay in the older segments (which a backup copies too) until
//     those are merged; 'optimize' merges the whole index into one segment, dropping them;
//   - the free pages: a page freed while secure_delete was off (index segments merged by
//     an earlier write, a file deleted) keeps what it held; every free page is taken by
//     a scratch table of zeros and given back, zeroed (scrubFreePages);
//   - the unused bytes of the pages in use: earlier versions of a row (an edited
//     description, cells moved when a page split) stay in the gap and the free blocks
//     of live pages; they are zeroed in place (scrubPages);
//   - the WAL: it still holds the old images of the pages; a TRUNCATE checkpoint copies
//     the new ones into the file and empties it.
//
// The redaction itself ran with secure_delete on, so the cells it replaced were zeroed
// where they stood. This used to be a VACUUM, which writes every page of the file anew
// (and then the checkpoint copies every page again) under the write lock; the scrub
// reads every page but writes only those with leftovers (about a third of a demo
// register's): half the time at 20,000 cases, and the file keeps its pages. A reader holding an old snapshot keeps the WAL from being emptied: the work
// is then owed still and the error says so.
func (s *Store) FinishErasure(ctx context.Context) error {
	if !s.ErasurePending(ctx) {
		return nil
	}
	if err := s.beforeWrite(); err != nil {
		return err
	}
	fail := func(err error) error { return &Problem{Key: "err.write", Err: err} }
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = 1`); err != nil {
		return fail(err)
	}
	// The steps that write take their turn among this program's writes (ownWrite), so a
	// clerk's save meanwhile waits for them instead of meeting SQLite's busy limit; the
	// long read of every page (pagesToScrub) holds nobody up.
	own := func(step func() error) error {
		done, err := s.ownWrite(ctx)
		if err != nil {
			return err
		}
		defer done()
		return step()
	}
	if err := own(func() error {
		_, err := conn.ExecContext(ctx, `INSERT INTO cases_fts(cases_fts) VALUES ('optimize')`)
		return err
	}); err != nil {
		return fail(err)
	}
	if err := scrub(ctx, conn, own); err != nil {
		s.markErasurePending(ctx, conn)
		return fail(err)
	}
	// The idle purge of the index (search_purge) has nothing left to do: the index is
	// one segment now.
	if err := own(func() error {
		_, err := conn.ExecContext(ctx, `DELETE FROM meta WHERE key IN ('search_purge', 'erasure_pending')`)
		return err
	}); err != nil {
		return fail(err)
	}
	s.writes.Add(1)
	// A passive checkpoint copies the pages into the file first without stopping the
	// clerks' saves; the TRUNCATE one, which does, then has little left to copy.
	conn.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	// Readers that started before keep the WAL from being emptied; they finish within
	// moments (a search, a list), so the checkpoint is tried for a while.
	for try := 0; ; try++ {
		var busy, logged, done int
		err := own(func() error {
			return conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done)
		})
		if err == nil && busy == 0 {
			return nil
		}
		if try == 50 || ctx.Err() != nil {
			s.markErasurePending(ctx, conn)
			if err == nil {
				err = errors.New("the WAL is in use by a reader and was not emptied")
			}
			return fail(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// scrubChunk is the most a row of the scratch table holds (far below SQLite's limit of
// a value, 1 GB).
const scrubChunk = 32 << 20

// scrub zeroes every byte of the register file that holds no live data: the free pages
// (scrubFreePages), then the unused bytes of the pages in use (scrubPages), in one
// transaction, so that no other write frees a page between the two. Which pages in use
// have such bytes is found first, reading every page without holding the write lock
// (pagesToScrub): the clerks save meanwhile, and only those pages are read again and
// written under it.
// own runs the writing part in its turn among the program's writes.
func scrub(ctx context.Context, conn *sql.Conn, own func(func() error) error) error {
	todo, err := pagesToScrub(ctx, conn)
	if err != nil {
		return err
	}
	return own(func() error { return scrubLocked(ctx, conn, todo) })
}

// scrubLocked is scrub's writing part: one transaction under the write lock.
func scrubLocked(ctx context.Context, conn *sql.Conn, todo []int64) (err error) {
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	if err := scrubFreePages(ctx, conn); err != nil {
		return err
	}
	if err := scrubPages(ctx, conn, todo); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `COMMIT`)
	return err
}

// scrubFreePages overwrites every free page of the file with zeros: a scratch table is filled with zeros until no page is free (SQLite takes free pages
// before it grows the file, and a page it takes for new content is written whole), then
// dropped with secure_delete on, which zeroes each page as it is freed. conn has
// secure_delete on.
func scrubFreePages(ctx context.Context, conn *sql.Conn) error {
	var free, size int64
	if err := conn.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil || free == 0 {
		return err
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE erasure_scrub(b BLOB)`); err != nil {
		return err
	}
	// Each round takes at least one free page; more rounds than there were free pages
	// would mean SQLite grows the file instead, and the file must never be filled.
	for rounds := free + 1; free > 0; rounds-- {
		if rounds == 0 {
			return errors.New("the free pages are not taken by new content")
		}
		// An overflow page holds size-4 bytes: this is never more than the free pages
		// by more than one page.
		n := min(free*(size-4), scrubChunk)
		if _, err := conn.ExecContext(ctx, `INSERT INTO erasure_scrub(b) VALUES (zeroblob(?))`, n); err != nil {
			return err
		}
		left := free
		if err := conn.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
			return err
		}
		if free >= left {
			return errors.New("the free pages are not taken by new content")
		}
	}
	_, err := conn.ExecContext(ctx, `DROP TABLE erasure_scrub`)
	return err
}

// pageReader reads the pages of the register through SQLite's page interface
// (sqlite_dbpage), which sees them as the connection's transaction does.
type pageReader struct {
	read         *sql.Stmt
	pages, size  int64
	usable, lock int64
}

func newPageReader(ctx context.Context, conn *sql.Conn) (*pageReader, error) {
	r := &pageReader{}
	if err := conn.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&r.pages); err != nil {
		return nil, err
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&r.size); err != nil {
		return nil, err
	}
	if r.pages >= 1<<24 {
		// The first byte of an overflow or freelist page is the top byte of a page
		// number, 0 only below 2^24 pages (64 GiB of 4 KiB pages).
		return nil, errors.New("the register is too large to scrub page by page")
	}
	var page1 []byte
	if err := conn.QueryRowContext(ctx, `SELECT data FROM sqlite_dbpage WHERE pgno = 1`).Scan(&page1); err != nil {
		return nil, err
	}
	if int64(len(page1)) != r.size || r.size < 512 {
		return nil, errors.New("the first page is not as its size says")
	}
	r.usable = r.size - int64(page1[20]) // the bytes reserved at the end of each page
	r.lock = int64(1<<30)/r.size + 1     // the page at the file's locking bytes, never used
	var err error
	r.read, err = conn.PrepareContext(ctx, `SELECT data FROM sqlite_dbpage WHERE pgno = ?`)
	return r, err
}

// page reads page pgno and scrubs it in memory (scrubPage).
func (r *pageReader) page(ctx context.Context, pgno int64) (page []byte, changed, ok bool, err error) {
	if err := r.read.QueryRowContext(ctx, pgno).Scan(&page); err != nil {
		return nil, false, false, err
	}
	if int64(len(page)) != r.size {
		return nil, false, false, errors.New("a page of unexpected size")
	}
	hdr := 0
	if pgno == 1 {
		hdr = 100
	}
	changed, ok = scrubPage(page, hdr, int(r.usable))
	return page, changed, ok, nil
}

// pagesToScrub lists the pages that have bytes to zero, or do not read as a b-tree page
// (a free page still holding what it held), in one read transaction: a snapshot of the
// file taken after the redaction. Leftovers of the redacted data can only be in those
// pages then, and stay there: SQLite moves cells between pages, never the unused bytes
// around them, and a page another write frees and takes again is written whole.
func pagesToScrub(ctx context.Context, conn *sql.Conn) (todo []int64, err error) {
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `COMMIT`)
	r, err := newPageReader(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer r.read.Close()
	for pgno := int64(1); pgno <= r.pages; pgno++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if pgno == r.lock {
			continue
		}
		_, changed, ok, err := r.page(ctx, pgno)
		if err != nil {
			return nil, err
		}
		if changed || !ok {
			todo = append(todo, pgno)
		}
	}
	return todo, nil
}

// scrubPages zeroes the bytes of the b-tree pages todo that hold no cell: the gap between
// the cell pointers and the cells, and the free blocks among the cells. SQLite leaves
// there what a cell held before it was deleted, rewritten or moved to another page when
// the page was split (secure_delete zeroes only what is freed while it is on, not what a
// split leaves behind, nor anything freed by a connection without it). The pages are
// written through SQLite's page interface in the caller's transaction, so that the WAL,
// the checkpoint and a crash treat them like any write. It runs after scrubFreePages in
// that transaction, so that every free page reads as zeros: a b-tree page is then told
// from an overflow or free page by its first byte. A page that does not parse as a
// b-tree page should (a damaged register) stops it with nothing written.
func scrubPages(ctx context.Context, conn *sql.Conn, todo []int64) error {
	r, err := newPageReader(ctx, conn)
	if err != nil {
		return err
	}
	defer r.read.Close()
	write, err := conn.PrepareContext(ctx, `UPDATE sqlite_dbpage SET data = ? WHERE pgno = ?`)
	if err != nil {
		return err
	}
	defer write.Close()
	for _, pgno := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		if pgno > r.pages {
			continue // the file was cut back since (never: no VACUUM runs)
		}
		page, changed, ok, err := r.page(ctx, pgno)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("page " + strconv.FormatInt(pgno, 10) + " is not a b-tree page as it should be")
		}
		if changed {
			if _, err := write.ExecContext(ctx, page, pgno); err != nil {
				return err
			}
		}
	}
	return nil
}

// scrubPage zeroes the unused bytes of a b-tree page whose header starts at hdr (see
// scrubPages) and reports whether it changed anything, and whether the page was one it
// could read: a page that is not a b-tree page (first byte 0) is left alone, one whose
// header or free blocks point outside the page is not ok.
func scrubPage(p []byte, hdr, usable int) (changed, ok bool) {
	if usable > len(p) || hdr+12 > usable {
		return false, false
	}
	head := 8
	switch p[hdr] {
	case 0:
		return false, hdr == 0 // an overflow or free page, never page 1
	case 2, 5:
		head = 12
	case 10, 13:
	default:
		return false, false
	}
	u16 := func(i int) int { return int(p[i])<<8 | int(p[i+1]) }
	cells := u16(hdr + 3)
	content := u16(hdr + 5)
	if content == 0 {
		content = 65536
	}
	ptrEnd := hdr + head + 2*cells
	if ptrEnd > content || content > usable {
		return false, false
	}
	zero := func(b []byte) {
		for i, c := range b {
			if c != 0 {
				clear(b[i:])
				changed = true
				return
			}
		}
	}
	zero(p[ptrEnd:content])
	for fb, n := u16(hdr+1), 0; fb != 0; n++ {
		if fb < content || fb+4 > usable || n > usable/4 {
			return changed, false
		}
		next, sz := u16(fb), u16(fb+2)
		if sz < 4 || fb+sz > usable || next != 0 && next < fb+sz {
			return changed, false
		}
		zero(p[fb+4 : fb+sz])
		fb = next
	}
	return changed, true
}

// markErasurePending records that FinishErasure is still owed after it failed.
func (s *Store) markErasurePending(ctx context.Context, conn *sql.Conn) {
	conn.ExecContext(context.WithoutCancel(ctx), `INSERT INTO meta(key, value) VALUES ('erasure_pending', '1') ON CONFLICT(key) DO UPDATE SET value = '1'`)
}
