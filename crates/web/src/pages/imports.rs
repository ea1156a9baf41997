//! Import and export pages: upload a file, map its columns, check it (a
//! dry run listing every problem), then import it in one transaction.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::imports::export;
use grassroots_app::imports::tabular::Format;
use grassroots_app::imports::{self, ImportFile, Kind, Mapping, Report};
use grassroots_core::{FieldError, UnitId};
use serde::Deserialize;

use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::{MAX_UPLOAD_BYTES, redirect_with_flash};

/// The import and export pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/units/{id}/import",
            get(form)
                .post(upload)
                // Uploads are larger than the default body limit allows.
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/imports/{id}", get(show))
        .route("/imports/{id}/check", post(check))
        .route("/imports/{id}/commit", post(commit))
        .route("/imports/{id}/cancel", post(cancel))
        .route("/units/{id}/export/{file}", get(download))
}

#[derive(Template)]
#[template(path = "imports/upload.html")]
struct UploadPage {
    l: Layout,
    unit_id: UnitId,
    unit_name: String,
    err: Option<FormError>,
}

async fn upload_page(
    p: &Page,
    id: UnitId,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let unit = grassroots_app::units::get(&p.state.app, &p.auth.actor, id).await?;
    let crumbs = vec![
        (unit.name.clone(), Some(format!("/units/{id}"))),
        (p.tr.t("import-title"), None),
    ];
    let l = p.layout(p.tr.t1("import-into", "unit", &unit.name), crumbs);
    Ok(render(
        status,
        &UploadPage {
            l,
            unit_id: id,
            unit_name: unit.name,
            err,
        },
    ))
}

/// `GET /units/{id}/import`: choose what to import and the file.
pub async fn form(p: Page, Path(id): Path<UnitId>) -> WebResult<Response> {
    upload_page(&p, id, StatusCode::OK, None).await
}

/// `POST /units/{id}/import` (multipart: `kind`, `file`): keeps the file
/// and goes to the mapping step.
pub async fn upload(p: Page, Path(id): Path<UnitId>, mut form: Multipart) -> WebResult<Response> {
    let mut kind = String::new();
    let mut file: Option<(String, axum::body::Bytes)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("the upload was cut short: {e}")))?
    {
        match field.name() {
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::BadRequest(format!("the upload was cut short: {e}")))?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let result = async {
        let kind = Kind::parse(&kind)?;
        let (name, bytes) = file
            .filter(|(n, b)| !n.is_empty() || !b.is_empty())
            .ok_or_else(|| AppError::from(FieldError::new("file", "required", "choose a file")))?;
        let format = Format::parse(&name).ok_or_else(|| {
            AppError::from(FieldError::new(
                "file",
                "format",
                "the file must be .csv (UTF-8) or .xlsx",
            ))
        })?;
        let file = ImportFile {
            kind,
            format,
            name: &name,
            bytes: &bytes,
        };
        imports::upload(&p.state.app, &p.auth.actor, id, &file).await
    }
    .await;
    match result {
        Ok(upload) => Ok(redirect_with_flash(
            &p.state,
            &format!("/imports/{upload}"),
            "flash-import-uploaded",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            upload_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "imports/map.html")]
struct MapPage {
    l: Layout,
    upload_id: String,
    unit_id: UnitId,
    file_name: String,
    kind: String,
    headers: Vec<String>,
    preview: Vec<Vec<String>>,
    row_count: usize,
    /// (field, required, chosen header)
    fields: Vec<(String, bool, String)>,
    report: Option<Report>,
    err: Option<FormError>,
}

async fn map_page(
    p: &Page,
    upload_id: &str,
    mapping: Option<Mapping>,
    report: Option<Report>,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let pending = imports::pending(&p.state.app, &p.auth.actor, upload_id).await?;
    let unit =
        grassroots_app::units::get(&p.state.app, &p.auth.actor, pending.upload.unit_id).await?;
    let (table, suggested) = imports::inspect(&pending.file())?;
    let mapping = mapping.unwrap_or(suggested);
    let fields = pending
        .kind
        .fields()
        .iter()
        .map(|(f, req)| {
            (
                f.to_string(),
                *req,
                mapping.get(*f).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let crumbs = vec![
        (unit.name.clone(), Some(format!("/units/{}", unit.id))),
        (p.tr.t("import-title"), None),
    ];
    let l = p.layout(
        p.tr.t1("import-file", "file", &pending.upload.file_name),
        crumbs,
    );
    Ok(render(
        status,
        &MapPage {
            l,
            upload_id: upload_id.to_string(),
            unit_id: unit.id,
            file_name: pending.upload.file_name.clone(),
            kind: pending.kind.key().to_string(),
            preview: table
                .rows()
                .take(5)
                .map(|r| r.cells().into_iter().map(str::to_string).collect())
                .collect(),
            row_count: table.len(),
            headers: table.headers,
            fields,
            report,
            err,
        },
    ))
}

/// `GET /imports/{id}`: the mapping step.
pub async fn show(p: Page, Path(id): Path<String>) -> WebResult<Response> {
    map_page(&p, &id, None, None, StatusCode::OK, None).await
}

/// The mapping form: `map.<field>` = header.
#[derive(Deserialize)]
pub struct MappingForm {
    #[serde(flatten)]
    fields: std::collections::BTreeMap<String, String>,
}

impl MappingForm {
    fn mapping(&self) -> Mapping {
        self.fields
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("map.")
                    .filter(|_| !v.trim().is_empty())
                    .map(|f| (f.to_string(), v.trim().to_string()))
            })
            .collect()
    }
}

async fn run(p: &Page, id: &str, f: &MappingForm, dry_run: bool) -> WebResult<Response> {
    let pending = imports::pending(&p.state.app, &p.auth.actor, id).await?;
    let mapping = f.mapping();
    let result = imports::run(
        &p.state.app,
        &p.auth.actor,
        pending.upload.unit_id,
        &pending.file(),
        imports::MappingChoice::Exactly(&mapping),
        dry_run,
        &|_, _| {},
    )
    .await;
    match result {
        Ok(report) if report.committed => {
            imports::discard(&p.state.app, id).await?;
            Ok(redirect_with_flash(
                &p.state,
                &format!("/units/{}", pending.upload.unit_id),
                "flash-import-done",
            ))
        }
        Ok(report) => {
            let status = if report.problem_count > 0 {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            map_page(p, id, Some(mapping), Some(report), status, None).await
        }
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            map_page(
                p,
                id,
                Some(mapping),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(err),
            )
            .await
        }
    }
}

/// `POST /imports/{id}/check`: the dry run.
pub async fn check(
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<MappingForm>,
) -> WebResult<Response> {
    run(&p, &id, &f, true).await
}

/// `POST /imports/{id}/cancel`: forget the upload without importing it.
pub async fn cancel(p: Page, Path(id): Path<String>) -> WebResult<Response> {
    let unit = imports::cancel(&p.state.app, &p.auth.actor, &id).await?;
    Ok(redirect_with_flash(
        &p.state,
        &format!("/units/{unit}"),
        "flash-import-cancelled",
    ))
}

/// `POST /imports/{id}/commit`: the import, all or nothing.
pub async fn commit(
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<MappingForm>,
) -> WebResult<Response> {
    run(&p, &id, &f, false).await
}

/// `GET /units/{id}/export/{file}` with `file` = `units.csv`,
/// `units.xlsx`, `people.csv` or `people.xlsx`.
pub async fn download(p: Page, Path((id, file)): Path<(UnitId, String)>) -> WebResult<Response> {
    let (kind, ext) = file.split_once('.').ok_or(AppError::NotFound)?;
    let kind = Kind::parse(kind).map_err(|_| AppError::NotFound)?;
    let format = Format::parse(ext).ok_or(AppError::NotFound)?;
    let out = export::export(&p.state.app, &p.auth.actor, id, kind, format).await?;
    Ok(crate::render::attachment(format, &out.file_name, out.bytes))
}
