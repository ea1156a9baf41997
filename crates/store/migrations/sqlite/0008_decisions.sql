-- Decisions issued by a unit to its subtree (optionally only to some
-- levels), and the units they are addressed to, each of which adopts it.
-- Adoption roll-ups are per-decision counters in unit_aggregates.

CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER  NOT NULL REFERENCES units (id),
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('congress', 'plenary_meeting', 'committee_meeting', 'other')),
    issued_on   TEXT    NOT NULL,
    levels      TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX decisions_unit ON decisions (unit_id, issued_on);

CREATE TABLE decision_addressees (
    decision_id  INTEGER  NOT NULL REFERENCES decisions (id),
    unit_id      INTEGER  NOT NULL REFERENCES units (id),
    adopted_at   TEXT,
    adopted_by   TEXT,
    PRIMARY KEY (decision_id, unit_id)
);
CREATE INDEX decision_addressees_unit ON decision_addressees (unit_id, adopted_at);
