-- Operations received from another office that break a rule of the register (a closed
-- case changed, a kind that does not exist, a case created in another office's numbering…:
-- data/validate.go). They stay in ops — they count as received, so the exchange goes on,
-- and they are passed on, so every office judges them — but they are never applied.
-- Every office reaches the same verdict from the operations alone; the list is for the
-- administrator (ascoltoctl exchange rejected, the window's Exchange tab).
CREATE TABLE exchange_rejected_ops (
    origin  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    case_id TEXT NOT NULL,
    action  TEXT NOT NULL,
    -- The rule broken: a translation key and its arguments (JSON object).
    reason  TEXT NOT NULL,
    args    TEXT NOT NULL DEFAULT '{}',
    -- When this register received it.
    at      TEXT NOT NULL,
    PRIMARY KEY (origin, seq)
) WITHOUT ROWID;
CREATE INDEX exchange_rejected_ops_case ON exchange_rejected_ops(case_id);
