-- Search tokens now include each Hangul syllable, each initial consonant
-- and the first letter of each word (a one-character query is then one
-- lookup, not a scan). The indexes are emptied and the fill jobs
-- (`search.people`, `search.texts`) rebuild them from the start, a batch
-- per transaction; until they are done, a search finds only the rows
-- already rebuilt or written since.
DELETE FROM people_search;
UPDATE people_search_filled SET through = 0;
DELETE FROM units_search;
DELETE FROM experiences_search;
DELETE FROM decisions_search;
UPDATE texts_search_filled SET through = 0;
