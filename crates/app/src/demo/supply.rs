//! The demo's supply: three items, the anchor primary committee's stock,
//! its cells' requests in every state, and winter fuel handed out in the
//! member's cell.

use grassroots_core::{Edit, Manage, UnitId};
use grassroots_store::supply::{self as store, NewMovement};

use super::meetings::SampleCell;
use super::tr;
use crate::{Actor, App, AppError, AppResult};

/// Writes the demo's supply; returns how many movements and requests.
pub(crate) async fn build(
    app: &App,
    actor: &Actor,
    primary: UnitId,
    cell: &SampleCell,
    other_cells: &[UnitId],
) -> AppResult<usize> {
    let now = app.clock.now();
    let edit = actor.principal.scope::<Edit>();
    let manage = actor.principal.scope::<Manage>();
    let mut tx = app.db.begin().await?;
    let fuel = store::create_item(
        &mut tx,
        tr("Winter fuel", "월동용 연료"),
        tr("t", "톤"),
        now,
    )
    .await?;
    let rice = store::create_item(&mut tx, tr("Rice", "쌀"), "kg", now).await?;
    let blankets =
        store::create_item(&mut tx, tr("Blankets", "담요"), tr("pieces", "장"), now).await?;
    let mut made = 0;
    for (item, quantity, source) in [
        (&fuel, 120, tr("County fuel depot", "군 연료 공급소")),
        (&rice, 2_000, tr("State grain store", "국가 량곡 창고")),
        (&blankets, 300, tr("Textile mill", "방직공장")),
    ] {
        let m = NewMovement {
            unit_id: primary,
            item_id: item.id,
            quantity,
            person_id: None,
            household: "",
            purpose: source,
        };
        store::receive(&mut tx, &edit, &m, "demo", now).await?;
        made += 1;
    }
    // The member's cell asked for fuel, was sent it and hands it out.
    let request = store::request(
        &mut tx,
        &edit,
        cell.cell,
        fuel.id,
        20,
        tr(
            "Families of the cell without coal for the winter",
            "겨울을 날 석탄이 없는 세포의 세대들",
        ),
        "cell",
        now,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    store::decide(&mut tx, &manage, request.id, true, "", "secretary", now).await?;
    store::ship(&mut tx, &edit, request.id, "secretary", now)
        .await?
        .map_err(|_| AppError::Internal("demo stock too small".into()))?;
    store::receive_request(&mut tx, &edit, request.id, "cell", now).await?;
    made += 1;
    for person in cell.people.iter().take(6) {
        let m = NewMovement {
            unit_id: cell.cell,
            item_id: fuel.id,
            quantity: 2,
            person_id: Some(*person),
            household: "",
            purpose: tr("Winter fuel", "월동용 연료"),
        };
        store::distribute(&mut tx, &edit, &m, "cell", now)
            .await?
            .map_err(|_| AppError::Internal("demo stock too small".into()))?;
        made += 1;
    }
    // Other cells' requests: one waiting, one approved, one refused.
    for (i, unit) in other_cells.iter().take(3).enumerate() {
        let (item, quantity, reason) = [
            (
                &rice,
                150,
                tr(
                    "Rations short in the flood-hit brigade",
                    "큰물 피해를 입은 작업반의 식량이 모자란다",
                ),
            ),
            (
                &blankets,
                40,
                tr("Dormitory for the new shift", "새 교대조 합숙소용"),
            ),
            (
                &fuel,
                500,
                tr("Heating for the whole settlement", "마을 전체 난방용"),
            ),
        ][i];
        let r = store::request(
            &mut tx, &edit, *unit, item.id, quantity, reason, "demo", now,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        match i {
            1 => {
                store::decide(&mut tx, &manage, r.id, true, "", "demo", now).await?;
            }
            2 => {
                store::decide(
                    &mut tx,
                    &manage,
                    r.id,
                    false,
                    tr(
                        "More than the factory holds; ask the county",
                        "공장이 가진 재고보다 많습니다. 군에 요청하십시오.",
                    ),
                    "demo",
                    now,
                )
                .await?;
            }
            _ => {}
        }
        made += 1;
    }
    tx.commit().await?;
    Ok(made)
}
