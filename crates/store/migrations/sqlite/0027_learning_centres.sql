-- Learning centres: places a unit runs for study (a sci-tech learning
-- room, a dissemination base), with sessions on dates and, once held,
-- how many attended (a count; nobody's name is kept).

CREATE TABLE learning_centres (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    name        TEXT    NOT NULL,
    place       TEXT    NOT NULL,
    schedule    TEXT    NOT NULL,
    closed_on   TEXT,
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX learning_centres_unit ON learning_centres (unit_id);

CREATE TABLE learning_sessions (
    id          INTEGER PRIMARY KEY,
    centre_id   INTEGER NOT NULL REFERENCES learning_centres (id),
    held_on     TEXT    NOT NULL,
    starts_at   TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    attendance  INTEGER CHECK (attendance >= 0),
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX learning_sessions_centre ON learning_sessions (centre_id, held_on);
