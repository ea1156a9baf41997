//! Application services of grassroots. Each use case takes an [`Actor`],
//! asks the policy for a scope, runs its reads and writes through the
//! store in one transaction, and writes the audit row in that same
//! transaction. The web routes and the CLI call these; neither writes SQL.

// Features, one folder each.
pub mod accounts;
pub mod appeals;
pub mod audit;
pub mod auth;
pub mod bulletins;
pub mod commendations;
pub mod decisions;
pub mod duties;
pub mod experiences;
pub mod home;
pub mod imports;
pub mod meetings;
pub mod people;
pub mod plans;
pub mod positions;
pub mod profiles;
pub mod roles;
pub mod safety;
pub mod search;
pub mod skills;
pub mod study;
pub mod supply;
pub mod tokens;
pub mod transfers;
pub mod units;
pub mod welfare;
pub mod work;

// Shared by the features.
pub mod cache;
mod clock;
pub mod config;
pub mod demo;
mod error;
mod input;
pub mod jobs;
pub mod mail;
pub mod passwords;
pub mod registry;
pub mod setup;

use std::sync::Arc;

use grassroots_core::{AccountId, Assignment, Principal, Role, ScopeKind, UnitId};
use grassroots_store::Db;

pub use clock::Clock;
pub use config::Config;
pub use error::{AppError, AppResult, refusal};

/// Shared state of a running grassroots: the database, the effective
/// configuration and the clock.
#[derive(Clone)]
pub struct App {
    /// The database pool.
    pub db: Db,
    /// Effective configuration.
    pub config: Arc<Config>,
    /// Source of the current time (tests can move it forward).
    pub clock: Clock,
    /// Dashboards kept between requests while nothing changed.
    pub dashboards: Arc<plans::KeptDashboards>,
    /// Sessions and API tokens resolved, kept while nothing changed.
    pub sign_ins: Arc<auth::KeptSignIns>,
    /// Units' ancestors, kept under the same rule as sign-ins.
    pub unit_paths: Arc<units::KeptPaths>,
    /// Unit page heads, kept while nothing changed.
    pub headings: Arc<units::KeptHeadings>,
    /// Members' homes, kept while nothing changed.
    pub homes: Arc<home::KeptHomes>,
    /// People listings and searches by name, kept while nothing changed.
    pub people_listings: Arc<people::KeptListings>,
    /// The calendar era, kept while nothing changed.
    pub era: Arc<meetings::KeptEra>,
    /// The organization's default language, kept while nothing changed.
    pub default_locale: Arc<profiles::KeptLocale>,
}

impl App {
    /// Bundles the parts.
    pub fn new(db: Db, config: Config) -> Self {
        Self {
            db,
            dashboards: Arc::new(plans::kept_dashboards(&config)),
            sign_ins: Arc::new(auth::KeptSignIns::new(&config)),
            unit_paths: Arc::new(units::kept_paths(&config)),
            headings: Arc::new(units::kept_headings(&config)),
            homes: Arc::new(home::kept_homes(&config)),
            people_listings: Arc::new(people::kept_listings(&config)),
            era: Arc::new(
                crate::cache::Kept::configured(1, &config)
                    .watching(|_| grassroots_store::Watch::AllButProgress),
            ),
            default_locale: Arc::new(
                crate::cache::Kept::configured(1, &config)
                    .watching(|_| grassroots_store::Watch::AllButProgress),
            ),
            config: Arc::new(config),
            clock: Clock::default(),
        }
    }
}

/// Who is acting, for policy decisions and audit rows.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The principal whose assignments are in force.
    pub principal: Principal,
    /// The acting account, `None` for the command line.
    pub account_id: Option<AccountId>,
    /// Label written to the audit log: a login name or `cli`.
    pub label: String,
    /// The acting account's home unit (the root for the command line);
    /// audit rows about the account itself are filed there.
    pub home_unit_id: UnitId,
    /// Request id, matching the server logs.
    pub request_id: String,
}

impl Actor {
    /// The local operator at the command line: full rights over the whole
    /// organization (whoever runs the binary can open the database anyway).
    pub fn cli(root_unit_id: UnitId) -> Self {
        Self {
            principal: Principal::new(
                0,
                vec![Assignment {
                    role: Role::Administrator,
                    unit_id: root_unit_id,
                    scope: ScopeKind::Subtree,
                }],
            ),
            account_id: None,
            label: "cli".to_string(),
            home_unit_id: root_unit_id,
            request_id: format!("cli-{}", std::process::id()),
        }
    }

    /// Builds an audit entry by this actor.
    pub(crate) fn entry<'a>(
        &'a self,
        action: &'a str,
        entity_type: &'a str,
        entity_id: impl ToString,
        unit_id: Option<UnitId>,
    ) -> grassroots_store::audit::AuditEntry<'a> {
        grassroots_store::audit::AuditEntry {
            actor_account_id: self.account_id,
            actor: &self.label,
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            unit_id,
            before: None,
            after: None,
            request_id: &self.request_id,
        }
    }
}
