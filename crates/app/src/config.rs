//! Configuration: defaults, then `grassroots.toml`, then `GRASSROOTS_*`
//! environment variables, then command-line flags, each overriding the
//! one before. Unknown keys are errors that name the key.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider};
use serde::{Deserialize, Serialize};

/// Effective configuration of a grassroots process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory for the embedded database and backups.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `grassroots.db` in
    /// `data_dir`.
    pub database_url: String,
    /// Address the server listens on.
    pub listen: String,
    /// Public URL of the server (for example `https://party.example.org`).
    /// When it starts with `https`, cookies are marked `Secure`. Requests
    /// whose `Origin` differs from it are refused.
    pub public_url: String,
    /// Log filter (`info`, `grassroots=debug`, …).
    pub log: String,
    /// Language of the interface (`en`).
    pub locale: String,
    /// Session lifetimes.
    pub session: SessionConfig,
    /// Login throttling.
    pub login: LoginConfig,
    /// Positions.
    pub positions: PositionsConfig,
    /// Transfers.
    pub transfers: TransfersConfig,
    /// Plans and blockers.
    pub plans: PlansConfig,
    /// Outgoing mail (reminders).
    pub mail: MailConfig,
    /// Results kept between requests.
    pub cache: CacheConfig,
    /// The embedded database.
    pub sqlite: SqliteConfig,
}

/// The embedded database (SQLite).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqliteConfig {
    /// `full` (default): a write is acknowledged once it is on the disk,
    /// so a power cut loses nothing acknowledged. `normal`: the log is
    /// synced only at checkpoints, faster, but a power cut (not a crash
    /// of the process) may lose the last acknowledged writes.
    pub synchronous: grassroots_store::SqliteSync,
}

/// Results kept between requests (dashboards, sign-ins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Seconds a kept result may be served again; any write through this
    /// server ends it at once. It bounds how late a change made elsewhere
    /// (another server on the same PostgreSQL, the command line) shows
    /// here, a token revoked there included. 0 reads everything anew.
    pub fresh_seconds: u64,
}

/// Plans and blockers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlansConfig {
    /// Days a blocker may stay open after escalating before it escalates
    /// again.
    pub escalation_grace_days: i64,
}

/// Outgoing mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://host:port` (plain, for a local relay) or
    /// `smtps://user:password@host:port`; empty sends no mail (reminders
    /// stay in the app).
    pub smtp_url: String,
    /// Sender address.
    pub from: String,
}

/// Transfers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransfersConfig {
    /// A transfer not acknowledged by the receiving unit within this many
    /// days expires.
    pub expire_after_days: i64,
}

/// Positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionsConfig {
    /// A holder appointed fewer days ago than this is shown as newly
    /// appointed; others as long-serving.
    pub newly_appointed_days: i64,
}

/// Session lifetimes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// A session unused this long ends.
    pub idle_timeout_minutes: i64,
    /// A session ends this long after login, used or not.
    pub absolute_timeout_hours: i64,
}

/// Login throttling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    /// Failed logins allowed per account name in one window.
    pub max_failures_per_account: i32,
    /// Failed logins allowed per client address in one window.
    pub max_failures_per_address: i32,
    /// Length of the window.
    pub window_minutes: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("grassroots-data"),
            database_url: String::new(),
            listen: "127.0.0.1:8080".into(),
            public_url: String::new(),
            log: "info".into(),
            locale: "en".into(),
            session: SessionConfig {
                idle_timeout_minutes: 30,
                absolute_timeout_hours: 12,
            },
            login: LoginConfig {
                max_failures_per_account: 5,
                max_failures_per_address: 20,
                window_minutes: 15,
            },
            positions: PositionsConfig {
                newly_appointed_days: 365,
            },
            transfers: TransfersConfig {
                expire_after_days: 30,
            },
            plans: PlansConfig {
                escalation_grace_days: 7,
            },
            mail: MailConfig {
                smtp_url: String::new(),
                from: "grassroots@localhost".into(),
            },
            cache: CacheConfig { fresh_seconds: 5 },
            sqlite: SqliteConfig {
                synchronous: grassroots_store::SqliteSync::Full,
            },
        }
    }
}

impl Config {
    /// The database URL in force: the configured one, or the embedded
    /// database in the data directory.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("grassroots.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// Whether cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// A provider with a name of our choosing, so `config show` can say where
/// each value came from.
struct Named<P> {
    name: &'static str,
    inner: P,
}

impl<P: Provider> Provider for Named<P> {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }
    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.inner.data()
    }
}

/// The configuration sources, in order of precedence (last wins).
pub struct Sources {
    figment: Figment,
}

/// Values given as command-line flags (only those actually given).
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    /// `--data-dir`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `--database-url`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// `--listen`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// `--public-url`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// `--log`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

impl Sources {
    /// Layers the sources. `file` is the TOML file: when `explicit` it
    /// must exist; otherwise it is read only if present.
    pub fn new(file: &Path, explicit: bool, flags: &FlagOverrides) -> Result<Sources, String> {
        if explicit && !file.exists() {
            return Err(format!(
                "configuration file {} does not exist",
                file.display()
            ));
        }
        let figment = Figment::new()
            .merge(Named {
                name: "default",
                inner: Serialized::defaults(Config::default()),
            })
            .merge(Named {
                name: "file",
                inner: Toml::file(file),
            })
            .merge(Named {
                name: "environment",
                inner: Env::prefixed("GRASSROOTS_").split("__").ignore(&["config"]),
            })
            .merge(Named {
                name: "flag",
                inner: Serialized::defaults(flags),
            });
        Ok(Sources { figment })
    }

    /// The effective configuration, or an error naming the bad key.
    pub fn extract(&self) -> Result<Config, String> {
        self.figment.extract::<Config>().map_err(describe)
    }

    /// Every leaf key with its effective value (secrets redacted) and the
    /// source that set it, for `config show`.
    pub fn explain(&self) -> Result<Vec<(String, String, String)>, String> {
        let config = self.extract()?;
        let value = serde_json::to_value(&config).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        flatten("", &value, &mut out);
        Ok(out
            .into_iter()
            .map(|(key, v)| {
                let source = self
                    .figment
                    .find_metadata(&key)
                    .map(|m| match (&m.source, m.name.as_ref()) {
                        (Some(figment::Source::File(p)), _) => format!("file {}", p.display()),
                        (_, "environment") => format!(
                            "environment GRASSROOTS_{}",
                            key.to_uppercase().replace('.', "__")
                        ),
                        (_, "flag") => format!("flag --{}", key.replace('_', "-")),
                        (_, name) => name.to_string(),
                    })
                    .unwrap_or_else(|| "default".into());
                let shown = if key == "database_url" {
                    grassroots_store::redact_url(&v)
                } else {
                    v
                };
                (key, shown, source)
            })
            .collect())
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Turns a figment error into one line that names the key and where it
/// came from.
fn describe(e: figment::Error) -> String {
    let mut lines = Vec::new();
    for err in e {
        let key = err.path.join(".");
        let source = err
            .metadata
            .as_ref()
            .map(|m| match &m.source {
                Some(figment::Source::File(p)) => format!(" (in {})", p.display()),
                _ => format!(" (from {})", m.name),
            })
            .unwrap_or_default();
        let what = match &err.kind {
            figment::error::Kind::UnknownField(field, _) => {
                let full = if key.is_empty() {
                    field.clone()
                } else if err.path.last() == Some(field) {
                    key.clone()
                } else {
                    format!("{key}.{field}")
                };
                format!("unknown configuration key `{full}`")
            }
            other if key.is_empty() => other.to_string(),
            other => format!("configuration key `{key}`: {other}"),
        };
        lines.push(format!("{what}{source}"));
    }
    lines.join("; ")
}

#[cfg(test)]
// figment::Jail returns its large error type by design.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_unknown_keys() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "grassroots.toml",
                "listen = \"0.0.0.0:9000\"\n[session]\nidle_timeout_minutes = 5\n",
            )?;
            jail.set_env("GRASSROOTS_LOG", "debug");
            jail.set_env("GRASSROOTS_SESSION__ABSOLUTE_TIMEOUT_HOURS", "2");
            let flags = FlagOverrides {
                log: Some("warn".into()),
                ..Default::default()
            };
            let s = Sources::new(Path::new("grassroots.toml"), false, &flags).unwrap();
            let c = s.extract().unwrap();
            assert_eq!(c.listen, "0.0.0.0:9000");
            assert_eq!(c.session.idle_timeout_minutes, 5);
            assert_eq!(c.session.absolute_timeout_hours, 2);
            assert_eq!(c.log, "warn");
            let explained = s.explain().unwrap();
            let src = |k: &str| {
                explained
                    .iter()
                    .find(|(key, _, _)| key == k)
                    .unwrap()
                    .2
                    .clone()
            };
            assert!(src("listen").starts_with("file"));
            assert_eq!(
                src("session.absolute_timeout_hours"),
                "environment GRASSROOTS_SESSION__ABSOLUTE_TIMEOUT_HOURS"
            );
            assert_eq!(src("log"), "flag --log");
            assert_eq!(src("locale"), "default");

            jail.create_file("grassroots.toml", "lisen = \"x\"\n")?;
            let s = Sources::new(
                Path::new("grassroots.toml"),
                false,
                &FlagOverrides::default(),
            )
            .unwrap();
            let err = s.extract().unwrap_err();
            assert!(err.contains("unknown configuration key `lisen`"), "{err}");

            jail.create_file("grassroots.toml", "")?;
            jail.set_env("GRASSROOTS_SESSION__BOGUS", "1");
            let s = Sources::new(
                Path::new("grassroots.toml"),
                false,
                &FlagOverrides::default(),
            )
            .unwrap();
            let err = s.extract().unwrap_err();
            assert!(err.contains("session.bogus"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn database_url_password_is_redacted() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "GRASSROOTS_DATABASE_URL",
                "postgres://gr:secret@127.0.0.1/gr",
            );
            let s = Sources::new(Path::new("none.toml"), false, &FlagOverrides::default()).unwrap();
            let shown = s.explain().unwrap();
            let (_, v, _) = shown.iter().find(|(k, _, _)| k == "database_url").unwrap();
            assert!(!v.contains("secret"));
            assert!(v.contains("REDACTED"));
            Ok(())
        });
    }
}
