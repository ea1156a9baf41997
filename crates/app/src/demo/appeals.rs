//! The demo's appeals and suggestions: the appeals duty at the cell, the
//! primary committee and the province; an anonymous appeal about the
//! primary committee's secretary (gone past the committee to the
//! province), a member's suggestion answered and shared with the cell, an
//! appeal answered and closed, and one left unacknowledged that the
//! deadline forwarded upward.

use chrono::{Days, NaiveDate};
use grassroots_core::{Administer, Manage, UnitId};
use grassroots_store::appeals::{self as store, Appeal, NewAppeal};
use grassroots_store::duties::{self, Duty};
use grassroots_store::plans::ymd;

use crate::{Actor, App, AppError, AppResult};

/// The receipt of the demo's anonymous appeal about the primary
/// committee's secretary (printed by `grassroots demo`; a real receipt is
/// random and shown once).
pub const DEMO_RECEIPT: &str = "2026 0415 0000 0001";

/// Where the demo's appeals come from and go.
pub(crate) struct Places {
    /// The province (its secretary login handles appeals there).
    pub province: UnitId,
    /// The anchor primary committee.
    pub primary: UnitId,
    /// The member's cell.
    pub cell: UnitId,
    /// The member's person.
    pub member: i64,
}

/// Writes the demo's appeals; returns how many.
pub(crate) async fn build(app: &App, actor: &Actor, at: &Places) -> AppResult<usize> {
    let now = app.clock.now();
    let today = app.clock.today();
    let s = store::settings(&mut app.db.conn().await?).await?;
    let admin = actor.principal.scope::<Administer>();
    let manage = actor.principal.scope::<Manage>();
    let mut tx = app.db.begin().await?;
    for (login, unit) in [
        ("province", at.province),
        ("secretary", at.primary),
        ("cell", at.cell),
    ] {
        let account = grassroots_store::accounts::get_by_username(&mut tx, &admin, login).await?;
        duties::grant(
            &mut tx,
            Duty::Appeals,
            &manage,
            unit,
            account.id,
            "demo",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let day = |ago: u64| today.checked_sub_days(Days::new(ago)).unwrap_or(today);
    let secretary = store::holders_on(&mut app.db.conn().await?, &[at.primary])
        .await?
        .into_iter()
        .next();
    let mut made = 0;

    // Anonymous, about the primary committee's secretary: past the
    // committee, to the first unit above with a handler.
    if let Some(sec) = secretary {
        let digits = grassroots_core::voice::normalize_receipt(DEMO_RECEIPT)
            .ok_or_else(|| AppError::Internal("demo receipt".into()))?;
        let hash = crate::appeals::receipt_hash(app, digits).await?;
        let above = grassroots_store::tree::parent_of(&mut app.db.conn().await?, sec.unit_id)
            .await?
            .unwrap_or(sec.unit_id);
        let new = NewAppeal {
            kind: "appeal",
            origin_unit_id: at.cell,
            concerns_unit_id: Some(sec.unit_id),
            concerns_person_id: Some(sec.person_id),
            route: &route_from(app, above, Some(sec.unit_id), Some(sec.person_id)).await?,
            subject: "Overtime recorded as voluntary labour",
            body: "Since the spring sowing, the committee's secretary has had the night shifts of our cell written down as voluntary labour days, so they are neither paid nor counted in the plan. People who asked about it were told their attitude would be noted at the next meeting.",
            author_person_id: None,
            receipt_hash: Some(&hash),
        };
        filed(app, &new, &s, day(2), |_| {}).await?;
        made += 1;
    }

    // The member's suggestion, answered and shared with the cell.
    let new = NewAppeal {
        kind: "suggestion",
        origin_unit_id: at.cell,
        concerns_unit_id: None,
        concerns_person_id: None,
        route: &route_from(app, at.cell, None, None).await?,
        subject: "A drying shed for the seedbeds",
        body: "Seedlings are lost every wet week because they wait in the open for transplanting. A simple shed of reed mats by the seedbeds would keep them dry; the cell can build it on two Sundays.",
        author_person_id: Some(at.member),
        receipt_hash: None,
    };
    filed(app, &new, &s, day(20), |a| {
        a.status = "answered".into();
        a.acknowledged_on = Some(ymd(day(19)));
        a.answered_on = Some(ymd(day(12)));
        a.answer_days = Some(8);
        a.published_on = Some(ymd(day(12)));
        a.next_deadline = None;
    })
    .await
    .map(|id| entries(id, &[(19, "acknowledged", ""), (12, "answered", "Agreed. The cell builds the shed on the next two Sundays; the primary committee gives the reed mats from its stock.")]))?
    .write(app)
    .await?;
    made += 1;

    // An appeal about the work team's rota, answered and closed.
    let new = NewAppeal {
        kind: "appeal",
        origin_unit_id: at.cell,
        concerns_unit_id: None,
        concerns_person_id: None,
        route: &route_from(app, at.cell, None, None).await?,
        subject: "The same families always get the far fields",
        body: "The rota sends the same five families to the far fields every week, two hours' walk each way.",
        author_person_id: None,
        receipt_hash: None,
    };
    let closed_on = day(30);
    filed(app, &new, &s, day(40), |a| {
        a.status = "closed".into();
        a.acknowledged_on = Some(ymd(day(38)));
        a.answered_on = Some(ymd(closed_on));
        a.answer_days = Some(10);
        a.closed_on = Some(ymd(closed_on));
        a.expires_on = closed_on
            .checked_add_days(Days::new(s.retention_days.max(1) as u64))
            .map(ymd);
        a.next_deadline = None;
    })
    .await
    .map(|id| {
        entries(
            id,
            &[
                (38, "acknowledged", ""),
                (
                    30,
                    "answered",
                    "The rota now turns weekly through every family of the work team.",
                ),
                (30, "closed", ""),
            ],
        )
    })?
    .write(app)
    .await?;
    made += 1;

    // About the cell, never acknowledged by the primary committee: the
    // deadline passed and the job forwards it upward.
    let new = NewAppeal {
        kind: "appeal",
        origin_unit_id: at.cell,
        concerns_unit_id: Some(at.cell),
        concerns_person_id: None,
        route: &route_from(app, at.primary, Some(at.cell), None).await?,
        subject: "Fertiliser shared out by favour",
        body: "The cell's share of fertiliser was handed out to the households closest to the cell's leadership first; the rest got half.",
        author_person_id: None,
        receipt_hash: None,
    };
    filed(app, &new, &s, day(12), |_| {}).await?;
    made += 1;
    crate::appeals::forward_due(app).await?;
    Ok(made)
}

async fn route_from(
    app: &App,
    start: UnitId,
    concerns_unit: Option<UnitId>,
    concerns_person: Option<i64>,
) -> AppResult<store::Route> {
    store::route(
        &mut app.db.conn().await?,
        start,
        concerns_unit,
        concerns_person,
        None,
    )
    .await?
    .ok_or_else(|| AppError::Internal("the demo's appeals have no handler".into()))
}

/// Files `new` as received on `on`, then sets what happened to it since.
async fn filed(
    app: &App,
    new: &NewAppeal<'_>,
    s: &store::Settings,
    on: NaiveDate,
    since: impl FnOnce(&mut Appeal),
) -> AppResult<i64> {
    let mut tx = app.db.begin().await?;
    let before = store::insert(&mut tx, new, s, on).await?;
    let mut after = before.clone();
    since(&mut after);
    store::update(&mut tx, &before, &after).await?;
    tx.commit().await?;
    Ok(before.id)
}

/// Entries to write on an appeal: (days ago, kind, text).
struct Entries<'a> {
    id: i64,
    list: &'a [(u64, &'a str, &'a str)],
}

fn entries<'a>(id: i64, list: &'a [(u64, &'a str, &'a str)]) -> Entries<'a> {
    Entries { id, list }
}

impl Entries<'_> {
    async fn write(self, app: &App) -> AppResult<()> {
        let today = app.clock.today();
        let mut tx = app.db.begin().await?;
        for (ago, kind, text) in self.list {
            let on = today.checked_sub_days(Days::new(*ago)).unwrap_or(today);
            store::add_entry(&mut tx, self.id, on, kind, None, text).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
