-- The register's first schema. Times are UTC RFC 3339 text (sortable); civil dates are
-- YYYY-MM-DD in Europe/Rome, the offices' zone.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE offices (
    code      TEXT PRIMARY KEY,
    name_it   TEXT NOT NULL,
    name_de   TEXT NOT NULL,
    address   TEXT NOT NULL DEFAULT '',
    is_local  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Working days promised, per office and kind; kind '' is the office's default.
CREATE TABLE deadline_rules (
    office TEXT NOT NULL REFERENCES offices(code),
    kind   TEXT NOT NULL,
    days   INTEGER NOT NULL CHECK (days BETWEEN 0 AND 365),
    PRIMARY KEY (office, kind)
) WITHOUT ROWID;

-- Days an office is closed besides weekends and public holidays.
CREATE TABLE closures (
    office TEXT NOT NULL REFERENCES offices(code),
    day    TEXT NOT NULL,
    note   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (office, day)
) WITHOUT ROWID;

-- The last protocol number given per office and year; it only ever grows, and it is
-- incremented in the same transaction as the case it numbers.
CREATE TABLE counters (
    office TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (office, year)
) WITHOUT ROWID;

CREATE TABLE cases (
    rowid            INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    number           TEXT NOT NULL UNIQUE,
    office           TEXT NOT NULL REFERENCES offices(code),
    kind             TEXT NOT NULL,
    channel          TEXT NOT NULL,
    status           TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    received_date    TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    deadline_days    INTEGER NOT NULL,
    waiting_since    TEXT NOT NULL DEFAULT '',
    waited_days      INTEGER NOT NULL DEFAULT 0,
    answered_at      TEXT,
    closed_at        TEXT,
    subject          TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    service          TEXT NOT NULL DEFAULT '',
    assignee         TEXT NOT NULL DEFAULT '',
    citizen_name     TEXT NOT NULL DEFAULT '',
    citizen_email    TEXT NOT NULL DEFAULT '',
    citizen_phone    TEXT NOT NULL DEFAULT '',
    citizen_address  TEXT NOT NULL DEFAULT '',
    citizen_language TEXT NOT NULL DEFAULT '',
    reply_text       TEXT NOT NULL DEFAULT '',
    reply_language   TEXT NOT NULL DEFAULT '',
    reply_at         TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
-- The lists a clerk opens most: open work by due date, a status, an office, newest first.
-- Only open cases (the clock runs) have a due date that matters: a partial index stays
-- small however long the register grows.
CREATE INDEX cases_open_due ON cases(due_date) WHERE status IN ('received', 'in_progress');
CREATE INDEX cases_status_received ON cases(status, received_at);
CREATE INDEX cases_received ON cases(received_at);
CREATE INDEX cases_office_received ON cases(office, received_at);
CREATE INDEX cases_kind_received ON cases(kind, received_at);
CREATE INDEX cases_citizen_email ON cases(citizen_email) WHERE citizen_email <> '';

-- Search: accents and case folded (muller finds Müller); three-letter prefixes indexed so
-- that what a clerk has begun to type already matches (longer prefixes read few terms;
-- more prefix indexes would double the index and the time to write it). External
-- content: the text lives once, in cases.
-- The index is kept by the write path at the end of each transaction (not by triggers),
-- so a case created and answered in one batch is indexed once.
CREATE VIRTUAL TABLE cases_fts USING fts5(
    number, subject, description, citizen_name, citizen_email, category, reply_text,
    content='cases', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2',
    prefix='3'
);
-- No merging of index segments inside a clerk's save (FTS5 would do a slice of it every
-- few dozen commits, up to tens of milliseconds): the register merges them while idle
-- (data/store.go, maintain). Only the "crisis" merge at 16 segments a level stays, as a
-- bound for bulk work that never leaves the register idle.
INSERT INTO cases_fts(cases_fts, rank) VALUES ('automerge', 0);

-- Files kept in the register; content is stored once per distinct SHA-256.
CREATE TABLE blobs (
    sha256  TEXT PRIMARY KEY,
    content BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE attachments (
    id        TEXT PRIMARY KEY,
    -- deferred: a case's row is written at the end of its transaction
    case_id   TEXT NOT NULL REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED,
    name      TEXT NOT NULL,
    mime      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    sha256    TEXT NOT NULL REFERENCES blobs(sha256),
    added_at  TEXT NOT NULL
);
CREATE INDEX attachments_case ON attachments(case_id);

-- The audit trail: append-only and hash-chained. Each entry's hash (SHA-256, 32 bytes)
-- covers its content and the previous entry's hash, so editing or removing a past entry
-- breaks the chain. changes is a JSON object: field → [old, new].
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    office    TEXT NOT NULL,
    case_id   TEXT NOT NULL,
    action    TEXT NOT NULL,
    changes   TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    hash      BLOB NOT NULL
);
CREATE INDEX audit_case ON audit(case_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- The change log: every change as an operation for the exchange between offices.
-- (origin, seq) names an operation everywhere; hlc orders operations for display and
-- for choosing a provisional winner; base_version says which version the change saw.
-- The new field values are those of the operation's audit entry (audit_seq): kept once,
-- since the register is mostly its history.
CREATE TABLE ops (
    origin       TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    hlc          TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    action       TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    audit_seq    INTEGER NOT NULL,
    PRIMARY KEY (origin, seq)
) WITHOUT ROWID;

-- Per origin office, the highest sequence applied (the exchange's high-water mark).
CREATE TABLE origins (
    origin TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL
) WITHOUT ROWID;
