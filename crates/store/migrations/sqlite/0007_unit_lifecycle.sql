-- Unit lifecycle and organization profiles: units can be closed or merged
-- into another (they stay in the tree as history), carry an external id
-- for imports, and take their level from the organization's profile.

ALTER TABLE units ADD COLUMN closed_at TEXT;
ALTER TABLE units ADD COLUMN merged_into_id INTEGER REFERENCES units (id);
ALTER TABLE units ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX units_external_id ON units (external_id) WHERE external_id IS NOT NULL;

-- The one organization row: which profile names the levels.
CREATE TABLE organization (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    profile  TEXT    NOT NULL
);
INSERT INTO organization (id, profile) VALUES (1, 'party');

-- The levels of the active profile, top first. A NULL label means the
-- built-in, translated name of the key. The kind tells which levels are
-- primary units and which are cells, whatever they are called.
CREATE TABLE unit_levels (
    key    TEXT    PRIMARY KEY,
    label  TEXT,
    rank   INTEGER NOT NULL,
    kind   TEXT    NOT NULL CHECK (kind IN ('body', 'primary', 'cell'))
);
INSERT INTO unit_levels (key, label, rank, kind) VALUES
    ('central_committee', NULL, 10, 'body'),
    ('department', NULL, 20, 'body'),
    ('provincial_committee', NULL, 30, 'body'),
    ('city_committee', NULL, 40, 'body'),
    ('county_committee', NULL, 50, 'body'),
    ('primary_committee', NULL, 60, 'primary'),
    ('cell', NULL, 70, 'cell');

-- Files uploaded for import, kept between the mapping step and the commit
-- (only for their uploader, and purged after a day).
CREATE TABLE import_uploads (
    id          TEXT    PRIMARY KEY,
    account_id  INTEGER  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    unit_id     INTEGER  NOT NULL REFERENCES units (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('units', 'people')),
    file_name   TEXT    NOT NULL,
    format      TEXT    NOT NULL CHECK (format IN ('csv', 'xlsx')),
    content     BLOB    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX import_uploads_created ON import_uploads (created_at);
