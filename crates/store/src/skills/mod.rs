//! The skills registry: a catalogue of skills and each person's skills
//! with a level (1–5) and an optional certification expiry. The number of
//! people with each skill is a maintained counter of every unit, so a
//! talent summary of any subtree is a handful of row reads.

use grassroots_core::{Edit, Read, Scope, UnitId};
use serde::Serialize;

use crate::aggregates;
use crate::tree::{self, unit_condition};
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// A skill of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Skill {
    /// Identifier.
    pub id: i64,
    /// Name, unique.
    pub name: String,
    /// Category (for example "engineering", "agronomy").
    pub category: String,
}

/// A skill a person has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PersonSkill {
    /// The skill.
    pub skill_id: i64,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// Level, 1 to 5.
    pub level: i32,
    /// Last day of a certification, if the skill is certified.
    pub certified_until: Option<String>,
}

/// The catalogue, by category and name.
pub async fn catalogue(c: &mut impl DbConn) -> StoreResult<Vec<Skill>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Skill>(
        "SELECT id, name, category FROM skills ORDER BY category, name"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Adds a skill to the catalogue (the caller has checked it administers).
pub async fn create(tx: &mut Tx, name: &str, category: &str) -> StoreResult<Skill> {
    on_ex!(tx, |e| sqlx::query_as::<_, Skill>(
        "INSERT INTO skills (name, category) VALUES ($1, $2) RETURNING id, name, category"
    )
    .bind(name)
    .bind(category)
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("name"))
}

/// The skills of a person of a unit inside `scope`.
pub async fn of_person(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    person_id: i64,
) -> StoreResult<Vec<PersonSkill>> {
    crate::people::get(c, scope, person_id).await?;
    Ok(on_ex!(c, |e| sqlx::query_as::<_, PersonSkill>(
        "SELECT ps.skill_id, s.name, s.category, ps.level, ps.certified_until
         FROM person_skills ps JOIN skills s ON s.id = ps.skill_id
         WHERE ps.person_id = $1 ORDER BY s.category, s.name"
    )
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A skill given to a person in bulk.
#[derive(Debug, Clone, Copy)]
pub struct NewPersonSkill<'a> {
    /// The person.
    pub person_id: i64,
    /// The skill.
    pub skill_id: i64,
    /// Level, 1 to 5.
    pub level: i32,
    /// Last day of a certification, if any.
    pub certified_until: Option<&'a str>,
}

/// Gives skills to people in bulk, none of which they hold yet: a few
/// statements per batch instead of five per skill. Every person must be
/// inside `scope` (else `NotFound`, nothing written by the caller's
/// transaction once it rolls back), every skill known (`Conflict` on
/// `skill_id`), and a skill already held is a `Conflict` too.
pub async fn add_many(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    rows: &[NewPersonSkill<'_>],
) -> StoreResult<()> {
    use std::collections::{BTreeMap, BTreeSet};
    if rows.is_empty() {
        return Ok(());
    }
    // Whose units are they in (and may the caller change them)?
    let people: BTreeSet<i64> = rows.iter().map(|r| r.person_id).collect();
    let people: Vec<i64> = people.into_iter().collect();
    let mut unit_of: BTreeMap<i64, UnitId> = BTreeMap::new();
    for chunk in people.chunks(500) {
        let sql = format!(
            "SELECT p.id, p.unit_id FROM people p WHERE p.id IN ({}) AND {}",
            tree::join(chunk),
            unit_condition(scope, "p.unit_id")
        );
        let found: Vec<(i64, UnitId)> =
            on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(&mut *e)
                .await)?;
        unit_of.extend(found);
    }
    if unit_of.len() != people.len() {
        return Err(StoreError::NotFound);
    }
    let skills: BTreeSet<i64> = rows.iter().map(|r| r.skill_id).collect();
    let skills: Vec<i64> = skills.into_iter().collect();
    let sql = format!(
        "SELECT count(*) FROM skills WHERE id IN ({})",
        tree::join(&skills)
    );
    let known: i64 = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .fetch_one(&mut *e)
    .await)?;
    if known != skills.len() as i64 {
        return Err(StoreError::Conflict { field: "skill_id" });
    }
    for chunk in rows.chunks(200) {
        let values = crate::db::numbered_rows(chunk.len(), 4, 0, "", '$');
        let sql = format!(
            "INSERT INTO person_skills (person_id, skill_id, level, certified_until) VALUES {values}"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for r in chunk {
                q = q
                    .bind(r.person_id)
                    .bind(r.skill_id)
                    .bind(r.level)
                    .bind(r.certified_until);
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })
        .map_err(|e| StoreError::from(e).conflict_on("skill_id"))?;
    }
    // The counters of all units in a few statements.
    let metrics: BTreeMap<i64, String> = rows
        .iter()
        .map(|r| (r.skill_id, aggregates::skill_metric(r.skill_id)))
        .collect();
    let deltas: Vec<(UnitId, &str, i64)> = rows
        .iter()
        .map(|r| (unit_of[&r.person_id], metrics[&r.skill_id].as_str(), 1))
        .collect();
    aggregates::add_bulk(tx, &deltas).await?;
    Ok(())
}

/// Records or updates a person's skill; returns whether it is new.
pub async fn set(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    person_id: i64,
    skill_id: i64,
    level: i32,
    certified_until: Option<&str>,
) -> StoreResult<bool> {
    let person = crate::people::get(tx, scope, person_id).await?;
    let known: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT count(*) FROM skills WHERE id = $1"
    )
    .bind(skill_id)
    .fetch_one(&mut *e)
    .await)?;
    if known == 0 {
        return Err(StoreError::Conflict { field: "skill_id" });
    }
    let updated = on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE person_skills SET level = $1, certified_until = $2 WHERE person_id = $3 AND skill_id = $4"
    )
    .bind(level)
    .bind(certified_until)
    .bind(person_id)
    .bind(skill_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    if updated > 0 {
        return Ok(false);
    }
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO person_skills (person_id, skill_id, level, certified_until) VALUES ($1, $2, $3, $4)"
    )
    .bind(person_id)
    .bind(skill_id)
    .bind(level)
    .bind(certified_until)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    aggregates::add(tx, person.unit_id, &aggregates::skill_metric(skill_id), 1).await?;
    Ok(true)
}

/// Raises a person's skill to at least `level` (a study assignment's
/// completion grants it; the caller proved the enrolment). A skill held
/// at a higher level is left as it is.
pub async fn raise(tx: &mut Tx, person_id: i64, skill_id: i64, level: i64) -> StoreResult<()> {
    let held: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT CAST(level AS BIGINT) FROM person_skills WHERE person_id = $1 AND skill_id = $2"
    )
    .bind(person_id)
    .bind(skill_id)
    .fetch_optional(&mut *e)
    .await)?;
    match held {
        Some(h) if h >= level => {}
        Some(_) => {
            on_ex!(tx, |e| sqlx::query(
                "UPDATE person_skills SET level = $3 WHERE person_id = $1 AND skill_id = $2"
            )
            .bind(person_id)
            .bind(skill_id)
            .bind(level as i32)
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
        }
        None => {
            let unit: i64 = on_ex!(tx, |e| sqlx::query_scalar(
                "SELECT unit_id FROM people WHERE id = $1"
            )
            .bind(person_id)
            .fetch_one(&mut *e)
            .await)?;
            on_ex!(tx, |e| sqlx::query(
                "INSERT INTO person_skills (person_id, skill_id, level) VALUES ($1, $2, $3)"
            )
            .bind(person_id)
            .bind(skill_id)
            .bind(level as i32)
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
            aggregates::add(tx, unit, &aggregates::skill_metric(skill_id), 1).await?;
        }
    }
    Ok(())
}

/// Removes a person's skill; returns whether there was one.
pub async fn remove(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    person_id: i64,
    skill_id: i64,
) -> StoreResult<bool> {
    let person = crate::people::get(tx, scope, person_id).await?;
    let n = on_ex!(tx, |e| sqlx::query(
        "DELETE FROM person_skills WHERE person_id = $1 AND skill_id = $2"
    )
    .bind(person_id)
    .bind(skill_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if n > 0 {
        aggregates::add(tx, person.unit_id, &aggregates::skill_metric(skill_id), -1).await?;
    }
    Ok(n > 0)
}

/// A line of a unit's talent summary.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Talent {
    /// The skill.
    pub skill_id: i64,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// People with the skill in the unit and below.
    pub people: i64,
}

/// The talent summary of a unit inside `scope`, read from its counters.
pub async fn summary(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<Talent>> {
    let sql = format!(
        "SELECT s.id AS skill_id, s.name, s.category, a.subtree AS people
         FROM unit_aggregates a JOIN skills s ON a.metric = 'skill.' || CAST(s.id AS TEXT)
         WHERE a.unit_id = $1 AND a.subtree > 0 AND {}
         ORDER BY s.category, s.name",
        unit_condition(scope, "a.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Talent>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: People holding each skill; they follow the people.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "skills",
    metrics: &["skill."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, 'skill.' || CAST(ps.skill_id AS TEXT),
                sum(CASE WHEN p.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM person_skills ps JOIN people p ON p.id = ps.person_id
         JOIN unit_closure c ON c.descendant_id = p.unit_id
         GROUP BY c.ancestor_id, ps.skill_id",
};
