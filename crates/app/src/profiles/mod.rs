//! The organization profile: which names the tree's levels carry. Built-in
//! profiles (party, trade union, cooperative) and a custom one edited by
//! administrators of the whole organization.

use grassroots_core::validate::display_name;
use grassroots_core::vocab::Locale;
use grassroots_core::{Administer, FieldError};
use grassroots_store::audit;
use grassroots_store::profiles::{self, BUILTIN_PROFILES, KINDS, Level};
use grassroots_store::units;
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// Refuses unless the actor administers the whole organization.
pub async fn require_org_admin(app: &App, actor: &Actor) -> AppResult<i64> {
    let mut c = app.db.conn().await?;
    let root = units::root(&mut c).await?.ok_or(AppError::NotFound)?;
    if actor
        .principal
        .scope::<Administer>()
        .covers_subtree_of(&[root.id])
    {
        Ok(root.id)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Switches to a built-in profile (`party`, `trade_union`, `cooperative`).
pub async fn set_builtin(app: &App, actor: &Actor, name: &str) -> AppResult<Vec<Level>> {
    let root = require_org_admin(app, actor).await?;
    let Some(new) = profiles::builtin(name.trim()) else {
        return Err(FieldError::new(
            "profile",
            "invalid",
            format!(
                "must be one of: {} (edit the custom profile through its own form)",
                BUILTIN_PROFILES.join(", ")
            ),
        )
        .into());
    };
    apply(app, actor, root, name.trim(), new).await
}

/// Makes the custom profile active with the levels in `text`: one level
/// per line, top first, as `key | label | kind`.
pub async fn set_custom(app: &App, actor: &Actor, text: &str) -> AppResult<Vec<Level>> {
    let root = require_org_admin(app, actor).await?;
    let new = parse_custom(text)?;
    apply(app, actor, root, "custom", new).await
}

/// Parses the custom profile's lines; errors name the line.
pub fn parse_custom(text: &str) -> AppResult<Vec<Level>> {
    let bad = |line: usize, msg: String| -> AppError {
        FieldError::new("levels", "bad_line", format!("line {line}: {msg}")).into()
    };
    let mut out: Vec<Level> = Vec::new();
    let mut parent_lists: Vec<Option<(usize, Vec<String>)>> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = raw.split('|').map(str::trim).collect();
        let (key, label, kind, parents) = match parts[..] {
            [key, label, kind] => (key, label, kind, None),
            [key, label, kind, parents] => (key, label, kind, Some(parents)),
            _ => {
                return Err(bad(
                    line,
                    "expected `key | label | kind`, optionally `| parent keys`".into(),
                ));
            }
        };
        let key_ok = !key.is_empty()
            && key.len() <= 40
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(bad(
                line,
                format!("key `{key}` must be 1-40 lowercase letters, digits or `_`"),
            ));
        }
        if out.iter().any(|l| l.key == key) {
            return Err(bad(line, format!("key `{key}` appears twice")));
        }
        let label = display_name("levels", label).map_err(|e| bad(line, e.message))?;
        if !KINDS.contains(&kind) {
            return Err(bad(
                line,
                format!("kind `{kind}` must be one of: {}", KINDS.join(", ")),
            ));
        }
        // Checked once every level is known: a level may sit under any
        // level of the profile, itself included (a branch of a branch).
        let parents = parents.map(|list| {
            let mut keys: Vec<String> = Vec::new();
            for p in list.split([',', ' ']).filter(|p| !p.is_empty()) {
                if !keys.iter().any(|k| k == p) {
                    keys.push(p.to_string());
                }
            }
            (line, keys)
        });
        parent_lists.push(parents);
        out.push(Level {
            key: key.to_string(),
            label: Some(label),
            rank: (out.len() as i32 + 1) * 10,
            kind: kind.to_string(),
            parents: None,
        });
    }
    if out.is_empty() {
        return Err(FieldError::new("levels", "required", "at least one level is needed").into());
    }
    let known: Vec<String> = out.iter().map(|l| l.key.clone()).collect();
    for (level, parents) in out.iter_mut().zip(parent_lists) {
        let Some((line, keys)) = parents else {
            continue;
        };
        if let Some(unknown) = keys.iter().find(|k| !known.contains(k)) {
            return Err(bad(
                line,
                format!(
                    "parent `{unknown}` is not a level of this profile (levels: {})",
                    known.join(", ")
                ),
            ));
        }
        level.parents = Some(keys);
    }
    Ok(out)
}

/// Every level in use below the root must stay, with the same kind, so
/// that counters keep their meaning; then the levels are replaced in one
/// transaction.
async fn apply(
    app: &App,
    actor: &Actor,
    root: i64,
    name: &str,
    new: Vec<Level>,
) -> AppResult<Vec<Level>> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = profiles::active(&mut tx).await?;
    // The root takes the new top level: its kind must stay.
    let root_unit = units::root(&mut tx).await?.ok_or(AppError::NotFound)?;
    let root_kind = before
        .iter()
        .find(|l| l.key == root_unit.level)
        .map(|l| l.kind.as_str());
    if let Some(top) = new.first()
        && Some(top.kind.as_str()) != root_kind
    {
        return Err(FieldError::new(
            "profile",
            "in_use",
            format!(
                "the organization's own level would change kind to `{}`; the top level must be a `{}`",
                top.kind,
                root_kind.unwrap_or("body")
            ),
        )
        .into());
    }
    for (key, count) in profiles::usage(&mut tx).await? {
        let old_kind = before
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.kind.as_str());
        match new.iter().find(|l| l.key == key) {
            None => {
                return Err(FieldError::new(
                    "profile",
                    "in_use",
                    format!("{count} units have level `{key}`, which the new profile lacks"),
                )
                .into());
            }
            Some(l) if Some(l.kind.as_str()) != old_kind => {
                return Err(FieldError::new(
                    "profile",
                    "in_use",
                    format!(
                        "{count} units have level `{key}`, whose kind would change to `{}`",
                        l.kind
                    ),
                )
                .into());
            }
            Some(_) => {}
        }
    }
    // Every open unit must still be allowed under its parent.
    let root_level_after = new.first().map(|l| l.key.as_str()).unwrap_or("");
    for placed in profiles::placements_in_use(&mut tx).await? {
        let (child, count) = (placed.level, placed.units);
        // The root takes the new top level.
        let parent = if placed.parent_is_root {
            root_level_after.to_string()
        } else {
            placed.parent_level
        };
        if !profiles::may_sit_under(&new, &child, &parent) {
            return Err(FieldError::new(
                "profile",
                "placement",
                format!(
                    "{count} units would break the new profile: {}",
                    crate::error::placement_reason(&new, &child, &parent)
                ),
            )
            .into());
        }
    }
    profiles::replace(&mut tx, name, &new).await?;
    // The root may have taken a new level key, with other cadences.
    grassroots_store::meetings::regularity::rebuild_all(&mut tx, &now.date_naive().to_string())
        .await?;
    grassroots_store::safety::schedules::rebuild_root(&mut tx, root, now.date_naive()).await?;
    let mut e = actor.entry("organization.profile", "organization", 1, Some(root));
    e.before = Some(json!(before));
    e.after = Some(json!({ "profile": name, "levels": new }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(new)
}

/// The organization's default interface language, kept while nothing
/// changed.
pub type KeptLocale = crate::cache::Kept<(), Option<String>>;

/// The language the interface speaks to whoever chose none and whose
/// browser asks for none shipped: the organization's default, else the
/// server's configured one.
pub async fn default_locale(app: &App) -> AppResult<String> {
    Ok(chosen_default_locale(app)
        .await?
        .unwrap_or_else(|| app.config.locale.clone()))
}

/// The default language the organization chose, if it chose one.
pub async fn chosen_default_locale(app: &App) -> AppResult<Option<String>> {
    let chosen = app
        .default_locale
        .get_or_read((), || async {
            let mut c = app.db.conn().await?;
            Ok::<_, AppError>(profiles::default_locale(&mut c).await?)
        })
        .await?;
    Ok(chosen.as_ref().clone())
}

/// `raw` as a shipped language (`None` when empty: no choice), or an
/// error naming `field`.
pub fn parse_locale(field: &'static str, raw: &str) -> AppResult<Option<Locale>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    Locale::parse(raw).map(Some).ok_or_else(|| {
        FieldError::new(
            field,
            "invalid",
            format!("must be one of: {}", Locale::KEYS.join(", ")),
        )
        .into()
    })
}

/// Chooses the organization's default interface language (organization
/// administrators); empty goes back to the server's configured one.
pub async fn set_default_locale(app: &App, actor: &Actor, raw: &str) -> AppResult<String> {
    let root = require_org_admin(app, actor).await?;
    let locale = parse_locale("locale", raw)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = profiles::default_locale(&mut tx).await?;
    let after = locale.map(Locale::as_str);
    if before.as_deref() != after {
        profiles::set_default_locale(&mut tx, after).await?;
        let mut e = actor.entry("organization.locale", "organization", 1, Some(root));
        e.before = Some(json!({ "locale": before }));
        e.after = Some(json!({ "locale": after }));
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    default_locale(app).await
}
