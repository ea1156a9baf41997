-- The experience library: good practice written up by a unit, linked to
-- what it came from (a plan category, a target, a decision, a closed
-- incident or a resolved welfare case), tagged, and adopted by other
-- units ("applied by"), each unit once. `applied` is the number of units
-- that applied it, kept with each application.

CREATE TABLE experiences (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    category      TEXT    REFERENCES plan_categories (key),
    target_id     INTEGER REFERENCES targets (id),
    decision_id   INTEGER REFERENCES decisions (id),
    source_kind   TEXT    CHECK (source_kind IN ('incident', 'welfare_case')),
    source_id     INTEGER,
    tags          TEXT    NOT NULL,
    applied       INTEGER NOT NULL DEFAULT 0,
    written_on    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    CHECK ((source_kind IS NULL) = (source_id IS NULL))
);
CREATE INDEX experiences_category ON experiences (category, id);
CREATE INDEX experiences_unit ON experiences (unit_id, id);

CREATE TABLE experience_tags (
    tag            TEXT    NOT NULL,
    experience_id  INTEGER NOT NULL REFERENCES experiences (id),
    PRIMARY KEY (tag, experience_id)
);

CREATE TABLE experience_applications (
    experience_id  INTEGER NOT NULL REFERENCES experiences (id),
    unit_id        INTEGER NOT NULL REFERENCES units (id),
    applied_on     TEXT    NOT NULL,
    note           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    PRIMARY KEY (experience_id, unit_id)
);
CREATE INDEX experience_applications_unit ON experience_applications (unit_id);
