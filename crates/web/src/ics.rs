//! iCalendar feeds of meetings, per unit and per person, served by the
//! pages and the API. Times are floating (local wall-clock time, as the
//! meeting was convened); a meeting without a start time, or spanning
//! several days, is a whole-day event; a timed one lasts its agenda's
//! planned minutes (an hour when none are planned).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use grassroots_app::meetings::{self, CalendarEntry};
use grassroots_core::UnitId;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::AppState;
use crate::error::WebResult;
use crate::i18n::Tr;
use crate::render::type_names_in;

/// How long a timed meeting without an agenda's durations is shown.
const DEFAULT_MINUTES: i64 = 60;

/// The absolute address links in a feed start with: the configured
/// public URL, or else the address the request was made to (its `Host`,
/// when it is a plain host name or address with an optional port).
pub fn base_url(public_url: &str, headers: &axum::http::HeaderMap) -> String {
    let public = public_url.trim_end_matches('/');
    if !public.is_empty() {
        return public.to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The feed of `entries` named `name`, with links under `base` (an
/// absolute URL, see [`base_url`]).
pub fn ics(
    name: &str,
    entries: &[CalendarEntry],
    type_names: &[(String, String)],
    base: &str,
    now: DateTime<Utc>,
) -> String {
    let base = base.trim_end_matches('/');
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "grassroots".into());
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//grassroots//meetings//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        // The calendar's name as most clients read it; the crate escapes
        // this property's text (not that of RFC 7986's NAME).
        .append_property(("X-WR-CALNAME", name))
        .ttl(&Duration::hours(1));
    for entry in entries {
        if let Some(event) = event(entry, type_names, base, &host, now) {
            cal.push(event);
        }
    }
    cal.to_string()
}

fn event(
    entry: &CalendarEntry,
    type_names: &[(String, String)],
    base: &str,
    host: &str,
    now: DateTime<Utc>,
) -> Option<Event> {
    let m = &entry.listing.meeting;
    // Stored days and times were checked on the way in.
    let held_on = grassroots_core::calendar::parse_day(&m.held_on).ok()?;
    let ends_on = grassroots_core::calendar::parse_day(&m.ends_on).unwrap_or(held_on);
    let starts_at = NaiveTime::parse_from_str(&m.starts_at, "%H:%M").ok();
    let kind = type_names
        .iter()
        .find(|(k, _)| *k == m.meeting_type)
        .map_or(m.meeting_type.as_str(), |(_, n)| n.as_str());
    let mut e = Event::new();
    e.uid(&format!("meeting-{}@{host}", m.id))
        .timestamp(now)
        .summary(&m.title)
        .description(&format!("{kind} · {}", entry.listing.unit_name))
        .url(&format!("{base}/meetings/{}", m.id))
        .status(EventStatus::Confirmed);
    if !m.location.is_empty() {
        e.location(&m.location);
    }
    match starts_at {
        Some(t) if ends_on == held_on => {
            let start = held_on.and_time(t);
            // Without planned minutes a meeting is shown an hour long,
            // not as a moment.
            let minutes = if entry.agenda_minutes > 0 {
                entry.agenda_minutes
            } else {
                DEFAULT_MINUTES
            };
            e.starts(start).ends(start + Duration::minutes(minutes));
        }
        _ => {
            // DTEND of a whole-day event is the day after the last.
            e.starts(held_on).ends(ends_on + Duration::days(1));
        }
    }
    Some(e.done())
}

/// A `text/calendar` response named `file`.
pub fn ics_response(file: &str, text: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
        ],
        text,
    )
        .into_response()
}

/// The feed of a unit's meetings in the words of `tr`, linking under
/// `base`.
pub async fn unit_feed(
    state: &AppState,
    tr: &Tr,
    actor: &grassroots_app::Actor,
    id: UnitId,
    base: &str,
) -> WebResult<Response> {
    let named = meetings::unit_calendar(&state.app, actor, id).await?;
    feed(state, tr, named, &format!("unit-{id}.ics"), base).await
}

/// The feed of a person's meetings in the words of `tr`, linking under
/// `base`.
pub async fn person_feed(
    state: &AppState,
    tr: &Tr,
    actor: &grassroots_app::Actor,
    id: i64,
    base: &str,
) -> WebResult<Response> {
    let named = meetings::person_calendar(&state.app, actor, id).await?;
    feed(state, tr, named, &format!("person-{id}.ics"), base).await
}

async fn feed(
    state: &AppState,
    tr: &Tr,
    (name, entries): (String, Vec<CalendarEntry>),
    file: &str,
    base: &str,
) -> WebResult<Response> {
    let names = type_names_in(&state.app, tr).await?;
    let text = ics(&name, &entries, &names, base, state.app.clock.now());
    Ok(ics_response(file, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_absolute_from_the_public_url_or_the_host() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(base_url("", &headers), "http://localhost");
        headers.insert(header::HOST, "party.example:8080".parse().unwrap());
        assert_eq!(base_url("", &headers), "http://party.example:8080");
        assert_eq!(
            base_url("https://grassroots.example/", &headers),
            "https://grassroots.example"
        );
        // A Host that is no plain host name is not written into links.
        headers.insert(header::HOST, "evil.example/\"><x".parse().unwrap());
        assert_eq!(base_url("", &headers), "http://localhost");
    }
}
