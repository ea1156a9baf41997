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

