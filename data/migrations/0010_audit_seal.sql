-- The audit trail sealed with the office's key (docs/register.md, "What verify proves").
-- Each entry's hash stays keyless, so anyone can check the chain's links; but anyone can
-- also compute a whole new chain. What only the office can do is sign: the head of the
-- chain (last entry's seq and hash) is signed with the office's key (the Ed25519 key
-- beside the register, the same the exchange uses) at the end of every write, and kept
-- in audit_seal; every checkpointEvery entries a signed checkpoint stays for good in
-- audit_checkpoints. A chain edited, cut back or computed anew no longer matches them,
-- and new signatures cannot be made without the key. The upgrade signs the chain as it
-- is (data/seal.go, sealUpgrade), after migration 6 has checked it.
CREATE TABLE audit_checkpoints (
    seq   INTEGER PRIMARY KEY,
    head  BLOB NOT NULL,
    at    TEXT NOT NULL,
    sig   BLOB NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- The latest signed head: one row, replaced at every write.
CREATE TABLE audit_seal (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    head  BLOB NOT NULL,
    at    TEXT NOT NULL,
    sig   BLOB NOT NULL
);

-- Witnesses: the signed heads other offices published in the exchange (their ack.json),
-- checked with their trusted key when received and kept, so that an office's chain cut
-- back or rewritten after it published a head can be shown against what others saw.
CREATE TABLE audit_witnesses (
    office      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    head        BLOB NOT NULL,
    at          TEXT NOT NULL,
    sig         BLOB NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (office, seq)
) WITHOUT ROWID;
