//! Bulletins: a unit composes one from a meeting's record (summary,
//! speeches, concluding speech, closing address, commendations) or writes
//! it freely, as ordered articles; publishes it to its subtree (optionally
//! to some levels); each receiving unit acknowledges receipt. Composing,
//! editing and publishing need Manage at the publishing unit;
//! acknowledging needs Edit at the receiving unit. A published bulletin no
//! longer changes.

use grassroots_core::validate::display_name;
use grassroots_core::{Edit, FieldError, Manage, Read, UnitId};
use grassroots_store::bulletins::{self as store, Article, Bulletin, BulletinListing, Receipts};
use grassroots_store::{Tx, audit, profiles, tree, units};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::meetings::MeetingRecord;
use crate::{Actor, App, AppError, AppResult, refusal};

/// A bulletin's title and date as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BulletinInput {
    /// Title.
    pub title: String,
    /// Date line, YYYY-MM-DD (default: today).
    #[serde(default)]
    pub dated_on: String,
}

/// An article as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ArticleInput {
    /// Heading.
    pub heading: String,
    /// Text, Markdown; `{date:YYYY-MM-DD}` is shown as that day in the
    /// organization's calendar era.
    #[serde(default)]
    pub body: String,
}

/// Words a bulletin composed from a meeting uses, in the organization's
/// language (the web layer translates them).
#[derive(Debug, Clone)]
pub struct ComposeWords {
    /// Heading of the article listing the speakers of an item: "Speeches".
    pub speeches: String,
    /// Heading of a concluding speech without a title.
    pub concluding_speech: String,
    /// Heading of a closing address.
    pub closing_address: String,
    /// Heading of the commendations article.
    pub commendations: String,
    /// The summary's first line, with the meeting already described:
    /// "{kind} convened by {unit}, {dates}" (dates as
    /// [`grassroots_core::calendar::span_token`], shown in the era of the
    /// day the bulletin is read).
    pub summary: String,
    /// The attendance as recorded ("{present} of {invited} participants
    /// were present."); `None` when attendance was not taken, so that the
    /// bulletin says nothing about it.
    pub attendance: Option<String>,
    /// "Also on the list of speakers, not recorded as having spoken:"
    pub not_given: String,
}

fn check_article(input: &ArticleInput) -> AppResult<(String, String)> {
    let heading = input.heading.trim();
    if heading.is_empty() || heading.chars().count() > 300 {
        return Err(FieldError::new("heading", "invalid", "must be 1 to 300 characters").into());
    }
    if input.body.chars().count() > 200_000 {
        return Err(
            FieldError::new("body", "too_long", "must be at most 200,000 characters").into(),
        );
    }
    Ok((heading.to_string(), input.body.clone()))
}

fn dated(app: &App, raw: &str) -> AppResult<String> {
    match raw.trim() {
        "" => Ok(app.clock.now().date_naive().to_string()),
        d => Ok(grassroots_core::calendar::parse_day(d)
            .map_err(|_| FieldError::new("dated_on", "invalid", "must be a date YYYY-MM-DD"))?
            .to_string()),
    }
}

/// Starts a bulletin of `unit_id` written freely (Manage there).
pub async fn create(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: BulletinInput,
) -> AppResult<Bulletin> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let title = display_name("title", &input.title)?;
    let dated_on = dated(app, &input.dated_on)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let b = store::create(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        unit_id,
        None,
        &title,
        &dated_on,
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry("bulletin.create", "bulletin", b.id, Some(unit_id));
    e.after = Some(json!({ "bulletin": b }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(b)
}

/// Composes a bulletin from a meeting's record (Manage at its convening
/// unit): a summary with the minutes, the speeches of each agenda item, each
/// concluding speech and closing address as an article of its own, and the
/// commendations conferred. Dated on the meeting's last day; the articles
/// can be edited before publishing.
pub async fn compose(
    app: &App,
    actor: &Actor,
    meeting_id: i64,
    words: &ComposeWords,
) -> AppResult<Bulletin> {
    let record = crate::meetings::view(app, actor, meeting_id).await?;
    if !record.can_manage {
        return Err(AppError::Forbidden);
    }
    let articles = articles_of(&record, words);
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let b = store::create(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        record.meeting.unit_id,
        Some(meeting_id),
        &record.meeting.title,
        &record.meeting.ends_on,
        &actor.label,
        now,
    )
    .await?;
    for (heading, body) in &articles {
        store::add_article(&mut tx, b.id, heading, body).await?;
    }
    let mut e = actor.entry("bulletin.compose", "bulletin", b.id, Some(b.unit_id));
    e.after = Some(json!({ "bulletin": b, "meeting_id": meeting_id, "articles": articles.len() }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(b)
}

/// The articles of a bulletin reporting `r`.
fn articles_of(r: &MeetingRecord, w: &ComposeWords) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut summary = w.summary.clone();
    if let Some(attendance) = &w.attendance {
        summary.push_str("\n\n");
        summary.push_str(attendance);
    }
    if !r.meeting.minutes.trim().is_empty() {
        summary.push_str("\n\n");
        summary.push_str(r.meeting.minutes.trim());
    }
    out.push((r.meeting.title.clone(), summary));
    for a in &r.agenda {
        let ordinary: Vec<_> = a
            .speeches
            .iter()
            .filter(|s| s.given && matches!(s.kind.as_str(), "report" | "contribution"))
            .collect();
        // Speakers left on the list are named as such, never dropped
        // silently and never reported as having spoken.
        let not_given: Vec<String> = a
            .speeches
            .iter()
            .filter(|s| !s.given)
            .map(|s| format!("{}, {}", s.full_name, s.unit_name))
            .collect();
        if !ordinary.is_empty() || !not_given.is_empty() {
            let mut body = String::new();
            for s in &ordinary {
                body.push_str(&format!("- **{}**, {}", s.full_name, s.unit_name));
                if !s.title.is_empty() {
                    body.push_str(&format!(": *{}*", s.title));
                }
                body.push('\n');
            }
            for s in ordinary.iter().filter(|s| !s.body.trim().is_empty()) {
                body.push_str(&format!("\n### {}\n\n{}\n", s.full_name, s.body.trim()));
            }
            if !not_given.is_empty() {
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(&format!("{} {}.\n", w.not_given, not_given.join("; ")));
            }
            out.push((format!("{} — {}", a.item.title, w.speeches), body));
        }
        for s in a.speeches.iter().filter(|s| {
            s.given && matches!(s.kind.as_str(), "concluding_speech" | "closing_address")
        }) {
            let label = if s.kind == "closing_address" {
                &w.closing_address
            } else {
                &w.concluding_speech
            };
            let heading = if s.title.is_empty() {
                format!("{label}: {}", s.full_name)
            } else {
                format!("{} — {}", s.title, s.full_name)
            };
            out.push((heading, s.body.trim().to_string()));
        }
    }
    if !r.commendations.is_empty() {
        let mut body = String::new();
        for k in &r.commendations {
            body.push_str(&format!(
                "- {}, {} — {}\n",
                k.full_name, k.recipient_unit_name, k.title
            ));
        }
        out.push((w.commendations.clone(), body));
    }
    out
}

/// Opens a draft bulletin for a change (Manage at its publisher).
async fn open(app: &App, actor: &Actor, id: i64) -> AppResult<(Tx, Bulletin)> {
    let mut tx = app.db.begin().await?;
    match store::for_change(&mut tx, &actor.principal.scope::<Manage>(), id).await {
        Ok(b) if b.published_at.is_some() => Err(FieldError::new(
            "bulletin",
            "published",
            "the bulletin is published; it can no longer change",
        )
        .into()),
        Ok(b) => Ok((tx, b)),
        Err(grassroots_store::StoreError::NotFound) => {
            drop(tx);
            let readable = store::get(
                &mut app.db.conn().await?,
                &actor.principal.scope::<Read>(),
                id,
            )
            .await
            .is_ok();
            Err(refusal(readable))
        }
        Err(e) => Err(e.into()),
    }
}

async fn finish(
    app: &App,
    actor: &Actor,
    mut tx: Tx,
    b: &Bulletin,
    action: &str,
    after: serde_json::Value,
) -> AppResult<()> {
    let mut e = actor.entry(action, "bulletin", b.id, Some(b.unit_id));
    e.after = Some(after);
    audit::append(&mut tx, app.clock.now(), &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Appends an article to a draft; returns its id.
pub async fn add_article(app: &App, actor: &Actor, id: i64, input: ArticleInput) -> AppResult<i64> {
    let (heading, body) = check_article(&input)?;
    let (mut tx, b) = open(app, actor, id).await?;
    let article = store::add_article(&mut tx, id, &heading, &body).await?;
    finish(
        app,
        actor,
        tx,
        &b,
        "bulletin.article.add",
        json!({ "article_id": article, "heading": heading }),
    )
    .await?;
    Ok(article)
}

async fn open_article(app: &App, actor: &Actor, article_id: i64) -> AppResult<(Tx, Bulletin)> {
    let id = store::bulletin_of_article(&mut app.db.conn().await?, article_id).await?;
    open(app, actor, id).await
}

/// Rewrites an article of a draft.
pub async fn update_article(
    app: &App,
    actor: &Actor,
    article_id: i64,
    input: ArticleInput,
) -> AppResult<()> {
    let (heading, body) = check_article(&input)?;
    let (mut tx, b) = open_article(app, actor, article_id).await?;
    store::update_article(&mut tx, article_id, &heading, &body).await?;
    finish(
        app,
        actor,
        tx,
        &b,
        "bulletin.article.update",
        json!({ "article_id": article_id, "heading": heading }),
    )
    .await
}

/// Removes an article of a draft.
pub async fn remove_article(app: &App, actor: &Actor, article_id: i64) -> AppResult<()> {
    let (mut tx, b) = open_article(app, actor, article_id).await?;
    store::remove_article(&mut tx, article_id).await?;
    finish(
        app,
        actor,
        tx,
        &b,
        "bulletin.article.remove",
        json!({ "article_id": article_id }),
    )
    .await
}

/// Moves an article of a draft one place up or down.
pub async fn move_article(app: &App, actor: &Actor, article_id: i64, up: bool) -> AppResult<()> {
    let (mut tx, b) = open_article(app, actor, article_id).await?;
    if store::move_article(&mut tx, article_id, up).await? {
        finish(
            app,
            actor,
            tx,
            &b,
            "bulletin.article.move",
            json!({ "article_id": article_id, "up": up }),
        )
        .await?;
    }
    Ok(())
}

/// Publishes a draft to the open units below its publisher (of `levels`,
/// every level when empty); returns how many units receive it.
pub async fn publish(app: &App, actor: &Actor, id: i64, wanted: &[String]) -> AppResult<u64> {
    let known = profiles::active(&mut app.db.conn().await?).await?;
    let mut keys: Vec<&str> = Vec::new();
    for l in wanted.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if !known.iter().any(|k| k.key == l) {
            return Err(
                FieldError::new("levels", "invalid", format!("unknown level `{l}`")).into(),
            );
        }
        if !keys.contains(&l) {
            keys.push(l);
        }
    }
    let (mut tx, b) = open(app, actor, id).await?;
    if store::articles(&mut tx, id).await?.is_empty() {
        return Err(
            FieldError::new("bulletin", "empty", "a bulletin needs at least one article").into(),
        );
    }
    let levels = keys.join(",");
    let addressed = store::publish(&mut tx, &b, &levels, &actor.label, app.clock.now()).await?;
    finish(
        app,
        actor,
        tx,
        &b,
        "bulletin.publish",
        json!({ "levels": levels, "addressed": addressed }),
    )
    .await?;
    Ok(addressed)
}

/// Acknowledges receipt of a bulletin for `unit_id` (Edit there); false
/// when it had already been acknowledged.
pub async fn acknowledge(app: &App, actor: &Actor, id: i64, unit_id: UnitId) -> AppResult<bool> {
    crate::units::require::<Edit>(app, actor, unit_id).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let changed = match store::acknowledge(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        id,
        unit_id,
        &actor.label,
        now,
    )
    .await
    {
        Err(grassroots_store::StoreError::NotFound) => {
            return Err(FieldError::new(
                "unit_id",
                "not_addressed",
                "the bulletin was not published to this unit",
            )
            .into());
        }
        other => other?,
    };
    if changed {
        let mut e = actor.entry("bulletin.acknowledge", "bulletin", id, Some(unit_id));
        e.after = Some(json!({ "unit_id": unit_id }));
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// A bulletin with its articles and, once published, its receipts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulletinView {
    /// The bulletin.
    pub bulletin: Bulletin,
    /// Name of the publishing unit.
    pub unit_name: String,
    /// Articles in order.
    pub articles: Vec<Article>,
    /// Receipts at the publisher, or at the reader's own unit when the
    /// publisher is above the reader's scope (none for a draft).
    pub at: Option<Receipts>,
    /// Receipts of its children that receive it.
    pub children: Vec<Receipts>,
    /// Receiving units below that have not acknowledged (at most 200).
    pub not_acknowledged: Vec<(i64, String)>,
    /// Whether the reader may edit and publish it (Manage at the publisher).
    pub can_manage: bool,
}

/// A bulletin as one reader may see it.
pub async fn view(app: &App, actor: &Actor, id: i64) -> AppResult<BulletinView> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let bulletin = store::get(&mut c, &read, id).await?;
    let own = tree::in_scope(&mut c, &read, bulletin.unit_id).await?;
    let unit_name = units::names(&mut c, &[bulletin.unit_id])
        .await?
        .pop()
        .map(|(_, n)| n)
        .unwrap_or_default();
    let articles = store::articles(&mut c, id).await?;
    let (at, children, not_acknowledged) = if bulletin.published_at.is_some() {
        let at = if own {
            bulletin.unit_id
        } else {
            actor.home_unit_id
        };
        match store::receipts(&mut c, &read, id, at).await {
            Ok((top, children)) => {
                let missing = store::not_acknowledged(&mut c, &read, id, at, 200).await?;
                (Some(top), children, missing)
            }
            Err(grassroots_store::StoreError::NotFound) => (None, Vec::new(), Vec::new()),
            Err(e) => return Err(e.into()),
        }
    } else {
        (None, Vec::new(), Vec::new())
    };
    let can_manage =
        tree::in_scope(&mut c, &actor.principal.scope::<Manage>(), bulletin.unit_id).await?;
    Ok(BulletinView {
        bulletin,
        unit_name,
        articles,
        at,
        children,
        not_acknowledged,
        can_manage,
    })
}

/// The bulletins of a unit: received and its own.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitBulletins {
    /// Published to the unit, newest first, with its acknowledgement.
    pub received: Vec<BulletinListing>,
    /// The unit's own, drafts included.
    pub own: Vec<BulletinListing>,
}

/// The bulletins of a unit.
pub async fn of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<UnitBulletins> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    Ok(UnitBulletins {
        received: store::inbox(&mut c, &read, unit_id).await?,
        own: store::published_by(&mut c, &read, unit_id).await?,
    })
}
