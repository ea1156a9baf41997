//! The search indexes of units, experiences and decisions: the tokens of
//! the text (`core::search`), and one token per unit on the path of the unit the
//! row belongs to (the unit itself, the unit that wrote the article or
//! issued the decision), so that a search within subtrees is one lookup
//! in the engine's full-text index. SQLite keeps each in an FTS5 table
//! (rowid = the row's id), PostgreSQL in a `tsvector` table with a GIN
//! index.
//!
//! Every write that changes an indexed text or a path reindexes the rows
//! it touched in the same transaction: a unit created, renamed or moved
//! (with the articles and decisions of its subtree), an article written, a
//! decision issued. [`index_missing`] fills the indexes of a database
//! older than them.

use grassroots_core::UnitId;
use grassroots_core::search::{self, Query};

use super::unit_token;
use crate::{DbConn, Dialect, StoreResult, Tx, on_ex};

/// Rows reindexed per statement.
const BATCH: usize = 500;

/// Characters of a text that are indexed (its title and tags come first):
/// a decision may run to 200,000, and PostgreSQL refuses a `tsvector` over
/// 1 MB. Words beyond are not found.
const INDEXED_CHARS: usize = 20_000;

/// What is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Texts {
    /// Units, by name.
    Units,
    /// Articles of the experience library, by title, tags and text.
    Experiences,
    /// Decisions, by title and text.
    Decisions,
}

impl Texts {
    /// Every index, in the order the fill walks them.
    pub const ALL: [Texts; 3] = [Texts::Units, Texts::Experiences, Texts::Decisions];

    /// The name of the indexed table (and of the fill's marker).
    pub fn name(self) -> &'static str {
        match self {
            Texts::Units => "units",
            Texts::Experiences => "experiences",
            Texts::Decisions => "decisions",
        }
    }

    fn index_table(self) -> &'static str {
        match self {
            Texts::Units => "units_search",
            Texts::Experiences => "experiences_search",
            Texts::Decisions => "decisions_search",
        }
    }

    /// The column of the index that holds the row's id.
    fn key(self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Sqlite => "rowid",
            Dialect::Postgres => "ref_id",
        }
    }

    /// id, text and the unit whose path is indexed, of the rows `list`.
    fn source(self, list: &str) -> String {
        match self {
            Texts::Units => {
                format!("SELECT u.id, u.name, u.id FROM units u WHERE u.id IN ({list})")
            }
            Texts::Experiences => format!(
                "SELECT e.id, e.title || ' ' || e.tags || ' ' || e.body, e.unit_id
                 FROM experiences e WHERE e.id IN ({list})"
            ),
            Texts::Decisions => format!(
                "SELECT d.id, d.title || ' ' || d.body, d.unit_id
                 FROM decisions d WHERE d.id IN ({list})"
            ),
        }
    }

    /// The ids of the rows that belong to the subtrees of `list`.
    fn under(self, list: &str) -> String {
        let (table, unit) = match self {
            Texts::Units => ("units", "id"),
            Texts::Experiences => ("experiences", "unit_id"),
            Texts::Decisions => ("decisions", "unit_id"),
        };
        format!(
            "SELECT r.id FROM {table} r JOIN unit_closure c ON c.descendant_id = r.{unit}
             WHERE c.ancestor_id IN ({list}) ORDER BY r.id"
        )
    }
}

/// Reindexes the rows `ids` of `texts`, in the caller's transaction.
pub(crate) async fn index(tx: &mut Tx, texts: Texts, ids: &[i64]) -> StoreResult<()> {
    for chunk in ids.chunks(BATCH) {
        let list = crate::tree::join(chunk);
        let rows: Vec<(i64, String, UnitId)> = on_ex!(tx, |e| sqlx::query_as(
            sqlx::AssertSqlSafe(texts.source(&list))
        )
        .fetch_all(&mut *e)
        .await)?;
        let units: Vec<UnitId> = {
            let mut u: Vec<UnitId> = rows.iter().map(|r| r.2).collect();
            u.sort_unstable();
            u.dedup();
            u
        };
        let mut paths: std::collections::HashMap<UnitId, Vec<UnitId>> = Default::default();
        for part in units.chunks(BATCH) {
            let sql = format!(
                "SELECT descendant_id, ancestor_id FROM unit_closure WHERE descendant_id IN ({})",
                crate::tree::join(part)
            );
            let pairs: Vec<(UnitId, UnitId)> =
                on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                    .fetch_all(&mut *e)
                    .await)?;
            for (unit, ancestor) in pairs {
                paths.entry(unit).or_default().push(ancestor);
            }
        }
        let docs: Vec<(i64, Vec<String>)> = rows
            .iter()
            .map(|(id, text, unit)| {
                let text: String = text.chars().take(INDEXED_CHARS).collect();
                let mut t: Vec<String> = search::index_tokens(&text).into_iter().collect();
                t.extend(
                    paths
                        .get(unit)
                        .into_iter()
                        .flatten()
                        .map(|u| unit_token(*u)),
                );
                (*id, t)
            })
            .collect();
        super::replace_rows(tx, texts.index_table(), "ref_id", chunk, &docs).await?;
    }
    Ok(())
}

/// Reindexes every unit, article and decision of the subtrees of `units`
/// (a subtree moved: their paths changed).
pub(crate) async fn index_under(tx: &mut Tx, units: &[UnitId]) -> StoreResult<()> {
    if units.is_empty() {
        return Ok(());
    }
    let list = crate::tree::join(units);
    for texts in Texts::ALL {
        let ids: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
            texts.under(&list)
        ))
        .fetch_all(&mut *e)
        .await)?;
        index(tx, texts, &ids).await?;
    }
    Ok(())
}

/// The condition on `column` (a row id of `texts`) that a query adds for
/// `q` within the subtrees of `within` (anywhere when empty), and the one
/// text it binds at `$bind`; `None` when the query narrows nothing by
/// tokens (the caller then checks the text itself).
pub(crate) fn condition(
    dialect: Dialect,
    texts: Texts,
    q: &Query,
    within: &[UnitId],
    column: &str,
    bind: usize,
) -> Option<(String, String)> {
    let text = super::match_text(dialect, q, within)?;
    let table = texts.index_table();
    Some(match dialect {
        Dialect::Sqlite => (
            format!("{column} IN (SELECT rowid FROM {table} WHERE {table} MATCH ${bind})"),
            text,
        ),
        Dialect::Postgres => (
            format!(
                "{column} IN (SELECT ref_id FROM {table} WHERE tokens @@ CAST(${bind} AS tsquery))"
            ),
            text,
        ),
    })
}

/// The id up to which the fill has walked the rows of `texts`.
pub async fn filled_through(c: &mut impl DbConn, texts: Texts) -> StoreResult<i64> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT through FROM texts_search_filled WHERE name = $1"
    )
    .bind(texts.name())
    .fetch_one(&mut *e)
    .await)?)
}

/// Records that the fill has walked every row of `texts` there is.
pub async fn set_filled_to_end(tx: &mut Tx, texts: Texts) -> StoreResult<()> {
    let table = texts.name();
    let sql = format!(
        "UPDATE texts_search_filled SET through = (SELECT coalesce(max(id), 0) FROM {table})
         WHERE name = $1"
    );
    on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(table)
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Indexes the rows of `texts` with ids in `after + 1 ..= after + span`
/// that the index does not hold yet, and records that the fill has
/// walked them; returns how many were indexed and where the walk stands
/// (`None` once past the last row).
pub async fn index_missing(
    tx: &mut Tx,
    texts: Texts,
    after: i64,
    span: i64,
) -> StoreResult<(usize, Option<i64>)> {
    let (table, index_table, key) = (texts.name(), texts.index_table(), texts.key(tx.dialect()));
    let newest_sql = format!("SELECT CAST(coalesce(max(id), 0) AS BIGINT) FROM {table}");
    let newest: i64 = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        newest_sql.as_str()
    ))
    .fetch_one(&mut *e)
    .await)?;
    if after >= newest {
        set_filled_to_end(tx, texts).await?;
        return Ok((0, None));
    }
    let to = (after + span).min(newest);
    let sql = format!(
        "SELECT r.id FROM {table} r
         WHERE r.id > $1 AND r.id <= $2
           AND NOT EXISTS (SELECT 1 FROM {index_table} s WHERE s.{key} = r.id)
         ORDER BY r.id"
    );
    let ids: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(after)
    .bind(to)
    .fetch_all(&mut *e)
    .await)?;
    index(tx, texts, &ids).await?;
    let mark =
        format!("UPDATE texts_search_filled SET through = {to} WHERE name = $1 AND through < {to}");
    on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(mark.as_str()))
        .bind(table)
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
    Ok((ids.len(), Some(to)))
}

/// Makes this connection read the FTS5 indexes as they are now (see
/// `super::refresh`).
pub(crate) async fn refresh(c: &mut impl DbConn) -> StoreResult<()> {
    if c.dialect() == Dialect::Sqlite {
        for texts in Texts::ALL {
            let table = texts.index_table();
            let sql = format!("SELECT rowid FROM {table} WHERE {table} MATCH 'u0'");
            on_ex!(c, |e| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(
                sql.as_str()
            ))
            .fetch_all(&mut *e)
            .await)?;
        }
    }
    Ok(())
}

/// Index rows that differ from the indexed tables (at most 20): a row
/// without its index row, or an index row of no row (`grassroots check`).
pub async fn problems(c: &mut impl DbConn) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for texts in Texts::ALL {
        let (table, index, key) = (texts.name(), texts.index_table(), texts.key(c.dialect()));
        let missing = format!(
            "SELECT r.id FROM {table} r WHERE NOT EXISTS (SELECT 1 FROM {index} s WHERE s.{key} = r.id)
             ORDER BY r.id LIMIT 20"
        );
        let orphan = format!(
            "SELECT s.{key} FROM {index} s WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.id = s.{key})
             LIMIT 20"
        );
        let a: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
            missing.as_str()
        ))
        .fetch_all(&mut *e)
        .await)?;
        let b: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
            orphan.as_str()
        ))
        .fetch_all(&mut *e)
        .await)?;
        out.extend(
            a.into_iter()
                .map(|id| format!("{table} {id}: not in the search index")),
        );
        out.extend(
            b.into_iter()
                .map(|id| format!("{index}: row {id} of no row of {table}")),
        );
    }
    out.truncate(20);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_within_subtrees_is_one_match() {
        let q = search::query("공장");
        let (sql, text) = condition(Dialect::Sqlite, Texts::Units, &q, &[3, 9], "u.id", 2).unwrap();
        assert!(sql.contains("units_search MATCH $2"));
        assert_eq!(text, "\"공장\" AND (\"u3\" OR \"u9\")");
        let (sql, text) =
            condition(Dialect::Postgres, Texts::Decisions, &q, &[], "d.id", 1).unwrap();
        assert!(sql.contains("decisions_search"));
        assert_eq!(text, "'공장'");
        assert!(
            condition(
                Dialect::Sqlite,
                Texts::Units,
                &search::query(""),
                &[1],
                "u.id",
                1
            )
            .is_none()
        );
    }
}
