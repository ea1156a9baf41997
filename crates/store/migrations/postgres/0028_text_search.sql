-- The search indexes of units, experiences and decisions, made like the
-- people's (0024): the tokens of a unit's name, or of an article's or a
-- decision's title, tags and text, computed in Rust (words and their
-- beginnings, Hangul syllable pairs, initial consonants), and one token
-- per unit on the path of the unit it belongs to (u<id>), as a tsvector
-- written literally with a GIN index. Filled for rows older than the
-- index by the server's job `search.texts`.
CREATE TABLE units_search (
    ref_id  BIGINT   PRIMARY KEY REFERENCES units (id),
    tokens  tsvector NOT NULL
);
CREATE INDEX units_search_tokens ON units_search USING GIN (tokens);
CREATE TABLE experiences_search (
    ref_id  BIGINT   PRIMARY KEY REFERENCES experiences (id),
    tokens  tsvector NOT NULL
);
CREATE INDEX experiences_search_tokens ON experiences_search USING GIN (tokens);
CREATE TABLE decisions_search (
    ref_id  BIGINT   PRIMARY KEY REFERENCES decisions (id),
    tokens  tsvector NOT NULL
);
CREATE INDEX decisions_search_tokens ON decisions_search USING GIN (tokens);

-- How far the job's fill has walked each table by id (rows after it are
-- indexed as they are written).
CREATE TABLE texts_search_filled (
    name     TEXT    PRIMARY KEY,
    through  BIGINT  NOT NULL
);
INSERT INTO texts_search_filled (name, through) VALUES ('units', 0), ('experiences', 0), ('decisions', 0);
