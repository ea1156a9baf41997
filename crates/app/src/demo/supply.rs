//! The demo's supply: three items, the anchor primary committee's stock,
//! its cells' requests in every state, and winter fuel handed out in the
//! member's cell.

use grassroots_core::{Edit, Manage, UnitId};
use grassroots_store::supply::{self as store, NewMovement};

use super::meetings::SampleCell;
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
    let fuel = store::create_item(&mut tx, "Winter fuel", "t", now).await?;
    let rice = store::create_item(&mut tx, "Rice", "kg", now).await?;
    let blankets = store::create_item(&mut tx, "Blankets", "pieces", now).await?;
    let mut made = 0;
    for (item, quantity, source) in [
        (&fuel, 120, "County fuel depot"),
        (&rice, 2_000, "State grain store"),
        (&blankets, 300, "Textile mill"),
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
        "Families of the cell without coal for the winter",
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
            purpose: "Winter fuel",
        };
        store::distribute(&mut tx, &edit, &m, "cell", now)
            .await?
            .map_err(|_| AppError::Internal("demo stock too small".into()))?;
        made += 1;
    }
    // Other cells' requests: one waiting, one approved, one refused.
    for (i, unit) in other_cells.iter().take(3).enumerate() {
        let (item, quantity, reason) = [
            (&rice, 150, "Rations short in the flood-hit brigade"),
            (&blankets, 40, "Dormitory for the new shift"),
            (&fuel, 500, "Heating for the whole settlement"),
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
                    "More than the factory holds; ask the county",
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
