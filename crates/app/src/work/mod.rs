//! "My work": the targets a person owns and which of them wait for a
//! check-in, the blockers assigned to them, the decisions awaiting
//! adoption by the units where they hold a writing role, and their
//! reminders. The reminder job makes reminders by each plan's cadence and,
//! when SMTP is configured, mails them.

use grassroots_core::{Edit, Read};
use grassroots_store::decisions::{self, InboxItem};
use grassroots_store::plans::blockers::{self, BlockerListing};
use grassroots_store::plans::{self, TargetListing};
use grassroots_store::work::{self, ReminderListing};
use serde::Serialize;

use crate::{Actor, App, AppError, AppResult};

/// An owned target and whether a check-in is due.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnedTarget {
    /// The target.
    pub target: TargetListing,
    /// A check-in is due (its plan's cadence has run out).
    pub check_in_due: bool,
}

/// A decision awaiting adoption by one of the reader's units.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AwaitingAdoption {
    /// Unit that should adopt it.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The decision.
    pub item: InboxItem,
}

/// Everything on the "My work" page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyWork {
    /// Targets the reader's person owns.
    pub targets: Vec<OwnedTarget>,
    /// Open blockers assigned to them.
    pub blockers: Vec<BlockerListing>,
    /// Decisions awaiting adoption by units where they hold a writing role.
    pub decisions: Vec<AwaitingAdoption>,
    /// Their open reminders.
    pub reminders: Vec<ReminderListing>,
}

/// The reader's work.
pub async fn mine(app: &App, actor: &Actor) -> AppResult<MyWork> {
    let today = crate::plans::today(app);
    let mut c = app.db.conn().await?;
    let person = grassroots_store::accounts::own_active_person_id(&mut c, &actor.principal).await?;
    let mut targets = Vec::new();
    let mut assigned = Vec::new();
    if let Some(person) = person {
        for row in plans::owned_by(&mut c, person).await? {
            let t = &row.listing.target;
            let due_on = plans::check_in_due_on(&t.starts_on, t.last_on.as_deref(), &row.cadence);
            let open = !plans::AWAITING_NO_CHECK_IN.contains(&t.status.as_str()) && t.children == 0;
            targets.push(OwnedTarget {
                check_in_due: open && due_on <= today,
                target: row.listing,
            });
        }
        assigned = blockers::assigned_to(&mut c, person).await?;
    }
    let read = actor.principal.scope::<Read>();
    let edit = actor.principal.scope::<Edit>();
    let mut awaiting = Vec::new();
    let mut units: Vec<i64> = edit
        .single_units()
        .iter()
        .chain(edit.subtree_roots())
        .copied()
        .collect();
    units.sort_unstable();
    units.dedup();
    for unit in units {
        let name = grassroots_store::units::names(&mut c, &[unit])
            .await?
            .pop()
            .map(|(_, n)| n)
            .unwrap_or_default();
        for item in decisions::inbox(&mut c, &read, unit).await? {
            if item.adopted_at.is_none() {
                awaiting.push(AwaitingAdoption {
                    unit_id: unit,
                    unit_name: name.clone(),
                    item,
                });
            }
        }
    }
    let reminders = work::of_account(&mut c, actor.principal.account_id()).await?;
    Ok(MyWork {
        targets,
        blockers: assigned,
        decisions: awaiting,
        reminders,
    })
}

/// Dismisses one of the reader's reminders.
pub async fn dismiss(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if !work::dismiss(&mut tx, actor.principal.account_id(), id, now).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// What one run of the reminder job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReminderRun {
    /// Reminders made.
    pub made: u64,
    /// Reminders mailed.
    pub mailed: u64,
    /// Mails that failed (they are tried again on the next run).
    pub failed: u64,
}

/// Makes and mails reminders every ten minutes; counts reminders made,
/// mailed and failed.
pub const REMINDERS_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "work.reminders",
    every_seconds: 600,
    run: |app| {
        Box::pin(async move {
            let r = run_reminders(app).await?;
            if r.failed > 0 {
                tracing::warn!(failed = r.failed, "reminders not mailed");
            }
            Ok(r.made + r.mailed + r.failed)
        })
    },
};

/// Makes the reminders due today and, when SMTP is configured, mails
/// those not mailed yet. Safe with several servers: each reminder exists
/// once and is claimed before it is mailed.
pub async fn run_reminders(app: &App) -> AppResult<ReminderRun> {
    let today = crate::plans::today(app);
    let now = app.clock.now();
    let due = work::due(&mut app.db.conn().await?, today).await?;
    let mut tx = app.db.begin().await?;
    let made = work::record(&mut tx, &due, now).await?;
    tx.commit().await?;
    let mut run = ReminderRun {
        made,
        ..Default::default()
    };
    if app.config.mail.smtp_url.trim().is_empty() {
        return Ok(run);
    }
    let mailer = crate::mail::Mailer::from_config(&app.config.mail)?;
    loop {
        let mut tx = app.db.begin().await?;
        let batch = work::claim_for_mail(&mut tx, now, 50).await?;
        tx.commit().await?;
        if batch.is_empty() {
            return Ok(run);
        }
        for (r, to) in &batch {
            let (subject, body) = message(app, r);
            match mailer.send(to, &subject, &body).await {
                Ok(()) => run.mailed += 1,
                Err(e) => {
                    tracing::warn!(error = %e, reminder = r.reminder.id, "reminder mail failed");
                    run.failed += 1;
                    let mut tx = app.db.begin().await?;
                    work::unclaim(&mut tx, r.reminder.id).await?;
                    tx.commit().await?;
                }
            }
        }
        if run.failed > 0 {
            // The server is not answering; try again on the next run.
            return Ok(run);
        }
    }
}

/// Subject and text of a reminder mail (plain text, with a link when the
/// public URL is known).
fn message(app: &App, r: &ReminderListing) -> (String, String) {
    let base = app.config.public_url.trim_end_matches('/');
    let (subject, path) = match r.reminder.kind.as_str() {
        "check_in" => (
            format!("Check-in due: {}", r.subject),
            format!("/targets/{}", r.reminder.subject_id),
        ),
        "blocker" => (
            format!("Blocker deadline {}: {}", r.reminder.due_on, r.subject),
            "/me/work".to_string(),
        ),
        _ => (
            format!("Decision awaiting adoption: {}", r.subject),
            format!("/decisions/{}", r.reminder.subject_id),
        ),
    };
    let link = if base.is_empty() {
        String::new()
    } else {
        format!("\n\n{base}{path}")
    };
    let body = format!(
        "{subject}\nDue: {}\n\nOpen \"My work\" in grassroots to see everything waiting for you.{link}\n",
        r.reminder.due_on
    );
    (subject, body)
}
