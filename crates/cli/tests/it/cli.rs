//! The `grassroots` binary: init, users, tokens, backup and restore,
//! check, configuration.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn grassroots(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grassroots"));
    cmd.current_dir(dir)
        .args(args)
        .env("GRASSROOTS_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // The suite may run with a PostgreSQL URL in the environment; these
    // tests exercise the embedded database.
    cmd.env_remove("GRASSROOTS_DATABASE_URL");
    let mut child = cmd.spawn().expect("run grassroots");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn init_users_tokens_backup_restore_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = grassroots(
        d,
        &[
            "init",
            "--organization",
            "Central Committee",
            "--admin",
            "chief",
            "--password-stdin",
        ],
        Some("chief password 1\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("administrator chief"));
    let again = grassroots(
        d,
        &["init", "--organization", "Other", "--password-stdin"],
        Some("chief password 1\n"),
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("already initialized"));

    let o = grassroots(
        d,
        &[
            "user",
            "add",
            "kim",
            "--name",
            "Kim Chol",
            "--role",
            "secretary",
            "--generate-password",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("password: "));
    let o = grassroots(d, &["user", "list"], None);
    let listing = text(&o);
    assert!(
        listing.contains("kim") && listing.contains("secretary at Central Committee"),
        "{listing}"
    );
    let o = grassroots(d, &["user", "add", "lee", "--name", "Lee"], None);
    assert!(!o.status.success(), "no terminal and no password flag");
    assert!(text(&o).contains("--password-stdin"), "{}", text(&o));

    let o = grassroots(
        d,
        &[
            "token", "create", "--user", "kim", "--name", "sync", "--role", "viewer", "--unit", "1",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("grt_"));
    let o = grassroots(
        d,
        &[
            "token",
            "create",
            "--user",
            "kim",
            "--name",
            "x",
            "--role",
            "administrator",
            "--unit",
            "1",
        ],
        None,
    );
    assert!(
        !o.status.success(),
        "a token cannot exceed its owner's role"
    );

    let o = grassroots(d, &["check"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("intact"));

    let o = grassroots(d, &["backup", "backup.db"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.join("backup.db").exists());
    let o = grassroots(d, &["backup", "backup.db"], None);
    assert!(
        !o.status.success(),
        "an existing backup is never overwritten"
    );

    // Damage the live database's audit log, detect it, then restore.
    let db = d.join("grassroots-data/grassroots.db");
    let o = Command::new("sqlite3")
        .arg(&db)
        .arg(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'forger' WHERE id = 2;",
        )
        .output();
    let edited = match o {
        Ok(o) if o.status.success() => true,
        _ => {
            // Without the sqlite3 shell, edit through the library.
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let db = grassroots_store::Db::connect(&format!("sqlite://{}", db.display()))
                    .await
                    .unwrap();
                if let grassroots_store::Db::Sqlite(p, _) = &db {
                    sqlx::query("DROP TRIGGER audit_log_no_update")
                        .execute(p)
                        .await
                        .unwrap();
                    sqlx::query("UPDATE audit_log SET actor = 'forger' WHERE id = 2")
                        .execute(p)
                        .await
                        .unwrap();
                }
                db.close().await;
            });
            true
        }
    };
    assert!(edited);
    let o = grassroots(d, &["check"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("first bad row is 2"), "{}", text(&o));

    let o = grassroots(d, &["restore", "backup.db"], None);
    assert!(
        !o.status.success(),
        "restore refuses to overwrite without --force"
    );
    let o = grassroots(d, &["restore", "backup.db", "--force"], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = grassroots(d, &["check"], None);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn config_show_names_sources_and_unknown_keys_fail() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("grassroots.toml"),
        "listen = \"127.0.0.1:9999\"\n[session]\nidle_timeout_minutes = 10\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .current_dir(d)
        .args(["config", "show", "--log", "warn"])
        .env_remove("GRASSROOTS_DATABASE_URL")
        .env(
            "GRASSROOTS_DATABASE_URL",
            "postgres://gr:hunter2@127.0.0.1/gr",
        )
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("listen") && out.contains("127.0.0.1:9999") && out.contains("# file"),
        "{out}"
    );
    assert!(out.contains("environment GRASSROOTS_DATABASE_URL"), "{out}");
    assert!(!out.contains("hunter2"), "secrets are redacted: {out}");
    assert!(out.contains("flag --log"), "{out}");
    assert!(
        out.contains("session.absolute_timeout_hours") && out.contains("# default"),
        "{out}"
    );

    std::fs::write(d.join("grassroots.toml"), "[session]\nidle_timeout = 10\n").unwrap();
    let o = grassroots(d, &["config", "show"], None);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("unknown configuration key `session.idle_timeout`"),
        "{}",
        text(&o)
    );
}

/// A command that finds no database says where it looked and how to
/// point it at one, creates nothing, and prints no backtrace (even with
/// backtraces asked for).
#[test]
fn commands_without_a_database_say_where_they_looked_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let commands: [&[&str]; 5] = [
        &[
            "token",
            "create",
            "--user",
            "admin",
            "--name",
            "x",
            "--role",
            "administrator",
            "--unit",
            "1",
        ],
        &["serve", "--listen", "127.0.0.1:0"],
        &["check"],
        &["migrate"],
        &["backup", "copy.db"],
    ];
    for args in commands {
        let o = Command::new(env!("CARGO_BIN_EXE_grassroots"))
            .current_dir(d)
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .env("GRASSROOTS_LOG", "warn")
            .env_remove("GRASSROOTS_DATABASE_URL")
            .env_remove("GRASSROOTS_DATA_DIR")
            .output()
            .expect("run grassroots");
        let all = text(&o);
        assert!(!o.status.success(), "{args:?}: {all}");
        assert!(
            all.contains("no grassroots database at sqlite://grassroots-data/grassroots.db"),
            "{args:?} names where it looked: {all}"
        );
        assert!(
            all.contains("--data-dir") && all.contains("--database-url"),
            "{args:?} tells how to point at one: {all}"
        );
        assert!(
            !all.contains("backtrace") && !all.contains("Error {"),
            "{args:?}: {all}"
        );
        assert_eq!(
            all.lines().next().map(|l| l.starts_with("error: ")),
            Some(true),
            "{all}"
        );
        assert!(
            std::fs::read_dir(d).unwrap().next().is_none(),
            "{args:?} created {:?}",
            std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect::<Vec<_>>()
        );
    }
    // Pointed at a database, the same command works.
    let o = grassroots(
        d,
        &[
            "--data-dir",
            "org",
            "init",
            "--organization",
            "Centre",
            "--password-stdin",
        ],
        Some("centre password 1\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = grassroots(d, &["--data-dir", "org", "check"], None);
    assert!(o.status.success(), "{}", text(&o));
}
