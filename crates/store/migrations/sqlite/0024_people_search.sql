-- The people search index: each person's name as tokens computed in Rust
-- (words, Hangul syllable pairs, initial consonants) and one token per
-- unit on their path (u<id>). The rowid is the person's id; a row is
-- replaced whole when the person is renamed or moves. Only AND queries of
-- whole tokens are asked (beginnings of words are tokens of their own),
-- so no positions or sizes are kept.
-- Filled for existing people by the server's job `search.people`.
CREATE VIRTUAL TABLE people_search USING fts5(
    tokens,
    tokenize = 'unicode61 remove_diacritics 0',
    detail = none,
    columnsize = 0
);

-- How far the job's fill has walked the people by id: those after it are
-- indexed as they are written, so the job looks at the newer ones only.
CREATE TABLE people_search_filled (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    through  BIGINT  NOT NULL
);
INSERT INTO people_search_filled (id, through) VALUES (1, 0);
