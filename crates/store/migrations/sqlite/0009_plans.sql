-- Plans and their implementation. A plan belongs to a unit and a period
-- and may cite the decision it adopts; targets carry a derived status
-- (maintained: recomputed on every fact and when a date passes, see
-- next_check_on) whose counts, weighted completion and blockers are
-- rolled up in unit_aggregates in the same transaction.

CREATE TABLE plan_categories (
    key       TEXT    PRIMARY KEY,
    label     TEXT    NOT NULL,
    position  INTEGER NOT NULL
);
INSERT INTO plan_categories (key, label, position) VALUES
    ('economic', '', 1),
    ('science_technology', '', 2),
    ('welfare', '', 3),
    ('safety', '', 4),
    ('organizational', '', 5),
    ('other', '', 6);

CREATE TABLE plans (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    title        TEXT    NOT NULL,
    period_kind  TEXT    NOT NULL CHECK (period_kind IN ('year', 'quarter', 'month', 'custom')),
    starts_on    TEXT    NOT NULL,
    ends_on      TEXT    NOT NULL,
    cadence      TEXT    NOT NULL CHECK (cadence IN ('daily', 'weekly', 'monthly')),
    decision_id  INTEGER REFERENCES decisions (id),
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    locked_at    TEXT   
);
CREATE INDEX plans_unit ON plans (unit_id, starts_on);
CREATE INDEX plans_decision ON plans (decision_id);

CREATE TABLE targets (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES plans (id),
    unit_id          INTEGER NOT NULL REFERENCES units (id),
    parent_id        INTEGER REFERENCES targets (id),
    title            TEXT    NOT NULL,
    category         TEXT    NOT NULL REFERENCES plan_categories (key),
    kind             TEXT    NOT NULL CHECK (kind IN ('numeric', 'milestone')),
    baseline         REAL,
    target_value     REAL,
    measure_unit     TEXT    NOT NULL DEFAULT '',
    starts_on        TEXT    NOT NULL,
    due_on           TEXT    NOT NULL,
    weight           INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 1000),
    owner_person_id  INTEGER REFERENCES people (id),
    owner_unit_id    INTEGER REFERENCES units (id),
    rollup           TEXT    NOT NULL DEFAULT 'mean' CHECK (rollup IN ('mean', 'sum')),
    children         INTEGER NOT NULL DEFAULT 0,
    status           TEXT    NOT NULL,
    completion_ppm   INTEGER,
    last_on          TEXT,
    last_value       REAL,
    last_done        INTEGER NOT NULL DEFAULT 0,
    next_check_on    TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    created_by       TEXT    NOT NULL,
    deleted_at       TEXT   
);
CREATE INDEX targets_plan ON targets (plan_id);
CREATE INDEX targets_unit ON targets (unit_id, status);
CREATE INDEX targets_status ON targets (status, due_on) WHERE deleted_at IS NULL;
CREATE INDEX targets_parent ON targets (parent_id);
CREATE INDEX targets_owner ON targets (owner_person_id);
CREATE INDEX targets_next ON targets (next_check_on) WHERE deleted_at IS NULL;

CREATE TABLE blockers (
    id               INTEGER PRIMARY KEY,
    origin_unit_id   INTEGER NOT NULL REFERENCES units (id),
    unit_id          INTEGER NOT NULL REFERENCES units (id),
    target_id        INTEGER REFERENCES targets (id),
    title            TEXT    NOT NULL,
    owner_person_id  INTEGER REFERENCES people (id),
    deadline_on      TEXT    NOT NULL,
    opened_day       INTEGER NOT NULL,
    opened_at        TEXT    NOT NULL,
    opened_by        TEXT    NOT NULL,
    escalations      INTEGER NOT NULL DEFAULT 0,
    resolved_at      TEXT   ,
    resolved_by      TEXT,
    resolution       TEXT,
    resolve_hours    INTEGER
);
CREATE INDEX blockers_due ON blockers (deadline_on) WHERE resolved_at IS NULL;
CREATE INDEX blockers_age ON blockers (opened_at) WHERE resolved_at IS NULL;
CREATE INDEX blockers_unit ON blockers (unit_id, resolved_at);
CREATE INDEX blockers_target ON blockers (target_id);
CREATE INDEX blockers_owner ON blockers (owner_person_id);

-- One row per escalation step; the key makes a step happen once even
-- when several servers run the job.
CREATE TABLE blocker_escalations (
    blocker_id    INTEGER NOT NULL REFERENCES blockers (id),
    step          INTEGER NOT NULL,
    from_unit_id  INTEGER NOT NULL REFERENCES units (id),
    to_unit_id    INTEGER NOT NULL REFERENCES units (id),
    escalated_at  TEXT    NOT NULL,
    PRIMARY KEY (blocker_id, step)
);

CREATE TABLE check_ins (
    id           INTEGER PRIMARY KEY,
    target_id    INTEGER NOT NULL REFERENCES targets (id),
    reported_on  TEXT    NOT NULL,
    value        REAL,
    done         INTEGER NOT NULL,
    narrative    TEXT    NOT NULL DEFAULT '',
    confidence   TEXT    NOT NULL CHECK (confidence IN ('low', 'medium', 'high')),
    blocker_id   INTEGER REFERENCES blockers (id),
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL
);
CREATE INDEX check_ins_target ON check_ins (target_id, reported_on);

-- Weighted completion of each unit's subtree by day (written with each
-- check-in), for the completion-over-time chart.
CREATE TABLE progress_history (
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    year         INTEGER NOT NULL,
    day          TEXT    NOT NULL,
    weight       INTEGER NOT NULL,
    completion   INTEGER NOT NULL,
    PRIMARY KEY (unit_id, year, day)
);

CREATE TABLE reminders (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    kind        TEXT    NOT NULL,
    subject_id  INTEGER NOT NULL,
    due_on      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    emailed_at  TEXT   ,
    dismissed_at TEXT   ,
    UNIQUE (account_id, kind, subject_id, due_on)
);
CREATE INDEX reminders_account ON reminders (account_id, dismissed_at);

CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL UNIQUE REFERENCES plans (id),
    strengths   TEXT    NOT NULL DEFAULT '',
    defects     TEXT    NOT NULL DEFAULT '',
    next_steps  TEXT    NOT NULL DEFAULT '',
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL,
    closed_at   TEXT   ,
    closed_by   TEXT
);

CREATE TABLE review_items (
    review_id  INTEGER NOT NULL REFERENCES reviews (id),
    target_id  INTEGER NOT NULL REFERENCES targets (id),
    score      REAL,
    comment    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (review_id, target_id)
);
