package data

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// SortKey names a column a list can be ordered by.
type SortKey string

const (
	SortReceived SortKey = "received"
	SortDue      SortKey = "due"
	SortNumber   SortKey = "number"
	SortStatus   SortKey = "status"
	SortKind     SortKey = "kind"
	SortOffice   SortKey = "office"
	SortSubject  SortKey = "subject"
	SortCitizen  SortKey = "citizen"
	SortAssignee SortKey = "assignee"
)

var sortColumns = map[SortKey]string{
	SortReceived: "c.received_at", SortDue: "c.due_date", SortNumber: "c.number", SortStatus: "c.status",
	SortKind: "c.kind", SortOffice: "c.office", SortSubject: "c.subject COLLATE NOCASE",
	SortCitizen: "c.citizen_name COLLATE NOCASE", SortAssignee: "c.assignee COLLATE NOCASE",
}

// Filter selects cases for a list or a search. Zero values select everything.
type Filter struct {
	Statuses []Status
	Kinds    []Kind
	Channels []Channel
	Offices  []string
	// Overdue: the clock runs and the due date has passed.
	Overdue bool
	// DueToday: the clock runs and today is the due date.
	DueToday bool
	// From and To bound the date of receipt (YYYY-MM-DD, both inclusive).
	From, To string
	// Query is full-text search as a clerk types it.
	Query string
	Sort  SortKey
	Desc  bool
	Limit int
	// Offset pages through a list (not through a ranked search's tail).
	Offset int
}

// where builds the filter's SQL condition over cases aliased c.
func (f *Filter) where(today string) (string, []any, error) {
	var conds []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	for _, s := range f.Statuses {
		if !s.Valid() {
			return "", nil, Problemf("err.status", "status", string(s))
		}
	}
	for _, k := range f.Kinds {
		if !k.Valid() {
			return "", nil, Problemf("err.kind", "kind", string(k))
		}
	}
	for _, ch := range f.Channels {
		if !ch.Valid() {
			return "", nil, Problemf("err.channel", "channel", string(ch))
		}
	}
	in("c.status", strs(f.Statuses))
	in("c.kind", strs(f.Kinds))
	in("c.channel", strs(f.Channels))
	var offices []string
	for _, o := range f.Offices {
		offices = append(offices, strings.ToUpper(o))
	}
	in("c.office", offices)
	if f.Overdue {
		// A letter that did not reach the citizen is a reply not given (data/delivery.go).
		conds = append(conds, "((c.status IN ('received', 'in_progress') AND c.due_date < ?) OR "+overdueByAlert+")")
		args = append(args, today)
	}
	if f.DueToday {
		conds = append(conds, "c.status IN ('received', 'in_progress') AND c.due_date = ?")
		args = append(args, today)
	}
	for _, d := range []struct {
		v, op string
	}{{f.From, ">="}, {f.To, "<="}} {
		if d.v == "" {
			continue
		}
		if !validDate(d.v) {
			return "", nil, Problemf("err.date", "value", d.v)
		}
		conds = append(conds, "c.received_date "+d.op+" ?")
		args = append(args, d.v)
	}
	if len(conds) == 0 {
		return "1", nil, nil
	}
	return strings.Join(conds, " AND "), args, nil
}

func strs[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func (f *Filter) order() string {
	col, ok := sortColumns[f.Sort]
	if !ok {
		col = sortColumns[SortReceived]
		if f.Sort == "" && (f.Overdue || f.DueToday) {
			col = sortColumns[SortDue] // the most urgent first
			return col + ", c.rowid"
		}
		if f.Sort == "" {
			return col + " DESC, c.rowid DESC" // newest first
		}
	}
	// Within one status, kind or office, by date of receipt: the order of the indexes
	// on (column, received_at), so no sort is needed (migration 0007).
	switch f.Sort {
	case SortStatus, SortKind, SortOffice:
		col += ", c.received_at"
		if f.Desc {
			col = strings.ReplaceAll(col, ", ", " DESC, ")
		}
	}
	if f.Desc {
		return col + " DESC, c.rowid DESC"
	}
	return col + ", c.rowid"
}

// List returns one page of cases matching the filter; with a Query it is a ranked search.
func (s *Store) List(ctx context.Context, f Filter) ([]*Case, error) {
	if strings.TrimSpace(f.Query) != "" {
		return s.Search(ctx, f)
	}
	now := s.clock.Now()
	where, args, err := f.where(Today(now))
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + prefixed(caseColumns) + `, c.rowid FROM cases c WHERE ` + where + ` ORDER BY ` + f.order() + ` LIMIT ? OFFSET ?`
	return s.queryCases(ctx, q, append(args, limit(f.Limit), f.Offset), now)
}

func limit(n int) int {
	if n <= 0 {
		return 50
	}
	return n
}

func prefixed(cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = "c." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

func (s *Store) queryCases(ctx context.Context, q string, args []any, now time.Time) ([]*Case, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	out := []*Case{}
	for rows.Next() {
		c, err := scanCase(rows, now)
		if err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	return out, nil
}

// Each calls fn for every case matching the filter (Query, Limit and Offset included),
// in register order, streaming: an export of a million cases never holds them all.
func (s *Store) Each(ctx context.Context, f Filter, fn func(*Case) error) error {
	now := s.clock.Now()
	where, args, err := f.where(Today(now))
	if err != nil {
		return err
	}
	q := `SELECT ` + prefixed(caseColumns) + `, c.rowid FROM cases c WHERE ` + where
	if match := ftsQuery(f.Query); match != "" {
		q = `SELECT ` + prefixed(caseColumns) + `, c.rowid FROM cases_fts JOIN cases c ON c.rowid = cases_fts.rowid WHERE cases_fts MATCH ? AND ` + where
		args = append([]any{match}, args...)
	}
	q += ` ORDER BY c.rowid`
	if f.Limit > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.Limit, f.Offset)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
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

// Count tells how many cases match the filter (the figure shown above a list).
func (s *Store) Count(ctx context.Context, f Filter) (int, error) {
	where, args, err := f.where(Today(s.clock.Now()))
	if err != nil {
		return 0, err
	}
	q := `SELECT count(*) FROM cases c WHERE ` + where
	if number, ok := wholeNumber(f.Query); ok {
		// As Search: the count shown above the list is of the cases it shows.
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM cases c WHERE c.number = ? AND `+where, append([]any{number}, args...)...).Scan(&n); err != nil {
			return 0, &Problem{Key: "err.read", Err: err}
		}
		if n > 0 {
			return n, nil
		}
	}
	if match := ftsQuery(f.Query); match != "" {
		q = `SELECT count(*) FROM cases_fts JOIN cases c ON c.rowid = cases_fts.rowid WHERE cases_fts MATCH ? AND ` + where
		args = append([]any{match}, args...)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, &Problem{Key: "err.read", Err: err}
	}
	return n, nil
}

// ftsQuery turns what a clerk typed into an FTS5 query: every word must appear, each as
// a prefix (the clerk may not have finished typing it); accents and case are folded by
// the index, umlauts and short protocol numbers by searchTerm. Quoting each word keeps
// FTS5 syntax (AND, NEAR, -, *) out of a clerk's way.
func ftsQuery(text string) string {
	// Stored text is NFC (CleanText); a decomposed ü typed or pasted would otherwise
	// split the word at its combining mark.
	words := strings.FieldsFunc(norm.NFC.String(text), notWordRune)
	var parts []string
	for _, w := range words {
		if shortWord(w) {
			continue
		}
		parts = append(parts, searchTerm(w))
	}
	return strings.Join(parts, " AND ")
}

// Ranked reports whether a list with this search text comes in order of relevance
// (Search) rather than in the order of a column: text with a word long enough to search.
func Ranked(query string) bool { return ftsQuery(query) != "" }

// typedCounters are the protocol-number counters a query names by a short number
// (935 → "-000935"): the cases with that counter rank first, before words that only
// begin with those digits (bm25 alone may put a case mentioning 9350 twice first).
func typedCounters(text string) []any {
	var out []any
	for _, w := range strings.FieldsFunc(text, notWordRune) {
		if len(w) <= numberDigits && allDigits(w) {
			out = append(out, "-"+strings.Repeat("0", numberDigits-len(w))+w)
		}
	}
	return out
}

// rankLimit is how many matches are ranked by relevance. Ranking needs every match
// scored; past a few thousand (a common word in a register of a million) the newest
// matches come first instead, which is also what a clerk looks for then.
const rankLimit = 2000

// Search ranks the cases matching f.Query (number, subject, description, citizen name
// and e-mail, category, reply) and the other filters. A protocol number typed whole
// comes first.
func (s *Store) Search(ctx context.Context, f Filter) ([]*Case, error) {
	match := ftsQuery(f.Query)
	if match == "" {
		f.Query = ""
		return s.List(ctx, f)
	}
	now := s.clock.Now()
	where, args, err := f.where(Today(now))
	if err != nil {
		return nil, err
	}
	if number, ok := wholeNumber(f.Query); ok {
		// A protocol number typed whole names one case: read it by its index rather
		// than intersecting "BZ" and "2026" with half the register. If there is no such
		// case the words are searched like any others.
		q := `SELECT ` + prefixed(caseColumns) + `, c.rowid FROM cases c WHERE c.number = ? AND ` + where
		found, err := s.queryCases(ctx, q, append([]any{number}, args...), now)
		if err != nil || len(found) > 0 {
			return found, err
		}
	}
	var matches int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ? LIMIT ?)`,
		match, rankLimit+1).Scan(&matches); err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	// Weights: a word in the number, the subject or the citizen's name says more than
	// one in a long description.
	order := `bm25(cases_fts, 20.0, 6.0, 1.0, 6.0, 4.0, 3.0, 1.0, 4.0), c.received_at DESC`
	var orderArgs []any
	if matches > rankLimit {
		order = `cases_fts.rowid DESC`
	} else if counters := typedCounters(f.Query); len(counters) > 0 {
		// Of several offices' cases with that counter, this office's own first.
		order = `substr(c.number, -7) IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(counters)), ", ") + `) DESC, c.number GLOB ? DESC, ` + order
		orderArgs = append(counters, s.local.Code+"-*")
	}
	q := `SELECT ` + prefixed(caseColumns) + `, c.rowid FROM cases_fts JOIN cases c ON c.rowid = cases_fts.rowid
		WHERE cases_fts MATCH ? AND ` + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	qargs := append(append(append([]any{match}, args...), orderArgs...), limit(f.Limit), f.Offset)
	return s.queryCases(ctx, q, qargs, now)
}

var numberPattern = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]{1,9})-(\d{4})-(\d{1,6})$`)

// wholeNumber recognises a protocol number typed whole, also without its leading
// zeros (bz-2026-17), and spells it as stored.
func wholeNumber(q string) (string, bool) {
	m := numberPattern.FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return "", false
	}
	year, _ := strconv.Atoi(m[2])
	n, _ := strconv.ParseInt(m[3], 10, 64)
	return FormatNumber(strings.ToUpper(m[1]), year, n), true
}

// Get finds a case by protocol number or id.
func (s *Store) Get(ctx context.Context, ref Ref) (*Case, error) {
	return getCase(s.db, ref, s.clock.Now())
}

// History is a case's audit trail, oldest first: the timeline a clerk reads.
func (s *Store) History(ctx context.Context, caseID string) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, actor, office, case_id, action, audit_changes(changes), note, lower(hex(hash))
		FROM audit WHERE case_id = ? ORDER BY seq`, caseID)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Office, &e.CaseID, &e.Action, &e.Changes, &e.Note, &e.Hash); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Attachments lists the files kept with a case.
func (s *Store) Attachments(ctx context.Context, caseID string) ([]Attachment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, case_id, name, mime, size, sha256, added_at FROM attachments WHERE case_id = ? ORDER BY added_at, id`, caseID)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		var at string
		if err := rows.Scan(&a.ID, &a.CaseID, &a.Name, &a.MIME, &a.Size, &a.SHA256, &at); err != nil {
			return nil, err
		}
		a.AddedAt, _ = parseTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AttachmentContent returns a kept file's bytes.
func (s *Store) AttachmentContent(ctx context.Context, sha string) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT content FROM blobs WHERE sha256 = ?`, sha).Scan(&b)
	if err == sql.ErrNoRows {
		return nil, Problemf("err.unknown_ref", "ref", sha)
	}
	return b, err
}

func validDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := parseDate(s)
	return err == nil
}
