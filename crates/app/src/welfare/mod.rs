//! Welfare cases: a person raises a living problem (or a secretary opens
//! one for them), the holders of the welfare duty at the person's unit
//! handle it within the deadlines of its type, and a case past a deadline
//! escalates to the handlers of the unit above, and on upward. Contents
//! reach only the person and the handlers (and, by breaking the glass
//! with a logged reason, a secretary above); everyone else with a reading
//! role sees counts. Every read of a case is written to the audit log and
//! shown to the person; the log names the case, never its contents.

use grassroots_core::care::{CaseStatus, WaitReason};
use grassroots_core::{Edit, FieldError, Manage, Read, UnitId};
use grassroots_store::audit::{self, AuditRecord};
use grassroots_store::duties::{self, Duty};
use grassroots_store::tree;
use grassroots_store::welfare::{
    self, Access, CaseEvent, CaseType, Handler, NewCase, NewEvent, Reader, WelfareCase,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::input::optional;
use crate::{Actor, App, AppError, AppResult};

/// Who is reading, as the store checks it (see [`crate::duties::reader`]).
async fn reader(app: &App, actor: &Actor) -> AppResult<Reader> {
    let (account_id, person_id) = crate::duties::reader(app, actor).await?;
    Ok(Reader {
        account_id,
        person_id,
    })
}

/// The case types and their policies.
pub async fn types(app: &App) -> AppResult<Vec<CaseType>> {
    Ok(welfare::types(&mut app.db.conn().await?).await?)
}

/// Changes a case type's policy (administrators of the whole
/// organization). Cases already open keep the policy they opened under.
pub async fn set_type(app: &App, actor: &Actor, t: &CaseType) -> AppResult<CaseType> {
    crate::profiles::require_org_admin(app, actor).await?;
    for (field, v, min) in [
        ("acknowledge_days", t.acknowledge_days, 0),
        ("resolve_days", t.resolve_days, 0),
        ("escalation_days", t.escalation_days, 1),
    ] {
        if !(min..=365).contains(&v) {
            return Err(FieldError::new(
                field,
                "out_of_range",
                format!("must be between {min} and 365 days"),
            )
            .into());
        }
    }
    if t.resolve_days < t.acknowledge_days {
        return Err(FieldError::new(
            "resolve_days",
            "before_start",
            "must not be shorter than the days to acknowledge",
        )
        .into());
    }
    let steps = t
        .step_list()
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    if steps.iter().any(|s| s.chars().count() > 200) || steps.len() > 30 {
        return Err(FieldError::new(
            "steps",
            "too_long",
            "at most 30 steps of at most 200 characters",
        )
        .into());
    }
    let t = CaseType {
        steps: steps.join("\n"),
        ..t.clone()
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    welfare::set_type(&mut tx, &t).await.map_err(|e| match e {
        grassroots_store::StoreError::NotFound => {
            AppError::Invalid(FieldError::new("key", "invalid_key", "no such case type"))
        }
        e => e.into(),
    })?;
    let mut e = actor.entry("welfare_type.update", "welfare_type", &t.key, None);
    e.after = Some(json!(t));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(t)
}

/// A new case as typed.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RaiseInput {
    /// The person it is for; empty for the signed-in person themselves.
    #[serde(default)]
    pub person_id: Option<i64>,
    /// Case type key.
    pub type_key: String,
    /// The problem in a line.
    pub summary: String,
    /// The problem in full.
    #[serde(default)]
    pub details: String,
}

/// Raises a case: for the signed-in person themselves, or for a person of
/// a unit where the actor holds the welfare duty or edits records (a cell
/// secretary recording for a member without an account).
pub async fn raise(app: &App, actor: &Actor, input: &RaiseInput) -> AppResult<WelfareCase> {
    let r = reader(app, actor).await?;
    let summary = optional(&input.summary, "summary", 200)?
        .ok_or_else(|| FieldError::new("summary", "required", "must not be empty"))?;
    let details = optional(&input.details, "details", 4000)?.unwrap_or_default();
    let types = types(app).await?;
    let case_type = types
        .iter()
        .find(|t| t.key == input.type_key)
        .ok_or_else(|| FieldError::new("type_key", "invalid_choice", "is not a case type"))?;
    let (person_id, by_person) = match input.person_id {
        None => (r.person_id.ok_or(AppError::Forbidden)?, true),
        Some(p) if Some(p) == r.person_id => (p, true),
        Some(p) => (p, false),
    };
    let unit_id: UnitId = {
        let mut c = app.db.conn().await?;
        let unit = welfare::person_unit(&mut c, person_id)
            .await?
            .ok_or_else(|| FieldError::new("person_id", "not_found", "no such person"))?;
        if !by_person {
            let handler = duties::holds_at(&mut c, Duty::Welfare, r.account_id, unit).await?;
            let edits = tree::in_scope(&mut c, &actor.principal.scope::<Edit>(), unit).await?;
            if !handler && !edits {
                // Indistinguishable from a person who does not exist.
                return Err(FieldError::new("person_id", "not_found", "no such person").into());
            }
        }
        unit
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let case = welfare::open(
        &mut tx,
        unit_id,
        &NewCase {
            person_id,
            case_type,
            summary: &summary,
            details: &details,
            raised_by_person: by_person,
        },
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry("welfare_case.open", "welfare_case", case.id, Some(unit_id));
    e.after = Some(json!({ "type": case.type_key }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(case)
}

/// One escalation step.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Escalation {
    /// Step number, from 1.
    pub step: i64,
    /// The deadline that was missed.
    pub missed: String,
    /// Unit it left.
    pub from_unit: String,
    /// Unit it went to.
    pub to_unit: String,
}

/// A read of the case by someone: who, when, and why when the glass was
/// broken.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseRead {
    /// Who read it.
    pub actor: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The reason given to break the glass, if it was broken.
    pub break_glass_reason: Option<String>,
}

/// A case as its reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// The case.
    pub case: WelfareCase,
    /// Why the reader reads it: `person`, `handler` or `break_glass`.
    pub access: String,
    /// Its type and policy.
    pub case_type: CaseType,
    /// The timeline, oldest first.
    pub events: Vec<CaseEvent>,
    /// The standard steps already done.
    pub steps_done: Vec<String>,
    /// Escalation steps.
    pub escalations: Vec<Escalation>,
    /// Who read the case, newest first (shown to the person and handlers).
    pub reads: Vec<CaseRead>,
    /// The unit handling it.
    pub unit_name: String,
    /// The handlers who may own it.
    pub handlers: Vec<Handler>,
}

impl CaseView {
    /// Whether the reader handles the case (may act on it).
    pub fn handles(&self) -> bool {
        self.access == "handler"
    }
}

async fn view(app: &App, case: WelfareCase, access: &str) -> AppResult<CaseView> {
    let mut c = app.db.conn().await?;
    let events = welfare::events(&mut c, &case).await?;
    let case_type = welfare::types(&mut c)
        .await?
        .into_iter()
        .find(|t| t.key == case.type_key)
        .ok_or(AppError::NotFound)?;
    let steps_done = events
        .iter()
        .filter(|e| e.kind == "step")
        .map(|e| e.detail.clone())
        .collect();
    let raw = welfare::escalations(&mut c, &case).await?;
    let mut ids: Vec<UnitId> = raw.iter().flat_map(|s| [s.2, s.3]).collect();
    ids.push(case.unit_id);
    let names = grassroots_store::units::names(&mut c, &ids).await?;
    let name = |id: UnitId| {
        names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let escalations = raw
        .iter()
        .map(|(step, missed, from, to, _)| Escalation {
            step: *step,
            missed: missed.clone(),
            from_unit: name(*from),
            to_unit: name(*to),
        })
        .collect();
    let reads = audit::reads_of(&mut c, "welfare_case", &case.id.to_string())
        .await?
        .into_iter()
        .map(|r: AuditRecord| CaseRead {
            break_glass_reason: r
                .after_json
                .as_deref()
                .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
                .and_then(|a| a.get("break_glass_reason")?.as_str().map(str::to_string)),
            actor: r.actor,
            at: r.at,
        })
        .collect();
    let handlers = if access == "handler" {
        duties::holders_at(
            &mut c,
            Duty::Welfare,
            case.escalated_unit_id.unwrap_or(case.unit_id),
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(CaseView {
        unit_name: name(case.unit_id),
        case,
        access: access.to_string(),
        case_type,
        events,
        steps_done,
        escalations,
        reads,
        handlers,
    })
}

/// Opens a case the reader may read: a sensitive read, logged before the
/// case is returned.
pub async fn open(app: &App, actor: &Actor, id: i64) -> AppResult<CaseView> {
    let r = reader(app, actor).await?;
    let (case, access) = welfare::get(&mut app.db.conn().await?, r, id).await?;
    log_read(app, actor, &case, None).await?;
    let access = match access {
        Access::Handler => "handler",
        Access::Person => "person",
    };
    view(app, case, access).await
}

async fn log_read(
    app: &App,
    actor: &Actor,
    case: &WelfareCase,
    reason: Option<&str>,
) -> AppResult<()> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut e = actor.entry(
        "welfare_case.read",
        "welfare_case",
        case.id,
        Some(case.unit_id),
    );
    if let Some(reason) = reason {
        e.after = Some(json!({ "break_glass_reason": reason }));
    }
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens a case by breaking the glass: a secretary whose scope manages the
/// case's unit, with a reason, which is logged and shown to the person.
pub async fn break_glass(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<CaseView> {
    reader(app, actor).await?;
    let reason = optional(reason, "reason", 500)?
        .filter(|r| r.chars().count() >= 10)
        .ok_or_else(|| {
            FieldError::new("reason", "too_short", "say why, in at least 10 characters")
        })?;
    let case = welfare::get_break_glass(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Manage>(),
        id,
    )
    .await?;
    log_read(app, actor, &case, Some(&reason)).await?;
    view(app, case, "break_glass").await
}

/// What a handler (or, for notes, the person) does on a case.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaseAction {
    /// Acknowledge it.
    Acknowledge,
    /// Stop the clock: waiting for the person or for supply.
    Wait {
        /// `waiting_person` or `waiting_supply`.
        reason: String,
    },
    /// Start the clock again.
    Resume,
    /// Add a note (the person may too).
    Note {
        /// The note.
        text: String,
    },
    /// Mark a step of the type's standard timeline done.
    Step {
        /// The step, as the type lists it.
        step: String,
    },
    /// Record a care visit.
    Visit {
        /// The day of the visit (`YYYY-MM-DD`, not in the future).
        on: String,
        /// Who visited.
        visitors: String,
        /// What was asked about.
        asked: String,
        /// What was agreed.
        agreed: String,
    },
    /// Give the case to a handler (or to nobody).
    Owner {
        /// The handler's account; none to clear.
        account_id: Option<i64>,
    },
    /// Resolve it.
    Resolve {
        /// How it was resolved.
        resolution: String,
    },
}

impl CaseAction {
    fn key(&self) -> &'static str {
        match self {
            CaseAction::Acknowledge => "acknowledge",
            CaseAction::Wait { .. } => "wait",
            CaseAction::Resume => "resume",
            CaseAction::Note { .. } => "note",
            CaseAction::Step { .. } => "step",
            CaseAction::Visit { .. } => "visit",
            CaseAction::Owner { .. } => "owner",
            CaseAction::Resolve { .. } => "resolve",
        }
    }
}

fn closed() -> AppError {
    FieldError::new("action", "closed", "the case is resolved").into()
}

/// Acts on a case: the handlers may do everything, the person may add a
/// note. Audited by action alone (the log names the case, not what was
/// written).
pub async fn act(app: &App, actor: &Actor, id: i64, action: &CaseAction) -> AppResult<WelfareCase> {
    let r = reader(app, actor).await?;
    let (case, access) = welfare::get(&mut app.db.conn().await?, r, id).await?;
    let handler = access == Access::Handler;
    if !handler && !matches!(action, CaseAction::Note { .. }) {
        return Err(AppError::Forbidden);
    }
    let status = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Open);
    let open = status != CaseStatus::Resolved;
    let waiting = matches!(
        status,
        CaseStatus::WaitingPerson | CaseStatus::WaitingSupply
    );
    let today = app.clock.today();
    let text;
    let owner_name;
    let visitors;
    let asked;
    let agreed;
    let ev: NewEvent = match action {
        CaseAction::Acknowledge => {
            if !open {
                return Err(closed());
            }
            if status != CaseStatus::Open {
                return Err(
                    FieldError::new("action", "already_given", "already acknowledged").into(),
                );
            }
            NewEvent {
                kind: "acknowledged",
                ..Default::default()
            }
        }
        CaseAction::Wait { reason } => {
            if !open {
                return Err(closed());
            }
            let why = WaitReason::parse(reason).ok_or_else(|| {
                FieldError::new(
                    "reason",
                    "invalid_choice",
                    "waiting_person or waiting_supply",
                )
            })?;
            if waiting {
                return Err(FieldError::new("action", "pending", "the case already waits").into());
            }
            NewEvent {
                kind: "paused",
                detail: why.as_str(),
                ..Default::default()
            }
        }
        CaseAction::Resume => {
            if !waiting {
                return Err(
                    FieldError::new("action", "not_running", "the case is not waiting").into(),
                );
            }
            NewEvent {
                kind: "resumed",
                ..Default::default()
            }
        }
        CaseAction::Note { text: t } => {
            text = optional(t, "text", 4000)?
                .ok_or_else(|| FieldError::new("text", "required", "must not be empty"))?;
            NewEvent {
                kind: "note",
                detail: &text,
                ..Default::default()
            }
        }
        CaseAction::Step { step } => {
            if !open {
                return Err(closed());
            }
            let types = types(app).await?;
            let t = types
                .iter()
                .find(|t| t.key == case.type_key)
                .ok_or(AppError::NotFound)?;
            if !t.step_list().contains(&step.trim()) {
                return Err(FieldError::new(
                    "step",
                    "invalid_choice",
                    "is not a step of this case type",
                )
                .into());
            }
            text = step.trim().to_string();
            NewEvent {
                kind: "step",
                detail: &text,
                ..Default::default()
            }
        }
        CaseAction::Visit {
            on,
            visitors: v,
            asked: a,
            agreed: g,
        } => {
            let day = grassroots_core::calendar::parse_day(on.trim())
                .map_err(|_| FieldError::new("on", "invalid_date", "must be a date YYYY-MM-DD"))?;
            if day > today {
                return Err(FieldError::new("on", "in_future", "must not be in the future").into());
            }
            visitors = optional(v, "visitors", 300)?
                .ok_or_else(|| FieldError::new("visitors", "required", "say who visited"))?;
            asked = optional(a, "asked", 2000)?.unwrap_or_default();
            agreed = optional(g, "agreed", 2000)?.unwrap_or_default();
            NewEvent {
                kind: "visit",
                // The visit is recorded today; the day it happened is its text.
                detail: on.trim(),
                visitors: Some(&visitors),
                asked: Some(&asked),
                agreed: Some(&agreed),
                ..Default::default()
            }
        }
        CaseAction::Owner { account_id } => {
            let owner = match account_id {
                None => None,
                Some(a) => {
                    let mut c = app.db.conn().await?;
                    let at = case.escalated_unit_id.unwrap_or(case.unit_id);
                    let h = duties::holders_at(&mut c, Duty::Welfare, at)
                        .await?
                        .into_iter()
                        .chain(duties::holders_at(&mut c, Duty::Welfare, case.unit_id).await?)
                        .find(|h| h.account_id == *a)
                        .ok_or_else(|| {
                            FieldError::new(
                                "account_id",
                                "invalid_choice",
                                "is not a handler of this case",
                            )
                        })?;
                    Some((h.account_id, h.display_name))
                }
            };
            owner_name = owner.as_ref().map(|o| o.1.clone()).unwrap_or_default();
            let now = app.clock.now();
            let mut tx = app.db.begin().await?;
            let after = welfare::set_owner(
                &mut tx,
                id,
                owner.as_ref().map(|o| (o.0, owner_name.as_str())),
                &actor.label,
                now,
            )
            .await?;
            audit::append(&mut tx, now, &audit_of(actor, &case, action)).await?;
            tx.commit().await?;
            return Ok(after);
        }
        CaseAction::Resolve { resolution } => {
            if !open {
                return Err(closed());
            }
            text = optional(resolution, "resolution", 4000)?.ok_or_else(|| {
                FieldError::new("resolution", "required", "say how it was resolved")
            })?;
            NewEvent {
                kind: "resolved",
                detail: &text,
                ..Default::default()
            }
        }
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let after = welfare::record(&mut tx, id, &ev, &actor.label, now).await?;
    audit::append(&mut tx, now, &audit_of(actor, &case, action)).await?;
    tx.commit().await?;
    Ok(after)
}

fn audit_of<'a>(
    actor: &'a Actor,
    case: &WelfareCase,
    action: &CaseAction,
) -> audit::AuditEntry<'a> {
    let mut e = actor.entry(
        "welfare_case.act",
        "welfare_case",
        case.id,
        Some(case.unit_id),
    );
    e.after = Some(json!({ "action": action.key() }));
    e
}

/// Whether the signed-in account is a person (who can raise a case for
/// themselves).
pub async fn is_person(app: &App, actor: &Actor) -> AppResult<bool> {
    Ok(reader(app, actor).await?.person_id.is_some())
}

/// The signed-in person's own cases.
pub async fn mine(app: &App, actor: &Actor) -> AppResult<Vec<WelfareCase>> {
    let r = reader(app, actor).await?;
    match r.person_id {
        Some(p) => Ok(welfare::of_person(&mut app.db.conn().await?, p).await?),
        None => Ok(Vec::new()),
    }
}

/// The cases the signed-in account handles, unresolved first.
pub async fn handled(
    app: &App,
    actor: &Actor,
    include_resolved: bool,
) -> AppResult<Vec<WelfareCase>> {
    let r = reader(app, actor).await?;
    Ok(welfare::handled_by(
        &mut app.db.conn().await?,
        r.account_id,
        include_resolved,
        500,
    )
    .await?)
}

/// Counts per case type.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TypeCounts {
    /// Case type key.
    pub type_key: String,
    /// Unresolved.
    pub open: i64,
    /// Unresolved with a deadline missed.
    pub overdue: i64,
    /// With a deadline missed, ever.
    pub breached: i64,
    /// Resolved.
    pub resolved: i64,
}

/// The cases of a unit's subtree as counts, naming nobody.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct WelfareCounts {
    /// Unresolved.
    pub open: i64,
    /// Unresolved with a deadline missed.
    pub overdue: i64,
    /// With a deadline missed, ever.
    pub breached: i64,
    /// Resolved.
    pub resolved: i64,
    /// Mean days to resolve.
    pub mean_days_to_resolve: Option<f64>,
    /// The median days to resolve, as the upper bound of the bucket that
    /// holds it ("at most N days"); none when nothing was resolved, and
    /// none when the median lies past a year.
    pub median_days_to_resolve_at_most: Option<i64>,
    /// Per case type, in the types' order.
    pub by_type: Vec<TypeCounts>,
}

/// Counts of the cases in a unit's subtree, from the counters: the
/// reader's scope is checked against the kept ancestors, then one row
/// read per metric.
pub async fn counts(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<WelfareCounts> {
    crate::units::require_read_kept(app, actor, unit_id).await?;
    let mut c = app.db.conn().await?;
    let m = welfare::counts(&mut c, &actor.principal.scope::<Read>(), unit_id).await?;
    Ok(counts_from(&m, welfare::TYPE_KEYS))
}

/// Counts from the counters of one unit (subtree values).
pub fn counts_from(
    m: &std::collections::BTreeMap<String, (i64, i64)>,
    type_keys: &[&str],
) -> WelfareCounts {
    let get = |k: &str| m.get(k).map_or(0, |v| v.1);
    let resolved = get("welfare.resolved");
    let median =
        grassroots_store::aggregates::median_at_most(get, "welfare.resolved_within.", resolved);
    WelfareCounts {
        open: get("welfare.open"),
        overdue: get("welfare.overdue"),
        breached: get("welfare.breached"),
        resolved,
        mean_days_to_resolve: (resolved > 0)
            .then(|| get("welfare.resolve_days") as f64 / resolved as f64),
        median_days_to_resolve_at_most: median,
        by_type: type_keys
            .iter()
            .map(|key| TypeCounts {
                type_key: key.to_string(),
                open: get(&format!("welfare.type.{key}.open")),
                overdue: get(&format!("welfare.type.{key}.overdue")),
                breached: get(&format!("welfare.type.{key}.breached")),
                resolved: get(&format!("welfare.type.{key}.resolved")),
            })
            .collect(),
    }
}

/// The holders of the welfare duty at a unit the reader reads.
pub async fn handlers(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<Vec<Handler>> {
    crate::duties::holders(app, actor, Duty::Welfare, unit_id).await
}

/// Gives or takes the welfare duty at a unit the actor manages.
pub async fn set_handler(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    account_id: i64,
    holds: bool,
) -> AppResult<()> {
    crate::duties::set(app, actor, Duty::Welfare, unit_id, account_id, holds).await
}

/// Escalates every case whose next deadline passed (one transaction
/// each, with an audit row naming the case and the unit); returns how
/// many went up. Safe with several servers.
pub async fn escalate_due(app: &App) -> AppResult<u64> {
    let today = app.clock.today();
    let ids = welfare::due_for_escalation(&mut app.db.conn().await?, today, 1000).await?;
    let mut n = 0;
    for id in ids {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        match welfare::escalate(&mut tx, id, today, now).await {
            Ok(Some(to)) => {
                let e = audit::AuditEntry {
                    actor_account_id: None,
                    actor: "system",
                    action: "welfare_case.escalate",
                    entity_type: "welfare_case",
                    entity_id: id.to_string(),
                    unit_id: Some(to),
                    before: None,
                    after: Some(json!({ "to_unit_id": to })),
                    request_id: "job",
                };
                audit::append(&mut tx, now, &e).await?;
                tx.commit().await?;
                n += 1;
            }
            Ok(None) => {}
            // Another server took this step first.
            Err(e) if e.is_unique_violation() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// Escalates welfare cases past a deadline, every minute.
pub const ESCALATION_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "welfare.escalate",
    every_seconds: 60,
    run: |app| Box::pin(escalate_due(app)),
};
