-- The skills registry: a catalogue of skills and the skills of people,
-- with a level and an optional certification expiry.

CREATE TABLE skills (
    id        INTEGER PRIMARY KEY,
    name      TEXT    NOT NULL UNIQUE,
    category  TEXT    NOT NULL
);

CREATE TABLE person_skills (
    person_id        INTEGER NOT NULL REFERENCES people (id),
    skill_id         INTEGER NOT NULL REFERENCES skills (id),
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    certified_until  TEXT,
    PRIMARY KEY (person_id, skill_id)
);
CREATE INDEX person_skills_skill ON person_skills (skill_id, level);
