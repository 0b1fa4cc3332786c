-- Privacy over time: anonymising a case also removes its personal data from the past
-- entries of the audit trail, and the chain stays verifiable.
--
-- From this version an entry's hash covers the SHA-256 of its changes and of its note
-- instead of the text itself (data/write.go, computeHash). Redacting an entry replaces
-- personal values in its changes and its note with a marker and keeps the digests of
-- what was there in audit_redactions, so verify still checks the chain through it. Only
-- entries of an anonymised case can be redacted, only their changes and note, and only
-- to the redacted form (verify checks all three). The entries written before this
-- version are sealed again with the new hash by the upgrade (data/store.go, reseal),
-- after their old chain has been checked; an entry that failed the old check stays
-- reported in audit_reseal_findings.
CREATE TABLE audit_redactions (
    seq         INTEGER PRIMARY KEY,
    changes_sha BLOB NOT NULL,
    note_sha    BLOB NOT NULL,
    at          TEXT NOT NULL
);
CREATE TABLE audit_reseal_findings (
    seq    INTEGER PRIMARY KEY,
    at     TEXT NOT NULL
);
DROP TRIGGER audit_no_update;
