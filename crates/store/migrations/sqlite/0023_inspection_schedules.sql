-- Inspection schedules: the organization asks every open unit of a level
-- to complete an inspection from a template once per calendar period
-- (month, quarter or year). `inspections_due` holds one row per unit and
-- schedule for the current period, marked done once the unit completed
-- an inspection from the template within it; counters inspections.due,
-- inspections.done and inspections.behind (units with a scheduled
-- inspection not done) roll it up for any subtree.

CREATE TABLE inspection_schedules (
    id           INTEGER PRIMARY KEY,
    level        TEXT    NOT NULL,
    template_id  INTEGER NOT NULL REFERENCES checklist_templates (id),
    cadence      TEXT    NOT NULL CHECK (cadence IN ('month', 'quarter', 'year')),
    created_on   TEXT    NOT NULL,
    -- syncing: its units are being given their rows, in batches (the
    -- last unit id done in `synced_to`); active; removing: its rows are
    -- being taken away, in batches, and then the schedule.
    state        TEXT    NOT NULL DEFAULT 'syncing' CHECK (state IN ('syncing', 'active', 'removing')),
    synced_to    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (level, template_id)
);

CREATE TABLE inspections_due (
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    schedule_id  INTEGER NOT NULL REFERENCES inspection_schedules (id),
    period       TEXT    NOT NULL,
    done         INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    PRIMARY KEY (unit_id, schedule_id)
);
CREATE INDEX inspections_due_period ON inspections_due (schedule_id, period);
CREATE INDEX inspections_due_behind ON inspections_due (unit_id) WHERE done = 0;
CREATE INDEX inspections_completed ON inspections (unit_id, status, completed_on);
