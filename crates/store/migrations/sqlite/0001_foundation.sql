-- Foundation: the unit tree, accounts, roles, sessions, API tokens, login
-- throttling and the hash-chained audit log.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES units (id),
    name        TEXT    NOT NULL,
    level       TEXT    NOT NULL,
    depth       INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (parent_id, name)
);
CREATE INDEX units_parent ON units (parent_id);
CREATE UNIQUE INDEX units_single_root ON units ((parent_id IS NULL)) WHERE parent_id IS NULL;

CREATE TABLE unit_closure (
    ancestor_id   INTEGER NOT NULL REFERENCES units (id),
    descendant_id INTEGER NOT NULL REFERENCES units (id),
    depth         INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX unit_closure_descendant ON unit_closure (descendant_id, ancestor_id);

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    username            TEXT    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    home_unit_id        INTEGER NOT NULL REFERENCES units (id),
    password_hash       TEXT    NOT NULL,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL
);
CREATE INDEX accounts_home_unit ON accounts (home_unit_id);

CREATE TABLE role_assignments (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('administrator', 'secretary', 'staff', 'viewer', 'member')),
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    scope       TEXT    NOT NULL CHECK (scope IN ('unit', 'subtree')),
    created_at  TEXT    NOT NULL,
    UNIQUE (account_id, role, unit_id, scope)
);
CREATE INDEX role_assignments_unit ON role_assignments (unit_id);

CREATE TABLE sessions (
    id            TEXT    PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    expires_at    TEXT    NOT NULL,
    ip            TEXT    NOT NULL,
    user_agent    TEXT    NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('administrator', 'secretary', 'staff', 'viewer', 'member')),
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    scope         TEXT    NOT NULL CHECK (scope IN ('unit', 'subtree')),
    created_at    TEXT    NOT NULL,
    expires_at    TEXT,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

CREATE TABLE login_failures (
    key           TEXT    PRIMARY KEY,
    window_start  TEXT    NOT NULL,
    failures      INTEGER NOT NULL
);

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE audit_log (
    id                INTEGER PRIMARY KEY,
    at                TEXT    NOT NULL,
    actor_account_id  INTEGER,
    actor             TEXT    NOT NULL,
    action            TEXT    NOT NULL,
    entity_type       TEXT    NOT NULL,
    entity_id         TEXT    NOT NULL,
    unit_id           INTEGER,
    before_json       TEXT,
    after_json        TEXT,
    request_id        TEXT    NOT NULL,
    prev_hash         TEXT    NOT NULL,
    hash              TEXT    NOT NULL
);
CREATE INDEX audit_log_unit ON audit_log (unit_id);
CREATE INDEX audit_log_actor ON audit_log (actor_account_id);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
