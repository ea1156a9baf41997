//! The people search index: each person's name as the tokens of
//! `core::search` (words, Hangul syllable pairs, initial consonants) plus
//! one token per unit on their path (`u<id>`), so that a search within a
//! subtree is one intersection inside the engine's full-text index, not a
//! scan of the subtree's people. SQLite keeps it in an FTS5 table
//! (rowid = person id, no positions), PostgreSQL in a `tsvector` with a GIN
//! index; both are written from the same token text.
//!
//! Every write that changes a name or a place reindexes the people it
//! touched, in the same transaction: a person added, renamed or
//! transferred, people loaded in bulk, a unit merged into another, a
//! subtree moved. [`index_missing`] fills the index of a database older
//! than it, in batches.

pub mod texts;

use std::collections::BTreeMap;

use grassroots_core::UnitId;
use grassroots_core::search::{self, Query};

use crate::{DbConn, Dialect, StoreResult, Tx, on_ex};

/// People reindexed per statement.
const BATCH: usize = 500;

/// The token of a unit on a person's path.
pub fn unit_token(unit: UnitId) -> String {
    format!("u{unit}")
}

/// The tokens of a person: their name's and their path's.
fn tokens(name: &str, path: &[UnitId]) -> Vec<String> {
    let mut t: Vec<String> = search::index_tokens(name).into_iter().collect();
    t.extend(path.iter().map(|u| unit_token(*u)));
    t
}

/// A token as a `tsvector` or `tsquery` lexeme: quoted, quotes doubled.
pub(crate) fn lexeme(token: &str) -> String {
    format!("'{}'", token.replace('\\', "\\\\").replace('\'', "''"))
}

/// A token as an FTS5 string: in double quotes, quotes doubled.
pub(crate) fn fts_string(token: &str) -> String {
    format!("\"{}\"", token.replace('"', "\"\""))
}

/// Reindexes `people` (ids), in the caller's transaction.
pub(crate) async fn index_people(tx: &mut Tx, people: &[i64]) -> StoreResult<()> {
    for chunk in people.chunks(BATCH) {
        let list = crate::tree::join(chunk);
        let sql = format!(
            "SELECT p.id, p.full_name, c.ancestor_id FROM people p
             JOIN unit_closure c ON c.descendant_id = p.unit_id
             WHERE p.id IN ({list}) ORDER BY p.id, c.depth DESC"
        );
        let rows: Vec<(i64, String, i64)> =
            on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(&mut *e)
                .await)?;
        let mut people: BTreeMap<i64, (String, Vec<UnitId>)> = BTreeMap::new();
        for (id, name, ancestor) in rows {
            people
                .entry(id)
                .or_insert_with(|| (name, Vec::new()))
                .1
                .push(ancestor);
        }
        write(tx, chunk, &people).await?;
    }
    Ok(())
}

/// Replaces the index rows of `ids` with those of `people` (ids without a
/// person any more lose theirs).
async fn write(
    tx: &mut Tx,
    ids: &[i64],
    people: &BTreeMap<i64, (String, Vec<UnitId>)>,
) -> StoreResult<()> {
    let docs: Vec<(i64, Vec<String>)> = people
        .iter()
        .map(|(id, (name, path))| (*id, tokens(name, path)))
        .collect();
    replace_rows(tx, "people_search", "person_id", ids, &docs).await
}

/// Replaces the rows of `ids` in the index `table` (keyed by rowid on
/// SQLite, by `pg_key` on PostgreSQL) with `docs`, each id with its
/// tokens; ids without a document lose their row.
pub(crate) async fn replace_rows(
    tx: &mut Tx,
    table: &str,
    pg_key: &str,
    ids: &[i64],
    docs: &[(i64, Vec<String>)],
) -> StoreResult<()> {
    let postgres = tx.dialect() == Dialect::Postgres;
    let key = if postgres { pg_key } else { "rowid" };
    let delete = format!(
        "DELETE FROM {table} WHERE {key} IN ({})",
        crate::tree::join(ids)
    );
    on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(delete.as_str()))
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
    if docs.is_empty() {
        return Ok(());
    }
    let values = crate::db::numbered_rows(docs.len(), 2, 0, "", '$');
    let insert = if postgres {
        format!(
            "INSERT INTO {table} ({key}, tokens)
             SELECT v.column1, CAST(v.column2 AS tsvector) FROM (VALUES {values}) AS v"
        )
    } else {
        format!(
            "INSERT INTO {table} (rowid, tokens) SELECT v.column1, v.column2 FROM (VALUES {values}) AS v"
        )
    };
    // A tsvector written literally (quoted lexemes, no parser), or FTS5's
    // text of tokens separated by spaces.
    let texts: Vec<(i64, String)> = docs
        .iter()
        .map(|(id, t)| {
            let text = if postgres {
                t.iter().map(|x| lexeme(x)).collect::<Vec<_>>().join(" ")
            } else {
                t.join(" ")
            };
            (*id, text)
        })
        .collect();
    on_ex!(tx, |e| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(insert.as_str()));
        for (id, text) in &texts {
            q = q.bind(*id).bind(text.as_str());
        }
        q.execute(&mut *e).await.map(|_| ())
    })?;
    Ok(())
}

/// Reindexes the people of the subtrees of `units` (a subtree moved, a
/// unit merged into another).
pub(crate) async fn index_units(tx: &mut Tx, units: &[UnitId]) -> StoreResult<()> {
    if units.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT p.id FROM people p JOIN unit_closure c ON c.descendant_id = p.unit_id
         WHERE c.ancestor_id IN ({}) ORDER BY p.id",
        crate::tree::join(units)
    );
    let ids: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .fetch_all(&mut *e)
    .await)?;
    index_people(tx, &ids).await
}

/// The id up to which the fill has walked the people.
pub async fn filled_through(c: &mut impl DbConn) -> StoreResult<i64> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT through FROM people_search_filled WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await)?)
}

/// Records that the fill has walked the people up to `id`.
pub async fn set_filled_through(tx: &mut Tx, id: i64) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE people_search_filled SET through = $1 WHERE id = 1 AND through < $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Records that the fill has walked every person there is: those added
/// from now on are indexed as they are written.
pub async fn set_filled_to_end(tx: &mut Tx) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE people_search_filled SET through = (SELECT coalesce(max(id), 0) FROM people)
         WHERE id = 1"
    )
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Indexes the people with ids in `after + 1 ..= after + span` that the
/// index does not hold yet (a database older than the index), and
/// records that the fill has walked them; returns how many were indexed
/// and where the walk stands (`None` once past the last person). Each
/// call is a bounded range, so a walk over millions of people already
/// indexed is many short statements, not one scan.
pub async fn index_missing(
    tx: &mut Tx,
    after: i64,
    span: i64,
) -> StoreResult<(usize, Option<i64>)> {
    let newest: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT CAST(coalesce(max(id), 0) AS BIGINT) FROM people"
    )
    .fetch_one(&mut *e)
    .await)?;
    if after >= newest {
        set_filled_to_end(tx).await?;
        return Ok((0, None));
    }
    let to = (after + span).min(newest);
    let sql = match tx.dialect() {
        Dialect::Sqlite => {
            "SELECT p.id FROM people p
             WHERE p.id > $1 AND p.id <= $2
               AND NOT EXISTS (SELECT 1 FROM people_search s WHERE s.rowid = p.id)
             ORDER BY p.id"
        }
        Dialect::Postgres => {
            "SELECT p.id FROM people p
             WHERE p.id > $1 AND p.id <= $2
               AND NOT EXISTS (SELECT 1 FROM people_search s WHERE s.person_id = p.id)
             ORDER BY p.id"
        }
    };
    let ids: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(sql)
        .bind(after)
        .bind(to)
        .fetch_all(&mut *e)
        .await)?;
    index_people(tx, &ids).await?;
    set_filled_through(tx, to).await?;
    Ok((ids.len(), Some(to)))
}

/// The condition on `p.id` that a people query adds for `q` within the
/// subtree of `unit`, and the one text it binds at `$bind`; `None` when
/// the query narrows nothing by tokens (the caller then scans).
pub(crate) fn condition(
    dialect: Dialect,
    q: &Query,
    unit: UnitId,
    bind: usize,
) -> Option<(String, String)> {
    if q.is_open() {
        return None;
    }
    Some(match dialect {
        Dialect::Sqlite => {
            let mut parts: Vec<String> = vec![fts_string(&unit_token(unit))];
            parts.extend(q.tokens.iter().map(|t| fts_string(t)));
            (
                format!(
                    "p.id IN (SELECT rowid FROM people_search WHERE people_search MATCH ${bind})"
                ),
                parts.join(" AND "),
            )
        }
        Dialect::Postgres => {
            let mut parts: Vec<String> = vec![lexeme(&unit_token(unit))];
            parts.extend(q.tokens.iter().map(|t| lexeme(t)));
            (
                format!(
                    "p.id IN (SELECT person_id FROM people_search WHERE tokens @@ CAST(${bind} AS tsquery))"
                ),
                parts.join(" & "),
            )
        }
    })
}

/// The engine's query text for `q` within the subtrees of `within`
/// (anywhere when empty): an FTS5 expression or a `tsquery`; `None` when
/// the query narrows nothing by tokens.
pub(crate) fn match_text(dialect: Dialect, q: &Query, within: &[UnitId]) -> Option<String> {
    if q.is_open() {
        return None;
    }
    Some(match dialect {
        Dialect::Sqlite => {
            let mut parts: Vec<String> = q.tokens.iter().map(|t| fts_string(t)).collect();
            if !within.is_empty() {
                let units: Vec<String> =
                    within.iter().map(|u| fts_string(&unit_token(*u))).collect();
                parts.push(format!("({})", units.join(" OR ")));
            }
            parts.join(" AND ")
        }
        Dialect::Postgres => {
            let mut parts: Vec<String> = q.tokens.iter().map(|t| lexeme(t)).collect();
            if !within.is_empty() {
                let units: Vec<String> = within.iter().map(|u| lexeme(&unit_token(*u))).collect();
                parts.push(format!("({})", units.join(" | ")));
            }
            parts.join(" & ")
        }
    })
}

/// Makes this connection read the FTS5 index as it is now. SQLite keeps
/// an FTS5 table's structure per connection and refreshes it when the
/// table is queried, but `PRAGMA integrity_check` does not: on a
/// connection that last read the index before another one wrote to it, it
/// reports a checksum mismatch that is not there. `check` queries the
/// table first.
pub(crate) async fn refresh(c: &mut impl DbConn) -> StoreResult<()> {
    texts::refresh(c).await?;
    if c.dialect() == Dialect::Sqlite {
        on_ex!(c, |e| sqlx::query_scalar::<_, i64>(
            "SELECT rowid FROM people_search WHERE people_search MATCH 'u0'"
        )
        .fetch_all(&mut *e)
        .await)?;
    }
    Ok(())
}

/// Index rows that differ from the people (at most 20): a person without
/// a row, or a row of no person (`grassroots check`).
pub async fn problems(c: &mut impl DbConn) -> StoreResult<Vec<String>> {
    let (missing, orphan) = match c.dialect() {
        Dialect::Sqlite => (
            "SELECT p.id FROM people p WHERE NOT EXISTS (SELECT 1 FROM people_search s WHERE s.rowid = p.id) ORDER BY p.id LIMIT 20",
            "SELECT s.rowid FROM people_search s WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = s.rowid) LIMIT 20",
        ),
        Dialect::Postgres => (
            "SELECT p.id FROM people p WHERE NOT EXISTS (SELECT 1 FROM people_search s WHERE s.person_id = p.id) ORDER BY p.id LIMIT 20",
            "SELECT s.person_id FROM people_search s WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = s.person_id) LIMIT 20",
        ),
    };
    let a: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(missing).fetch_all(&mut *e).await)?;
    let b: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(orphan).fetch_all(&mut *e).await)?;
    let mut out: Vec<String> = a
        .into_iter()
        .map(|id| format!("person {id}: not in the search index"))
        .collect();
    out.extend(
        b.into_iter()
            .map(|id| format!("search index: row {id} of no person")),
    );
    out.extend(texts::problems(c).await?);
    out.truncate(20);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_quoted_for_each_engine() {
        assert_eq!(lexeme("o'neil"), "'o''neil'");
        assert_eq!(fts_string("a\"b"), "\"a\"\"b\"");
        let q = search::query("김철 kim");
        let (sql, text) = condition(Dialect::Sqlite, &q, 7, 3).unwrap();
        assert!(sql.contains("MATCH $3"));
        assert_eq!(text, "\"u7\" AND \"kim\" AND \"김철\"");
        let (_, text) = condition(Dialect::Postgres, &q, 7, 3).unwrap();
        assert_eq!(text, "'u7' & 'kim' & '김철'");
        assert!(condition(Dialect::Sqlite, &search::query(""), 7, 3).is_none());
    }
}
