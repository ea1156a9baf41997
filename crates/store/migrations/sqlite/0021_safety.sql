-- Safety: each unit's hazard register (likelihood × severity on the
-- organization's matrix, inherent and residual, controls in the order of
-- the hierarchy), its logbook of incidents and near misses, and the
-- corrective and preventive actions that come from either, closed only
-- once their effect is verified. Late actions escalate up the tree.

-- The organization's matrix and deadlines (one row).
CREATE TABLE safety_settings (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    matrix_size           INTEGER NOT NULL CHECK (matrix_size BETWEEN 3 AND 5),
    moderate_from         INTEGER NOT NULL,
    high_from             INTEGER NOT NULL,
    critical_from         INTEGER NOT NULL,
    -- Days to investigate an incident, by severity.
    investigate_low       INTEGER NOT NULL CHECK (investigate_low >= 0),
    investigate_medium    INTEGER NOT NULL CHECK (investigate_medium >= 0),
    investigate_high      INTEGER NOT NULL CHECK (investigate_high >= 0),
    investigate_critical  INTEGER NOT NULL CHECK (investigate_critical >= 0),
    -- Days the unit above has with a late action before it goes up again.
    escalation_days       INTEGER NOT NULL CHECK (escalation_days >= 1)
);
INSERT INTO safety_settings VALUES (1, 5, 5, 10, 15, 7, 3, 1, 0, 7);

CREATE TABLE hazards (
    id                   INTEGER PRIMARY KEY,
    unit_id              INTEGER NOT NULL REFERENCES units (id),
    title                TEXT    NOT NULL,
    description          TEXT    NOT NULL DEFAULT '',
    location             TEXT    NOT NULL DEFAULT '',
    inherent_likelihood  INTEGER NOT NULL,
    inherent_severity    INTEGER NOT NULL,
    inherent_band        TEXT    NOT NULL CHECK (inherent_band IN ('low', 'moderate', 'high', 'critical')),
    residual_likelihood  INTEGER NOT NULL,
    residual_severity    INTEGER NOT NULL,
    residual_band        TEXT    NOT NULL CHECK (residual_band IN ('low', 'moderate', 'high', 'critical')),
    owner_person_id      INTEGER REFERENCES people (id),
    review_on            TEXT,
    status               TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    created_on           TEXT    NOT NULL,
    created_by           TEXT    NOT NULL,
    closed_on            TEXT
);
CREATE INDEX hazards_unit ON hazards (unit_id, status);

CREATE TABLE hazard_controls (
    id           INTEGER PRIMARY KEY,
    hazard_id    INTEGER NOT NULL REFERENCES hazards (id),
    level        TEXT    NOT NULL CHECK (level IN ('elimination', 'substitution', 'engineering', 'administrative', 'protective_equipment')),
    description  TEXT    NOT NULL
);
CREATE INDEX hazard_controls_hazard ON hazard_controls (hazard_id);

CREATE TABLE incidents (
    id               INTEGER PRIMARY KEY,
    unit_id          INTEGER NOT NULL REFERENCES units (id),
    kind             TEXT    NOT NULL CHECK (kind IN ('incident', 'near_miss')),
    severity         TEXT    NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    occurred_on      TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    reported_on      TEXT    NOT NULL,
    reported_by      TEXT    NOT NULL,
    investigate_by   TEXT    NOT NULL,
    investigated_on  TEXT,
    root_cause       TEXT,
    lessons          TEXT,
    status           TEXT    NOT NULL CHECK (status IN ('reported', 'investigated', 'closed')),
    late             INTEGER NOT NULL DEFAULT 0,
    closed_on        TEXT
);
CREATE INDEX incidents_unit ON incidents (unit_id, status);
CREATE INDEX incidents_due ON incidents (investigate_by) WHERE status = 'reported' AND NOT late;

CREATE TABLE corrective_actions (
    id                 INTEGER PRIMARY KEY,
    unit_id            INTEGER NOT NULL REFERENCES units (id),
    kind               TEXT    NOT NULL CHECK (kind IN ('corrective', 'preventive')),
    title              TEXT    NOT NULL,
    hazard_id          INTEGER REFERENCES hazards (id),
    incident_id        INTEGER REFERENCES incidents (id),
    owner_person_id    INTEGER REFERENCES people (id),
    due_on             TEXT    NOT NULL,
    -- open → done (the owner says it is done) → closed (verified
    -- effective); an ineffective one goes back to open with a new due day.
    status             TEXT    NOT NULL CHECK (status IN ('open', 'done', 'closed')),
    done_on            TEXT,
    done_note          TEXT,
    verified_on        TEXT,
    verification       TEXT,
    verified_by        TEXT,
    reopened           INTEGER NOT NULL DEFAULT 0,
    overdue            INTEGER NOT NULL DEFAULT 0,
    next_deadline      TEXT,
    escalations        INTEGER NOT NULL DEFAULT 0,
    escalated_unit_id  INTEGER REFERENCES units (id),
    created_on         TEXT    NOT NULL,
    created_by         TEXT    NOT NULL
);
CREATE INDEX corrective_actions_unit ON corrective_actions (unit_id, status);
CREATE INDEX corrective_actions_due ON corrective_actions (next_deadline) WHERE next_deadline IS NOT NULL;
CREATE INDEX corrective_actions_hazard ON corrective_actions (hazard_id) WHERE hazard_id IS NOT NULL;
CREATE INDEX corrective_actions_incident ON corrective_actions (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX corrective_actions_escalated ON corrective_actions (escalated_unit_id) WHERE escalated_unit_id IS NOT NULL;

-- One row per escalation step of a late action; the key makes a step
-- happen once even when several servers run the job.
CREATE TABLE corrective_action_escalations (
    action_id     INTEGER NOT NULL REFERENCES corrective_actions (id),
    step          INTEGER NOT NULL,
    missed        TEXT    NOT NULL,
    from_unit_id  INTEGER NOT NULL REFERENCES units (id),
    to_unit_id    INTEGER NOT NULL REFERENCES units (id),
    escalated_on  TEXT    NOT NULL,
    PRIMARY KEY (action_id, step)
);
