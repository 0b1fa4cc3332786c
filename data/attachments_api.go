package data

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// File states of a case's files (CaseFile.State).
const (
	// FileArrived: the content is in this register, checked against its SHA-256.
	FileArrived = "arrived"
	// FileArriving: the file was added in another office; its content has not come
	// through the shared folder yet (or came damaged and is fetched again).
	FileArriving = "arriving"
	// FileNotTaken: the file of a case closed before this office joined the exchange,
	// left in the other offices (exchange setting files_all takes them too).
	FileNotTaken = "not_taken"
	// FileRemoved: an archived letter of an anonymised case: its number, size and
	// SHA-256 stay on record, its content was removed with the citizen's data.
	FileRemoved = "removed"
)

// File kinds (CaseFile.Kind).
const (
	FileKindAttachment = "attachment" // a file kept with the case: a scan, a mail original…
	FileKindLetter     = "letter"     // an archived reply letter (its PDF)
)

// CaseFile is one file of a case as the clerk sees it, wherever it was added: an
// attachment (the mail original among them) or an archived letter, here or on its way
// from another office.
type CaseFile struct {
	ID     string `json:"id"`
	CaseID string `json:"case_id"`
	Kind   string `json:"kind"` // FileKindAttachment or FileKindLetter
	Name   string `json:"name"` // a letter's is its number and ".pdf"
	MIME   string `json:"mime"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Origin is the office that added the file: this register's own office for files
	// added here.
	Origin  string    `json:"origin"`
	AddedBy string    `json:"added_by,omitempty"`
	AddedAt time.Time `json:"added_at"`
	State   string    `json:"state"`   // FileArrived, FileArriving, FileNotTaken or FileRemoved
	Arrived bool      `json:"arrived"` // State == FileArrived: CaseFileContent gives the bytes
	// Passes and Reason say why a file is still arriving: how many looks at the folder
	// did not bring it, and what the latest found ("missing", "size", "hash",
	// "unreadable", "budget" when its office has no room left to publish it).
	Passes int    `json:"passes,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// CaseFiles lists every file of a case: its attachments, its archived letters and the
// files announced by other offices that have not arrived yet, oldest first.
func (s *Store) CaseFiles(ctx context.Context, caseID string) ([]CaseFile, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, case_id, 'attachment', name, mime, size, sha256, origin, '', added_at, '', 0, '' FROM attachments WHERE case_id = ?1
		UNION ALL
		SELECT id, case_id, 'letter', number || '.pdf', 'application/pdf', size, sha256, origin, issued_by, issued_at, '', 0, '' FROM letters WHERE case_id = ?1
		UNION ALL
		SELECT id, case_id, kind, name, mime, size, sha256, origin, added_by, added_at, CASE WHEN held THEN '' ELSE 'arriving' END, passes, reason
			FROM file_arrivals WHERE case_id = ?1
		ORDER BY 10, 1`, caseID)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	var out []CaseFile
	var since string
	all := false
	var caseOpen, anonymised bool
	var closedAt sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT status <> 'closed', closed_at, id IN (SELECT case_id FROM anonymised_cases) FROM cases WHERE id = ?`,
		caseID).Scan(&caseOpen, &closedAt, &anonymised)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	settings, err := s.FileSettings(ctx)
	if err != nil {
		return nil, err
	}
	since, all = settings.Since, settings.All
	for rows.Next() {
		var f CaseFile
		var at, arriving string
		if err := rows.Scan(&f.ID, &f.CaseID, &f.Kind, &f.Name, &f.MIME, &f.Size, &f.SHA256, &f.Origin, &f.AddedBy, &at, &arriving, &f.Passes, &f.Reason); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		f.AddedAt, _ = parseTime(at)
		if f.Origin == "" {
			f.Origin = s.local.Code
		}
		switch {
		case anonymised:
			f.State = FileRemoved
		case arriving == "":
			f.State, f.Arrived = FileArrived, true
		case takes(caseOpen, closedAt, since, all):
			f.State = FileArriving
		default:
			f.State = FileNotTaken
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// takes tells whether this office fetches the files of a case: an open case's always,
// a closed one's when it was closed after the office started taking files, or when
// the office asked for all (a new office takes the files of open cases only).
func takes(open bool, closedAt sql.NullString, since string, all bool) bool {
	return open || all || since == "" || (closedAt.Valid && closedAt.String >= since)
}

// CaseFileContent returns the bytes of a file of the case that has arrived (by its
// SHA-256, as CaseFiles lists it). A file still arriving, or whose content was
// removed by an anonymisation, is a problem "exchange.file_not_here".
func (s *Store) CaseFileContent(ctx context.Context, sha string) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT content FROM blobs WHERE sha256 = ?`, sha).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sameSHA(b, sha)) {
		return nil, Problemf("exchange.file_not_here", "sha256", sha)
	}
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	return b, nil
}
