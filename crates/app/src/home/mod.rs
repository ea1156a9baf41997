//! The member's home: what a person who signs in sees of their own unit
//! and of themselves, whatever role their account holds. Belonging to a
//! unit lets a person read its current plans and targets, the decisions
//! addressed to it and the bulletins it received; the meetings they are
//! invited to, their commendations and their welfare cases are theirs.
//! Nothing here reaches other people's records.

use grassroots_store::bulletins::{Article, BulletinListing};
use grassroots_store::commendations::Commendation;
use grassroots_store::decisions::InboxItem;
use grassroots_store::meetings::MeetingListing;
use grassroots_store::plans::{Plan, Target};
use grassroots_store::welfare::WelfareCase;
use grassroots_store::{
    accounts, bulletins, commendations, decisions, meetings, people, plans, units, welfare,
};
use serde::Serialize;

use crate::work::MyWork;
use crate::{Actor, App, AppResult};

/// How many of each list the home shows.
const SHOWN: i64 = 10;

/// A current plan of the unit with its targets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HomePlan {
    /// The plan.
    pub plan: Plan,
    /// Its targets, in order.
    pub targets: Vec<Target>,
}

/// A bulletin the unit received, with its articles.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HomeBulletin {
    /// The bulletin.
    pub listing: BulletinListing,
    /// Its articles in order.
    pub articles: Vec<Article>,
}

/// The member's home.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberHome {
    /// The person the account is.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Their unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The unit's plans whose period has not ended, newest first.
    pub plans: Vec<HomePlan>,
    /// What waits for the person: targets they own (to report on),
    /// blockers assigned to them, decisions awaiting their unit.
    pub work: MyWork,
    /// Decisions addressed to the unit, newest first.
    pub decisions: Vec<InboxItem>,
    /// Meetings the person is invited to: those to come (soonest first),
    /// then the latest held.
    pub meetings: Vec<MeetingListing>,
    /// Bulletins the unit received, newest first.
    pub bulletins: Vec<HomeBulletin>,
    /// The person's commendations.
    pub commendations: Vec<Commendation>,
    /// The person's welfare cases, newest first.
    pub cases: Vec<WelfareCase>,
    /// The person's study tasks, those not done first.
    pub study: Vec<crate::study::Task>,
    /// When their calendar subscription was made, if they have one.
    pub calendar_feed_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// Members' homes kept between requests, by account: a home is some
/// thirty statements and changes only when someone writes.
pub type KeptHomes = crate::cache::Kept<grassroots_core::AccountId, Option<MemberHome>>;

/// The home cache of a server with `config`: a few kilobytes each.
pub fn kept_homes(config: &crate::Config) -> KeptHomes {
    crate::cache::Kept::configured(4_096, config)
}

/// The home of the signed-in person, or none when the account is no
/// person's (or acts through an API token, which is never a person).
/// Kept per account while nothing is written (the account's person, and
/// so everything shown, can only change by a write).
pub async fn member_home(app: &App, actor: &Actor) -> AppResult<Option<MemberHome>> {
    if actor.principal.is_token() {
        return Ok(None);
    }
    let Some(account) = actor.account_id else {
        return Ok(None);
    };
    let kept = app
        .homes
        .get_or_read(account, || read_home(app, actor))
        .await?;
    Ok((*kept).clone())
}

async fn read_home(app: &App, actor: &Actor) -> AppResult<Option<MemberHome>> {
    let mut c = app.db.conn().await?;
    let Some(person_id) = accounts::own_active_person_id(&mut c, &actor.principal).await? else {
        return Ok(None);
    };
    let Some(person) = people::own_person(&mut c, &actor.principal).await? else {
        return Ok(None);
    };
    let unit_id = person.unit_id;
    let unit_name = units::names(&mut c, &[unit_id])
        .await?
        .pop()
        .map(|(_, n)| n)
        .unwrap_or_default();
    let today = app.clock.today().to_string();
    let mut plans_shown = Vec::new();
    for plan in plans::plans_of_own_unit(&mut c, unit_id).await? {
        if plan.ends_on.as_str() < today.as_str() || plans_shown.len() >= 5 {
            continue;
        }
        let targets = plans::targets_of_plan(&mut c, &plan).await?;
        plans_shown.push(HomePlan { plan, targets });
    }
    let decisions = decisions::inbox_of_own_unit(&mut c, unit_id, SHOWN).await?;
    let mut bulletins_shown = Vec::new();
    for listing in bulletins::inbox_of_own_unit(&mut c, unit_id, SHOWN).await? {
        let articles = bulletins::articles(&mut c, listing.bulletin.id).await?;
        bulletins_shown.push(HomeBulletin { listing, articles });
    }
    let all = meetings::of_person(&mut c, person_id, 200).await?;
    let (mut coming, held): (Vec<_>, Vec<_>) = all.into_iter().partition(|m| {
        m.meeting.held_on.as_str() >= today.as_str() && m.meeting.closed_at.is_none()
    });
    coming.reverse();
    coming.truncate(SHOWN as usize);
    coming.extend(held.into_iter().take(5));
    let commendations = commendations::of_person(&mut c, person_id).await?;
    let cases = welfare::of_person(&mut c, person_id).await?;
    let study = crate::study::of_person(&mut c, person_id, app.clock.today()).await?;
    drop(c);
    let work = crate::work::mine(app, actor).await?;
    let calendar_feed_since = crate::meetings::personal_feed_created(app, actor).await?;
    Ok(Some(MemberHome {
        person_id,
        person_name: person.full_name,
        unit_id,
        unit_name,
        plans: plans_shown,
        work,
        decisions,
        meetings: coming,
        bulletins: bulletins_shown,
        commendations,
        cases,
        study,
        calendar_feed_since,
    }))
}
