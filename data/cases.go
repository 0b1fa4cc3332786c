package data

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ascolto/data/deadline"
)

const dateLayout = "2006-01-02"

// futureSlack tolerates a workstation clock a little ahead of the one that stamps "now".
const futureSlack = 10 * time.Minute

// Create registers a new item: it gets the next protocol number of its office and year
// and its due date from the office's calendar and rules.
func (t *Tx) Create(nc NewCase) (*Case, error) {
	now := t.Now()
	c := &Case{
		ID: t.s.ids.NewID(), Office: nc.Office, Kind: nc.Kind, Channel: nc.Channel, Status: StatusReceived,
		ReceivedAt: nc.ReceivedAt, Subject: nc.Subject, Description: nc.Description,
		Category: nc.Category, Service: nc.Service, Assignee: nc.Assignee, Citizen: nc.Citizen,
	}
	c.cleanText(nil) // before validate: a subject of junk alone is an empty subject
	if c.Office == "" {
		c.Office = t.s.local.Code
	}
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = now
	}
	c.ReceivedAt = c.ReceivedAt.Truncate(time.Millisecond)
	if c.ReceivedAt.After(now.Add(futureSlack)) {
		return nil, Problemf("err.future", "value", c.ReceivedAt.In(Rome).Format(time.RFC3339))
	}
	if err := c.validate(); err != nil { // before a number is taken
		return nil, err
	}
	if err := t.checkOfficeExists(c.Office); err != nil {
		return nil, err
	}
	rules, err := t.s.rules(t.tx, c.Office)
	if err != nil {
		return nil, err
	}
	c.DeadlineDays = rules.days(c.Kind)
	c.DueDate = rules.cal.AddWorkdays(deadline.DateOf(c.ReceivedAt.In(Rome)), c.DeadlineDays).String()
	// The number is the registering office's, whatever office the case is for: offices
	// number only from their own counters, so two offices never give the same number
	// (EXCHANGE.md), and a case keeps its number when it is forwarded.
	if c.Number, err = t.nextNumber(t.s.local.Code, c.ReceivedAt.In(Rome).Year()); err != nil {
		return nil, err
	}
	if err := t.apply("create", nil, c, nc.Note, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// nextNumber takes the next protocol number OFFICE-YEAR-NNNNNN. The counter moves in the
// same transaction as the case, so a crash before commit gives the number back (no gap)
// and a committed number is never given again. A number a case here holds already is
// skipped: another office may have given a number in this numbering (a register from
// before the exchange, data/merge.go seeNumber), which does not move the counter.
func (t *Tx) nextNumber(office string, year int) (string, error) {
	k := counterKey{office, year}
	last, ok := t.counters[k]
	if !ok {
		err := t.queryRow(`SELECT last FROM counters WHERE office = ? AND year = ?`, office, year).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", t.writeErr(err)
		}
	}
	for {
		last++
		number := FormatNumber(office, year, last)
		if _, taken := t.byNum[number]; !taken {
			var n int
			if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM cases WHERE number = ?)`, number).Scan(&n); err != nil {
				return "", t.writeErr(err)
			}
			if n == 0 {
				t.counters[k] = last
				return number, nil
			}
		}
	}
}

// FormatNumber spells a protocol number.
func FormatNumber(office string, year int, n int64) string {
	return fmt.Sprintf("%s-%04d-%06d", office, year, n)
}

// get loads a case inside the transaction by number or id.
func (t *Tx) get(ref Ref) (*Case, error) {
	id, ok := t.byNum[strings.ToUpper(strings.TrimSpace(ref))]
	if !ok {
		id = strings.ToLower(strings.TrimSpace(ref))
	}
	if p, ok := t.pending[id]; ok {
		cp := *p.cur
		cp.Overdue = isOverdue(cp.Status, cp.DueDate, t.Now())
		return &cp, nil
	}
	return getCase(txReader{t}, ref, t.Now())
}

// txReader lets getCase read through the transaction's prepared statements.
type txReader struct{ t *Tx }

func (r txReader) QueryRow(query string, args ...any) *sql.Row { return r.t.queryRow(query, args...) }

type queryer interface {
	QueryRow(query string, args ...any) *sql.Row
}

func getCase(q queryer, ref Ref, now time.Time) (*Case, error) {
	ref = strings.TrimSpace(ref)
	row := q.QueryRow(`SELECT `+caseColumns+`, rowid FROM cases WHERE number = ? OR id = ?`, strings.ToUpper(ref), strings.ToLower(ref))
	c, err := scanCase(row, now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Problemf("err.unknown_ref", "ref", ref)
	}
	return c, err
}

type scanner interface{ Scan(...any) error }

func scanCase(r scanner, now time.Time) (*Case, error) {
	var c Case
	var received, receivedDate string
	var answered, closed, replyAt sql.NullString
	var kind, channel, status, lang, replyLang string
	err := r.Scan(&c.ID, &c.Number, &c.Office, &kind, &channel, &status, &received, &receivedDate, &c.DueDate,
		&c.DeadlineDays, &c.WaitingSince, &c.WaitedDays, &answered, &closed, &c.Subject, &c.Description,
		&c.Category, &c.Service, &c.Assignee, &c.Citizen.Name, &c.Citizen.Email, &c.Citizen.Phone,
		&c.Citizen.Address, &lang, &c.Reply.Text, &replyLang, &replyAt, &c.Version, &c.Satisfaction, &c.rowid)
	if err != nil {
		return nil, err
	}
	c.Kind, c.Channel, c.Status = Kind(kind), Channel(channel), Status(status)
	c.Citizen.Language, c.Reply.Language = Language(lang), Language(replyLang)
	if c.ReceivedAt, err = parseTime(received); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		s   sql.NullString
		dst **time.Time
	}{{answered, &c.AnsweredAt}, {closed, &c.ClosedAt}, {replyAt, &c.Reply.At}} {
		if p.s.Valid {
			tm, err := parseTime(p.s.String)
			if err != nil {
				return nil, err
			}
			*p.dst = &tm
		}
	}
	c.Overdue = isOverdue(c.Status, c.DueDate, now)
	return &c, nil
}

// isOverdue: the clock runs, and the whole due date has passed without a reply.
func isOverdue(s Status, due string, now time.Time) bool {
	return s.Open() && due < now.In(Rome).Format(dateLayout)
}

func parseDate(s string) (time.Time, error) { return time.ParseInLocation(dateLayout, s, Rome) }

// Today is the civil date in the offices' zone.
func Today(now time.Time) string { return now.In(Rome).Format(dateLayout) }

func (t *Tx) checkAt(c *Case, at time.Time) (time.Time, error) {
	if at.IsZero() {
		at = t.Now()
	}
	at = at.Truncate(time.Millisecond)
	if at.After(t.Now().Add(futureSlack)) {
		return at, Problemf("err.future", "value", at.In(Rome).Format(time.RFC3339))
	}
	if at.Before(c.ReceivedAt) {
		return at, Problemf("err.before_receipt", "value", at.In(Rome).Format(time.RFC3339))
	}
	return at, nil
}

// move changes a case's status and keeps the clock right: entering "waiting" stops it,
// leaving it adds the working days waited to the deadline.
func (t *Tx) move(old *Case, to Status, at time.Time) (*Case, error) {
	if !CanMove(old.Status, to) {
		return nil, Problemf("err.transition", "number", old.Number, "from", string(old.Status), "to", string(to))
	}
	next := *old
	next.Status = to
	if to == StatusWaiting {
		next.WaitingSince = at.In(Rome).Format(dateLayout)
	}
	if old.Status == StatusWaiting {
		rules, err := t.s.rules(t.tx, old.Office)
		if err != nil {
			return nil, err
		}
		since, err := deadline.ParseDate(old.WaitingSince)
		if err != nil {
			return nil, err
		}
		next.WaitedDays += rules.cal.WorkdaysBetween(since, deadline.DateOf(at.In(Rome)))
		next.WaitingSince = ""
		next.DueDate = rules.cal.AddWorkdays(deadline.DateOf(old.ReceivedAt.In(Rome)), next.DeadlineDays+next.WaitedDays).String()
	}
	return &next, nil
}

// SetStatus moves a case (start, wait for the citizen, resume). "answered" needs the
// reply text and "closed" a reply first: use Reply and Close.
func (t *Tx) SetStatus(ref Ref, to Status, at time.Time, note string) (*Case, error) {
	if !to.Valid() {
		return nil, Problemf("err.status", "status", string(to))
	}
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	switch to {
	case StatusAnswered:
		return nil, Problemf("err.use_reply", "number", old.Number)
	case StatusClosed:
		return t.Close(ref, at)
	}
	if at, err = t.checkAt(old, at); err != nil {
		return nil, err
	}
	next, err := t.move(old, to, at)
	if err != nil {
		return nil, err
	}
	return next, t.apply("status", old, next, note, nil)
}

// Assign gives the case to a clerk.
func (t *Tx) Assign(ref Ref, name string) (*Case, error) {
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	name = CleanLine(name)
	if name == "" {
		return nil, Problemf("err.assignee_empty")
	}
	if old.Status == StatusClosed {
		return nil, Problemf("err.closed", "number", old.Number)
	}
	next := *old
	next.Assignee = name
	return &next, t.apply("assign", old, &next, "", nil)
}

// Reply records the written reply; the case becomes "answered". The language defaults to
// the citizen's, since citizens have the right to be answered in their own language.
func (t *Tx) Reply(ref Ref, text string, lang Language, at time.Time) (*Case, error) {
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, Problemf("err.reply_empty")
	}
	if lang == "" {
		lang = old.Citizen.Language
	}
	if lang == "" {
		return nil, Problemf("err.reply_language", "number", old.Number)
	}
	if !lang.Valid() {
		return nil, Problemf("err.language", "language", string(lang))
	}
	if at, err = t.checkAt(old, at); err != nil {
		return nil, err
	}
	next, err := t.move(old, StatusAnswered, at)
	if err != nil {
		return nil, err
	}
	next.Reply = Reply{Text: text, Language: lang, At: &at}
	next.AnsweredAt = &at
	return next, t.apply("reply", old, next, "", nil)
}

// Close ends a case that has been answered.
func (t *Tx) Close(ref Ref, at time.Time) (*Case, error) {
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	if old.Status != StatusAnswered && old.Status != StatusClosed {
		return nil, Problemf("err.close_unanswered", "number", old.Number)
	}
	if at, err = t.checkAt(old, at); err != nil {
		return nil, err
	}
	next, err := t.move(old, StatusClosed, at)
	if err != nil {
		return nil, err
	}
	next.ClosedAt = &at
	return next, t.apply("close", old, next, "", nil)
}

// Edit corrects the descriptive fields. A new kind does not move the deadline: the
// promise was made at receipt.
func (t *Tx) Edit(ref Ref, e Edit) (*Case, error) {
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	if old.Status == StatusClosed {
		return nil, Problemf("err.closed", "number", old.Number)
	}
	next := *old
	set := func(dst *string, v *string) { // apply brings the text to its stored form
		if v != nil {
			*dst = *v
		}
	}
	if e.Kind != nil {
		next.Kind = *e.Kind
	}
	if e.Channel != nil {
		next.Channel = *e.Channel
	}
	set(&next.Subject, e.Subject)
	if e.Description != nil {
		next.Description = *e.Description
	}
	set(&next.Category, e.Category)
	set(&next.Service, e.Service)
	if e.Citizen != nil {
		next.Citizen = *e.Citizen
	}
	return &next, t.apply("edit", old, &next, "", nil)
}

// MaxAttachment is the largest file kept in the register (a scanned letter, an e-mail).
const MaxAttachment = 50 << 20

// Attachment is a file kept with a case.
type Attachment struct {
	ID      string    `json:"id"`
	CaseID  string    `json:"case_id"`
	Name    string    `json:"name"`
	MIME    string    `json:"mime"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"`
	AddedAt time.Time `json:"added_at"`
}

// Attach keeps a file with a case. Its content is stored once per SHA-256.
func (t *Tx) Attach(ref Ref, name, mime string, content []byte) (*Attachment, error) {
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	name = CleanLine(name)
	if name == "" || !utf8.ValidString(name) || strings.ContainsAny(name, "/\\\x00") {
		return nil, Problemf("err.attachment_name", "name", name)
	}
	if len(content) > MaxAttachment {
		return nil, Problemf("err.attachment_size", "name", name, "max", fmt.Sprint(MaxAttachment>>20))
	}
	if mime == "" {
		mime = "application/octet-stream"
	}
	if content == nil {
		// An empty file (mail programs attach 0-byte files too) is an empty blob, not
		// SQL NULL, which the blobs table refuses.
		content = []byte{}
	}
	sum := sha256.Sum256(content)
	a := &Attachment{ID: t.s.ids.NewID(), CaseID: old.ID, Name: name, MIME: mime, Size: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), AddedAt: t.Now().Truncate(time.Millisecond)}
	if _, err := t.exec(`INSERT INTO blobs(sha256, content) VALUES (?, ?) ON CONFLICT DO NOTHING`, a.SHA256, content); err != nil {
		return nil, t.writeErr(err)
	}
	if _, err := t.exec(`INSERT INTO attachments(id, case_id, name, mime, size, sha256, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.CaseID, a.Name, a.MIME, a.Size, a.SHA256, formatTime(a.AddedAt)); err != nil {
		return nil, t.writeErr(err)
	}
	next := *old
	desc := fmt.Sprintf("%s|%s|%d|%s|%s", a.ID, a.Name, a.Size, a.MIME, a.SHA256)
	return a, t.apply("attach", old, &next, "", map[string]string{"attachment": desc})
}

// SetSatisfaction records the citizen's judgement of the handling (1 to 5), given at the
// counter or on a reply slip; 0 takes it back.
func (t *Tx) SetSatisfaction(ref Ref, score int) (*Case, error) {
	if score < 0 || score > 5 {
		return nil, Problemf("err.satisfaction", "value", fmt.Sprint(score))
	}
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	next := *old
	next.Satisfaction = score
	return &next, t.apply("satisfaction", old, &next, "", nil)
}
