-- People attached to units, their status history, and per-unit aggregates
-- maintained on every write so subtree counters are a row read.

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    full_name    TEXT    NOT NULL,
    contact      TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('applicant', 'candidate', 'member', 'employee', 'left', 'transferred_out')),
    joined_on    TEXT,
    external_id  TEXT    UNIQUE,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX people_unit ON people (unit_id, full_name);

CREATE TABLE person_status_history (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people (id),
    status      TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL,
    changed_at  TEXT    NOT NULL,
    changed_by  TEXT    NOT NULL
);
CREATE INDEX person_status_history_person ON person_status_history (person_id, id);

CREATE TABLE unit_aggregates (
    unit_id  INTEGER NOT NULL REFERENCES units (id),
    metric   TEXT    NOT NULL,
    own      INTEGER NOT NULL,
    subtree  INTEGER NOT NULL,
    PRIMARY KEY (unit_id, metric)
);

-- Backfill the unit counters of an existing tree.
INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
SELECT c.ancestor_id, 'units', CASE WHEN count(*) > 0 THEN 1 ELSE 0 END, count(*)
FROM unit_closure c GROUP BY c.ancestor_id;
INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
SELECT c.ancestor_id, 'cells',
       sum(CASE WHEN c.descendant_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
FROM unit_closure c JOIN units d ON d.id = c.descendant_id
WHERE d.level = 'cell' GROUP BY c.ancestor_id;
