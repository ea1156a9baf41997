-- Organizational life: meetings and conferences with participants,
-- attendance, an agenda, a list of speakers with speech texts, documents
-- and minutes. Closing a meeting locks its record. Decisions may be
-- adopted at a meeting. The organization chooses a calendar era for the
-- dates it shows (stored dates stay ISO).

ALTER TABLE organization ADD COLUMN calendar_era TEXT NOT NULL DEFAULT 'gregorian'
    CHECK (calendar_era IN ('gregorian', 'juche', 'minguo'));

CREATE TABLE meeting_types (
    key       TEXT    PRIMARY KEY,
    label     TEXT    NOT NULL DEFAULT '',
    position  INTEGER NOT NULL
);
INSERT INTO meeting_types (key, label, position) VALUES
    ('cell_meeting', '', 1),
    ('committee_meeting', '', 2),
    ('general_meeting', '', 3),
    ('plenary_meeting', '', 4),
    ('conference', '', 5);

-- How often a unit of a level is expected to hold a meeting of a type.
CREATE TABLE meeting_cadences (
    meeting_type  TEXT    NOT NULL REFERENCES meeting_types (key),
    level         TEXT    NOT NULL,
    every_days    INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 3660),
    PRIMARY KEY (meeting_type, level)
);

CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    meeting_type    TEXT    NOT NULL REFERENCES meeting_types (key),
    title           TEXT    NOT NULL,
    held_on         TEXT    NOT NULL,
    ends_on         TEXT    NOT NULL,
    starts_at       TEXT    NOT NULL DEFAULT '',
    location        TEXT    NOT NULL DEFAULT '',
    quorum_percent  INTEGER NOT NULL DEFAULT 50 CHECK (quorum_percent BETWEEN 0 AND 99),
    minutes         TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    closed_at       TEXT,
    closed_by       TEXT,
    CHECK (ends_on >= held_on)
);
CREATE INDEX meetings_unit ON meetings (unit_id, held_on);

CREATE TABLE meeting_participants (
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id),
    person_id   INTEGER NOT NULL REFERENCES people (id),
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    invited_as  TEXT    NOT NULL CHECK (invited_as IN ('unit', 'person', 'position')),
    attendance  TEXT    CHECK (attendance IN ('present', 'excused', 'absent')),
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX meeting_participants_person ON meeting_participants (person_id);
CREATE INDEX meeting_participants_unit ON meeting_participants (unit_id, meeting_id);

CREATE TABLE agenda_items (
    id            INTEGER PRIMARY KEY,
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id),
    position      INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    duration_min  INTEGER CHECK (duration_min BETWEEN 1 AND 1440),
    presenter_id  INTEGER REFERENCES people (id)
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

-- The list of speakers of an agenda item: requests in order, each started
-- and stopped once; the text of the speech is kept with it.
CREATE TABLE speeches (
    id              INTEGER PRIMARY KEY,
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id),
    agenda_item_id  INTEGER NOT NULL REFERENCES agenda_items (id),
    person_id       INTEGER NOT NULL REFERENCES people (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('report', 'contribution', 'concluding_speech', 'closing_address')),
    position        INTEGER NOT NULL,
    title           TEXT    NOT NULL DEFAULT '',
    body            TEXT    NOT NULL DEFAULT '',
    requested_at    TEXT    NOT NULL,
    started_at      TEXT,
    stopped_at      TEXT
);
CREATE INDEX speeches_item ON speeches (agenda_item_id, position);
CREATE INDEX speeches_meeting ON speeches (meeting_id, started_at);

CREATE TABLE meeting_documents (
    id              INTEGER PRIMARY KEY,
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id),
    agenda_item_id  INTEGER NOT NULL REFERENCES agenda_items (id),
    title           TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);
CREATE INDEX meeting_documents_item ON meeting_documents (agenda_item_id, id);

ALTER TABLE decisions ADD COLUMN meeting_id INTEGER REFERENCES meetings (id);
CREATE INDEX decisions_meeting ON decisions (meeting_id);
