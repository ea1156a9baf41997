//! The demo's welfare cases: the duty given to the anchor cell's and
//! primary committee's secretaries, a case of the demo member being
//! handled, and cases of every type and age in sample cells (resolved in
//! time and late, waiting for supply, acknowledged, never acknowledged),
//! written as their events happened on past days; the escalation job then
//! sends the overdue ones up.

use chrono::{Duration, Utc};
use grassroots_core::{Administer, UnitId};
use grassroots_store::welfare::{self as store, NewCase, NewEvent};

use super::meetings::SampleCell;
use super::tr;
use crate::{Actor, App, AppResult};

/// Problems by case type, as a person would put them (English, Korean).
const PROBLEMS: &[(&str, &[(&str, &str)])] = &[
    (
        "housing",
        &[
            ("The roof of the dormitory leaks", "합숙소 지붕이 샌다"),
            (
                "No heating in the flat since the frost",
                "서리가 내린 뒤로 살림집에 난방이 안 된다",
            ),
            (
                "The family of five lives in one room",
                "다섯 식구가 방 한 칸에서 산다",
            ),
        ],
    ),
    (
        "health",
        &[
            (
                "Needs glasses to read drawings",
                "도면을 보려면 안경이 필요하다",
            ),
            (
                "Medicine for a sick child",
                "앓는 아이에게 먹일 약이 필요하다",
            ),
            (
                "Back pain after the night shifts",
                "밤교대 작업 뒤로 허리가 아프다",
            ),
        ],
    ),
    (
        "food",
        &[
            ("Rations short this month", "이달 배급량이 모자란다"),
            (
                "No vegetables for the winter store",
                "겨울 저장용 남새가 없다",
            ),
        ],
    ),
    (
        "family_hardship",
        &[
            (
                "An elderly parent needs daily care",
                "연로한 부모를 날마다 돌봐야 한다",
            ),
            ("Lost the harvest of the private plot", "터밭 수확을 잃었다"),
        ],
    ),
    (
        "working_conditions",
        &[
            (
                "Ventilation in the workshop is poor",
                "작업장 환기가 나쁘다",
            ),
            (
                "Gloves wear out within a week",
                "장갑이 한 주도 못 가서 해진다",
            ),
            (
                "No shelter at the tram stop by the pit head",
                "갱구 옆 전차 정류소에 비가림 지붕이 없다",
            ),
        ],
    ),
    (
        "other",
        &[(
            "Needs a bicycle to reach the farm",
            "농장까지 다니려면 자전거가 필요하다",
        )],
    ),
];

/// How a demo case went: (days ago opened, days to acknowledge, days to
/// resolve, waits for supply).
const HISTORIES: &[(i64, Option<i64>, Option<i64>, bool)] = &[
    (45, Some(1), Some(12), false),
    (40, Some(3), Some(35), false),
    (30, Some(0), None, true),
    (25, None, None, false),
    (20, Some(1), Some(4), false),
    (14, Some(1), None, false),
    (9, None, None, false),
    (6, Some(2), Some(5), false),
    (3, Some(0), None, false),
    (1, None, None, false),
    (0, None, None, false),
];

/// Writes the demo's welfare cases; returns how many.
pub(crate) async fn build(
    app: &App,
    actor: &Actor,
    member: (UnitId, i64),
    anchor_cell: &SampleCell,
    anchor_primary: UnitId,
    cells: &[SampleCell],
) -> AppResult<usize> {
    let now = app.clock.now();
    let mut c = app.db.conn().await?;
    let admin = actor.principal.scope::<Administer>();
    let cell_login = grassroots_store::accounts::get_by_username(&mut c, &admin, "cell").await?;
    let sec_login =
        grassroots_store::accounts::get_by_username(&mut c, &admin, "secretary").await?;
    let types = store::types(&mut c).await?;
    drop(c);
    let manage = actor.principal.scope::<grassroots_core::Manage>();
    let mut tx = app.db.begin().await?;
    use grassroots_store::duties::{self, Duty};
    duties::grant(
        &mut tx,
        Duty::Welfare,
        &manage,
        anchor_cell.cell,
        cell_login.id,
        "demo",
        now,
    )
    .await?;
    duties::grant(
        &mut tx,
        Duty::Welfare,
        &manage,
        anchor_primary,
        sec_login.id,
        "demo",
        now,
    )
    .await?;
    tx.commit().await?;
    let type_of = |key: &str| types.iter().find(|t| t.key == key).expect("built-in type");

    // The member's own case, being handled.
    let mut made = 0;
    let mut tx = app.db.begin().await?;
    let opened = now - Duration::days(6);
    let case = store::open(
        &mut tx,
        member.0,
        &NewCase {
            person_id: member.1,
            case_type: type_of("housing"),
            summary: tr(
                "The roof of our flat leaks over the kitchen",
                "우리 집 부엌 위 지붕이 샌다",
            ),
            details: tr(
                "Since the autumn storms water comes in when it rains; the ceiling plaster is falling.",
                "가을 폭풍 뒤로 비가 오면 물이 새어 들고 천장 회벽이 떨어지고 있다.",
            ),
            raised_by_person: true,
        },
        "member",
        opened,
    )
    .await?;
    let steps: [(i64, NewEvent); 3] = [
        (
            5,
            NewEvent {
                kind: "acknowledged",
                ..Default::default()
            },
        ),
        (
            4,
            NewEvent {
                kind: "visit",
                detail: &(now - Duration::days(4)).date_naive().to_string(),
                visitors: Some(tr(
                    "The cell secretary and the brigade leader",
                    "세포비서와 작업반장",
                )),
                asked: Some(tr(
                    "Where the water comes in and who lives in the flat",
                    "물이 어디로 새어 드는지, 집에 누가 사는지",
                )),
                agreed: Some(tr(
                    "Roofers from the repair shop come next week; tarpaulin until then",
                    "다음 주에 수리소 지붕공들이 오기로 함. 그때까지 방수포를 덮어 둠.",
                )),
                ..Default::default()
            },
        ),
        (
            4,
            NewEvent {
                kind: "step",
                detail: "Visit the home",
                ..Default::default()
            },
        ),
    ];
    for (ago, ev) in steps {
        store::record(&mut tx, case.id, &ev, "cell", now - Duration::days(ago)).await?;
    }
    tx.commit().await?;
    made += 1;

    // Cases of every type and age: in the member's cell (one resolved,
    // one waiting for supply, two never acknowledged, which escalate to
    // the primary committee), then in the sample cells.
    let anchor_people = anchor_cell.people.iter().filter(|p| **p != member.1);
    let anchor = anchor_people
        .zip([3usize, 2, 0, 6])
        .map(|(p, h)| (anchor_cell.cell, *p, h));
    let samples = cells
        .iter()
        .take(12)
        .flat_map(|c| c.people.iter().skip(1).take(2).map(|p| (c.cell, *p)))
        .enumerate()
        .map(|(i, (cell, p))| (cell, p, i % HISTORIES.len()));
    for (n, (cell, person, h)) in anchor.chain(samples).enumerate() {
        let (type_key, problems) = PROBLEMS[n % PROBLEMS.len()];
        let (en, ko) = problems[n / PROBLEMS.len() % problems.len()];
        let summary = tr(en, ko);
        let (ago, ack, resolve, waits) = HISTORIES[h];
        made += history(
            app,
            cell,
            person,
            type_of(type_key),
            summary,
            now,
            ago,
            ack,
            resolve,
            waits,
        )
        .await?;
    }
    // The ones past a deadline go up, as the job would have sent them.
    crate::welfare::escalate_due(app).await?;
    Ok(made)
}

#[allow(clippy::too_many_arguments)]
async fn history(
    app: &App,
    unit: UnitId,
    person: i64,
    case_type: &store::CaseType,
    summary: &str,
    now: chrono::DateTime<Utc>,
    ago: i64,
    ack: Option<i64>,
    resolve: Option<i64>,
    waits: bool,
) -> AppResult<usize> {
    let opened = now - Duration::days(ago);
    let mut tx = app.db.begin().await?;
    let case = store::open(
        &mut tx,
        unit,
        &NewCase {
            person_id: person,
            case_type,
            summary,
            details: "",
            raised_by_person: ago % 2 == 0,
        },
        "demo",
        opened,
    )
    .await?;
    let at = |days: i64| opened + Duration::days(days);
    if let Some(a) = ack {
        let ev = NewEvent {
            kind: "acknowledged",
            ..Default::default()
        };
        store::record(&mut tx, case.id, &ev, "demo", at(a)).await?;
        if waits {
            let ev = NewEvent {
                kind: "paused",
                detail: "waiting_supply",
                ..Default::default()
            };
            store::record(&mut tx, case.id, &ev, "demo", at(a + 1)).await?;
        }
    }
    if let Some(r) = resolve {
        let ev = NewEvent {
            kind: "resolved",
            detail: tr("Settled with the person", "본인과 합의하여 해결함"),
            ..Default::default()
        };
        store::record(&mut tx, case.id, &ev, "demo", at(r)).await?;
    }
    tx.commit().await?;
    Ok(1)
}

/// Cases of about one person in thirteen across the whole organization,
/// loaded in bulk with histories of every kind; the overdue ones have
/// gone up once, yesterday. Returns how many.
pub(crate) async fn bulk(app: &App, skip_person: i64) -> AppResult<usize> {
    use grassroots_core::care::{CasePolicy, ClockEvent, WaitReason, clock};
    use grassroots_store::welfare::load::{LoadCase, load};
    let now = app.clock.now();
    let today = now.date_naive();
    let (people, parents, types) = {
        let mut c = app.db.conn().await?;
        let people = grassroots_store::welfare::load::every_nth_person(&mut c, 13).await?;
        let parents = grassroots_store::welfare::load::parents(&mut c).await?;
        (people, parents, store::types(&mut c).await?)
    };
    let mut made = 0;
    for chunk in people.chunks(20_000) {
        let mut cases = Vec::with_capacity(chunk.len());
        for (person, unit) in chunk.iter().filter(|(p, _)| *p != skip_person) {
            let n = (*person / 13) as usize;
            let (type_key, problems) = PROBLEMS[n % PROBLEMS.len()];
            let case_type = types
                .iter()
                .find(|t| t.key == type_key)
                .expect("built-in type");
            let (en, ko) = problems[n / PROBLEMS.len() % problems.len()];
            let (ago, ack, resolve, waits) = HISTORIES[n % HISTORIES.len()];
            let opened = today - Duration::days(ago + (n % 5) as i64);
            let day = |d: i64| opened + Duration::days(d);
            let mut events = Vec::new();
            if let Some(a) = ack {
                events.push(ClockEvent::Acknowledged(day(a)));
                if waits {
                    events.push(ClockEvent::Paused(day(a + 1), WaitReason::WaitingSupply));
                }
            }
            if let Some(r) = resolve {
                events.push(ClockEvent::Resolved(day(r)));
            }
            let policy = CasePolicy {
                acknowledge_days: case_type.acknowledge_days,
                resolve_days: case_type.resolve_days,
                escalation_days: case_type.escalation_days,
            };
            let before = clock(&policy, opened, &events, today);
            let mut escalated_to = None;
            if before.next_deadline.is_some_and(|d| d < today)
                && let Some(parent) = parents.get(unit)
            {
                let mut passed = vec![before.resolve_by];
                if ack.is_none() {
                    passed.push(before.acknowledge_by);
                }
                let missed = passed
                    .into_iter()
                    .filter(|d| *d < today)
                    .max()
                    .unwrap_or(today);
                events.push(ClockEvent::Escalated {
                    on: today - Duration::days(1),
                    missed,
                });
                escalated_to = Some(*parent);
            }
            cases.push(LoadCase {
                unit_id: *unit,
                person_id: *person,
                case_type,
                summary: tr(en, ko),
                raised_by_person: !n.is_multiple_of(3),
                opened_on: opened,
                events,
                escalated_to,
                resolution: tr("Settled with the person", "본인과 합의하여 해결함"),
            });
        }
        let mut tx = app.db.begin().await?;
        made += load(&mut tx, &cases, "demo", today, now).await?;
        tx.commit().await?;
    }
    Ok(made)
}
