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
