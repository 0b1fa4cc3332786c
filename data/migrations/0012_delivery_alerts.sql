-- Letters sent by e-mail or PEC that did not reach the citizen: a bounce (a delivery
-- status notification) or a PEC provider's notice of non-delivery, recognised at the
-- fetch (data/mailbox). An open alert puts its case in the overdue list until the clerk
-- sends the reply again or acknowledges the alert (data/delivery.go).
--
-- id: the identifier of the notice (its Message-ID, or the PEC identifier), so the
-- same notice fetched twice makes one alert.
-- kind: bounce or pec. reason: the server's or the provider's words.
-- at: when the failure was reported (the notice's date); added_at: when it was taken.
-- cleared_at/cleared_by/cleared_how: when and by whom it ended (resent, acknowledged).
-- The rows of a case go when the case is anonymised: the reason and the recipient hold
-- the citizen's address (data/mailmessages.go, forgetMessages).
CREATE TABLE delivery_alerts (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL,
    letter_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    cleared_at  TEXT,
    cleared_by  TEXT NOT NULL DEFAULT '',
    cleared_how TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX delivery_alerts_open ON delivery_alerts(case_id) WHERE cleared_at IS NULL;
