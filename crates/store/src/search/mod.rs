//! The people search index (`people_terms`): one row per token of a
//! person's name (`core::search`: words and their beginnings, Hangul
//! syllable pairs, initial consonants), keyed by the person's *area* (the
//! unit on their path at [`AREA_DEPTH`] below the root: a county or a
//! city), the token, the name's collation sort key and the person's id.
//! A search within a county is then one range of an ordinary B-tree
//! already in name order: the first page of "kim" among 32,000 people
//! reads the 50 rows it shows, not the 1,400 that match, and the index is
//! the same table on SQLite and PostgreSQL. A search in a larger subtree
//! reads the ranges of its areas. `people_terms_docs` keeps what each
//! person's rows were written from (name, unit, area), so that a person's
//! old rows can be found and replaced.
//!
//! Every write that changes a name or a place reindexes the people it
//! touched, in the same transaction: a person added, renamed or
//! transferred, people loaded in bulk, a unit merged into another, a
//! subtree moved. [`index_missing`] fills the index of a database older
//! than it, in batches.

pub mod texts;

use std::collections::BTreeMap;

use grassroots_core::UnitId;
use grassroots_core::collation::sort_key;
use grassroots_core::search::{self, Query};

use rusqlite::ToSql;

use crate::{DbConn, Dialect, StoreError, StoreResult, Tx, on_ex};

/// People reindexed per statement.
const BATCH: usize = 500;

/// How far below the root the units lie whose people form one range of
/// the index (the centre is 0, a province 1, a county or city 2). People
/// of shallower units are their own unit's.
pub const AREA_DEPTH: i64 = 2;

/// The token of a unit on a path (in the text indexes).
pub fn unit_token(unit: UnitId) -> String {
    format!("u{unit}")
}

/// A token as a `tsvector` or `tsquery` lexeme: quoted, quotes doubled.
pub(crate) fn lexeme(token: &str) -> String {
    format!("'{}'", token.replace('\\', "\\\\").replace('\'', "''"))
}

/// A token as an FTS5 string: in double quotes, quotes doubled.
pub(crate) fn fts_string(token: &str) -> String {
    format!("\"{}\"", token.replace('"', "\"\""))
}

/// What a person's index rows are written from. The sort key is kept, not
/// recomputed, so that rows written before a change of the collation's
/// data are still found and replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Doc {
    name: String,
    key: Vec<u8>,
    unit: UnitId,
    area: UnitId,
}

/// A person and their area: id, name, stored sort key (if any), unit,
/// area (none only for a unit outside the tree, which the tree's
/// invariants rule out; such a person is left unindexed for `check`).
type PathRow = (i64, String, Option<Vec<u8>>, i64, Option<i64>);

/// One index row: area, token, sort key, person, unit.
type Row = (i64, String, Vec<u8>, i64, i64);

impl Doc {
    fn new(name: String, key: Vec<u8>, unit: UnitId, area: UnitId) -> Doc {
        Doc {
            name,
            key,
            unit,
            area,
        }
    }

    fn rows(&self, person: i64) -> Vec<Row> {
        search::index_tokens(&self.name)
            .into_iter()
            .map(|t| (self.area, t, self.key.clone(), person, self.unit))
            .collect()
    }
}

/// Reindexes `people` (ids), in the caller's transaction: the rows of a
/// person whose name, unit and area are what they were written from stay
/// as they are.
pub(crate) async fn index_people(tx: &mut Tx, people: &[i64]) -> StoreResult<()> {
    for chunk in people.chunks(BATCH) {
        let list = crate::tree::join(chunk);
        let sql = format!(
            "SELECT person_id, name, name_key, unit_id, area FROM people_terms_docs
             WHERE person_id IN ({list})"
        );
        let old: BTreeMap<i64, Doc> = on_ex!(tx, |e| sqlx::query_as::<
            _,
            (i64, String, Vec<u8>, i64, i64),
        >(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(&mut *e)
        .await)?
        .into_iter()
        .map(|(id, name, key, unit, area)| (id, Doc::new(name, key, unit, area)))
        .collect();
        // The deepest unit of the path down to AREA_DEPTH is the area,
        // looked up beside each person: as a join, PostgreSQL's planner
        // hashed every unit near the root against the whole closure
        // (0.7 s a batch at 800,000 people, growing with the country).
        let sql = format!(
            "SELECT p.id, p.full_name, p.name_key, p.unit_id,
                    (SELECT c.ancestor_id FROM unit_closure c JOIN units u ON u.id = c.ancestor_id
                     WHERE c.descendant_id = p.unit_id AND u.depth <= {AREA_DEPTH}
                     ORDER BY u.depth DESC LIMIT 1)
             FROM people p WHERE p.id IN ({list})"
        );
        let mut new: BTreeMap<i64, Doc> = BTreeMap::new();
        let rows: Vec<PathRow> = on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(&mut *e)
            .await)?;
        for (id, name, key, unit, area) in rows {
            let Some(area) = area else { continue };
            // The key every write of a name stores, or (a person the key
            // job has not reached yet) computed here.
            let key = key.unwrap_or_else(|| sort_key(&name));
            new.insert(id, Doc::new(name, key, unit, area));
        }
        let gone: Vec<(i64, &Doc)> = old
            .iter()
            .filter(|(id, d)| new.get(id) != Some(d))
            .map(|(id, d)| (*id, d))
            .collect();
        let fresh: Vec<(i64, &Doc)> = new
            .iter()
            .filter(|(id, d)| old.get(id) != Some(d))
            .map(|(id, d)| (*id, d))
            .collect();
        replace_terms(tx, &gone, &fresh).await?;
    }
    Ok(())
}

/// Deletes the rows and documents of `gone` and writes those of `fresh`.
async fn replace_terms(
    tx: &mut Tx,
    gone: &[(i64, &Doc)],
    fresh: &[(i64, &Doc)],
) -> StoreResult<()> {
    if !gone.is_empty() {
        let rows: Vec<Row> = gone.iter().flat_map(|(id, d)| d.rows(*id)).collect();
        let ids: Vec<i64> = gone.iter().map(|(id, _)| *id).collect();
        let sql = format!(
            "DELETE FROM people_terms_docs WHERE person_id IN ({})",
            crate::tree::join(&ids)
        );
        on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
        match tx {
            Tx::Sqlite(t) => {
                // One key per statement: SQLite scans the whole table for
                // a row value IN a list of them.
                crate::sqlite_direct::run_in_tx(t, |c| {
                    let mut delete = c.prepare_cached(
                        "DELETE FROM people_terms
                         WHERE area = ?1 AND term = ?2 AND name_key = ?3 AND person_id = ?4",
                    )?;
                    for r in &rows {
                        delete.execute(rusqlite::params![r.0, r.1, r.2, r.3])?;
                    }
                    Ok(())
                })
                .await?;
            }
            Tx::Postgres(t) => {
                for part in rows.chunks(crate::db::PG_ROWS) {
                    sqlx::query(
                        "DELETE FROM people_terms t
                         USING UNNEST($1::bigint[], $2::text[], $3::bytea[], $4::bigint[])
                               AS v(area, term, name_key, person_id)
                         WHERE t.area = v.area AND t.term = v.term
                           AND t.name_key = v.name_key AND t.person_id = v.person_id",
                    )
                    .bind(part.iter().map(|r| r.0).collect::<Vec<_>>())
                    .bind(part.iter().map(|r| r.1.as_str()).collect::<Vec<_>>())
                    .bind(part.iter().map(|r| r.2.as_slice()).collect::<Vec<_>>())
                    .bind(part.iter().map(|r| r.3).collect::<Vec<_>>())
                    .execute(&mut **t)
                    .await?;
                }
            }
        }
    }
    if fresh.is_empty() {
        return Ok(());
    }
    // In key order, so that each statement writes along the index.
    let mut rows: Vec<Row> = fresh.iter().flat_map(|(id, d)| d.rows(*id)).collect();
    rows.sort_unstable();
    match tx {
        Tx::Sqlite(t) => {
            crate::sqlite_direct::run_in_tx(t, |c| {
                each_statement(
                    c,
                    fresh,
                    |n| {
                        crate::sqlite_direct::multi_row_insert(
                            "INSERT INTO people_terms_docs (person_id, name, name_key, unit_id, area)",
                            n,
                            5,
                            0,
                            "",
                        )
                    },
                    |(id, d), v| v.extend([id as &dyn ToSql, &d.name, &d.key, &d.unit, &d.area]),
                )?;
                each_statement(
                    c,
                    &rows,
                    |n| {
                        crate::sqlite_direct::multi_row_insert(
                            "INSERT INTO people_terms (area, term, name_key, person_id, unit_id)",
                            n,
                            5,
                            0,
                            "",
                        )
                    },
                    |r, v| v.extend([&r.0 as &dyn ToSql, &r.1, &r.2, &r.3, &r.4]),
                )
            })
            .await?;
        }
        Tx::Postgres(t) => {
            sqlx::query(
                "INSERT INTO people_terms_docs (person_id, name, name_key, unit_id, area)
                 SELECT * FROM UNNEST($1::bigint[], $2::text[], $5::bytea[], $3::bigint[], $4::bigint[])",
            )
            .bind(fresh.iter().map(|(id, _)| *id).collect::<Vec<_>>())
            .bind(fresh.iter().map(|(_, d)| d.name.as_str()).collect::<Vec<_>>())
            .bind(fresh.iter().map(|(_, d)| d.unit).collect::<Vec<_>>())
            .bind(fresh.iter().map(|(_, d)| d.area).collect::<Vec<_>>())
            .bind(fresh.iter().map(|(_, d)| d.key.as_slice()).collect::<Vec<_>>())
            .execute(&mut **t)
            .await?;
            for part in rows.chunks(crate::db::PG_ROWS) {
                sqlx::query(
                    "INSERT INTO people_terms (area, term, name_key, person_id, unit_id)
                     SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bytea[], $4::bigint[], $5::bigint[])",
                )
                .bind(part.iter().map(|r| r.0).collect::<Vec<_>>())
                .bind(part.iter().map(|r| r.1.as_str()).collect::<Vec<_>>())
                .bind(part.iter().map(|r| r.2.as_slice()).collect::<Vec<_>>())
                .bind(part.iter().map(|r| r.3).collect::<Vec<_>>())
                .bind(part.iter().map(|r| r.4).collect::<Vec<_>>())
                .execute(&mut **t)
                .await?;
            }
        }
    }
    Ok(())
}

/// Runs the statement `sql(n)` over `rows`, `ROWS_PER_STATEMENT` at a
/// time, each row's values pushed by `values` (SQLite, on the
/// transaction's own handle: sqlx looks up every parameter's name on each
/// bind, which for thousands of parameters costs more than the writes).
fn each_statement<R>(
    c: &rusqlite::Connection,
    rows: &[R],
    sql: impl Fn(usize) -> String,
    values: impl for<'a> Fn(&'a R, &mut Vec<&'a dyn ToSql>),
) -> rusqlite::Result<()> {
    let per = crate::sqlite_direct::ROWS_PER_STATEMENT;
    for part in rows.chunks(per) {
        let mut v: Vec<&dyn ToSql> = Vec::with_capacity(part.len() * 5);
        for r in part {
            values(r, &mut v);
        }
        if part.len() == per {
            c.prepare_cached(&sql(per))?.execute(v.as_slice())?;
        } else {
            c.prepare(&sql(part.len()))?.execute(v.as_slice())?;
        }
    }
    Ok(())
}

/// The areas whose rows hold the people of `unit` (with `subtree`, of
/// its whole subtree), and whether they hold no one else: the unit's own
/// area (the one above it at [`AREA_DEPTH`], or itself when shallower),
/// or for the subtree of a unit above that depth every unit of the
/// subtree down to it (exactly the subtree's people). None for a unit
/// that does not exist.
pub(crate) async fn areas(
    c: &mut impl DbConn,
    unit: UnitId,
    subtree: bool,
) -> StoreResult<(Vec<UnitId>, bool)> {
    match crate::tree::ancestor_ids(c, unit).await {
        Ok(path) => areas_on_path(c, &path, subtree).await,
        Err(StoreError::NotFound) => Ok((Vec::new(), true)),
        Err(e) => Err(e),
    }
}

/// [`areas`] of the unit whose ancestors the caller holds (`path`, the
/// unit first, the root last): a statement only for the subtree of a
/// unit above the area depth.
pub(crate) async fn areas_on_path(
    c: &mut impl DbConn,
    path: &[UnitId],
    subtree: bool,
) -> StoreResult<(Vec<UnitId>, bool)> {
    let Some(&unit) = path.first() else {
        return Ok((Vec::new(), true));
    };
    let depth = (path.len() - 1) as i64;
    if depth >= AREA_DEPTH {
        let area = path[(depth - AREA_DEPTH) as usize];
        return Ok((vec![area], depth == AREA_DEPTH));
    }
    if !subtree {
        return Ok((vec![unit], false));
    }
    // Down the parent links a level at a time (each an index lookup), not
    // through the closure: a province has 25,000 descendants and only a
    // few dozen units above the areas.
    let mut out = vec![unit];
    let mut level = vec![unit];
    for _ in depth..AREA_DEPTH {
        let sql = format!(
            "SELECT id FROM units WHERE parent_id IN ({}) ORDER BY id",
            crate::tree::join(&level)
        );
        level = on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(&mut *e)
            .await)?;
        if level.is_empty() {
            break;
        }
        out.extend(&level);
    }
    Ok((out, true))
}

/// The condition on `people_terms t` that finds the people whose names
/// hold every token of `q` within `areas`, and the texts it binds from
/// `$first` on; `None` when the query narrows nothing by tokens (the
/// caller then scans). The longest token drives (the likeliest to be
/// rare); the others are looked up beside each of its rows. With one
/// area the rows come in name order.
pub(crate) fn terms_condition(
    q: &Query,
    areas: &[UnitId],
    first: usize,
) -> Option<(String, Vec<String>)> {
    if q.is_open() {
        return None;
    }
    let mut tokens: Vec<&String> = q.tokens.iter().collect();
    tokens.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
    let area = match areas {
        [] => "1 = 0".to_string(),
        [one] => format!("t.area = {one}"),
        many => format!("t.area IN ({})", crate::tree::join(many)),
    };
    let mut cond = format!("{area} AND t.term = ${first}");
    for n in 1..tokens.len() {
        cond.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM people_terms t{n} WHERE t{n}.area = t.area AND t{n}.term = ${}
                          AND t{n}.name_key = t.name_key AND t{n}.person_id = t.person_id)",
            first + n
        ));
    }
    Some((cond, tokens.into_iter().cloned().collect()))
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
    let sql = "SELECT p.id FROM people p
         WHERE p.id > $1 AND p.id <= $2
           AND NOT EXISTS (SELECT 1 FROM people_terms_docs d WHERE d.person_id = p.id)
         ORDER BY p.id";
    let ids: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(sql)
        .bind(after)
        .bind(to)
        .fetch_all(&mut *e)
        .await)?;
    index_people(tx, &ids).await?;
    set_filled_through(tx, to).await?;
    Ok((ids.len(), Some(to)))
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

/// Makes this connection read the FTS5 indexes as they are now (see
/// [`texts::refresh`]).
pub(crate) async fn refresh(c: &mut impl DbConn) -> StoreResult<()> {
    texts::refresh(c).await
}

/// Index documents that differ from the people (at most 20): a person the
/// fill has walked without one, or one written from another name or unit
/// than the person's (`grassroots check`).
pub async fn problems(c: &mut impl DbConn) -> StoreResult<Vec<String>> {
    let missing: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT p.id FROM people p
         WHERE p.id <= (SELECT through FROM people_search_filled WHERE id = 1)
           AND NOT EXISTS (SELECT 1 FROM people_terms_docs d WHERE d.person_id = p.id)
         ORDER BY p.id LIMIT 20"
    )
    .fetch_all(&mut *e)
    .await)?;
    let stale: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN people_terms_docs d ON d.person_id = p.id
         WHERE d.name <> p.full_name OR d.unit_id <> p.unit_id
         ORDER BY p.id LIMIT 20"
    )
    .fetch_all(&mut *e)
    .await)?;
    let mut out: Vec<String> = missing
        .into_iter()
        .map(|id| format!("person {id}: not in the search index"))
        .collect();
    out.extend(
        stale
            .into_iter()
            .map(|id| format!("person {id}: indexed under another name or unit")),
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
    }

    #[test]
    fn the_longest_token_drives_a_terms_query() {
        let q = search::query("김철 kim");
        let (sql, binds) = terms_condition(&q, &[7], 3).unwrap();
        assert!(sql.starts_with("t.area = 7 AND t.term = $3"), "{sql}");
        assert!(sql.contains("t1.term = $4"), "{sql}");
        assert_eq!(binds, ["kim", "김철"]);
        let (sql, _) = terms_condition(&q, &[7, 9], 1).unwrap();
        assert!(sql.starts_with("t.area IN (7, 9)"), "{sql}");
        let (sql, _) = terms_condition(&q, &[], 1).unwrap();
        assert!(sql.starts_with("1 = 0"), "{sql}");
        assert!(terms_condition(&search::query(""), &[7], 1).is_none());
    }
}
