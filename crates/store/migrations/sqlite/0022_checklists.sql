-- Checklists: one engine for safety inspections and a cell's periodic
-- self-assessment of its work. A template has versions; a version (its
-- sections and questions) is never changed once an inspection used it.
-- Answers carry scores (N/A left out) and flags; a flagged answer may
-- require a note or a corrective action, without which the inspection
-- cannot be completed.

CREATE TABLE checklist_templates (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('inspection', 'assessment')),
    created_on  TEXT    NOT NULL
);

CREATE TABLE checklist_versions (
    id           INTEGER PRIMARY KEY,
    template_id  INTEGER NOT NULL REFERENCES checklist_templates (id),
    version      INTEGER NOT NULL,
    created_on   TEXT    NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (template_id, version)
);

CREATE TABLE checklist_sections (
    id          INTEGER PRIMARY KEY,
    version_id  INTEGER NOT NULL REFERENCES checklist_versions (id),
    position    INTEGER NOT NULL,
    title       TEXT    NOT NULL
);
CREATE INDEX checklist_sections_version ON checklist_sections (version_id, position);

-- `response`: yes_no (yes scores 1 of 1, no 0; `flag_on` = 'no' flags a
-- no), scale (1 to 5, scores value−1 of 4; flagged at or below
-- `flag_at_most`), number and text (neither scored nor flagged).
CREATE TABLE checklist_questions (
    id              INTEGER PRIMARY KEY,
    section_id      INTEGER NOT NULL REFERENCES checklist_sections (id),
    position        INTEGER NOT NULL,
    text            TEXT    NOT NULL,
    response        TEXT    NOT NULL CHECK (response IN ('yes_no', 'scale', 'number', 'text')),
    allow_na        INTEGER NOT NULL DEFAULT 1,
    flag_on         TEXT,
    flag_at_most    INTEGER,
    require_note    INTEGER NOT NULL DEFAULT 0,
    require_action  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checklist_questions_section ON checklist_questions (section_id, position);

CREATE TABLE inspections (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    version_id    INTEGER NOT NULL REFERENCES checklist_versions (id),
    purpose       TEXT    NOT NULL CHECK (purpose IN ('inspection', 'assessment')),
    started_on    TEXT    NOT NULL,
    started_by    TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('draft', 'completed')),
    completed_on  TEXT,
    score         INTEGER,
    max_score     INTEGER,
    flagged       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inspections_unit ON inspections (unit_id, started_on);

CREATE TABLE inspection_answers (
    inspection_id  INTEGER NOT NULL REFERENCES inspections (id),
    question_id    INTEGER NOT NULL REFERENCES checklist_questions (id),
    answer         TEXT    NOT NULL,
    note           TEXT    NOT NULL DEFAULT '',
    flagged        INTEGER NOT NULL DEFAULT 0,
    action_id      INTEGER REFERENCES corrective_actions (id),
    PRIMARY KEY (inspection_id, question_id)
);

-- Built in: a workplace safety inspection and a cell's self-assessment of
-- its work (the unit's tasks, never a rating of persons).
INSERT INTO checklist_templates (id, key, name, purpose, created_on) VALUES
    (1, 'workplace_safety', 'Workplace safety inspection', 'inspection', '2026-01-01'),
    (2, 'cell_self_assessment', 'Cell self-assessment of its work', 'assessment', '2026-01-01');
INSERT INTO checklist_versions (id, template_id, version, created_on) VALUES
    (1, 1, 1, '2026-01-01'), (2, 2, 1, '2026-01-01');
INSERT INTO checklist_sections (id, version_id, position, title) VALUES
    (1, 1, 1, 'Workplace and housekeeping'),
    (2, 1, 2, 'Machinery and equipment'),
    (3, 1, 3, 'Fire and emergencies'),
    (4, 2, 1, 'Organizational life'),
    (5, 2, 2, 'The cell''s tasks');
INSERT INTO checklist_questions (section_id, position, text, response, allow_na, flag_on, flag_at_most, require_note, require_action) VALUES
    (1, 1, 'Walkways and exits are clear', 'yes_no', 0, 'no', NULL, 1, 1),
    (1, 2, 'Lighting is sufficient at every workplace', 'yes_no', 1, 'no', NULL, 1, 0),
    (1, 3, 'Ventilation works (gas and dust below the limits)', 'yes_no', 1, 'no', NULL, 1, 1),
    (2, 1, 'Guards are in place on moving parts', 'yes_no', 1, 'no', NULL, 1, 1),
    (2, 2, 'Emergency stops work when tested', 'yes_no', 1, 'no', NULL, 1, 1),
    (2, 3, 'State of tools and equipment', 'scale', 1, NULL, 2, 1, 0),
    (3, 1, 'Extinguishers are charged and in date', 'yes_no', 0, 'no', NULL, 1, 1),
    (3, 2, 'Everyone on shift knows the evacuation route', 'yes_no', 0, 'no', NULL, 1, 0),
    (3, 3, 'People trained in first aid on shift', 'number', 0, NULL, NULL, 0, 0),
    (4, 1, 'The cell met as often as its cadence asks', 'yes_no', 0, 'no', NULL, 1, 0),
    (4, 2, 'Decisions received were discussed and acted on', 'scale', 0, NULL, 2, 1, 0),
    (4, 3, 'Living problems raised were taken up', 'yes_no', 1, 'no', NULL, 1, 0),
    (5, 1, 'The cell''s plan targets are on track', 'scale', 0, NULL, 2, 1, 1),
    (5, 2, 'Study and technical learning went ahead as planned', 'scale', 1, NULL, 2, 0, 0),
    (5, 3, 'What the cell will do better next period', 'text', 0, NULL, NULL, 0, 0);
