//! Units: view, create, rename.

use grassroots_core::validate::display_name;
use grassroots_core::{FieldError, Manage, Read, UnitId};
use grassroots_store::audit;
use grassroots_store::units::{self, Unit, UnitListing};
use serde::Serialize;
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// Level keys a unit may have. The structure module makes these
/// configurable per organization profile.
pub const LEVELS: &[&str] = &[
    "central_committee",
    "department",
    "provincial_committee",
    "city_committee",
    "county_committee",
    "primary_committee",
    "cell",
];

fn level(raw: &str) -> AppResult<String> {
    let l = raw.trim();
    if LEVELS.contains(&l) {
        Ok(l.to_string())
    } else {
        Err(FieldError::new(
            "level",
            "invalid",
            format!("must be one of: {}", LEVELS.join(", ")),
        )
        .into())
    }
}

/// Everything the unit page shows.
#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    /// The unit.
    pub unit: Unit,
    /// Root-to-unit path; the flag says whether the reader may open it.
    pub path: Vec<(Unit, bool)>,
    /// Children inside the reader's scope.
    pub children: Vec<UnitListing>,
    /// Whether the reader may create children and rename the unit.
    pub can_manage: bool,
    /// Whether the reader may add and change people of the unit.
    pub can_edit: bool,
    /// Maintained counters: metric → (in the unit, in its subtree).
    pub counters: std::collections::BTreeMap<String, (i64, i64)>,
}

impl UnitView {
    /// The subtree count of a metric (0 when absent).
    pub fn subtree(&self, metric: &str) -> i64 {
        self.counters.get(metric).map_or(0, |c| c.1)
    }

    /// People in the subtree, by status, in the order of
    /// [`grassroots_store::people::STATUSES`].
    pub fn people_by_status(&self) -> Vec<(String, i64)> {
        grassroots_store::people::STATUSES
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    self.subtree(&grassroots_store::aggregates::people_metric(s)),
                )
            })
            .collect()
    }
}

/// The unit page of `id`, if inside the reader's scope.
pub async fn view(app: &App, actor: &Actor, id: UnitId) -> AppResult<UnitView> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let unit = units::get(&mut c, &read, id).await?;
    let path = units::path(&mut c, &read, id).await?;
    let children = units::children(&mut c, &read, id).await?;
    let can_manage = units::in_scope(&mut c, &actor.principal.scope::<Manage>(), id).await?;
    let can_edit = units::in_scope(
        &mut c,
        &actor.principal.scope::<grassroots_core::Edit>(),
        id,
    )
    .await?;
    let counters = grassroots_store::aggregates::of_unit(&mut c, &read, id).await?;
    Ok(UnitView {
        unit,
        path,
        children,
        can_manage,
        can_edit,
        counters,
    })
}

/// The top units of the reader's scope (where navigation starts).
pub async fn tops(app: &App, actor: &Actor) -> AppResult<Vec<UnitListing>> {
    let mut c = app.db.conn().await?;
    Ok(units::scope_tops(&mut c, &actor.principal.scope::<Read>()).await?)
}

/// Units inside the reader's scope, paginated.
pub async fn list(app: &App, actor: &Actor, limit: i64, offset: i64) -> AppResult<Vec<Unit>> {
    let mut c = app.db.conn().await?;
    Ok(units::list(
        &mut c,
        &actor.principal.scope::<Read>(),
        limit.clamp(1, 1000),
        offset.max(0),
    )
    .await?)
}

/// Units the actor administers (for choosing where to place accounts and
/// roles), paginated.
pub async fn list_administered(
    app: &App,
    actor: &Actor,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Unit>> {
    let mut c = app.db.conn().await?;
    Ok(units::list(
        &mut c,
        &actor.principal.scope::<grassroots_core::Administer>(),
        limit.clamp(1, 1000),
        offset.max(0),
    )
    .await?)
}

/// Units the actor manages that `id` could move under (outside its own
/// subtree), at most `limit`.
pub async fn move_targets(
    app: &App,
    actor: &Actor,
    id: UnitId,
    limit: i64,
) -> AppResult<Vec<Unit>> {
    let mut c = app.db.conn().await?;
    Ok(units::move_targets(
        &mut c,
        &actor.principal.scope::<Manage>(),
        id,
        limit.clamp(1, 1000),
    )
    .await?)
}

/// One unit inside the reader's scope.
pub async fn get(app: &App, actor: &Actor, id: UnitId) -> AppResult<Unit> {
    let mut c = app.db.conn().await?;
    Ok(units::get(&mut c, &actor.principal.scope::<Read>(), id).await?)
}

/// Refuses unless the actor holds capability `C` at the unit: `Forbidden`
/// when the unit is readable but the capability is missing, `NotFound` when
/// it is not even readable (so its existence is not revealed).
pub(crate) async fn require<C: grassroots_core::Capability>(
    app: &App,
    actor: &Actor,
    id: UnitId,
) -> AppResult<()> {
    let mut c = app.db.conn().await?;
    if units::in_scope(&mut c, &actor.principal.scope::<C>(), id).await? {
        Ok(())
    } else if units::in_scope(&mut c, &actor.principal.scope::<Read>(), id).await? {
        Err(AppError::Forbidden)
    } else {
        Err(AppError::NotFound)
    }
}

/// Creates a child unit.
pub async fn create_child(
    app: &App,
    actor: &Actor,
    parent_id: UnitId,
    name: &str,
    level_key: &str,
) -> AppResult<Unit> {
    require::<Manage>(app, actor, parent_id).await?;
    let name = display_name("name", name)?;
    let level_key = level(level_key)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let unit = units::create_child(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        parent_id,
        &name,
        &level_key,
        now,
    )
    .await?;
    let mut e = actor.entry("unit.create", "unit", unit.id, Some(unit.id));
    e.after = Some(json!(unit));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(unit)
}

/// Renames a unit.
pub async fn rename(app: &App, actor: &Actor, id: UnitId, name: &str) -> AppResult<Unit> {
    require::<Manage>(app, actor, id).await?;
    let name = display_name("name", name)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (before, after) =
        units::rename(&mut tx, &actor.principal.scope::<Manage>(), id, &name, now).await?;
    let mut e = actor.entry("unit.rename", "unit", id, Some(id));
    e.before = Some(json!(before));
    e.after = Some(json!(after));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(after)
}

/// Moves a unit with its subtree under another unit. The actor must manage
/// both the unit's current parent and the new parent.
pub async fn move_unit(
    app: &App,
    actor: &Actor,
    id: UnitId,
    new_parent: UnitId,
) -> AppResult<Unit> {
    let read = actor.principal.scope::<Read>();
    let manage = actor.principal.scope::<Manage>();
    let bad_parent =
        |code: &'static str, msg: &str| AppError::Invalid(FieldError::new("parent_id", code, msg));
    {
        let mut c = app.db.conn().await?;
        let unit = units::get(&mut c, &read, id).await?;
        let Some(old_parent) = unit.parent_id else {
            return Err(bad_parent(
                "root",
                "the organization itself cannot be moved",
            ));
        };
        if !units::in_scope(&mut c, &read, new_parent).await? {
            return Err(bad_parent("not_found", "no such unit within your units"));
        }
        if units::is_within(&mut c, id, new_parent).await? {
            return Err(bad_parent(
                "cycle",
                "a unit cannot move under itself or a unit below it",
            ));
        }
        if !units::in_scope(&mut c, &manage, old_parent).await?
            || !units::in_scope(&mut c, &manage, new_parent).await?
        {
            return Err(AppError::Forbidden);
        }
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (before, after) = units::move_to(&mut tx, &manage, id, new_parent, now).await?;
    let mut e = actor.entry("unit.move", "unit", id, Some(id));
    e.before = Some(json!({ "parent_id": before.parent_id }));
    e.after = Some(json!({ "parent_id": after.parent_id }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(after)
}
