-- Meeting regularity: one row per open unit and meeting type whose level
-- has a cadence, with the day the next meeting is due: an interval after
-- the last closed meeting of the type, or after the day the unit began to
-- be expected to hold it (`since`). Rows past due are
-- marked overdue by the server's job; counters meetings.expected and
-- meetings.overdue (and attendance.invited / attendance.present, added
-- when a meeting closes) roll it up for any subtree.

CREATE TABLE meeting_regularity (
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    meeting_type  TEXT    NOT NULL REFERENCES meeting_types (key),
    every_days    INTEGER NOT NULL,
    since         TEXT    NOT NULL,
    last_held_on  TEXT,
    due_on        TEXT    NOT NULL,
    overdue       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, meeting_type)
);
CREATE INDEX meeting_regularity_due ON meeting_regularity (overdue, due_on);

-- What was there before: the units held to a cadence already, and the
-- attendance of meetings closed already, in the counters.
INSERT INTO meeting_regularity (unit_id, meeting_type, since, every_days, last_held_on, due_on, overdue)
SELECT x.id, x.meeting_type, date('now'), x.every_days, x.last_held_on, date(coalesce(x.last_held_on, date('now')), '+' || x.every_days || ' days'),
       CASE WHEN date(coalesce(x.last_held_on, date('now')), '+' || x.every_days || ' days') < date('now') THEN 1 ELSE 0 END
FROM (SELECT u.id, c.meeting_type, c.every_days,
             (SELECT max(m.ends_on) FROM meetings m
              WHERE m.unit_id = u.id AND m.meeting_type = c.meeting_type
                AND m.closed_at IS NOT NULL) AS last_held_on
      FROM units u JOIN meeting_cadences c ON c.level = u.level
      WHERE u.closed_at IS NULL) x;

INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
SELECT c.ancestor_id, 'meetings.expected',
       sum(CASE WHEN c.ancestor_id = r.unit_id THEN 1 ELSE 0 END), count(*)
FROM meeting_regularity r JOIN unit_closure c ON c.descendant_id = r.unit_id
WHERE 1 = 1
GROUP BY c.ancestor_id
ON CONFLICT (unit_id, metric) DO UPDATE SET
  own = unit_aggregates.own + excluded.own, subtree = unit_aggregates.subtree + excluded.subtree;

INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
SELECT c.ancestor_id, 'meetings.overdue',
       sum(CASE WHEN c.ancestor_id = r.unit_id THEN 1 ELSE 0 END), count(*)
FROM meeting_regularity r JOIN unit_closure c ON c.descendant_id = r.unit_id
WHERE r.overdue = 1
GROUP BY c.ancestor_id
ON CONFLICT (unit_id, metric) DO UPDATE SET
  own = unit_aggregates.own + excluded.own, subtree = unit_aggregates.subtree + excluded.subtree;

INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
SELECT c.ancestor_id, 'attendance.invited',
       sum(CASE WHEN p.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
FROM meeting_participants p JOIN meetings m ON m.id = p.meeting_id
JOIN unit_closure c ON c.descendant_id = p.unit_id
WHERE m.closed_at IS NOT NULL
GROUP BY c.ancestor_id
ON CONFLICT (unit_id, metric) DO UPDATE SET
  own = unit_aggregates.own + excluded.own, subtree = unit_aggregates.subtree + excluded.subtree;

INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
SELECT c.ancestor_id, 'attendance.present',
       sum(CASE WHEN p.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
FROM meeting_participants p JOIN meetings m ON m.id = p.meeting_id
JOIN unit_closure c ON c.descendant_id = p.unit_id
WHERE m.closed_at IS NOT NULL AND p.attendance = 'present'
GROUP BY c.ancestor_id
ON CONFLICT (unit_id, metric) DO UPDATE SET
  own = unit_aggregates.own + excluded.own, subtree = unit_aggregates.subtree + excluded.subtree;
