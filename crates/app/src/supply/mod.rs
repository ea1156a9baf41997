//! Supply: the item catalogue (kept by administrators of the whole
//! organization), a unit's stock and its ledger, receipts and
//! distributions to people or households (by those who edit the unit),
//! and requests to the parent unit, which approves or refuses them
//! (secretaries there), ships them from its stock and lets the requester
//! receive them. A distribution or shipment larger than the stock is
//! refused naming the quantity held.

use grassroots_core::{Edit, FieldError, Manage, Read, UnitId};
use grassroots_store::supply::{self as store, Item, Movement, NewMovement, Request, StockLine};
use grassroots_store::{audit, people, tree};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::input::optional;
use crate::{Actor, App, AppError, AppResult};

/// The item catalogue.
pub async fn items(app: &App) -> AppResult<Vec<Item>> {
    Ok(store::items(&mut app.db.conn().await?).await?)
}

/// A new item as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ItemInput {
    /// Name ("Winter fuel").
    pub name: String,
    /// Unit of measure ("t", "kg", "pieces").
    pub measure: String,
}

/// Adds an item (administrators of the whole organization).
pub async fn create_item(app: &App, actor: &Actor, input: &ItemInput) -> AppResult<Item> {
    let root = crate::profiles::require_org_admin(app, actor).await?;
    let name = optional(&input.name, "name", 100)?
        .ok_or_else(|| FieldError::new("name", "required", "must not be empty"))?;
    let measure = optional(&input.measure, "measure", 30)?
        .ok_or_else(|| FieldError::new("measure", "required", "must not be empty"))?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let item = store::create_item(&mut tx, &name, &measure, now).await?;
    let mut e = actor.entry("supply_item.create", "supply_item", item.id, Some(root));
    e.after = Some(json!(item));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(item)
}

/// A unit's supply as one reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitSupply {
    /// Its stock.
    pub stock: Vec<StockLine>,
    /// Requests it made of its parent.
    pub outgoing: Vec<Request>,
    /// Requests its children made of it.
    pub incoming: Vec<Request>,
    /// Requests of the subtree still open (not received nor refused).
    pub open_requests: i64,
    /// Requests of the subtree received.
    pub received_requests: i64,
    /// Distributions made in the subtree.
    pub distributions: i64,
    /// The latest movements (only for those who edit the unit).
    pub movements: Vec<Movement>,
    /// Whether the reader edits the unit (records receipts and
    /// distributions, makes and receives requests).
    pub can_edit: bool,
    /// Whether the reader manages the unit (decides its children's requests).
    pub can_manage: bool,
}

/// The supply of a unit the reader reads.
pub async fn of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<UnitSupply> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let stock = store::stock(&mut c, &read, unit_id).await?;
    let (outgoing, incoming) = store::requests_of(&mut c, &read, unit_id).await?;
    let counts = grassroots_store::aggregates::of_unit(&mut c, &read, unit_id).await?;
    let get = |m: &str| counts.get(m).map_or(0, |v| v.1);
    let edit = actor.principal.scope::<Edit>();
    let can_edit = tree::in_scope(&mut c, &edit, unit_id).await?;
    let can_manage = tree::in_scope(&mut c, &actor.principal.scope::<Manage>(), unit_id).await?;
    let movements = if can_edit {
        store::movements(&mut c, &edit, unit_id, 50).await?
    } else {
        Vec::new()
    };
    Ok(UnitSupply {
        stock,
        outgoing,
        incoming,
        open_requests: get(store::REQUESTS_OPEN),
        received_requests: get(store::REQUESTS_RECEIVED),
        distributions: get(store::DISTRIBUTIONS),
        movements,
        can_edit,
        can_manage,
    })
}

fn quantity(q: i64) -> AppResult<i64> {
    if (1..=1_000_000_000).contains(&q) {
        Ok(q)
    } else {
        Err(FieldError::new("quantity", "out_of_range", "must be a whole number from 1").into())
    }
}

async fn item(app: &App, id: i64) -> AppResult<Item> {
    items(app)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| FieldError::new("item_id", "invalid_choice", "no such item").into())
}

fn short(held: i64, measure: &str) -> AppError {
    FieldError::new(
        "quantity",
        "exceeds_stock",
        format!("the stock holds only {held} {measure}"),
    )
    .into()
}

/// A receipt or a distribution as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MovementInput {
    /// The item.
    pub item_id: i64,
    /// How much.
    pub quantity: i64,
    /// A distribution: the person it goes to (of the unit's subtree).
    #[serde(default)]
    pub person_id: Option<i64>,
    /// A distribution: the household, when not one person.
    #[serde(default)]
    pub household: String,
    /// What for ("winter fuel"), or where a receipt came from.
    #[serde(default)]
    pub purpose: String,
}

/// Records supply arriving at a unit the actor edits.
pub async fn receive(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: &MovementInput,
) -> AppResult<StockLine> {
    movement(app, actor, unit_id, input, false).await
}

/// Hands supply out from a unit the actor edits, to a person of its
/// subtree or a household, for a purpose.
pub async fn distribute(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: &MovementInput,
) -> AppResult<StockLine> {
    movement(app, actor, unit_id, input, true).await
}

async fn movement(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: &MovementInput,
    out: bool,
) -> AppResult<StockLine> {
    crate::units::require::<Edit>(app, actor, unit_id).await?;
    let item = item(app, input.item_id).await?;
    let quantity = quantity(input.quantity)?;
    let household = optional(&input.household, "household", 200)?.unwrap_or_default();
    let purpose = optional(&input.purpose, "purpose", 200)?.unwrap_or_default();
    let edit = actor.principal.scope::<Edit>();
    if out {
        if input.person_id.is_none() && household.is_empty() {
            return Err(FieldError::new(
                "person_id",
                "required",
                "name the person or the household",
            )
            .into());
        }
        if purpose.is_empty() {
            return Err(FieldError::new("purpose", "required", "say what it is for").into());
        }
        if let Some(p) = input.person_id {
            let mut c = app.db.conn().await?;
            let person = people::get(&mut c, &edit.as_read(), p)
                .await
                .map_err(|_| FieldError::new("person_id", "not_found", "no such person here"))?;
            if !tree::is_within(&mut c, unit_id, person.unit_id).await? {
                return Err(
                    FieldError::new("person_id", "not_in_unit", "is not of this unit").into(),
                );
            }
        }
    }
    let m = NewMovement {
        unit_id,
        item_id: item.id,
        quantity,
        person_id: if out { input.person_id } else { None },
        household: &household,
        purpose: &purpose,
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let id = if out {
        store::distribute(&mut tx, &edit, &m, &actor.label, now)
            .await?
            .map_err(|held| short(held, &item.measure))?
    } else {
        store::receive(&mut tx, &edit, &m, &actor.label, now).await?
    };
    let action = if out {
        "supply.distribute"
    } else {
        "supply.receive"
    };
    let mut e = actor.entry(action, "supply_movement", id, Some(unit_id));
    e.after = Some(json!({ "item_id": item.id, "quantity": quantity }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    let mut c = app.db.conn().await?;
    store::stock(&mut c, &edit.as_read(), unit_id)
        .await?
        .into_iter()
        .find(|s| s.item_id == item.id)
        .ok_or(AppError::NotFound)
}

/// A request to the parent unit as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RequestInput {
    /// The item.
    pub item_id: i64,
    /// How much.
    pub quantity: i64,
    /// Why it is needed.
    pub reason: String,
}

/// Asks the parent unit for supply.
pub async fn request(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: &RequestInput,
) -> AppResult<Request> {
    crate::units::require::<Edit>(app, actor, unit_id).await?;
    let item = item(app, input.item_id).await?;
    let quantity = quantity(input.quantity)?;
    let reason = optional(&input.reason, "reason", 500)?
        .ok_or_else(|| FieldError::new("reason", "required", "say why it is needed"))?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let r = store::request(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        unit_id,
        item.id,
        quantity,
        &reason,
        &actor.label,
        now,
    )
    .await?
    .ok_or_else(|| FieldError::new("unit_id", "root", "the top unit has nobody to ask"))?;
    let mut e = actor.entry(
        "supply_request.create",
        "supply_request",
        r.id,
        Some(unit_id),
    );
    e.after = Some(json!({ "item_id": item.id, "quantity": quantity }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(r)
}

/// A step of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStep {
    /// The asked unit approves it.
    Approve,
    /// The asked unit refuses it.
    Refuse,
    /// The asked unit ships it from its stock.
    Ship,
    /// The requester receives it into its stock.
    Receive,
}

/// Moves a request on by one step; a step the request is not ready for
/// is refused naming its state.
pub async fn step(
    app: &App,
    actor: &Actor,
    id: i64,
    step: RequestStep,
    note: &str,
) -> AppResult<Request> {
    let r = {
        let mut c = app.db.conn().await?;
        store::get_request(&mut c, &actor.principal.scope::<Read>(), id).await?
    };
    let note = optional(note, "note", 500)?.unwrap_or_default();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let changed = match step {
        RequestStep::Approve | RequestStep::Refuse => {
            store::decide(
                &mut tx,
                &actor.principal.scope::<Manage>(),
                id,
                step == RequestStep::Approve,
                &note,
                &actor.label,
                now,
            )
            .await?
        }
        RequestStep::Ship => store::ship(
            &mut tx,
            &actor.principal.scope::<Edit>(),
            id,
            &actor.label,
            now,
        )
        .await?
        .map_err(|held| short(held, &r.measure))?,
        RequestStep::Receive => {
            store::receive_request(
                &mut tx,
                &actor.principal.scope::<Edit>(),
                id,
                &actor.label,
                now,
            )
            .await?
        }
    };
    if !changed {
        return Err(FieldError::new(
            "step",
            "invalid_choice",
            format!("the request is {}", r.status),
        )
        .into());
    }
    let action = match step {
        RequestStep::Approve => "supply_request.approve",
        RequestStep::Refuse => "supply_request.refuse",
        RequestStep::Ship => "supply_request.ship",
        RequestStep::Receive => "supply_request.receive",
    };
    let unit = if step == RequestStep::Receive {
        r.unit_id
    } else {
        r.to_unit_id
    };
    let e = actor.entry(action, "supply_request", id, Some(unit));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    let mut c = app.db.conn().await?;
    Ok(store::get_request(&mut c, &actor.principal.scope::<Read>(), id).await?)
}
