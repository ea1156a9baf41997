//! Exporting the units and people of a subtree, within the reader's
//! scope, in the same columns the import reads (so a file can go out,
//! be corrected and come back). Every row carries grassroots' own ids
//! (`id`, `parent_id`, `unit_id`) beside the external ones, so that a
//! file re-imported unchanged changes nothing even where no external id
//! was ever given.

use grassroots_core::{Read, UnitId};
use grassroots_store::audit;
use grassroots_store::people;
use grassroots_store::units;
use serde_json::json;

use crate::imports::Kind;
use crate::imports::tabular::{self, Format};
use crate::{Actor, App, AppError, AppResult};

/// Columns of a units export.
pub const UNIT_COLUMNS: &[&str] = &[
    "external_id",
    "name",
    "level",
    "parent_external_id",
    "id",
    "parent_id",
];

/// Columns of a people export.
pub const PEOPLE_COLUMNS: &[&str] = &[
    "external_id",
    "full_name",
    "status",
    "unit_external_id",
    "contact",
    "joined_on",
    "unit_id",
    "unit_name",
    "id",
];

/// An exported file.
pub struct Exported {
    /// Suggested file name.
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Rows written.
    pub rows: usize,
}

/// The open units below `root` (or the people of its subtree), as CSV or
/// XLSX. A people export is a bulk read of personal records and is
/// logged.
pub async fn export(
    app: &App,
    actor: &Actor,
    root: UnitId,
    kind: Kind,
    format: Format,
) -> AppResult<Exported> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let unit = units::get(&mut c, &read, root).await?;
    let (columns, rows): (&[&str], Vec<Vec<String>>) = match kind {
        Kind::Units => {
            let rows = units::subtree_index(&mut c, &read, root)
                .await?
                .into_iter()
                .filter(|u| u.unit.id != root && u.unit.closed_at.is_none())
                .map(|u| {
                    vec![
                        u.unit.external_id.unwrap_or_default(),
                        u.unit.name,
                        u.unit.level,
                        u.parent_external_id.unwrap_or_default(),
                        u.unit.id.to_string(),
                        u.unit.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                    ]
                })
                .collect();
            (UNIT_COLUMNS, rows)
        }
        Kind::People => {
            let rows = people::export(&mut c, &read, root)
                .await?
                .into_iter()
                .map(|p| {
                    vec![
                        p.person.external_id.unwrap_or_default(),
                        p.person.full_name,
                        p.person.status,
                        p.unit_external_id.unwrap_or_default(),
                        p.person.contact,
                        p.person.joined_on.unwrap_or_default(),
                        p.person.unit_id.to_string(),
                        p.unit_name,
                        p.person.id.to_string(),
                    ]
                })
                .collect();
            (PEOPLE_COLUMNS, rows)
        }
    };
    drop(c);
    let bytes = match format {
        Format::Csv => tabular::write_csv(columns, &rows),
        Format::Xlsx => {
            tabular::write_xlsx(kind.key(), columns, &rows).map_err(AppError::Internal)?
        }
    };
    if kind == Kind::People {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let mut e = actor.entry("people.export", "unit", root, Some(root));
        e.after = Some(json!({ "rows": rows.len(), "format": format.extension() }));
        audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
    }
    let slug: String = unit
        .name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    Ok(Exported {
        file_name: format!(
            "{}-{}.{}",
            slug.trim_matches('-'),
            kind.key(),
            format.extension()
        ),
        rows: rows.len(),
        bytes,
    })
}
