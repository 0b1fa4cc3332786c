-- E-mails taken in (data/intake): every message that became a case is recorded under
-- its identifiers, so the same message taken in again (dropped twice, a copy saved
-- again by another mail program, the same file run through ascoltoctl) finds the case
-- it became instead of getting a second protocol number. The row is written in the
-- same transaction as the case; the primary key makes two writers racing on the same
-- message give one case.
--
-- message_id: the Message-ID without <>, the certified identifier of a PEC, or
-- "sha256:" and the digest of the file for a message that has no Message-ID.
-- kind: which of the three it is (message-id, pec, sha256).
-- A Message-ID often holds the sender's address: the rows of a case go when the case is
-- anonymised (data/privacy.go).
CREATE TABLE mail_messages (
    message_id TEXT PRIMARY KEY,
    -- deferred: a case's row is written at the end of its transaction
    case_id    TEXT NOT NULL REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED,
    kind       TEXT NOT NULL,
    added_at   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX mail_messages_case ON mail_messages(case_id);
