//! The skills registry: the catalogue, people's skills and the talent
//! summary of any unit's subtree.

use chrono::{Duration, NaiveDate};
use grassroots_core::validate::display_name;
use grassroots_core::{Administer, Edit, FieldError, Read, UnitId};
use grassroots_store::skills::{self, PersonSkill, Skill, Talent};
use grassroots_store::{StoreError, audit, people, units};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// A certification expiring within this many days is shown as expiring.
pub const EXPIRY_WARNING_DAYS: i64 = 60;

/// State of a certification on `today`: `expired`, `expiring` or `valid`;
/// `None` when the skill is not certified.
pub fn certification_state(today: NaiveDate, until: Option<&str>) -> Option<&'static str> {
    let d = grassroots_core::calendar::parse_day(until?).ok()?;
    Some(if d < today {
        "expired"
    } else if d <= today + Duration::days(EXPIRY_WARNING_DAYS) {
        "expiring"
    } else {
        "valid"
    })
}

/// The catalogue.
pub async fn catalogue(app: &App) -> AppResult<Vec<Skill>> {
    let mut c = app.db.conn().await?;
    Ok(skills::catalogue(&mut c).await?)
}

/// Adds a skill to the catalogue (administrators).
pub async fn create(app: &App, actor: &Actor, name: &str, category: &str) -> AppResult<Skill> {
    if actor.principal.scope::<Administer>().is_empty() {
        return Err(AppError::Forbidden);
    }
    let name = display_name("name", name)?;
    let category = display_name("category", category)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let skill = skills::create(&mut tx, &name, &category).await?;
    let mut e = actor.entry("skill.create", "skill", skill.id, Some(actor.home_unit_id));
    e.after = Some(json!(skill));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(skill)
}

/// The skills of a person the reader may see.
pub async fn of_person(app: &App, actor: &Actor, person_id: i64) -> AppResult<Vec<PersonSkill>> {
    let mut c = app.db.conn().await?;
    Ok(skills::of_person(&mut c, &actor.principal.scope::<Read>(), person_id).await?)
}

async fn require_edit_person(app: &App, actor: &Actor, person_id: i64) -> AppResult<()> {
    let unit_id = {
        let mut c = app.db.conn().await?;
        people::get(&mut c, &actor.principal.scope::<Read>(), person_id)
            .await?
            .unit_id
    };
    crate::units::require::<Edit>(app, actor, unit_id).await
}

/// Records or updates a person's skill.
pub async fn set(
    app: &App,
    actor: &Actor,
    person_id: i64,
    skill_id: i64,
    level: i32,
    certified_until: &str,
) -> AppResult<()> {
    require_edit_person(app, actor, person_id).await?;
    if !(1..=5).contains(&level) {
        return Err(FieldError::new("level", "range", "must be between 1 and 5").into());
    }
    let until = match certified_until.trim() {
        "" => None,
        v => Some(
            grassroots_core::calendar::parse_day(v)
                .map_err(|_| {
                    AppError::Invalid(FieldError::new(
                        "certified_until",
                        "invalid",
                        "must be a date YYYY-MM-DD",
                    ))
                })?
                .format("%Y-%m-%d")
                .to_string(),
        ),
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let scope = actor.principal.scope::<Edit>();
    let person = people::get(&mut tx, &scope, person_id).await?;
    let new = skills::set(
        &mut tx,
        &scope,
        person_id,
        skill_id,
        level,
        until.as_deref(),
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict { field } => AppError::Invalid(FieldError::new(
            field,
            "not_found",
            "is not in the skills catalogue",
        )),
        other => other.into(),
    })?;
    let action = if new {
        "person.skill_add"
    } else {
        "person.skill_update"
    };
    let mut e = actor.entry(action, "person", person_id, Some(person.unit_id));
    e.after = Some(json!({ "skill_id": skill_id, "level": level, "certified_until": until }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a person's skill.
pub async fn remove(app: &App, actor: &Actor, person_id: i64, skill_id: i64) -> AppResult<()> {
    require_edit_person(app, actor, person_id).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let scope = actor.principal.scope::<Edit>();
    let person = people::get(&mut tx, &scope, person_id).await?;
    if !skills::remove(&mut tx, &scope, person_id, skill_id).await? {
        return Err(AppError::NotFound);
    }
    let mut e = actor.entry(
        "person.skill_remove",
        "person",
        person_id,
        Some(person.unit_id),
    );
    e.before = Some(json!({ "skill_id": skill_id }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// The talent summary of a unit's subtree.
pub async fn talents(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<Vec<Talent>> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    units::get(&mut c, &read, unit_id).await?;
    Ok(skills::summary(&mut c, &read, unit_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certification_states_at_their_boundaries() {
        let today = NaiveDate::from_ymd_opt(2022, 2, 28).unwrap();
        assert_eq!(certification_state(today, None), None);
        assert_eq!(
            certification_state(today, Some("2022-02-27")),
            Some("expired")
        );
        assert_eq!(
            certification_state(today, Some("2022-02-28")),
            Some("expiring")
        );
        assert_eq!(
            certification_state(today, Some("2022-04-29")),
            Some("expiring")
        );
        assert_eq!(
            certification_state(today, Some("2022-04-30")),
            Some("valid")
        );
    }
}
