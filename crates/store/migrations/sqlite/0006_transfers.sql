-- Transfers of people between units: issued by the sending unit,
-- acknowledged by the receiving one, or expired or cancelled.
CREATE TABLE transfers (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES people (id),
    from_unit_id  INTEGER NOT NULL REFERENCES units (id),
    to_unit_id    INTEGER NOT NULL REFERENCES units (id),
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'acknowledged', 'expired', 'cancelled')),
    issued_at     TEXT    NOT NULL,
    issued_by     TEXT    NOT NULL,
    expires_at    TEXT    NOT NULL,
    closed_at     TEXT,
    closed_by     TEXT
);
CREATE INDEX transfers_from ON transfers (from_unit_id, state);
CREATE INDEX transfers_to ON transfers (to_unit_id, state);
CREATE INDEX transfers_person ON transfers (person_id);
CREATE UNIQUE INDEX transfers_one_pending ON transfers (person_id) WHERE state = 'pending';
