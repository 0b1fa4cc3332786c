-- Quality: what the offices learn from the register (EFQM) and keep apart from the case
-- record itself. See docs/indicators.md.

-- case_figures is a derived index for the quality indicators, one row per case, like the
-- search index: it holds nothing that is not in cases and audit, and data/stats rebuilds
-- what changed from the audit trail (meta key 'figures_audit_seq' is the last entry taken
-- into account), so every writer — the window, ascoltoctl, imports, the exchange — keeps
-- it right without knowing it. Ordered by day of receipt, so that a period is one range
-- of the primary key; the dimensions and the times of a case are packed into two
-- integers (data/stats/figures.go) so that reading a million of them takes a fraction of
-- a second. No personal data: codes, dates and counts of working days.
CREATE TABLE case_figures (
    day      INTEGER NOT NULL, -- day of receipt in Europe/Rome, days since 1970-01-01
    case_row INTEGER NOT NULL, -- cases.rowid
    dims     INTEGER NOT NULL,
    times    INTEGER NOT NULL,
    PRIMARY KEY (day, case_row)
) WITHOUT ROWID;

-- The text values the packed dimensions refer to (office, category, service, outcome),
-- numbered in order of first appearance: never renumbered, so stored figures stay valid.
CREATE TABLE figure_codes (
    dim   TEXT NOT NULL,
    code  INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (dim, code),
    UNIQUE (dim, value)
) WITHOUT ROWID;

-- How a case ended, recorded by the office (granted, partly granted, rejected,
-- information given, forwarded, not competent); set through Tx.SetOutcome, audited on the
-- case. Kept beside cases so that the case record's columns stay the register's.
CREATE TABLE case_outcomes (
    case_id TEXT PRIMARY KEY REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED,
    outcome TEXT NOT NULL
) WITHOUT ROWID;

-- Improvement actions: a recurring cause becomes an action with an owner and a due date,
-- linked to the cases behind it. Local to the office (not exchanged), audited.
CREATE TABLE improvement_actions (
    id          INTEGER PRIMARY KEY,
    office      TEXT NOT NULL REFERENCES offices(code),
    title       TEXT NOT NULL,
    cause       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    result      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX improvement_actions_status ON improvement_actions(status, due_date);

CREATE TABLE improvement_action_cases (
    action_id INTEGER NOT NULL REFERENCES improvement_actions(id),
    case_id   TEXT NOT NULL REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (action_id, case_id)
) WITHOUT ROWID;
CREATE INDEX improvement_action_cases_case ON improvement_action_cases(case_id);

-- Retention: cases are anonymised this many years after they ended (closed, or answered
-- and never closed); 0 = never. Changed through Tx.SetRetentionYears (audited).
INSERT INTO meta(key, value) VALUES ('retention_years', '5') ON CONFLICT(key) DO NOTHING;

-- Cases whose personal data was removed, when and why ('retention' or 'erasure'), so
-- that the retention run passes them by and a clerk can tell an anonymised case.
CREATE TABLE anonymised_cases (
    case_id TEXT PRIMARY KEY REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED,
    at      TEXT NOT NULL,
    reason  TEXT NOT NULL
) WITHOUT ROWID;

-- Cases that ended long ago are found by the retention run without reading the register.
CREATE INDEX cases_closed_at ON cases(closed_at) WHERE closed_at IS NOT NULL;
