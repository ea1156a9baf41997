-- The search indexes of units, experiences and decisions, made like the
-- people's (0024): the tokens of a unit's name, or of an article's or a
-- decision's title, tags and text, computed in Rust (words and their
-- beginnings, Hangul syllable pairs, initial consonants), and one token
-- per unit on the path of the unit it belongs to (u<id>). The rowid is
-- the unit's, article's or decision's id. Filled for rows older than the
-- index by the server's job `search.texts`.
CREATE VIRTUAL TABLE units_search USING fts5(
    tokens,
    tokenize = 'unicode61 remove_diacritics 0',
    detail = none,
    columnsize = 0
);
CREATE VIRTUAL TABLE experiences_search USING fts5(
    tokens,
    tokenize = 'unicode61 remove_diacritics 0',
    detail = none,
    columnsize = 0
);
CREATE VIRTUAL TABLE decisions_search USING fts5(
    tokens,
    tokenize = 'unicode61 remove_diacritics 0',
    detail = none,
    columnsize = 0
);

-- How far the job's fill has walked each table by id (rows after it are
-- indexed as they are written).
CREATE TABLE texts_search_filled (
    name     TEXT    PRIMARY KEY,
    through  BIGINT  NOT NULL
);
INSERT INTO texts_search_filled (name, through) VALUES ('units', 0), ('experiences', 0), ('decisions', 0);
