package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Files of cases between offices (docs/exchange.md, "Files"). The manifest entry of a
// file is the operation that added it — an attachment's "attachment" field
// (id|name|size|type|sha256), a letter's "letter" field
// (id|number|language|size|sha256|signer), with the operation's actor and time — signed
// with the rest of its office's exchange file. An office applying it expects the file
// (file_arrivals, "arriving"); the exchange fetches the content from the shared folder
// outside any write transaction and hands it to KeepArrivedFile, which checks it and
// makes the row. Nothing here reads the folder.

// DefaultFilesBudget is how many bytes of files an office publishes in the shared
// folder unless set otherwise: a few years of scanned letters of a busy office.
const DefaultFilesBudget int64 = 20 << 30

// FileSettings are the office's settings of the file flow.
type FileSettings struct {
	// Budget is the most bytes this office keeps published in the shared folder; a
	// file that does not fit waits (listed) until room is made (0 = no limit).
	Budget int64 `json:"budget"`
	// All: take the files of every case, also those closed before this office started
	// taking files (Since); without it only open cases' and later closed ones'.
	All bool `json:"all"`
	// Since is when this office first took files (set by the exchange's first look).
	Since string `json:"since,omitempty"`
}

// FileSettings reads the file flow's settings.
func (s *Store) FileSettings(ctx context.Context) (FileSettings, error) {
	fs := FileSettings{Budget: DefaultFilesBudget}
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM meta WHERE key IN ('files_budget', 'files_all', 'files_since')`)
	if err != nil {
		return fs, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return fs, &Problem{Key: "err.read", Err: err}
		}
		switch k {
		case "files_budget":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				fs.Budget = n
			}
		case "files_all":
			fs.All = v == "1"
		case "files_since":
			fs.Since = v
		}
	}
	return fs, rows.Err()
}

// SetFileSettings changes the budget and the all-files choice (audited as settings of
// the office).
func (t *Tx) SetFileSettings(budget int64, all bool) error {
	if budget < 0 {
		return Problemf("exchange.file_budget", "value", strconv.FormatInt(budget, 10))
	}
	allText := "0"
	if all {
		allText = "1"
	}
	var changes []FieldChange
	for _, kv := range [][2]string{{"files_budget", strconv.FormatInt(budget, 10)}, {"files_all", allText}} {
		var old string
		err := t.queryRow(`SELECT value FROM meta WHERE key = ?`, kv[0]).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return t.writeErr(err)
		}
		if old == kv[1] {
			continue
		}
		if _, err := t.exec(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, kv[0], kv[1]); err != nil {
			return t.writeErr(err)
		}
		changes = append(changes, FieldChange{Field: kv[0], Old: old, New: kv[1]})
	}
	if len(changes) == 0 {
		return nil
	}
	return t.audit(t.Now(), &Case{}, "settings:"+t.s.local.Code, changes, "")
}

// StartTakingFiles records when this office first took files (FileSettings.Since),
// once: cases closed before it are not fetched unless asked for all.
func (s *Store) StartTakingFiles(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('files_since', ?) ON CONFLICT(key) DO NOTHING`, formatTime(s.clock.Now()))
	return err
}

func sameSHA(b []byte, sha string) bool {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]) == sha
}

func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// fileEntry is a manifest entry read from an operation.
type fileEntry struct {
	kind, id, name, mime, sha string
	size                      int64
	number, language, signer  string // letters
	detail                    string
}

// parseFileDetail reads an attachment's or a letter's description as its operation
// carries it. The name may hold '|': the fields around it are counted from both ends.
// A description that is not one (redacted in an anonymised case's history, or written
// by another program) gives false.
func parseFileDetail(kind, detail string) (fileEntry, bool) {
	p := strings.Split(detail, "|")
	f := fileEntry{kind: kind, detail: detail}
	var size string
	switch kind {
	case FileKindAttachment:
		if len(p) < 5 {
			return f, false
		}
		n := len(p)
		f.id, f.name, size, f.mime, f.sha = p[0], strings.Join(p[1:n-3], "|"), p[n-3], p[n-2], p[n-1]
		if f.name == "" || !utf8.ValidString(f.name) || strings.ContainsAny(f.name, "/\\\x00") || CleanLine(f.name) != f.name {
			return f, false
		}
	case FileKindLetter:
		if len(p) != 6 {
			return f, false
		}
		f.id, f.number, f.language, size, f.sha, f.signer = p[0], p[1], p[2], p[3], p[4], p[5]
		if !LetterLanguage(f.language).Valid() || f.number == "" {
			return f, false
		}
		f.name, f.mime = f.number+".pdf", "application/pdf"
	default:
		return f, false
	}
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 0 || n > MaxAttachment || f.id == "" || !validSHA(f.sha) {
		return f, false
	}
	f.size = n
	return f, true
}

// expectFiles takes the manifest entries of a case's accepted operations: a file not
// here yet is expected (file_arrivals); one whose content this register holds already
// (the same bytes in another case) is kept at once. Nothing for an anonymised case:
// its files are gone everywhere.
func (t *Tx) expectFiles(caseID string, ops []Operation) error {
	checked, anonymised := false, false
	for i := range ops {
		op := &ops[i]
		for _, kind := range [...]string{FileKindAttachment, FileKindLetter} {
			detail, ok := op.Fields[kind]
			if !ok {
				continue
			}
			f, ok := parseFileDetail(kind, detail)
			if !ok {
				continue
			}
			if !checked {
				var n int
				if err := t.queryRow(`SELECT count(*) FROM anonymised_cases WHERE case_id = ?`, caseID).Scan(&n); err != nil {
					return t.writeErr(err)
				}
				checked, anonymised = true, n > 0
			}
			if anonymised {
				return nil
			}
			var n int
			if err := t.queryRow(`SELECT (SELECT count(*) FROM attachments WHERE id = ?1) + (SELECT count(*) FROM letters WHERE id = ?1)
				+ (SELECT count(*) FROM file_arrivals WHERE id = ?1)`, f.id).Scan(&n); err != nil {
				return t.writeErr(err)
			}
			if n > 0 {
				continue
			}
			origin := op.Origin
			if origin == t.s.local.Code {
				origin = ""
			}
			var held sql.NullInt64
			if err := t.queryRow(`SELECT length(content) FROM blobs WHERE sha256 = ?`, f.sha).Scan(&held); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return t.writeErr(err)
			}
			here := held.Valid && held.Int64 == f.size
			if here {
				kept, err := t.keepFileRow(caseID, f, origin, CleanLine(op.Actor), CleanLine(op.At))
				if err != nil {
					return err
				}
				if kept {
					continue
				}
			}
			if _, err := t.exec(`INSERT INTO file_arrivals(id, case_id, kind, name, mime, size, sha256, origin, added_by, added_at, detail, held)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.id, caseID, f.kind, f.name, f.mime, f.size, f.sha, op.Origin,
				CleanLine(op.Actor), CleanLine(op.At), f.detail, here); err != nil {
				return t.writeErr(err)
			}
		}
	}
	return nil
}

// keepFileRow makes the attachment's or letter's row of a file whose content is in
// blobs, as its office described it. It reports false when the row cannot be made: a
// letter whose number a letter of another office took here (both issued at the same
// time); the file is then held in file_arrivals.
func (t *Tx) keepFileRow(caseID string, f fileEntry, origin, addedBy, addedAt string) (bool, error) {
	at, err := parseTime(addedAt)
	if err != nil {
		at = t.Now()
	}
	var q string
	var args []any
	if f.kind == FileKindLetter {
		q = `INSERT INTO letters(id, case_id, number, language, issued_at, issued_date, issued_by, sha256, size, signer, origin)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
		args = []any{f.id, caseID, f.number, f.language, formatTime(at), Today(at), addedBy, f.sha, f.size, f.signer, origin}
	} else {
		q = `INSERT INTO attachments(id, case_id, name, mime, size, sha256, added_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`
		args = []any{f.id, caseID, f.name, f.mime, f.size, f.sha, formatTime(at), origin}
	}
	res, err := t.exec(q, args...)
	if err != nil {
		return false, t.writeErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, t.writeErr(err)
	}
	if n == 0 {
		var same int
		if err := t.queryRow(`SELECT (SELECT count(*) FROM attachments WHERE id = ?1) + (SELECT count(*) FROM letters WHERE id = ?1)`, f.id).Scan(&same); err != nil {
			return false, t.writeErr(err)
		}
		return same > 0, nil // the row is there already: kept
	}
	return true, nil
}

// dropArrivals forgets the files of a case expected or held from other offices, and
// the content of those held, unless another file still needs it.
func (t *Tx) dropArrivals(caseID string) error {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT sha256 FROM file_arrivals WHERE case_id = ? AND held`, caseID)
	if err != nil {
		return t.writeErr(err)
	}
	var shas []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		shas = append(shas, s)
	}
	rows.Close()
	if _, err := t.exec(`DELETE FROM file_arrivals WHERE case_id = ?`, caseID); err != nil {
		return t.writeErr(err)
	}
	for _, sha := range shas {
		if _, err := t.exec(`DELETE FROM blobs WHERE sha256 = ?1 AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)
			AND NOT EXISTS (SELECT 1 FROM letters WHERE sha256 = ?1) AND NOT EXISTS (SELECT 1 FROM file_arrivals WHERE sha256 = ?1 AND held)`, sha); err != nil {
			return t.writeErr(err)
		}
	}
	return nil
}

// OwnFile is a file this office added (an attachment or a letter), as the exchange
// publishes it.
type OwnFile struct {
	SHA256 string
	Size   int64
}

// FilesToPublish lists the files added in this office that its part of the shared
// folder does not hold yet, oldest first: those of cases not anonymised, except the
// files of cases that ended before the retention rule's cutoff (they are not put in
// the folder again: they go from the registers with the rule).
func (s *Store) FilesToPublish(ctx context.Context) ([]OwnFile, error) {
	cutoff := ""
	years, err := s.RetentionYears(ctx)
	if err != nil {
		return nil, err
	}
	if years > 0 {
		cut, _ := parseDate(RetentionCutoff(s.clock.Now(), years))
		cutoff = formatTime(cut)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.sha256, f.size FROM (
			SELECT case_id, sha256, size, added_at AS at FROM attachments WHERE origin = ''
			UNION ALL
			SELECT case_id, sha256, size, issued_at FROM letters WHERE origin = '') f
		JOIN cases c ON c.id = f.case_id
		WHERE f.case_id NOT IN (SELECT case_id FROM anonymised_cases)
		AND f.sha256 NOT IN (SELECT sha256 FROM files_published)
		AND (?1 = '' OR c.closed_at IS NULL OR c.closed_at >= ?1)
		GROUP BY f.sha256 ORDER BY min(f.at), f.sha256`, cutoff)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []OwnFile
	for rows.Next() {
		var f OwnFile
		if err := rows.Scan(&f.SHA256, &f.Size); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// PublishedBytes is the size of the files this office keeps in the shared folder.
func (s *Store) PublishedBytes(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(size), 0) FROM files_published`).Scan(&n)
	return n, err
}

// RecordPublished notes a file before it is written to the folder, so that it is
// removed again when no case needs it, even if the write is cut short.
func (s *Store) RecordPublished(ctx context.Context, f OwnFile) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO files_published(sha256, size, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		f.SHA256, f.Size, formatTime(s.clock.Now()))
	return err
}

// PublishedUnneeded lists the files this office published that no file of a case
// here needs any more: its cases were anonymised (an erasure), or the files removed.
func (s *Store) PublishedUnneeded(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sha256 FROM files_published p WHERE NOT EXISTS (
			SELECT 1 FROM attachments a WHERE a.sha256 = p.sha256 AND a.origin = ''
				AND a.case_id NOT IN (SELECT case_id FROM anonymised_cases))
		AND NOT EXISTS (SELECT 1 FROM letters l WHERE l.sha256 = p.sha256 AND l.origin = ''
				AND l.case_id NOT IN (SELECT case_id FROM anonymised_cases))
		ORDER BY sha256`)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ForgetPublished drops a file removed from the folder from the office's record.
func (s *Store) ForgetPublished(ctx context.Context, sha string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM files_published WHERE sha256 = ?`, sha)
	return err
}

// WantedFile is a file this register expects from the shared folder.
type WantedFile struct {
	SHA256 string
	Size   int64
	Origin string // the office that announced it first: its folder is looked at first
	Passes int
}

// FilesWanted lists the files expected here that this office takes (open cases,
// cases closed since it takes files, or all), fewest tries first.
func (s *Store) FilesWanted(ctx context.Context) ([]WantedFile, error) {
	fs, err := s.FileSettings(ctx)
	if err != nil {
		return nil, err
	}
	all := 0
	if fs.All || fs.Since == "" {
		all = 1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.sha256, max(a.size), min(a.origin), max(a.passes) FROM file_arrivals a JOIN cases c ON c.id = a.case_id
		WHERE NOT a.held AND (?1 = 1 OR c.status <> 'closed' OR c.closed_at >= ?2)
		GROUP BY a.sha256 ORDER BY max(a.passes), a.sha256`, all, fs.Since)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []WantedFile
	for rows.Next() {
		var w WantedFile
		if err := rows.Scan(&w.SHA256, &w.Size, &w.Origin, &w.Passes); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// KeepArrivedFile keeps a file fetched from the folder: its bytes must have the size
// and SHA-256 every expecting row announced (a file that does not is refused:
// "exchange.file_hash"), then each row becomes the attachment or letter it described, in one
// short transaction. It returns how many rows the file completed: 0 when nothing
// expects it any more (its case was anonymised meanwhile), and then nothing is kept.
func (s *Store) KeepArrivedFile(ctx context.Context, sha string, content []byte) (int, error) {
	if !sameSHA(content, sha) {
		return 0, Problemf("exchange.file_hash", "sha256", sha)
	}
	n := 0
	err := s.Update(ctx, func(t *Tx) error {
		rows, err := t.tx.QueryContext(t.ctx, `SELECT a.case_id, a.kind, a.detail, a.origin, a.added_by, a.added_at FROM file_arrivals a
			WHERE a.sha256 = ? AND a.size = ? AND NOT a.held AND a.case_id NOT IN (SELECT case_id FROM anonymised_cases)`, sha, len(content))
		if err != nil {
			return t.writeErr(err)
		}
		type row struct {
			caseID, origin, by, at string
			f                      fileEntry
		}
		var todo []row
		for rows.Next() {
			var r row
			var kind, detail string
			if err := rows.Scan(&r.caseID, &kind, &detail, &r.origin, &r.by, &r.at); err != nil {
				rows.Close()
				return t.writeErr(err)
			}
			if f, ok := parseFileDetail(kind, detail); ok {
				r.f = f
				todo = append(todo, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.writeErr(err)
		}
		if len(todo) == 0 {
			return nil
		}
		if _, err := t.exec(`INSERT INTO blobs(sha256, content) VALUES (?, ?) ON CONFLICT(sha256) DO UPDATE SET content = excluded.content`, sha, content); err != nil {
			return t.writeErr(err)
		}
		for _, r := range todo {
			origin := r.origin
			if origin == t.s.local.Code {
				origin = ""
			}
			kept, err := t.keepFileRow(r.caseID, r.f, origin, r.by, r.at)
			if err != nil {
				return err
			}
			q := `DELETE FROM file_arrivals WHERE id = ?`
			if !kept {
				q = `UPDATE file_arrivals SET held = 1 WHERE id = ?`
			}
			if _, err := t.exec(q, r.f.id); err != nil {
				return t.writeErr(err)
			}
			n++
		}
		return nil
	})
	return n, err
}

// FileMissed records a look at the folder that did not bring a file, and why.
func (s *Store) FileMissed(ctx context.Context, sha, reason string) error {
	now := formatTime(s.clock.Now())
	_, err := s.db.ExecContext(ctx, `UPDATE file_arrivals SET passes = passes + 1, last_try = ?1, reason = ?2,
		first_try = CASE WHEN first_try = '' THEN ?1 ELSE first_try END WHERE sha256 = ?3`, now, reason, sha)
	return err
}

// LateFile is a file that has not come after the looks or the time allowed.
type LateFile struct {
	CaseFile
	CaseNumber string    `json:"case_number"`
	FirstTry   time.Time `json:"first_try"`
}

// LateFiles lists the files this office takes that have not arrived after passes
// looks at the folder, or wait time after the first: for the administrator.
func (s *Store) LateFiles(ctx context.Context, passes int, wait time.Duration) ([]LateFile, error) {
	wanted, err := s.FilesWanted(ctx)
	if err != nil {
		return nil, err
	}
	take := map[string]bool{}
	for _, w := range wanted {
		take[w.SHA256] = true
	}
	before := formatTime(s.clock.Now().Add(-wait))
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.case_id, c.number, a.kind, a.name, a.mime, a.size, a.sha256, a.origin, a.added_by,
		a.added_at, a.passes, a.reason, a.first_try FROM file_arrivals a JOIN cases c ON c.id = a.case_id
		WHERE NOT a.held AND (a.passes >= ? OR (a.first_try <> '' AND a.first_try <= ?)) ORDER BY c.number, a.added_at, a.id`, passes, before)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []LateFile
	for rows.Next() {
		var f LateFile
		var at, first string
		if err := rows.Scan(&f.ID, &f.CaseID, &f.CaseNumber, &f.Kind, &f.Name, &f.MIME, &f.Size, &f.SHA256, &f.Origin, &f.AddedBy,
			&at, &f.Passes, &f.Reason, &first); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		if !take[f.SHA256] {
			continue
		}
		f.AddedAt, _ = parseTime(at)
		f.FirstTry, _ = parseTime(first)
		f.State = FileArriving
		out = append(out, f)
	}
	return out, rows.Err()
}

// PublishedFiles lists the files this office recorded as put in the shared folder.
func (s *Store) PublishedFiles(ctx context.Context) ([]OwnFile, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sha256, size FROM files_published ORDER BY sha256`)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []OwnFile
	for rows.Next() {
		var f OwnFile
		if err := rows.Scan(&f.SHA256, &f.Size); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
