-- Study assignments: material (Markdown, an optional quiz) a unit assigns
-- to people of its subtree, which a unit below may adapt for its own
-- subtree. `root_id` is the original's id on every version (its own on
-- the original). Who is assigned is kept as enrolments, each counted at
-- the unit the person belonged to when enrolled; completions are kept
-- per calendar period (`once` for a one-time assignment).

CREATE TABLE study_assignments (
    id                   INTEGER PRIMARY KEY,
    root_id              INTEGER NOT NULL,
    adapted_from         INTEGER REFERENCES study_assignments (id),
    unit_id              INTEGER NOT NULL REFERENCES units (id),
    title                TEXT    NOT NULL,
    material             TEXT    NOT NULL,
    quiz                 TEXT    NOT NULL,
    pass_mark            INTEGER NOT NULL CHECK (pass_mark BETWEEN 1 AND 100),
    completion           TEXT    NOT NULL CHECK (completion IN ('self', 'quiz', 'reviewer', 'meeting')),
    levels               TEXT    NOT NULL,
    position_type_id     INTEGER REFERENCES position_types (id),
    lacking_skill_id     INTEGER REFERENCES skills (id),
    lacking_level        INTEGER CHECK (lacking_level BETWEEN 1 AND 5),
    grants_skill_id      INTEGER REFERENCES skills (id),
    grants_level         INTEGER CHECK (grants_level BETWEEN 1 AND 5),
    recurrence           TEXT    NOT NULL CHECK (recurrence IN ('once', 'month', 'quarter', 'year')),
    starts_on            TEXT    NOT NULL,
    due_on               TEXT    NOT NULL,
    enrolled_units_to    INTEGER NOT NULL DEFAULT 0,
    units_done           INTEGER NOT NULL DEFAULT 0,
    enrolled_people_to   INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT    NOT NULL,
    created_by           TEXT    NOT NULL
);
CREATE INDEX study_assignments_unit ON study_assignments (unit_id);
CREATE INDEX study_assignments_root ON study_assignments (root_id);
CREATE UNIQUE INDEX study_assignments_one_adaptation ON study_assignments (root_id, unit_id)
    WHERE adapted_from IS NOT NULL;

CREATE TABLE study_enrolments (
    root_id        INTEGER NOT NULL REFERENCES study_assignments (id),
    person_id      INTEGER NOT NULL REFERENCES people (id),
    unit_id        INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (root_id, person_id)
);
CREATE INDEX study_enrolments_person ON study_enrolments (person_id);
CREATE INDEX study_enrolments_unit ON study_enrolments (unit_id, root_id);

CREATE TABLE study_completions (
    root_id        INTEGER NOT NULL,
    person_id      INTEGER NOT NULL,
    period         TEXT    NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('submitted', 'completed')),
    how            TEXT    NOT NULL CHECK (how IN ('self', 'quiz', 'reviewer', 'meeting')),
    score          INTEGER,
    version_id     INTEGER NOT NULL REFERENCES study_assignments (id),
    submitted_on   TEXT    NOT NULL,
    completed_on   TEXT,
    confirmed_by   TEXT,
    PRIMARY KEY (root_id, person_id, period),
    FOREIGN KEY (root_id, person_id) REFERENCES study_enrolments (root_id, person_id)
);
