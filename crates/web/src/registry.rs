//! What each feature plugs into the HTTP layer, listed in one place.

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::api;
use crate::pages::sections::UnitSection;
use crate::pages::{
    accounts, appeals, audit, auth, bulletins, calendar, checklists, commendations, decisions,
    experiences, home, imports, me, meetings, people, plans, profiles, safety, search, sections,
    skills, study, supply, units, welfare,
};

/// Each feature's page routes; `pages::routes` merges them.
pub(crate) const PAGE_ROUTES: &[fn() -> Router<AppState>] = &[
    auth::routes,
    home::routes,
    units::routes,
    sections::routes,
    people::routes,
    imports::routes,
    decisions::routes,
    plans::routes,
    meetings::routes,
    calendar::routes,
    bulletins::routes,
    commendations::routes,
    me::routes,
    welfare::routes,
    appeals::routes,
    safety::routes,
    checklists::routes,
    study::routes,
    experiences::routes,
    search::routes,
    supply::routes,
    accounts::routes,
    skills::routes,
    profiles::routes,
    meetings::settings::routes,
    audit::routes,
];

/// Each feature's documented API routes; `api::router` merges them.
pub(crate) const API_ROUTES: &[fn() -> OpenApiRouter<AppState>] = &[
    api::units::router,
    api::decisions::router,
    api::plans::router,
    api::meetings::router,
    api::commendations::router,
    api::bulletins::router,
    api::people::router,
    api::positions::router,
    api::skills::router,
    api::transfers::router,
    api::accounts::router,
    api::audit::router,
    api::welfare::router,
    api::home::router,
    api::supply::router,
    api::appeals::router,
    api::safety::router,
    api::study::router,
    api::experiences::router,
    api::search::router,
];

/// The unit page's sections, top to bottom.
pub(crate) const UNIT_SECTIONS: &[UnitSection] = &[
    units::POSITIONS,
    people::TRANSFERS,
    plans::UNIT_SECTION,
    decisions::UNIT_SECTION,
    meetings::UNIT_SECTION,
    bulletins::UNIT_SECTION,
    commendations::UNIT_SECTION,
    welfare::UNIT_SECTION,
    supply::UNIT_SECTION,
    appeals::UNIT_SECTION,
    safety::UNIT_SECTION,
    study::UNIT_SECTION,
    experiences::UNIT_SECTION,
    people::TALENTS,
    people::PEOPLE,
    units::STRUCTURE,
];
