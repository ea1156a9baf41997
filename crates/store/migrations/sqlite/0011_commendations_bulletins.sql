-- Commendations conferred on people by a unit (optionally at a meeting),
-- model units designated by a higher unit, and bulletins published to a
-- subtree and acknowledged per receiving unit (never per person).

CREATE TABLE commendations (
    id                 INTEGER PRIMARY KEY,
    person_id          INTEGER NOT NULL REFERENCES people (id),
    recipient_unit_id  INTEGER NOT NULL REFERENCES units (id),
    unit_id            INTEGER NOT NULL REFERENCES units (id),
    meeting_id         INTEGER REFERENCES meetings (id),
    kind               TEXT    NOT NULL CHECK (kind IN ('citation', 'honorary_title', 'order', 'medal', 'letter_of_thanks', 'other')),
    title              TEXT    NOT NULL,
    reason             TEXT    NOT NULL DEFAULT '',
    conferred_on       TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    created_by         TEXT    NOT NULL
);
CREATE INDEX commendations_person ON commendations (person_id, conferred_on);
CREATE INDEX commendations_recipient_unit ON commendations (recipient_unit_id, conferred_on);
CREATE INDEX commendations_meeting ON commendations (meeting_id);

CREATE TABLE model_units (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    designated_by   INTEGER NOT NULL REFERENCES units (id),
    reason          TEXT    NOT NULL,
    starts_on       TEXT    NOT NULL,
    ends_on         TEXT,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX model_units_unit ON model_units (unit_id, starts_on);
CREATE INDEX model_units_designator ON model_units (designated_by, starts_on);

CREATE TABLE bulletins (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    meeting_id    INTEGER REFERENCES meetings (id),
    title         TEXT    NOT NULL,
    dated_on      TEXT    NOT NULL,
    levels        TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    published_at  TEXT,
    published_by  TEXT
);
CREATE INDEX bulletins_unit ON bulletins (unit_id, dated_on);

CREATE TABLE bulletin_articles (
    id           INTEGER PRIMARY KEY,
    bulletin_id  INTEGER NOT NULL REFERENCES bulletins (id),
    position     INTEGER NOT NULL,
    heading      TEXT    NOT NULL,
    body         TEXT    NOT NULL
);
CREATE INDEX bulletin_articles_bulletin ON bulletin_articles (bulletin_id, position);

CREATE TABLE bulletin_receipts (
    bulletin_id      INTEGER NOT NULL REFERENCES bulletins (id),
    unit_id          INTEGER NOT NULL REFERENCES units (id),
    acknowledged_at  TEXT,
    acknowledged_by  TEXT,
    PRIMARY KEY (bulletin_id, unit_id)
);
CREATE INDEX bulletin_receipts_unit ON bulletin_receipts (unit_id, acknowledged_at);
