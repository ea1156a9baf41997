-- Welfare cases: living problems raised by a person or for them, handled
-- by the accounts holding the welfare duty at the person's unit, with the
-- deadlines of the case's type. The events are the record; the case row
-- caches what follows from them (status, deadlines, next deadline).

-- Who handles the welfare cases of a unit.
CREATE TABLE welfare_handlers (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    granted_at  TEXT    NOT NULL,
    granted_by  TEXT    NOT NULL,
    PRIMARY KEY (account_id, unit_id)
);
CREATE INDEX welfare_handlers_unit ON welfare_handlers (unit_id);

-- Case types and their policies; `steps` is the standard timeline, one
-- step per line.
CREATE TABLE welfare_case_types (
    key               TEXT    PRIMARY KEY,
    acknowledge_days  INTEGER NOT NULL CHECK (acknowledge_days >= 0),
    resolve_days      INTEGER NOT NULL CHECK (resolve_days >= 0),
    escalation_days   INTEGER NOT NULL CHECK (escalation_days >= 1),
    steps             TEXT    NOT NULL,
    position          INTEGER NOT NULL
);
INSERT INTO welfare_case_types (key, acknowledge_days, resolve_days, escalation_days, steps, position) VALUES
    ('housing', 2, 30, 7, 'Visit the home
Agree what is needed
Arrange the repair or the move
Check with the person', 1),
    ('health', 1, 14, 3, 'Talk with the person
Arrange care or medicine
Check with the person', 2),
    ('food', 1, 7, 3, 'Talk with the person
Arrange supply
Check with the person', 3),
    ('family_hardship', 2, 30, 7, 'Visit the family
Agree what is needed
Arrange help
Check with the person', 4),
    ('working_conditions', 3, 30, 7, 'Look at the workplace
Agree the change
Check the change is made', 5),
    ('other', 3, 30, 7, 'Talk with the person
Agree what is needed
Check with the person', 6);

CREATE TABLE welfare_cases (
    id                  INTEGER PRIMARY KEY,
    unit_id             INTEGER NOT NULL REFERENCES units (id),
    person_id           INTEGER NOT NULL REFERENCES people (id),
    type_key            TEXT    NOT NULL REFERENCES welfare_case_types (key),
    summary             TEXT    NOT NULL,
    details             TEXT    NOT NULL,
    raised_by_person    INTEGER NOT NULL,
    opened_at           TEXT    NOT NULL,
    opened_on           TEXT    NOT NULL,
    opened_by           TEXT    NOT NULL,
    owner_account_id    INTEGER REFERENCES accounts (id),
    -- The policy as it was when the case opened.
    acknowledge_days    INTEGER NOT NULL,
    resolve_days        INTEGER NOT NULL,
    escalation_days     INTEGER NOT NULL,
    -- Derived from the events.
    status              TEXT    NOT NULL,
    acknowledge_by      TEXT    NOT NULL,
    resolve_by          TEXT    NOT NULL,
    breached            INTEGER NOT NULL DEFAULT 0,
    next_deadline       TEXT,
    escalations         INTEGER NOT NULL DEFAULT 0,
    escalated_unit_id   INTEGER REFERENCES units (id),
    resolved_on         TEXT,
    days_to_resolve     INTEGER,
    resolve_bucket      TEXT,
    resolution          TEXT
);
CREATE INDEX welfare_cases_due ON welfare_cases (next_deadline) WHERE next_deadline IS NOT NULL;
CREATE INDEX welfare_cases_unit ON welfare_cases (unit_id, status);
CREATE INDEX welfare_cases_person ON welfare_cases (person_id);
CREATE INDEX welfare_cases_escalated ON welfare_cases (escalated_unit_id) WHERE escalated_unit_id IS NOT NULL;

-- The timeline: every change, note, step done and visit.
CREATE TABLE welfare_case_events (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES welfare_cases (id),
    at        TEXT    NOT NULL,
    on_day    TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    detail    TEXT    NOT NULL DEFAULT '',
    -- A visit: who went, what was asked about, what was agreed.
    visitors  TEXT,
    asked     TEXT,
    agreed    TEXT,
    -- An escalation: the deadline that was missed.
    missed_on TEXT
);
CREATE INDEX welfare_case_events_case ON welfare_case_events (case_id, id);

-- One row per escalation step; the key makes a step happen once even
-- when several servers run the job.
CREATE TABLE welfare_escalations (
    case_id       INTEGER NOT NULL REFERENCES welfare_cases (id),
    step          INTEGER NOT NULL,
    missed        TEXT    NOT NULL,
    from_unit_id  INTEGER NOT NULL REFERENCES units (id),
    to_unit_id    INTEGER NOT NULL REFERENCES units (id),
    escalated_at  TEXT    NOT NULL,
    PRIMARY KEY (case_id, step)
);
CREATE INDEX welfare_escalations_to ON welfare_escalations (to_unit_id);
