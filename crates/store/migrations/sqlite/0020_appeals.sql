-- Appeals and suggestions. One intake: a suggestion is open (it may be
-- published to its unit), an appeal is protected. An anonymous one keeps
-- nothing that names its author: no account, person, session, address,
-- user agent or time of day (days only), and only the Argon2 hash of the
-- receipt its author follows it with. Routed past whoever it concerns to
-- the holders of the appeals duty at the unit above, or at the
-- organization's commission unit when one is set.

-- The organization's policy (one row).
CREATE TABLE appeal_settings (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    acknowledge_days    INTEGER NOT NULL CHECK (acknowledge_days >= 1),
    feedback_days       INTEGER NOT NULL CHECK (feedback_days >= 1),
    retention_days      INTEGER NOT NULL CHECK (retention_days >= 1),
    small_unit_size     INTEGER NOT NULL CHECK (small_unit_size >= 0),
    commission_unit_id  INTEGER REFERENCES units (id),
    -- The salt of receipt hashes, made on first use; per system, so that
    -- a receipt finds its appeal by its hash.
    receipt_salt        TEXT    NOT NULL DEFAULT ''
);
INSERT INTO appeal_settings (id, acknowledge_days, feedback_days, retention_days, small_unit_size)
VALUES (1, 7, 90, 730, 10);

-- Who receives the appeals and suggestions routed to a unit.
CREATE TABLE appeal_handlers (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    granted_at  TEXT    NOT NULL,
    granted_by  TEXT    NOT NULL,
    PRIMARY KEY (account_id, unit_id)
);
CREATE INDEX appeal_handlers_unit ON appeal_handlers (unit_id);

CREATE TABLE appeals (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT    NOT NULL CHECK (kind IN ('appeal', 'suggestion')),
    -- The unit it came from (the author's, or the one a public form named).
    origin_unit_id      INTEGER NOT NULL REFERENCES units (id),
    -- What it concerns: a unit on the origin's path, and perhaps the
    -- holder of a position there.
    concerns_unit_id    INTEGER REFERENCES units (id),
    concerns_person_id  INTEGER REFERENCES people (id),
    -- Where it was first routed (its counts stay there) and where it is now.
    routed_unit_id      INTEGER NOT NULL REFERENCES units (id),
    handling_unit_id    INTEGER NOT NULL REFERENCES units (id),
    subject             TEXT    NOT NULL,
    body                TEXT    NOT NULL,
    -- Set only for a named submission.
    author_person_id    INTEGER REFERENCES people (id),
    receipt_hash        TEXT    UNIQUE,
    received_on         TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('received', 'forwarded', 'acknowledged', 'answered', 'closed')),
    acknowledge_by      TEXT    NOT NULL,
    feedback_by         TEXT    NOT NULL,
    acknowledged_on     TEXT,
    answered_on         TEXT,
    closed_on           TEXT,
    next_deadline       TEXT,
    acknowledge_missed  INTEGER NOT NULL DEFAULT 0,
    feedback_missed     INTEGER NOT NULL DEFAULT 0,
    forwards            INTEGER NOT NULL DEFAULT 0,
    -- Days from receipt to feedback, and their bucket.
    answer_days         INTEGER,
    answer_bucket       TEXT,
    published_on        TEXT,
    expires_on          TEXT,
    expired             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX appeals_handling ON appeals (handling_unit_id, status);
CREATE INDEX appeals_due ON appeals (next_deadline) WHERE next_deadline IS NOT NULL;
CREATE INDEX appeals_expiry ON appeals (expires_on) WHERE expires_on IS NOT NULL AND NOT expired;
CREATE INDEX appeals_author ON appeals (author_person_id) WHERE author_person_id IS NOT NULL;
CREATE INDEX appeals_published ON appeals (origin_unit_id, published_on) WHERE published_on IS NOT NULL;

-- The conversation and the record, by day only. `handler_account_id` is
-- set on what a handler did; the author's messages have none.
CREATE TABLE appeal_entries (
    id                  INTEGER PRIMARY KEY,
    appeal_id           INTEGER NOT NULL REFERENCES appeals (id),
    on_day              TEXT    NOT NULL,
    kind                TEXT    NOT NULL,
    handler_account_id  INTEGER REFERENCES accounts (id),
    text                TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX appeal_entries_appeal ON appeal_entries (appeal_id, id);

-- Handlers kept from an appeal: named in it, sitting in the unit it
-- concerns, or stepping aside themselves.
CREATE TABLE appeal_recusals (
    appeal_id   INTEGER NOT NULL REFERENCES appeals (id),
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    reason      TEXT    NOT NULL,
    PRIMARY KEY (appeal_id, account_id)
);

-- One row per forwarding step; the key makes a step happen once even
-- when several servers run the job.
CREATE TABLE appeal_forwards (
    appeal_id     INTEGER NOT NULL REFERENCES appeals (id),
    step          INTEGER NOT NULL,
    missed        TEXT    NOT NULL,
    from_unit_id  INTEGER NOT NULL REFERENCES units (id),
    to_unit_id    INTEGER NOT NULL REFERENCES units (id),
    forwarded_on  TEXT    NOT NULL,
    PRIMARY KEY (appeal_id, step)
);
