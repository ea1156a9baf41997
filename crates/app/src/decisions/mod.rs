//! Decisions: a unit issues one to its subtree (optionally to some levels
//! only); each addressed unit adopts it; anyone who may read the issuer
//! sees how far adoption has come, by child unit, and who has not.

use grassroots_core::validate::display_name;
use grassroots_core::{FieldError, Manage, Read, UnitId};
use grassroots_store::audit;
use grassroots_store::decisions::{self, Adoption, Decision, InboxItem, NewDecision, SOURCES};
use grassroots_store::profiles;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// A decision as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// Title.
    pub title: String,
    /// Body, Markdown.
    #[serde(default)]
    pub body: String,
    /// `congress`, `plenary_meeting`, `committee_meeting` or `other`.
    pub source: String,
    /// Date of issue, YYYY-MM-DD (default: today).
    #[serde(default)]
    pub issued_on: String,
    /// Level keys to address (default: every unit below).
    #[serde(default)]
    pub levels: Vec<String>,
}

/// Issues a decision from `unit_id` to its subtree; returns it and the
/// number of units it was addressed to.
pub async fn issue(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: DecisionInput,
) -> AppResult<(Decision, i64)> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let checked = check(app, &input).await?;
    let mut tx = app.db.begin().await?;
    let issued = write(&mut tx, app, actor, unit_id, &checked, None).await?;
    tx.commit().await?;
    Ok(issued)
}

/// A decision's input, checked.
pub(crate) struct Checked {
    title: String,
    body: String,
    source: String,
    issued_on: String,
    levels: Vec<String>,
}

/// Checks a decision's fields, naming the one at fault.
pub(crate) async fn check(app: &App, input: &DecisionInput) -> AppResult<Checked> {
    let title = display_name("title", &input.title)?;
    if input.body.chars().count() > 200_000 {
        return Err(
            FieldError::new("body", "too_long", "must be at most 200,000 characters").into(),
        );
    }
    let source = input.source.trim();
    if grassroots_core::vocab::DecisionSource::parse(source).is_none() {
        return Err(FieldError::new(
            "source",
            "invalid",
            format!("must be one of: {}", SOURCES.join(", ")),
        )
        .into());
    }
    let issued_on = match input.issued_on.trim() {
        "" => app.clock.now().date_naive().format("%Y-%m-%d").to_string(),
        d => grassroots_core::calendar::parse_day(d)
            .map_err(|_| FieldError::new("issued_on", "invalid", "must be a date YYYY-MM-DD"))?
            .format("%Y-%m-%d")
            .to_string(),
    };
    let known = profiles::active(&mut app.db.conn().await?).await?;
    let mut wanted: Vec<String> = Vec::new();
    for l in input
        .levels
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
    {
        if !known.iter().any(|k| k.key == l) {
            return Err(
                FieldError::new("levels", "invalid", format!("unknown level `{l}`")).into(),
            );
        }
        if !wanted.iter().any(|w| w == l) {
            wanted.push(l.to_string());
        }
    }
    Ok(Checked {
        title,
        body: input.body.clone(),
        source: source.to_string(),
        issued_on,
        levels: wanted,
    })
}

/// Issues a checked decision in the caller's transaction, with its audit
/// row; `meeting_id` when a meeting of the issuer adopted it.
pub(crate) async fn write(
    tx: &mut grassroots_store::Tx,
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    checked: &Checked,
    meeting_id: Option<i64>,
) -> AppResult<(Decision, i64)> {
    let now = app.clock.now();
    let (decision, addressed) = decisions::issue(
        tx,
        &actor.principal.scope::<Manage>(),
        &NewDecision {
            unit_id,
            title: &checked.title,
            body: &checked.body,
            source: &checked.source,
            issued_on: &checked.issued_on,
            levels: &checked.levels,
            meeting_id,
        },
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry("decision.issue", "decision", decision.id, Some(unit_id));
    e.after = Some(json!({ "decision": decision, "addressed": addressed }));
    audit::append(tx, now, &e).await?;
    Ok((decision, addressed))
}

/// What a unit page shows of decisions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitDecisions {
    /// Addressed to the unit, newest first.
    pub inbox: Vec<InboxItem>,
    /// Issued by the unit, newest first.
    pub issued: Vec<Decision>,
}

/// The decisions addressed to and issued by a unit.
pub async fn of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<UnitDecisions> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    Ok(UnitDecisions {
        inbox: decisions::inbox(&mut c, &read, unit_id).await?,
        issued: decisions::issued_by(&mut c, &read, unit_id).await?,
    })
}

/// A decision with its adoption at one unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    /// The decision.
    pub decision: Decision,
    /// The unit the roll-up is for (the issuer, or the reader's own unit
    /// when the issuer is above the reader's scope).
    pub at: Adoption,
    /// Its children with addressees.
    pub children: Vec<Adoption>,
    /// Addressed units below that have not adopted it (at most 200).
    pub not_adopted: Vec<(i64, String)>,
}

/// A decision, with its adoption roll-up at `at` (default: the issuer).
pub async fn view(
    app: &App,
    actor: &Actor,
    id: i64,
    at: Option<UnitId>,
) -> AppResult<DecisionView> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let decision = decisions::get(&mut c, &read, id).await?;
    let at = match at {
        Some(u) => u,
        None if grassroots_store::tree::in_scope(&mut c, &read, decision.unit_id).await? => {
            decision.unit_id
        }
        None => actor.home_unit_id,
    };
    let (top, children) = decisions::adoption(&mut c, &read, id, at)
        .await
        .map_err(|_| AppError::NotFound)?;
    let not_adopted = decisions::not_adopted(&mut c, &read, id, at, 200).await?;
    Ok(DecisionView {
        decision,
        at: top,
        children,
        not_adopted,
    })
}
