//! The audit log: append-only, written in the same transaction as the
//! change it records, each row chained to the previous one by a SHA-256
//! hash. A single head row serializes appends, so the chain stays linear
//! even with several servers writing to one PostgreSQL.

use chrono::{DateTime, Utc};
use grassroots_core::{Administer, Scope};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::tree::unit_condition;
use crate::{DbConn, StoreResult, Tx, on_ex};

/// What happened, as given by the service that made the change.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// Acting account (`None` for the command line or the system).
    pub actor_account_id: Option<i64>,
    /// Actor label: a login name, or `cli` / `system`.
    pub actor: &'a str,
    /// Action key, for example `unit.create` or `account.read`.
    pub action: &'a str,
    /// Entity type, for example `unit`.
    pub entity_type: &'a str,
    /// Entity id.
    pub entity_id: String,
    /// Unit the entity belongs to, for scoping the log.
    pub unit_id: Option<i64>,
    /// State before the change (JSON), if any.
    pub before: Option<serde_json::Value>,
    /// State after the change (JSON), if any.
    pub after: Option<serde_json::Value>,
    /// Request id, matching the server logs.
    pub request_id: &'a str,
}

/// A stored audit row.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Position in the chain (1, 2, …).
    pub id: i64,
    /// Time of the change.
    pub at: DateTime<Utc>,
    /// Acting account.
    pub actor_account_id: Option<i64>,
    /// Actor label.
    pub actor: String,
    /// Action key.
    pub action: String,
    /// Entity type.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// Unit of the entity.
    pub unit_id: Option<i64>,
    /// JSON before.
    pub before_json: Option<String>,
    /// JSON after.
    pub after_json: Option<String>,
    /// Request id.
    pub request_id: String,
    /// Hash of the previous row (empty for the first).
    pub prev_hash: String,
    /// Hash of this row.
    pub hash: String,
}

/// The canonical timestamp format hashed into the chain.
fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Computes the hash of a row from its content and the previous hash.
pub fn row_hash(r: &AuditRecord) -> String {
    fn opt<T: ToString>(v: &Option<T>) -> String {
        v.as_ref()
            .map_or_else(|| "\u{0}".to_string(), |x| x.to_string())
    }
    let fields = [
        r.id.to_string(),
        fmt_time(r.at),
        opt(&r.actor_account_id),
        r.actor.clone(),
        r.action.clone(),
        r.entity_type.clone(),
        r.entity_id.clone(),
        opt(&r.unit_id),
        opt(&r.before_json),
        opt(&r.after_json),
        r.request_id.clone(),
        r.prev_hash.clone(),
    ];
    let mut h = Sha256::new();
    for f in fields {
        h.update(f.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// Appends an entry to the chain inside `tx`; returns its id.
pub async fn append(tx: &mut Tx, at: DateTime<Utc>, entry: &AuditEntry<'_>) -> StoreResult<i64> {
    let at = crate::truncate_to_micros(at);
    // Taking the head row's lock serializes appenders.
    let (seq, prev_hash): (i64, String) = on_ex!(tx, |e| sqlx::query_as(
        "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash"
    )
    .fetch_one(&mut *e)
    .await)?;
    let mut record = AuditRecord {
        id: seq,
        at,
        actor_account_id: entry.actor_account_id,
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        entity_type: entry.entity_type.to_string(),
        entity_id: entry.entity_id.clone(),
        unit_id: entry.unit_id,
        before_json: entry.before.as_ref().map(|v| v.to_string()),
        after_json: entry.after.as_ref().map(|v| v.to_string()),
        request_id: entry.request_id.to_string(),
        prev_hash,
        hash: String::new(),
    };
    record.hash = row_hash(&record);
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO audit_log (id, at, actor_account_id, actor, action, entity_type, entity_id, unit_id,
                                before_json, after_json, request_id, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )
    .bind(record.id)
    .bind(record.at)
    .bind(record.actor_account_id)
    .bind(&record.actor)
    .bind(&record.action)
    .bind(&record.entity_type)
    .bind(&record.entity_id)
    .bind(record.unit_id)
    .bind(&record.before_json)
    .bind(&record.after_json)
    .bind(&record.request_id)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut *e).await.map(|r| r.rows_affected())
    })?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE audit_head SET hash = $1 WHERE id = 1"
    )
    .bind(&record.hash)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(seq)
}

/// Filters of the audit page and API.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only rows by this actor label (login name).
    pub actor: Option<String>,
    /// Only rows about units in this unit's subtree.
    pub unit_subtree: Option<i64>,
    /// Only rows whose action starts with this text.
    pub action: Option<String>,
    /// Only rows at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only rows before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only rows with an id below this (for paging back).
    pub before_id: Option<i64>,
    /// Maximum rows.
    pub limit: i64,
}

const COLUMNS: &str = "id, at, actor_account_id, actor, action, entity_type, entity_id, unit_id,
    before_json, after_json, request_id, prev_hash, hash";

/// Rows visible within `scope`, newest first. Rows about no unit (if
/// any) are shown only when `include_unitless` is set, which the service
/// allows to administrators of the whole organization.
pub async fn list(
    c: &mut impl DbConn,
    scope: &Scope<Administer>,
    include_unitless: bool,
    f: &AuditFilter,
) -> StoreResult<Vec<AuditRecord>> {
    let visible = if include_unitless {
        format!("(unit_id IS NULL OR {})", unit_condition(scope, "unit_id"))
    } else {
        unit_condition(scope, "unit_id")
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE {visible}
           AND ($1 IS NULL OR actor = $1)
           AND ($2 IS NULL OR unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $2))
           AND ($3 IS NULL OR lower(action) LIKE $3 ESCAPE '\\')
           AND ($4 IS NULL OR at >= $4)
           AND ($5 IS NULL OR at < $5)
           AND ($6 IS NULL OR id < $6)
         ORDER BY id DESC LIMIT $7"
    );
    // A prefix match, case-insensitive on both engines, with LIKE's
    // wildcards taken literally.
    let action_like = f.action.as_ref().map(|a| {
        let escaped = a
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("{escaped}%")
    });
    Ok(on_ex!(c, |e| sqlx::query_as::<_, AuditRecord>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(&f.actor)
    .bind(f.unit_subtree)
    .bind(&action_like)
    .bind(f.from)
    .bind(f.to)
    .bind(f.before_id)
    .bind(f.limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Who read a given entity (rows with a `.read` action), newest first.
/// Shown to the person the record is about.
pub async fn reads_of(
    c: &mut impl DbConn,
    entity_type: &str,
    entity_id: &str,
) -> StoreResult<Vec<AuditRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log
         WHERE entity_type = $1 AND entity_id = $2 AND action LIKE '%.read'
         ORDER BY id DESC LIMIT 200"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, AuditRecord>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(entity_type)
    .bind(entity_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The first row that breaks the chain, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The row at fault.
    pub id: i64,
    /// What is wrong with it.
    pub reason: String,
}

/// Result of verifying the whole chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// Rows checked.
    pub rows: i64,
    /// First problem found, if any.
    pub first_break: Option<ChainBreak>,
}

/// Walks the whole chain in id order, recomputing every hash.
pub async fn verify(c: &mut impl DbConn) -> StoreResult<ChainReport> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 2000");
    let mut last_id = 0i64;
    let mut prev_hash = String::new();
    let mut rows = 0i64;
    loop {
        let batch: Vec<AuditRecord> = on_ex!(c, |e| sqlx::query_as::<_, AuditRecord>(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(last_id)
        .fetch_all(&mut *e)
        .await)?;
        if batch.is_empty() {
            break;
        }
        for r in batch {
            rows += 1;
            let fail = |reason: String| ChainReport {
                rows,
                first_break: Some(ChainBreak { id: r.id, reason }),
            };
            if r.id != last_id + 1 {
                return Ok(fail(format!(
                    "row {} is missing: the chain jumps from {} to {}",
                    last_id + 1,
                    last_id,
                    r.id
                )));
            }
            if r.prev_hash != prev_hash {
                return Ok(fail(
                    "its previous-hash does not match the row before it".into(),
                ));
            }
            if row_hash(&r) != r.hash {
                return Ok(fail(
                    "its content does not match its hash (the row was edited)".into(),
                ));
            }
            last_id = r.id;
            prev_hash = r.hash;
        }
    }
    let (head_seq, head_hash): (i64, String) = on_ex!(c, |e| sqlx::query_as(
        "SELECT seq, hash FROM audit_head WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await)?;
    if head_seq != last_id || head_hash != prev_hash {
        return Ok(ChainReport {
            rows,
            first_break: Some(ChainBreak {
                id: last_id + 1,
                reason: format!(
                    "the chain ends at row {last_id} but the head records row {head_seq}: rows were removed from the end"
                ),
            }),
        });
    }
    Ok(ChainReport {
        rows,
        first_break: None,
    })
}

/// The structural history of a unit (its `unit.*` rows and those of units
/// merged into it), oldest first. The caller has checked that the reader
/// may open the unit.
pub async fn unit_history(c: &mut impl DbConn, unit_id: i64) -> StoreResult<Vec<AuditRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log
         WHERE entity_type = 'unit' AND action LIKE 'unit.%'
           AND (entity_id = $1 OR (action = 'unit.merge' AND unit_id = $2))
         ORDER BY id LIMIT 500"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, AuditRecord>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id.to_string())
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}
