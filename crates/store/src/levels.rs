//! Organization profiles: the names of the tree's levels. A profile is an
//! ordered list of levels; each has a kind (`body`, `primary`, `cell`) so
//! that counters and vacancy views work whatever a level is called.

use serde::{Deserialize, Serialize};

use crate::{DbConn, StoreResult, Tx, on_ex};

/// One level of the active profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Level {
    /// Key stored on units (for example `primary_committee`).
    pub key: String,
    /// Name shown for the level; `None` for the built-in, translated name.
    pub label: Option<String>,
    /// Order from the top (smaller is higher).
    pub rank: i32,
    /// `body`, `primary` or `cell`.
    pub kind: String,
}

/// Kinds a level may have.
pub const KINDS: &[&str] = &["body", "primary", "cell"];

/// Names of the built-in profiles; `custom` is edited by administrators.
pub const BUILTIN_PROFILES: &[&str] = &["party", "trade_union", "cooperative"];

/// The levels of a built-in profile (top first), or `None` for `custom`
/// and unknown names.
pub fn builtin(profile: &str) -> Option<Vec<Level>> {
    let keys: &[(&str, &str)] = match profile {
        "party" => &[
            ("central_committee", "body"),
            ("department", "body"),
            ("provincial_committee", "body"),
            ("city_committee", "body"),
            ("county_committee", "body"),
            ("primary_committee", "primary"),
            ("cell", "cell"),
        ],
        "trade_union" => &[
            ("confederation", "body"),
            ("national_union", "body"),
            ("regional_council", "body"),
            ("local_union", "primary"),
            ("workplace_group", "cell"),
        ],
        "cooperative" => &[
            ("federation", "body"),
            ("regional_union", "body"),
            ("cooperative", "primary"),
            ("work_team", "cell"),
        ],
        _ => return None,
    };
    Some(
        keys.iter()
            .enumerate()
            .map(|(i, (key, kind))| Level {
                key: key.to_string(),
                label: None,
                rank: (i as i32 + 1) * 10,
                kind: kind.to_string(),
            })
            .collect(),
    )
}

/// The active profile's name.
pub async fn profile(c: &mut impl DbConn) -> StoreResult<String> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT profile FROM organization WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await)?)
}

/// The active profile's levels, top first.
pub async fn active(c: &mut impl DbConn) -> StoreResult<Vec<Level>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Level>(
        "SELECT key, label, rank, kind FROM unit_levels ORDER BY rank, key"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// How many units use each level key (open and closed alike: a closed
/// unit keeps its level in the history).
pub async fn usage(c: &mut impl DbConn) -> StoreResult<Vec<(String, i64)>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT level, count(*) FROM units WHERE parent_id IS NOT NULL GROUP BY level ORDER BY level"
    )
    .fetch_all(&mut *e)
    .await
    })?)
}

/// Makes `levels` the active profile `name`, and gives the root the top
/// level. The caller has checked that every unit's level stays valid.
pub async fn replace(tx: &mut Tx, name: &str, levels: &[Level]) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query("DELETE FROM unit_levels")
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    for l in levels {
        on_ex!(tx, |e| sqlx::query(
            "INSERT INTO unit_levels (key, label, rank, kind) VALUES ($1, $2, $3, $4)"
        )
        .bind(&l.key)
        .bind(&l.label)
        .bind(l.rank)
        .bind(&l.kind)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE organization SET profile = $1 WHERE id = 1"
    )
    .bind(name)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if let Some(top) = levels.first() {
        on_ex!(tx, |e| sqlx::query(
            "UPDATE units SET level = $1 WHERE parent_id IS NULL"
        )
        .bind(&top.key)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The kind of a level key of the active profile.
pub async fn kind_of(c: &mut impl DbConn, key: &str) -> StoreResult<Option<String>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT kind FROM unit_levels WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(&mut *e)
    .await)?)
}

/// The calendar era the organization shows dates in (`gregorian`,
/// `juche`, `minguo`).
pub async fn calendar_era(c: &mut impl DbConn) -> StoreResult<String> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT calendar_era FROM organization WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await)?)
}

/// Sets the calendar era (checked by the caller).
pub async fn set_calendar_era(tx: &mut Tx, era: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE organization SET calendar_era = $1 WHERE id = 1"
    )
    .bind(era)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}
