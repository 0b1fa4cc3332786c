-- Exchange between offices (docs/exchange.md). The change log learns what a change had
-- seen and, for changes received from other offices, what they set; conflicts are kept
-- until a clerk decides; the exchange keeps its roster of offices and the files it took.

-- deps: for each office, the highest sequence of that office's operations on the same
-- case that the writer had applied when it made this one ("BZ:12,EG:4"). Two writes of
-- a field conflict when neither had seen the other (data/merge.go).
ALTER TABLE ops ADD COLUMN deps TEXT NOT NULL DEFAULT '';
-- For operations received from another office: what they set (JSON object field → new
-- value), who made them, when, and their note. A local operation takes these from its
-- audit entry (kept once).
ALTER TABLE ops ADD COLUMN fields TEXT;
ALTER TABLE ops ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE ops ADD COLUMN at TEXT NOT NULL DEFAULT '';
ALTER TABLE ops ADD COLUMN note TEXT NOT NULL DEFAULT '';
-- A case's operations, to merge them and to say what a new one has seen.
CREATE INDEX ops_case ON ops(case_id);

-- A field two offices changed without having seen each other's change: the values kept
-- (JSON list of {origin, seq, hlc, value}, provisional winner first). The case row holds
-- the provisional winner; a clerk's decision is a change like any other and removes the
-- conflict everywhere.
CREATE TABLE conflicts (
    case_id TEXT NOT NULL,
    field   TEXT NOT NULL,
    heads   TEXT NOT NULL,
    since   TEXT NOT NULL,
    PRIMARY KEY (case_id, field)
) WITHOUT ROWID;

-- The offices seen in the exchange folder: their published key, and whether a clerk
-- trusted it (after comparing the fingerprint). Files of an office not trusted are never
-- applied.
CREATE TABLE exchange_offices (
    code        TEXT PRIMARY KEY,
    name_it     TEXT NOT NULL DEFAULT '',
    name_de     TEXT NOT NULL DEFAULT '',
    public_key  BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    trusted     INTEGER NOT NULL DEFAULT 0,
    trusted_at  TEXT NOT NULL DEFAULT '',
    trusted_by  TEXT NOT NULL DEFAULT '',
    first_seen  TEXT NOT NULL,
    last_heard  TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Every exchange file applied, per origin and first sequence: the hash makes a second
-- file with the same sequences but other content a fork (an alarm), and chains the next.
CREATE TABLE exchange_files (
    origin     TEXT NOT NULL,
    first      INTEGER NOT NULL,
    last       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (origin, first)
) WITHOUT ROWID;

-- What this office published in the exchange folder, file by file: a file lost from the
-- folder (deleted by someone, a folder restored from an old copy) is written again with
-- the same bytes, so other offices see the same file, not a fork.
CREATE TABLE exchange_published (
    first   INTEGER PRIMARY KEY,
    last    INTEGER NOT NULL,
    sha256  TEXT NOT NULL,
    prev    TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    name    TEXT NOT NULL
);

-- Files in the exchange folder that were not applied, and why: listed for the clerk and
-- the administrator until they are gone or become valid. Ascolto never deletes them.
CREATE TABLE exchange_rejected (
    path       TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    size       INTEGER NOT NULL DEFAULT 0,
    mtime      TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL
) WITHOUT ROWID;

-- The exchange's own settings and marks (the folder joined, what was compacted).
CREATE TABLE exchange_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
