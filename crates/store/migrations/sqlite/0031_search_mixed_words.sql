-- Search tokens: words that mix Hangul with digits or letters (2024년,
-- AI기술을) are indexed by their beginnings like other words, and no token
-- is longer than twelve characters (whole words are no longer tokens of
-- their own). The indexes are emptied and rebuilt by the fill jobs, as
-- in 0030.
DELETE FROM people_search;
UPDATE people_search_filled SET through = 0;
DELETE FROM units_search;
DELETE FROM experiences_search;
DELETE FROM decisions_search;
UPDATE texts_search_filled SET through = 0;
