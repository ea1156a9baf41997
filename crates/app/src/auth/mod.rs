//! Login, sessions, API-token authentication and password changes.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use grassroots_core::validate::new_password;
use grassroots_core::{AccountId, Principal};
use grassroots_store::{Watch, accounts, audit, roles, sessions, throttle, tokens, tree};
use lru::LruCache;
use serde_json::json;

use crate::cache::Kept;
use crate::{Actor, App, AppError, AppResult, passwords};

/// A freshly created session: the cookie token (shown once) and its row.
pub struct NewSession {
    /// Secret for the cookie.
    pub token: String,
    /// The stored session.
    pub session: sessions::Session,
}

/// An authenticated request's identity.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The actor for services.
    pub actor: Actor,
    /// The session, when authenticated by cookie (not by API token).
    pub session: Option<sessions::Session>,
    /// The interface language the account chose, if any.
    pub locale: Option<String>,
}

fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

fn address_key(ip: &str) -> String {
    format!("address:{ip}")
}

/// Checks credentials and opens a new session. Every login creates a new
/// token, so a token planted before login is worthless after it.
pub async fn login(
    app: &App,
    username: &str,
    password: &str,
    ip: &str,
    user_agent: &str,
    request_id: &str,
) -> AppResult<NewSession> {
    let cfg = &app.config.login;
    let now = app.clock.now();
    let window_start = now - Duration::minutes(cfg.window_minutes);
    let username = username.trim().to_lowercase();
    // Count this attempt before checking the password, in one
    // transaction: parallel guesses each see the others' attempts.
    let (acct_attempts, addr_attempts) = {
        let mut tx = app.db.begin().await?;
        let a = throttle::hit(&mut tx, &account_key(&username), now, window_start).await?;
        let b = throttle::hit(&mut tx, &address_key(ip), now, window_start).await?;
        tx.commit().await?;
        (a, b)
    };
    if acct_attempts > cfg.max_failures_per_account || addr_attempts > cfg.max_failures_per_address
    {
        return Err(AppError::Throttled {
            retry_after_secs: cfg.window_minutes * 60,
        });
    }
    let record = {
        let mut c = app.db.conn().await?;
        accounts::login_record(&mut c, &username).await?
    };
    let ok = passwords::verify(
        password.to_string(),
        record.as_ref().map(|r| r.password_hash.clone()),
    )
    .await?;
    let mut tx = app.db.begin().await?;
    match record {
        Some(r) if ok && !r.disabled => {
            throttle::clear(&mut tx, &account_key(&username)).await?;
            throttle::release(&mut tx, &address_key(ip)).await?;
            let token = passwords::random_token();
            let session = sessions::Session {
                id: passwords::digest(&token),
                account_id: r.id,
                csrf_token: passwords::random_token(),
                created_at: now,
                last_seen_at: now,
                expires_at: now + Duration::hours(app.config.session.absolute_timeout_hours),
                ip: ip.to_string(),
                user_agent: user_agent.chars().take(300).collect(),
            };
            sessions::create(&mut tx, &session).await?;
            let e = login_entry(Some(r.id), &username, "auth.login", &r, ip, request_id);
            audit::append(&mut tx, now, &e).await?;
            tx.commit().await?;
            Ok(NewSession { token, session })
        }
        other => {
            if let Some(r) = other {
                let e = login_entry(None, &username, "auth.login_failed", &r, ip, request_id);
                audit::append(&mut tx, now, &e).await?;
            }
            tx.commit().await?;
            Err(AppError::Unauthorized)
        }
    }
}

/// The audit entry of a login attempt on an existing account.
fn login_entry<'a>(
    actor_account_id: Option<AccountId>,
    username: &'a str,
    action: &'a str,
    account: &accounts::LoginRecord,
    ip: &str,
    request_id: &'a str,
) -> audit::AuditEntry<'a> {
    audit::AuditEntry {
        actor_account_id,
        actor: username,
        action,
        entity_type: "account",
        entity_id: account.id.to_string(),
        unit_id: Some(account.home_unit_id),
        before: None,
        after: Some(json!({ "ip": ip })),
        request_id,
    }
}

/// Who a session or an API token signs in, kept between requests (see
/// [`crate::cache`]): any write through this server (a logout, a revoked
/// token or role, a disabled account) makes it read anew, but not the
/// once-a-minute activity stamp (see [`KeptSignIns::touched`]). Time
/// limits are checked on every request.
#[derive(Debug)]
pub struct SignIn<T> {
    /// The session or token row.
    credential: T,
    principal: Principal,
    label: String,
    home_unit_id: grassroots_core::UnitId,
    locale: Option<String>,
}

impl<T> SignIn<T> {
    fn actor(&self, request_id: &str) -> Actor {
        Actor {
            principal: self.principal.clone(),
            account_id: Some(self.principal.account_id()),
            label: self.label.clone(),
            home_unit_id: self.home_unit_id,
            request_id: request_id.to_string(),
        }
    }
}

/// Sign-ins kept between requests, by the digest of the secret.
pub struct KeptSignIns {
    sessions: Kept<String, Option<SignIn<sessions::Session>>>,
    tokens: Kept<String, Option<SignIn<tokens::ApiToken>>>,
    /// When this server last stamped a session's or token's activity, by
    /// digest. The stamp is committed without dropping kept results, so a
    /// kept sign-in still holds the time before it until read anew; this
    /// keeps the next requests from stamping again meanwhile, and the
    /// idle limit from counting from the older time.
    touched: Mutex<LruCache<String, DateTime<Utc>>>,
}

impl KeptSignIns {
    /// The sign-in cache of a server with `config`.
    pub fn new(config: &crate::Config) -> Self {
        Self {
            sessions: Kept::configured(4096, config).watching(|_| Watch::AllButProgress),
            tokens: Kept::configured(4096, config).watching(|_| Watch::AllButProgress),
            touched: Mutex::new(LruCache::new(
                std::num::NonZeroUsize::new(8192).expect("not zero"),
            )),
        }
    }

    /// The later of `stored` (the kept row's) and this server's own last
    /// stamp of `digest`.
    fn last_activity(&self, digest: &str, stored: DateTime<Utc>) -> DateTime<Utc> {
        let touched = self.touched.lock().expect("touched");
        touched.peek(digest).map_or(stored, |t| (*t).max(stored))
    }

    /// Records that this server stamped `digest` at `now`.
    fn note_touch(&self, digest: &str, now: DateTime<Utc>) {
        self.touched
            .lock()
            .expect("touched")
            .put(digest.to_string(), now);
    }
}

async fn sign_in<T>(app: &App, credential: T, principal: Principal) -> AppResult<SignIn<T>> {
    let mut c = app.db.conn().await?;
    let account = accounts::own(&mut c, &principal).await?;
    Ok(SignIn {
        credential,
        principal,
        label: account.username,
        home_unit_id: account.home_unit_id,
        locale: account.locale,
    })
}

async fn read_session(app: &App, id: &str) -> AppResult<Option<SignIn<sessions::Session>>> {
    let mut c = app.db.conn().await?;
    let Some(session) = sessions::get(&mut c, id).await? else {
        return Ok(None);
    };
    let assignments = roles::of_account(&mut c, session.account_id).await?;
    drop(c);
    let principal = Principal::new(session.account_id, assignments);
    sign_in(app, session, principal).await.map(Some)
}

/// Resolves a session cookie token. Expired or idle sessions are deleted
/// and yield `None`.
pub async fn session(app: &App, token: &str, request_id: &str) -> AppResult<Option<Authenticated>> {
    let id = passwords::digest(token);
    let now = app.clock.now();
    let idle = Duration::minutes(app.config.session.idle_timeout_minutes);
    let kept = app
        .sign_ins
        .sessions
        .get_or_read(id.clone(), || read_session(app, &id))
        .await?;
    let Some(found) = kept.as_ref() else {
        return Ok(None);
    };
    let session = &found.credential;
    let last_seen = app.sign_ins.last_activity(&id, session.last_seen_at);
    if session.expires_at <= now || last_seen + idle <= now {
        let mut tx = app.db.begin().await?;
        sessions::delete(&mut tx, &id).await?;
        tx.commit().await?;
        return Ok(None);
    }
    // Record activity at most once a minute: a write per request would
    // serialize every page view on SQLite's single writer.
    if now - last_seen > Duration::seconds(60) {
        let mut tx = app.db.begin().await?;
        sessions::touch(&mut tx, &id, now).await?;
        tx.commit_unseen().await?;
        app.sign_ins.note_touch(&id, now);
    }
    Ok(Some(Authenticated {
        actor: found.actor(request_id),
        session: Some(session.clone()),
        locale: found.locale.clone(),
    }))
}

async fn read_token(
    app: &App,
    digest: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<SignIn<tokens::ApiToken>>> {
    let mut c = app.db.conn().await?;
    let Some(token) = tokens::get_active(&mut c, digest, now).await? else {
        return Ok(None);
    };
    let Some(grant) = token.grant() else {
        return Ok(None);
    };
    let owner = roles::of_account(&mut c, token.account_id).await?;
    let path = tree::ancestor_ids(&mut c, grant.unit_id).await?;
    drop(c);
    let principal = Principal::through_token(token.account_id, &owner, grant, &path);
    sign_in(app, token, principal).await.map(Some)
}

/// Resolves an API token (`Authorization: Bearer …`).
pub async fn api_token(
    app: &App,
    secret: &str,
    request_id: &str,
) -> AppResult<Option<Authenticated>> {
    let now = app.clock.now();
    let digest = passwords::digest(secret);
    let kept = app
        .sign_ins
        .tokens
        .get_or_read(digest.clone(), || read_token(app, &digest, now))
        .await?;
    let Some(found) = kept.as_ref() else {
        return Ok(None);
    };
    let token = &found.credential;
    // Kept while valid; its end may have come since.
    if token.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    // Never used reads as used long ago.
    let last_used = app.sign_ins.last_activity(
        &digest,
        token.last_used_at.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
    );
    if now - last_used > Duration::seconds(60) {
        let mut tx = app.db.begin().await?;
        tokens::touch(&mut tx, token.id, now).await?;
        tx.commit_unseen().await?;
        app.sign_ins.note_touch(&digest, now);
    }
    Ok(Some(Authenticated {
        actor: found.actor(request_id),
        session: None,
        locale: found.locale.clone(),
    }))
}

/// Ends one session (logout).
pub async fn logout(app: &App, actor: &Actor, session_id: &str) -> AppResult<()> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    sessions::delete(&mut tx, session_id).await?;
    let e = actor.entry(
        "auth.logout",
        "account",
        actor.principal.account_id(),
        Some(actor.home_unit_id),
    );
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the actor's account ("log out everywhere").
pub async fn logout_everywhere(app: &App, actor: &Actor) -> AppResult<u64> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let n = sessions::delete_for_account(&mut tx, actor.principal.account_id(), None).await?;
    let mut e = actor.entry(
        "auth.logout_everywhere",
        "account",
        actor.principal.account_id(),
        Some(actor.home_unit_id),
    );
    e.after = Some(json!({ "sessions_ended": n }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(n)
}

/// Changes the actor's own password after checking the current one, and
/// ends every other session of the account.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> AppResult<()> {
    new_password("new_password", new)?;
    let stored = {
        let mut c = app.db.conn().await?;
        accounts::own_password_hash(&mut c, &actor.principal).await?
    };
    if !passwords::verify(current.to_string(), Some(stored)).await? {
        return Err(grassroots_core::FieldError::new(
            "current_password",
            "wrong",
            "is not your current password",
        )
        .into());
    }
    let hash = passwords::hash(new.to_string()).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    accounts::set_own_password(&mut tx, &actor.principal, &hash, now).await?;
    let ended =
        sessions::delete_for_account(&mut tx, actor.principal.account_id(), keep_session).await?;
    let mut e = actor.entry(
        "account.change_password",
        "account",
        actor.principal.account_id(),
        Some(actor.home_unit_id),
    );
    e.after = Some(json!({ "other_sessions_ended": ended }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// The live sessions of the actor's own account.
pub async fn own_sessions(app: &App, actor: &Actor) -> AppResult<Vec<sessions::Session>> {
    let mut c = app.db.conn().await?;
    Ok(sessions::of_account(&mut c, actor.principal.account_id(), app.clock.now()).await?)
}

/// Removes expired sessions every ten minutes.
pub const PURGE_SESSIONS_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "sessions.purge",
    every_seconds: 600,
    run: |app| Box::pin(purge_expired_sessions(app)),
};

/// Deletes sessions past their timeouts. Safe to run from several servers
/// at once (each delete is idempotent).
pub async fn purge_expired_sessions(app: &App) -> AppResult<u64> {
    let now = app.clock.now();
    let idle_before = now - Duration::minutes(app.config.session.idle_timeout_minutes);
    let mut tx = app.db.begin().await?;
    let n = sessions::delete_expired(&mut tx, now, idle_before).await?;
    tx.commit().await?;
    Ok(n)
}
