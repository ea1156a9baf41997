//! A bulletin's words: composed from a meeting's record, and exported as
//! Markdown; the same for the pages and the API.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use grassroots_app::bulletins::{self, BulletinView, ComposeWords};
use grassroots_app::meetings::MeetingRecord;

use crate::AppState;
use crate::i18n::Tr;
use crate::render::Dates;

/// The words of a bulletin composed from `r`, in the language of `tr`.
pub fn compose_words(tr: &Tr, r: &MeetingRecord, type_name: &str) -> ComposeWords {
    ComposeWords {
        speeches: tr.t("bulletin-speeches"),
        concluding_speech: tr.t("speech-kind-concluding-speech"),
        closing_address: tr.t("speech-kind-closing-address"),
        commendations: tr.t("bulletin-commendations"),
        summary: tr.ta(
            "bulletin-summary",
            &[
                ("kind", type_name.to_string()),
                ("unit", r.unit_name.clone()),
                (
                    "dates",
                    grassroots_core::calendar::span_token(&r.meeting.held_on, &r.meeting.ends_on),
                ),
            ],
        ),
        attendance: attendance_in_words(
            tr,
            &r.attendance,
            [
                None,
                Some("bulletin-attendance-partial"),
                Some("bulletin-attendance"),
            ],
        ),
        not_given: tr.t("bulletin-not-given"),
    }
}

/// What the record says of attendance, in the message of `keys` that
/// fits: (not taken at all, taken for some, taken for all); `None` where
/// that message is `None` (a bulletin says nothing of attendance not
/// taken).
pub fn attendance_in_words(
    tr: &Tr,
    a: &grassroots_store::meetings::Attendance,
    keys: [Option<&str>; 3],
) -> Option<String> {
    let recorded = a.marked();
    let args = [
        ("present", a.present.to_string()),
        ("invited", a.invited.to_string()),
        ("excused", a.excused.to_string()),
        ("absent", a.absent.to_string()),
        ("unmarked", (a.invited - recorded).to_string()),
    ];
    let key = match recorded {
        0 => keys[0],
        r if r < a.invited => keys[1],
        _ => keys[2],
    };
    key.map(|k| tr.ta(k, &args))
}

/// Composes a bulletin from meeting `id` in the organization's default
/// language: the stored text is read by every unit it is published to,
/// not only by the one who composed it.
pub async fn compose_from(
    state: &AppState,
    actor: &grassroots_app::Actor,
    id: i64,
) -> Result<grassroots_store::bulletins::Bulletin, crate::error::WebError> {
    let tr = &state
        .i18n
        .translator(&grassroots_app::profiles::default_locale(&state.app).await?);
    let record = grassroots_app::meetings::view(&state.app, actor, id).await?;
    let settings = grassroots_app::meetings::settings(&state.app).await?;
    let label = settings
        .types
        .iter()
        .find(|t| t.key == record.meeting.meeting_type)
        .map(|t| t.label.clone())
        .unwrap_or_default();
    let type_name = if label.is_empty() {
        tr.maybe(&format!(
            "meeting-type-{}",
            record.meeting.meeting_type.replace('_', "-")
        ))
        .unwrap_or_else(|| record.meeting.meeting_type.clone())
    } else {
        label
    };
    let words = compose_words(tr, &record, &type_name);
    Ok(bulletins::compose(&state.app, actor, id, &words).await?)
}

/// The bulletin as Markdown: title, publisher, date line, articles.
pub fn markdown_export(tr: &Tr, dates: &Dates, v: &BulletinView) -> String {
    let mut out = format!(
        "# {}\n\n{}\n\n{}\n\n{}\n",
        tr.t("bulletin-masthead"),
        v.unit_name,
        dates.day(&v.bulletin.dated_on),
        "---"
    );
    out.push_str(&format!("\n## {}\n", v.bulletin.title));
    for a in &v.articles {
        out.push_str(&format!(
            "\n## {}\n\n{}\n",
            a.heading,
            dates.text(a.body.trim())
        ));
    }
    out
}

/// A Markdown download named after bulletin `id`.
pub fn markdown_response(id: i64, text: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bulletin-{id}.md\""),
            ),
        ],
        text,
    )
        .into_response()
}
