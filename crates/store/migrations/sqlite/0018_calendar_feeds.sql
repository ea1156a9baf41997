-- A person's own calendar subscription: a secret in the URL, so calendar
-- apps subscribe without a cookie. Only its SHA-256 is kept; replacing or
-- revoking it ends the old URL.
CREATE TABLE calendar_feeds (
    account_id   INTEGER PRIMARY KEY REFERENCES accounts (id),
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL
);
