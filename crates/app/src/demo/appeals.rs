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

use super::tr;
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
            subject: tr(
                "Overtime recorded as voluntary labour",
                "연장 작업이 자원 노동으로 기록됨",
            ),
            body: tr(
                "Since the spring sowing, the committee's secretary has had the night shifts of our cell written down as voluntary labour days, so they are neither paid nor counted in the plan. People who asked about it were told their attitude would be noted at the next meeting.",
                "봄 파종 이후 초급당위원회 비서는 우리 세포의 야간 교대 작업을 자원 노동일로 적게 하여, 그 작업은 보수도 받지 못하고 계획 실적에도 들어가지 않는다. 이에 대해 물어본 사람들은 다음 회의에서 그들의 태도가 거론될 것이라는 말을 들었다.",
            ),
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
        subject: tr("A drying shed for the seedbeds", "모판 옆 비가림 막"),
        body: tr(
            "Seedlings are lost every wet week because they wait in the open for transplanting. A simple shed of reed mats by the seedbeds would keep them dry; the cell can build it on two Sundays.",
            "비가 잦은 주마다 모내기를 기다리며 한데에 놓인 모가 못 쓰게 된다. 모판 옆에 갈대 발로 간단한 막을 세우면 모를 젖지 않게 지킬 수 있으며, 세포에서 일요일 이틀이면 지을 수 있다.",
        ),
        author_person_id: Some(at.member),
        receipt_hash: None,
    };
    let happened = [
        (19, "acknowledged", ""),
        (
            12,
            "answered",
            tr(
                "Agreed. The cell builds the shed on the next two Sundays; the primary committee gives the reed mats from its stock.",
                "동의합니다. 세포는 다음 두 일요일에 막을 짓고, 초급당위원회는 보유 재고에서 갈대 발을 내줍니다.",
            ),
        ),
    ];
    filed(app, &new, &s, day(20), |a| {
        a.status = "answered".into();
        a.acknowledged_on = Some(ymd(day(19)));
        a.answered_on = Some(ymd(day(12)));
        a.answer_days = Some(8);
        a.published_on = Some(ymd(day(12)));
        a.next_deadline = None;
    })
    .await
    .map(|id| entries(id, &happened))?
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
        subject: tr(
            "The same families always get the far fields",
            "먼 포전에는 늘 같은 세대들만 나간다",
        ),
        body: tr(
            "The rota sends the same five families to the far fields every week, two hours' walk each way.",
            "작업 순번표에 따라 매주 같은 다섯 세대가 먼 포전으로 나가는데, 걸어서 편도 두 시간 거리이다.",
        ),
        author_person_id: None,
        receipt_hash: None,
    };
    let closed_on = day(30);
    let happened = [
        (38, "acknowledged", ""),
        (
            30,
            "answered",
            tr(
                "The rota now turns weekly through every family of the work team.",
                "이제 작업 순번표는 작업반의 모든 세대가 매주 돌아가며 맡도록 바뀌었습니다.",
            ),
        ),
        (30, "closed", ""),
    ];
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
    .map(|id| entries(id, &happened))?
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
        subject: tr(
            "Fertiliser shared out by favour",
            "비료가 정실에 따라 분배됨",
        ),
        body: tr(
            "The cell's share of fertiliser was handed out to the households closest to the cell's leadership first; the rest got half.",
            "세포 몫의 비료가 세포 지도부와 가까운 세대들에 먼저 나누어졌고, 나머지 세대들은 절반만 받았다.",
        ),
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
