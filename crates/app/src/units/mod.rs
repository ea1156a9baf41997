//! Units: view, create, rename, move, merge, close, and their history.

use grassroots_core::validate::display_name;
use grassroots_core::{FieldError, Manage, Read, UnitId};
use grassroots_store::profiles::{self, Level};
use grassroots_store::units::{self, CloseBlockers, MergeOutcome, Unit, UnitListing};
use grassroots_store::{audit, tree};
use serde::Serialize;
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// The active profile's level with key `raw`, or an error naming the
/// field and the allowed keys.
async fn level(c: &mut impl grassroots_store::DbConn, raw: &str) -> AppResult<Level> {
    let key = raw.trim();
    let all = profiles::active(c).await?;
    all.iter().find(|l| l.key == key).cloned().ok_or_else(|| {
        FieldError::new(
            "level",
            "invalid",
            format!(
                "must be one of: {}",
                all.iter()
                    .map(|l| l.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into()
    })
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
        subtree_count(&self.counters, metric)
    }

    /// People in the subtree, by status, in the order of
    /// [`grassroots_store::people::STATUSES`].
    pub fn people_by_status(&self) -> Vec<(String, i64)> {
        people_by_status(&self.counters)
    }
}

type Counters = std::collections::BTreeMap<String, (i64, i64)>;

fn subtree_count(counters: &Counters, metric: &str) -> i64 {
    counters.get(metric).map_or(0, |c| c.1)
}

fn people_by_status(counters: &Counters) -> Vec<(String, i64)> {
    grassroots_store::people::STATUSES
        .iter()
        .map(|s| {
            (
                s.to_string(),
                subtree_count(counters, &grassroots_store::aggregates::people_metric(s)),
            )
        })
        .collect()
}

/// The head of the unit page: the unit, where it sits and its counters.
#[derive(Debug, Clone, Serialize)]
pub struct UnitHeading {
    /// The unit.
    pub unit: Unit,
    /// Root-to-unit path; the flag says whether the reader may open it.
    pub path: Vec<(Unit, bool)>,
    /// Maintained counters: metric → (in the unit, in its subtree).
    pub counters: Counters,
}

impl UnitHeading {
    /// The subtree count of a metric (0 when absent).
    pub fn subtree(&self, metric: &str) -> i64 {
        subtree_count(&self.counters, metric)
    }

    /// People in the subtree, by status, in the order of
    /// [`grassroots_store::people::STATUSES`].
    pub fn people_by_status(&self) -> Vec<(String, i64)> {
        people_by_status(&self.counters)
    }
}

/// The unit page of `id`, if inside the reader's scope.
pub async fn view(app: &App, actor: &Actor, id: UnitId) -> AppResult<UnitView> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let unit = units::get(&mut c, &read, id).await?;
    let path = units::path(&mut c, &read, id).await?;
    let children = units::children(&mut c, &read, id).await?;
    let can_manage = tree::in_scope(&mut c, &actor.principal.scope::<Manage>(), id).await?;
    let can_edit = tree::in_scope(
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

/// A unit and what the reader may do there: what every section of the
/// unit page starts from.
#[derive(Debug, Clone, Serialize)]
pub struct UnitAccess {
    /// The unit.
    pub unit: Unit,
    /// Whether the reader may create children and rename the unit.
    pub can_manage: bool,
    /// Whether the reader may add and change people of the unit.
    pub can_edit: bool,
}

/// The unit `id` and the reader's rights there, if inside the reader's
/// scope, with its kept heading (levels and counters; see [`heading`]).
pub async fn access(
    app: &App,
    actor: &Actor,
    id: UnitId,
) -> AppResult<(UnitAccess, std::sync::Arc<KeptHeading>)> {
    let (kept, ids) = kept_heading(app, actor, id).await?;
    let access = UnitAccess {
        unit: kept.unit.clone(),
        can_manage: actor.principal.scope::<Manage>().allows(id, &ids),
        can_edit: actor
            .principal
            .scope::<grassroots_core::Edit>()
            .allows(id, &ids),
    };
    Ok((access, kept))
}

/// What the head of a unit page shows, the same for every reader who may
/// read the unit; kept between requests (see [`crate::cache`]).
pub struct KeptHeading {
    unit: Unit,
    /// Root first, the unit last.
    path: Vec<Unit>,
    counters: Counters,
    levels: Vec<Level>,
}

impl KeptHeading {
    /// The active profile's levels, top first.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// The subtree count of a metric (0 when absent).
    pub fn subtree(&self, metric: &str) -> i64 {
        subtree_count(&self.counters, metric)
    }
}

/// Unit page heads kept between requests.
pub type KeptHeadings = crate::cache::Kept<UnitId, KeptHeading>;

/// The heading cache of a server with `config`: a few kilobytes each.
pub fn kept_headings(config: &crate::Config) -> KeptHeadings {
    // Its counters change with progress in its subtree.
    crate::cache::Kept::configured(2_048, config).watching(|u| grassroots_store::Watch::Subtree(*u))
}

/// The kept head of unit `id` once the reader may read it, and the unit's
/// ancestor ids (the unit first).
async fn kept_heading(
    app: &App,
    actor: &Actor,
    id: UnitId,
) -> AppResult<(std::sync::Arc<KeptHeading>, Vec<UnitId>)> {
    require_read_kept(app, actor, id).await?;
    let read = actor.principal.scope::<Read>();
    let kept = app
        .headings
        .get_or_read(id, || async {
            let mut c = app.db.conn().await?;
            let unit = units::get(&mut c, &read, id).await?;
            let path = units::path(&mut c, &read, id)
                .await?
                .into_iter()
                .map(|(u, _)| u)
                .collect();
            let counters = grassroots_store::aggregates::of_unit(&mut c, &read, id).await?;
            let levels = profiles::active(&mut c).await?;
            Ok::<_, AppError>(KeptHeading {
                unit,
                path,
                counters,
                levels,
            })
        })
        .await?;
    let ids = kept.path.iter().rev().map(|u| u.id).collect();
    Ok((kept, ids))
}

/// The head of the unit page: the unit, its path (with whether the reader
/// may open each step), its maintained counters and the profile's levels;
/// kept between requests, so a warm one costs no statement.
pub async fn heading(app: &App, actor: &Actor, id: UnitId) -> AppResult<(UnitHeading, Vec<Level>)> {
    let (kept, _) = kept_heading(app, actor, id).await?;
    let read = actor.principal.scope::<Read>();
    let path = kept
        .path
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let ancestors: Vec<UnitId> = kept.path[..=i].iter().rev().map(|a| a.id).collect();
            (u.clone(), read.allows(u.id, &ancestors))
        })
        .collect();
    Ok((
        UnitHeading {
            unit: kept.unit.clone(),
            path,
            counters: kept.counters.clone(),
        },
        kept.levels.clone(),
    ))
}

/// The children of `id` inside the reader's scope.
pub async fn children(app: &App, actor: &Actor, id: UnitId) -> AppResult<Vec<UnitListing>> {
    let mut c = app.db.conn().await?;
    Ok(units::children(&mut c, &actor.principal.scope::<Read>(), id).await?)
}

/// The top units of the reader's scope (where navigation starts); none,
/// without a statement, for a reader who reads no unit (a member).
pub async fn tops(app: &App, actor: &Actor) -> AppResult<Vec<UnitListing>> {
    let read = actor.principal.scope::<Read>();
    if read.is_empty() {
        return Ok(Vec::new());
    }
    let mut c = app.db.conn().await?;
    Ok(units::scope_tops(&mut c, &read).await?)
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

/// Open units the actor manages that `id` could move under or merge into
/// (outside its own subtree; the current parent only when
/// `include_parent`), whose name contains `name` if given, at most
/// `limit`.
pub async fn move_targets(
    app: &App,
    actor: &Actor,
    id: UnitId,
    include_parent: bool,
    name: Option<&str>,
    limit: i64,
) -> AppResult<Vec<Unit>> {
    let manage = actor.principal.scope::<Manage>();
    // Every target lies outside the unit's subtree; when the reader
    // manages nothing outside it (a secretary at their own unit), there is
    // none, and looking would read every unit the scope holds.
    let mut outside = false;
    for root in manage.single_units().iter().chain(manage.subtree_roots()) {
        if !kept_ancestors(app, *root).await?.contains(&id) {
            outside = true;
            break;
        }
    }
    if !outside {
        return Ok(Vec::new());
    }
    let mut c = app.db.conn().await?;
    Ok(units::move_targets(
        &mut c,
        &manage,
        id,
        include_parent,
        name.map(str::trim).filter(|n| !n.is_empty()),
        limit.clamp(1, 1000),
    )
    .await?)
}

/// One unit inside the reader's scope.
pub async fn get(app: &App, actor: &Actor, id: UnitId) -> AppResult<Unit> {
    let mut c = app.db.conn().await?;
    Ok(units::get(&mut c, &actor.principal.scope::<Read>(), id).await?)
}

/// Units' ancestor ids (the unit first), kept between requests.
pub type KeptPaths = crate::cache::Kept<UnitId, Vec<UnitId>>;

/// The ancestor cache of a server with `config`: a few ids per unit, so
/// 16,384 units take well under a megabyte.
pub fn kept_paths(config: &crate::Config) -> KeptPaths {
    crate::cache::Kept::configured(16_384, config)
        .watching(|_| grassroots_store::Watch::AllButProgress)
}

/// The ancestor ids of unit `id` (the unit first), kept between requests
/// under the rule of [`require_read_kept`].
async fn kept_ancestors(app: &App, id: UnitId) -> AppResult<std::sync::Arc<Vec<UnitId>>> {
    app.unit_paths
        .get_or_read(id, || async {
            let mut c = app.db.conn().await?;
            Ok::<_, AppError>(tree::ancestor_ids(&mut c, id).await?)
        })
        .await
}

/// [`require`] for reading, with the unit's ancestors kept between
/// requests under the rule that keeps sign-ins (see [`crate::cache`]): a
/// move made by this process is seen at once, one made by another process
/// within `cache.fresh_seconds`, as a revoked role is. For reads served
/// from memory (a kept dashboard), which would otherwise cost a statement
/// each for the check alone.
/// Returns the ancestors (the unit first), for the reader to use.
pub(crate) async fn require_read_kept(
    app: &App,
    actor: &Actor,
    id: UnitId,
) -> AppResult<std::sync::Arc<Vec<UnitId>>> {
    let path = kept_ancestors(app, id).await?;
    if actor.principal.scope::<Read>().allows(id, &path) {
        Ok(path)
    } else {
        Err(AppError::NotFound)
    }
}

/// Refuses unless the actor holds capability `C` at the unit: `Forbidden`
/// when the unit is readable but the capability is missing, `NotFound` when
/// it is not even readable (so its existence is not revealed).
pub(crate) async fn require<C: grassroots_core::Capability + 'static>(
    app: &App,
    actor: &Actor,
    id: UnitId,
) -> AppResult<()> {
    let mut c = app.db.conn().await?;
    if tree::in_scope(&mut c, &actor.principal.scope::<C>(), id).await? {
        // A closed unit is history: it can be read, never changed.
        if std::any::TypeId::of::<C>() != std::any::TypeId::of::<Read>()
            && units::is_closed(&mut c, id).await?
        {
            return Err(closed_error("unit_id"));
        }
        Ok(())
    } else if tree::in_scope(&mut c, &actor.principal.scope::<Read>(), id).await? {
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
    create(app, actor, parent_id, name, level_key, "").await
}

/// An external id as typed: empty for none, else at most 100 printable
/// characters.
fn external_id(raw: &str) -> AppResult<Option<String>> {
    crate::input::optional(raw, "external_id", 100)
}

/// Creates a child unit carrying an external id (empty: none), the code
/// of the unit in another register that imports match on.
pub async fn create(
    app: &App,
    actor: &Actor,
    parent_id: UnitId,
    name: &str,
    level_key: &str,
    external_id_raw: &str,
) -> AppResult<Unit> {
    require::<Manage>(app, actor, parent_id).await?;
    let name = display_name("name", name)?;
    let level = level(&mut app.db.conn().await?, level_key).await?;
    let ext = external_id(external_id_raw)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let unit = units::create_child(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        parent_id,
        &name,
        &level.key,
        ext.as_deref(),
        now,
    )
    .await?;
    let mut e = actor.entry("unit.create", "unit", unit.id, Some(unit.id));
    e.after = Some(json!(unit));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(unit)
}

/// Renames a unit and sets its external id (`None` leaves either as it
/// is; an empty external id clears it), in one change.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: UnitId,
    name: Option<&str>,
    external_id_raw: Option<&str>,
) -> AppResult<Unit> {
    require::<Manage>(app, actor, id).await?;
    let name = name.map(|n| display_name("name", n)).transpose()?;
    let ext = external_id_raw.map(external_id).transpose()?;
    let scope = actor.principal.scope::<Manage>();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut unit = units::get(&mut tx, &scope, id).await?;
    if let Some(name) = name.filter(|n| *n != unit.name) {
        let (before, after) = units::rename(&mut tx, &scope, id, &name, now).await?;
        let mut e = actor.entry("unit.rename", "unit", id, Some(id));
        e.before = Some(json!(before));
        e.after = Some(json!(after));
        audit::append(&mut tx, now, &e).await?;
        unit = after;
    }
    if let Some(ext) = ext.filter(|e| *e != unit.external_id) {
        let (before, after) =
            units::set_external_id(&mut tx, &scope, id, ext.as_deref(), now).await?;
        audit_external_id(&mut tx, actor, &before, &after, now).await?;
        unit = after;
    }
    tx.commit().await?;
    Ok(unit)
}

/// The audit row of a unit's external id changing (by hand or by import).
pub(crate) async fn audit_external_id(
    tx: &mut grassroots_store::Tx,
    actor: &Actor,
    before: &Unit,
    after: &Unit,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let mut e = actor.entry("unit.external_id", "unit", after.id, Some(after.id));
    e.before = Some(json!({ "external_id": before.external_id }));
    e.after = Some(json!({ "external_id": after.external_id }));
    audit::append(tx, now, &e).await?;
    Ok(())
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
        if !tree::in_scope(&mut c, &read, new_parent).await? {
            return Err(bad_parent("not_found", "no such unit within your units"));
        }
        if unit.closed_at.is_some() {
            return Err(closed_error("id"));
        }
        if units::is_closed(&mut c, new_parent).await? {
            return Err(bad_parent("closed", "the unit is closed"));
        }
        if tree::is_within(&mut c, id, new_parent).await? {
            return Err(bad_parent(
                "cycle",
                "a unit cannot move under itself or a unit below it",
            ));
        }
        if !tree::in_scope(&mut c, &manage, old_parent).await?
            || !tree::in_scope(&mut c, &manage, new_parent).await?
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

/// The error for a change to a closed unit.
pub(crate) fn closed_error(field: &'static str) -> AppError {
    AppError::Invalid(FieldError::new(
        field,
        "closed",
        "the unit is closed; its records can be read but not changed",
    ))
}

/// Closes a unit that no longer holds anything: no open child units, no
/// people who have not left, no positions held, no pending transfers
/// (the error lists what remains). Role grants at the unit end and the
/// accounts placed there move to the parent. The actor must manage the
/// parent.
pub async fn close(app: &App, actor: &Actor, id: UnitId) -> AppResult<Unit> {
    let unit = get(app, actor, id).await?;
    let Some(parent) = unit.parent_id else {
        return Err(AppError::Invalid(FieldError::new(
            "id",
            "root",
            "the organization itself cannot be closed",
        )));
    };
    require::<Manage>(app, actor, id).await?;
    require::<Manage>(app, actor, parent).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let blockers = units::close_blockers(&mut tx, id).await?;
    if !blockers.is_clear() {
        return Err(AppError::Invalid(FieldError::new(
            "id",
            "not_empty",
            close_refusal(&blockers),
        )));
    }
    let (after, ended) = units::close(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        id,
        &actor.label,
        now,
        &grassroots_store::registry::FEATURES,
    )
    .await?;
    let mut e = actor.entry("unit.close", "unit", id, Some(id));
    e.before = Some(json!(unit));
    e.after = Some(json!({ "unit": after, "ended_grants": ended }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(after)
}

fn close_refusal(b: &CloseBlockers) -> String {
    let parts: Vec<String> = [
        (b.children, "open child units (merge or close them)"),
        (b.people, "people (transfer them or merge the unit)"),
        (b.positions, "positions still held (end them)"),
        (b.transfers, "pending transfers (settle them)"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    format!("the unit still has {}", parts.join(", "))
}

/// Merges unit `from` into `into`: its open children, people, positions
/// still held and pending transfers move to `into`; `from` closes and
/// points to it. The actor must manage `from`'s parent, `from` and `into`.
pub async fn merge(
    app: &App,
    actor: &Actor,
    from: UnitId,
    into: UnitId,
) -> AppResult<(Unit, MergeOutcome)> {
    let bad_into =
        |code: &'static str, msg: &str| AppError::Invalid(FieldError::new("into_id", code, msg));
    let unit = get(app, actor, from).await?;
    let Some(parent) = unit.parent_id else {
        return Err(AppError::Invalid(FieldError::new(
            "id",
            "root",
            "the organization itself cannot be merged",
        )));
    };
    require::<Manage>(app, actor, from).await?;
    {
        let mut c = app.db.conn().await?;
        if !tree::in_scope(&mut c, &actor.principal.scope::<Read>(), into).await? {
            return Err(bad_into("not_found", "no such unit within your units"));
        }
        if tree::is_within(&mut c, from, into).await? {
            return Err(bad_into(
                "inside",
                "a unit cannot be merged into itself or a unit below it",
            ));
        }
        if units::is_closed(&mut c, into).await? {
            return Err(bad_into("closed", "the unit is closed"));
        }
        let outside =
            units::merge_ends_outside(&mut c, &actor.principal.scope::<Manage>(), from, into)
                .await?;
        if outside > 0 {
            return Err(bad_into(
                "positions_outside",
                &format!(
                    "{outside} positions held by people of this unit, in units you do not manage, would end; ask who manages those units to end them first"
                ),
            ));
        }
    }
    require::<Manage>(app, actor, parent).await?;
    require::<Manage>(app, actor, into).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (after, outcome) = units::merge(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        from,
        into,
        &actor.label,
        now,
        &grassroots_store::registry::FEATURES,
    )
    .await?;
    let mut e = actor.entry("unit.merge", "unit", from, Some(into));
    e.before = Some(json!(unit));
    e.after = Some(json!({ "unit": after, "into_id": into, "moved": outcome }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok((after, outcome))
}

/// One change in a unit's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitEvent {
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who (login name, `cli` or `system`).
    pub actor: String,
    /// `unit.create`, `unit.rename`, `unit.move`, `unit.merge`, `unit.close`.
    pub action: String,
    /// The value before, in words (old name, old parent, merged unit).
    pub from: Option<String>,
    /// The value after (new name, new parent, surviving unit).
    pub to: Option<String>,
}

/// What changed in a unit over time: creation, renames, moves, merges
/// (of it and into it) and closing, oldest first.
pub async fn history(app: &App, actor: &Actor, id: UnitId) -> AppResult<Vec<UnitEvent>> {
    get(app, actor, id).await?;
    let mut c = app.db.conn().await?;
    let rows = audit::unit_history(&mut c, id).await?;
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            .unwrap_or_default()
    };
    // Parent and merge partners are named by id in the log.
    let mut ids = Vec::new();
    for r in &rows {
        let (b, a) = (parse(&r.before_json), parse(&r.after_json));
        for v in [&b["parent_id"], &a["parent_id"], &a["into_id"]] {
            if let Some(i) = v.as_i64() {
                ids.push(i);
            }
        }
    }
    // Only units the reader may open are named.
    let read = actor.principal.scope::<Read>();
    let mut names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for (id, name) in units::names(&mut c, &ids).await? {
        if tree::in_scope(&mut c, &read, id).await? {
            names.insert(id, name);
        }
    }
    let name_of = |v: &serde_json::Value| v.as_i64().and_then(|i| names.get(&i).cloned());
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    Ok(rows
        .iter()
        .map(|r| {
            let (b, a) = (parse(&r.before_json), parse(&r.after_json));
            let (from, to) = match r.action.as_str() {
                "unit.create" => (None, text(&a["name"])),
                "unit.rename" => (text(&b["name"]), text(&a["name"])),
                "unit.move" => (name_of(&b["parent_id"]), name_of(&a["parent_id"])),
                "unit.merge" => (text(&b["name"]), name_of(&a["into_id"])),
                _ => (None, None),
            };
            UnitEvent {
                at: r.at,
                actor: r.actor.clone(),
                action: r.action.clone(),
                from,
                to,
            }
        })
        .collect())
}

/// The active organization profile and its levels.
pub async fn profile(app: &App) -> AppResult<(String, Vec<Level>)> {
    let mut c = app.db.conn().await?;
    Ok((
        profiles::profile(&mut c).await?,
        profiles::active(&mut c).await?,
    ))
}

/// The active profile's levels, top first.
pub async fn levels(app: &App) -> AppResult<Vec<Level>> {
    let mut c = app.db.conn().await?;
    Ok(profiles::active(&mut c).await?)
}

/// Closed children of a unit inside the reader's scope.
pub async fn closed_children(app: &App, actor: &Actor, id: UnitId) -> AppResult<Vec<Unit>> {
    let mut c = app.db.conn().await?;
    Ok(units::closed_children(&mut c, &actor.principal.scope::<Read>(), id).await?)
}

/// The unit with external id `ext`, if inside the reader's scope.
pub async fn by_external_id(app: &App, actor: &Actor, ext: &str) -> AppResult<Option<Unit>> {
    let mut c = app.db.conn().await?;
    Ok(units::by_external_id(&mut c, &actor.principal.scope::<Read>(), ext).await?)
}
