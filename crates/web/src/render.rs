//! Rendering shared by pages and the API: the base layout, templates into
//! responses, the error page, file downloads and dates in the
//! organization's era. Depends on no page or API module.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::assets;
use crate::error::{RenderedError, WebError, WebResult};
use crate::i18n::Tr;
use grassroots_app::imports::tabular::Format;

/// What the base layout needs.
pub struct Layout {
    /// Translator.
    pub tr: Tr,
    /// Page title.
    pub title: String,
    /// Signed-in user's login name.
    pub user_label: Option<String>,
    /// Whether to show administration links.
    pub is_admin: bool,
    /// CSRF token for forms.
    pub csrf: String,
    /// JSON for htmx's `hx-headers`, carrying the CSRF token.
    pub htmx_headers: String,
    /// Translated flash message.
    pub flash: Option<String>,
    /// Breadcrumbs: name and link (the current page has none).
    pub crumbs: Vec<(String, Option<String>)>,
    /// Stylesheet URL.
    pub css: String,
    /// htmx URL.
    pub js: String,
    /// The page script's URL.
    pub app_js: String,
    /// Request id.
    pub request_id: String,
}

impl Layout {
    /// The layout of an anonymous page: no user, no forms bound to a session.
    pub fn anonymous(tr: Tr, title: String, request_id: &str) -> Layout {
        Layout {
            tr,
            title,
            user_label: None,
            is_admin: false,
            csrf: String::new(),
            htmx_headers: "{}".into(),
            flash: None,
            crumbs: Vec::new(),
            css: assets::url(&assets::CSS),
            js: assets::url(&assets::HTMX),
            app_js: assets::url(&assets::APP_JS),
            request_id: request_id.to_string(),
        }
    }
}

/// Renders a template into a response with `status`.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    message: String,
    detail: Option<String>,
}

/// The HTML error page in `locale`, with the request id that appears in
/// the logs.
pub fn error_page(
    state: &AppState,
    status: StatusCode,
    error: &RenderedError,
    request_id: &str,
    locale: &str,
) -> Response {
    let tr = state.i18n.translator(locale);
    let body = &error.body;
    let key = format!("error-{}", body.error.replace('_', "-"));
    let message = tr.maybe(&key).unwrap_or_else(|| tr.t("error-internal"));
    let detail = match body.error.as_str() {
        "invalid" | "conflict" => Some(error_detail(&tr, error)),
        "bad_request" => Some(body.message.clone()),
        _ => None,
    };
    let l = Layout::anonymous(tr.clone(), tr.t("error-title"), request_id);
    render(status, &ErrorPage { l, message, detail })
}

/// What was wrong with a refused value or a taken one, in the language
/// of `tr`: the field's label and the message of the validation code
/// ([`Tr::validation`]). English shows the service's words as they are.
fn error_detail(tr: &Tr, error: &RenderedError) -> String {
    let body = &error.body;
    let Some(field) = body.field.as_ref().filter(|_| tr.locale() != "en") else {
        return body.message.clone();
    };
    let message = match &error.validation {
        Some((code, detail)) => tr.validation(code, detail),
        None if body.error == "conflict" => tr.t("error-conflict"),
        None => return body.message.clone(),
    };
    tr.t2(
        "error-field",
        "field",
        tr.field_label(field),
        "message",
        message,
    )
}

/// The API's error message in the language of `tr`: what a refused or
/// taken value was refused for, else the error's own sentence, followed
/// by the service's English words where they say more (a bad request,
/// a size limit); the error's code stays as it is. English keeps the
/// service's own words.
pub fn error_message(tr: &Tr, error: &RenderedError) -> String {
    if tr.locale() == "en" {
        return error.body.message.clone();
    }
    match error.body.error.as_str() {
        "invalid" | "conflict" => error_detail(tr, error),
        code => {
            let key = format!("error-{}", code.replace('_', "-"));
            match tr.maybe(&key) {
                Some(said) if matches!(code, "bad_request" | "too_large") => {
                    format!("{said} ({})", error.body.message)
                }
                Some(said) => said,
                None => error.body.message.clone(),
            }
        }
    }
}

/// Dates shown in the organization's calendar era; stored dates stay ISO.
#[derive(Clone)]
pub struct Dates {
    tr: Tr,
    era: grassroots_core::calendar::Era,
}

impl Dates {
    /// A given era, in the language of `tr`.
    pub fn new(tr: Tr, era: grassroots_core::calendar::Era) -> Dates {
        Dates { tr, era }
    }

    /// The organization's era, in the language of `tr`.
    pub async fn with(state: &AppState, tr: Tr) -> Result<Dates, WebError> {
        Ok(Dates {
            tr,
            era: grassroots_app::meetings::era(&state.app).await?,
        })
    }

    /// An ISO date (YYYY-MM-DD) as shown: "28 February 2022", "28 February
    /// Juche 111 (2022)", "民國111年2月28日". Anything else is shown as is.
    pub fn day(&self, iso: &str) -> String {
        use chrono::Datelike;
        use grassroots_core::calendar::Era;
        let Ok(d) = grassroots_core::calendar::parse_day(iso) else {
            return iso.to_string();
        };
        let args = |era_year: Option<i32>| {
            vec![
                ("day", d.day().to_string()),
                ("month", self.tr.t(&format!("month-{}", d.month()))),
                ("month_number", d.month().to_string()),
                ("year", d.year().to_string()),
                (
                    "era_year",
                    era_year.map(|y| y.abs().to_string()).unwrap_or_default(),
                ),
            ]
        };
        match (self.era, self.era.year(d)) {
            (Era::Juche, Some(y)) => self.tr.ta("date-juche", &args(Some(y))),
            (Era::Minguo, Some(y)) if y < 0 => self.tr.ta("date-minguo-before", &args(Some(y))),
            (Era::Minguo, Some(y)) => self.tr.ta("date-minguo", &args(Some(y))),
            _ => self.tr.ta("date-gregorian", &args(None)),
        }
    }

    /// `text` with its date tokens (`{date:YYYY-MM-DD}`) shown in the
    /// era: generated text follows the setting when it changes.
    pub fn text(&self, text: &str) -> String {
        grassroots_core::calendar::expand_date_tokens(text, |d| self.day(d))
    }

    /// A span of days: one day, or "first – last".
    pub fn span(&self, from: &str, to: &str) -> String {
        self.text(&grassroots_core::calendar::span_token(from, to))
    }
}

/// A file download response.
pub fn attachment(format: Format, file_name: &str, bytes: Vec<u8>) -> Response {
    // The name is ASCII-safe for the plain parameter; RFC 5987 carries
    // the Unicode original.
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect();
    (
        [
            (header::CONTENT_TYPE, format.mime().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    encoded.replace('+', "%20")
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The translated name of a meeting type (a custom label when set).
pub fn type_name(tr: &Tr, key: &str, label: &str) -> String {
    if label.is_empty() {
        tr.maybe(&format!("meeting-type-{}", key.replace('_', "-")))
            .unwrap_or_else(|| key.to_string())
    } else {
        label.to_string()
    }
}

/// The meeting types as (key, name) in the words of `tr`.
pub async fn type_names_in(app: &grassroots_app::App, tr: &Tr) -> WebResult<Vec<(String, String)>> {
    let settings = grassroots_app::meetings::settings(app).await?;
    Ok(settings
        .types
        .iter()
        .map(|t| (t.key.clone(), type_name(tr, &t.key, &t.label)))
        .collect())
}
