//! Organization profiles: the names of the tree's levels. A profile is an
//! ordered list of levels; each has a kind (`body`, `primary`, `cell`) so
//! that counters and vacancy views work whatever a level is called.

use serde::{Deserialize, Serialize};

use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// One level of the active profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Level {
    /// Key stored on units (for example `primary_committee`).
    pub key: String,
    /// Name shown for the level; `None` for the built-in, translated name.
    pub label: Option<String>,
    /// Order from the top (smaller is higher).
    pub rank: i32,
    /// `body`, `primary` or `cell`.
    pub kind: String,
    /// The levels a unit of this level may sit directly under; `None`
    /// means any level higher in the order.
    pub parents: Option<Vec<String>>,
}

impl Level {
    /// The keys of the levels a unit of this level may sit directly under,
    /// among `all` (the profile this level belongs to).
    pub fn allowed_parents<'a>(&'a self, all: &'a [Level]) -> Vec<&'a str> {
        match &self.parents {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => all
                .iter()
                .filter(|l| l.rank < self.rank)
                .map(|l| l.key.as_str())
                .collect(),
        }
    }
}

/// Whether a unit of level `child` may sit directly under one of level
/// `parent` in the profile `all`. Unknown levels may sit nowhere.
pub fn may_sit_under(all: &[Level], child: &str, parent: &str) -> bool {
    let Some(c) = all.iter().find(|l| l.key == child) else {
        return false;
    };
    if !all.iter().any(|l| l.key == parent) {
        return false;
    }
    c.allowed_parents(all).contains(&parent)
}

/// The keys of the levels a unit of level `child` may sit directly
/// under, in the profile `all` (none for a level the profile lacks).
pub fn allowed_parents_of(all: &[Level], child: &str) -> Vec<String> {
    all.iter()
        .find(|l| l.key == child)
        .map(|l| {
            l.allowed_parents(all)
                .into_iter()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The refusal of a unit of level `child` under one of level `parent`,
/// naming both levels and where `child` may sit.
pub fn placement_error(all: &[Level], child: &str, parent: &str) -> StoreError {
    StoreError::Placement {
        level: child.to_string(),
        parent_level: parent.to_string(),
        allowed: allowed_parents_of(all, child),
    }
}

/// Refuses a unit of level `child` directly under one of level `parent`
/// unless the profile `all` allows it.
pub fn require_placement(all: &[Level], child: &str, parent: &str) -> StoreResult<()> {
    if may_sit_under(all, child, parent) {
        Ok(())
    } else {
        Err(placement_error(all, child, parent))
    }
}

/// [`require_placement`] under the active profile.
pub async fn check_placement(c: &mut impl DbConn, child: &str, parent: &str) -> StoreResult<()> {
    require_placement(&active(c).await?, child, parent)
}

/// How many open units sit under a parent of one level: what a profile
/// change must keep allowed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Placement {
    /// The parent's level.
    pub parent_level: String,
    /// Whether the parent is the root (which takes a new profile's top
    /// level).
    pub parent_is_root: bool,
    /// The units' level.
    pub level: String,
    /// How many units.
    pub units: i64,
}

/// The placements of the open units of the tree.
pub async fn placements_in_use(c: &mut impl DbConn) -> StoreResult<Vec<Placement>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Placement>(
        "SELECT p.level AS parent_level, (p.parent_id IS NULL) AS parent_is_root,
                u.level AS level, count(*) AS units
         FROM units u JOIN units p ON p.id = u.parent_id
         WHERE u.closed_at IS NULL
         GROUP BY p.level, (p.parent_id IS NULL), u.level
         ORDER BY p.level, u.level"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Levels stored with their allowed parents as one text column
/// (space-separated keys; NULL for "any level above").
fn parents_column(parents: &Option<Vec<String>>) -> Option<String> {
    parents.as_ref().map(|p| p.join(" "))
}

fn parents_of_column(raw: Option<String>) -> Option<Vec<String>> {
    raw.map(|r| r.split_whitespace().map(str::to_string).collect())
}

/// Kinds a level may have.
pub const KINDS: &[&str] = grassroots_core::vocab::LevelKind::KEYS;

/// Names of the built-in profiles; `custom` is edited by administrators.
pub const BUILTIN_PROFILES: &[&str] = grassroots_core::vocab::BuiltinProfile::KEYS;

/// The levels of a built-in profile (top first), each with the levels it
/// may sit directly under, or `None` for `custom` and unknown names.
pub fn builtin(profile: &str) -> Option<Vec<Level>> {
    type Spec<'a> = (&'a str, &'a str, &'a [&'a str]);
    let keys: &[Spec<'_>] = match profile {
        "party" => &[
            ("central_committee", "body", &[]),
            ("department", "body", &["central_committee"]),
            ("provincial_committee", "body", &["central_committee"]),
            ("city_committee", "body", &["provincial_committee"]),
            (
                "county_committee",
                "body",
                &["provincial_committee", "city_committee"],
            ),
            (
                "primary_committee",
                "primary",
                &[
                    "central_committee",
                    "department",
                    "provincial_committee",
                    "city_committee",
                    "county_committee",
                ],
            ),
            ("cell", "cell", &["primary_committee"]),
        ],
        "trade_union" => &[
            ("confederation", "body", &[]),
            ("national_union", "body", &["confederation"]),
            (
                "regional_council",
                "body",
                &["confederation", "national_union"],
            ),
            (
                "local_union",
                "primary",
                &["confederation", "national_union", "regional_council"],
            ),
            ("workplace_group", "cell", &["local_union"]),
        ],
        "cooperative" => &[
            ("federation", "body", &[]),
            ("regional_union", "body", &["federation"]),
            ("cooperative", "primary", &["federation", "regional_union"]),
            ("work_team", "cell", &["cooperative"]),
        ],
        _ => return None,
    };
    Some(
        keys.iter()
            .enumerate()
            .map(|(i, (key, kind, parents))| Level {
                key: key.to_string(),
                label: None,
                rank: (i as i32 + 1) * 10,
                kind: kind.to_string(),
                parents: Some(parents.iter().map(|p| p.to_string()).collect()),
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
    type Row = (String, Option<String>, i32, String, Option<String>);
    let rows: Vec<Row> = on_ex!(c, |e| sqlx::query_as(
        "SELECT key, label, rank, kind, parents FROM unit_levels ORDER BY rank, key"
    )
    .fetch_all(&mut *e)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(key, label, rank, kind, parents)| Level {
            key,
            label,
            rank,
            kind,
            parents: parents_of_column(parents),
        })
        .collect())
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
            "INSERT INTO unit_levels (key, label, rank, kind, parents) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&l.key)
        .bind(&l.label)
        .bind(l.rank)
        .bind(&l.kind)
        .bind(parents_column(&l.parents))
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

/// The organization's default interface language, when one was chosen.
pub async fn default_locale(c: &mut impl DbConn) -> StoreResult<Option<String>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT locale FROM organization WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await)?)
}

/// Sets the organization's default interface language (checked by the
/// caller; `None` falls back to the server's configured one).
pub async fn set_default_locale(tx: &mut Tx, locale: Option<&str>) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE organization SET locale = $1 WHERE id = 1"
    )
    .bind(locale)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}
