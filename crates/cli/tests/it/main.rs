//! The integration suite: one test binary (link time on 2 cores). Runs on
//! SQLite, or on PostgreSQL when TEST_DATABASE_URL is set.

mod api;
mod appeals;
mod audit;
mod auth;
mod browser;
mod cli;
mod decisions;
mod experiences;
mod home;
mod imports;
mod jobs;
mod meetings;
mod plans;
mod safety;
mod scope;
mod search;
mod store;
mod study;
mod supply;
mod templates;
mod units;
mod welfare;
