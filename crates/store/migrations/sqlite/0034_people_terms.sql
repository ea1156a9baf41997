-- The people search index becomes an ordinary table, the same on both
-- engines: one row per token of a person's name, keyed by the person's
-- area (the unit of their path two levels below the root), the token, the
-- name's collation sort key and the person's id, so that the people of a
-- county matching a token are one range already in name order. A
-- person's document records what their rows were written from (name,
-- sort key, unit, area). The old
-- full-text index goes; the job `search.people` fills the new one for the
-- people already there, walking them from the first.
DROP TABLE people_search;
CREATE TABLE people_terms (
    area       INTEGER NOT NULL,
    term       TEXT    NOT NULL,
    name_key   BLOB    NOT NULL,
    person_id  INTEGER NOT NULL,
    unit_id    INTEGER NOT NULL,
    PRIMARY KEY (area, term, name_key, person_id)
) WITHOUT ROWID;
CREATE TABLE people_terms_docs (
    person_id  INTEGER PRIMARY KEY REFERENCES people (id),
    name       TEXT    NOT NULL,
    name_key   BLOB    NOT NULL,
    unit_id    INTEGER NOT NULL,
    area       INTEGER NOT NULL
);
UPDATE people_search_filled SET through = 0;
