//! Commendations and model units. A unit confers commendations (a citation,
//! an honorary title, …) on people of its subtree, optionally at one of its
//! open meetings; the roll of honour of any subtree is read under scope
//! with its count from the maintained counter. A higher unit designates a
//! unit below it a model unit, with a reason and a period, so that its
//! experience can be followed.

use grassroots_core::validate::display_name;
use grassroots_core::{FieldError, Manage, Read, UnitId};
use grassroots_store::commendations::{
    self as store, Commendation, KINDS, ModelUnit, NewCommendations,
};
use grassroots_store::{aggregates, audit, people};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Actor, App, AppResult, refusal};

fn day(field: &'static str, raw: &str, app: &App) -> AppResult<String> {
    match raw.trim() {
        "" => Ok(app.clock.now().date_naive().to_string()),
        d => Ok(grassroots_core::calendar::parse_day(d)
            .map_err(|_| FieldError::new(field, "invalid", "must be a date YYYY-MM-DD"))?
            .to_string()),
    }
}

fn reason(raw: &str) -> AppResult<String> {
    let r = raw.trim();
    if r.chars().count() > 2000 {
        return Err(
            FieldError::new("reason", "too_long", "must be at most 2,000 characters").into(),
        );
    }
    Ok(r.to_string())
}

/// Commendations to confer, as typed: the same kind, title and reason for
/// every person named.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CommendationInput {
    /// Recipients: people of the conferring unit's subtree (1–1,000).
    pub person_ids: Vec<i64>,
    /// `citation`, `honorary_title`, `order`, `medal`, `letter_of_thanks`
    /// or `other`.
    pub kind: String,
    /// Its name as conferred.
    pub title: String,
    /// Why (optional).
    #[serde(default)]
    pub reason: String,
    /// When, YYYY-MM-DD (default: the meeting's last day, else today).
    #[serde(default)]
    pub conferred_on: String,
    /// An open meeting of the conferring unit it is conferred at.
    #[serde(default)]
    pub meeting_id: Option<i64>,
}

/// Confers commendations from `unit_id` (Manage there) in one transaction;
/// returns how many.
pub async fn confer(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: CommendationInput,
) -> AppResult<u64> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let kind = input.kind.trim();
    if grassroots_core::vocab::CommendationKind::parse(kind).is_none() {
        return Err(FieldError::new(
            "kind",
            "invalid",
            format!("must be one of: {}", KINDS.join(", ")),
        )
        .into());
    }
    let title = display_name("title", &input.title)?;
    let reason = reason(&input.reason)?;
    // The order given is the order of conferral (a bulletin lists them so).
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<i64> = input
        .person_ids
        .iter()
        .copied()
        .filter(|p| seen.insert(*p))
        .collect();
    if ids.is_empty() || ids.len() > 1000 {
        return Err(FieldError::new("person_ids", "invalid", "name 1 to 1,000 people").into());
    }
    {
        let mut c = app.db.conn().await?;
        let read = actor.principal.scope::<Read>();
        let mut bad = store::outside(&mut c, unit_id, &ids).await?;
        for p in &ids {
            if !bad.contains(p) && people::get(&mut c, &read, *p).await.is_err() {
                bad.push(*p);
            }
        }
        if !bad.is_empty() {
            bad.sort_unstable();
            return Err(FieldError::new(
                "person_ids",
                "outside",
                format!(
                    "not people of this unit's subtree in your scope: {}",
                    bad.iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .into());
        }
    }
    let (mut tx, conferred_on) = match input.meeting_id {
        Some(m) => {
            let (tx, meeting) = crate::meetings::open::<Manage>(app, actor, m).await?;
            if meeting.unit_id != unit_id {
                return Err(FieldError::new(
                    "meeting_id",
                    "other_unit",
                    "the meeting was convened by another unit",
                )
                .into());
            }
            let on = match input.conferred_on.trim() {
                "" => meeting.ends_on.clone(),
                _ => day("conferred_on", &input.conferred_on, app)?,
            };
            (tx, on)
        }
        None => (
            app.db.begin().await?,
            day("conferred_on", &input.conferred_on, app)?,
        ),
    };
    let now = app.clock.now();
    let n = store::confer(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        &NewCommendations {
            unit_id,
            person_ids: &ids,
            meeting_id: input.meeting_id,
            kind,
            title: &title,
            reason: &reason,
            conferred_on: &conferred_on,
        },
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry("commendation.confer", "unit", unit_id, Some(unit_id));
    e.after = Some(
        json!({ "person_ids": ids, "kind": kind, "title": title, "reason": reason,
                           "conferred_on": conferred_on, "meeting_id": input.meeting_id }),
    );
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(n)
}

/// A person's commendations (whoever may read the person).
pub async fn of_person(app: &App, actor: &Actor, person_id: i64) -> AppResult<Vec<Commendation>> {
    let mut c = app.db.conn().await?;
    people::get(&mut c, &actor.principal.scope::<Read>(), person_id).await?;
    Ok(store::of_person(&mut c, person_id).await?)
}

/// A subtree's roll of honour.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RollOfHonour {
    /// Commendations conferred on people of the subtree (maintained count).
    pub total: i64,
    /// The newest, at most 500, of people in the reader's scope.
    pub commendations: Vec<Commendation>,
    /// Model units in force in the subtree.
    pub model_units: Vec<ModelUnit>,
}

/// The roll of honour of `unit_id`'s subtree.
pub async fn roll(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<RollOfHonour> {
    roll_of(app, actor, unit_id, 500).await
}

/// [`roll`] with the newest `limit` commendations only (a page's section
/// shows a few; reading the API's 500 to show 20 costs a province dearly).
pub async fn roll_of(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    limit: i64,
) -> AppResult<RollOfHonour> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let total = aggregates::of_unit(&mut c, &read, unit_id)
        .await?
        .get(store::METRIC)
        .map_or(0, |(_, subtree)| *subtree);
    let today = app.clock.now().date_naive().to_string();
    Ok(RollOfHonour {
        total,
        commendations: store::roll(&mut c, &read, unit_id, limit.clamp(1, 500)).await?,
        model_units: store::models_under(&mut c, &read, unit_id, &today).await?,
    })
}

/// A model-unit designation as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ModelInput {
    /// The unit to designate (strictly below the designating unit).
    pub unit_id: UnitId,
    /// The experience to follow.
    pub reason: String,
    /// From, YYYY-MM-DD (default: today).
    #[serde(default)]
    pub starts_on: String,
    /// Until, YYYY-MM-DD (optional).
    #[serde(default)]
    pub ends_on: String,
}

/// Designates a unit below `designated_by` (Manage there) a model unit;
/// returns the designation.
pub async fn designate(
    app: &App,
    actor: &Actor,
    designated_by: UnitId,
    input: ModelInput,
) -> AppResult<ModelUnit> {
    crate::units::require::<Manage>(app, actor, designated_by).await?;
    let reason = display_reason(&input.reason)?;
    let starts_on = day("starts_on", &input.starts_on, app)?;
    let ends_on = match input.ends_on.trim() {
        "" => None,
        d => Some(day("ends_on", d, app)?),
    };
    if ends_on.as_deref().is_some_and(|e| e < starts_on.as_str()) {
        return Err(
            FieldError::new("ends_on", "before_start", "must not be before the start").into(),
        );
    }
    if grassroots_store::units::is_closed(&mut app.db.conn().await?, input.unit_id).await? {
        return Err(crate::units::closed_error("unit_id"));
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let id = match store::designate(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        designated_by,
        input.unit_id,
        &reason,
        &starts_on,
        ends_on.as_deref(),
        &actor.label,
        now,
    )
    .await
    {
        Err(grassroots_store::StoreError::NotFound) => {
            return Err(FieldError::new(
                "unit_id",
                "not_below",
                "must be a unit below the designating unit",
            )
            .into());
        }
        other => other?,
    };
    let designation = store::designation(&mut tx, &actor.principal.scope::<Manage>(), id).await?;
    let mut e = actor.entry(
        "model_unit.designate",
        "unit",
        input.unit_id,
        Some(input.unit_id),
    );
    e.after = Some(json!({ "designation": designation }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(designation)
}

fn display_reason(raw: &str) -> AppResult<String> {
    let r = reason(raw)?;
    if r.is_empty() {
        return Err(FieldError::new("reason", "required", "must not be empty").into());
    }
    Ok(r)
}

/// Ends a designation (Manage at the designating unit), on `ends_on` or today.
pub async fn end_designation(
    app: &App,
    actor: &Actor,
    id: i64,
    ends_on: &str,
) -> AppResult<ModelUnit> {
    let ends_on = day("ends_on", ends_on, app)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let designation =
        match store::designation(&mut tx, &actor.principal.scope::<Manage>(), id).await {
            Ok(d) => d,
            Err(grassroots_store::StoreError::NotFound) => {
                drop(tx);
                let readable = store::designation(
                    &mut app.db.conn().await?,
                    &actor.principal.scope::<Read>(),
                    id,
                )
                .await
                .is_ok();
                return Err(refusal(readable));
            }
            Err(e) => return Err(e.into()),
        };
    if ends_on < designation.starts_on {
        return Err(
            FieldError::new("ends_on", "before_start", "must not be before the start").into(),
        );
    }
    store::end_designation(&mut tx, id, &ends_on).await?;
    let mut e = actor.entry(
        "model_unit.end",
        "unit",
        designation.unit_id,
        Some(designation.unit_id),
    );
    e.after = Some(json!({ "designation_id": id, "ends_on": ends_on }));
    audit::append(&mut tx, now, &e).await?;
    let ended = store::designation(&mut tx, &actor.principal.scope::<Manage>(), id).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Every designation of a unit (whoever may read it), newest first.
pub async fn designations_of(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
) -> AppResult<Vec<ModelUnit>> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    Ok(store::designations_of(&mut app.db.conn().await?, unit_id).await?)
}
