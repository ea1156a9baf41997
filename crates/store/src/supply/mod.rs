//! Supply: the items an organization hands out, each unit's stock of
//! them, the ledger of every movement, and requests from a unit to its
//! parent (requested → approved → shipped → received, or refused). A
//! stock never goes below zero: taking from it is one conditional update
//! in the writer's transaction, so of two concurrent takers only one can
//! have the last units. The counters `supply.*` count requests by state
//! and distributions, per unit and subtree.

use chrono::{DateTime, Utc};
use grassroots_core::{Edit, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// Metric: requests not yet received nor refused, at the requesting unit.
pub const REQUESTS_OPEN: &str = "supply.requests.open";
/// Metric: requests received.
pub const REQUESTS_RECEIVED: &str = "supply.requests.received";
/// Metric: requests refused.
pub const REQUESTS_REFUSED: &str = "supply.requests.refused";
/// Metric: distributions to people or households.
pub const DISTRIBUTIONS: &str = "supply.distributions";

/// An item.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Item {
    /// Identifier.
    pub id: i64,
    /// Name ("Winter fuel").
    pub name: String,
    /// Unit of measure ("t", "kg", "pieces").
    pub measure: String,
}

/// A unit's stock of one item.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StockLine {
    /// The item.
    pub item_id: i64,
    /// Its name.
    pub name: String,
    /// Its unit of measure.
    pub measure: String,
    /// How much the unit holds.
    pub balance: i64,
}

/// One movement of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Movement {
    /// Identifier.
    pub id: i64,
    /// The item.
    pub item_id: i64,
    /// Its name.
    pub item_name: String,
    /// Its unit of measure.
    pub measure: String,
    /// `receipt`, `distribution`, `shipment_out` or `shipment_in`.
    pub kind: String,
    /// How much.
    pub quantity: i64,
    /// A distribution: the person it went to.
    pub person_id: Option<i64>,
    /// Their name.
    pub person_name: Option<String>,
    /// A distribution: the household it went to.
    pub household: String,
    /// What for (or where a receipt came from).
    pub purpose: String,
    /// A shipment: its request.
    pub request_id: Option<i64>,
    /// The day.
    pub on_day: String,
    /// Who recorded it.
    pub actor: String,
}

/// A request from a unit to its parent.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Request {
    /// Identifier.
    pub id: i64,
    /// The requesting unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The unit asked (the parent when it was made).
    pub to_unit_id: i64,
    /// The item.
    pub item_id: i64,
    /// Its name.
    pub item_name: String,
    /// Its unit of measure.
    pub measure: String,
    /// How much.
    pub quantity: i64,
    /// Why.
    pub reason: String,
    /// `requested`, `approved`, `shipped`, `received` or `refused`.
    pub status: String,
    /// When requested.
    pub requested_at: DateTime<Utc>,
    /// By whom.
    pub requested_by: String,
    /// When approved or refused.
    pub decided_at: Option<DateTime<Utc>>,
    /// By whom.
    pub decided_by: Option<String>,
    /// When shipped.
    pub shipped_at: Option<DateTime<Utc>>,
    /// When received.
    pub received_at: Option<DateTime<Utc>>,
    /// The deciding unit's note (why refused, what was changed).
    pub note: String,
}

const REQUEST_COLUMNS: &str = "r.id, r.unit_id, u.name AS unit_name, r.to_unit_id, r.item_id, \
     i.name AS item_name, i.measure, r.quantity, r.reason, r.status, r.requested_at, \
     r.requested_by, r.decided_at, r.decided_by, r.shipped_at, r.received_at, r.note";

const REQUEST_FROM: &str =
    "supply_requests r JOIN units u ON u.id = r.unit_id JOIN supply_items i ON i.id = r.item_id";

async fn require<C: grassroots_core::Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    unit_id: UnitId,
) -> StoreResult<()> {
    if crate::tree::in_scope(c, scope, unit_id).await? {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Every item, by name.
pub async fn items(c: &mut impl DbConn) -> StoreResult<Vec<Item>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT id, name, measure FROM supply_items ORDER BY name, id"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Adds an item (the caller checked who may); a taken name is a conflict
/// on `name`.
pub async fn create_item(
    tx: &mut Tx,
    name: &str,
    measure: &str,
    now: DateTime<Utc>,
) -> StoreResult<Item> {
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO supply_items (name, measure, created_at) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(name)
    .bind(measure)
    .bind(now)
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("name"))?;
    Ok(Item {
        id,
        name: name.to_string(),
        measure: measure.to_string(),
    })
}

/// The stock of a unit `scope` reads, by item name (items never held
/// are left out).
pub async fn stock(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<StockLine>> {
    require(c, scope, unit_id).await?;
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT s.item_id, i.name, i.measure, s.balance FROM supply_stock s
         JOIN supply_items i ON i.id = s.item_id WHERE s.unit_id = $1 ORDER BY i.name, i.id"
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Adds to a stock.
async fn put(tx: &mut Tx, unit_id: UnitId, item_id: i64, quantity: i64) -> StoreResult<()> {
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO supply_stock (unit_id, item_id, balance) VALUES ($1, $2, $3)
         ON CONFLICT (unit_id, item_id) DO UPDATE SET balance = supply_stock.balance + excluded.balance"
    )
    .bind(unit_id)
    .bind(item_id)
    .bind(quantity)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Takes from a stock if it holds enough; returns what it held when it
/// did not (nothing changed then).
async fn take(
    tx: &mut Tx,
    unit_id: UnitId,
    item_id: i64,
    quantity: i64,
) -> StoreResult<Result<(), i64>> {
    let n = on_ex!(tx, |e| sqlx::query(
        "UPDATE supply_stock SET balance = balance - $3
         WHERE unit_id = $1 AND item_id = $2 AND balance >= $3"
    )
    .bind(unit_id)
    .bind(item_id)
    .bind(quantity)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 1 {
        return Ok(Ok(()));
    }
    let held: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT balance FROM supply_stock WHERE unit_id = $1 AND item_id = $2"
    )
    .bind(unit_id)
    .bind(item_id)
    .fetch_optional(&mut *e)
    .await)?;
    Ok(Err(held.unwrap_or(0)))
}

/// A movement to record.
pub struct NewMovement<'a> {
    /// The unit whose stock moves.
    pub unit_id: UnitId,
    /// The item.
    pub item_id: i64,
    /// How much (positive).
    pub quantity: i64,
    /// A distribution: the person (checked by the caller to be of the
    /// unit's subtree).
    pub person_id: Option<i64>,
    /// A distribution: the household.
    pub household: &'a str,
    /// What for, or where it came from.
    pub purpose: &'a str,
}

async fn record(
    tx: &mut Tx,
    kind: &str,
    m: &NewMovement<'_>,
    request_id: Option<i64>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO supply_movements (unit_id, item_id, kind, quantity, person_id, household,
           purpose, request_id, on_day, at, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"
    )
    .bind(m.unit_id)
    .bind(m.item_id)
    .bind(kind)
    .bind(m.quantity)
    .bind(m.person_id)
    .bind(m.household)
    .bind(m.purpose)
    .bind(request_id)
    .bind(now.date_naive().to_string())
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?)
}

/// Records supply arriving at a unit `scope` edits.
pub async fn receive(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    m: &NewMovement<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    require(tx, scope, m.unit_id).await?;
    put(tx, m.unit_id, m.item_id, m.quantity).await?;
    record(tx, "receipt", m, None, actor, now).await
}

/// Hands supply out from a unit `scope` edits; `Err(held)` when its
/// stock holds less than asked (nothing is written then).
pub async fn distribute(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    m: &NewMovement<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Result<i64, i64>> {
    require(tx, scope, m.unit_id).await?;
    if let Err(held) = take(tx, m.unit_id, m.item_id, m.quantity).await? {
        return Ok(Err(held));
    }
    let id = record(tx, "distribution", m, None, actor, now).await?;
    aggregates::add(tx, m.unit_id, DISTRIBUTIONS, 1).await?;
    Ok(Ok(id))
}

/// The ledger of a unit `scope` edits (who received what is known to
/// those who hand it out), newest first.
pub async fn movements(
    c: &mut impl DbConn,
    scope: &Scope<Edit>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<Movement>> {
    require(c, scope, unit_id).await?;
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT m.id, m.item_id, i.name AS item_name, i.measure, m.kind, m.quantity, m.person_id,
                p.full_name AS person_name, m.household, m.purpose, m.request_id, m.on_day, m.actor
         FROM supply_movements m JOIN supply_items i ON i.id = m.item_id
         LEFT JOIN people p ON p.id = m.person_id
         WHERE m.unit_id = $1 ORDER BY m.id DESC LIMIT $2"
    )
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Requests a unit `scope` edits makes of its parent; none for the root.
#[allow(clippy::too_many_arguments)]
pub async fn request(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    unit_id: UnitId,
    item_id: i64,
    quantity: i64,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Request>> {
    require(tx, scope, unit_id).await?;
    let parent: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT parent_id FROM units WHERE id = $1"
    )
    .bind(unit_id)
    .fetch_one(&mut *e)
    .await)?;
    let Some(parent) = parent else {
        return Ok(None);
    };
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO supply_requests (unit_id, to_unit_id, item_id, quantity, reason, status,
           requested_at, requested_by)
         VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7) RETURNING id"
    )
    .bind(unit_id)
    .bind(parent)
    .bind(item_id)
    .bind(quantity)
    .bind(reason)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?;
    aggregates::add(tx, unit_id, REQUESTS_OPEN, 1).await?;
    Ok(Some(get_any(tx, id).await?))
}

async fn get_any(c: &mut impl DbConn, id: i64) -> StoreResult<Request> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM {REQUEST_FROM} WHERE r.id = $1");
    on_ex!(c, |e| sqlx::query_as::<_, Request>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A request readable through `scope` at its requesting or its asked unit.
pub async fn get_request(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    id: i64,
) -> StoreResult<Request> {
    let r = get_any(c, id).await?;
    if crate::tree::in_scope(c, scope, r.unit_id).await?
        || crate::tree::in_scope(c, scope, r.to_unit_id).await?
    {
        Ok(r)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Requests a unit made (`outgoing`) and those made of it (`incoming`),
/// newest first, at most 100 each.
pub async fn requests_of(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<(Vec<Request>, Vec<Request>)> {
    require(c, scope, unit_id).await?;
    let mut out = Vec::new();
    for column in ["r.unit_id", "r.to_unit_id"] {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM {REQUEST_FROM} WHERE {column} = $1
             ORDER BY CASE WHEN r.status IN ('received', 'refused') THEN 1 ELSE 0 END, r.id DESC
             LIMIT 100"
        );
        out.push(on_ex!(c, |e| sqlx::query_as::<_, Request>(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(unit_id)
        .fetch_all(&mut *e)
        .await)?);
    }
    let incoming = out.pop().unwrap_or_default();
    let outgoing = out.pop().unwrap_or_default();
    Ok((outgoing, incoming))
}

/// Moves a request from `from` to `to` if it is still in `from`, noting
/// when and by whom in `<stage>_at` and `<stage>_by`; returns whether it
/// moved (a second, concurrent decision finds nothing to do).
#[allow(clippy::too_many_arguments)]
async fn transition(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    stage: &str,
    actor: &str,
    note: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let sql = format!(
        "UPDATE supply_requests SET status = $3, {stage}_at = $4, {stage}_by = $5,
           note = CASE WHEN $6 = '' THEN note ELSE $6 END
         WHERE id = $1 AND status = $2"
    );
    let n = on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(now)
        .bind(actor)
        .bind(note)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The asked unit (`scope` manages it) approves or refuses a request
/// still `requested`; returns whether it changed.
pub async fn decide(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: i64,
    approve: bool,
    note: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    aggregates::serialize_counters(tx).await?;
    let r = get_any(tx, id).await?;
    require(tx, scope, r.to_unit_id).await?;
    let to = if approve { "approved" } else { "refused" };
    let changed = transition(tx, id, "requested", to, "decided", actor, note, now).await?;
    if changed && !approve {
        aggregates::add_many(
            tx,
            r.unit_id,
            &[
                (REQUESTS_OPEN.to_string(), -1),
                (REQUESTS_REFUSED.to_string(), 1),
            ],
        )
        .await?;
    }
    Ok(changed)
}

/// The asked unit (`scope` edits it) ships an approved request from its
/// own stock: `Ok(Err(held))` when it holds too little (the caller then
/// drops the transaction, so nothing is written).
pub async fn ship(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Result<bool, i64>> {
    let r = get_any(tx, id).await?;
    require(tx, scope, r.to_unit_id).await?;
    if !transition(tx, id, "approved", "shipped", "shipped", actor, "", now).await? {
        return Ok(Ok(false));
    }
    if let Err(held) = take(tx, r.to_unit_id, r.item_id, r.quantity).await? {
        return Ok(Err(held));
    }
    let m = NewMovement {
        unit_id: r.to_unit_id,
        item_id: r.item_id,
        quantity: r.quantity,
        person_id: None,
        household: "",
        purpose: &r.unit_name,
    };
    record(tx, "shipment_out", &m, Some(id), actor, now).await?;
    Ok(Ok(true))
}

/// The requesting unit (`scope` edits it) receives a shipped request into
/// its stock; returns whether it changed.
pub async fn receive_request(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    aggregates::serialize_counters(tx).await?;
    let r = get_any(tx, id).await?;
    require(tx, scope, r.unit_id).await?;
    if !transition(tx, id, "shipped", "received", "received", actor, "", now).await? {
        return Ok(false);
    }
    put(tx, r.unit_id, r.item_id, r.quantity).await?;
    let m = NewMovement {
        unit_id: r.unit_id,
        item_id: r.item_id,
        quantity: r.quantity,
        person_id: None,
        household: "",
        purpose: "",
    };
    record(tx, "shipment_in", &m, Some(id), actor, now).await?;
    aggregates::add_many(
        tx,
        r.unit_id,
        &[
            (REQUESTS_OPEN.to_string(), -1),
            (REQUESTS_RECEIVED.to_string(), 1),
        ],
    )
    .await?;
    Ok(true)
}

/// Counter family: requests by state at the requesting unit, and
/// distributions; they follow their rows.
pub const COUNTERS: aggregates::CounterFamily = aggregates::CounterFamily {
    name: "supply",
    metrics: &["supply."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, m.metric,
                CAST(sum(CASE WHEN m.unit_id = c.ancestor_id THEN 1 ELSE 0 END) AS BIGINT),
                CAST(count(*) AS BIGINT)
         FROM (
           SELECT unit_id, CASE status WHEN 'received' THEN 'supply.requests.received'
                                       WHEN 'refused' THEN 'supply.requests.refused'
                                       ELSE 'supply.requests.open' END AS metric
           FROM supply_requests
           UNION ALL SELECT unit_id, 'supply.distributions' FROM supply_movements WHERE kind = 'distribution'
         ) m JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric",
};

/// When a unit ends, its stock is added to the successor's, and its
/// ledger and requests pass to it.
pub const UNIT_END: crate::lifecycle::UnitEndHook = crate::lifecycle::UnitEndHook {
    feature: "supply",
    run: |tx, ending, successor, _now| {
        Box::pin(async move {
            on_ex!(tx, |e| {
                sqlx::query(
                "INSERT INTO supply_stock (unit_id, item_id, balance)
                 SELECT $2, item_id, balance FROM supply_stock WHERE unit_id = $1
                 ON CONFLICT (unit_id, item_id) DO UPDATE SET balance = supply_stock.balance + excluded.balance"
            )
            .bind(ending)
            .bind(successor)
            .execute(&mut *e)
            .await
            .map(|r| r.rows_affected())
            })?;
            on_ex!(tx, |e| sqlx::query(
                "DELETE FROM supply_stock WHERE unit_id = $1"
            )
            .bind(ending)
            .execute(&mut *e)
            .await
            .map(|r| r.rows_affected()))?;
            for sql in [
                "UPDATE supply_movements SET unit_id = $2 WHERE unit_id = $1",
                "UPDATE supply_requests SET unit_id = $2 WHERE unit_id = $1",
                "UPDATE supply_requests SET to_unit_id = $2 WHERE to_unit_id = $1",
            ] {
                on_ex!(tx, |e| sqlx::query(sql)
                    .bind(ending)
                    .bind(successor)
                    .execute(&mut *e)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
            Ok(())
        })
    },
};
