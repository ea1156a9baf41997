//! The experience library. A unit's secretary writes up good practice,
//! linked to a plan category, a target of the unit's subtree, a decision
//! it carried out, or a closed incident or resolved welfare case it was
//! learnt from; other units find it by words, category and tag, and record
//! when they applied it. Experience is pushed, not only stored: a unit
//! whose own target lags is shown the experience of model units and of
//! units on track in the same category, on its page and through the API.

use std::collections::BTreeMap;

use grassroots_core::validate::display_name;
use grassroots_core::{FieldError, Manage, Read, UnitId};
use grassroots_store::experiences::{
    self as store, Application, Experience, Filter, LaggingTarget, NewExperience,
};
use grassroots_store::{aggregates, audit, decisions, plans};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// An article as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExperienceInput {
    /// Title (1–200 characters).
    pub title: String,
    /// The article, in Markdown (1–50,000 characters).
    pub body: String,
    /// A plan category key.
    #[serde(default)]
    pub category: Option<String>,
    /// A target of the unit's subtree it came from.
    #[serde(default)]
    pub target_id: Option<i64>,
    /// A decision it carried out.
    #[serde(default)]
    pub decision_id: Option<i64>,
    /// `incident` (closed) or `welfare_case` (resolved), of the unit's
    /// subtree, it was learnt from.
    #[serde(default)]
    pub source_kind: Option<String>,
    /// That incident's or case's id.
    #[serde(default)]
    pub source_id: Option<i64>,
    /// Tags, separated by commas (at most 10, each up to 40 characters).
    #[serde(default)]
    pub tags: String,
}

fn tags(raw: &str) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in raw.split(',') {
        let t = t
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if t.is_empty() || out.contains(&t) {
            continue;
        }
        if t.chars().count() > 40 {
            return Err(
                FieldError::new("tags", "too_long", "a tag has at most 40 characters").into(),
            );
        }
        out.push(t);
    }
    if out.len() > 10 {
        return Err(FieldError::new("tags", "too_many", "at most 10 tags").into());
    }
    Ok(out)
}

fn optional_text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Writes an article from `unit_id` (Manage there).
pub async fn write(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: ExperienceInput,
) -> AppResult<Experience> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let title = display_name("title", &input.title)?;
    let body = input.body.trim();
    if body.is_empty() {
        return Err(FieldError::new("body", "required", "write the experience").into());
    }
    if body.chars().count() > 50_000 {
        return Err(
            FieldError::new("body", "too_long", "must be at most 50,000 characters").into(),
        );
    }
    let tags = tags(&input.tags)?;
    let category = optional_text(&input.category);
    let source_kind = optional_text(&input.source_kind);
    let outside = || -> AppError {
        FieldError::new(
            "source_id",
            "outside",
            "must be a closed incident or a resolved welfare case of this unit or a unit below it",
        )
        .into()
    };
    // A welfare case is cited only by one who may open it (its handlers),
    // and that opening is logged as any other; it is opened once this
    // connection is given back (the log of the reading is a write, which
    // waits for its turn).
    let mut case_to_open = None;
    {
        let mut c = app.db.conn().await?;
        if let Some(cat) = category
            && !plans::categories(&mut c)
                .await?
                .iter()
                .any(|(k, _)| k == cat)
        {
            return Err(
                FieldError::new("category", "invalid_choice", "unknown plan category").into(),
            );
        }
        if let Some(t) = input.target_id
            && !store::target_ok(&mut c, unit_id, t).await?
        {
            return Err(FieldError::new(
                "target_id",
                "outside",
                "must be a target of this unit or a unit below it",
            )
            .into());
        }
        if let Some(d) = input.decision_id
            && decisions::get(&mut c, &actor.principal.scope::<Read>(), d)
                .await
                .is_err()
        {
            return Err(FieldError::new("decision_id", "not_found", "no such decision").into());
        }
        match (source_kind, input.source_id) {
            (None, None) => {}
            (Some("welfare_case"), Some(id))
                if store::source_ok(&mut c, unit_id, "welfare_case", id).await? =>
            {
                case_to_open = Some(id);
            }
            (Some("incident"), Some(id))
                if store::source_ok(&mut c, unit_id, "incident", id).await? => {}
            (Some(_), Some(_)) => return Err(outside()),
            _ => {
                return Err(FieldError::new(
                    "source_id",
                    "required",
                    "give both what it was learnt from and its number",
                )
                .into());
            }
        }
    }
    if let Some(case) = case_to_open
        && crate::welfare::open(app, actor, case).await.is_err()
    {
        return Err(outside());
    }
    let now = app.clock.now();
    let today = app.clock.today().to_string();
    let mut tx = app.db.begin().await?;
    let id = store::write(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        &NewExperience {
            unit_id,
            title: &title,
            body,
            category,
            target_id: input.target_id,
            decision_id: input.decision_id,
            source: source_kind.zip(input.source_id),
            tags: &tags,
            written_on: &today,
        },
        &actor.label,
        now,
    )
    .await?;
    // The log names the article and its links, not a case's contents.
    let mut e = actor.entry("experience.write", "experience", id, Some(unit_id));
    e.after = Some(json!({
        "title": title, "category": category, "target_id": input.target_id,
        "decision_id": input.decision_id, "source_kind": source_kind, "tags": tags,
    }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(store::get(&mut app.db.conn().await?, id, &today).await?)
}

/// Refuses a caller who is nobody of the organization (an account with
/// no role and no person).
pub(crate) async fn require_member_of_organization(app: &App, actor: &Actor) -> AppResult<()> {
    if actor.account_id.is_none() || !actor.principal.assignments().is_empty() {
        return Ok(());
    }
    let mut c = app.db.conn().await?;
    match grassroots_store::people::own_person_id(&mut c, &actor.principal).await? {
        Some(_) if !actor.principal.is_token() => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// An article with the units that applied it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExperienceView {
    /// The article.
    pub experience: Experience,
    /// The units that applied it.
    pub applications: Vec<Application>,
}

/// One article: shared with everyone of the organization.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<ExperienceView> {
    require_member_of_organization(app, actor).await?;
    let mut c = app.db.conn().await?;
    let experience = store::get(&mut c, id, &app.clock.today().to_string()).await?;
    let applications = store::applications(&mut c, id).await?;
    Ok(ExperienceView {
        experience,
        applications,
    })
}

/// What the library is searched by, as asked.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct LibraryQuery {
    /// Words in the title, article or tags.
    #[serde(default)]
    pub q: Option<String>,
    /// A plan category.
    #[serde(default)]
    pub category: Option<String>,
    /// A tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// Written in this unit's subtree.
    #[serde(default)]
    pub under: Option<UnitId>,
}

/// The library: articles matching the query, model units' first, then
/// the most applied (at most 100).
pub async fn search(app: &App, actor: &Actor, q: &LibraryQuery) -> AppResult<Vec<Experience>> {
    require_member_of_organization(app, actor).await?;
    if q.under.is_some_and(|u| u <= 0) {
        return Err(FieldError::new("under", "invalid", "must be a unit's id").into());
    }
    let mut c = app.db.conn().await?;
    Ok(store::search(
        &mut c,
        &Filter {
            q: q.q.as_deref().unwrap_or_default(),
            category: optional_text(&q.category),
            tag: optional_text(&q.tag),
            under: q.under,
        },
        &app.clock.today().to_string(),
        100,
    )
    .await?)
}

/// How a unit applied an article.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ApplyInput {
    /// The applying unit (Manage there; not the unit that wrote it).
    pub unit_id: UnitId,
    /// How it was applied (up to 2,000 characters).
    #[serde(default)]
    pub note: String,
}

/// Records that a unit applied an article; returns whether it is new.
pub async fn apply(app: &App, actor: &Actor, id: i64, input: &ApplyInput) -> AppResult<bool> {
    crate::units::require::<Manage>(app, actor, input.unit_id).await?;
    let today = app.clock.today().to_string();
    let experience = store::get(&mut app.db.conn().await?, id, &today).await?;
    if experience.unit_id == input.unit_id {
        return Err(FieldError::new(
            "unit_id",
            "other_unit",
            "a unit applies the experience of other units",
        )
        .into());
    }
    let note = input.note.trim();
    if note.chars().count() > 2000 {
        return Err(FieldError::new("note", "too_long", "must be at most 2,000 characters").into());
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let new = store::apply(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        id,
        input.unit_id,
        note,
        &today,
        &actor.label,
        now,
    )
    .await?;
    if new {
        let mut e = actor.entry("experience.apply", "experience", id, Some(input.unit_id));
        e.after = Some(json!({ "unit_id": input.unit_id, "note": note }));
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    Ok(new)
}

/// Experience suggested for one lagging target.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// The target.
    pub target: LaggingTarget,
    /// Articles of model units and units on track in its category.
    pub experiences: Vec<Experience>,
}

/// A unit's use of the library.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitExperience {
    /// The unit.
    pub unit_id: i64,
    /// Articles written in the subtree.
    pub written: i64,
    /// Applications made by units of the subtree.
    pub applied: i64,
    /// The unit's own articles, newest first (at most 10).
    pub own: Vec<Experience>,
    /// For each of the unit's own lagging targets, experience to learn from.
    pub suggestions: Vec<Suggestion>,
    /// Whether the reader may write from here.
    pub can_manage: bool,
}

/// A unit's experience: counts, its articles, and suggestions for its
/// lagging targets (Read there).
pub async fn of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<UnitExperience> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    let read = actor.principal.scope::<Read>();
    let today = app.clock.today().to_string();
    let mut c = app.db.conn().await?;
    let counts: BTreeMap<String, i64> = aggregates::subtree_of_units(
        &mut c,
        &read,
        &[unit_id],
        &[store::WRITTEN.to_string(), store::APPLIED.to_string()],
    )
    .await?
    .remove(&unit_id)
    .unwrap_or_default();
    let own = store::of_unit(&mut c, unit_id, &today, 10).await?;
    let mut suggestions = Vec::new();
    for target in store::lagging_targets(&mut c, unit_id).await? {
        let experiences = store::suggestions(&mut c, unit_id, &target.category, &today, 3).await?;
        if !experiences.is_empty() {
            suggestions.push(Suggestion {
                target,
                experiences,
            });
        }
    }
    let can_manage =
        grassroots_store::tree::in_scope(&mut c, &actor.principal.scope::<Manage>(), unit_id)
            .await?;
    Ok(UnitExperience {
        unit_id,
        written: counts.get(store::WRITTEN).copied().unwrap_or(0),
        applied: counts.get(store::APPLIED).copied().unwrap_or(0),
        own,
        suggestions,
        can_manage,
    })
}

/// Experience for one target (Read on its unit): when it lags, articles
/// of model units and units on track in its category; none otherwise.
pub async fn for_target(app: &App, actor: &Actor, target_id: i64) -> AppResult<Vec<Experience>> {
    let mut c = app.db.conn().await?;
    let target = plans::get_target(&mut c, &actor.principal.scope::<Read>(), target_id).await?;
    if !matches!(target.status.as_str(), "off_track" | "at_risk" | "late") {
        return Ok(Vec::new());
    }
    Ok(store::suggestions(
        &mut c,
        target.unit_id,
        &target.category,
        &app.clock.today().to_string(),
        5,
    )
    .await?)
}

/// The units the actor manages by name (where they may apply an article).
pub async fn managed_units(app: &App, actor: &Actor) -> AppResult<Vec<(UnitId, String)>> {
    let scope = actor.principal.scope::<Manage>();
    let ids: Vec<UnitId> = scope
        .single_units()
        .iter()
        .chain(scope.subtree_roots())
        .copied()
        .collect();
    let mut c = app.db.conn().await?;
    Ok(grassroots_store::units::names(&mut c, &ids).await?)
}
