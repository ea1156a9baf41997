-- Positions held by people in units, with terms. Position types are
-- configurable; three of them form a unit's lead trio (party,
-- administrative, technical).

CREATE TABLE position_types (
    id         INTEGER PRIMARY KEY,
    key        TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    lead       TEXT    CHECK (lead IN ('party', 'administrative', 'technical')),
    sort       INTEGER NOT NULL
);
CREATE UNIQUE INDEX position_types_one_per_lead ON position_types (lead) WHERE lead IS NOT NULL;

INSERT INTO position_types (key, name, lead, sort) VALUES
    ('secretary', 'Secretary', 'party', 10),
    ('vice_secretary', 'Vice-secretary', NULL, 20),
    ('committee_member', 'Committee member', NULL, 30),
    ('cell_secretary', 'Cell secretary', NULL, 40),
    ('administrative_head', 'Administrative head', 'administrative', 50),
    ('technical_head', 'Technical head', 'technical', 60);

CREATE TABLE positions (
    id                INTEGER PRIMARY KEY,
    unit_id           INTEGER NOT NULL REFERENCES units (id),
    position_type_id  INTEGER NOT NULL REFERENCES position_types (id),
    person_id         INTEGER NOT NULL REFERENCES people (id),
    started_on        TEXT    NOT NULL,
    ended_on          TEXT,
    created_at        TEXT    NOT NULL
);
CREATE INDEX positions_unit ON positions (unit_id, ended_on);
CREATE INDEX positions_person ON positions (person_id);
