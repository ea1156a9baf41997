//! The `grassroots` binary: web server, command-line administration and
//! the demo, over SQLite (default) or PostgreSQL.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use grassroots_app::config::{FlagOverrides, Sources};
use grassroots_app::{Actor, App, Config, accounts, audit, passwords, roles, setup, tokens};
use grassroots_core::{Assignment, Role, ScopeKind};
use grassroots_store::{Db, Dialect, migrate};

/// grassroots runs a federated membership organization from its primary units up.
#[derive(Parser)]
#[command(name = "grassroots", version, about)]
struct Cli {
    /// Configuration file (default: grassroots.toml in the working directory, if present).
    #[arg(long, global = true, env = "GRASSROOTS_CONFIG")]
    config: Option<PathBuf>,
    /// Directory for the embedded database and backups.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Address to listen on, for example 127.0.0.1:8080.
    #[arg(long, global = true)]
    listen: Option<String>,
    /// Public URL of the server (https://… makes cookies Secure).
    #[arg(long, global = true)]
    public_url: Option<String>,
    /// Log filter, for example info or grassroots=debug.
    #[arg(long, global = true)]
    log: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies pending migrations first).
    Serve,
    /// Create the organization and its first administrator.
    Init(InitArgs),
    /// Create a demo organization and serve it: on the embedded database,
    /// or on the PostgreSQL database that --database-url names (an empty
    /// one; a database that has the demo already is served as it is).
    Demo {
        /// Size: 1 (a few thousand people), a larger number, or `national`.
        #[arg(long, default_value = "1")]
        scale: String,
        /// Language the demo is written in: `en`, or `ko` (Korean names of
        /// people and units, and the organization's default and the demo
        /// logins' language set to Korean; kept in grassroots-demo-ko).
        #[arg(long, default_value = "en")]
        locale: String,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a consistent backup of the database to FILE.
    Backup {
        /// Backup file to create.
        file: PathBuf,
    },
    /// Replace the database with a backup (stop the server first).
    Restore {
        /// Backup file to restore.
        file: PathBuf,
        /// Overwrite an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Verify database integrity, the unit tree and the audit chain.
    Check,
    /// Import units or people from a CSV (UTF-8) or XLSX file into a unit's
    /// subtree: checks every row first, then writes all or nothing.
    Import(ImportArgs),
    /// Export the units or people of a unit's subtree to CSV or XLSX.
    Export(ExportArgs),
    /// Show configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Args)]
struct PasswordArgs {
    /// Read the password from the first line of standard input.
    #[arg(long, conflicts_with = "generate_password")]
    password_stdin: bool,
    /// Generate a password and print it once.
    #[arg(long)]
    generate_password: bool,
}

#[derive(Args)]
struct InitArgs {
    /// Name of the organization (the root unit).
    #[arg(long)]
    organization: String,
    /// Level key of the root unit.
    #[arg(long, default_value = "central_committee")]
    level: String,
    /// Login name of the first administrator.
    #[arg(long, default_value = "admin")]
    admin: String,
    /// Display name of the first administrator.
    #[arg(long, default_value = "Administrator")]
    admin_name: String,
    #[command(flatten)]
    password: PasswordArgs,
}

#[derive(Args)]
struct ImportArgs {
    /// The file (.csv or .xlsx).
    file: PathBuf,
    /// `units` or `people`.
    #[arg(long)]
    kind: String,
    /// Unit to import into: its id, or `ext:<external id>` (default: the
    /// root).
    #[arg(long)]
    into: Option<String>,
    /// Column for a field, as `field=Header` (repeatable); other fields
    /// are matched by header name.
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    map: Vec<String>,
    /// Only check the file and report.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args)]
struct ExportArgs {
    /// File to write (.csv or .xlsx).
    file: PathBuf,
    /// `units` or `people`.
    #[arg(long)]
    kind: String,
    /// Unit whose subtree to export: its id, or `ext:<external id>`
    /// (default: the root).
    #[arg(long)]
    unit: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account, optionally with a role.
    Add {
        /// Login name.
        username: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Home unit id (default: the root).
        #[arg(long)]
        unit: Option<i64>,
        /// Role to assign at the home unit.
        #[arg(long)]
        role: Option<String>,
        /// Reach of the role: unit or subtree.
        #[arg(long, default_value = "subtree")]
        scope: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// List accounts.
    List,
    /// Set a new password (ends the account's sessions).
    ResetPassword {
        /// Login name.
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for an account; prints the secret once.
    Create {
        /// Owner's login name.
        #[arg(long)]
        user: String,
        /// Token name.
        #[arg(long)]
        name: String,
        /// Role carried (must be held by the owner).
        #[arg(long)]
        role: String,
        /// Unit id.
        #[arg(long)]
        unit: i64,
        /// unit or subtree.
        #[arg(long, default_value = "subtree")]
        scope: String,
        /// Days of validity.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List an account's tokens.
    List {
        /// Owner's login name.
        #[arg(long)]
        user: String,
    },
    /// Revoke a token.
    Revoke {
        /// Owner's login name.
        #[arg(long)]
        user: String,
        /// Token id.
        id: i64,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration and where each value came from.
    Show,
}

fn load_config(cli: &Cli) -> Result<(Sources, Config)> {
    let (file, explicit) = match &cli.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("grassroots.toml"), false),
    };
    let mut flags = FlagOverrides {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        listen: cli.listen.clone(),
        public_url: cli.public_url.clone(),
        log: cli.log.clone(),
    };
    if let Command::Demo { locale, .. } = &cli.command {
        // The demo always runs on its own embedded database, one per
        // language.
        let folder = if locale.trim() == "en" {
            "grassroots-demo".to_string()
        } else {
            format!("grassroots-demo-{}", locale.trim())
        };
        flags.data_dir.get_or_insert_with(|| PathBuf::from(folder));
        if flags.database_url.is_none() {
            let dir = flags.data_dir.clone().unwrap_or_default();
            flags.database_url = Some(format!("sqlite://{}", dir.join("grassroots.db").display()));
        }
    }
    let sources = Sources::new(&file, explicit, &flags).map_err(|e| anyhow!(e))?;
    let config = sources.extract().map_err(|e| anyhow!(e))?;
    Ok((sources, config))
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to standard error: standard output carries what a command
    // prints for its user (the demo's URL and logins, a token), which
    // scripts read.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Whether a command may create the database it opens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `init` and `demo` make a new database where there is none.
    Create,
    /// Every other command needs one that exists: it creates nothing.
    Existing,
}

/// The file of an embedded database URL (`sqlite://PATH`, `sqlite:PATH`,
/// options after `?` left out); `None` for other engines.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// Why a command found no database, where it looked and how to point it
/// at one.
fn no_database(config: &Config, url: &str, what: &str) -> anyhow::Error {
    anyhow!(
        "{what} at {}.\n\
         Point this command at one with --data-dir DIR (the folder holding grassroots.db; \
         now {}) or --database-url sqlite://FILE | postgres://USER@HOST/DB \
         (or GRASSROOTS_DATA_DIR / GRASSROOTS_DATABASE_URL), \
         or create one with `grassroots init --organization NAME`. \
         The demo's database is grassroots-demo/grassroots.db: --data-dir grassroots-demo.",
        grassroots_store::redact_url(url),
        config.data_dir.display()
    )
}

async fn open(config: &Config, mode: Open) -> Result<App> {
    let url = config.effective_database_url();
    if let Some(file) = sqlite_file(&url) {
        if mode == Open::Existing && !file.exists() {
            return Err(no_database(config, &url, "no grassroots database"));
        }
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create data directory {}", dir.display()))?;
        }
    }
    let db = Db::connect_with(&url, config.sqlite.synchronous)
        .await
        .with_context(|| {
            format!(
                "cannot open database {}",
                grassroots_store::redact_url(&url)
            )
        })?;
    if mode == Open::Existing {
        let applied = migrate::applied(&mut db.conn().await?).await?;
        if applied.is_empty() {
            db.close().await;
            return Err(no_database(
                config,
                &url,
                "the database holds no grassroots organization",
            ));
        }
    }
    migrate::run(&db).await.context("migrating the database")?;
    Ok(App::new(db, config.clone()))
}

fn read_password(args: &PasswordArgs, what: &str) -> Result<(String, bool)> {
    if args.generate_password {
        return Ok((passwords::generate(), true));
    }
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok((line.trim_end_matches(['\r', '\n']).to_string(), false));
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "no terminal to ask for the password of {what}: use --password-stdin or --generate-password"
        );
    }
    let first = rpassword::prompt_password(format!("Password for {what}: "))?;
    let second = rpassword::prompt_password("Repeat the password: ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok((first, false))
}

/// A unit named on the command line by id or `ext:<external id>`.
async fn unit_arg(app: &App, actor: &Actor, raw: Option<&str>) -> Result<i64> {
    match raw {
        None => Ok(setup::root_unit(app)
            .await?
            .ok_or_else(|| anyhow!("the organization is not initialized"))?
            .id),
        Some(r) => match r.strip_prefix("ext:") {
            Some(ext) => Ok(grassroots_app::units::by_external_id(app, actor, ext)
                .await?
                .ok_or_else(|| anyhow!("no unit has the external id {ext}"))?
                .id),
            None => r.parse().map_err(|_| {
                anyhow!("--into/--unit takes a unit id or ext:<external id>, not {r}")
            }),
        },
    }
}

async fn import_command(config: &Config, a: ImportArgs) -> Result<()> {
    use grassroots_app::imports::tabular::Format;
    use grassroots_app::imports::{self, ImportFile, Kind};
    let app = open(config, Open::Existing).await?;
    let actor = cli_actor(&app).await?;
    let target = unit_arg(&app, &actor, a.into.as_deref()).await?;
    let kind = Kind::parse(&a.kind)?;
    let name = a.file.display().to_string();
    let format = Format::parse(&name)
        .ok_or_else(|| anyhow!("the file must end in .csv or .xlsx: {name}"))?;
    let bytes = std::fs::read(&a.file).with_context(|| format!("reading {name}"))?;
    let file = ImportFile {
        kind,
        format,
        name: &name,
        bytes: &bytes,
    };
    let mut mapping = imports::Mapping::new();
    for m in &a.map {
        let (field, header) = m
            .split_once('=')
            .ok_or_else(|| anyhow!("--map takes FIELD=HEADER, not {m}"))?;
        mapping.insert(field.trim().to_string(), header.trim().to_string());
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})",
        )
        .map_err(|e| anyhow!(e))?
        .progress_chars("=> "),
    );
    bar.set_message(if a.dry_run { "checking" } else { "importing" });
    let progress_bar = bar.clone();
    let progress = move |done: usize, total: usize| {
        progress_bar.set_length(total as u64);
        progress_bar.set_position(done as u64);
    };
    let started = std::time::Instant::now();
    let report = imports::run(
        &app,
        &actor,
        target,
        &file,
        imports::MappingChoice::Suggested(&mapping),
        a.dry_run,
        &progress,
    )
    .await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    if report.problem_count > 0 {
        for p in &report.problems {
            let at = if p.row == 0 {
                "file".to_string()
            } else {
                format!("row {}", p.row)
            };
            eprintln!("{at}, {}: {:?}: {}", p.column, p.value, p.reason);
        }
        if report.problem_count > report.problems.len() {
            eprintln!(
                "… and {} more problems",
                report.problem_count - report.problems.len()
            );
        }
        bail!("{} problems; nothing was written", report.problem_count);
    }
    println!(
        "{} {} rows in {secs:.2} s ({:.0} rows/s): {} added, {} changed, {} unchanged{}",
        if report.committed {
            "imported"
        } else {
            "checked"
        },
        report.rows,
        report.rows as f64 / secs.max(1e-9),
        report.created,
        report.updated,
        report.unchanged,
        if report.committed {
            ""
        } else {
            " (dry run: nothing was written)"
        }
    );
    Ok(())
}

async fn export_command(config: &Config, a: ExportArgs) -> Result<()> {
    use grassroots_app::imports::Kind;
    use grassroots_app::imports::tabular::Format;
    let app = open(config, Open::Existing).await?;
    let actor = cli_actor(&app).await?;
    let unit = unit_arg(&app, &actor, a.unit.as_deref()).await?;
    let name = a.file.display().to_string();
    let format = Format::parse(&name)
        .ok_or_else(|| anyhow!("the file must end in .csv or .xlsx: {name}"))?;
    let out =
        grassroots_app::imports::export::export(&app, &actor, unit, Kind::parse(&a.kind)?, format)
            .await?;
    std::fs::write(&a.file, &out.bytes).with_context(|| format!("writing {name}"))?;
    println!("wrote {} rows to {name}", out.rows);
    Ok(())
}

async fn cli_actor(app: &App) -> Result<Actor> {
    let root = setup::root_unit(app).await?.ok_or_else(|| {
        anyhow!("the organization is not initialized: run `grassroots init` first")
    })?;
    Ok(Actor::cli(root.id))
}

/// Runs the background jobs that are due every fifteen seconds while the
/// server runs; each job's own period and lease (in the jobs table) keep
/// it to one run per period among all servers sharing the database.
fn spawn_jobs(app: App) {
    tokio::spawn(async move {
        let holder = grassroots_app::jobs::holder_name();
        let mut every = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            every.tick().await;
            match grassroots_app::jobs::run_due(&app, grassroots_app::registry::JOBS, &holder).await
            {
                Ok(ran) => {
                    for run in ran {
                        match run.outcome {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(job = run.name, done = n, "job ran"),
                            Err(e) => tracing::warn!(job = run.name, error = %e, "job failed"),
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not run the background jobs"),
            }
        }
    });
}

/// Serves until stopped. The first line printed names the URL (the
/// browser tests read it); `after_url` prints anything that should follow.
async fn serve(app: App, after_url: impl FnOnce(&App)) -> Result<()> {
    spawn_jobs(app.clone());
    let router = grassroots_web::router(app.clone()).map_err(|e| anyhow!(e))?;
    let listener = tokio::net::TcpListener::bind(&app.config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", app.config.listen))?;
    let addr = listener.local_addr()?;
    println!("grassroots is listening on http://{addr}");
    after_url(&app);
    tracing::info!(%addr, engine = app.db.dialect().name(), "serving");
    grassroots_web::serve(listener, router).await?;
    app.db.close().await;
    Ok(())
}

fn parse_grant(role: &str, unit: i64, scope: &str) -> Result<Assignment> {
    Ok(Assignment {
        role: Role::parse(role).ok_or_else(|| {
            anyhow!("unknown role {role}: use administrator, secretary, staff, viewer or member")
        })?,
        unit_id: unit,
        scope: ScopeKind::parse(scope)
            .ok_or_else(|| anyhow!("unknown scope {scope}: use unit or subtree"))?,
    })
}

async fn account_id_of(app: &App, actor: &Actor, username: &str) -> Result<i64> {
    let list = accounts::list(app, actor).await?;
    list.iter()
        .find(|a| a.username == username.trim().to_lowercase())
        .map(|a| a.id)
        .ok_or_else(|| anyhow!("no account named {username}"))
}

async fn restore(config: &Config, file: &Path, force: bool) -> Result<()> {
    let url = config.effective_database_url();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let target = PathBuf::from(path.split('?').next().unwrap_or(path));
        if target.exists() && !force {
            bail!(
                "{} exists; stop the server and pass --force to replace it",
                target.display()
            );
        }
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create data directory {}", dir.display()))?;
        }
        // Check a copy of the backup before touching the live database.
        let staging = target.with_extension("db.restoring");
        std::fs::copy(file, &staging).with_context(|| format!("cannot read {}", file.display()))?;
        let verdict = async {
            let probe = Db::connect(&format!("sqlite://{}", staging.display()))
                .await
                .with_context(|| format!("{} is not a readable SQLite database", file.display()))?;
            let mut c = probe.conn().await?;
            let applied = migrate::applied(&mut c).await?;
            let report =
                grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive()).await?;
            drop(c);
            probe.close().await;
            if applied.is_empty() {
                bail!("{} is not a grassroots database", file.display());
            }
            if !report.ok() {
                bail!(
                    "the backup fails `check`: {}",
                    serde_json::to_string(&report)?
                );
            }
            Ok(())
        }
        .await;
        if let Err(e) = verdict {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
        for suffix in ["-wal", "-shm"] {
            for base in [&target, &staging] {
                let side = PathBuf::from(format!("{}{suffix}", base.display()));
                if side.exists() {
                    std::fs::remove_file(side)?;
                }
            }
        }
        std::fs::rename(&staging, &target)?;
        println!("restored {} into {}", file.display(), target.display());
        Ok(())
    } else {
        let file = file
            .to_str()
            .ok_or_else(|| anyhow!("the file name must be valid UTF-8"))?;
        grassroots_store::backup::run_pg_tool(
            "pg_restore",
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--dbname",
                &url,
                file,
            ],
        )
        .await?;
        println!("restored {file}");
        Ok(())
    }
}

/// Runs the command; an error is printed as one readable message (its
/// causes after colons), never as a debug dump with a backtrace.
fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    let (sources, config) = load_config(&cli)?;
    init_logging(&config.log);
    match cli.command {
        Command::Config(ConfigCommand::Show) => {
            let rows = sources.explain().map_err(|e| anyhow!(e))?;
            let width = rows.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
            for (key, value, source) in rows {
                println!("{key:width$} = {value:<40} # {source}");
            }
        }
        Command::Serve => {
            let app = open(&config, Open::Existing).await?;
            if setup::root_unit(&app).await?.is_none() {
                bail!(
                    "the organization is not initialized: run `grassroots init --organization NAME` first"
                );
            }
            serve(app, |_| {}).await?;
        }
        Command::Migrate => {
            let app = open(&config, Open::Existing).await?;
            let mut c = app.db.conn().await?;
            let versions = migrate::applied(&mut c).await?;
            println!(
                "database is at migration {}",
                versions.last().copied().unwrap_or(0)
            );
        }
        Command::Init(args) => {
            let app = open(&config, Open::Create).await?;
            let (password, generated) = read_password(&args.password, &args.admin)?;
            let (root, account) = setup::init(
                &app,
                setup::InitInput {
                    organization: args.organization,
                    root_level: args.level,
                    admin_username: args.admin,
                    admin_display_name: args.admin_name,
                    admin_password: password.clone(),
                },
            )
            .await?;
            println!(
                "created organization \"{}\" (unit {}) and administrator {}",
                root.name, root.id, account.username
            );
            if generated {
                println!("password: {password}");
                println!("(shown once; change it after the first login)");
            }
        }
        Command::Demo { scale, locale } => {
            let scale = grassroots_app::demo::Scale::parse(&scale).ok_or_else(|| {
                anyhow!("--scale takes a number from 1 or `national`, not {scale}")
            })?;
            let language =
                grassroots_core::vocab::Locale::parse(locale.trim()).ok_or_else(|| {
                    anyhow!(
                        "--locale takes one of {}, not {locale}",
                        grassroots_core::vocab::Locale::KEYS.join(", ")
                    )
                })?;
            let app = open(&config, Open::Create).await?;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            let shown = bar.clone();
            let started = std::time::Instant::now();
            let logins = grassroots_app::demo::build_in(&app, scale, language, &move |g| {
                shown.set_message(format!(
                    "building the demo: {} units, {} people, {} positions, {} plan targets",
                    g.units, g.people, g.positions, g.targets
                ));
                shown.tick();
            })
            .await?;
            bar.finish_and_clear();
            tracing::info!(seconds = started.elapsed().as_secs_f64(), "demo ready");
            let root = setup::root_unit(&app)
                .await?
                .ok_or_else(|| anyhow!("the demo has no organization"))?;
            // The same database, named the way the token command reads it
            // (a PostgreSQL password is left out of what is printed).
            let database = format!(
                "--database-url {}",
                grassroots_store::redact_url(&config.effective_database_url())
            );
            serve(app, |app| {
                println!("demo database: {}", app.config.effective_database_url());
                println!("demo logins (login name / password / role at unit):");
                for l in &logins {
                    println!(
                        "  {:<10} {:<22} {} at {}",
                        l.username,
                        l.password,
                        l.role.as_str(),
                        l.unit_name
                    );
                }
                println!(
                    "demo anonymous appeal: follow it at /voice/follow with receipt {}",
                    grassroots_app::demo::appeals::DEMO_RECEIPT
                );
                println!(
                    "API token (printed once; send it as `Authorization: Bearer TOKEN` to /api/v1):\n  grassroots {database} token create --user admin --name demo --role administrator --unit {}",
                    root.id
                );
            })
            .await?;
        }
        Command::User(cmd) => {
            let app = open(&config, Open::Existing).await?;
            let actor = cli_actor(&app).await?;
            match cmd {
                UserCommand::Add {
                    username,
                    name,
                    unit,
                    role,
                    scope,
                    password,
                } => {
                    let home = unit.unwrap_or(actor.home_unit_id);
                    let grant = role.map(|r| parse_grant(&r, home, &scope)).transpose()?;
                    let (pw, generated) = read_password(&password, &username)?;
                    let account = accounts::create_with_role(
                        &app,
                        &actor,
                        accounts::CreateInput {
                            username,
                            display_name: name,
                            home_unit_id: home,
                            password: pw.clone(),
                        },
                        grant,
                    )
                    .await?;
                    println!("created account {} (id {})", account.username, account.id);
                    if generated {
                        println!("password: {pw}");
                    }
                }
                UserCommand::List => {
                    let roles = roles::list(&app, &actor, None).await?;
                    for a in accounts::list(&app, &actor).await? {
                        let held: Vec<String> = roles
                            .iter()
                            .filter(|r| r.account_id == a.id)
                            .map(|r| format!("{} at {} ({})", r.role, r.unit_name, r.scope))
                            .collect();
                        println!(
                            "{:<5} {:<20} {:<30} {}{}",
                            a.id,
                            a.username,
                            a.display_name,
                            if a.disabled { "[disabled] " } else { "" },
                            held.join("; ")
                        );
                    }
                }
                UserCommand::ResetPassword { username, password } => {
                    let id = account_id_of(&app, &actor, &username).await?;
                    let (pw, generated) = read_password(&password, &username)?;
                    accounts::reset_password(&app, &actor, id, &pw).await?;
                    println!("password of {username} set; its sessions were ended");
                    if generated {
                        println!("password: {pw}");
                    }
                }
            }
        }
        Command::Token(cmd) => {
            let app = open(&config, Open::Existing).await?;
            let actor = cli_actor(&app).await?;
            match cmd {
                TokenCommand::Create {
                    user,
                    name,
                    role,
                    unit,
                    scope,
                    expires_in_days,
                } => {
                    let id = account_id_of(&app, &actor, &user).await?;
                    let (secret, token) = tokens::create(
                        &app,
                        &actor,
                        id,
                        &name,
                        parse_grant(&role, unit, &scope)?,
                        expires_in_days,
                    )
                    .await?;
                    println!("token {} created for {user}", token.id);
                    println!("{secret}");
                }
                TokenCommand::List { user } => {
                    let id = account_id_of(&app, &actor, &user).await?;
                    for t in tokens::list(&app, &actor, id).await? {
                        println!(
                            "{:<5} {:<24} {} at unit {} ({}){}",
                            t.id,
                            t.name,
                            t.role,
                            t.unit_id,
                            t.scope,
                            if t.revoked_at.is_some() {
                                " [revoked]"
                            } else {
                                ""
                            }
                        );
                    }
                }
                TokenCommand::Revoke { user, id } => {
                    let account = account_id_of(&app, &actor, &user).await?;
                    tokens::revoke(&app, &actor, account, id).await?;
                    println!("token {id} revoked");
                }
            }
        }
        Command::Backup { file } => {
            let app = open(&config, Open::Existing).await?;
            match app.db.dialect() {
                Dialect::Sqlite => {
                    grassroots_store::backup::sqlite_backup(&app.db, &file).await?;
                }
                Dialect::Postgres => {
                    let url = config.effective_database_url();
                    let f = file
                        .to_str()
                        .ok_or_else(|| anyhow!("the file name must be valid UTF-8"))?;
                    grassroots_store::backup::run_pg_tool(
                        "pg_dump",
                        &["--format=custom", "--file", f, &url],
                    )
                    .await?;
                }
            }
            println!("backup written to {}", file.display());
        }
        Command::Restore { file, force } => {
            restore(&config, &file, force).await?;
        }
        Command::Import(a) => import_command(&config, a).await?,
        Command::Export(a) => export_command(&config, a).await?,
        Command::Check => {
            let app = open(&config, Open::Existing).await?;
            let report = audit::check(&app).await?;
            for p in &report.engine_problems {
                println!("database: {p}");
            }
            for p in &report.tree_problems {
                println!("tree: {p}");
            }
            for p in &report.aggregate_problems {
                println!("counters: {p}");
            }
            for p in &report.target_problems {
                println!("targets: {p}");
            }
            for p in &report.schedule_problems {
                println!("inspection schedules: {p}");
            }
            for p in &report.search_problems {
                println!("search index: {p}");
            }
            match &report.audit.first_break {
                None => println!("audit chain: {} rows, intact", report.audit.rows),
                Some(b) => println!("audit chain: first bad row is {}: {}", b.id, b.reason),
            }
            if !report.ok() {
                bail!("check failed");
            }
            println!("check passed");
        }
    }
    Ok(())
}
