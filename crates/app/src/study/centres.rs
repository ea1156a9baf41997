//! Learning centres: a unit's secretary opens a centre (a name, a place,
//! when it meets), plans its sessions and, once one is held, records how
//! many attended; every level above reads the counts.

use std::collections::BTreeMap;

use grassroots_core::validate::display_name;
use grassroots_core::{FieldError, Manage, Read, UnitId};
use grassroots_store::study::centres::{self as store, Centre, Session};
use grassroots_store::{aggregates, audit};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Actor, App, AppResult};

/// A centre as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CentreInput {
    /// Name (1–200 characters).
    pub name: String,
    /// Where it is (up to 200 characters).
    #[serde(default)]
    pub place: String,
    /// When it meets, e.g. "Tuesdays 18:00" (up to 200 characters).
    #[serde(default)]
    pub schedule: String,
}

fn short(field: &'static str, raw: &str) -> AppResult<String> {
    let v = raw.trim();
    if v.chars().count() > 200 {
        return Err(FieldError::new(field, "too_long", "must be at most 200 characters").into());
    }
    Ok(v.to_string())
}

/// Opens a centre at `unit_id` (Manage there).
pub async fn create(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: &CentreInput,
) -> AppResult<Centre> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let name = display_name("name", &input.name)?;
    let place = short("place", &input.place)?;
    let schedule = short("schedule", &input.schedule)?;
    let now = app.clock.now();
    let scope = actor.principal.scope::<Manage>();
    let mut tx = app.db.begin().await?;
    let id = store::create(
        &mut tx,
        &scope,
        unit_id,
        (&name, &place, &schedule),
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry(
        "learning_centre.create",
        "learning_centre",
        id,
        Some(unit_id),
    );
    e.after = Some(json!({ "name": name, "place": place, "schedule": schedule }));
    audit::append(&mut tx, now, &e).await?;
    let centre = store::get(&mut tx, &scope, id).await?;
    tx.commit().await?;
    Ok(centre)
}

/// Refuses a change to a centre of a closed unit: its centres are
/// history (read in the change's own transaction).
async fn open_unit(tx: &mut grassroots_store::Tx, unit_id: UnitId) -> AppResult<()> {
    if grassroots_store::units::is_closed(tx, unit_id).await? {
        return Err(crate::units::closed_error("unit_id"));
    }
    Ok(())
}

/// Closes a centre (Manage at its unit).
pub async fn close(app: &App, actor: &Actor, id: i64) -> AppResult<Centre> {
    let scope = actor.principal.scope::<Manage>();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let centre = store::get(&mut tx, &scope, id).await?;
    open_unit(&mut tx, centre.unit_id).await?;
    store::close(&mut tx, &centre, &app.clock.today().to_string()).await?;
    audit::append(
        &mut tx,
        now,
        &actor.entry(
            "learning_centre.close",
            "learning_centre",
            id,
            Some(centre.unit_id),
        ),
    )
    .await?;
    let centre = store::get(&mut tx, &scope, id).await?;
    tx.commit().await?;
    Ok(centre)
}

/// A session as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SessionInput {
    /// The day, YYYY-MM-DD.
    pub held_on: String,
    /// Starting time HH:MM (optional).
    #[serde(default)]
    pub starts_at: String,
    /// What it takes up (1–200 characters).
    pub topic: String,
}

/// Plans a session of an open centre (Manage at its unit).
pub async fn plan(
    app: &App,
    actor: &Actor,
    centre_id: i64,
    input: &SessionInput,
) -> AppResult<Session> {
    let held_on = grassroots_core::calendar::parse_day(input.held_on.trim())
        .map_err(|_| FieldError::new("held_on", "invalid_date", "must be a date YYYY-MM-DD"))?
        .to_string();
    let starts_at = input.starts_at.trim();
    if !starts_at.is_empty() && chrono::NaiveTime::parse_from_str(starts_at, "%H:%M").is_err() {
        return Err(FieldError::new("starts_at", "format", "must be a time HH:MM").into());
    }
    let topic = display_name("topic", &input.topic)?;
    let scope = actor.principal.scope::<Manage>();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let centre = store::get(&mut tx, &scope, centre_id).await?;
    open_unit(&mut tx, centre.unit_id).await?;
    if centre.closed_on.is_some() {
        return Err(FieldError::new("centre", "closed", "the centre is closed").into());
    }
    let id = store::plan(
        &mut tx,
        centre_id,
        (&held_on, starts_at, &topic),
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry(
        "learning_session.plan",
        "learning_session",
        id,
        Some(centre.unit_id),
    );
    e.after = Some(json!({ "centre_id": centre_id, "held_on": held_on, "topic": topic }));
    audit::append(&mut tx, now, &e).await?;
    let (session, _) = store::session(&mut tx, &scope, id).await?;
    tx.commit().await?;
    Ok(session)
}

/// Records how many attended a held session (Manage at its centre's unit).
pub async fn record_attendance(
    app: &App,
    actor: &Actor,
    session_id: i64,
    count: i64,
) -> AppResult<Session> {
    if !(0..=100_000).contains(&count) {
        return Err(
            FieldError::new("attendance", "out_of_range", "must be from 0 to 100,000").into(),
        );
    }
    let scope = actor.principal.scope::<Manage>();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (session, unit) = store::session(&mut tx, &scope, session_id).await?;
    open_unit(&mut tx, unit).await?;
    if session.held_on > app.clock.today().to_string() {
        return Err(FieldError::new(
            "attendance",
            "not_yet_held",
            "the session has not been held yet",
        )
        .into());
    }
    store::record_attendance(&mut tx, &session, unit, count).await?;
    let mut e = actor.entry(
        "learning_session.attendance",
        "learning_session",
        session_id,
        Some(unit),
    );
    e.before = session.attendance.map(|a| json!({ "attendance": a }));
    e.after = Some(json!({ "attendance": count }));
    audit::append(&mut tx, now, &e).await?;
    let (session, _) = store::session(&mut tx, &scope, session_id).await?;
    tx.commit().await?;
    Ok(session)
}

/// A centre with its sessions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CentreView {
    /// The centre.
    pub centre: Centre,
    /// Its sessions, the latest first.
    pub sessions: Vec<Session>,
    /// Whether the reader runs it.
    pub can_manage: bool,
}

/// One centre (Read at its unit).
pub async fn view(app: &App, actor: &Actor, id: i64) -> AppResult<CentreView> {
    let mut c = app.db.conn().await?;
    let centre = store::get(&mut c, &actor.principal.scope::<Read>(), id).await?;
    let sessions = store::sessions(&mut c, id).await?;
    let can_manage = store::get(&mut c, &actor.principal.scope::<Manage>(), id)
        .await
        .is_ok();
    Ok(CentreView {
        centre,
        sessions,
        can_manage,
    })
}

/// A unit's learning centres and its subtree's counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitCentres {
    /// Centres open in the subtree.
    pub centres_open: i64,
    /// Sessions held (attendance recorded) in the subtree.
    pub sessions_held: i64,
    /// Their attendance, summed.
    pub attendance: i64,
    /// The unit's own centres.
    pub centres: Vec<Centre>,
}

/// A unit's centres and counts (Read there).
pub async fn of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<UnitCentres> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let counts: BTreeMap<String, i64> = aggregates::subtree_of_units(
        &mut c,
        &read,
        &[unit_id],
        &[store::CENTRES, store::SESSIONS, store::ATTENDANCE].map(String::from),
    )
    .await?
    .remove(&unit_id)
    .unwrap_or_default();
    let get = |m: &str| counts.get(m).copied().unwrap_or(0);
    Ok(UnitCentres {
        centres_open: get(store::CENTRES),
        sessions_held: get(store::SESSIONS),
        attendance: get(store::ATTENDANCE),
        centres: store::of_unit(&mut c, unit_id).await?,
    })
}
