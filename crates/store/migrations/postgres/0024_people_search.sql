-- The people search index: each person's name as tokens computed in Rust
-- (words, Hangul syllable pairs, initial consonants) and one token per
-- unit on their path (u<id>), as a tsvector written literally (no parser,
-- no dictionary) with a GIN index. Filled for existing people by the
-- server's job `search.people`.
CREATE TABLE people_search (
    person_id  BIGINT   PRIMARY KEY REFERENCES people (id),
    tokens     tsvector NOT NULL
);
CREATE INDEX people_search_tokens ON people_search USING GIN (tokens);

-- How far the job's fill has walked the people by id: those after it are
-- indexed as they are written, so the job looks at the newer ones only.
CREATE TABLE people_search_filled (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    through  BIGINT  NOT NULL
);
INSERT INTO people_search_filled (id, through) VALUES (1, 0);
