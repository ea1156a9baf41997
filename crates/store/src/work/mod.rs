//! Reminders: check-ins due on targets a person owns, blockers assigned to
//! them near or past their deadline, and decisions awaiting adoption by a
//! unit where the account holds a role. One row per account, subject and
//! due day, so the job may run as often as it likes (and on several
//! servers) without repeating itself.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::plans::{AWAITING_NO_CHECK_IN, check_in_due_on, ymd};
use crate::{DbConn, StoreResult, Tx, on_ex};

/// A reminder.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Reminder {
    /// Identifier.
    pub id: i64,
    /// Account reminded.
    pub account_id: i64,
    /// `check_in`, `blocker` or `decision`.
    pub kind: String,
    /// The target, blocker or decision.
    pub subject_id: i64,
    /// The day it was due.
    pub due_on: String,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When mailed, if it was.
    pub emailed_at: Option<DateTime<Utc>>,
}

/// A reminder to be made: (account, kind, subject, due day).
pub type Due = (i64, &'static str, i64, String);

/// Reminders due on `today`: check-ins of owned targets whose cadence has
/// run out (or that never had one since they started), open blockers
/// assigned to a person whose deadline is at most a day away, decisions
/// not yet adopted by a unit where the account holds a writing role.
pub async fn due(c: &mut impl DbConn, today: NaiveDate) -> StoreResult<Vec<Due>> {
    let mut out: Vec<Due> = Vec::new();
    let waiting = AWAITING_NO_CHECK_IN
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        // From the (few) accounts linked to a person to their targets, by
        // the owner index; SQLite keeps the order of a CROSS JOIN (without
        // it, it scanned every target of a national tree: 2.2 s).
        "SELECT a.id, t.id, t.starts_on, t.last_on, p.cadence
         FROM accounts a CROSS JOIN targets t JOIN plans p ON p.id = t.plan_id
         WHERE a.person_id IS NOT NULL AND t.owner_person_id = a.person_id
           AND t.deleted_at IS NULL AND t.children = 0 AND p.locked_at IS NULL
           AND a.disabled = FALSE AND t.status NOT IN ({waiting})"
    );
    let targets: Vec<(i64, i64, String, Option<String>, String)> =
        on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(&mut *e)
            .await)?;
    for (account, target, starts_on, last_on, cadence) in targets {
        let due_on = check_in_due_on(&starts_on, last_on.as_deref(), &cadence);
        if due_on <= today {
            out.push((account, "check_in", target, ymd(due_on)));
        }
    }
    let soon = ymd(today + Duration::days(1));
    let blockers: Vec<(i64, i64, String)> = on_ex!(c, |e| sqlx::query_as(
        "SELECT a.id, b.id, b.deadline_on FROM accounts a
         CROSS JOIN blockers b
         WHERE a.person_id IS NOT NULL AND b.owner_person_id = a.person_id
           AND b.resolved_at IS NULL AND b.deadline_on <= $1 AND a.disabled = FALSE"
    )
    .bind(&soon)
    .fetch_all(&mut *e)
    .await)?;
    out.extend(blockers.into_iter().map(|(a, b, d)| (a, "blocker", b, d)));
    let decisions: Vec<(i64, i64, String)> = on_ex!(c, |e| sqlx::query_as(
        "SELECT DISTINCT r.account_id, d.id, d.issued_on
         FROM role_assignments r
         JOIN decision_addressees x ON x.unit_id = r.unit_id AND x.adopted_at IS NULL
         JOIN decisions d ON d.id = x.decision_id
         JOIN accounts a ON a.id = r.account_id
         WHERE r.role IN ('administrator', 'secretary', 'staff') AND a.disabled = FALSE"
    )
    .fetch_all(&mut *e)
    .await)?;
    out.extend(
        decisions
            .into_iter()
            .map(|(a, d, on)| (a, "decision", d, on)),
    );
    Ok(out)
}

/// Records reminders not made before; returns how many are new.
pub async fn record(tx: &mut Tx, due: &[Due], now: DateTime<Utc>) -> StoreResult<u64> {
    let mut n = 0;
    for (account, kind, subject, due_on) in due {
        n += on_ex!(tx, |e| sqlx::query(
            "INSERT INTO reminders (account_id, kind, subject_id, due_on, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id, kind, subject_id, due_on) DO NOTHING"
        )
        .bind(account)
        .bind(*kind)
        .bind(subject)
        .bind(due_on)
        .bind(now)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

/// A reminder with what it is about, for display and mail.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReminderListing {
    /// The reminder.
    #[sqlx(flatten)]
    pub reminder: Reminder,
    /// Title of the target, blocker or decision.
    pub subject: String,
}

const LISTING: &str = "SELECT r.id, r.account_id, r.kind, r.subject_id, r.due_on, r.created_at,
            r.emailed_at,
            coalesce(CASE r.kind
              WHEN 'check_in' THEN (SELECT title FROM targets WHERE id = r.subject_id)
              WHEN 'blocker' THEN (SELECT title FROM blockers WHERE id = r.subject_id)
              ELSE (SELECT title FROM decisions WHERE id = r.subject_id) END, '') AS subject
     FROM reminders r";

/// Open reminders of an account, newest first, at most 100.
pub async fn of_account(c: &mut impl DbConn, account_id: i64) -> StoreResult<Vec<ReminderListing>> {
    let sql = format!(
        "{LISTING} WHERE r.account_id = $1 AND r.dismissed_at IS NULL
         ORDER BY r.due_on DESC, r.id DESC LIMIT 100"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, ReminderListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(account_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Dismisses a reminder of `account_id`; returns whether it was open.
pub async fn dismiss(
    tx: &mut Tx,
    account_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "UPDATE reminders SET dismissed_at = $3
         WHERE id = $1 AND account_id = $2 AND dismissed_at IS NULL"
    )
    .bind(id)
    .bind(account_id)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A reminder to mail: the listing and the address.
pub type ToMail = (ReminderListing, String);

/// Claims up to `limit` reminders not yet mailed whose account's person
/// has an email address as contact: marks them mailed now (so no other
/// server mails them too) and returns them.
pub async fn claim_for_mail(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<ToMail>> {
    let sql = format!(
        "{LISTING} JOIN accounts a ON a.id = r.account_id JOIN people p ON p.id = a.person_id
         WHERE r.emailed_at IS NULL AND r.dismissed_at IS NULL AND p.contact LIKE '%@%'
         ORDER BY r.id LIMIT $1"
    );
    let rows: Vec<ReminderListing> = on_ex!(tx, |e| sqlx::query_as::<_, ReminderListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?;
    let mut out = Vec::new();
    for r in rows {
        let claimed = on_ex!(tx, |e| sqlx::query(
            "UPDATE reminders SET emailed_at = $2 WHERE id = $1 AND emailed_at IS NULL"
        )
        .bind(r.reminder.id)
        .bind(now)
        .execute(&mut *e)
        .await
        .map(|x| x.rows_affected()))?;
        if claimed == 0 {
            continue;
        }
        let contact: String = on_ex!(tx, |e| {
            sqlx::query_scalar(
            "SELECT p.contact FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.id = $1"
        )
        .bind(r.reminder.account_id)
        .fetch_one(&mut *e)
        .await
        })?;
        out.push((r, contact));
    }
    Ok(out)
}

/// Gives a claimed reminder back when its mail could not be sent.
pub async fn unclaim(tx: &mut Tx, id: i64) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE reminders SET emailed_at = NULL WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
