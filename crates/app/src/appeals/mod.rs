//! Appeals and suggestions: one intake, two kinds. A suggestion is open
//! and may be published to its unit; an appeal is protected. Either may be
//! filed by a signed-in person under their name, or anonymously, from the
//! app or from the organization's public form. An anonymous submission
//! takes no account, session, address or user agent (the intake functions
//! have no [`Actor`] to take them from), stores days and never times, and
//! writes no audit row; its author follows it with a receipt of 16 digits
//! whose Argon2 hash is all that is kept.
//!
//! An appeal that names a unit, or a position holder in one, goes past
//! them to the holders of the appeals duty at the unit above (or at the
//! organization's commission unit), skipping handlers who are named, sit
//! in that unit or are its staff. It must be acknowledged and answered in
//! time, or it is forwarded upward. Handlers read it (each read logged);
//! every other role sees counts.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use chrono::{Days, NaiveDate};
use grassroots_core::voice::{self, Stage};
use grassroots_core::{FieldError, Read, UnitId};
use grassroots_store::appeals::{
    self, Appeal, AppealSummary, Entry, Holder, NewAppeal, PathUnit, Published, Route, Settings,
};
use grassroots_store::audit;
use grassroots_store::duties::{Duty, Handler};
use grassroots_store::plans::ymd;
use grassroots_store::throttle;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::input::{optional, text};
use crate::{Actor, App, AppError, AppResult};

/// Failed receipt logins allowed in a minute, for everyone together: no
/// address is kept to tell guessers apart. A receipt has 10^16 values,
/// so this many guesses a minute never find one.
pub const RECEIPT_FAILURES_PER_MINUTE: i32 = 20;

const RECEIPT_THROTTLE_KEY: &str = "appeals.receipt";

/// What an author writes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Intake {
    /// The unit it comes from: required on the public form, ignored for a
    /// signed-in person (their own unit).
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// `appeal` or `suggestion`.
    pub kind: String,
    /// Subject, at most 200 characters.
    pub subject: String,
    /// The text, at most 8,000 characters.
    pub body: String,
    /// An appeal: the unit it concerns, on the path from the author's unit
    /// to the top.
    #[serde(default)]
    pub concerns_unit_id: Option<i64>,
    /// An appeal: the position whose holder it concerns, in a unit on that
    /// path.
    #[serde(default)]
    pub concerns_position_id: Option<i64>,
}

/// The answer to an anonymous submission: the receipt, shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// 16 digits in groups of four; the only way back to the appeal.
    pub receipt: String,
    /// The unit whose handlers received it.
    pub routed_to: String,
    /// Last day to acknowledge it.
    pub acknowledge_by: String,
    /// Whether the unit it came from is small enough that its handlers may
    /// guess who wrote it.
    pub small_unit: bool,
}

/// The answer to a named submission.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Filed {
    /// The appeal as filed.
    pub appeal: Appeal,
    /// The unit whose handlers received it.
    pub routed_to: String,
}

/// What the intake form offers for a unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IntakeForm {
    /// The unit and those above it, nearest first: what an appeal may
    /// concern.
    pub path: Vec<PathUnit>,
    /// Position holders in those units (only for a signed-in person).
    pub holders: Vec<Holder>,
    /// Whether the unit is small enough that anonymity is weak.
    pub small_unit: bool,
    /// Days to acknowledge.
    pub acknowledge_days: i64,
    /// Days from acknowledgement to feedback.
    pub feedback_days: i64,
}

/// One entry as the author sees it: no handler is named.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuthorEntry {
    /// Day.
    pub on_day: String,
    /// `message` (theirs), `reply`, `acknowledged`, `answered`, `forwarded`,
    /// `published`, `closed`.
    pub kind: String,
    /// Text.
    pub text: String,
}

/// An appeal as its author sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuthorView {
    /// Id.
    pub id: i64,
    /// `appeal` or `suggestion`.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// The text.
    pub body: String,
    /// Day received.
    pub received_on: String,
    /// `received`, `forwarded`, `acknowledged`, `answered` or `closed`.
    pub status: String,
    /// Last day to acknowledge.
    pub acknowledge_by: String,
    /// Last day to give feedback.
    pub feedback_by: String,
    /// How many times it went up to a higher unit.
    pub forwards: i64,
    /// Whether it was filed anonymously.
    pub anonymous: bool,
    /// The conversation.
    pub entries: Vec<AuthorEntry>,
}

/// An appeal as a handler sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandlerView {
    /// The appeal.
    pub appeal: Appeal,
    /// Its full record, with handlers named.
    pub entries: Vec<Entry>,
    /// Handlers kept from it, and why.
    pub recused: Vec<(String, String)>,
    /// Names of the units it came from, concerns and is handled at.
    pub origin_unit: String,
    /// The unit it concerns.
    pub concerns_unit: Option<String>,
    /// The position holder it concerns, as "position, unit: name".
    pub concerns_holder: Option<String>,
    /// The unit handling it.
    pub handling_unit: String,
    /// The author's name when they gave it.
    pub author_name: Option<String>,
}

/// What a handler does on an appeal.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Acknowledge receipt, optionally with a message to the author.
    Acknowledge {
        /// Message to the author.
        #[serde(default)]
        text: String,
    },
    /// Write to the author (a question or an answer in between).
    Reply {
        /// The message.
        text: String,
    },
    /// A note for the handlers only.
    Note {
        /// The note.
        text: String,
    },
    /// Give the feedback: what was done or will be done.
    Answer {
        /// The feedback.
        text: String,
    },
    /// Close it with its outcome (counts as the feedback when none was
    /// given); its contents expire after the retention period.
    Close {
        /// The outcome, for the author.
        #[serde(default)]
        text: String,
    },
    /// Step aside for a conflict of interest; when no handler is left at
    /// the unit, it goes up.
    Recuse {
        /// Why (handlers only).
        reason: String,
    },
    /// Publish a suggestion (and its answers) to the unit it came from,
    /// without its author.
    Publish,
}

impl Action {
    fn key(&self) -> &'static str {
        match self {
            Action::Acknowledge { .. } => "acknowledge",
            Action::Reply { .. } => "reply",
            Action::Note { .. } => "note",
            Action::Answer { .. } => "answer",
            Action::Close { .. } => "close",
            Action::Recuse { .. } => "recuse",
            Action::Publish => "publish",
        }
    }
}

/// A subtree's appeals and suggestions as counts, naming nobody.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct AppealCounts {
    /// Received (both kinds).
    pub received: i64,
    /// Appeals received.
    pub appeals: i64,
    /// Suggestions received.
    pub suggestions: i64,
    /// Not closed.
    pub open: i64,
    /// Acknowledged.
    pub acknowledged: i64,
    /// Acknowledged before their deadline.
    pub acknowledged_in_time: i64,
    /// Answered (feedback given).
    pub answered: i64,
    /// Answered before their deadline.
    pub answered_in_time: i64,
    /// Forwarded upward at least once.
    pub forwarded: i64,
    /// Closed.
    pub closed: i64,
    /// The median days from receipt to feedback, as the upper bound of
    /// the bucket holding it ("at most N days").
    pub median_days_to_answer_at_most: Option<i64>,
}

async fn settings_now(app: &App) -> AppResult<Settings> {
    Ok(appeals::settings(&mut app.db.conn().await?).await?)
}

/// The organization's appeal policy.
pub async fn settings(app: &App) -> AppResult<Settings> {
    settings_now(app).await
}

/// Changes the policy (administrators of the whole organization). Open
/// appeals keep their deadlines.
pub async fn set_settings(app: &App, actor: &Actor, s: &Settings) -> AppResult<Settings> {
    crate::profiles::require_org_admin(app, actor).await?;
    for (field, v, min, max) in [
        ("acknowledge_days", s.acknowledge_days, 1, 365),
        ("feedback_days", s.feedback_days, 1, 730),
        ("retention_days", s.retention_days, 1, 3650),
        ("small_unit_size", s.small_unit_size, 0, 10_000),
    ] {
        if !(min..=max).contains(&v) {
            return Err(FieldError::new(
                field,
                "out_of_range",
                format!("must be between {min} and {max}"),
            )
            .into());
        }
    }
    if let Some(u) = s.commission_unit_id
        && appeals::path(&mut app.db.conn().await?, u)
            .await?
            .is_empty()
    {
        return Err(FieldError::new("commission_unit_id", "not_found", "no such open unit").into());
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    appeals::set_settings(&mut tx, s).await?;
    let mut e = actor.entry("appeal_settings.update", "appeal_settings", 1, None);
    e.after = Some(json!(s));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(s.clone())
}

/// What the intake form offers at a unit: the path an appeal may concern,
/// the position holders on it (for a signed-in person only), whether the
/// unit is too small for anonymity to hold, and the deadlines.
pub async fn intake_form(app: &App, unit_id: UnitId, with_holders: bool) -> AppResult<IntakeForm> {
    let s = settings_now(app).await?;
    let mut c = app.db.conn().await?;
    let path = appeals::path(&mut c, unit_id).await?;
    if path.is_empty() {
        return Err(AppError::NotFound);
    }
    let holders = if with_holders {
        appeals::holders_on(&mut c, &path.iter().map(|u| u.id).collect::<Vec<_>>()).await?
    } else {
        Vec::new()
    };
    let small_unit = appeals::unit_size(&mut c, unit_id).await? < s.small_unit_size;
    Ok(IntakeForm {
        path,
        holders,
        small_unit,
        acknowledge_days: s.acknowledge_days,
        feedback_days: s.feedback_days,
    })
}

/// The signed-in person's own unit, for their intake form.
pub async fn own_unit(app: &App, actor: &Actor) -> AppResult<Option<UnitId>> {
    let (_, person) = crate::duties::reader(app, actor).await?;
    match person {
        Some(p) => Ok(grassroots_store::welfare::person_unit(&mut app.db.conn().await?, p).await?),
        None => Ok(None),
    }
}

/// An intake checked and routed, ready to write.
struct Checked {
    kind: &'static str,
    subject: String,
    body: String,
    concerns_unit_id: Option<UnitId>,
    concerns_person_id: Option<i64>,
    route: Route,
    routed_to: String,
    small_unit: bool,
    settings: Settings,
}

async fn check(app: &App, origin: UnitId, input: &Intake) -> AppResult<Checked> {
    let kind = match input.kind.as_str() {
        "appeal" => "appeal",
        "suggestion" => "suggestion",
        _ => {
            return Err(
                FieldError::new("kind", "invalid_choice", "must be appeal or suggestion").into(),
            );
        }
    };
    let subject = optional(&input.subject, "subject", 200)?
        .ok_or_else(|| FieldError::new("subject", "required", "must not be empty"))?;
    let body = text(&input.body, "body", 8000)?
        .ok_or_else(|| FieldError::new("body", "required", "must not be empty"))?;
    let s = settings_now(app).await?;
    let mut c = app.db.conn().await?;
    let path = appeals::path(&mut c, origin).await?;
    if path.is_empty() {
        return Err(FieldError::new("unit_id", "not_found", "no such open unit").into());
    }
    let on_path = |u: i64| path.iter().any(|p| p.id == u);
    let (mut concerns_unit_id, mut concerns_person_id) = (None, None);
    if let Some(u) = input.concerns_unit_id {
        if !on_path(u) {
            return Err(FieldError::new(
                "concerns_unit_id",
                "not_on_path",
                "must be the unit the appeal comes from or one above it",
            )
            .into());
        }
        concerns_unit_id = Some(u);
    }
    if let Some(pos) = input.concerns_position_id {
        let holder = appeals::holder_of(&mut c, pos)
            .await?
            .filter(|h| on_path(h.unit_id))
            .ok_or_else(|| {
                FieldError::new(
                    "concerns_position_id",
                    "not_on_path",
                    "must be a position held now in the unit the appeal comes from or one above it",
                )
            })?;
        if concerns_unit_id.is_some_and(|u| u != holder.unit_id) {
            return Err(FieldError::new(
                "concerns_position_id",
                "not_in_unit",
                "is not a position of the unit the appeal concerns",
            )
            .into());
        }
        concerns_unit_id = Some(holder.unit_id);
        concerns_person_id = Some(holder.person_id);
    }
    if kind == "suggestion" && concerns_unit_id.is_some() {
        return Err(FieldError::new(
            "kind",
            "suggestion_concerns",
            "a suggestion names no one; file an appeal to raise a concern about a unit or a person",
        )
        .into());
    }
    let start = match concerns_unit_id {
        None => Some(origin),
        Some(_) if s.commission_unit_id.is_some() => s.commission_unit_id,
        Some(c_unit) => grassroots_store::tree::parent_of(&mut c, c_unit).await?,
    };
    let route = match start {
        Some(start) => {
            appeals::route(&mut c, start, concerns_unit_id, concerns_person_id, None).await?
        }
        None => None,
    }
    .ok_or_else(|| {
        FieldError::new(
            if concerns_unit_id.is_some() { "concerns_unit_id" } else { "unit_id" },
            "no_handler",
            "no one above can receive it yet; the organization must name handlers of appeals (or a commission)",
        )
    })?;
    let routed_to = appeals::path(&mut c, route.unit_id)
        .await?
        .into_iter()
        .next()
        .map(|u| u.name)
        .unwrap_or_default();
    let small_unit = appeals::unit_size(&mut c, origin).await? < s.small_unit_size;
    Ok(Checked {
        kind,
        subject,
        body,
        concerns_unit_id,
        concerns_person_id,
        route,
        routed_to,
        small_unit,
        settings: s,
    })
}

/// Writes a checked intake from `origin`, with its author's person (named)
/// or its receipt's hash (anonymous).
async fn file(
    app: &App,
    origin: UnitId,
    checked: &Checked,
    author_person_id: Option<i64>,
    receipt_hash: Option<&str>,
) -> AppResult<Appeal> {
    let today = app.clock.today();
    let mut tx = app.db.begin().await?;
    let appeal = appeals::insert(
        &mut tx,
        &NewAppeal {
            kind: checked.kind,
            origin_unit_id: origin,
            concerns_unit_id: checked.concerns_unit_id,
            concerns_person_id: checked.concerns_person_id,
            route: &checked.route,
            subject: &checked.subject,
            body: &checked.body,
            author_person_id,
            receipt_hash,
        },
        &checked.settings,
        today,
    )
    .await?;
    tx.commit().await?;
    Ok(appeal)
}

/// A fresh receipt: 16 digits from the operating system's generator.
fn new_receipt() -> String {
    use argon2::password_hash::rand_core::RngCore;
    let mut out = String::with_capacity(voice::RECEIPT_DIGITS);
    while out.len() < voice::RECEIPT_DIGITS {
        // Rejection sampling keeps every digit uniform.
        let b = (OsRng.next_u32() & 0xff) as u8;
        if b < 250 {
            out.push(char::from(b'0' + b % 10));
        }
    }
    out
}

/// The Argon2id hash of a receipt's digits under the system's salt (the
/// same digits always give the same hash, which finds the appeal).
pub(crate) async fn receipt_hash(app: &App, digits: String) -> AppResult<String> {
    // Read on every receipt; written once, by the first submission.
    let mut salt = appeals::receipt_salt(&mut app.db.conn().await?).await?;
    if salt.is_empty() {
        let fresh = SaltString::generate(&mut OsRng).as_str().to_string();
        let mut tx = app.db.begin().await?;
        salt = appeals::make_receipt_salt(&mut tx, &fresh).await?;
        tx.commit().await?;
    }
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::from_b64(&salt)
            .map_err(|e| AppError::Internal(format!("receipt salt: {e}")))?;
        Argon2::default()
            .hash_password(digits.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("receipt hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Files an anonymous appeal or suggestion from `input.unit_id`. Takes
/// nothing of who sends it; returns the receipt, which is not kept.
pub async fn submit_anonymous(app: &App, input: &Intake) -> AppResult<Receipt> {
    let origin = input
        .unit_id
        .ok_or_else(|| FieldError::new("unit_id", "required", "name the unit it comes from"))?;
    let checked = check(app, origin, input).await?;
    let digits = new_receipt();
    let hash = receipt_hash(app, digits.clone()).await?;
    let appeal = file(app, origin, &checked, None, Some(&hash)).await?;
    Ok(Receipt {
        receipt: voice::format_receipt(&digits),
        routed_to: checked.routed_to,
        acknowledge_by: appeal.acknowledge_by,
        small_unit: checked.small_unit,
    })
}

/// Files an appeal or suggestion under the signed-in person's name, from
/// their unit. Handlers see the name; no audit row is written.
pub async fn submit_named(app: &App, actor: &Actor, input: &Intake) -> AppResult<Filed> {
    let (_, person) = crate::duties::reader(app, actor).await?;
    let person = person.ok_or(AppError::Forbidden)?;
    let origin = own_unit(app, actor).await?.ok_or(AppError::Forbidden)?;
    let checked = check(app, origin, input).await?;
    let appeal = file(app, origin, &checked, Some(person), None).await?;
    Ok(Filed {
        appeal,
        routed_to: checked.routed_to,
    })
}

/// The appeal a receipt opens. Failures count against everyone's limit
/// of [`RECEIPT_FAILURES_PER_MINUTE`]; past it, every receipt is refused
/// for the rest of the minute.
async fn by_receipt(app: &App, typed: &str) -> AppResult<Appeal> {
    let now = app.clock.now();
    let window_start = now - chrono::Duration::seconds(60);
    let failures = throttle::failures(
        &mut app.db.conn().await?,
        RECEIPT_THROTTLE_KEY,
        window_start,
    )
    .await?;
    if failures >= RECEIPT_FAILURES_PER_MINUTE {
        return Err(AppError::Throttled {
            retry_after_secs: 60,
        });
    }
    let found = match voice::normalize_receipt(typed) {
        Some(digits) => {
            let hash = receipt_hash(app, digits).await?;
            appeals::by_receipt(&mut app.db.conn().await?, &hash).await?
        }
        None => None,
    };
    match found.filter(|a| !a.expired) {
        Some(a) => Ok(a),
        None => {
            let mut tx = app.db.begin().await?;
            throttle::hit(&mut tx, RECEIPT_THROTTLE_KEY, now, window_start).await?;
            tx.commit().await?;
            Err(FieldError::new("receipt", "unknown_receipt", "no appeal has this receipt").into())
        }
    }
}

async fn author_view(app: &App, a: Appeal) -> AppResult<AuthorView> {
    let entries = appeals::entries(&mut app.db.conn().await?, &a)
        .await?
        .into_iter()
        .filter(|e| !matches!(e.kind.as_str(), "note" | "recused"))
        .map(|e| AuthorEntry {
            on_day: e.on_day,
            kind: e.kind,
            text: e.text,
        })
        .collect();
    Ok(AuthorView {
        id: a.id,
        anonymous: a.author_person_id.is_none(),
        kind: a.kind,
        subject: a.subject,
        body: a.body,
        received_on: a.received_on,
        status: a.status,
        acknowledge_by: a.acknowledge_by,
        feedback_by: a.feedback_by,
        forwards: a.forwards,
        entries,
    })
}

/// Opens an appeal with its receipt: what the author sees.
pub async fn follow(app: &App, receipt: &str) -> AppResult<AuthorView> {
    let a = by_receipt(app, receipt).await?;
    author_view(app, a).await
}

async fn author_message(app: &App, a: Appeal, message: &str) -> AppResult<AuthorView> {
    let message = text(message, "text", 8000)?
        .ok_or_else(|| FieldError::new("text", "required", "must not be empty"))?;
    if a.status == "closed" {
        return Err(FieldError::new("text", "closed", "this appeal is closed").into());
    }
    let mut tx = app.db.begin().await?;
    appeals::add_entry(&mut tx, a.id, app.clock.today(), "message", None, &message).await?;
    tx.commit().await?;
    author_view(app, a).await
}

/// Writes to the handlers with the receipt (answering their question).
pub async fn follow_message(app: &App, receipt: &str, message: &str) -> AppResult<AuthorView> {
    let a = by_receipt(app, receipt).await?;
    author_message(app, a, message).await
}

/// The signed-in person's named appeals and suggestions.
pub async fn mine(app: &App, actor: &Actor) -> AppResult<Vec<AppealSummary>> {
    match crate::duties::reader(app, actor).await?.1 {
        Some(p) => Ok(appeals::of_author(&mut app.db.conn().await?, p).await?),
        None => Ok(Vec::new()),
    }
}

async fn authored(app: &App, actor: &Actor, id: i64) -> AppResult<Appeal> {
    let person = crate::duties::reader(app, actor)
        .await?
        .1
        .ok_or(AppError::NotFound)?;
    Ok(appeals::get_authored(&mut app.db.conn().await?, person, id).await?)
}

/// One of the signed-in person's named appeals, as its author sees it.
pub async fn open_mine(app: &App, actor: &Actor, id: i64) -> AppResult<AuthorView> {
    let a = authored(app, actor, id).await?;
    author_view(app, a).await
}

/// Writes to the handlers of one of the person's named appeals.
pub async fn message_mine(
    app: &App,
    actor: &Actor,
    id: i64,
    message: &str,
) -> AppResult<AuthorView> {
    let a = authored(app, actor, id).await?;
    author_message(app, a, message).await
}

/// The appeals the signed-in account handles, open first. Their subjects
/// are read, so the listing is written to the audit log with the ids it
/// showed.
pub async fn inbox(
    app: &App,
    actor: &Actor,
    include_closed: bool,
) -> AppResult<Vec<AppealSummary>> {
    let (account, _) = crate::duties::reader(app, actor).await?;
    let list = appeals::inbox(&mut app.db.conn().await?, account, include_closed, 500).await?;
    if !list.is_empty() {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let mut e = actor.entry("appeal.list", "appeal", "inbox", None);
        e.after = Some(json!({ "ids": list.iter().map(|a| a.id).collect::<Vec<_>>() }));
        audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
    }
    Ok(list)
}

async fn name_of(c: &mut grassroots_store::Conn, unit: UnitId) -> AppResult<String> {
    Ok(appeals::path(c, unit)
        .await?
        .into_iter()
        .next()
        .map(|u| u.name)
        .unwrap_or_else(|| format!("#{unit}")))
}

/// Opens an appeal the account handles: a read written to the audit log
/// (naming the appeal, never its contents) before it is returned.
pub async fn open(app: &App, actor: &Actor, id: i64) -> AppResult<HandlerView> {
    let (account, _) = crate::duties::reader(app, actor).await?;
    let a = appeals::get_handled(&mut app.db.conn().await?, account, id).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let e = actor.entry("appeal.read", "appeal", a.id, Some(a.handling_unit_id));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    handler_view(app, a).await
}

async fn handler_view(app: &App, a: Appeal) -> AppResult<HandlerView> {
    let mut c = app.db.conn().await?;
    let entries = appeals::entries(&mut c, &a).await?;
    let recused = appeals::recusals(&mut c, &a).await?;
    let origin_unit = name_of(&mut c, a.origin_unit_id).await?;
    let handling_unit = name_of(&mut c, a.handling_unit_id).await?;
    let concerns_unit = match a.concerns_unit_id {
        Some(u) => Some(name_of(&mut c, u).await?),
        None => None,
    };
    let concerns_holder = match (a.concerns_unit_id, a.concerns_person_id) {
        (Some(u), Some(p)) => appeals::holders_on(&mut c, &[u])
            .await?
            .into_iter()
            .find(|h| h.person_id == p)
            .map(|h| format!("{}, {}: {}", h.position_name, h.unit_name, h.person_name)),
        _ => None,
    };
    let author_name = match a.author_person_id {
        Some(p) => grassroots_store::people::name_of(&mut c, p).await?,
        None => None,
    };
    Ok(HandlerView {
        appeal: a,
        entries,
        recused,
        origin_unit,
        concerns_unit,
        concerns_holder,
        handling_unit,
        author_name,
    })
}

fn required(v: &str, field: &'static str) -> AppResult<String> {
    text(v, field, 8000)?
        .ok_or_else(|| FieldError::new(field, "required", "must not be empty").into())
}

fn not_closed(a: &Appeal) -> AppResult<()> {
    if a.status == "closed" {
        Err(FieldError::new("action", "closed", "this appeal is closed").into())
    } else {
        Ok(())
    }
}

/// Whether the deadline `day` is missed on `today` (a stored day that
/// does not parse counts as not missed).
fn missed_on(day: &str, today: NaiveDate) -> bool {
    grassroots_core::calendar::parse_day(day).is_ok_and(|d| voice::missed(d, today))
}

fn days_between(from: &str, to: NaiveDate) -> Option<i64> {
    grassroots_core::calendar::parse_day(from)
        .ok()
        .map(|f| (to - f).num_days().max(0))
}

/// Does one thing on an appeal the account handles, with an audit row
/// naming the appeal and the action (never what was written).
pub async fn act(app: &App, actor: &Actor, id: i64, action: &Action) -> AppResult<Appeal> {
    let (account, _) = crate::duties::reader(app, actor).await?;
    // Refuse before taking the write lock when the account does not
    // handle it (not found, as for an appeal that does not exist).
    appeals::get_handled(&mut app.db.conn().await?, account, id).await?;
    let today = app.clock.today();
    let now = app.clock.now();
    let s = settings_now(app).await?;
    let mut tx = app.db.begin().await?;
    // Lock first, then ask again whether the account handles it: a
    // forward or an expiry committed since the check above wins.
    appeals::lock(&mut tx, id).await?;
    let before = appeals::get_handled(&mut tx, account, id).await?;
    let mut a = before.clone();
    let windows = s.windows();
    let mut entry: Option<(&str, String)> = None;
    match action {
        Action::Acknowledge { text: t } => {
            not_closed(&a)?;
            if !matches!(appeals::stage(&a), Stage::Waiting) {
                return Err(FieldError::new(
                    "action",
                    "already_acknowledged",
                    "it is acknowledged",
                )
                .into());
            }
            a.acknowledge_missed |= missed_on(&a.acknowledge_by, today);
            a.status = "acknowledged".into();
            a.acknowledged_on.get_or_insert_with(|| ymd(today));
            let mut dl = windows.deadlines(today, Some(today));
            dl.acknowledge_by = grassroots_core::calendar::parse_day(&a.acknowledge_by)
                .unwrap_or(dl.acknowledge_by);
            appeals::set_deadlines(&mut a, dl);
            entry = Some(("acknowledged", text(t, "text", 8000)?.unwrap_or_default()));
        }
        Action::Reply { text: t } => {
            not_closed(&a)?;
            entry = Some(("reply", required(t, "text")?));
        }
        Action::Note { text: t } => entry = Some(("note", required(t, "text")?)),
        Action::Answer { text: t } | Action::Close { text: t }
            if matches!(action, Action::Answer { .. }) || a.answered_on.is_none() =>
        {
            not_closed(&a)?;
            let t = required(t, "text")?;
            if a.acknowledged_on.is_none() {
                a.acknowledge_missed |= missed_on(&a.acknowledge_by, today);
            }
            a.feedback_missed |= missed_on(&a.feedback_by, today);
            a.acknowledged_on.get_or_insert_with(|| ymd(today));
            a.answered_on = Some(ymd(today));
            a.answer_days = days_between(&a.received_on, today);
            a.status = "answered".into();
            a.next_deadline = None;
            appeals::add_entry(&mut tx, a.id, today, "answered", Some(account), &t).await?;
            if matches!(action, Action::Close { .. }) {
                close(&mut a, today, &s);
                entry = Some(("closed", String::new()));
            }
        }
        Action::Answer { .. } => unreachable!("answers are handled above"),
        Action::Close { text: t } => {
            not_closed(&a)?;
            close(&mut a, today, &s);
            entry = Some(("closed", text(t, "text", 8000)?.unwrap_or_default()));
        }
        Action::Recuse { reason } => {
            let reason = required(reason, "reason")?;
            appeals::recuse(&mut tx, a.id, account, "self").await?;
            appeals::add_entry(&mut tx, a.id, today, "recused", Some(account), &reason).await?;
            let still_here = appeals::holders_left(&mut tx, a.id, a.handling_unit_id).await? > 0;
            if !still_here && a.status != "closed" {
                match move_up(&mut tx, &mut a, today, &s, None).await? {
                    Moved::To(_) => {}
                    Moved::Taken => return Err(AppError::Conflict { field: "action" }),
                    Moved::StaysAtTop => {
                        return Err(FieldError::new(
                            "reason",
                            "last_handler",
                            "no one else here or above can take it; ask for another handler first",
                        )
                        .into());
                    }
                }
            }
        }
        Action::Publish => {
            if a.kind != "suggestion" {
                return Err(FieldError::new(
                    "action",
                    "not_a_suggestion",
                    "only a suggestion can be published",
                )
                .into());
            }
            if a.published_on.is_some() {
                return Err(FieldError::new("action", "published", "it is published").into());
            }
            a.published_on = Some(ymd(today));
            entry = Some(("published", String::new()));
        }
    }
    if let Some((kind, t)) = entry {
        appeals::add_entry(&mut tx, a.id, today, kind, Some(account), &t).await?;
    }
    appeals::update(&mut tx, &before, &a).await?;
    let mut e = actor.entry("appeal.act", "appeal", a.id, Some(before.handling_unit_id));
    e.after = Some(json!({ "action": action.key(), "status": a.status }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(a)
}

fn close(a: &mut Appeal, today: NaiveDate, s: &Settings) {
    a.status = "closed".into();
    a.closed_on = Some(ymd(today));
    a.next_deadline = None;
    a.expires_on = today
        .checked_add_days(Days::new(s.retention_days.max(1) as u64))
        .map(ymd);
}

/// Moves an appeal to the next unit above its handling unit with a
/// handler free to take it, starting both windows again there; `missed`
/// is the deadline that sent it (none when its handlers all stepped
/// aside). At the top with no one left, it stays and stops forwarding.
async fn move_up(
    tx: &mut grassroots_store::Tx,
    a: &mut Appeal,
    today: NaiveDate,
    s: &Settings,
    missed: Option<&str>,
) -> AppResult<Moved> {
    let from = a.handling_unit_id;
    let route = match grassroots_store::tree::parent_of(tx, from).await? {
        Some(parent) => {
            appeals::route(
                tx,
                parent,
                a.concerns_unit_id,
                a.concerns_person_id,
                Some(a.id),
            )
            .await?
        }
        None => None,
    };
    let Some(route) = route else {
        a.next_deadline = None;
        return Ok(Moved::StaysAtTop);
    };
    let step = a.forwards + 1;
    let recorded = appeals::record_forward(
        tx,
        a.id,
        step,
        missed.unwrap_or("recused"),
        from,
        route.unit_id,
        today,
    )
    .await?;
    if !recorded {
        return Ok(Moved::Taken);
    }
    appeals::recuse_at(tx, a.id, &route).await?;
    a.forwards = step;
    a.handling_unit_id = route.unit_id;
    if !matches!(appeals::stage(a), Stage::Done) {
        // Answered appeals only change hands; others start both windows
        // again at the unit they reach.
        a.status = "forwarded".into();
        appeals::set_deadlines(a, s.windows().deadlines(today, None));
    }
    appeals::add_entry(tx, a.id, today, "forwarded", None, "").await?;
    Ok(Moved::To(route.unit_id))
}

/// Where [`move_up`] left an appeal.
enum Moved {
    /// Forwarded to this unit.
    To(UnitId),
    /// No unit above has a free handler: it stays.
    StaysAtTop,
    /// Another server recorded this step first.
    Taken,
}

/// Forwards every appeal whose running deadline passed (one transaction
/// each, with an audit row naming the appeal and the unit); returns how
/// many went up. Safe with several servers: the appeal is locked and its
/// deadline checked again, and each step's key is written once.
pub async fn forward_due(app: &App) -> AppResult<u64> {
    let today = app.clock.today();
    let ids = appeals::due_for_forwarding(&mut app.db.conn().await?, today, 1000).await?;
    let s = settings_now(app).await?;
    let mut n = 0;
    for id in ids {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let before = appeals::lock(&mut tx, id).await?;
        let Some(deadline) = before.next_deadline.clone() else {
            continue;
        };
        if deadline >= ymd(today) {
            continue;
        }
        let mut a = before.clone();
        match appeals::stage(&a) {
            Stage::Waiting => a.acknowledge_missed = true,
            Stage::Acknowledged => a.feedback_missed = true,
            Stage::Done => {}
        }
        let to = match move_up(&mut tx, &mut a, today, &s, Some(&deadline)).await? {
            Moved::To(unit) => Some(unit),
            Moved::StaysAtTop => None,
            Moved::Taken => continue,
        };
        appeals::update(&mut tx, &before, &a).await?;
        let e = audit::AuditEntry {
            actor_account_id: None,
            actor: "system",
            action: if to.is_some() {
                "appeal.forward"
            } else {
                "appeal.overdue_at_top"
            },
            entity_type: "appeal",
            entity_id: id.to_string(),
            unit_id: Some(to.unwrap_or(before.handling_unit_id)),
            before: None,
            after: Some(
                json!({ "from_unit_id": before.handling_unit_id, "to_unit_id": to, "missed": deadline }),
            ),
            request_id: "job",
        };
        audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        if to.is_some() {
            n += 1;
        }
    }
    Ok(n)
}

/// Deletes the contents of closed appeals past their retention, keeping
/// their counts; returns how many.
pub async fn expire_due(app: &App) -> AppResult<u64> {
    let today = app.clock.today();
    let ids = appeals::due_for_expiry(&mut app.db.conn().await?, today, 1000).await?;
    let mut n = 0;
    for id in ids {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        if appeals::expire(&mut tx, id).await? {
            let e = audit::AuditEntry {
                actor_account_id: None,
                actor: "system",
                action: "appeal.expire",
                entity_type: "appeal",
                entity_id: id.to_string(),
                unit_id: None,
                before: None,
                after: None,
                request_id: "job",
            };
            audit::append(&mut tx, now, &e).await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// Forwards overdue appeals and expires old ones, every minute.
pub const DEADLINES_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "appeals.deadlines",
    every_seconds: 60,
    run: |app| {
        Box::pin(async move {
            let n = forward_due(app).await?;
            Ok(n + expire_due(app).await?)
        })
    },
};

/// The counts of a unit's subtree, from the counters.
pub async fn counts(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<AppealCounts> {
    crate::units::require_read_kept(app, actor, unit_id).await?;
    let m = appeals::counts(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        unit_id,
    )
    .await?;
    let get = |k: &str| m.get(k).map_or(0, |v| v.1);
    let answered = get("appeals.answered");
    Ok(AppealCounts {
        received: get("appeals.received"),
        appeals: get("appeals.received.appeal"),
        suggestions: get("appeals.received.suggestion"),
        open: get("appeals.open"),
        acknowledged: get("appeals.acknowledged"),
        acknowledged_in_time: get("appeals.acknowledged_in_time"),
        answered,
        answered_in_time: get("appeals.answered_in_time"),
        forwarded: get("appeals.forwarded"),
        closed: get("appeals.closed"),
        median_days_to_answer_at_most: grassroots_store::aggregates::median_at_most(
            get,
            "appeals.answered_within.",
            answered,
        ),
    })
}

/// The suggestions published to a unit the reader reads.
pub async fn published(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<Vec<Published>> {
    Ok(appeals::published_of(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        unit_id,
    )
    .await?)
}

/// The suggestions published to the signed-in person's own unit.
pub async fn published_to_own_unit(app: &App, actor: &Actor) -> AppResult<Vec<Published>> {
    match own_unit(app, actor).await? {
        Some(u) => Ok(appeals::published_to(&mut app.db.conn().await?, u).await?),
        None => Ok(Vec::new()),
    }
}

/// The holders of the appeals duty at a unit the reader reads.
pub async fn handlers(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<Vec<Handler>> {
    crate::duties::holders(app, actor, Duty::Appeals, unit_id).await
}

/// Gives or takes the appeals duty at a unit the actor manages.
pub async fn set_handler(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    account_id: i64,
    holds: bool,
) -> AppResult<()> {
    crate::duties::set(app, actor, Duty::Appeals, unit_id, account_id, holds).await
}
