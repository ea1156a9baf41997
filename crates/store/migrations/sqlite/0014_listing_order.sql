-- Lists across a large subtree page through the targets of one status in
-- (due day, id) order and through open blockers in (opened, id) order,
-- probing the closure table for each row until the page is full. With
-- the id in the index that order is the index's own: many targets share a
-- due day (a year's end), and without it PostgreSQL sorted every target of
-- the day, or walked the whole subtree instead.
DROP INDEX targets_status;
CREATE INDEX targets_status ON targets (status, due_on, id) WHERE deleted_at IS NULL;
DROP INDEX blockers_age;
CREATE INDEX blockers_age ON blockers (opened_at, id) WHERE resolved_at IS NULL;
