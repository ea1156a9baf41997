//! Meeting pages: convene from a unit page; on the meeting's page invite
//! participants, record attendance, run the agenda and its list of
//! speakers, keep texts, documents and minutes, adopt decisions, close.

pub(crate) mod settings;

use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use crate::render::type_names_in;
use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::decisions::DecisionInput;
use grassroots_app::meetings::{
    self, AgendaInput, AttendanceMark, DocumentInput, InviteInput, MeetingInput, MeetingRecord,
    SpeechInput, SpeechText,
};
use grassroots_app::{AppError, AppResult};
use grassroots_core::UnitId;
use grassroots_store::decisions::SOURCES;
use grassroots_store::meetings::{ATTENDANCE, SPEECH_KINDS};

use super::form::{field, id_in, opt, pairs};
use super::{Dates, FormError, Layout, LevelNames, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::markdown::to_html as markdown;
use crate::middleware::redirect_with_flash;

/// The meeting pages and their forms.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/meetings", post(convene))
        .route("/meetings/{id}", get(show))
        .route("/meetings/{id}/participants", post(invite))
        .route("/meetings/{id}/attendance", post(attendance))
        .route("/meetings/{id}/agenda", post(add_item))
        .route("/meetings/{id}/agenda/{item}/{action}", post(item_action))
        .route(
            "/meetings/{id}/speeches/{speech}/{action}",
            post(speech_action),
        )
        .route("/meetings/{id}/minutes", post(minutes))
        .route("/meetings/{id}/decisions", post(decision))
        .route("/meetings/{id}/close", post(close))
        .route("/meetings/{id}/commendations", post(confer))
}

#[derive(Template)]
#[template(path = "meetings/meeting.html")]
struct MeetingPage {
    l: Layout,
    r: MeetingRecord,
    dates: Dates,
    type_name: String,
    err: Option<FormError>,
    minutes_html: String,
    /// Rendered speech texts and documents, by id.
    speech_html: Vec<(i64, String)>,
    document_html: Vec<(i64, String)>,
    kinds: Vec<(String, String)>,
    attendance_marks: Vec<(String, String)>,
    position_types: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    sources: Vec<&'static str>,
    commendation_kinds: Vec<(String, String)>,
    open: bool,
    attendance_summary: String,
    /// Whether any attendance was recorded (the quorum is judged only then).
    attendance_taken: bool,
    /// Whether the meeting's last day is past: it is being written up
    /// afterwards, so new speakers are recorded as given by default.
    held_before_today: bool,
}

impl MeetingPage {
    fn html_of<'a>(list: &'a [(i64, String)], id: &i64) -> &'a str {
        list.iter()
            .find(|(i, _)| i == id)
            .map_or("", |(_, h)| h.as_str())
    }

    fn speech_text(&self, id: &i64) -> &str {
        Self::html_of(&self.speech_html, id)
    }

    fn document_text(&self, id: &i64) -> &str {
        Self::html_of(&self.document_html, id)
    }

    fn is_speaking(&self, id: &i64) -> bool {
        self.r.speaking == Some(*id)
    }

    fn kind_name(&self, key: &str) -> String {
        self.kinds
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| key.to_string(), |(_, n)| n.clone())
    }

    fn time(&self, t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
    }
}

/// The meeting types as (key, name), in order.
pub async fn type_names(p: &Page) -> WebResult<Vec<(String, String)>> {
    type_names_in(&p.state.app, &p.tr).await
}

async fn meeting_page(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let r = meetings::view(&p.state.app, &p.auth.actor, id).await?;
    let dates = p.dates().await?;
    let types = type_names(p).await?;
    let type_name = types
        .iter()
        .find(|(k, _)| *k == r.meeting.meeting_type)
        .map_or_else(|| r.meeting.meeting_type.clone(), |(_, n)| n.clone());
    let speech_html = r
        .agenda
        .iter()
        .flat_map(|a| a.speeches.iter())
        .map(|s| (s.id, markdown(&s.body)))
        .collect();
    let document_html = r
        .agenda
        .iter()
        .flat_map(|a| a.documents.iter())
        .map(|d| (d.id, markdown(&d.body)))
        .collect();
    let kinds = SPEECH_KINDS
        .iter()
        .map(|k| {
            (
                k.to_string(),
                p.tr.t(&format!("speech-kind-{}", k.replace('_', "-"))),
            )
        })
        .collect();
    let attendance_marks = ATTENDANCE
        .iter()
        .map(|k| (k.to_string(), p.tr.t(&format!("attendance-{k}"))))
        .collect();
    let position_types = grassroots_app::positions::types(&p.state.app)
        .await?
        .into_iter()
        .map(|t| (t.key, t.name))
        .collect();
    let ln = LevelNames::load(p).await?;
    let levels = ln.all().into_iter().map(|(k, n, _)| (k, n)).collect();
    let crumbs = vec![
        (
            r.unit_name.clone(),
            Some(format!("/units/{}", r.meeting.unit_id)),
        ),
        (r.meeting.title.clone(), None),
    ];
    let l = p.layout(r.meeting.title.clone(), crumbs);
    let open = r.meeting.closed_at.is_none();
    let a = r.attendance;
    // Only what was recorded: no "0 present" when nobody took attendance.
    let attendance_summary = crate::bulletin_text::attendance_in_words(
        &p.tr,
        &a,
        [
            Some("meeting-attendance-not-taken"),
            Some("meeting-attendance-partial"),
            Some("meeting-attendance-summary"),
        ],
    )
    .unwrap_or_default();
    let attendance_taken = a.marked() > 0;
    let held_before_today = r.meeting.ends_on
        < p.state
            .app
            .clock
            .now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
    Ok(render(
        status,
        &MeetingPage {
            l,
            minutes_html: markdown(&r.meeting.minutes),
            r,
            dates,
            type_name,
            err,
            speech_html,
            document_html,
            kinds,
            attendance_marks,
            position_types,
            levels,
            sources: SOURCES.to_vec(),
            commendation_kinds: commendation_kinds(p),
            open,
            attendance_summary,
            attendance_taken,
            held_before_today,
        },
    ))
}

/// The commendation kinds as (key, name).
pub fn commendation_kinds(p: &Page) -> Vec<(String, String)> {
    grassroots_store::commendations::KINDS
        .iter()
        .map(|k| {
            (
                k.to_string(),
                p.tr.t(&format!("commendation-kind-{}", k.replace('_', "-"))),
            )
        })
        .collect()
}

/// `GET /meetings/{id}`.
pub async fn show(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    meeting_page(&p, id, StatusCode::OK, None).await
}

/// Back to the meeting page after a change (to `anchor`), or the page again
/// with the error above its forms.
async fn done<T>(
    p: &Page,
    id: i64,
    anchor: &str,
    flash: &str,
    result: AppResult<T>,
) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/meetings/{id}#{anchor}"),
            flash,
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            meeting_page(p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `POST /units/{id}/meetings`: convene.
pub async fn convene(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = MeetingInput {
            meeting_type: field(&f, "meeting_type"),
            title: field(&f, "title"),
            held_on: field(&f, "held_on"),
            ends_on: field(&f, "ends_on"),
            starts_at: field(&f, "starts_at"),
            location: field(&f, "location"),
            quorum_percent: id_in(&f, "quorum_percent")?,
        };
        meetings::convene(&p.state.app, &p.auth.actor, unit_id, input).await
    }
    .await;
    match result {
        Ok(m) => Ok(redirect_with_flash(
            &p.state,
            &format!("/meetings/{}", m.id),
            "flash-meeting-convened",
        )),
        Err(e) => super::sections::form_failed(&p, unit_id, "meetings", e).await,
    }
}

/// `POST /meetings/{id}/participants`: invite.
pub async fn invite(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let person_ids = match opt(&f, "person_id") {
            Some(v) => vec![v.parse().map_err(|_| AppError::invalid("person_id"))?],
            None => Vec::new(),
        };
        let input = InviteInput {
            by: field(&f, "by"),
            unit_id: id_in(&f, "unit_id")?,
            subtree: field(&f, "subtree") == "1",
            person_ids,
            position_type: field(&f, "position_type"),
            levels: f
                .iter()
                .filter(|(k, v)| k == "levels" && !v.is_empty())
                .map(|(_, v)| v.clone())
                .collect(),
        };
        meetings::invite(&p.state.app, &p.auth.actor, id, input).await
    }
    .await;
    done(&p, id, "participants", "flash-meeting-invited", result).await
}

/// `POST /meetings/{id}/attendance`: one mark per participant, named
/// `a<person id>`.
pub async fn attendance(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let mut marks = Vec::new();
        for (k, v) in &f {
            if let Some(person) = k.strip_prefix('a') {
                let person_id = person.parse().map_err(|_| AppError::invalid("person_id"))?;
                marks.push(AttendanceMark {
                    person_id,
                    attendance: Some(v.clone()),
                });
            }
        }
        meetings::mark_attendance(&p.state.app, &p.auth.actor, id, marks).await
    }
    .await;
    done(&p, id, "participants", "flash-meeting-attendance", result).await
}

fn agenda_input(f: &[(String, String)]) -> AppResult<AgendaInput> {
    Ok(AgendaInput {
        title: field(f, "title"),
        duration_min: id_in(f, "duration_min")?,
        presenter_id: id_in(f, "presenter_id")?,
    })
}

/// `POST /meetings/{id}/agenda`: add an item.
pub async fn add_item(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result =
        async { meetings::add_item(&p.state.app, &p.auth.actor, id, agenda_input(&f)?).await }
            .await;
    done(&p, id, "agenda", "flash-meeting-item-added", result).await
}

/// `POST /meetings/{id}/agenda/{item}/{action}`: `up`, `down`, `remove`,
/// `speakers` (add one) or `documents` (add one).
pub async fn item_action(
    p: Page,
    Path((id, item, action)): Path<(i64, i64, String)>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let (app, actor) = (&p.state.app, &p.auth.actor);
    let anchor = format!("item-{item}");
    let result: AppResult<()> = match action.as_str() {
        "up" | "down" => meetings::move_item(app, actor, item, action == "up").await,
        "remove" => meetings::remove_item(app, actor, item).await,
        "speakers" => {
            async {
                let person_id =
                    id_in(&f, "person_id")?.ok_or_else(|| AppError::invalid("person_id"))?;
                let input = SpeechInput {
                    person_id,
                    kind: field(&f, "kind"),
                    title: field(&f, "title"),
                    body: field(&f, "body"),
                    given: field(&f, "given") == "1",
                };
                meetings::request_speech(app, actor, item, input)
                    .await
                    .map(|_| ())
            }
            .await
        }
        "documents" => {
            let input = DocumentInput {
                title: field(&f, "title"),
                body: field(&f, "body"),
            };
            meetings::add_document(app, actor, item, input)
                .await
                .map(|_| ())
        }
        _ => Err(AppError::NotFound),
    };
    done(&p, id, &anchor, "flash-meeting-saved", result).await
}

/// `POST /meetings/{id}/speeches/{speech}/{action}`: `start`, `stop`,
/// `given` (recorded afterwards), `up`, `down`, `withdraw` or `text`.
pub async fn speech_action(
    p: Page,
    Path((id, speech, action)): Path<(i64, i64, String)>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let (app, actor) = (&p.state.app, &p.auth.actor);
    let result = match action.as_str() {
        "start" => meetings::start_speech(app, actor, speech).await,
        "stop" => meetings::stop_speech(app, actor, speech).await,
        "given" => meetings::mark_given(app, actor, speech).await,
        "up" | "down" => meetings::move_speech(app, actor, speech, action == "up").await,
        "withdraw" => meetings::withdraw_speech(app, actor, speech).await,
        "text" => {
            let input = SpeechText {
                kind: field(&f, "kind"),
                title: field(&f, "title"),
                body: field(&f, "body"),
            };
            meetings::edit_speech(app, actor, speech, input).await
        }
        _ => Err(AppError::NotFound),
    };
    done(
        &p,
        id,
        &format!("speech-{speech}"),
        "flash-meeting-saved",
        result,
    )
    .await
}

/// `POST /meetings/{id}/minutes`.
pub async fn minutes(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result =
        meetings::set_minutes(&p.state.app, &p.auth.actor, id, &field(&f, "minutes")).await;
    done(&p, id, "minutes", "flash-meeting-saved", result).await
}

/// `POST /meetings/{id}/decisions`: adopt a decision at the meeting.
pub async fn decision(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let input = DecisionInput {
        title: field(&f, "title"),
        body: field(&f, "body"),
        source: field(&f, "source"),
        issued_on: field(&f, "issued_on"),
        levels: f
            .iter()
            .filter(|(k, v)| k == "levels" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let result = meetings::adopt_decision(&p.state.app, &p.auth.actor, id, input).await;
    done(&p, id, "decisions", "flash-decision-issued", result).await
}

/// `POST /meetings/{id}/close`.
pub async fn close(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let result = meetings::close(&p.state.app, &p.auth.actor, id).await;
    done(&p, id, "meeting", "flash-meeting-closed", result).await
}

/// `POST /meetings/{id}/commendations`: confer commendations on the
/// participants ticked, at the meeting.
pub async fn confer(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let unit_id = id_in(&f, "unit_id")?.ok_or_else(|| AppError::invalid("unit_id"))?;
        let mut person_ids = Vec::new();
        for (k, v) in &f {
            if k == "person_ids" {
                person_ids.push(v.parse().map_err(|_| AppError::invalid("person_ids"))?);
            }
        }
        let input = grassroots_app::commendations::CommendationInput {
            person_ids,
            kind: field(&f, "kind"),
            title: field(&f, "title"),
            reason: field(&f, "reason"),
            conferred_on: field(&f, "conferred_on"),
            meeting_id: Some(id),
        };
        grassroots_app::commendations::confer(&p.state.app, &p.auth.actor, unit_id, input).await
    }
    .await;
    done(
        &p,
        id,
        "commendations",
        "flash-commendation-conferred",
        result,
    )
    .await
}

#[derive(Template)]
#[template(path = "meetings/unit_section.html")]
struct MeetingsSection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    meetings: meetings::UnitMeetings,
    regularity: meetings::Regularity,
    meeting_types: Vec<(String, String)>,
    dates: super::Dates,
}

/// The unit page's meetings: convened, invited to, regularity below, and
/// convening.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "meetings",
    title: "meetings-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        let mut regularity = meetings::regularity(&p.state.app, &p.auth.actor, id).await?;
        regularity.overdue.truncate(20);
        html(&MeetingsSection {
            l: cx.layout(),
            meetings: meetings::of_unit(&p.state.app, &p.auth.actor, id).await?,
            regularity,
            meeting_types: type_names(p).await?,
            dates: p.dates().await?,
            view: cx.view.clone(),
        })
    })
}

impl MeetingsSection {
    /// A share as a percentage, or a dash when nothing was counted.
    fn rate(&self, part: &i64, whole: &i64) -> String {
        if *whole > 0 {
            format!("{:.0} %", *part as f64 * 100.0 / *whole as f64)
        } else {
            "–".to_string()
        }
    }

    /// The translated name of a meeting type.
    fn meeting_type_name(&self, key: &str) -> String {
        self.meeting_types
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| key.to_string(), |(_, n)| n.clone())
    }
}
