-- Background jobs, one row each: when a job is next due, and the lease of
-- the server running it now, so that several servers sharing this
-- database run each job once per period.
CREATE TABLE jobs (
    name          TEXT    PRIMARY KEY,
    due_at        TEXT NOT NULL,
    leased_by     TEXT,
    lease_until   TEXT,
    started_at    TEXT,
    finished_at   TEXT,
    last_error    TEXT,
    runs          INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0
);
