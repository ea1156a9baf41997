//! Importing units and people from CSV or Excel into a unit's subtree.
//!
//! An import maps the file's headers to fields, checks every row and
//! reports every problem (row, column, value, reason) before anything is
//! written. Then it runs in one transaction: a dry run rolls that
//! transaction back, so it also reports what only the database can see
//! (a name already used under the same parent); a commit keeps it. Rows
//! whose external id already exists below the unit update that record
//! instead of adding a second one.

pub mod export;
pub mod tabular;

use std::collections::{BTreeMap, HashMap, HashSet};

use grassroots_core::validate::display_name;
use grassroots_core::{Edit, FieldError, Manage, UnitId};
use grassroots_store::audit;
use grassroots_store::imports;
use grassroots_store::people::{self, NewPerson, STATUSES};
use grassroots_store::profiles;
use grassroots_store::units::{self, IndexedUnit, Placement};
use grassroots_store::{StoreError, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Digest;

use self::tabular::{Format, Row, Table};
use crate::{Actor, App, AppError, AppResult};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Units, each named by an external id or by its grassroots id (as
    /// exported), optionally with its parent's.
    Units,
    /// People, optionally with their unit's external id or id.
    People,
}

impl Kind {
    /// Parses `units` or `people`.
    pub fn parse(raw: &str) -> AppResult<Kind> {
        match raw.trim() {
            "units" => Ok(Kind::Units),
            "people" => Ok(Kind::People),
            _ => Err(FieldError::new("kind", "invalid", "must be `units` or `people`").into()),
        }
    }

    /// `units` or `people`.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Units => "units",
            Kind::People => "people",
        }
    }

    /// The fields of this kind: (name, required).
    pub fn fields(self) -> &'static [(&'static str, bool)] {
        match self {
            Kind::Units => &[
                ("external_id", false),
                ("name", true),
                ("level", true),
                ("parent_external_id", false),
                ("id", false),
                ("parent_id", false),
            ],
            Kind::People => &[
                ("full_name", true),
                ("status", true),
                ("unit_external_id", false),
                ("contact", false),
                ("joined_on", false),
                ("external_id", false),
                ("id", false),
                ("unit_id", false),
            ],
        }
    }
}

/// Field → the header of the column that holds it.
pub type Mapping = BTreeMap<String, String>;

fn normalize(header: &str) -> String {
    let mut out = String::new();
    for c in header.trim().to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// Other names a header may give a field.
fn synonyms(field: &str) -> &'static [&'static str] {
    match field {
        // `id`, `unit_id` and `parent_id` are grassroots' own ids, as
        // exported; a register's codes are external ids.
        "external_id" => &["ext_id", "code", "register", "register_id"],
        "name" => &["unit", "unit_name", "title"],
        "level" => &["type", "unit_level"],
        "parent_external_id" => &["parent", "parent_code"],
        "full_name" => &["name", "person", "person_name"],
        "status" => &["membership", "membership_status"],
        "unit_external_id" => &["unit", "unit_code"],
        "contact" => &["phone", "email", "e_mail", "address"],
        "joined_on" => &["joined", "date_joined", "join_date"],
        _ => &[],
    }
}

/// Proposes a mapping from the headers: exact field names first, then
/// common synonyms, each header used once.
pub fn suggest_mapping(kind: Kind, headers: &[String]) -> Mapping {
    let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let mut used = HashSet::new();
    let mut out = Mapping::new();
    for pass in 0..2 {
        for (field, _) in kind.fields() {
            if out.contains_key(*field) {
                continue;
            }
            let names: Vec<&str> = if pass == 0 {
                vec![field]
            } else {
                synonyms(field).to_vec()
            };
            if let Some(i) = normalized
                .iter()
                .enumerate()
                .position(|(i, h)| !used.contains(&i) && names.contains(&h.as_str()))
            {
                used.insert(i);
                out.insert(field.to_string(), headers[i].clone());
            }
        }
    }
    out
}

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Row as a spreadsheet numbers it (the header is row 1); 0 for the
    /// file as a whole.
    pub row: usize,
    /// Column letter and header (`C (level)`), or the field.
    pub column: String,
    /// The value found.
    pub value: String,
    /// What kind of problem, as a stable code: one of the import's own
    /// (`unknown_unit`, `duplicate_id`, …) or a field's validation code.
    pub code: String,
    /// Why it cannot be imported, in English with the particulars.
    pub reason: String,
}

/// The codes of problems only an import has (a value a form would refuse
/// carries its validation code instead).
pub const PROBLEM_CODES: &[&str] = &[
    "conflict",
    "cycle",
    "duplicate_column",
    "duplicate_id",
    "external_id_elsewhere",
    "external_id_taken",
    "ids_disagree",
    "import_root",
    "missing_column",
    "name_taken",
    "no_rows",
    "not_an_id",
    "parent_closed",
    "person_elsewhere",
    "placement",
    "required",
    "same_record",
    "unit_closed",
    "unknown_field",
    "unknown_level",
    "unknown_person",
    "unknown_status",
    "unknown_unit",
];

/// The outcome of a dry run or a commit.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// `units` or `people`.
    pub kind: String,
    /// Data rows in the file.
    pub rows: usize,
    /// Records that would be (or were) added.
    pub created: usize,
    /// Records that would be (or were) changed.
    pub updated: usize,
    /// Rows equal to the stored record.
    pub unchanged: usize,
    /// Every problem (at most 1,000 listed; see `problem_count`).
    pub problems: Vec<Problem>,
    /// How many problems there are in all.
    pub problem_count: usize,
    /// The mapping used.
    pub mapping: Mapping,
    /// Whether the changes were written.
    pub committed: bool,
}

const MAX_LISTED: usize = 1000;

struct Problems {
    list: Vec<Problem>,
    count: usize,
}

impl Problems {
    fn new() -> Problems {
        Problems {
            list: Vec::new(),
            count: 0,
        }
    }
    fn add(
        &mut self,
        row: usize,
        column: String,
        value: &str,
        code: &'static str,
        reason: impl Into<String>,
    ) {
        debug_assert!(
            PROBLEM_CODES.contains(&code) || grassroots_core::validate::CODES.contains(&code),
            "import problem code `{code}` is not listed"
        );
        self.count += 1;
        if self.list.len() < MAX_LISTED {
            self.list.push(Problem {
                row,
                column,
                value: value.chars().take(200).collect(),
                code: code.to_string(),
                reason: reason.into(),
            });
        }
    }

    /// The problem a field validator found.
    fn add_error(&mut self, row: usize, column: String, value: &str, e: AppError) {
        match e {
            AppError::Invalid(f) => self.add(row, column, value, f.code, f.message),
            other => self.add(row, column, value, "invalid", other.to_string()),
        }
    }
}

/// Column positions and labels of the mapped fields (a handful: a list
/// is looked up faster than a hash map, once per cell of the file).
struct Columns {
    mapped: Vec<(&'static str, usize, String)>,
}

impl Columns {
    fn get<'t>(&self, row: &Row<'t>, field: &str) -> &'t str {
        self.mapped
            .iter()
            .find(|(f, _, _)| *f == field)
            .map_or("", |(_, i, _)| row.get(*i))
    }
    fn label(&self, field: &str) -> String {
        self.mapped
            .iter()
            .find(|(f, _, _)| *f == field)
            .map_or_else(|| field.to_string(), |(_, _, label)| label.clone())
    }
}

fn resolve_columns(kind: Kind, table: &Table, mapping: &Mapping, p: &mut Problems) -> Columns {
    let mut cols = Columns { mapped: Vec::new() };
    for (field, required) in kind.fields() {
        let header = mapping.get(*field).map(|h| h.trim()).unwrap_or("");
        if header.is_empty() {
            if *required {
                p.add(
                    0,
                    (*field).to_string(),
                    "",
                    "missing_column",
                    format!(
                        "missing column: no column is mapped to `{field}` (the file has: {})",
                        table.headers.join(", ")
                    ),
                );
            }
            continue;
        }
        let found: Vec<usize> = table
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.as_str() == header)
            .map(|(i, _)| i)
            .collect();
        match found[..] {
            [i] => {
                let label = format!("{} ({header})", tabular::column_letter(i));
                cols.mapped.push((field, i, label));
            }
            [] => p.add(
                0,
                (*field).to_string(),
                header,
                "missing_column",
                format!("missing column: the file has no column `{header}`"),
            ),
            _ => p.add(
                0,
                (*field).to_string(),
                header,
                "duplicate_column",
                format!("the file has {} columns named `{header}`", found.len()),
            ),
        }
    }
    for field in mapping.keys() {
        if !kind.fields().iter().any(|(f, _)| f == field) {
            p.add(
                0,
                field.clone(),
                "",
                "unknown_field",
                format!("`{field}` is not a field of this import"),
            );
        }
    }
    cols
}

/// An external id: optional or required, checked like the forms' (at most
/// 100 printable characters), and unique within the file (`seen` holds the
/// row of each id met so far).
fn check_id<'t>(
    p: &mut Problems,
    seen: Option<&mut HashMap<&'t str, usize>>,
    row: usize,
    column: String,
    value: &'t str,
    required: bool,
) -> Option<&'t str> {
    if value.is_empty() && required {
        p.add(row, column, value, "required", "required");
        return None;
    }
    // Cells are read trimmed: the id is the cell itself.
    match crate::people::optional(value, "external_id", 100) {
        Ok(id) => id?,
        Err(e) => {
            p.add_error(row, column, value, e);
            return None;
        }
    };
    let id = value.trim();
    if let Some(seen) = seen {
        if let Some(first) = seen.get(id) {
            p.add(
                row,
                column,
                id,
                "duplicate_id",
                format!("duplicate id: row {first} has the same external id"),
            );
        } else {
            seen.insert(id, row);
        }
    }
    Some(id)
}

/// Where a unit of the file hangs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    Stored(UnitId),
    Row(usize),
}

struct UnitRow {
    row: usize,
    /// The external id in the file (empty: none given).
    ext: String,
    name: String,
    level: String,
    /// `None` = the import's unit.
    parent: Option<Node>,
    existing: Option<IndexedUnit>,
    /// A stored unit named by its id takes this external id.
    new_ext: Option<String>,
}

/// A person's row, borrowing its text from the table (a million rows
/// must not cost a million allocations more).
struct PersonRow<'t> {
    row: usize,
    full_name: &'t str,
    status: &'t str,
    unit_id: UnitId,
    contact: &'t str,
    joined_on: Option<std::borrow::Cow<'t, str>>,
    external_id: Option<&'t str>,
    /// The grassroots id in the file, if any.
    id: Option<i64>,
    /// The stored person the row updates (boxed: most rows of a large
    /// file are new, and a person is several times a row's size).
    existing: Option<Box<people::Person>>,
}

/// A grassroots id from a cell: empty is none; anything but a whole
/// number is a problem.
fn check_number(p: &mut Problems, row: usize, column: String, value: &str) -> Option<i64> {
    if value.is_empty() {
        return None;
    }
    match value.parse::<i64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            p.add(
                row,
                column,
                value,
                "not_an_id",
                "not an id: ids are whole numbers, as exported",
            );
            None
        }
    }
}

/// Records the row of each id met and reports repeats.
fn unique_number(
    p: &mut Problems,
    seen: &mut HashMap<i64, usize>,
    row: usize,
    column: String,
    id: i64,
) {
    if let Some(first) = seen.get(&id) {
        p.add(
            row,
            column,
            &id.to_string(),
            "duplicate_id",
            format!("duplicate id: row {first} has the same id"),
        );
    } else {
        seen.insert(id, row);
    }
}

/// What the import needs to know about the file.
pub struct ImportFile<'a> {
    /// Units or people.
    pub kind: Kind,
    /// CSV or XLSX.
    pub format: Format,
    /// The file's name (for the audit log).
    pub name: &'a str,
    /// Its content.
    pub bytes: &'a [u8],
}

/// Reads the headers of a file and proposes a mapping.
pub fn inspect(file: &ImportFile<'_>) -> AppResult<(Table, Mapping)> {
    let table = tabular::read(file.bytes, file.format)?;
    let mapping = suggest_mapping(file.kind, &table.headers);
    Ok((table, mapping))
}

/// Refuses unless the actor may import `kind` into `target` (managers
/// import units, editors people). Callers that read the file before
/// [`run`] check this first.
pub async fn authorize(app: &App, actor: &Actor, target: UnitId, kind: Kind) -> AppResult<()> {
    match kind {
        Kind::Units => crate::units::require::<Manage>(app, actor, target).await,
        Kind::People => crate::units::require::<Edit>(app, actor, target).await,
    }
}

/// Which columns hold which fields.
#[derive(Debug, Clone, Copy)]
pub enum MappingChoice<'a> {
    /// Exactly this mapping (the mapping step of the pages).
    Exactly(&'a Mapping),
    /// The mapping suggested from the file's headers, with these fields
    /// set otherwise (the API and the command line).
    Suggested(&'a Mapping),
}

/// Checks and (unless `dry_run`) writes an import into the subtree of
/// `target`. `progress` hears (rows done, rows in all) while writing.
pub async fn run(
    app: &App,
    actor: &Actor,
    target: UnitId,
    file: &ImportFile<'_>,
    columns: MappingChoice<'_>,
    dry_run: bool,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> AppResult<Report> {
    authorize(app, actor, target, file.kind).await?;
    let started = std::time::Instant::now();
    let table = tabular::read(file.bytes, file.format)?;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        rows = table.len(),
        "import: file read"
    );
    let mapping = match columns {
        MappingChoice::Exactly(m) => m.clone(),
        MappingChoice::Suggested(overrides) => {
            let mut m = suggest_mapping(file.kind, &table.headers);
            m.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
            m
        }
    };
    let mut problems = Problems::new();
    let cols = resolve_columns(file.kind, &table, &mapping, &mut problems);
    let mut report = Report {
        kind: file.kind.key().to_string(),
        rows: table.len(),
        mapping,
        ..Report::default()
    };
    if table.is_empty() {
        problems.add(
            0,
            "file".into(),
            "",
            "no_rows",
            "the file has a header but no rows",
        );
    }
    let finish = |mut report: Report, problems: Problems| {
        report.problem_count = problems.count;
        report.problems = problems.list;
        report
    };
    if problems.count > 0 {
        return Ok(finish(report, problems));
    }
    let mut c = app.db.conn().await?;
    let index = match file.kind {
        Kind::Units => {
            units::subtree_index(&mut c, &actor.principal.scope::<Manage>(), target).await?
        }
        Kind::People => {
            units::subtree_index(&mut c, &actor.principal.scope::<Edit>(), target).await?
        }
    };
    let now = app.clock.now();
    match file.kind {
        Kind::Units => {
            let rows = check_units(&mut c, &table, &cols, &index, target, &mut problems).await?;
            drop(c);
            if problems.count > 0 {
                return Ok(finish(report, problems));
            }
            let mut tx = app.db.begin_alone().await?;
            let outcome = write_units(&mut tx, app, actor, target, &rows, now, progress).await?;
            match outcome {
                Err((row, column, value, code, reason)) => {
                    problems.add(row, column, &value, code, reason);
                    return Ok(finish(report, problems));
                }
                Ok((created, updated, unchanged)) => {
                    report.created = created;
                    report.updated = updated;
                    report.unchanged = unchanged;
                }
            }
            close_import(tx, actor, target, file, &report, dry_run, now).await?;
        }
        Kind::People => {
            let rows = check_people(
                &mut c,
                &actor.principal.scope::<Edit>(),
                &table,
                &cols,
                &index,
                target,
                &mut problems,
            )
            .await?;
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "import: rows checked"
            );
            drop(c);
            if problems.count > 0 {
                return Ok(finish(report, problems));
            }
            let mut tx = app.db.begin_alone().await?;
            let (created, updated, unchanged) =
                write_people(&mut tx, actor, &rows, now, progress).await?;
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "import: rows written"
            );
            report.created = created;
            report.updated = updated;
            report.unchanged = unchanged;
            close_import(tx, actor, target, file, &report, dry_run, now).await?;
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "import: committed"
            );
        }
    }
    report.committed = !dry_run;
    // A large load leaves the planner's statistics behind (PostgreSQL).
    if !dry_run && report.created + report.updated >= 10_000 {
        app.db
            .analyze(&[
                "units",
                "unit_closure",
                "unit_aggregates",
                "people",
                "person_status_history",
                "people_terms",
                "people_terms_docs",
            ])
            .await?;
    }
    Ok(finish(report, problems))
}

/// Writes the audit row and commits, or rolls back a dry run.
async fn close_import(
    mut tx: Tx,
    actor: &Actor,
    target: UnitId,
    file: &ImportFile<'_>,
    report: &Report,
    dry_run: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    if dry_run {
        tx.rollback().await?;
        return Ok(());
    }
    let action = format!("import.{}", file.kind.key());
    let mut e = actor.entry(&action, "unit", target, Some(target));
    e.after = Some(json!({
        "file": file.name,
        "sha256": hex::encode(sha2::Sha256::digest(file.bytes)),
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "mapping": report.mapping,
    }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(())
}

async fn check_units(
    c: &mut grassroots_store::Conn,
    table: &Table,
    cols: &Columns,
    index: &[IndexedUnit],
    target: UnitId,
    p: &mut Problems,
) -> AppResult<Vec<UnitRow>> {
    let profile = profiles::active(c).await?;
    let known_levels: Vec<&str> = profile.iter().map(|l| l.key.as_str()).collect();
    let by_ext: HashMap<&str, &IndexedUnit> = index
        .iter()
        .filter_map(|u| u.unit.external_id.as_deref().map(|e| (e, u)))
        .collect();
    let by_id: HashMap<UnitId, &IndexedUnit> = index.iter().map(|u| (u.unit.id, u)).collect();
    let parents: HashMap<UnitId, Option<UnitId>> = index
        .iter()
        .map(|u| (u.unit.id, u.unit.parent_id))
        .collect();
    let mut rows: Vec<UnitRow> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut seen_ids: HashMap<i64, usize> = HashMap::new();
    // Per row: the parent as the file names it (external id, id).
    let mut named_parents: Vec<(Option<&str>, Option<i64>)> = Vec::new();
    for cells in table.rows() {
        let line = cells.line();
        let cells = &cells;
        let id = check_number(p, line, cols.label("id"), cols.get(cells, "id"));
        let ext = check_id(
            p,
            Some(&mut seen),
            line,
            cols.label("external_id"),
            cols.get(cells, "external_id"),
            false,
        );
        let name_raw = cols.get(cells, "name");
        let name = display_name("name", name_raw)
            .map_err(|e| p.add(line, cols.label("name"), name_raw, e.code, e.message))
            .ok();
        let level_raw = cols.get(cells, "level");
        if !known_levels.contains(&level_raw) {
            p.add(
                line,
                cols.label("level"),
                level_raw,
                "unknown_level",
                format!("unknown level; one of: {}", known_levels.join(", ")),
            );
        }
        let parent_ext = check_id(
            p,
            None,
            line,
            cols.label("parent_external_id"),
            cols.get(cells, "parent_external_id"),
            false,
        );
        let parent_id = check_number(
            p,
            line,
            cols.label("parent_id"),
            cols.get(cells, "parent_id"),
        );
        let mut existing = None;
        if let Some(id) = id {
            unique_number(p, &mut seen_ids, line, cols.label("id"), id);
            match by_id.get(&id) {
                Some(u) => existing = Some((*u).clone()),
                None => p.add(
                    line,
                    cols.label("id"),
                    &id.to_string(),
                    "unknown_unit",
                    "unknown unit: no unit with this id below the unit imported into",
                ),
            }
        } else if ext.is_none() && !cols.get(cells, "external_id").is_empty() {
            // The external id itself was refused above.
        } else if ext.is_none() {
            p.add(line, cols.label("external_id"), "", "required", "required: every unit needs an external_id, or the id of a unit below this one (as exported)");
        }
        rows.push(UnitRow {
            row: line,
            ext: ext.unwrap_or_default().to_string(),
            name: name.unwrap_or_default(),
            level: level_raw.to_string(),
            parent: None,
            existing,
            new_ext: None,
        });
        named_parents.push((parent_ext, parent_id));
    }
    // Ids that exist outside the import's subtree cannot be reused.
    let unknown: Vec<String> = rows
        .iter()
        .filter(|r| !r.ext.is_empty() && !by_ext.contains_key(r.ext.as_str()))
        .map(|r| r.ext.clone())
        .collect();
    let taken = units::external_ids_taken(c, &unknown).await?;
    let row_of: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.ext.is_empty())
        .map(|(i, r)| (r.ext.clone(), i))
        .collect();
    for r in rows.iter_mut() {
        let by_ext_unit = by_ext.get(r.ext.as_str());
        match (&r.existing, by_ext_unit) {
            // Named by id: the external id in the file is the one it keeps.
            (Some(u), Some(other)) if !r.ext.is_empty() && other.unit.id != u.unit.id => p.add(
                r.row,
                cols.label("external_id"),
                &r.ext,
                "external_id_taken",
                format!(
                    "the external id belongs to another unit (id {}, {})",
                    other.unit.id, other.unit.name
                ),
            ),
            (Some(u), _) if !r.ext.is_empty() && u.unit.external_id.as_deref() != Some(&r.ext) => {
                if taken.contains(&r.ext) {
                    p.add(
                        r.row,
                        cols.label("external_id"),
                        &r.ext,
                        "external_id_elsewhere",
                        "the external id is used by a unit outside the unit imported into",
                    );
                }
                r.new_ext = Some(r.ext.clone());
            }
            (Some(_), _) => {}
            (None, Some(u)) => r.existing = Some((*u).clone()),
            (None, None) if taken.contains(&r.ext) => p.add(
                r.row,
                cols.label("external_id"),
                &r.ext,
                "external_id_elsewhere",
                "the external id is used by a unit outside the unit imported into",
            ),
            (None, None) => {}
        }
        if let Some(u) = &r.existing {
            let column = if by_ext_unit.is_some() {
                cols.label("external_id")
            } else {
                cols.label("id")
            };
            if u.unit.id == target {
                p.add(
                    r.row,
                    column,
                    &u.unit.id.to_string(),
                    "import_root",
                    "this is the unit the import goes into; it cannot be in the file",
                );
            } else if u.unit.closed_at.is_some() {
                p.add(
                    r.row,
                    column,
                    &u.unit.name,
                    "unit_closed",
                    "the unit is closed",
                );
            }
        }
    }
    same_record_twice(
        p,
        rows.iter().enumerate().map(|(i, r)| {
            let by = if cols.get(&table.row(i), "id").is_empty() {
                "external_id"
            } else {
                "id"
            };
            (
                r.row,
                cols.label(by),
                r.existing.as_ref().map(|u| u.unit.id),
            )
        }),
        "unit",
    );
    for (i, (parent_ext, parent_id)) in named_parents.iter().enumerate() {
        let own_id = rows[i].existing.as_ref().map(|u| u.unit.id);
        let r = &rows[i];
        // The parent named by external id: a row of the file or a unit.
        let by_ext_parent: Option<Option<Node>> = match parent_ext {
            None => None,
            Some(pe) if *pe == r.ext.as_str() => {
                p.add(
                    r.row,
                    cols.label("parent_external_id"),
                    pe,
                    "cycle",
                    "cycle: a unit cannot be its own parent",
                );
                Some(None)
            }
            Some(pe) => Some(match (row_of.get(*pe), by_ext.get(*pe)) {
                (Some(j), _) => Some(Node::Row(*j)),
                (None, Some(u)) if u.unit.closed_at.is_some() => {
                    p.add(
                        r.row,
                        cols.label("parent_external_id"),
                        pe,
                        "parent_closed",
                        "the parent unit is closed",
                    );
                    None
                }
                (None, Some(u)) if u.unit.id == target => None,
                (None, Some(u)) => Some(Node::Stored(u.unit.id)),
                (None, None) => {
                    p.add(r.row, cols.label("parent_external_id"), pe, "unknown_unit", "unknown unit: no unit with this external id in the file or below the unit imported into");
                    None
                }
            }),
        };
        // The parent named by id: the import's unit or a unit below it.
        let by_id_parent: Option<Option<Node>> = match parent_id {
            None => None,
            Some(pid) if Some(*pid) == own_id => {
                p.add(
                    r.row,
                    cols.label("parent_id"),
                    &pid.to_string(),
                    "cycle",
                    "cycle: a unit cannot be its own parent",
                );
                Some(None)
            }
            Some(pid) if *pid == target => Some(None),
            Some(pid) => {
                Some(match by_id.get(pid) {
                    Some(u) if u.unit.closed_at.is_some() => {
                        p.add(
                            r.row,
                            cols.label("parent_id"),
                            &pid.to_string(),
                            "parent_closed",
                            "the parent unit is closed",
                        );
                        None
                    }
                    Some(u) => Some(Node::Stored(u.unit.id)),
                    None => {
                        p.add(r.row, cols.label("parent_id"), &pid.to_string(), "unknown_unit", "unknown unit: no unit with this id is the unit imported into or below it");
                        None
                    }
                })
            }
        };
        let parent = match (by_ext_parent, by_id_parent) {
            (Some(a), Some(b)) => {
                // Both columns given: they must name the same unit.
                let unit_of = |n: Option<Node>| match n {
                    None => Some(target),
                    Some(Node::Stored(id)) => Some(id),
                    Some(Node::Row(j)) => rows[j].existing.as_ref().map(|u| u.unit.id),
                };
                if unit_of(a) != unit_of(b)
                    || (matches!(a, Some(Node::Row(_))) && unit_of(a).is_none())
                {
                    p.add(
                        r.row,
                        cols.label("parent_id"),
                        &parent_id.map(|v| v.to_string()).unwrap_or_default(),
                        "ids_disagree",
                        format!(
                            "parent_id and parent_external_id `{}` name different units",
                            parent_ext.unwrap_or("")
                        ),
                    );
                }
                a
            }
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => None,
        };
        rows[i].parent = parent;
    }
    if p.count > 0 {
        return Ok(rows);
    }
    // A stored unit that is also in the file is that row: its parent,
    // depth and level are the file's (so parents are placed first).
    let stored_row: HashMap<UnitId, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.existing.as_ref().map(|u| (u.unit.id, i)))
        .collect();
    for r in rows.iter_mut() {
        if let Some(Node::Stored(id)) = r.parent
            && let Some(j) = stored_row.get(&id)
        {
            r.parent = Some(Node::Row(*j));
        }
    }
    // Walk every row up its final parents: it must reach the import's unit.
    // A stored unit that is also in the file is that row.
    let norm = |n: Node| match n {
        Node::Stored(id) => stored_row.get(&id).map_or(n, |j| Node::Row(*j)),
        n => n,
    };
    let up = |n: Node| -> Option<Node> {
        match n {
            Node::Row(i) => rows[i].parent.map(norm),
            Node::Stored(id) => match parents.get(&id) {
                Some(Some(pid)) if *pid != target => Some(norm(Node::Stored(*pid))),
                _ => None,
            },
        }
    };
    // Walk up from every row, once per node overall: nodes already known
    // to reach the import's unit end a walk; meeting the walk's own path
    // again is a cycle.
    let mut reaches: HashSet<Node> = HashSet::new();
    for i in 0..rows.len() {
        let mut path: Vec<Node> = Vec::new();
        let mut on_path: HashMap<Node, usize> = HashMap::new();
        let mut at = Some(Node::Row(i));
        while let Some(n) = at {
            if reaches.contains(&n) {
                break;
            }
            if let Some(start) = on_path.get(&n) {
                let cycle: Vec<String> = path[*start..]
                    .iter()
                    .map(|n| match n {
                        Node::Row(j) => format!("row {}", rows[*j].row),
                        Node::Stored(id) => format!("unit {id}"),
                    })
                    .collect();
                // The stored tree has no cycle, so one has a row in it.
                let Some(first) = path[*start..].iter().find_map(|n| match n {
                    Node::Row(j) => Some(*j),
                    Node::Stored(_) => None,
                }) else {
                    break;
                };
                let first_row = table.row(first);
                let (field, value) = if cols.get(&first_row, "parent_external_id").is_empty() {
                    ("parent_id", cols.get(&first_row, "parent_id"))
                } else {
                    (
                        "parent_external_id",
                        cols.get(&first_row, "parent_external_id"),
                    )
                };
                p.add(
                    rows[first].row,
                    cols.label(field),
                    value,
                    "cycle",
                    format!("cycle: {} → back to {}", cycle.join(" → "), cycle[0]),
                );
                break;
            }
            on_path.insert(n, path.len());
            path.push(n);
            at = up(n);
        }
        if p.count == 0 {
            reaches.extend(path);
        } else {
            // Report each cycle once: its nodes are settled either way.
            reaches.extend(on_path.into_keys());
        }
    }
    if p.count > 0 {
        return Ok(rows);
    }
    check_placements(&profile, &rows, index, &by_id, target, &stored_row, cols, p);
    Ok(rows)
}

/// Every row's level must be allowed under its final parent's, and the
/// open units left below a stored unit whose level changes must be
/// allowed under its new level (the organization profile's rules).
#[allow(clippy::too_many_arguments)]
fn check_placements(
    profile: &[profiles::Level],
    rows: &[UnitRow],
    index: &[IndexedUnit],
    by_id: &HashMap<UnitId, &IndexedUnit>,
    target: UnitId,
    stored_row: &HashMap<UnitId, usize>,
    cols: &Columns,
    p: &mut Problems,
) {
    // Parents that are rows of the file are `Node::Row` by now: a stored
    // parent keeps its stored level.
    let level_of_stored = |id: UnitId| by_id.get(&id).map_or("", |u| u.unit.level.as_str());
    // Only what the file changes is judged: a unit it leaves where it is,
    // with its level, stays (a tree older than the rules keeps working).
    let relevelled = |r: &UnitRow| r.existing.as_ref().is_some_and(|u| u.unit.level != r.level);
    for r in rows {
        let (parent_level, parent_id, parent_relevelled) = match r.parent {
            None => (level_of_stored(target), Some(target), false),
            Some(Node::Row(j)) => (
                rows[j].level.as_str(),
                rows[j].existing.as_ref().map(|u| u.unit.id),
                relevelled(&rows[j]),
            ),
            Some(Node::Stored(id)) => (level_of_stored(id), Some(id), false),
        };
        let changes = match &r.existing {
            None => true,
            Some(u) => {
                u.unit.parent_id != parent_id || u.unit.level != r.level || parent_relevelled
            }
        };
        if changes && !profiles::may_sit_under(profile, &r.level, parent_level) {
            p.add(
                r.row,
                cols.label("level"),
                &r.level,
                "placement",
                crate::error::placement_reason(profile, &r.level, parent_level),
            );
        }
    }
    // Stored children that stay where they are, under a unit whose level
    // the file changes.
    let changed: HashMap<UnitId, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.existing
                .as_ref()
                .filter(|u| u.unit.level != r.level)
                .map(|u| (u.unit.id, i))
        })
        .collect();
    if changed.is_empty() {
        return;
    }
    for u in index {
        let Some(parent) = u.unit.parent_id else {
            continue;
        };
        let Some(i) = changed.get(&parent) else {
            continue;
        };
        if u.unit.closed_at.is_some() || stored_row.contains_key(&u.unit.id) {
            continue;
        }
        let r = &rows[*i];
        if !profiles::may_sit_under(profile, &u.unit.level, &r.level) {
            p.add(
                r.row,
                cols.label("level"),
                &r.level,
                "placement",
                format!(
                    "{} ({}) below this unit: {}",
                    u.unit.name,
                    u.unit.id,
                    crate::error::placement_reason(profile, &u.unit.level, &r.level)
                ),
            );
        }
    }
}

/// The final depth of each row below the import's unit, so that parents
/// are placed before their children and no move makes a transient cycle.
fn placement_order(rows: &[UnitRow]) -> Vec<usize> {
    // Iterative, memoized: a long chain of rows cannot exhaust the stack.
    let mut depth: Vec<Option<usize>> = vec![None; rows.len()];
    for i in 0..rows.len() {
        let mut chain = Vec::new();
        let mut at = i;
        let base = loop {
            if let Some(d) = depth[at] {
                break d + 1;
            }
            chain.push(at);
            match rows[at].parent {
                // Cycles were refused before; the guard keeps this total.
                Some(Node::Row(j)) if chain.len() <= rows.len() => at = j,
                _ => break 0,
            }
        };
        for (k, row) in chain.iter().rev().enumerate() {
            depth[*row] = Some(base + k);
        }
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|i| (depth[*i], *i));
    order
}

type RowProblem = (usize, String, String, &'static str, String);

/// A placement the profile refuses, as a problem of `row` (0: the file)
/// in `column`; any other error as it is.
fn placement_problem(
    row: usize,
    column: &str,
    value: &str,
    e: StoreError,
) -> AppResult<RowProblem> {
    match e {
        StoreError::Placement {
            level,
            parent_level,
            allowed,
        } => Ok((
            row,
            column.into(),
            value.into(),
            "placement",
            crate::error::placement_message(&level, &parent_level, &allowed),
        )),
        other => Err(other.into()),
    }
}

async fn write_units(
    tx: &mut Tx,
    app: &App,
    actor: &Actor,
    target: UnitId,
    rows: &[UnitRow],
    now: chrono::DateTime<chrono::Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> AppResult<Result<(usize, usize, usize), RowProblem>> {
    let _ = app;
    let scope = actor.principal.scope::<Manage>();
    let mut ids: HashMap<usize, UnitId> = HashMap::new();
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    let conflict = |r: &UnitRow, e: StoreError| -> AppResult<RowProblem> {
        match e {
            e @ StoreError::Placement { .. } => placement_problem(r.row, "level", &r.level, e),
            StoreError::Conflict { field: "name" } => Ok((
                r.row,
                "name".into(),
                r.name.clone(),
                "name_taken",
                "another unit under the same parent has this name".into(),
            )),
            StoreError::Conflict { field } => Ok((
                r.row,
                field.to_string(),
                r.ext.clone(),
                "conflict",
                format!("{field} conflicts with an existing record"),
            )),
            other => Err(other.into()),
        }
    };
    let (mut moved, mut relevelled): (Vec<UnitId>, Vec<UnitId>) = (Vec::new(), Vec::new());
    for (done, i) in placement_order(rows).into_iter().enumerate() {
        let r = &rows[i];
        let parent = match r.parent {
            None => target,
            Some(Node::Stored(id)) => id,
            Some(Node::Row(j)) => match (ids.get(&j), &rows[j].existing) {
                (Some(id), _) => *id,
                (None, Some(u)) => u.unit.id,
                (None, None) => unreachable!("parents are placed first"),
            },
        };
        match &r.existing {
            None => {
                let unit = match units::create_child(
                    tx,
                    &scope,
                    parent,
                    &r.name,
                    &r.level,
                    Some(&r.ext),
                    now,
                )
                .await
                {
                    Ok(u) => u,
                    Err(e) => return Ok(Err(conflict(r, e)?)),
                };
                let mut e = actor.entry("unit.create", "unit", unit.id, Some(unit.id));
                e.after = Some(json!(unit));
                audit::append(tx, now, &e).await?;
                ids.insert(i, unit.id);
                created += 1;
            }
            Some(old) => {
                let id = old.unit.id;
                ids.insert(i, id);
                let mut changed = false;
                if old.unit.parent_id != Some(parent) {
                    moved.push(id);
                    let (before, after) =
                        match units::move_subtree(tx, &scope, id, parent, now, Placement::Deferred)
                            .await
                        {
                            Ok(v) => v,
                            Err(e) => return Ok(Err(conflict(r, e)?)),
                        };
                    let mut e = actor.entry("unit.move", "unit", id, Some(id));
                    e.before = Some(json!({ "parent_id": before.parent_id }));
                    e.after = Some(json!({ "parent_id": after.parent_id }));
                    audit::append(tx, now, &e).await?;
                    changed = true;
                }
                if old.unit.name != r.name {
                    let (before, after) = match units::rename(tx, &scope, id, &r.name, now).await {
                        Ok(v) => v,
                        Err(e) => return Ok(Err(conflict(r, e)?)),
                    };
                    let mut e = actor.entry("unit.rename", "unit", id, Some(id));
                    e.before = Some(json!(before));
                    e.after = Some(json!(after));
                    audit::append(tx, now, &e).await?;
                    changed = true;
                }
                if let Some(ext) = &r.new_ext {
                    let (before, after) =
                        match units::set_external_id(tx, &scope, id, Some(ext), now).await {
                            Ok(v) => v,
                            Err(e) => return Ok(Err(conflict(r, e)?)),
                        };
                    crate::units::audit_external_id(tx, actor, &before, &after, now).await?;
                    changed = true;
                }
                if old.unit.level != r.level {
                    relevelled.push(id);
                    if let Err(e) =
                        units::set_level(tx, &scope, id, &r.level, now, Placement::Deferred).await
                    {
                        return Ok(Err(conflict(r, e)?));
                    }
                    let mut e = actor.entry("unit.level", "unit", id, Some(id));
                    e.before = Some(json!({ "level": old.unit.level }));
                    e.after = Some(json!({ "level": r.level }));
                    audit::append(tx, now, &e).await?;
                    changed = true;
                }
                if changed {
                    updated += 1;
                } else {
                    unchanged += 1;
                }
            }
        }
        if done % 100 == 99 {
            progress(done + 1, rows.len());
        }
    }
    // Moves and level changes were checked against the profile's rules
    // as a whole, before writing; the tree as written is checked again.
    if let Err(e) = units::check_placements(tx, &moved, &relevelled).await {
        return Ok(Err(placement_problem(0, "file", "", e)?));
    }
    progress(rows.len(), rows.len());
    Ok(Ok((created, updated, unchanged)))
}

async fn check_people<'t>(
    c: &mut grassroots_store::Conn,
    scope: &grassroots_core::Scope<Edit>,
    table: &'t Table,
    cols: &Columns,
    index: &[IndexedUnit],
    target: UnitId,
    p: &mut Problems,
) -> AppResult<Vec<PersonRow<'t>>> {
    let by_ext: HashMap<&str, &IndexedUnit> = index
        .iter()
        .filter_map(|u| u.unit.external_id.as_deref().map(|e| (e, u)))
        .collect();
    let by_id: HashMap<UnitId, &IndexedUnit> = index.iter().map(|u| (u.unit.id, u)).collect();
    let target_closed = index
        .iter()
        .any(|u| u.unit.id == target && u.unit.closed_at.is_some());
    let mut rows = Vec::with_capacity(table.len());
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(table.len());
    let mut seen_ids: HashMap<i64, usize> = HashMap::new();
    for cells in table.rows() {
        let line = cells.line();
        let cells = &cells;
        // Cells are read trimmed: a valid name is the cell itself.
        let name_raw = cols.get(cells, "full_name");
        let full_name = display_name("full_name", name_raw)
            .map(|_| name_raw)
            .map_err(|e| p.add(line, cols.label("full_name"), name_raw, e.code, e.message))
            .unwrap_or_default();
        let status = cols.get(cells, "status");
        if !STATUSES.contains(&status) {
            p.add(
                line,
                cols.label("status"),
                status,
                "unknown_status",
                format!("unknown status; one of: {}", STATUSES.join(", ")),
            );
        }
        let unit_ext = cols.get(cells, "unit_external_id");
        let unit_id_raw = cols.get(cells, "unit_id");
        let named_by_id = check_number(p, line, cols.label("unit_id"), unit_id_raw);
        // The unit named by external id, by id, or the import's own.
        let by_ext_unit = (!unit_ext.is_empty()).then(|| match by_ext.get(unit_ext) {
            Some(u) => Some(*u),
            None => {
                p.add(
                    line,
                    cols.label("unit_external_id"),
                    unit_ext,
                    "unknown_unit",
                    "unknown unit: no unit with this external id below the unit imported into",
                );
                None
            }
        });
        let by_id_unit = named_by_id.map(|id| match by_id.get(&id) {
            Some(u) => Some(*u),
            None => {
                p.add(
                    line,
                    cols.label("unit_id"),
                    unit_id_raw,
                    "unknown_unit",
                    "unknown unit: no unit with this id is the unit imported into or below it",
                );
                None
            }
        });
        let unit = match (by_ext_unit, by_id_unit) {
            (Some(Some(a)), Some(Some(b))) if a.unit.id != b.unit.id => {
                p.add(
                    line,
                    cols.label("unit_id"),
                    unit_id_raw,
                    "ids_disagree",
                    format!("unit_id and unit_external_id `{unit_ext}` name different units"),
                );
                None
            }
            (Some(u), _) | (None, Some(u)) => u,
            (None, None) => by_id.get(&target).copied(),
        };
        let unit_id = match unit {
            Some(u) if u.unit.closed_at.is_some() || (u.unit.id == target && target_closed) => {
                p.add(
                    line,
                    cols.label(if unit_ext.is_empty() {
                        "unit_id"
                    } else {
                        "unit_external_id"
                    }),
                    &u.unit.name,
                    "unit_closed",
                    "the unit is closed",
                );
                0
            }
            Some(u) => u.unit.id,
            None => 0,
        };
        let contact = cols.get(cells, "contact");
        if let Err(e) = crate::people::optional(contact, "contact", 200) {
            p.add_error(line, cols.label("contact"), contact, e);
        }
        let joined = cols.get(cells, "joined_on");
        // Most dates are written as stored: kept as the cell itself.
        let joined_on = crate::people::date(joined)
            .map_err(|e| p.add_error(line, cols.label("joined_on"), joined, e))
            .unwrap_or(None)
            .map(|d| {
                if d == joined {
                    std::borrow::Cow::Borrowed(joined)
                } else {
                    std::borrow::Cow::Owned(d)
                }
            });
        let external_id = check_id(
            p,
            Some(&mut seen),
            line,
            cols.label("external_id"),
            cols.get(cells, "external_id"),
            false,
        );
        let id = check_number(p, line, cols.label("id"), cols.get(cells, "id"));
        if let Some(id) = id {
            unique_number(p, &mut seen_ids, line, cols.label("id"), id);
        }
        rows.push(PersonRow {
            row: line,
            full_name,
            status,
            unit_id,
            contact,
            joined_on,
            external_id,
            id,
            existing: None,
        });
    }
    let in_subtree = |person: &people::Person| by_id.contains_key(&person.unit_id);
    // People named by id: they must be below the import's unit.
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.id).collect();
    let by_person_id: HashMap<i64, people::Person> = if ids.is_empty() {
        HashMap::new()
    } else {
        people::by_ids(c, scope, &ids)
            .await?
            .into_iter()
            .filter(|p| in_subtree(p))
            .map(|p| (p.id, p))
            .collect()
    };
    let exts: Vec<&str> = rows.iter().filter_map(|r| r.external_id).collect();
    let existing: HashMap<String, people::Person> = people::by_external_ids(c, &exts)
        .await?
        .into_iter()
        .filter_map(|p| p.external_id.clone().map(|e| (e, p)))
        .collect();
    for r in &mut rows {
        let by_ext_person = r.external_id.and_then(|e| existing.get(e));
        if let Some(id) = r.id {
            let Some(person) = by_person_id.get(&id) else {
                p.add(
                    r.row,
                    cols.label("id"),
                    &id.to_string(),
                    "unknown_person",
                    "unknown person: no person with this id below the unit imported into",
                );
                continue;
            };
            if let Some(other) = by_ext_person.filter(|o| o.id != id) {
                p.add(
                    r.row,
                    cols.label("external_id"),
                    other.external_id.as_deref().unwrap_or(""),
                    "external_id_taken",
                    format!(
                        "the external id belongs to another person (id {})",
                        other.id
                    ),
                );
            }
            r.existing = Some(Box::new(person.clone()));
            continue;
        }
        let Some(ext) = &r.external_id else { continue };
        if let Some(person) = by_ext_person {
            if in_subtree(person) {
                r.existing = Some(Box::new(person.clone()));
            } else {
                p.add(r.row, cols.label("external_id"), ext, "person_elsewhere", "the external id belongs to a person outside the unit imported into; transfer them first");
            }
        }
    }
    same_record_twice(
        p,
        rows.iter().map(|r| {
            let by = if r.id.is_some() { "id" } else { "external_id" };
            (r.row, cols.label(by), r.existing.as_ref().map(|x| x.id))
        }),
        "person",
    );
    Ok(rows)
}

/// Refuses a stored record named by two rows, once by id and once by
/// external id (two rows naming it by the same column are reported as
/// duplicates of that column already).
fn same_record_twice(
    p: &mut Problems,
    rows: impl Iterator<Item = (usize, String, Option<i64>)>,
    what: &str,
) {
    let mut first_row: HashMap<i64, (usize, String)> = HashMap::new();
    for (row, column, id) in rows {
        let Some(id) = id else { continue };
        if let Some((first, by)) = first_row.get(&id) {
            if *by == column {
                continue;
            }
            p.add(
                row,
                column,
                &id.to_string(),
                "same_record",
                format!("row {first} names the same {what} (id {id})"),
            );
        } else {
            first_row.insert(id, (row, column));
        }
    }
}

async fn write_people(
    tx: &mut Tx,
    actor: &Actor,
    rows: &[PersonRow<'_>],
    now: chrono::DateTime<chrono::Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> AppResult<(usize, usize, usize)> {
    let scope = actor.principal.scope::<Edit>();
    let total = rows.len();
    // New people go in batches: the rows to insert are never all copied
    // at once (memory stays near the file's own size).
    const BATCH: usize = 20_000;
    let mut created = 0;
    let mut new: Vec<NewPerson<'_>> = Vec::with_capacity(BATCH.min(total));
    for chunk in rows.chunks(BATCH) {
        new.clear();
        new.extend(
            chunk
                .iter()
                .filter(|r| r.existing.is_none())
                .map(|r| NewPerson {
                    unit_id: r.unit_id,
                    full_name: r.full_name,
                    contact: r.contact,
                    status: r.status,
                    joined_on: r.joined_on.as_deref(),
                    external_id: r.external_id,
                }),
        );
        if new.is_empty() {
            continue;
        }
        let before = created;
        people::insert_batch(tx, &scope, &new, &actor.label, now, |done| {
            progress(before + done, total)
        })
        .await?;
        created += new.len();
    }
    let (mut updated, mut unchanged) = (0, 0);
    for (k, r) in rows.iter().filter(|r| r.existing.is_some()).enumerate() {
        let old = r.existing.as_ref().expect("filtered");
        let mut changed = false;
        if old.full_name != r.full_name
            || old.contact != r.contact
            || old.joined_on.as_deref() != r.joined_on.as_deref()
        {
            people::update_details(
                tx,
                &scope,
                old.id,
                r.full_name,
                r.contact,
                r.joined_on.as_deref(),
                now,
            )
            .await?;
            changed = true;
        }
        if old.status != r.status {
            people::set_status(tx, &scope, old.id, r.status, &actor.label, now).await?;
            changed = true;
        }
        // A person named by id takes the external id of the file (an
        // empty cell keeps the one stored).
        if r.external_id.is_some() && old.external_id.as_deref() != r.external_id {
            people::set_external_id(tx, &scope, old.id, r.external_id, now).await?;
            changed = true;
        }
        if old.unit_id != r.unit_id {
            if !units::in_scope(tx, &scope, r.unit_id).await? {
                return Err(AppError::NotFound);
            }
            people::relocate(tx, old.id, r.unit_id, &actor.label, now).await?;
            changed = true;
        }
        if changed {
            updated += 1;
        } else {
            unchanged += 1;
        }
        if k % 100 == 99 {
            progress(created + k + 1, total);
        }
    }
    progress(total, total);
    Ok((created, updated, unchanged))
}

/// Uploads an account keeps waiting for their mapping step at most; a
/// new one makes room by forgetting the oldest.
pub const UPLOADS_KEPT_PER_ACCOUNT: usize = 3;
/// Bytes of uploads an account keeps waiting at most (two of the largest
/// uploads).
pub const UPLOAD_BYTES_KEPT_PER_ACCOUNT: i64 = 128 << 20;
/// How long an upload waits for its mapping step before it counts as
/// abandoned and is deleted.
pub fn upload_lifetime() -> chrono::Duration {
    chrono::Duration::hours(6)
}

/// Keeps an uploaded file for the mapping step; returns its id. The
/// account's older uploads are forgotten, oldest first, past
/// [`UPLOADS_KEPT_PER_ACCOUNT`] files or [`UPLOAD_BYTES_KEPT_PER_ACCOUNT`]
/// bytes; abandoned ones (older than [`upload_lifetime`]) go too.
pub async fn upload(
    app: &App,
    actor: &Actor,
    target: UnitId,
    file: &ImportFile<'_>,
) -> AppResult<String> {
    authorize(app, actor, target, file.kind).await?;
    // Refuse unreadable files at once rather than after the mapping step.
    tabular::read(file.bytes, file.format)?;
    let id = crate::passwords::random_token();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let kept = imports::of_account(&mut tx, actor.principal.account_id()).await?;
    let mut files = kept.len() + 1;
    let mut bytes: i64 = kept.iter().map(|(_, n)| n).sum::<i64>() + file.bytes.len() as i64;
    for (old, size) in &kept {
        if files <= UPLOADS_KEPT_PER_ACCOUNT && bytes <= UPLOAD_BYTES_KEPT_PER_ACCOUNT {
            break;
        }
        imports::delete(&mut tx, old).await?;
        files -= 1;
        bytes -= size;
    }
    imports::create(
        &mut tx,
        &imports::NewUpload {
            id: &id,
            account_id: actor.principal.account_id(),
            unit_id: target,
            kind: file.kind.key(),
            file_name: file.name,
            format: file.format.extension(),
            content: file.bytes,
            created_at: now,
        },
    )
    .await?;
    imports::purge(&mut tx, now - upload_lifetime()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes abandoned import uploads every ten minutes.
pub const PURGE_UPLOADS_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "import.purge_uploads",
    every_seconds: 600,
    run: |app| Box::pin(purge_abandoned(app)),
};

/// Deletes the uploads left waiting longer than [`upload_lifetime`]
/// (the server does this every ten minutes); returns how many.
pub async fn purge_abandoned(app: &App) -> AppResult<u64> {
    let mut tx = app.db.begin().await?;
    let n = imports::purge(&mut tx, app.clock.now() - upload_lifetime()).await?;
    tx.commit().await?;
    Ok(n)
}

/// The actor gives up an upload of theirs before importing it.
pub async fn cancel(app: &App, actor: &Actor, id: &str) -> AppResult<UnitId> {
    let pending = pending(app, actor, id).await?;
    discard(app, id).await?;
    Ok(pending.upload.unit_id)
}

/// An upload of the actor's, with the import it belongs to.
pub struct Pending {
    /// The stored upload.
    pub upload: imports::Upload,
    /// Units or people.
    pub kind: Kind,
    /// CSV or XLSX.
    pub format: Format,
}

impl Pending {
    /// The file, for [`run`] and [`inspect`].
    pub fn file(&self) -> ImportFile<'_> {
        ImportFile {
            kind: self.kind,
            format: self.format,
            name: &self.upload.file_name,
            bytes: &self.upload.content,
        }
    }
}

/// The actor's own upload `id` (another account's reads as not found).
pub async fn pending(app: &App, actor: &Actor, id: &str) -> AppResult<Pending> {
    let mut c = app.db.conn().await?;
    let upload = imports::get(&mut c, id, actor.principal.account_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = Kind::parse(&upload.kind)?;
    let format = Format::parse(&upload.format).ok_or(AppError::NotFound)?;
    Ok(Pending {
        upload,
        kind,
        format,
    })
}

/// Forgets an upload once its import is committed.
pub async fn discard(app: &App, id: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    imports::delete(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}
