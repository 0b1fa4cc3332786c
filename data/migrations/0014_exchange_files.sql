-- Files of cases travelling between offices (docs/exchange.md, "Files").
--
-- An attachment or a letter made in another office arrives first as its operation (the
-- manifest entry: id, name, type, size, SHA-256, who added it and when, signed with the
-- rest of the office's file); its content comes later through the shared folder, by
-- SHA-256. Until it is here and checked, the file waits in file_arrivals ("arriving");
-- once kept in blobs it becomes a row of attachments or letters like a local one, with
-- the office it came from in origin ('' = made in this register).
--
-- detail: the operation's description of the file, which the row becomes (verify
-- compares the two). held: the content is here, checked, but the row could not become
-- a letter's: two offices issued a letter of the case under the same number at the
-- same time, and the number is taken here (the file is listed all the same). passes: looks at the folder that did not bring it; first_try and
-- last_try: when the first and the latest of them were; reason: why the latest failed
-- (missing, size, hash, unreadable). The rows of a case go when it is anonymised: the
-- name may name the citizen (data/privacy.go, dropAttachments).
CREATE TABLE file_arrivals (
    id        TEXT PRIMARY KEY,
    case_id   TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('attachment', 'letter')),
    name      TEXT NOT NULL,
    mime      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    sha256    TEXT NOT NULL,
    origin    TEXT NOT NULL,
    added_by  TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    detail    TEXT NOT NULL,
    passes    INTEGER NOT NULL DEFAULT 0,
    first_try TEXT NOT NULL DEFAULT '',
    last_try  TEXT NOT NULL DEFAULT '',
    reason    TEXT NOT NULL DEFAULT '',
    held      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX file_arrivals_case ON file_arrivals(case_id);
CREATE INDEX file_arrivals_sha ON file_arrivals(sha256);

ALTER TABLE attachments ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN origin TEXT NOT NULL DEFAULT '';
-- Whether a case here still needs a file, at every look (data.Store.PublishedUnneeded).
CREATE INDEX attachments_sha ON attachments(sha256);
CREATE INDEX letters_sha ON letters(sha256);

-- The files this office put in its part of the shared folder (<CODE>/files/<aa>/<sha256>),
-- recorded before the file is written, so that one left by a crash is still known and
-- removed when no file of a case here needs it any more (an erasure).
CREATE TABLE files_published (
    sha256 TEXT PRIMARY KEY,
    size   INTEGER NOT NULL,
    at     TEXT NOT NULL
) WITHOUT ROWID;
