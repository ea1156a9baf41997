//! Storage for grassroots: one set of repository code over two engines,
//! SQLite (embedded, the default) and PostgreSQL, chosen by the database URL.
//!
//! Every query is written once. Where the dialects really differ, both
//! variants sit side by side in the same function, selected by
//! [`Dialect`]. Writes take a [`Tx`], so they cannot happen outside a
//! transaction; reads take anything that implements [`DbConn`].

// Features, one folder each.
pub mod accounts;
pub mod appeals;
pub mod audit;
pub mod bulletins;
pub mod commendations;
pub mod decisions;
pub mod experiences;
pub mod imports;
pub mod meetings;
pub mod people;
pub mod plans;
pub mod positions;
pub mod profiles;
pub mod roles;
pub mod safety;
pub mod search;
pub mod sessions;
pub mod skills;
pub mod study;
pub mod supply;
pub mod tokens;
pub mod transfers;
pub mod units;
pub mod welfare;
pub mod work;

// Shared by the features: the tree, counters, lifecycle, jobs, the engines.
mod addressing;
pub mod aggregates;
pub mod backup;
pub mod changes;
pub mod check;
mod db;
pub mod duties;
mod error;
pub mod group_commit;
pub mod jobs;
pub mod lifecycle;
pub mod migrate;
pub mod registry;
mod sqlite_direct;
pub mod throttle;
pub mod tree;

pub use changes::{Watch, commits};
pub use db::{Conn, Db, DbConn, Dialect, Ex, SqliteSync, Tx, contains_pattern, redact_url};
pub use error::{StoreError, StoreResult};

/// Timestamps are stored with microsecond precision on both engines, so
/// that what is hashed into the audit chain reads back identically.
pub fn truncate_to_micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Timelike};
    let t = t.trunc_subsecs(6);
    debug_assert!(t.nanosecond().is_multiple_of(1000));
    t
}
