//! Browser tests: the real binary serving the demo, driven through
//! headless Chromium by chromedriver. They run when
//! RUN_BROWSER_TESTS=1 (CI sets it and checks that they ran).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn login_open_a_unit_and_logout_in_chromium() {
    if std::env::var("RUN_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!("RUN_BROWSER_TESTS is not 1: browser test not run");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .current_dir(work.path())
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--log",
            "info,tower_http=debug,grassroots_web=debug,grassroots_app=debug",
        ])
        .env_remove("GRASSROOTS_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(work.path().join("server.log")).unwrap(),
        ))
        .spawn()
        .expect("start grassroots demo");
    let stdout = server.stdout.take().unwrap();
    let server = Killed(server);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("demo prints its URL").unwrap();
    let url = first.rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    // The demo prints one line per login: name, password, role at unit.
    let mut passwords = std::collections::HashMap::new();
    for line in lines.by_ref().take(9) {
        let line = line.unwrap();
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() >= 3 && parts[1].ends_with("-demo-2022") {
            passwords.insert(parts[0].to_string(), parts[1].to_string());
        }
        if parts.first() == Some(&"viewer") {
            break;
        }
    }
    let admin_password = passwords
        .get("secretary")
        .cloned()
        .expect("the demo prints its logins");
    // Keep draining the server's output so it never blocks.
    std::thread::spawn(move || for _ in lines {});

    let port = free_port();
    let driver =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
    let _driver = Killed(driver);
    let profile = tempfile::tempdir().unwrap();
    let chrome = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": chrome,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--no-first-run", "--disable-dev-shm-usage", "--window-size=360,800",
                     format!("--user-data-dir={}", profile.path().display())]
        }
    }))
    .unwrap();
    let mut client = None;
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("connect to chromedriver");

    let result = async {
        c.goto(&url).await?;
        // Anonymous visitors land on the login form.
        c.wait().for_element(Locator::Id("username")).await?;
        assert!(c.current_url().await?.path().starts_with("/login"));
        c.find(Locator::Id("username"))
            .await?
            .send_keys("secretary")
            .await?;
        c.find(Locator::Id("password"))
            .await?
            .send_keys(&admin_password)
            .await?;
        click_and_load(&c, Locator::Id("login-submit")).await?;
        let primary = "Anju Machine Factory Primary Committee";
        c.wait().for_element(Locator::LinkText(primary)).await?;
        // Open the unit.
        click_and_load(&c, Locator::LinkText(primary)).await?;
        c.wait()
            .for_element(Locator::LinkText("Workshop 1 Cell"))
            .await?;
        let h1 = c.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(h1, primary);
        // The primary committee's counters before its new cell.
        let primary_url = c.current_url().await?;
        let number = |s: String| s.trim().parse::<i64>().expect("a counter");
        let units_before = number(c.find(Locator::Id("count-units")).await?.text().await?);
        let members_before = number(c.find(Locator::Id("count-member")).await?.text().await?);
        let held_before = number(c.find(Locator::Id("count-positions")).await?.text().await?);
        // Add a cell through the form.
        c.find(Locator::Id("child-name"))
            .await?
            .send_keys("Packing Workshop Cell")
            .await?;
        click_and_load(
            &c,
            Locator::Css("#add-child + form button, section[aria-labelledby=add-child] button"),
        )
        .await?;
        c.wait().for_element(Locator::Css(".flash")).await?;
        let h1 = c.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(h1, "Packing Workshop Cell");
        let main = c.find(Locator::Css("main")).await?.text().await?;
        assert!(
            main.contains("Level: Cell"),
            "a unit added under a primary committee defaults to a cell: {main}"
        );
        // Add a person to the new cell and watch the counter.
        assert_eq!(
            c.find(Locator::Id("count-member")).await?.text().await?,
            "0"
        );
        c.find(Locator::Id("person-name"))
            .await?
            .send_keys("Pak Chol Ung")
            .await?;
        click_and_load(&c, Locator::Id("person-submit")).await?;
        c.wait()
            .for_element(Locator::LinkText("Pak Chol Ung"))
            .await?;
        assert_eq!(
            c.find(Locator::Id("count-member")).await?.text().await?,
            "1"
        );
        // Appoint them cell secretary.
        c.find(Locator::Css("#pos-type option[value='cell_secretary']"))
            .await?
            .click()
            .await?;
        click_and_load(&c, Locator::Id("pos-submit")).await?;
        c.wait()
            .for_element(Locator::Id("current-positions"))
            .await?;
        let held = c
            .find(Locator::Id("current-positions"))
            .await?
            .text()
            .await?;
        assert!(held.contains("Cell secretary: Pak Chol Ung"), "{held}");
        assert_eq!(
            c.find(Locator::Id("count-positions")).await?.text().await?,
            "1"
        );
        // A cell may not sit under a cell: no cell is offered as the new
        // cell's parent (the secretary's only primary committee is its
        // parent already).
        let new_cell_url = c.current_url().await?;
        for option in c.find_all(Locator::Css("#move-to option")).await? {
            let name = option.text().await?;
            assert!(!name.contains("Cell"), "a cell offered as a parent: {name}");
        }
        // The primary committee counts the new cell, person and position.
        c.goto(primary_url.as_str()).await?;
        c.wait().for_element(Locator::Id("count-units")).await?;
        sections_loaded(&c).await?;
        assert_eq!(
            number(c.find(Locator::Id("count-units")).await?.text().await?),
            units_before + 1,
            "the new cell counts under its primary committee"
        );
        assert_eq!(
            number(c.find(Locator::Id("count-member")).await?.text().await?),
            members_before + 1,
            "the person added to the new cell counts there"
        );
        assert_eq!(
            number(c.find(Locator::Id("count-positions")).await?.text().await?),
            held_before + 1,
            "so does the position"
        );
        // The page fits a 360-px-wide phone: nothing scrolls sideways.
        fits_phone(&c, "the unit page", "browser-unit.png").await?;
        // Log out.
        click_and_load(&c, Locator::Id("logout")).await?;
        c.wait().for_element(Locator::Id("login-submit")).await?;
        let body = c.find(Locator::Css("main")).await?.text().await?;
        assert!(body.contains("You have been signed out."), "{body}");
        // The provincial secretary moves the new cell to another primary
        // committee of the province: the only kind of parent offered.
        login(&c, &url, &passwords, "province").await?;
        c.goto(new_cell_url.as_str()).await?;
        sections_loaded(&c).await?;
        c.wait().for_element(Locator::Id("move-to")).await?;
        let options = c.find_all(Locator::Css("#move-to option")).await?;
        let first = options.first().expect("a primary committee to move to");
        let target_name = first
            .text()
            .await?
            .trim_start_matches(['·', ' '])
            .to_string();
        assert!(target_name.contains("Primary Committee"), "{target_name}");
        first.click().await?;
        click_and_load(&c, Locator::Id("move-submit")).await?;
        c.wait().for_element(Locator::Css(".flash")).await?;
        let crumbs = c.find(Locator::Css("nav.crumbs")).await?.text().await?;
        assert!(
            crumbs.contains(&target_name),
            "now below {target_name}: {crumbs}"
        );
        assert_eq!(
            c.find(Locator::Id("count-member")).await?.text().await?,
            "1",
            "its person moved with it"
        );
        logout(&c).await?;
        c.goto(&format!("{url}/me")).await?;
        c.wait().for_element(Locator::Id("login-submit")).await?;
        plans_scenario(&c, &url, &passwords).await?;
        meetings_scenario(&c, &url, &passwords).await?;
        welfare_scenario(&c, &url, &passwords).await?;
        appeals_scenario(&c, &url, &passwords, &work.path().join("server.log")).await?;
        safety_scenario(
            &c,
            &url,
            &passwords,
            &work.path().join("grassroots-demo").join("grassroots.db"),
        )
        .await?;
        growth_scenario(&c, &url, &passwords).await?;
        korean_scenario(&c, &url, &passwords).await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    c.close().await.ok();
    drop(server);
    result.expect("browser scenario");
    std::fs::write(
        concat!(env!("CARGO_TARGET_TMPDIR"), "/browser-tests-ran"),
        "ok",
    )
    .unwrap();
}

/// Asserts that the page fits a 360-px-wide phone (nothing scrolls
/// sideways) and keeps a screenshot named `name` in the target folder.
async fn fits_phone(
    c: &fantoccini::Client,
    what: &str,
    name: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await?;
    assert_eq!(
        overflow,
        serde_json::json!(true),
        "{what} is wider than the phone screen"
    );
    let png = c.screenshot().await?;
    std::fs::write(format!("{}/{name}", env!("CARGO_TARGET_TMPDIR")), png).ok();
    Ok(())
}

/// Clicks what `locator` finds and waits until the browser has left the
/// page (its root element went stale), so nothing is read from the old
/// page while the new one loads.
async fn click_and_load(
    c: &fantoccini::Client,
    locator: Locator<'_>,
) -> Result<(), fantoccini::error::CmdError> {
    let old = c.find(Locator::Css("html")).await?;
    c.find(locator).await?.click().await?;
    for _ in 0..200 {
        match old.tag_name().await {
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(_) => break,
        }
    }
    c.wait().for_element(Locator::Css("body")).await?;
    sections_loaded(c).await
}

/// Waits until htmx has put every part a page loads on arrival (the unit
/// page's sections) in place.
async fn sections_loaded(c: &fantoccini::Client) -> Result<(), fantoccini::error::CmdError> {
    for _ in 0..200 {
        if c.find_all(Locator::Css(".unit-section-slot"))
            .await?
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn login(
    c: &fantoccini::Client,
    url: &str,
    passwords: &std::collections::HashMap<String, String>,
    user: &str,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{url}/login")).await?;
    c.wait().for_element(Locator::Id("username")).await?;
    c.find(Locator::Id("username"))
        .await?
        .send_keys(user)
        .await?;
    c.find(Locator::Id("password"))
        .await?
        .send_keys(&passwords[user])
        .await?;
    click_and_load(c, Locator::Id("login-submit")).await?;
    c.wait().for_element(Locator::Id("logout")).await?;
    Ok(())
}

async fn logout(c: &fantoccini::Client) -> Result<(), fantoccini::error::CmdError> {
    click_and_load(c, Locator::Id("logout")).await?;
    c.wait().for_element(Locator::Id("login-submit")).await?;
    Ok(())
}

/// The centre issues a decision, the Anju factory adopts it with a plan,
/// adds a target and checks in; the provincial secretary's dashboard
/// counts it.
async fn plans_scenario(
    c: &fantoccini::Client,
    url: &str,
    passwords: &std::collections::HashMap<String, String>,
) -> Result<(), fantoccini::error::CmdError> {
    let text = |id: &'static str| async move { c.find(Locator::Id(id)).await?.text().await };
    // The province's dashboard before.
    login(c, url, passwords, "province").await?;
    click_and_load(c, Locator::Css("main a[href^='/units/']")).await?;
    c.wait().for_element(Locator::Id("dashboard-link")).await?;
    click_and_load(c, Locator::Id("dashboard-link")).await?;
    c.wait().for_element(Locator::Id("count-targets")).await?;
    let dashboard = c.current_url().await?;
    let targets_before: i64 = text("count-targets").await?.trim().parse().unwrap();
    assert!(targets_before > 0, "the demo's province has targets");
    assert!(
        text("count-late").await?.trim() != "0",
        "the demo's province has a late target to drill down to"
    );
    let grid = c.find(Locator::Id("status-grid")).await?.text().await?;
    assert!(!grid.is_empty());
    logout(c).await?;

    // The centre issues a decision to every primary committee.
    login(c, url, passwords, "admin").await?;
    click_and_load(c, Locator::Css("main a[href^='/units/']")).await?;
    c.wait()
        .for_element(Locator::Css("#issue-decision summary"))
        .await?;
    c.find(Locator::Css("#issue-decision summary"))
        .await?
        .click()
        .await?;
    c.find(Locator::Id("decision-title"))
        .await?
        .send_keys("On the autumn machine-tool drive")
        .await?;
    c.find(Locator::Css("input[name=levels][value=primary_committee]"))
        .await?
        .click()
        .await?;
    click_and_load(c, Locator::Id("decision-submit")).await?;
    c.wait().for_element(Locator::Id("adoption-total")).await?;
    let decision: i64 = c
        .current_url()
        .await?
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    logout(c).await?;

    // The factory adopts it with a new plan, adds a target and reports.
    login(c, url, passwords, "secretary").await?;
    click_and_load(
        c,
        Locator::LinkText("Anju Machine Factory Primary Committee"),
    )
    .await?;
    let adopt = format!("adopt-{decision}");
    c.wait().for_element(Locator::Id(&adopt)).await?;
    click_and_load(c, Locator::Id(&adopt)).await?;
    c.wait().for_element(Locator::Id("target-title")).await?;
    assert!(c.current_url().await?.path().starts_with("/plans/"));
    c.find(Locator::Id("target-title"))
        .await?
        .send_keys("Extra lathes for the drive")
        .await?;
    c.find(Locator::Id("target-value"))
        .await?
        .send_keys("100")
        .await?;
    c.find(Locator::Id("target-unit"))
        .await?
        .send_keys("lathes")
        .await?;
    click_and_load(c, Locator::Id("target-submit")).await?;
    c.wait()
        .for_element(Locator::LinkText("Extra lathes for the drive"))
        .await?;
    click_and_load(c, Locator::LinkText("Extra lathes for the drive")).await?;
    c.wait().for_element(Locator::Id("checkin-value")).await?;
    assert_eq!(text("target-status").await?, "Not reported");
    c.find(Locator::Id("checkin-value"))
        .await?
        .send_keys("100")
        .await?;
    click_and_load(c, Locator::Id("checkin-submit")).await?;
    c.wait().for_element(Locator::Css(".flash")).await?;
    assert_eq!(text("target-status").await?, "Done");
    logout(c).await?;

    // The province sees one more target.
    login(c, url, passwords, "province").await?;
    c.goto(dashboard.as_str()).await?;
    c.wait().for_element(Locator::Id("count-targets")).await?;
    let targets_after: i64 = text("count-targets").await?.trim().parse().unwrap();
    assert_eq!(targets_after, targets_before + 1);
    let adoption = c
        .find(Locator::Id("adoption-summary"))
        .await?
        .text()
        .await?;
    assert!(
        adoption.contains("On the autumn machine-tool drive"),
        "{adoption}"
    );
    fits_phone(c, "the dashboard", "browser-dashboard.png").await?;
    logout(c).await?;
    Ok(())
}

/// The Anju factory's secretary convenes a committee meeting from a phone,
/// invites the committee, records attendance, sets the agenda, runs the
/// list of speakers, confers a citation, closes the meeting and publishes
/// a bulletin to its cells; a cell's secretary acknowledges it, and the
/// factory sees the receipt.
async fn meetings_scenario(
    c: &fantoccini::Client,
    url: &str,
    passwords: &std::collections::HashMap<String, String>,
) -> Result<(), fantoccini::error::CmdError> {
    login(c, url, passwords, "secretary").await?;
    click_and_load(
        c,
        Locator::LinkText("Anju Machine Factory Primary Committee"),
    )
    .await?;
    c.wait()
        .for_element(Locator::Css("#convene summary"))
        .await?;
    open_details(c, "convene").await?;
    c.find(Locator::Css(
        "#meeting-type option[value='committee_meeting']",
    ))
    .await?
    .click()
    .await?;
    c.find(Locator::Id("meeting-title"))
        .await?
        .send_keys("Committee meeting on the drive")
        .await?;
    // Today in the server's calendar (UTC), typed the way a date picker
    // would set it.
    c.execute(
        "document.getElementById('meeting-held-on').value = new Date().toISOString().slice(0, 10);",
        vec![],
    )
    .await?;
    click_and_load(c, Locator::Id("convene-submit")).await?;
    c.wait()
        .for_element(Locator::Css("#invite summary"))
        .await?;
    let meeting_url = c.current_url().await?;
    assert!(
        meeting_url.path().starts_with("/meetings/"),
        "{meeting_url}"
    );

    // Invite the committee's own people, then mark three present.
    open_details(c, "invite").await?;
    click_and_load(c, Locator::Id("invite-unit-submit")).await?;
    c.wait().for_element(Locator::Id("attendance-form")).await?;
    let selects = c
        .find_all(Locator::Css("#participant-table select"))
        .await?;
    assert!(selects.len() >= 3, "the committee's people are invited");
    let mut ids = Vec::new();
    for sel in &selects {
        ids.push(sel.attr("id").await?.unwrap());
    }
    for id in ids.iter().take(3) {
        c.find(Locator::Css(&format!("#{id} option[value='present']")))
            .await?
            .click()
            .await?;
    }
    click_and_load(c, Locator::Id("attendance-submit")).await?;
    c.wait()
        .for_element(Locator::Id("attendance-summary"))
        .await?;
    let summary = text_of(c, "#attendance-summary").await?;
    assert!(summary.contains('3'), "{summary}");

    // The agenda, a speaker, the speech started and stopped.
    c.find(Locator::Id("item-title"))
        .await?
        .send_keys("Report on the drive")
        .await?;
    c.find(Locator::Id("item-duration"))
        .await?
        .send_keys("30")
        .await?;
    click_and_load(c, Locator::Id("item-submit")).await?;
    c.wait()
        .for_element(Locator::Css("[id^='speaker-submit-']"))
        .await?;
    click_and_load(c, Locator::Css("[id^='speaker-submit-']")).await?;
    c.wait().for_element(Locator::Css("[id^='start-']")).await?;
    click_and_load(c, Locator::Css("[id^='start-']")).await?;
    c.wait().for_element(Locator::Css("[id^='stop-']")).await?;
    click_and_load(c, Locator::Css("[id^='stop-']")).await?;
    c.wait().for_element(Locator::Css("ol.speakers")).await?;
    assert!(
        c.find_all(Locator::Css("[id^='stop-']")).await?.is_empty(),
        "nobody is speaking any more"
    );

    // A citation conferred at the meeting.
    open_details(c, "confer").await?;
    c.find(Locator::Css("#confer-form input[name='person_ids']"))
        .await?
        .click()
        .await?;
    c.find(Locator::Id("commendation-title"))
        .await?
        .send_keys("Citation of the factory committee")
        .await?;
    c.find(Locator::Id("commendation-reason"))
        .await?
        .send_keys("Led the drive's first month")
        .await?;
    click_and_load(c, Locator::Id("confer-submit")).await?;
    c.wait()
        .for_element(Locator::Id("meeting-commendations"))
        .await?;
    let cited = text_of(c, "#meeting-commendations").await?;
    assert!(
        cited.contains("Citation of the factory committee"),
        "{cited}"
    );
    fits_phone(c, "the meeting page", "browser-meeting.png").await?;

    // Closing locks the record; a bulletin goes out to the cells.
    click_and_load(c, Locator::Id("close-submit")).await?;
    c.wait().for_element(Locator::Id("meeting-closed")).await?;
    assert!(c.find_all(Locator::Id("item-submit")).await?.is_empty());
    click_and_load(c, Locator::Id("compose-submit")).await?;
    c.wait().for_element(Locator::Id("publish-submit")).await?;
    let bulletin_url = c.current_url().await?;
    c.find(Locator::Css("input[name='levels'][value='cell']"))
        .await?
        .click()
        .await?;
    click_and_load(c, Locator::Id("publish-submit")).await?;
    c.wait().for_element(Locator::Id("receipts-total")).await?;
    let receipts = text_of(c, "#receipts-total strong").await?;
    assert_eq!(receipts, "0");
    logout(c).await?;

    // A receiving cell acknowledges; the factory sees it.
    login(c, url, passwords, "cell").await?;
    c.goto(bulletin_url.as_str()).await?;
    c.wait()
        .for_element(Locator::Css("[id^='acknowledge-']"))
        .await?;
    click_and_load(c, Locator::Css("[id^='acknowledge-']")).await?;
    c.wait()
        .for_element(Locator::Css("[id^='acknowledged-']"))
        .await?;
    logout(c).await?;
    login(c, url, passwords, "secretary").await?;
    c.goto(bulletin_url.as_str()).await?;
    c.wait().for_element(Locator::Id("receipts-total")).await?;
    assert_eq!(text_of(c, "#receipts-total strong").await?, "1");
    logout(c).await?;
    Ok(())
}

/// A member raises a problem from a phone; the cell secretary, who holds
/// the welfare duty in the cell, acknowledges it, records a care visit
/// and resolves it; the member sees the resolution, the visit and who
/// opened the case.
async fn welfare_scenario(
    c: &fantoccini::Client,
    url: &str,
    passwords: &std::collections::HashMap<String, String>,
) -> Result<(), fantoccini::error::CmdError> {
    let summary = "The stove in the dormitory kitchen is broken";

    // The member raises the problem.
    login(c, url, passwords, "member").await?;
    click_and_load(c, Locator::LinkText("Care")).await?;
    c.wait().for_element(Locator::Id("welfare-summary")).await?;
    assert_eq!(c.current_url().await?.path(), "/welfare");
    c.find(Locator::Css("#welfare-type option[value='housing']"))
        .await?
        .click()
        .await?;
    c.find(Locator::Id("welfare-summary"))
        .await?
        .send_keys(summary)
        .await?;
    c.find(Locator::Id("welfare-details"))
        .await?
        .send_keys("Twelve workers cook on one hot plate since the stove broke.")
        .await?;
    click_and_load(c, Locator::Css("#welfare-raise-form button[type='submit']")).await?;
    c.wait().for_element(Locator::Id("case-status")).await?;
    let case_url = c.current_url().await?;
    assert!(case_url.path().starts_with("/welfare/cases/"), "{case_url}");
    assert_eq!(text_of(c, "h1").await?, summary);
    assert_eq!(
        text_of(c, "#case-status").await?,
        "Raised, not yet acknowledged"
    );
    assert!(
        c.find_all(Locator::Id("case-acknowledge"))
            .await?
            .is_empty(),
        "the person does not handle their own case"
    );
    fits_phone(c, "the case page", "browser-case-raised.png").await?;
    logout(c).await?;

    // The cell secretary finds it among the cases they handle and deals
    // with it.
    login(c, url, passwords, "cell").await?;
    click_and_load(c, Locator::LinkText("Care")).await?;
    c.wait()
        .for_element(Locator::Id("welfare-handled-table"))
        .await?;
    let handled = text_of(c, "#welfare-handled-table").await?;
    assert!(handled.contains(summary), "{handled}");
    click_and_load(
        c,
        Locator::Css(&format!(
            "#welfare-handled-table a[href='{}']",
            case_url.path()
        )),
    )
    .await?;
    c.wait()
        .for_element(Locator::Id("case-acknowledge"))
        .await?;
    assert_eq!(c.current_url().await?.path(), case_url.path());
    click_and_load(c, Locator::Id("case-acknowledge")).await?;
    c.wait().for_element(Locator::Css(".flash")).await?;
    assert_eq!(text_of(c, "#case-status").await?, "Being handled");
    assert!(
        c.find_all(Locator::Id("case-acknowledge"))
            .await?
            .is_empty()
    );

    // A care visit, on the day the form offers (today).
    open_details(c, "case-visit").await?;
    let visit_on = c
        .find(Locator::Id("visit-on"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(
        visit_on.len(),
        10,
        "the visit's day is filled in: {visit_on}"
    );
    c.find(Locator::Id("visit-visitors"))
        .await?
        .send_keys("The cell secretary and the dormitory warden")
        .await?;
    c.find(Locator::Id("visit-asked"))
        .await?
        .send_keys("How many cook in the kitchen")
        .await?;
    c.find(Locator::Id("visit-agreed"))
        .await?
        .send_keys("A new stove from the factory store")
        .await?;
    click_and_load(c, Locator::Id("visit-submit")).await?;
    c.wait().for_element(Locator::Css(".flash")).await?;
    let events = text_of(c, "#case-events").await?;
    assert!(
        events.contains("The cell secretary and the dormitory warden"),
        "{events}"
    );

    // Resolved.
    open_details(c, "case-resolve").await?;
    c.find(Locator::Id("case-resolution-text"))
        .await?
        .send_keys("A new stove was installed in the dormitory kitchen")
        .await?;
    click_and_load(c, Locator::Id("resolve-submit")).await?;
    c.wait().for_element(Locator::Id("case-resolution")).await?;
    assert_eq!(text_of(c, "#case-status").await?, "Resolved");
    logout(c).await?;

    // The member sees it settled, the visit, and who opened the case.
    login(c, url, passwords, "member").await?;
    c.goto(url).await?;
    c.wait().for_element(Locator::Id("home-cases")).await?;
    click_and_load(
        c,
        Locator::Css(&format!("#home-cases a[href='{}']", case_url.path())),
    )
    .await?;
    c.wait().for_element(Locator::Id("case-status")).await?;
    assert_eq!(c.current_url().await?.path(), case_url.path());
    assert_eq!(text_of(c, "#case-status").await?, "Resolved");
    assert_eq!(
        text_of(c, "#case-resolution").await?,
        "A new stove was installed in the dormitory kitchen"
    );
    let events = text_of(c, "#case-events").await?;
    assert!(events.contains("Visit"), "{events}");
    assert!(
        events.contains("The cell secretary and the dormitory warden"),
        "{events}"
    );
    assert!(
        events.contains("A new stove from the factory store"),
        "{events}"
    );
    let reads = c.find_all(Locator::Css("#case-reads-list li")).await?;
    let mut readers = Vec::new();
    for r in &reads {
        readers.push(r.text().await?);
    }
    assert!(
        readers
            .iter()
            .any(|r| r.split_whitespace().next() == Some("cell")),
        "the cell secretary's reads are shown to the member: {readers:?}"
    );
    fits_phone(c, "the resolved case page", "browser-case.png").await?;
    logout(c).await?;
    Ok(())
}

/// The text of the first element matching `css`.
async fn text_of(c: &fantoccini::Client, css: &str) -> Result<String, fantoccini::error::CmdError> {
    c.find(Locator::Css(css)).await?.text().await
}

/// Opens the `<details>` whose id is `id`.
async fn open_details(c: &fantoccini::Client, id: &str) -> Result<(), fantoccini::error::CmdError> {
    c.find(Locator::Css(&format!("#{id} summary")))
        .await?
        .click()
        .await
}

/// A member sends an appeal about their primary committee anonymously
/// from a phone; the province's handler, to whom it went past the
/// committee, writes back; the author reads the answer with the receipt,
/// signed out. The server's log of the submission names neither the
/// member's session nor their browser.
async fn appeals_scenario(
    c: &fantoccini::Client,
    url: &str,
    passwords: &std::collections::HashMap<String, String>,
    server_log: &std::path::Path,
) -> Result<(), fantoccini::error::CmdError> {
    let subject = "Canteen rations handed out by favour";
    login(c, url, passwords, "member").await?;
    let session = c.get_named_cookie("gr_session").await?.value().to_string();
    let agent = c.execute("return navigator.userAgent;", vec![]).await?;
    let agent = agent.as_str().unwrap().to_string();
    click_and_load(c, Locator::Id("home-appeal")).await?;
    c.wait().for_element(Locator::Id("voice-subject")).await?;
    fits_phone(c, "the appeal form", "browser-appeal-form.png").await?;
    // It concerns the primary committee: the second unit of the path.
    c.find(Locator::Css("#voice-concerns-unit option:nth-child(3)"))
        .await?
        .click()
        .await?;
    c.find(Locator::Id("voice-subject"))
        .await?
        .send_keys(subject)
        .await?;
    c.find(Locator::Id("voice-body"))
        .await?
        .send_keys("Extra rations go to the households of the committee's friends.")
        .await?;
    let log_before = std::fs::metadata(server_log).map(|m| m.len()).unwrap_or(0);
    click_and_load(c, Locator::Id("voice-send-anonymous")).await?;
    c.wait().for_element(Locator::Id("receipt-code")).await?;
    let receipt = text_of(c, "#receipt-code").await?;
    assert_eq!(receipt.len(), 19, "{receipt}");
    assert!(
        text_of(c, "#receipt-routed-to")
            .await?
            .contains("Provincial")
    );
    fits_phone(c, "the receipt", "browser-appeal-receipt.png").await?;
    let log = std::fs::read(server_log).unwrap_or_default();
    let written = String::from_utf8_lossy(&log[log_before as usize..]).to_string();
    assert!(!written.is_empty(), "the server logs at debug level");
    for secret in [session.as_str(), agent.as_str(), "127.0.0.1"] {
        assert!(
            !written.contains(secret),
            "the log of the submission keeps {secret:?}: {written}"
        );
    }
    // The receipt page knows no one (no menu); the session still stands.
    c.goto(url).await?;
    c.wait().for_element(Locator::Id("logout")).await?;
    logout(c).await?;

    // The province's handler finds it and writes back.
    login(c, url, passwords, "province").await?;
    c.goto(&format!("{url}/appeals")).await?;
    c.wait()
        .for_element(Locator::Id("appeals-inbox-table"))
        .await?;
    click_and_load(c, Locator::LinkText(subject)).await?;
    c.wait().for_element(Locator::Id("appeal-text")).await?;
    assert!(text_of(c, "#appeal-from").await?.contains("anonymous"));
    click_and_load(c, Locator::Id("appeal-acknowledge")).await?;
    c.wait().for_element(Locator::Id("appeal-text")).await?;
    c.find(Locator::Id("appeal-text"))
        .await?
        .send_keys("Which canteen, and since when?")
        .await?;
    click_and_load(c, Locator::Id("appeal-reply")).await?;
    c.wait().for_element(Locator::Id("appeal-entries")).await?;
    assert!(
        text_of(c, "#appeal-entries")
            .await?
            .contains("Which canteen")
    );
    logout(c).await?;

    // Signed out, the author opens it with the receipt and answers.
    c.goto(&format!("{url}/voice/follow")).await?;
    c.wait().for_element(Locator::Id("follow-receipt")).await?;
    c.find(Locator::Id("follow-receipt"))
        .await?
        .send_keys(&receipt)
        .await?;
    click_and_load(c, Locator::Id("follow-open")).await?;
    c.wait().for_element(Locator::Id("author-entries")).await?;
    let entries = text_of(c, "#author-entries").await?;
    assert!(
        entries.contains("Which canteen, and since when?"),
        "{entries}"
    );
    assert!(
        !entries.contains("province"),
        "handlers are not named: {entries}"
    );
    assert_eq!(
        c.current_url().await?.path(),
        "/voice/follow",
        "the receipt never appears in an address"
    );
    c.find(Locator::Id("author-text"))
        .await?
        .send_keys("The workshop 2 canteen, since March.")
        .await?;
    click_and_load(c, Locator::Id("author-send")).await?;
    c.wait().for_element(Locator::Id("author-entries")).await?;
    assert!(text_of(c, "#author-entries").await?.contains("since March"));
    fits_phone(c, "the follow-up", "browser-appeal-follow.png").await?;
    Ok(())
}

/// The cell secretary inspects the workshop from a phone: a flagged answer
/// raises its corrective action, the inspection completes with its score;
/// the primary committee sees its subtree's actions, among them the late
/// one escalated to it.
async fn safety_scenario(
    c: &fantoccini::Client,
    url: &str,
    passwords: &std::collections::HashMap<String, String>,
    db: &std::path::Path,
) -> Result<(), fantoccini::error::CmdError> {
    const RAISED: &str = "Clear exit 1 and mark the no-stacking zone";
    login(c, url, passwords, "cell").await?;
    click_and_load(c, Locator::LinkText("Workshop 1 Cell")).await?;
    c.wait().for_element(Locator::Id("safety-start")).await?;
    click_and_load(c, Locator::Id("safety-start")).await?;
    c.wait()
        .for_element(Locator::Id("inspection-complete"))
        .await?;
    fits_phone(c, "the inspection form", "browser-inspection.png").await?;
    for radio in c
        .find_all(Locator::Css(
            "#inspection-form input[type=radio][value='yes']",
        ))
        .await?
    {
        radio.click().await?;
    }
    for radio in c
        .find_all(Locator::Css(
            "#inspection-form input[type=radio][value='4']",
        ))
        .await?
    {
        radio.click().await?;
    }
    for number in c
        .find_all(Locator::Css("#inspection-form input[type=number]"))
        .await?
    {
        number.send_keys("2").await?;
    }
    // The first question (walkways and exits) is flagged.
    c.find(Locator::Css(
        "#inspection-form input[type=radio][value='no']",
    ))
    .await?
    .click()
    .await?;
    c.find(Locator::Css("#inspection-form input[name^='n']"))
        .await?
        .send_keys("Pallets stacked in front of exit 1")
        .await?;
    c.find(Locator::Css("#inspection-form input[name^='t']"))
        .await?
        .send_keys(RAISED)
        .await?;
    c.execute(
        "document.querySelector(\"#inspection-form input[type=date]\").value = arguments[0];",
        vec![serde_json::json!(
            (chrono::Utc::now().date_naive() + chrono::Duration::days(3)).to_string()
        )],
    )
    .await?;
    click_and_load(c, Locator::Id("inspection-complete")).await?;
    c.wait()
        .for_element(Locator::Id("inspection-score"))
        .await?;
    assert_eq!(text_of(c, "#inspection-flagged").await?, "1");
    fits_phone(c, "the inspection's result", "browser-inspection-done.png").await?;
    click_and_load(c, Locator::LinkText("Safety")).await?;
    c.wait().for_element(Locator::Id("safety-counts")).await?;
    sections_loaded(c).await?;
    let section = text_of(c, "section[aria-labelledby=safety]").await?;
    assert!(section.contains(RAISED), "{section}");
    logout(c).await?;

    // The primary committee sees the subtree's open and late actions.
    login(c, url, passwords, "secretary").await?;
    click_and_load(
        c,
        Locator::LinkText("Anju Machine Factory Primary Committee"),
    )
    .await?;
    c.wait()
        .for_element(Locator::Id("safety-actions-overdue"))
        .await?;
    let overdue: i64 = text_of(c, "#safety-actions-overdue")
        .await?
        .parse()
        .unwrap();
    assert!(overdue >= 1, "the late action counts above");
    let section = text_of(c, "section[aria-labelledby=safety]").await?;
    assert!(
        section.contains("Replace the frayed crane hook sling"),
        "the late action escalated to the committee: {section}"
    );
    // The server's clock cannot move, so the days pass for the action in
    // its database instead: its due day four days back, the deadlines job
    // due now. The server's job escalates it to the primary committee.
    {
        let pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(db)
                .busy_timeout(std::time::Duration::from_secs(10)),
        )
        .await
        .expect("the demo's database");
        let past = (chrono::Utc::now().date_naive() - chrono::Duration::days(4)).to_string();
        sqlx::query(
            "UPDATE corrective_actions SET due_on = $1, next_deadline = $1 WHERE title = $2",
        )
        .bind(&past)
        .bind(RAISED)
        .execute(&pool)
        .await
        .expect("the raised action");
        sqlx::query("UPDATE jobs SET due_at = $1 WHERE name = 'safety.deadlines'")
            .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
            .execute(&pool)
            .await
            .expect("the deadlines job");
        pool.close().await;
    }
    // The action raised on the phone, now late, reaches the committee
    // when the job has run (every fifteen seconds the server looks).
    let primary_page = c.current_url().await?;
    let mut seen = String::new();
    // The server looks every 15 s; the job's own period is a minute.
    for _ in 0..100 {
        c.goto(primary_page.as_str()).await?;
        c.wait()
            .for_element(Locator::Id("safety-actions-overdue"))
            .await?;
        seen = text_of(c, "section[aria-labelledby=safety]").await?;
        if seen.contains(RAISED) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    let late = c
        .find(Locator::XPath(&format!(
            "//li[contains(@class, 'late')][contains(., '{RAISED}')]"
        )))
        .await;
    assert!(
        late.is_ok(),
        "the raised action, late, at the committee: {seen}"
    );
    let overdue_now: i64 = text_of(c, "#safety-actions-overdue")
        .await?
        .parse()
        .unwrap();
    assert_eq!(overdue_now, overdue + 1, "and counted late above");
    c.execute(
        "document.querySelector('li.late').scrollIntoView();",
        vec![],
    )
    .await?;
    fits_phone(c, "the committee's late actions", "browser-safety-late.png").await?;
    // Its safety dashboard: the month's workplace inspection and the
    // cells' quarterly self-assessments, due and done.
    c.goto(&format!(
        "{}/safety",
        primary_page.as_str().trim_end_matches('/')
    ))
    .await?;
    c.wait().for_element(Locator::Id("dash-schedules")).await?;
    let due: i64 = text_of(c, "#dash-due").await?.parse().unwrap();
    assert!(due >= 7, "the committee and its six cells are asked: {due}");
    fits_phone(c, "the safety dashboard", "browser-safety-dashboard.png").await?;
    logout(c).await?;
    Ok(())
}

/// On a phone, the member opens their study task from home, fails the
/// quiz once and passes it; the cell's secretary sees it done among the
/// cell's people, then opens the experience the cell's page suggests for
/// its lagging targets and records that the cell applied it.
async fn growth_scenario(
    c: &fantoccini::Client,
    url: &str,
    passwords: &std::collections::HashMap<String, String>,
) -> Result<(), fantoccini::error::CmdError> {
    let task = "Safety rules in our machine shops";
    login(c, url, passwords, "member").await?;
    c.wait().for_element(Locator::Id("home-study-list")).await?;
    let member_name = text_of(c, "#home-greeting").await?;
    let list = text_of(c, "#home-study-list").await?;
    assert!(
        list.contains(task) && list.contains("not done yet"),
        "{list}"
    );
    click_and_load(c, Locator::LinkText(task)).await?;
    c.wait().for_element(Locator::Id("study-submit")).await?;
    assert_eq!(text_of(c, "h1").await?, task);
    // A wrong answer first: the quiz says so and nothing is recorded.
    for (q, option) in [(0, 0), (1, 0)] {
        c.find(Locator::Css(&format!(
            "input[name='q{q}'][value='{option}']"
        )))
        .await?
        .click()
        .await?;
    }
    click_and_load(c, Locator::Id("study-submit")).await?;
    c.wait().for_element(Locator::Id("study-failed")).await?;
    let failed = text_of(c, "#study-failed").await?;
    assert!(
        failed.contains("50%") && failed.contains("100%"),
        "{failed}"
    );
    for (q, option) in [(0, 1), (1, 0)] {
        c.find(Locator::Css(&format!(
            "input[name='q{q}'][value='{option}']"
        )))
        .await?
        .click()
        .await?;
    }
    click_and_load(c, Locator::Id("study-submit")).await?;
    c.wait().for_element(Locator::Css(".flash")).await?;
    let status = text_of(c, "#study-status").await?;
    assert!(
        status.contains("completed") && status.contains("100%"),
        "{status}"
    );
    fits_phone(c, "the study page", "browser-study-done.png").await?;
    logout(c).await?;

    // The cell's secretary: the member is done; the page suggests the
    // model unit's experience for the cell's lagging targets.
    login(c, url, passwords, "cell").await?;
    click_and_load(c, Locator::Css("ul.units a")).await?;
    let cell_url = c.current_url().await?;
    let cell_name = text_of(c, "h1").await?;
    c.goto(&format!(
        "{}/study",
        cell_url.as_str().trim_end_matches('/')
    ))
    .await?;
    c.wait().for_element(Locator::Css(".study-roster")).await?;
    let mut roster = String::new();
    for section in c.find_all(Locator::Css(".study-assignment")).await? {
        let text = section.text().await?;
        if text.contains(task) {
            roster = text;
        }
    }
    let name = member_name
        .trim_start_matches("Welcome, ")
        .split(" · ")
        .next()
        .unwrap_or_default();
    let line = roster
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_default();
    assert!(
        line.ends_with("completed"),
        "{line:?} in {roster} ({member_name})"
    );
    fits_phone(c, "the cell's study page", "browser-study-cell.png").await?;
    c.goto(cell_url.as_str()).await?;
    sections_loaded(c).await?;
    c.wait()
        .for_element(Locator::Css(
            "#experience-suggestions a.suggested-experience",
        ))
        .await?;
    let suggested = text_of(c, "#experience-suggestions a.suggested-experience").await?;
    click_and_load(
        c,
        Locator::Css("#experience-suggestions a.suggested-experience"),
    )
    .await?;
    c.wait().for_element(Locator::Id("apply-submit")).await?;
    assert_eq!(text_of(c, "h1").await?, suggested);
    c.find(Locator::Id("apply-note"))
        .await?
        .send_keys("Weekly ten-minute target review from Monday")
        .await?;
    click_and_load(c, Locator::Id("apply-submit")).await?;
    c.wait().for_element(Locator::Css(".flash")).await?;
    let applied = text_of(c, "#applications").await?;
    assert!(
        applied.contains(&cell_name) && applied.contains("ten-minute"),
        "{applied}"
    );
    fits_phone(c, "the experience page", "browser-experience-applied.png").await?;
    logout(c).await?;
    Ok(())
}

/// Chooses `locale` (empty: none) on the signed-in account's own page.
async fn choose_language(
    c: &fantoccini::Client,
    url: &str,
    locale: &str,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{url}/me")).await?;
    c.wait().for_element(Locator::Id("locale")).await?;
    c.find(Locator::Css(&format!("#locale option[value='{locale}']")))
        .await?
        .click()
        .await?;
    click_and_load(c, Locator::Css("form[action='/me/locale'] button")).await?;
    c.wait().for_element(Locator::Css(".flash")).await?;
    Ok(())
}

/// The language of the page shown.
async fn page_language(c: &fantoccini::Client) -> Result<String, fantoccini::error::CmdError> {
    Ok(c.execute("return document.documentElement.lang;", vec![])
        .await?
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// The member chooses Korean on their own page: their home, their own
/// page and their study task then speak Korean on a 360-px-wide phone,
/// whatever the browser asks (English); so does the unit page of the
/// cell secretary who chose it too. Back to no choice, the browser's
/// English returns.
async fn korean_scenario(
    c: &fantoccini::Client,
    url: &str,
    passwords: &std::collections::HashMap<String, String>,
) -> Result<(), fantoccini::error::CmdError> {
    login(c, url, passwords, "member").await?;
    choose_language(c, url, "ko").await?;
    assert_eq!(page_language(c).await?, "ko");
    assert_eq!(text_of(c, ".flash").await?, "언어를 바꿨어요.");
    assert_eq!(text_of(c, "h1").await?, "내 기록");
    fits_phone(c, "the own page in Korean", "browser-ko-me.png").await?;
    c.goto(url).await?;
    c.wait().for_element(Locator::Id("home-greeting")).await?;
    let greeting = text_of(c, "#home-greeting").await?;
    assert!(greeting.contains("님, 환영해요"), "{greeting}");
    let nav = text_of(c, "nav[aria-label='주 메뉴']").await?;
    assert!(nav.contains("내 기록") && nav.contains("로그아웃"), "{nav}");
    fits_phone(c, "the member's home in Korean", "browser-ko-home.png").await?;
    click_and_load(c, Locator::Css("#home-study-list a")).await?;
    assert_eq!(page_language(c).await?, "ko");
    let main = text_of(c, "main").await?;
    assert!(
        main.contains("기한"),
        "the task's due day in Korean: {main}"
    );
    fits_phone(c, "a study task in Korean", "browser-ko-study.png").await?;
    choose_language(c, url, "").await?;
    assert_eq!(page_language(c).await?, "en");
    logout(c).await?;
    // The cell secretary's unit page.
    login(c, url, passwords, "cell").await?;
    choose_language(c, url, "ko").await?;
    c.goto(url).await?;
    c.wait()
        .for_element(Locator::Css("main a[href^='/units/']"))
        .await?;
    click_and_load(c, Locator::Css("main a[href^='/units/']")).await?;
    assert_eq!(page_language(c).await?, "ko");
    let main = text_of(c, "main").await?;
    assert!(main.contains("세포"), "the level's Korean name: {main}");
    fits_phone(c, "the unit page in Korean", "browser-ko-unit.png").await?;
    choose_language(c, url, "").await?;
    logout(c).await?;
    Ok(())
}
