//! API of the unit tree: listing, reading, creating, renaming and moving
//! units, their merge, close and history, and the organization profile
//! that names the levels.

use std::collections::BTreeMap;

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::imports::tabular::Format;
use grassroots_app::imports::{self, export};
use grassroots_app::{AppError, profiles, units};
use grassroots_core::UnitId;
use grassroots_store::profiles::Level;
use grassroots_store::units::{MergeOutcome, Unit, UnitListing};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller, Paging};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The units API's routes: the tree, its lifecycle and the profile.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units))
        .routes(routes!(get_unit, rename_unit))
        .routes(routes!(create_child))
        .routes(routes!(move_unit))
        .routes(routes!(merge_unit))
        .routes(routes!(close_unit))
        .routes(routes!(unit_history))
        .routes(routes!(get_profile, set_profile))
        .routes(routes!(get_default_locale, set_default_locale))
        .routes(routes!(export_file))
        .routes(routes!(import_file))
}

/// `GET /units`: units within the caller's read scope.
#[utoipa::path(get, path = "/units", tag = "units", params(Paging), responses(
    (status = 200, body = Vec<Unit>), (status = 401, body = ErrorBody)))]
async fn list_units(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<Paging>,
) -> WebResult<Json<Vec<Unit>>> {
    Ok(Json(
        units::list(
            &s.app,
            &c.actor,
            p.limit.unwrap_or(100),
            p.offset.unwrap_or(0),
        )
        .await?,
    ))
}

/// One step of a unit's path from the root.
#[derive(Serialize, ToSchema)]
struct PathStep {
    id: i64,
    name: String,
    level: String,
    /// Whether the caller may open this unit (ancestors above the caller's
    /// scope are named, for orientation, but not readable).
    readable: bool,
}

/// A unit with its children.
#[derive(Serialize, ToSchema)]
struct UnitDetail {
    unit: Unit,
    /// Root-to-unit path.
    path: Vec<PathStep>,
    children: Vec<UnitListing>,
    can_manage: bool,
    can_edit: bool,
    /// Maintained counters by metric (`units`, `cells`, `people.member`, …).
    counters: BTreeMap<String, Counter>,
}

/// A maintained counter of a unit.
#[derive(Serialize, ToSchema)]
struct Counter {
    /// In the unit itself.
    own: i64,
    /// In the unit and everything below it.
    subtree: i64,
}

/// `GET /units/{id}`.
#[utoipa::path(get, path = "/units/{id}", tag = "units", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitDetail), (status = 404, body = ErrorBody)))]
async fn get_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitDetail>> {
    let v = units::view(&s.app, &c.actor, id).await?;
    Ok(Json(UnitDetail {
        unit: v.unit,
        path: v
            .path
            .into_iter()
            .map(|(u, readable)| PathStep {
                id: u.id,
                name: u.name,
                level: u.level,
                readable,
            })
            .collect(),
        children: v.children,
        can_manage: v.can_manage,
        can_edit: v.can_edit,
        counters: v
            .counters
            .into_iter()
            .map(|(k, (own, subtree))| (k, Counter { own, subtree }))
            .collect(),
    }))
}

/// New unit.
#[derive(Deserialize, ToSchema)]
struct NewUnit {
    name: String,
    /// Level key, for example `primary_committee` or `cell`; the
    /// organization profile says which levels may sit under the parent's.
    level: String,
    /// Code of the unit in another register (imports match on it).
    #[serde(default)]
    external_id: String,
}

/// `POST /units/{id}/children`.
#[utoipa::path(post, path = "/units/{id}/children", tag = "units", params(("id" = i64, Path)), request_body = NewUnit, responses(
    (status = 201, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_child(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<NewUnit>,
) -> WebResult<(StatusCode, Json<Unit>)> {
    let unit = units::create(&s.app, &c.actor, id, &b.name, &b.level, &b.external_id).await?;
    Ok((StatusCode::CREATED, Json(unit)))
}

/// Unit changes: each field given is changed, the others stay.
#[derive(Deserialize, ToSchema)]
struct UnitPatch {
    #[serde(default)]
    name: Option<String>,
    /// Code of the unit in another register; empty clears it.
    #[serde(default)]
    external_id: Option<String>,
}

/// `PATCH /units/{id}`: rename, set or clear the external id.
#[utoipa::path(patch, path = "/units/{id}", tag = "units", params(("id" = i64, Path)), request_body = UnitPatch, responses(
    (status = 200, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, description = "Another unit has this external id", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rename_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<UnitPatch>,
) -> WebResult<Json<Unit>> {
    Ok(Json(
        units::update(
            &s.app,
            &c.actor,
            id,
            b.name.as_deref(),
            b.external_id.as_deref(),
        )
        .await?,
    ))
}

/// Where to move a unit.
#[derive(Deserialize, ToSchema)]
struct MoveBody {
    parent_id: UnitId,
}

/// `POST /units/{id}/move`: move a unit with its subtree.
#[utoipa::path(post, path = "/units/{id}/move", tag = "units", params(("id" = i64, Path)), request_body = MoveBody, responses(
    (status = 200, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn move_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<MoveBody>,
) -> WebResult<Json<Unit>> {
    Ok(Json(
        units::move_unit(&s.app, &c.actor, id, b.parent_id).await?,
    ))
}

/// Which unit survives a merge.
#[derive(Deserialize, ToSchema)]
pub(super) struct MergeBody {
    into_id: UnitId,
}

/// The merged (now closed) unit and what moved.
#[derive(Serialize, ToSchema)]
pub(super) struct MergeResult {
    unit: Unit,
    moved: MergeOutcome,
}

/// `POST /units/{id}/merge`: merge a unit into another.
#[utoipa::path(post, path = "/units/{id}/merge", tag = "units", params(("id" = i64, Path)), request_body = MergeBody, responses(
    (status = 200, body = MergeResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn merge_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<MergeBody>,
) -> WebResult<Json<MergeResult>> {
    let (unit, moved) = units::merge(&s.app, &c.actor, id, b.into_id).await?;
    Ok(Json(MergeResult { unit, moved }))
}

/// `POST /units/{id}/close`: close an empty unit.
#[utoipa::path(post, path = "/units/{id}/close", tag = "units", params(("id" = i64, Path)), responses(
    (status = 200, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn close_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Unit>> {
    Ok(Json(units::close(&s.app, &c.actor, id).await?))
}

/// `GET /units/{id}/history`: created, renamed, moved, merged, closed.
#[utoipa::path(get, path = "/units/{id}/history", tag = "units", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<units::UnitEvent>), (status = 404, body = ErrorBody)))]
pub(super) async fn unit_history(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<units::UnitEvent>>> {
    Ok(Json(units::history(&s.app, &c.actor, id).await?))
}

/// The organization profile.
#[derive(Serialize, ToSchema)]
pub(super) struct Profile {
    /// `party`, `trade_union`, `cooperative` or `custom`.
    profile: String,
    /// Levels, top first.
    levels: Vec<Level>,
}

/// A new profile: a built-in name, or `custom` with its levels.
#[derive(Deserialize, ToSchema)]
pub(super) struct ProfileBody {
    profile: String,
    /// For `custom`: the levels, top first (rank is taken from the order).
    #[serde(default)]
    levels: Vec<CustomLevel>,
}

/// One level of a custom profile.
#[derive(Deserialize, ToSchema)]
pub(super) struct CustomLevel {
    key: String,
    label: String,
    /// `body`, `primary` or `cell`.
    kind: String,
    /// Keys of the levels its units may sit directly under (its own key
    /// included, for units nested in units of their level); absent for
    /// any level above.
    #[serde(default)]
    parents: Option<Vec<String>>,
}

/// The organization's default interface language.
#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct LocaleBody {
    /// `en` or `ko`; on a change, empty goes back to the server's
    /// configured language.
    locale: String,
}

/// `GET /organization/locale`: the language the interface speaks to
/// whoever chose none and whose browser asks for none shipped.
#[utoipa::path(get, path = "/organization/locale", tag = "organization", responses(
    (status = 200, body = LocaleBody), (status = 401, body = ErrorBody)))]
pub(super) async fn get_default_locale(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<LocaleBody>> {
    Ok(Json(LocaleBody {
        locale: profiles::default_locale(&s.app).await?,
    }))
}

/// `PUT /organization/locale`: choose the organization's default
/// language (administrators of the whole organization).
#[utoipa::path(put, path = "/organization/locale", tag = "organization", request_body = LocaleBody, responses(
    (status = 200, body = LocaleBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_default_locale(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<LocaleBody>,
) -> WebResult<Json<LocaleBody>> {
    Ok(Json(LocaleBody {
        locale: profiles::set_default_locale(&s.app, &c.actor, &b.locale).await?,
    }))
}

/// `GET /organization/profile`: the level names in use.
#[utoipa::path(get, path = "/organization/profile", tag = "organization", responses(
    (status = 200, body = Profile), (status = 401, body = ErrorBody)))]
pub(super) async fn get_profile(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<Profile>> {
    let (profile, levels) = units::profile(&s.app).await?;
    Ok(Json(Profile { profile, levels }))
}

/// `PUT /organization/profile`: switch profile (administrators of the
/// whole organization). Refused while units use a level the new profile
/// lacks.
#[utoipa::path(put, path = "/organization/profile", tag = "organization", request_body = ProfileBody, responses(
    (status = 200, body = Profile), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_profile(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<ProfileBody>,
) -> WebResult<Json<Profile>> {
    let levels = if b.profile.trim() == "custom" {
        let text: Vec<String> = b
            .levels
            .iter()
            .map(|l| {
                let line = format!("{} | {} | {}", l.key, l.label.replace('|', "/"), l.kind);
                match &l.parents {
                    Some(p) => format!("{line} | {}", p.join(" ").replace('|', "/")),
                    None => line,
                }
            })
            .collect();
        profiles::set_custom(&s.app, &c.actor, &text.join("\n")).await?
    } else {
        profiles::set_builtin(&s.app, &c.actor, &b.profile).await?
    };
    Ok(Json(Profile {
        profile: b.profile.trim().to_string(),
        levels,
    }))
}

/// What to export.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ExportQuery {
    /// `units` (open units below) or `people` (of the whole subtree).
    kind: String,
    /// `csv` or `xlsx`.
    format: String,
}

/// `GET /units/{id}/export`: units or people of a subtree as CSV or XLSX,
/// in the columns the import reads. A people export is logged.
#[utoipa::path(get, path = "/units/{id}/export", tag = "import", params(("id" = i64, Path), ExportQuery), responses(
    (status = 200, description = "The file", content_type = "application/octet-stream"),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn export_file(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(q): Query<ExportQuery>,
) -> WebResult<axum::response::Response> {
    let kind = imports::Kind::parse(&q.kind)?;
    let format = Format::parse(&q.format).ok_or_else(|| {
        AppError::from(grassroots_core::FieldError::new(
            "format",
            "invalid",
            "must be `csv` or `xlsx`",
        ))
    })?;
    let out = export::export(&s.app, &c.actor, id, kind, format).await?;
    Ok(crate::render::attachment(format, &out.file_name, out.bytes))
}

/// How to read an uploaded file.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ImportQuery {
    /// `units` or `people`.
    kind: String,
    /// `csv` or `xlsx`.
    format: String,
    /// Check only (the default); `false` writes, all or nothing.
    #[serde(default)]
    dry_run: Option<bool>,
    /// Name of the file, for the audit log.
    #[serde(default)]
    file_name: Option<String>,
    /// Column for each field, as `map.<field>=<header>`; fields not given
    /// are matched by header name.
    #[serde(flatten)]
    #[param(value_type = Object)]
    map: std::collections::BTreeMap<String, String>,
}

/// `POST /units/{id}/import`: import the file in the body into the
/// subtree. Returns the report: every problem with its row and column
/// (then nothing was written), or the counts.
#[utoipa::path(post, path = "/units/{id}/import", tag = "import", params(("id" = i64, Path), ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The CSV (UTF-8) or XLSX file"),
    responses((status = 200, body = imports::Report), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn import_file(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(q): Query<ImportQuery>,
    request: axum::extract::Request,
) -> WebResult<(axum::http::StatusCode, Json<imports::Report>)> {
    let kind = imports::Kind::parse(&q.kind)?;
    let format = Format::parse(&q.format).ok_or_else(|| {
        AppError::from(grassroots_core::FieldError::new(
            "format",
            "invalid",
            "must be `csv` or `xlsx`",
        ))
    })?;
    imports::authorize(&s.app, &c.actor, id, kind).await?;
    let bytes = axum::body::to_bytes(request.into_body(), crate::middleware::MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| crate::middleware::upload_too_large())?;
    let file_name = q
        .file_name
        .unwrap_or_else(|| format!("upload.{}", format.extension()));
    let file = imports::ImportFile {
        kind,
        format,
        name: &file_name,
        bytes: &bytes,
    };
    let mapping: imports::Mapping = q
        .map
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("map.").map(|f| (f.to_string(), v.clone())))
        .collect();
    let report = imports::run(
        &s.app,
        &c.actor,
        id,
        &file,
        imports::MappingChoice::Suggested(&mapping),
        q.dry_run.unwrap_or(true),
        &|_, _| {},
    )
    .await?;
    let status = if report.problem_count > 0 {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, Json(report)))
}
