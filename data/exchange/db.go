package exchange

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"sort"
	"time"

	"ascolto/data"
)

// The exchange's own tables (data/migrations/0005_exchange.sql), read and written here;
// case tables are changed only through data.Store.

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func readErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := data.AsProblem(err); ok {
		return err
	}
	return &data.Problem{Key: "err.read", Err: err}
}

func writeErr(err error) error {
	if err == nil {
		return nil
	}
	return &data.Problem{Key: "err.write", Err: err}
}

// officeRow is an office of the roster.
type officeRow struct {
	Code, NameIT, NameDE string
	Key                  ed25519.PublicKey
	Fingerprint          string
	Trusted              bool
	TrustedAt, TrustedBy string
	FirstSeen, LastHeard string
}

func (x *Exchange) roster(ctx context.Context) (map[string]*officeRow, error) {
	rows, err := x.db().QueryContext(ctx, `SELECT code, name_it, name_de, public_key, fingerprint, trusted, trusted_at, trusted_by, first_seen, last_heard FROM exchange_offices`)
	if err != nil {
		return nil, readErr(err)
	}
	defer rows.Close()
	out := map[string]*officeRow{}
	for rows.Next() {
		r := &officeRow{}
		var key []byte
		if err := rows.Scan(&r.Code, &r.NameIT, &r.NameDE, &key, &r.Fingerprint, &r.Trusted, &r.TrustedAt, &r.TrustedBy, &r.FirstSeen, &r.LastHeard); err != nil {
			return nil, readErr(err)
		}
		r.Key = ed25519.PublicKey(key)
		out[r.Code] = r
	}
	return out, readErr(rows.Err())
}

func (x *Exchange) putRoster(ctx context.Context, r *officeRow) error {
	_, err := x.db().ExecContext(ctx, `INSERT INTO exchange_offices(code, name_it, name_de, public_key, fingerprint, trusted, trusted_at, trusted_by, first_seen, last_heard)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(code) DO UPDATE SET name_it = excluded.name_it, name_de = excluded.name_de, public_key = excluded.public_key,
		fingerprint = excluded.fingerprint, trusted = excluded.trusted, trusted_at = excluded.trusted_at, trusted_by = excluded.trusted_by`,
		r.Code, r.NameIT, r.NameDE, []byte(r.Key), r.Fingerprint, r.Trusted, r.TrustedAt, r.TrustedBy, r.FirstSeen, r.LastHeard)
	return writeErr(err)
}

func (x *Exchange) heard(ctx context.Context, code string, at time.Time) error {
	_, err := x.db().ExecContext(ctx, `UPDATE exchange_offices SET last_heard = ? WHERE code = ? AND last_heard < ?`, fmtTime(at), code, fmtTime(at))
	return writeErr(err)
}

func (x *Exchange) state(ctx context.Context, key string) (string, error) {
	var v string
	err := x.db().QueryRowContext(ctx, `SELECT value FROM exchange_state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, readErr(err)
}

func (x *Exchange) setState(ctx context.Context, key, value string) error {
	_, err := x.db().ExecContext(ctx, `INSERT INTO exchange_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return writeErr(err)
}

// published is a file this office wrote to the folder.
type published struct {
	First, Last   int64
	SHA256, Prev  string
	Created, Name string
}

func (x *Exchange) publishedFiles(ctx context.Context) ([]published, error) {
	rows, err := x.db().QueryContext(ctx, `SELECT first, last, sha256, prev, created, name FROM exchange_published ORDER BY first`)
	if err != nil {
		return nil, readErr(err)
	}
	defer rows.Close()
	var out []published
	for rows.Next() {
		var p published
		if err := rows.Scan(&p.First, &p.Last, &p.SHA256, &p.Prev, &p.Created, &p.Name); err != nil {
			return nil, readErr(err)
		}
		out = append(out, p)
	}
	return out, readErr(rows.Err())
}

func (x *Exchange) addPublished(ctx context.Context, p published) error {
	_, err := x.db().ExecContext(ctx, `INSERT INTO exchange_published(first, last, sha256, prev, created, name) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(first) DO NOTHING`, p.First, p.Last, p.SHA256, p.Prev, p.Created, p.Name)
	return writeErr(err)
}

func (x *Exchange) publishedHigh(ctx context.Context) (int64, error) {
	var n int64
	err := x.db().QueryRowContext(ctx, `SELECT coalesce(max(last), 0) FROM exchange_published`).Scan(&n)
	return n, readErr(err)
}

// appliedFile is what exchange_files says of an origin's file starting at first.
func (x *Exchange) appliedFile(ctx context.Context, origin string, first int64) (sha, name string, ok bool, err error) {
	err = x.db().QueryRowContext(ctx, `SELECT sha256, name FROM exchange_files WHERE origin = ? AND first = ?`, origin, first).Scan(&sha, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	return sha, name, err == nil, readErr(err)
}

// chainOK tells whether prev is the hash of the origin's file applied just before first
// (or cannot be checked: nothing applied ends there, or the operations before came with
// a snapshot, whose chain restarts).
func (x *Exchange) chainOK(ctx context.Context, origin string, first int64, prev string) (bool, error) {
	if prev == "" {
		return true, nil
	}
	rows, err := x.db().QueryContext(ctx, `SELECT sha256, name FROM exchange_files WHERE origin = ? AND last = ?`, origin, first-1)
	if err != nil {
		return false, readErr(err)
	}
	defer rows.Close()
	any, match := false, false
	for rows.Next() {
		var sha, name string
		if err := rows.Scan(&sha, &name); err != nil {
			return false, readErr(err)
		}
		if isSnapshotRow(name) {
			return true, nil
		}
		any = true
		match = match || sha == prev
	}
	return !any || match, readErr(rows.Err())
}

// Rejected is a file of the folder that was not applied.
type Rejected struct {
	Path      string    `json:"path"`
	Reason    Reason    `json:"reason"`
	Detail    string    `json:"detail,omitempty"`
	Size      int64     `json:"size"`
	ModTime   time.Time `json:"modified"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

func (x *Exchange) rejectedFiles(ctx context.Context) ([]Rejected, error) {
	rows, err := x.db().QueryContext(ctx, `SELECT path, reason, detail, size, mtime, first_seen, last_seen FROM exchange_rejected ORDER BY path`)
	if err != nil {
		return nil, readErr(err)
	}
	defer rows.Close()
	var out []Rejected
	for rows.Next() {
		var r Rejected
		var mt, fs, ls string
		if err := rows.Scan(&r.Path, &r.Reason, &r.Detail, &r.Size, &mt, &fs, &ls); err != nil {
			return nil, readErr(err)
		}
		r.ModTime, r.FirstSeen, r.LastSeen = parseTime(mt), parseTime(fs), parseTime(ls)
		out = append(out, r)
	}
	return out, readErr(rows.Err())
}

// saveRejected makes the list say what this scan found: new files added (and logged),
// files gone or now applied removed, the others' last sighting moved.
func (x *Exchange) saveRejected(ctx context.Context, found map[string]Rejected) error {
	old, err := x.rejectedFiles(ctx)
	if err != nil {
		return err
	}
	byPath := map[string]Rejected{}
	for _, r := range old {
		byPath[r.Path] = r
	}
	type write struct {
		q    string
		args []any
	}
	var writes []write
	now := x.clock.Now()
	for _, r := range old {
		if _, ok := found[r.Path]; !ok {
			writes = append(writes, write{`DELETE FROM exchange_rejected WHERE path = ?`, []any{r.Path}})
		}
	}
	paths := make([]string, 0, len(found))
	for p := range found {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		r := found[p]
		prev, seen := byPath[p]
		changed := !seen || prev.Reason != r.Reason || prev.Size != r.Size || prev.Detail != r.Detail
		if changed {
			if r.Reason == ReasonFork || r.Reason == ReasonKeyChanged || r.Reason == ReasonChain || r.Reason == ReasonOfficeReplaced {
				x.log.Error("exchange: alarm", "file", p, "reason", string(r.Reason), "detail", r.Detail)
			} else {
				x.log.Warn("exchange: file not applied", "file", p, "reason", string(r.Reason), "detail", r.Detail, "size", r.Size)
			}
		} else if now.Sub(prev.LastSeen) < time.Hour {
			continue // unchanged: the list is not rewritten at every look
		}
		writes = append(writes, write{`INSERT INTO exchange_rejected(path, reason, detail, size, mtime, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(path) DO UPDATE SET reason = excluded.reason, detail = excluded.detail, size = excluded.size, mtime = excluded.mtime, last_seen = excluded.last_seen`,
			[]any{p, string(r.Reason), r.Detail, r.Size, fmtTime(r.ModTime), fmtTime(now), fmtTime(now)}})
	}
	if len(writes) == 0 {
		return nil
	}
	tx, err := x.db().BeginTx(ctx, nil)
	if err != nil {
		return writeErr(err)
	}
	defer tx.Rollback()
	for _, w := range writes {
		if _, err := tx.ExecContext(ctx, w.q, w.args...); err != nil {
			return writeErr(err)
		}
	}
	return writeErr(tx.Commit())
}

// JoinedFolder is the exchange folder the register joined last ("" if none), for
// commands that are not told which.
func JoinedFolder(ctx context.Context, st *data.Store) (string, error) {
	var v string
	err := st.DB().QueryRowContext(ctx, `SELECT value FROM exchange_state WHERE key = 'folder'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, readErr(err)
}
