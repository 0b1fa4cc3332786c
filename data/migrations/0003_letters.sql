-- Reply letters: every letter issued is kept, its PDF once in blobs (by SHA-256), so that
-- printing it again prints the very same document; its issue, printing and sending are
-- also audit entries of the case (the write path), with the SHA-256.
CREATE TABLE letters (
    id          TEXT PRIMARY KEY,
    -- deferred: a case's row is written at the end of its transaction
    case_id     TEXT NOT NULL REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED,
    -- the letter's own protocol number: the case's number and the letter's place among
    -- the case's letters, BZ-2026-000017/1
    number      TEXT NOT NULL UNIQUE,
    language    TEXT NOT NULL CHECK (language IN ('it', 'de', 'both')),
    issued_at   TEXT NOT NULL,
    -- civil date in Europe/Rome, for "print every letter issued today"
    issued_date TEXT NOT NULL,
    issued_by   TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES blobs(sha256),
    size        INTEGER NOT NULL,
    -- the certificate's name when the PDF carries a digital signature
    signer      TEXT NOT NULL DEFAULT '',
    printed_at  TEXT,
    prints      INTEGER NOT NULL DEFAULT 0,
    sent_at     TEXT,
    sent_via    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX letters_case ON letters(case_id, issued_at);
CREATE INDEX letters_issued_date ON letters(issued_date);

-- Letter settings of this register's office (signer, role, place, envelope window,
-- logo and signature image as blob SHA-256s). Missing keys take the defaults.
CREATE TABLE letter_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The office's own wording: letter bodies per kind, salutation, closing, privacy note
-- and reply phrases, per language. A template not here is the program's default.
CREATE TABLE letter_templates (
    name     TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('it', 'de')),
    text     TEXT NOT NULL,
    PRIMARY KEY (name, language)
) WITHOUT ROWID;
