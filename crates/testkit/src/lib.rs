//! Test harness for grassroots: an [`TestApp`] on a temporary database
//! (SQLite by default; PostgreSQL in a fresh schema when
//! `TEST_DATABASE_URL` is set), with units and users at roles, and a
//! [`TestClient`] that drives the real router in-process, keeping cookies
//! and CSRF tokens like a browser would.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use grassroots_app::{Actor, App, Config, accounts, roles, setup, units};
use grassroots_core::{AccountId, Assignment, Role, ScopeKind, UnitId};
use grassroots_store::{Db, Dialect, migrate};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Which engine the tests run on: PostgreSQL when `TEST_DATABASE_URL` is
/// set, SQLite otherwise.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Makes the active profile the party's levels with every level allowed
/// under every other, itself included: for scenarios that build trees of
/// any shape at random (the profile's placement rules have tests of their
/// own).
pub async fn allow_any_shape(app: &App, actor: &Actor) {
    let levels = grassroots_store::profiles::builtin("party").expect("party profile");
    let keys: Vec<&str> = levels.iter().map(|l| l.key.as_str()).collect();
    let text: Vec<String> = levels
        .iter()
        .map(|l| format!("{} | {} | {} | {}", l.key, l.key, l.kind, keys.join(" ")))
        .collect();
    grassroots_app::profiles::set_custom(app, actor, &text.join("\n"))
        .await
        .expect("any-shape profile");
}

/// A fresh, migrated database on the engine chosen by `TEST_DATABASE_URL`
/// (with the folder of a SQLite file, kept as long as the database).
pub async fn fresh_db() -> (Db, Option<tempfile::TempDir>) {
    match postgres_url() {
        Some(url) => (postgres_db(&url).await, None),
        None => {
            let (db, dir) = sqlite_db().await;
            (db, Some(dir))
        }
    }
}

/// A fresh, migrated database: a temporary SQLite file.
pub async fn sqlite_db() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = Db::connect(&url).await.expect("open sqlite");
    migrate::run(&db).await.expect("migrate sqlite");
    (db, dir)
}

/// A fresh, migrated database: a new schema in the PostgreSQL at `url`.
pub async fn postgres_db(url: &str) -> Db {
    use rand::Rng;
    let schema = format!("gr_test_{:016x}", rand::rng().random::<u64>());
    let admin = Db::connect(url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    if let Db::Postgres(pool) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(pool)
            .await
            .expect("create schema");
    }
    admin.close().await;
    let db = Db::connect_postgres_schema(url, &schema)
        .await
        .expect("connect to schema");
    migrate::run(&db).await.expect("migrate postgres");
    db
}

/// A running application on a fresh database with an initialized
/// organization (root unit and an administrator `root`).
pub struct TestApp {
    /// Services state.
    pub app: App,
    /// The full router.
    pub router: Router,
    /// The root unit.
    pub root: UnitId,
    _dir: Option<tempfile::TempDir>,
}

/// Password of every account made by [`TestApp::user`].
pub fn password_of(username: &str) -> String {
    format!("{username}-password-1")
}

impl TestApp {
    /// A new app on the engine chosen by `TEST_DATABASE_URL`.
    pub async fn new() -> TestApp {
        Self::with_config(Config::default()).await
    }

    /// A new app with a given configuration (the database URL is ignored).
    pub async fn with_config(config: Config) -> TestApp {
        let (db, dir) = fresh_db().await;
        let app = App::new(db, config);
        let (root, _) = setup::init(
            &app,
            setup::InitInput {
                organization: "Central Committee".into(),
                root_level: "central_committee".into(),
                admin_username: "root".into(),
                admin_display_name: "Root Administrator".into(),
                admin_password: password_of("root"),
            },
        )
        .await
        .expect("init");
        let router = grassroots_web::router(app.clone()).expect("router");
        TestApp {
            app,
            router,
            root: root.id,
            _dir: dir,
        }
    }

    /// The demo organization (scale 1) on the engine chosen by
    /// `TEST_DATABASE_URL`: data shaped like what people really keep.
    /// Its logins sign in with [`TestApp::login_demo`].
    pub async fn demo() -> TestApp {
        Self::demo_in(grassroots_core::vocab::Locale::English).await
    }

    /// The demo organization written in `language` (see
    /// [`TestApp::demo`]).
    pub async fn demo_in(language: grassroots_core::vocab::Locale) -> TestApp {
        let (db, dir) = fresh_db().await;
        let app = App::new(db, Config::default());
        grassroots_app::demo::build_in(&app, grassroots_app::demo::Scale::of(1), language, &|_| {})
            .await
            .expect("demo");
        let root = setup::root_unit(&app)
            .await
            .expect("root")
            .expect("initialized");
        let router = grassroots_web::router(app.clone()).expect("router");
        TestApp {
            app,
            router,
            root: root.id,
            _dir: dir,
        }
    }

    /// A client signed in as one of the demo's logins.
    pub async fn login_demo(&self, username: &str) -> TestClient {
        let mut c = self.client();
        let r = c
            .login(username, &grassroots_app::setup::demo_password(username))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "demo login {username}");
        c
    }

    /// A second server on the same database: its own connection pool and
    /// clock, as another process would have.
    pub async fn second_server(&self) -> App {
        let db = match &self.app.db {
            Db::Postgres(pool) => {
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(pool)
                    .await
                    .expect("current schema");
                let url = postgres_url().expect("TEST_DATABASE_URL");
                Db::connect_postgres_schema(&url, &schema)
                    .await
                    .expect("second pool")
            }
            Db::Sqlite(pool, _) => {
                let rows: Vec<(i64, String, String)> = sqlx::query_as("PRAGMA database_list")
                    .fetch_all(pool)
                    .await
                    .expect("database file");
                let file = &rows.iter().find(|r| r.1 == "main").expect("main").2;
                Db::connect(&format!("sqlite://{file}"))
                    .await
                    .expect("second pool")
            }
        };
        App::new(db, (*self.app.config).clone())
    }

    /// The engine under test.
    pub fn dialect(&self) -> Dialect {
        self.app.db.dialect()
    }

    /// The command-line actor (full rights).
    pub fn cli(&self) -> Actor {
        Actor::cli(self.root)
    }

    /// Creates a unit under `parent`.
    pub async fn unit(&self, name: &str, level: &str, parent: UnitId) -> UnitId {
        units::create_child(&self.app, &self.cli(), parent, name, level)
            .await
            .expect("create unit")
            .id
    }

    /// Creates an account with home `unit` and, unless `role` is `None`,
    /// that role there.
    pub async fn user(
        &self,
        username: &str,
        role: Option<Role>,
        unit: UnitId,
        scope: ScopeKind,
    ) -> AccountId {
        let a = accounts::create(
            &self.app,
            &self.cli(),
            accounts::CreateInput {
                username: username.into(),
                display_name: format!("{username} name"),
                home_unit_id: unit,
                password: password_of(username),
            },
        )
        .await
        .expect("create account");
        if let Some(role) = role {
            roles::assign(
                &self.app,
                &self.cli(),
                a.id,
                Assignment {
                    role,
                    unit_id: unit,
                    scope,
                },
            )
            .await
            .expect("assign role");
        }
        a.id
    }

    /// Adds a person to `unit` with `status`; returns the id.
    pub async fn person(&self, unit: UnitId, full_name: &str, status: &str) -> i64 {
        grassroots_app::people::create(
            &self.app,
            &self.cli(),
            unit,
            grassroots_app::people::PersonInput {
                full_name: full_name.into(),
                status: status.into(),
                ..Default::default()
            },
        )
        .await
        .expect("add person")
        .id
    }

    /// Asserts that `grassroots check` finds nothing wrong: database,
    /// closure table, every maintained counter and the audit chain.
    pub async fn assert_consistent(&self) {
        let mut c = self.app.db.conn().await.expect("connection");
        let report = grassroots_store::check::run(&mut c, self.app.clock.now().date_naive())
            .await
            .expect("check");
        assert!(report.ok(), "{report:?}");
    }

    /// Every row of every table, as text (one string per row, all its
    /// columns), by table: what a scan for a stored value reads.
    pub async fn all_rows(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        let mut out = std::collections::BTreeMap::new();
        match &self.app.db {
            Db::Sqlite(pool, _) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(pool)
                .await
                .expect("tables");
                for t in tables {
                    let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT name FROM pragma_table_info('{t}')"
                    )))
                    .fetch_all(pool)
                    .await
                    .expect("columns");
                    let expr = cols
                        .iter()
                        .map(|c| format!("quote(\"{c}\")"))
                        .collect::<Vec<_>>()
                        .join(" || '|' || ");
                    let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT {expr} FROM \"{t}\""
                    )))
                    .fetch_all(pool)
                    .await
                    .expect("rows");
                    out.insert(t, rows);
                }
            }
            Db::Postgres(pool) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                )
                .fetch_all(pool)
                .await
                .expect("tables");
                for t in tables {
                    let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT t::text FROM \"{t}\" t"
                    )))
                    .fetch_all(pool)
                    .await
                    .expect("rows");
                    out.insert(t, rows);
                }
            }
        }
        out
    }

    /// Audit rows (newest first, at most 1,000), optionally only those whose
    /// action starts with `action`.
    pub async fn audit_rows(
        &self,
        action: Option<&str>,
    ) -> Vec<grassroots_store::audit::AuditRecord> {
        grassroots_app::audit::list(
            &self.app,
            &self.cli(),
            &grassroots_store::audit::AuditFilter {
                action: action.map(str::to_string),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .expect("audit rows")
    }

    /// The id of the account named `username`.
    pub async fn account_id(&self, username: &str) -> AccountId {
        accounts::list(&self.app, &self.cli())
            .await
            .expect("list accounts")
            .into_iter()
            .find(|a| a.username == username)
            .unwrap_or_else(|| panic!("no account {username}"))
            .id
    }

    /// An anonymous client.
    pub fn client(&self) -> TestClient {
        TestClient {
            router: self.router.clone(),
            cookies: HashMap::new(),
            csrf: None,
            bearer: None,
            ip: "127.0.0.1:40000".parse().expect("addr"),
        }
    }

    /// A client signed in as `username` (password from [`password_of`]).
    pub async fn login(&self, username: &str) -> TestClient {
        let mut c = self.client();
        let r = c.login(username, &password_of(username)).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {username} failed: {}",
            r.body
        );
        c
    }

    /// A client authenticated by an API token.
    pub fn with_token(&self, token: &str) -> TestClient {
        let mut c = self.client();
        c.bearer = Some(token.to_string());
        c
    }
}

/// A response read in full.
#[derive(Debug)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as text.
    pub body: String,
    /// Body as bytes (downloads).
    pub raw: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The text of a page's form error (`id="form-error"`), empty when
    /// the page shows none.
    pub fn form_error(&self) -> &str {
        self.body
            .split("id=\"form-error\">")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .unwrap_or_default()
    }

    /// The `Location` header.
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
}

/// A client that keeps cookies and the CSRF token.
#[derive(Clone)]
pub struct TestClient {
    router: Router,
    /// Cookies held.
    pub cookies: HashMap<String, String>,
    /// CSRF token of the session, once known.
    pub csrf: Option<String>,
    /// API token, if authenticating by token.
    pub bearer: Option<String>,
    /// Client address seen by the server.
    pub ip: SocketAddr,
}

fn extract_csrf(body: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string()).filter(|s| !s.is_empty())
}

impl TestClient {
    /// An anonymous client of `router` (for an app not built by
    /// [`TestApp`], such as the demo).
    pub fn new(router: Router) -> TestClient {
        TestClient {
            router,
            cookies: HashMap::new(),
            csrf: None,
            bearer: None,
            ip: "127.0.0.1:40001".parse().expect("addr"),
        }
    }

    /// Sends a request and reads the response, updating cookies.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        extra: &[(&str, String)],
    ) -> TestResponse {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost");
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header(header::COOKIE, cookie);
        }
        if let Some(t) = &self.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        for (k, v) in extra {
            req = req.header(*k, v);
        }
        let mut req = req.body(Body::from(body)).expect("request");
        req.extensions_mut().insert(ConnectInfo(self.ip));
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap_or("");
            let first = s.split(';').next().unwrap_or("");
            if let Some((name, value)) = first.split_once('=') {
                if value.is_empty() || s.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&bytes).to_string();
        if let Some(t) = extract_csrf(&body)
            && (self.cookies.contains_key("gr_session")
                || self.cookies.contains_key("gr_login_csrf"))
        {
            self.csrf = Some(t);
        }
        TestResponse {
            status,
            headers,
            body,
            raw: bytes.to_vec(),
        }
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None, Vec::new(), &[]).await
    }

    /// `GET path` as a browser running htmx sees it: every part the page
    /// loads on arrival (`hx-trigger="load"`, such as the unit page's
    /// sections) is fetched with `HX-Request` and put in its place.
    pub async fn page(&mut self, path: &str) -> TestResponse {
        let mut page = self.get(path).await;
        let marker = "hx-trigger=\"load\" hx-swap=\"outerHTML\"";
        while let Some(at) = page.body.find(marker) {
            let start = page.body[..at].rfind("<div").expect("slot element");
            let get = "hx-get=\"";
            let url_start = page.body[start..].find(get).expect("hx-get") + start + get.len();
            let url_end = page.body[url_start..].find('"').expect("end of hx-get") + url_start;
            // Attribute values come HTML-escaped; a URL holds only `&`.
            let url = page.body[url_start..url_end]
                .replace("&#38;", "&")
                .replace("&amp;", "&");
            let end = page.body[at..].find("</div>").expect("end of slot") + at + "</div>".len();
            let part = self
                .send(
                    Method::GET,
                    &url,
                    None,
                    Vec::new(),
                    &[("hx-request", "true".into())],
                )
                .await;
            assert_eq!(part.status, StatusCode::OK, "{url}: {}", part.body);
            page.body.replace_range(start..end, &part.body);
        }
        page.raw = page.body.clone().into_bytes();
        page
    }

    /// `POST path` with a form, adding the CSRF token the client holds.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let mut all: Vec<(&str, String)> =
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if let Some(t) = &self.csrf {
            all.push(("_csrf", t.clone()));
        }
        self.post_form_raw(path, &all).await
    }

    /// `POST path` with exactly these form fields (no token added).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, String)]) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.send(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            &[],
        )
        .await
    }

    /// `POST path` as `multipart/form-data` with text fields (plus the
    /// CSRF token held) and one file field named `file`.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> TestResponse {
        let boundary = "grassroots-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let mut all: Vec<(&str, String)> =
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if let Some(t) = &self.csrf {
            all.push(("_csrf", t.clone()));
        }
        for (k, v) in all {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.send(Method::POST, path, Some(&ct), body, &[]).await
    }

    /// `POST path` with raw bytes (the CSRF header when using a session).
    pub async fn post_bytes(
        &mut self,
        path: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> TestResponse {
        let mut extra = Vec::new();
        if self.bearer.is_none()
            && let Some(t) = &self.csrf
        {
            extra.push(("x-csrf-token", t.clone()));
        }
        self.send(
            Method::POST,
            path,
            Some(content_type),
            bytes.to_vec(),
            &extra,
        )
        .await
    }

    /// A JSON request (with the CSRF header when using a session).
    pub async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let mut extra = Vec::new();
        if self.bearer.is_none()
            && let Some(t) = &self.csrf
        {
            extra.push(("x-csrf-token", t.clone()));
        }
        let (ct, bytes) = match body {
            Some(v) => (Some("application/json"), v.to_string().into_bytes()),
            None => (None, Vec::new()),
        };
        self.send(method, path, ct, bytes, &extra).await
    }

    /// Signs in through the login form.
    pub async fn login(&mut self, username: &str, password: &str) -> TestResponse {
        self.get("/login").await;
        let r = self
            .post_form("/login", &[("username", username), ("password", password)])
            .await;
        if r.status == StatusCode::SEE_OTHER {
            // Learn the session's CSRF token from a page.
            self.csrf = None;
            self.get("/me").await;
        }
        r
    }
}

/// A local SMTP sink on 127.0.0.1 for the mail tests: accepts every
/// message and keeps its raw text. Returns the port and the messages.
pub async fn smtp_sink() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the SMTP sink");
    let port = listener.local_addr().expect("sink address").port();
    let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = messages.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().expect("sink").push(std::mem::take(body));
                            data = None;
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, messages)
}
