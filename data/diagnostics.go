package data

import (
	"context"
	"os"
	"path/filepath"

	"ascolto/data/instance"
)

// Diagnostics describes a register for support without any personal data: sizes,
// counts, format, settings.
type Diagnostics struct {
	Path          string         `json:"path"`
	SizeBytes     int64          `json:"size_bytes"`
	WALBytes      int64          `json:"wal_bytes"`
	SchemaVersion int            `json:"schema_version"`
	Program       int            `json:"program_schema_version"`
	Office        string         `json:"office"`
	Offices       int            `json:"offices"`
	Cases         int            `json:"cases"`
	ByStatus      map[string]int `json:"by_status"`
	Overdue       int            `json:"overdue"`
	AuditEntries  int64          `json:"audit_entries"`
	Operations    int64          `json:"operations"`
	Backups       BackupSettings `json:"backups"`
	LastBackup    string         `json:"last_backup"`
	Migrated      *Migration     `json:"migrated,omitempty"`
	// What the causes of failed writes depend on (cause.go): free space on the disk,
	// which of the register's files and folder this account may write, and the other
	// programs that have the register open.
	FreeBytes int64           `json:"free_bytes"`
	Writable  map[string]bool `json:"writable"`
	OpenBy    []string        `json:"open_by,omitempty"`
}

// Diagnostics gathers the register's figures for a support request.
func (s *Store) Diagnostics(ctx context.Context) (*Diagnostics, error) {
	d := &Diagnostics{Path: s.path, Program: SchemaVersion(), Office: s.local.Code, ByStatus: map[string]int{}, Migrated: s.migration}
	if st, err := os.Stat(s.path); err == nil {
		d.SizeBytes = st.Size()
	}
	if st, err := os.Stat(s.path + "-wal"); err == nil {
		d.WALBytes = st.Size()
	}
	s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&d.SchemaVersion)
	s.db.QueryRowContext(ctx, `SELECT count(*) FROM offices`).Scan(&d.Offices)
	s.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM audit`).Scan(&d.AuditEntries)
	s.db.QueryRowContext(ctx, `SELECT count(*) FROM ops`).Scan(&d.Operations)
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM cases GROUP BY status`)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	for rows.Next() {
		var st string
		var n int
		rows.Scan(&st, &n)
		d.ByStatus[st] = n
		d.Cases += n
	}
	rows.Close()
	d.Overdue, _ = s.Count(ctx, Filter{Overdue: true})
	d.FreeBytes = freeBytes(filepath.Dir(s.path))
	d.Writable = map[string]bool{"folder": canWrite(filepath.Dir(s.path))}
	for _, side := range registerSides {
		if _, err := os.Stat(s.path + side); err == nil {
			d.Writable["register"+side] = canWrite(s.path + side)
		}
	}
	for _, u := range instance.Users(s.path) {
		d.OpenBy = append(d.OpenBy, u.String())
	}
	d.Backups = s.BackupSettings()
	if list, _ := s.Backups(); len(list) > 0 {
		d.LastBackup = list[0]
	}
	return d, nil
}
