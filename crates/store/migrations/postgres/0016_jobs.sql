-- Background jobs, one row each: when a job is next due, and the lease of
-- the server running it now, so that several servers sharing this
-- database run each job once per period.
CREATE TABLE jobs (
    name          TEXT    PRIMARY KEY,
    due_at        TIMESTAMPTZ NOT NULL,
    leased_by     TEXT,
    lease_until   TIMESTAMPTZ,
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    last_error    TEXT,
    runs          BIGINT NOT NULL DEFAULT 0,
    failures      BIGINT NOT NULL DEFAULT 0
);
