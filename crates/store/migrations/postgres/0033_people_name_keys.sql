-- Each person's collation sort key (`core::collation::sort_key` of the
-- name, computed by the application): listings order by its bytes, the
-- same on both engines. Written with every name; the `people.name_keys`
-- job fills the people older than it.
ALTER TABLE people ADD COLUMN name_key BYTEA;

-- How far the job has keyed the people that were there before the keys
-- (`up_to`: the highest id then; everyone after is keyed when written).
CREATE TABLE people_name_keys_fill (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    through BIGINT  NOT NULL,
    up_to   BIGINT  NOT NULL
);
INSERT INTO people_name_keys_fill (id, through, up_to)
SELECT 1, 0, coalesce(max(id), 0) FROM people;
