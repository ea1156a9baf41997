//! People attached to units: members and the other working people of a
//! unit. Only what the work needs is kept; there is no field for beliefs,
//! loyalty or any rating of a person.

use chrono::{DateTime, Utc};
use grassroots_core::collation::sort_key;
use grassroots_core::{Capability, Edit, Read, Scope, UnitId};
use serde::Serialize;

use crate::aggregates::{self, people_metric};
use crate::tree::unit_condition;
use crate::{DbConn, Ex, StoreError, StoreResult, Tx, on_ex};

/// Statuses a person can have.
pub const STATUSES: &[&str] = grassroots_core::vocab::PersonStatus::KEYS;

/// A person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Person {
    /// Identifier.
    pub id: i64,
    /// Unit the person belongs to.
    pub unit_id: i64,
    /// Full name, any script.
    pub full_name: String,
    /// Contact (phone, e-mail or address), free text.
    pub contact: String,
    /// `applicant`, `candidate`, `member`, `employee` (not a member),
    /// `left` or `transferred_out`.
    pub status: String,
    /// Date joined (YYYY-MM-DD), if known.
    pub joined_on: Option<String>,
    /// Identifier in an external register, for re-imports.
    pub external_id: Option<String>,
}

/// One entry of a person's status history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StatusChange {
    /// New status.
    pub status: String,
    /// Unit at the time.
    pub unit_id: i64,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// Who (login name or `cli`).
    pub changed_by: String,
}

/// Data of a new person, validated.
pub struct NewPerson<'a> {
    /// Unit; must lie in the writer's scope.
    pub unit_id: UnitId,
    /// Full name.
    pub full_name: &'a str,
    /// Contact.
    pub contact: &'a str,
    /// Status (one of [`STATUSES`]).
    pub status: &'a str,
    /// Date joined.
    pub joined_on: Option<&'a str>,
    /// External id.
    pub external_id: Option<&'a str>,
}

pub(crate) const COLUMNS: &str =
    "p.id, p.unit_id, p.full_name, p.contact, p.status, p.joined_on, p.external_id";

/// Adds a person to a unit inside `scope`, with the first history entry
/// and the unit counters, in the caller's transaction.
pub async fn create(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    new: &NewPerson<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Person> {
    if !crate::tree::in_scope(tx, scope, new.unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "INSERT INTO people (unit_id, full_name, contact, status, joined_on, external_id, created_at, updated_at, name_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING {}",
        COLUMNS.replace("p.", "")
    );
    let person = on_ex!(tx, |e| sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(new.unit_id)
    .bind(new.full_name)
    .bind(new.contact)
    .bind(new.status)
    .bind(new.joined_on)
    .bind(new.external_id)
    .bind(now)
    .bind(sort_key(new.full_name))
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("external_id"))?;
    record_status(tx, &person, actor, now).await?;
    aggregates::add(tx, person.unit_id, &people_metric(&person.status), 1).await?;
    crate::search::index_people(tx, &[person.id]).await?;
    Ok(person)
}

async fn record_status(
    tx: &mut Tx,
    p: &Person,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO person_status_history (person_id, status, unit_id, changed_at, changed_by)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(p.id)
    .bind(&p.status)
    .bind(p.unit_id)
    .bind(now)
    .bind(actor)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A person of a unit inside `scope`.
pub async fn get<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Person> {
    let sql = format!(
        "SELECT {COLUMNS} FROM people p WHERE p.id = $1 AND {}",
        unit_condition(scope, "p.unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Changes a person's status; returns the person before and after.
pub async fn set_status(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    id: i64,
    status: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<(Person, Person)> {
    let before = get(tx, scope, id).await?;
    if before.status == status {
        return Ok((before.clone(), before));
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE people SET status = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(status)
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let after = Person {
        status: status.to_string(),
        ..before.clone()
    };
    record_status(tx, &after, actor, now).await?;
    aggregates::add(tx, before.unit_id, &people_metric(&before.status), -1).await?;
    aggregates::add(tx, after.unit_id, &people_metric(&after.status), 1).await?;
    crate::study::resync_person(tx, id, &now.date_naive().to_string()).await?;
    Ok((before, after))
}

/// A person's status history, oldest first.
pub async fn history(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    id: i64,
) -> StoreResult<Vec<StatusChange>> {
    get(c, scope, id).await?;
    history_of(c, id).await
}

/// The history of a person the caller was allowed to see.
async fn history_of(c: &mut impl DbConn, id: i64) -> StoreResult<Vec<StatusChange>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, StatusChange>(
        "SELECT status, unit_id, changed_at, changed_by FROM person_status_history
         WHERE person_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Filters of a people listing.
#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    /// Include the people of every unit below.
    pub subtree: bool,
    /// Case-insensitive part of the name.
    pub name: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only people with this skill.
    pub skill: Option<i64>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// People of `unit_id` (or its subtree) inside `scope`, by name.
pub async fn list(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    f: &PeopleFilter,
) -> StoreResult<Vec<Person>> {
    let path = crate::tree::ancestor_ids(c, unit_id).await?;
    list_on_path(c, scope, &path, f).await
}

/// [`list`] for the unit whose ancestors the caller holds (`path`, the
/// unit first: a reader that keeps them between requests saves the
/// statements that would find them again).
pub async fn list_on_path(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    path: &[UnitId],
    f: &PeopleFilter,
) -> StoreResult<Vec<Person>> {
    let Some(&unit_id) = path.first() else {
        return Err(StoreError::NotFound);
    };
    let q = f
        .name
        .as_deref()
        .map(grassroots_core::search::query)
        .unwrap_or_default();
    if !q.is_open() {
        return list_matching(c, scope, path, f, &q).await;
    }
    // The scope is checked once per unit of the subtree, not once per
    // person: a county has a few hundred units and tens of thousands of
    // people.
    let place = if f.subtree {
        format!(
            "p.unit_id IN (SELECT sub.descendant_id FROM unit_closure sub
                           WHERE sub.ancestor_id = $1 AND {})",
            unit_condition(scope, "sub.descendant_id")
        )
    } else {
        format!("p.unit_id = $1 AND {}", unit_condition(scope, "p.unit_id"))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM people p
         WHERE {place}
           AND ($2 IS NULL OR p.status = $2)
           AND ($5 IS NULL OR EXISTS (SELECT 1 FROM person_skills ps WHERE ps.person_id = p.id AND ps.skill_id = $5))
         ORDER BY p.name_key NULLS LAST, p.full_name, p.id LIMIT $3 OFFSET $4"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Person>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(&f.status)
    .bind(f.limit)
    .bind(f.offset)
    .bind(f.skill)
    .fetch_all(&mut *e)
    .await)?)
}

/// The people of a listing whose names match `q`, through the search
/// index: the rows of the subtree's areas holding the query's tokens, in
/// name order (sort key, then id), so that with one area the engine reads
/// the page it returns and stops.
async fn list_matching(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    path: &[UnitId],
    f: &PeopleFilter,
    q: &grassroots_core::search::Query,
) -> StoreResult<Vec<Person>> {
    let unit_id = path[0];
    let (areas, exact) = crate::search::areas_on_path(c, path, f.subtree).await?;
    let Some((terms, mut binds)) = crate::search::terms_condition(q, &areas, 5) else {
        return Ok(Vec::new());
    };
    // Place and scope are judged on the person's unit, not the index's.
    let place = if !f.subtree {
        format!("p.unit_id = {unit_id}")
    } else if exact {
        "1 = 1".to_string()
    } else {
        format!(
            "p.unit_id IN (SELECT sub.descendant_id FROM unit_closure sub WHERE sub.ancestor_id = {unit_id})"
        )
    };
    let in_scope = crate::tree::condition_below_path(scope, path, "p.unit_id");
    let mut name = String::new();
    for word in &q.contains {
        binds.push(crate::contains_pattern(word));
        name.push_str(&format!(
            " AND lower(p.full_name) LIKE ${} ESCAPE '\\'",
            4 + binds.len()
        ));
    }
    // CROSS JOIN keeps SQLite walking the index first, in its order.
    let sql = format!(
        "SELECT {COLUMNS} FROM people_terms t CROSS JOIN people p
         WHERE {terms} AND {place} AND {in_scope} AND p.id = t.person_id{name}
           AND ($1 IS NULL OR p.status = $1)
           AND ($4 IS NULL OR EXISTS (SELECT 1 FROM person_skills ps WHERE ps.person_id = p.id AND ps.skill_id = $4))
         ORDER BY t.name_key, t.person_id LIMIT $2 OFFSET $3"
    );
    Ok(on_ex!(c, |e| {
        let mut q = sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&f.status)
            .bind(f.limit)
            .bind(f.offset)
            .bind(f.skill);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        q.fetch_all(&mut *e).await
    })?)
}

/// The people inside `scope` whose names match `q`, the first `limit`
/// the index yields: area by area, each in name order, stopping there
/// instead of reading every match, so a common name in a province costs
/// about what a rare one does. A search across the reader's whole scope,
/// not a listing (the caller sorts what it shows).
pub async fn search_in_scope(
    c: &mut impl DbConn,
    scope: &grassroots_core::Scope<grassroots_core::Read>,
    q: &grassroots_core::search::Query,
    limit: i64,
) -> StoreResult<Vec<Person>> {
    let mut areas: Vec<UnitId> = Vec::new();
    for unit in scope.subtree_roots() {
        areas.extend(crate::search::areas(c, *unit, true).await?.0);
    }
    for unit in scope.single_units() {
        areas.extend(crate::search::areas(c, *unit, false).await?.0);
    }
    areas.sort_unstable();
    areas.dedup();
    if areas.is_empty() {
        return Ok(Vec::new());
    }
    let Some((terms, mut binds)) = crate::search::terms_condition(q, &areas, 1) else {
        return Ok(Vec::new());
    };
    let mut cond = String::new();
    for word in &q.contains {
        binds.push(crate::contains_pattern(word));
        cond.push_str(&format!(
            " AND lower(p.full_name) LIKE ${} ESCAPE '\\'",
            binds.len()
        ));
    }
    let scope_cond = crate::tree::unit_condition(scope, "p.unit_id");
    let sql = format!(
        "SELECT {COLUMNS} FROM people_terms t CROSS JOIN people p
         WHERE {terms} AND {scope_cond} AND p.id = t.person_id{cond}
         LIMIT {limit}"
    );
    Ok(on_ex!(c, |e| {
        let mut q = sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(sql.as_str()));
        for b in &binds {
            q = q.bind(b.as_str());
        }
        q.fetch_all(&mut *e).await
    })?)
}

/// The person record of the principal's own account (a person always sees
/// their own record, whatever their roles).
pub async fn own(
    c: &mut impl DbConn,
    principal: &grassroots_core::Principal,
) -> StoreResult<Option<(Person, Vec<StatusChange>)>> {
    let Some(person) = own_person(c, principal).await? else {
        return Ok(None);
    };
    let history = history_of(c, person.id).await?;
    Ok(Some((person, history)))
}

/// The person linked to the principal's own account, without its history.
pub async fn own_person(
    c: &mut impl DbConn,
    principal: &grassroots_core::Principal,
) -> StoreResult<Option<Person>> {
    let Some(id) = own_person_id(c, principal).await? else {
        return Ok(None);
    };
    let sql = format!("SELECT {COLUMNS} FROM people p WHERE p.id = $1");
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Person>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?)
}

/// The person linked to the principal's own account, if any.
pub async fn own_person_id(
    c: &mut impl DbConn,
    principal: &grassroots_core::Principal,
) -> StoreResult<Option<i64>> {
    let v: Option<Option<i64>> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT person_id FROM accounts WHERE id = $1"
    )
    .bind(principal.account_id())
    .fetch_optional(&mut *e)
    .await)?;
    Ok(v.flatten())
}

/// Moves a person to another unit (an acknowledged transfer), in the
/// caller's transaction: the person's counters (status and skills) leave
/// the old unit's ancestors and join the new ones, positions in units that
/// no longer contain the person end on `today`, and the history records
/// the new unit. The caller has checked the transfer.
pub async fn relocate(
    tx: &mut Tx,
    person_id: i64,
    to_unit: UnitId,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<(Person, Person)> {
    let sql = format!("SELECT {COLUMNS} FROM people p WHERE p.id = $1");
    let before = on_ex!(tx, |e| sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(person_id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)?;
    let skills: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT skill_id FROM person_skills WHERE person_id = $1"
    )
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?;
    let today = now.date_naive().format("%Y-%m-%d").to_string();
    crate::positions::end_outside(tx, person_id, to_unit, &today).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE people SET unit_id = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(to_unit)
    .bind(now)
    .bind(person_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let mut metrics = vec![people_metric(&before.status)];
    metrics.extend(skills.iter().map(|s| aggregates::skill_metric(*s)));
    for m in &metrics {
        aggregates::add(tx, before.unit_id, m, -1).await?;
        aggregates::add(tx, to_unit, m, 1).await?;
    }
    let after = Person {
        unit_id: to_unit,
        ..before.clone()
    };
    record_status(tx, &after, actor, now).await?;
    crate::search::index_people(tx, &[person_id]).await?;
    crate::study::resync_person(tx, person_id, &today).await?;
    Ok((before, after))
}

/// People whose external id is one of `ids`, wherever they are (an import
/// checks where each one lives before touching it).
pub async fn by_external_ids(c: &mut impl DbConn, ids: &[&str]) -> StoreResult<Vec<Person>> {
    let mut out = Vec::new();
    if let Ex::Sqlite(conn) = c.ex() {
        // One indexed lookup per id, stepped on the connection's handle.
        let sql = format!("SELECT {COLUMNS} FROM people p WHERE p.external_id = ?1");
        let mut ids: Vec<&str> = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(crate::sqlite_direct::ROWS_PER_LOCK) {
            let mut found = crate::sqlite_direct::read(&mut *conn, |c| {
                let mut lookup = c.prepare_cached(&sql)?;
                let mut found = Vec::new();
                for id in chunk {
                    let mut rows = lookup.query([id])?;
                    while let Some(row) = rows.next()? {
                        found.push(Person {
                            id: row.get(0)?,
                            unit_id: row.get(1)?,
                            full_name: row.get(2)?,
                            contact: row.get(3)?,
                            status: row.get(4)?,
                            joined_on: row.get(5)?,
                            external_id: row.get(6)?,
                        });
                    }
                }
                Ok(found)
            })
            .await?;
            out.append(&mut found);
        }
        return Ok(out);
    }
    for chunk in ids.chunks(500) {
        let marks = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT {COLUMNS} FROM people p WHERE p.external_id IN ({marks})");
        let mut rows = on_ex!(c, |e| {
            let mut q = sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(sql.as_str()));
            for id in chunk {
                q = q.bind(id);
            }
            q.fetch_all(&mut *e).await
        })?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// People with one of the ids `ids` inside `scope` (an import reads back
/// the ids of its own exports); ids outside the scope are left out.
pub async fn by_ids<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    ids: &[i64],
) -> StoreResult<Vec<Person>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let sql = format!(
            "SELECT {COLUMNS} FROM people p WHERE p.id IN ({}) AND {}",
            crate::tree::join(chunk),
            unit_condition(scope, "p.unit_id")
        );
        let mut rows = on_ex!(c, |e| sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(
            sql.as_str()
        ))
        .fetch_all(&mut *e)
        .await)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// Sets or clears a person's external id (inside `scope`); another
/// person's id is a conflict on `external_id`.
pub async fn set_external_id(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    id: i64,
    external_id: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    get(tx, scope, id).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE people SET external_id = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(external_id)
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::from(e).conflict_on("external_id"))?;
    Ok(())
}

/// Inserts many people at once (the import path): bulk inserts, one
/// history entry each, and the unit counters applied in a few statements
/// instead of once per person. Every unit must lie inside `scope`.
/// Returns the new people's ids in the order given.
pub async fn insert_batch(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    rows: &[NewPerson<'_>],
    actor: &str,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize),
) -> StoreResult<Vec<i64>> {
    let units: Vec<UnitId> = rows.iter().map(|r| r.unit_id).collect();
    if !crate::tree::all_in_scope(tx, scope, &units).await? {
        return Err(StoreError::NotFound);
    }
    let mut counts: std::collections::BTreeMap<(UnitId, String), i64> = Default::default();
    let mut done = 0;
    let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
    if let Tx::Sqlite(t) = tx {
        // Multi-row statements stepped on the connection's own handle (see
        // `sqlite_direct`), ids given from the table's highest: the write
        // transaction holds SQLite's only write lock, so no one else takes
        // them, and they come back in the order given.
        use crate::sqlite_direct::{ROWS_PER_STATEMENT, multi_row_insert};
        use rusqlite::types::ToSql;
        let at = crate::sqlite_direct::timestamp(now);
        let person_sql = |n| {
            multi_row_insert(
                "INSERT INTO people (id, unit_id, full_name, contact, status, joined_on, external_id, name_key, created_at, updated_at)",
                n,
                8,
                1,
                "?1, ?1",
            )
        };
        let history_sql = |n| {
            multi_row_insert(
                "INSERT INTO person_status_history (person_id, status, unit_id, changed_at, changed_by)",
                n,
                3,
                2,
                "?1, ?2",
            )
        };
        let (full_person, full_history) = (
            person_sql(ROWS_PER_STATEMENT),
            history_sql(ROWS_PER_STATEMENT),
        );
        let mut next_id: Option<i64> = None;
        for chunk in rows.chunks(crate::sqlite_direct::ROWS_PER_LOCK) {
            crate::sqlite_direct::run_in_tx(t, |c| {
                let mut id = match next_id {
                    Some(id) => id,
                    None => {
                        c.query_row("SELECT coalesce(max(id), 0) + 1 FROM people", [], |r| {
                            r.get(0)
                        })?
                    }
                };
                let mut full = (
                    c.prepare_cached(&full_person)?,
                    c.prepare_cached(&full_history)?,
                );
                for part in chunk.chunks(ROWS_PER_STATEMENT) {
                    let mut short;
                    let (person, history) = if part.len() == ROWS_PER_STATEMENT {
                        (&mut *full.0, &mut *full.1)
                    } else {
                        short = (
                            c.prepare(&person_sql(part.len()))?,
                            c.prepare(&history_sql(part.len()))?,
                        );
                        (&mut short.0, &mut short.1)
                    };
                    let part_ids: Vec<i64> = (id..id + part.len() as i64).collect();
                    id += part.len() as i64;
                    let keys: Vec<Vec<u8>> = part.iter().map(|r| sort_key(r.full_name)).collect();
                    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(1 + 8 * part.len());
                    values.push(&at);
                    for ((r, id), key) in part.iter().zip(&part_ids).zip(&keys) {
                        values.extend([
                            id as &dyn ToSql,
                            &r.unit_id,
                            &r.full_name,
                            &r.contact,
                            &r.status,
                            &r.joined_on,
                            &r.external_id,
                            key,
                        ]);
                    }
                    person.execute(values.as_slice())?;
                    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(2 + 3 * part.len());
                    values.extend([&at as &dyn ToSql, &actor]);
                    for (r, id) in part.iter().zip(&part_ids) {
                        values.extend([id as &dyn ToSql, &r.status, &r.unit_id]);
                    }
                    history.execute(values.as_slice())?;
                    ids.extend(part_ids);
                }
                next_id = Some(id);
                Ok(())
            })
            .await
            .map_err(|e| e.conflict_on("external_id"))?;
            for r in chunk {
                *counts.entry((r.unit_id, r.status.to_string())).or_default() += 1;
            }
            done += chunk.len();
            progress(done);
        }
    }
    // PostgreSQL: whole columns as arrays, ids taken first so that they
    // come back in the order given.
    if let Tx::Postgres(t) = tx {
        ids = crate::db::reserve_ids(t, "people", rows.len()).await?;
        for (chunk, chunk_ids) in rows
            .chunks(crate::db::PG_ROWS)
            .zip(ids.chunks(crate::db::PG_ROWS))
        {
            sqlx::query(
                "WITH new AS (
                   INSERT INTO people (id, unit_id, full_name, contact, status, joined_on,
                       external_id, name_key, created_at, updated_at)
                   SELECT v.*, $8, $8 FROM UNNEST($1::bigint[], $2::bigint[], $3::text[],
                       $4::text[], $5::text[], $6::text[], $7::text[], $10::bytea[]) AS v
                   RETURNING id, unit_id, status)
                 INSERT INTO person_status_history (person_id, status, unit_id, changed_at, changed_by)
                 SELECT id, status, unit_id, $8, $9 FROM new",
            )
            .bind(chunk_ids)
            .bind(chunk.iter().map(|r| r.unit_id).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.full_name).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.contact).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.status).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.joined_on).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.external_id).collect::<Vec<_>>())
            .bind(now)
            .bind(actor)
            .bind(
                chunk
                    .iter()
                    .map(|r| sort_key(r.full_name))
                    .collect::<Vec<_>>(),
            )
            .execute(&mut **t)
            .await
            .map_err(|e| StoreError::from(e).conflict_on("external_id"))?;
            for r in chunk {
                *counts.entry((r.unit_id, r.status.to_string())).or_default() += 1;
            }
            done += chunk.len();
            progress(done);
        }
    }
    let metrics: Vec<(UnitId, String, i64)> = counts
        .into_iter()
        .map(|((unit, status), n)| (unit, people_metric(&status), n))
        .collect();
    let deltas: Vec<(UnitId, &str, i64)> = metrics
        .iter()
        .map(|(unit, metric, n)| (*unit, metric.as_str(), *n))
        .collect();
    aggregates::add_bulk(tx, &deltas).await?;
    crate::search::index_people(tx, &ids).await?;
    Ok(ids)
}

/// Keys the names of the next `span` ids of the people that were there
/// before names had sort keys, from where the last call ended; returns
/// how many were keyed and whether any are left, or `None` (having
/// written nothing) when the walk had already ended.
pub async fn key_older_names(tx: &mut Tx, span: i64) -> StoreResult<Option<(usize, bool)>> {
    let (through, up_to): (i64, i64) = on_ex!(tx, |e| sqlx::query_as(
        "SELECT through, up_to FROM people_name_keys_fill WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await)?;
    if through >= up_to {
        return Ok(None);
    }
    let to = (through + span).min(up_to);
    let rows: Vec<(i64, String)> = on_ex!(tx, |e| sqlx::query_as(
        "SELECT id, full_name FROM people WHERE id > $1 AND id <= $2 AND name_key IS NULL"
    )
    .bind(through)
    .bind(to)
    .fetch_all(&mut *e)
    .await)?;
    for chunk in rows.chunks(500) {
        let values = crate::db::numbered_rows(chunk.len(), 2, 0, "", '$');
        let sql = match tx.dialect() {
            crate::Dialect::Sqlite => format!(
                "UPDATE people SET name_key = v.column2 FROM (VALUES {values}) AS v
                 WHERE people.id = v.column1"
            ),
            crate::Dialect::Postgres => format!(
                "UPDATE people SET name_key = v.k FROM (VALUES {values}) AS v(id, k)
                 WHERE people.id = v.id"
            ),
        };
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (id, name) in chunk {
                q = q.bind(*id).bind(sort_key(name));
            }
            q.execute(&mut *e).await.map(|_| ())
        })?;
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE people_name_keys_fill SET through = $1 WHERE id = 1"
    )
    .bind(to)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(Some((rows.len(), to < up_to)))
}

/// People whose name has no sort key though it should (written after the
/// keys, or already walked by the job): at most 20 (`grassroots check`).
pub async fn name_key_problems(c: &mut impl DbConn) -> StoreResult<Vec<String>> {
    let ids: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT p.id FROM people p
         WHERE p.name_key IS NULL
           AND p.id > (SELECT CASE WHEN through >= up_to THEN 0 ELSE up_to END
                       FROM people_name_keys_fill WHERE id = 1)
         ORDER BY p.id LIMIT 20"
    )
    .fetch_all(&mut *e)
    .await)?;
    Ok(ids
        .into_iter()
        .map(|id| format!("person {id}: the name has no sort key"))
        .collect())
}

/// Changes a person's name, contact and date joined.
pub async fn update_details(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    id: i64,
    full_name: &str,
    contact: &str,
    joined_on: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    get(tx, scope, id).await?;
    on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE people SET full_name = $1, contact = $2, joined_on = $3, updated_at = $4, name_key = $6 WHERE id = $5"
    )
    .bind(full_name)
    .bind(contact)
    .bind(joined_on)
    .bind(now)
    .bind(id)
    .bind(sort_key(full_name))
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    crate::search::index_people(tx, &[id]).await?;
    Ok(())
}

/// A person as exported: with the unit's name and external id.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportedPerson {
    /// The person.
    #[sqlx(flatten)]
    pub person: Person,
    /// Unit name.
    pub unit_name: String,
    /// Unit external id.
    pub unit_external_id: Option<String>,
}

/// Every person in the subtree of `root` inside `scope`, by unit and name.
pub async fn export(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    root: UnitId,
) -> StoreResult<Vec<ExportedPerson>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name, u.external_id AS unit_external_id
         FROM unit_closure c JOIN people p ON p.unit_id = c.descendant_id
         JOIN units u ON u.id = p.unit_id
         WHERE c.ancestor_id = $1 AND {}
         ORDER BY u.depth, u.name, u.id, p.full_name, p.id",
        unit_condition(scope, "p.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, ExportedPerson>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(root)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: People by status; a unit's people go to the unit that takes over.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "people",
    metrics: &["people."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, 'people.' || p.status,
                sum(CASE WHEN p.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM people p JOIN unit_closure c ON c.descendant_id = p.unit_id
         GROUP BY c.ancestor_id, p.status",
};

/// The name of a person whom the caller already has a right to (their
/// own record, found through their account or their calendar secret).
pub async fn name_of(c: &mut impl DbConn, person_id: i64) -> StoreResult<Option<String>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT full_name FROM people WHERE id = $1"
    )
    .bind(person_id)
    .fetch_optional(&mut *e)
    .await)?)
}
