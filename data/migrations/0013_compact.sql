-- The audit trail kept compact (docs/register.md, "Size"): an entry's changes are kept
-- compressed when that pays (data/auditcodec.go), as a BLOB; the text they stand for is
-- the same, byte for byte, so the hash chain, the redaction digests and the exchange do
-- not change. The upgrade compresses the entries written before (data/compact.go,
-- compactAudit), which needs the guard lifted for the length of this transaction; the
-- step puts it back as it was.
DROP TRIGGER audit_no_update;

-- A case's operations: those received from other offices (they carry their fields) by
-- their case, this office's own through their audit entry (audit_case finds a case's
-- entries, ops_audit the operation of an entry). The index on every operation's
-- case id (36 characters each, about as large as the operations themselves) is gone.
DROP INDEX ops_case;
CREATE INDEX ops_case ON ops(case_id) WHERE fields IS NOT NULL;
CREATE INDEX ops_audit ON ops(audit_seq) WHERE fields IS NULL;
