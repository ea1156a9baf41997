//! The demo organization: a deterministic tree shaped like a party's —
//! a central committee with departments, primary committees of ministries
//! and national institutions, provinces, cities and counties, primary
//! committees of villages, coal mines, research institutes and factories,
//! and their cells — with generated people (not real persons), positions
//! with some vacancies, and skills. Written through the store's own
//! functions (people in batches, as an import does), one transaction per
//! primary committee.

pub mod appeals;
mod growth;
mod meetings;
mod safety;
mod supply;
mod welfare;

use chrono::NaiveDate;
use grassroots_core::progress::Measure;
use grassroots_core::vocab::Locale;
use grassroots_core::{Assignment, Edit, Manage, Role, ScopeKind, UnitId};
use grassroots_store::people::NewPerson;
use grassroots_store::{audit, people, positions, skills, units};
use serde_json::json;

use self::meetings::{SampleCell, Venues};
use crate::setup::{DemoLogin, InitInput, demo_password, init, root_unit};
use crate::{Actor, App, AppError, AppResult};

/// How big a demo organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// Provincial committees.
    pub provinces: usize,
    /// City and county committees per province.
    pub counties: usize,
    /// Primary committees per city or county.
    pub primaries: usize,
    /// Cells per primary committee: at least this many…
    pub cells_min: usize,
    /// …and at most this many.
    pub cells_max: usize,
    /// People per cell: at least this many…
    pub people_min: usize,
    /// …and at most this many.
    pub people_max: usize,
}

impl Scale {
    /// Scale `n` (1 = a few thousand people; each step adds provinces,
    /// counties and primary committees).
    pub fn of(n: usize) -> Scale {
        let n = n.max(1);
        Scale {
            provinces: (2 + n).min(12),
            counties: 2 + n,
            primaries: 3 + n,
            cells_min: 3,
            cells_max: 6,
            people_min: 8,
            people_max: 20,
        }
    }

    /// The national organization of the benchmarks: 12 provinces, ~200
    /// cities and counties, ~30,000 primary committees, ~270,000 cells,
    /// ~6.5 million people.
    pub fn national() -> Scale {
        Scale {
            provinces: 12,
            counties: 17,
            primaries: 147,
            cells_min: 5,
            cells_max: 13,
            people_min: 14,
            people_max: 34,
        }
    }

    /// Parses `national` or a number.
    pub fn parse(raw: &str) -> Option<Scale> {
        match raw.trim() {
            "national" => Some(Scale::national()),
            n => n.parse().ok().filter(|n| *n >= 1).map(Scale::of),
        }
    }
}

/// Primary committees above which the demo is a national organization:
/// its study is then assigned by the anchor province, not the centre.
const NATIONAL_PRIMARIES: usize = 5_000;

/// A small deterministic generator (the demo must be the same each run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

const SURNAMES: &[(&str, &str)] = &[
    ("Kim", "김"),
    ("Ri", "리"),
    ("Pak", "박"),
    ("Choe", "최"),
    ("Jong", "정"),
    ("Kang", "강"),
    ("Jo", "조"),
    ("Yun", "윤"),
    ("Jang", "장"),
    ("Han", "한"),
    ("Rim", "림"),
    ("O", "오"),
    ("So", "소"),
    ("Sin", "신"),
    ("Hwang", "황"),
    ("Ryu", "류"),
    ("Mun", "문"),
    ("Jon", "전"),
    ("Hong", "홍"),
    ("Ko", "고"),
];

const GIVEN: &[(&str, &str)] = &[
    ("Chol", "철"),
    ("Myong", "명"),
    ("Song", "성"),
    ("Hui", "희"),
    ("Yong", "영"),
    ("Su", "수"),
    ("Kum", "금"),
    ("Ok", "옥"),
    ("Un", "은"),
    ("Il", "일"),
    ("Nam", "남"),
    ("Hyok", "혁"),
    ("Jin", "진"),
    ("Ae", "애"),
    ("Gwang", "광"),
    ("Hyon", "현"),
    ("Mi", "미"),
    ("Sun", "순"),
    ("Ryong", "룡"),
    ("Hwa", "화"),
    ("Gyong", "경"),
    ("Chun", "춘"),
    ("Ho", "호"),
    ("Ran", "란"),
];

/// A generated name; every sixth is written in Hangul.
fn person_name(rng: &mut Lcg) -> String {
    let s = SURNAMES[rng.below(SURNAMES.len())];
    let a = GIVEN[rng.below(GIVEN.len())];
    let b = GIVEN[rng.below(GIVEN.len())];
    // The draw is made in either language, so that both demos have the
    // same shape (the same seats vacant).
    if rng.chance(6) || in_korean() {
        format!("{}{}{}", s.1, a.1, b.1)
    } else {
        format!("{} {} {}", s.0, a.0, b.0.to_lowercase())
    }
}

/// Provinces, in English and Korean.
const PROVINCES: &[(&str, &str)] = &[
    ("South Phyongan", "평안남도"),
    ("North Hamgyong", "함경북도"),
    ("Ryanggang", "량강도"),
    ("North Phyongan", "평안북도"),
    ("South Hamgyong", "함경남도"),
    ("Jagang", "자강도"),
    ("South Hwanghae", "황해남도"),
    ("North Hwanghae", "황해북도"),
    ("Kangwon", "강원도"),
    ("South Phyongan West", "평안남도 서부"),
    ("North Hamgyong South", "함경북도 남부"),
    ("Rason", "라선시"),
];

/// Cities and counties, in English and Korean.
const PLACES: &[(&str, &str)] = &[
    ("Anju", "안주"),
    ("Mundok", "문덕"),
    ("Sukchon", "숙천"),
    ("Kaechon", "개천"),
    ("Sunchon", "순천"),
    ("Kimchaek", "김책"),
    ("Hoeryong", "회령"),
    ("Musan", "무산"),
    ("Hyesan", "혜산"),
    ("Samjiyon", "삼지연"),
    ("Pochon", "보천"),
    ("Kapsan", "갑산"),
    ("Kanggye", "강계"),
    ("Huichon", "희천"),
    ("Kusong", "구성"),
    ("Haeju", "해주"),
    ("Ongjin", "옹진"),
    ("Munchon", "문천"),
    ("Tanchon", "단천"),
    ("Sariwon", "사리원"),
    ("Songrim", "송림"),
    ("Unsan", "운산"),
    ("Yonsan", "연산"),
    ("Taehung", "대흥"),
    ("Jangjin", "장진"),
    ("Pukchang", "북창"),
    ("Tokchon", "덕천"),
    ("Yangdok", "양덕"),
    ("Maengsan", "맹산"),
    ("Onchon", "온천"),
];

/// A kind of primary committee and the word for its cells.
type KindNames = (&'static str, &'static str);

/// The kinds of primary committee the source document names, with the
/// name of their cells: (kind, cell word) in English, then in Korean.
const KINDS: &[(KindNames, KindNames)] = &[
    (("Machine Factory", "Workshop"), ("기계공장", "직장")),
    (("Youth Coal Mine", "Pit"), ("청년탄광", "갱")),
    (("Cooperative Farm", "Work Team"), ("협동농장", "작업반")),
    (("Research Institute", "Laboratory"), ("연구소", "연구실")),
];

/// The pair of the demo's language.
fn pick<'a>(pair: (&'a str, &'a str)) -> &'a str {
    if in_korean() { pair.1 } else { pair.0 }
}

/// The name of cell `n` of a primary committee whose cells are `word`s.
fn cell_name(word: &str, n: usize) -> String {
    if in_korean() {
        format!("{word} {n}세포")
    } else {
        format!("{word} {n} Cell")
    }
}

/// Skills: (English name, Korean name, category).
const SKILLS: &[(&str, &str, &str)] = &[
    ("Machine tool operation", "공작기계 조작", "engineering"),
    ("Automation and control", "자동화와 조종", "engineering"),
    ("Electrical installation", "전기 설비", "engineering"),
    ("Welding", "용접", "metalwork"),
    ("Mine surveying", "광산 측량", "mining"),
    ("Coal cutting", "채탄", "mining"),
    ("Mine safety", "광산 안전", "safety"),
    ("Crop cultivation", "작물 재배", "agronomy"),
    ("Irrigation", "관개", "agronomy"),
    ("Laboratory analysis", "실험 분석", "science"),
    ("Software development", "프로그람 개발", "science"),
    ("First aid", "응급 처치", "health"),
];

/// What the generator made.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// Units, including the root.
    pub units: usize,
    /// People.
    pub people: usize,
    /// Positions filled.
    pub positions: usize,
    /// Plan targets.
    pub targets: usize,
    /// Meetings.
    pub meetings: usize,
    /// Welfare cases.
    pub welfare_cases: usize,
    /// Appeals and suggestions.
    pub appeals: usize,
    /// Safety records: hazards, incidents, actions and inspections.
    pub safety: usize,
    /// Study assignments and completions, experiences and applications.
    pub growth: usize,
}

struct Builder<'a> {
    app: &'a App,
    actor: Actor,
    rng: Lcg,
    skill_ids: Vec<i64>,
    type_ids: std::collections::HashMap<String, i64>,
    next_person: usize,
    /// Committees and primary committees made so far: their register
    /// codes (`R000001`, …) count them. Cells carry none, as in a
    /// register that lists committees only.
    next_register_code: usize,
    /// People made but not yet written; their place here is how the
    /// skills and appointments below refer to them until they have ids.
    people: Vec<PendingPerson>,
    /// Skills not yet written: (person's place, skill, level, until).
    skills: Vec<(usize, i64, i32, Option<String>)>,
    /// Appointments not yet written: (unit, position type, person's
    /// place, from).
    appointments: Vec<(UnitId, i64, usize, String)>,
    made: Generated,
    /// Units and targets made when the planner's statistics were last
    /// brought up to date.
    analyzed_at: (usize, usize),
    progress: &'a (dyn Fn(&Generated) + Send + Sync),
}

/// A person of the demo before it is written.
struct PendingPerson {
    unit: UnitId,
    name: String,
    status: &'static str,
    joined: String,
    external_id: String,
}

/// People made in one unit: (person id, name) in the order given.
type Made = Vec<(i64, String)>;

/// A primary committee as made: its id, its staff, its cells with their
/// people.
type Primary = (UnitId, Made, Vec<(UnitId, Made)>);

impl Builder<'_> {
    fn date(&mut self, from_year: usize, to_year: usize) -> String {
        format!(
            "{}-{:02}-{:02}",
            self.rng.between(from_year, to_year),
            self.rng.between(1, 12),
            self.rng.between(1, 28)
        )
    }

    fn status(&mut self) -> &'static str {
        match self.rng.below(100) {
            0..=67 => "member",
            68..=75 => "candidate",
            76..=79 => "applicant",
            80..=96 => "employee",
            _ => "left",
        }
    }

    /// Makes people for units, `(unit, count)`, with some talents; the
    /// first three of each unit are members (staff who will hold
    /// positions). Returns their places, per unit; written by
    /// [`Builder::flush`].
    fn people(&mut self, wanted: &[(UnitId, usize)]) -> Vec<Vec<usize>> {
        let first = self.people.len();
        let mut out = Vec::new();
        for (unit, n) in wanted {
            let mut places = Vec::with_capacity(*n);
            for i in 0..*n {
                self.next_person += 1;
                let status = if i < 3 { "member" } else { self.status() };
                let joined = self.date(1975, 2026);
                places.push(self.people.len());
                self.people.push(PendingPerson {
                    unit: *unit,
                    name: person_name(&mut self.rng),
                    status,
                    joined,
                    external_id: format!("D{:07}", self.next_person),
                });
            }
            out.push(places);
        }
        // Some talents, with certifications of every state.
        for place in first..self.people.len() {
            if self.rng.chance(4) {
                let skill = self.skill_ids[self.rng.below(self.skill_ids.len())];
                let until = match self.rng.below(4) {
                    0 => Some(self.date(2024, 2025)),
                    1 => Some("2026-12-20".to_string()),
                    2 => Some(self.date(2027, 2030)),
                    _ => None,
                };
                let level = self.rng.between(1, 5) as i32;
                self.skills.push((place, skill, level, until));
            }
        }
        out
    }

    /// Appoints the person at `place` to `key` in `unit` (unless this
    /// seat is left vacant, one time in `vacant_one_in`); written by
    /// [`Builder::flush`].
    fn appoint(&mut self, unit: UnitId, key: &str, place: usize, vacant_one_in: usize) {
        if vacant_one_in > 0 && self.rng.chance(vacant_one_in) {
            return;
        }
        // A few recent appointments, most long-serving.
        let started = if self.rng.chance(5) {
            self.date(2026, 2026)
        } else {
            self.date(2005, 2024)
        };
        self.appointments
            .push((unit, self.type_ids[key], place, started));
    }

    /// Writes the people, skills and appointments made since the last
    /// call, each kind in one batch; returns the people's ids by place.
    async fn flush(&mut self, tx: &mut grassroots_store::Tx) -> AppResult<Vec<i64>> {
        let now = self.app.clock.now();
        let made = std::mem::take(&mut self.people);
        let new: Vec<NewPerson<'_>> = made
            .iter()
            .map(|p| NewPerson {
                unit_id: p.unit,
                full_name: &p.name,
                contact: "",
                status: p.status,
                joined_on: Some(&p.joined),
                external_id: Some(&p.external_id),
            })
            .collect();
        let edit = self.actor.principal.scope::<Edit>();
        let ids = people::insert_batch(tx, &edit, &new, "demo", now, |_| {}).await?;
        self.made.people += ids.len();
        let talents = std::mem::take(&mut self.skills);
        let talents: Vec<skills::NewPersonSkill<'_>> = talents
            .iter()
            .map(|(place, skill_id, level, until)| skills::NewPersonSkill {
                person_id: ids[*place],
                skill_id: *skill_id,
                level: *level,
                certified_until: until.as_deref(),
            })
            .collect();
        skills::add_many(tx, &edit, &talents).await?;
        let pending = std::mem::take(&mut self.appointments);
        let rows: Vec<positions::NewPosition<'_>> = pending
            .iter()
            .map(
                |(unit_id, position_type_id, place, started_on)| positions::NewPosition {
                    unit_id: *unit_id,
                    position_type_id: *position_type_id,
                    person_id: ids[*place],
                    started_on,
                },
            )
            .collect();
        let manage = self.actor.principal.scope::<Manage>();
        positions::assign_many(tx, &manage, &rows, now).await?;
        self.made.positions += rows.len();
        Ok(ids)
    }

    /// The people at `places` as (id, name), once written.
    fn resolve(&self, ids: &[i64], names: &[String], places: &[usize]) -> Made {
        places
            .iter()
            .map(|p| (ids[*p], names[*p].clone()))
            .collect()
    }

    /// Names of the pending people, by place (kept before a flush).
    fn pending_names(&self) -> Vec<String> {
        self.people.iter().map(|p| p.name.clone()).collect()
    }

    /// Brings PostgreSQL's planner statistics up to date whenever the
    /// tables have doubled since the last time: the bulk statements join
    /// the growing closure and counter tables, and planned on the sizes of
    /// an empty database they scan them whole (autovacuum may be off, and
    /// it lags a load anyway). Nothing on SQLite.
    async fn keep_statistics(&mut self) -> AppResult<()> {
        let (units, targets) = self.analyzed_at;
        let grown = |now: usize, then: usize| now >= 1_000 && now >= 2 * then.max(1);
        if grown(self.made.units, units) {
            self.app.db.analyze(STRUCTURE_TABLES).await?;
            self.analyzed_at.0 = self.made.units;
        }
        if grown(self.made.targets, targets) {
            self.app.db.analyze(PLAN_TABLES).await?;
            self.analyzed_at.1 = self.made.targets;
        }
        Ok(())
    }

    /// A committee body (province, city, county) with its staff and
    /// secretary.
    /// The next register code of a committee.
    fn register_code(&mut self) -> String {
        self.next_register_code += 1;
        format!("R{:06}", self.next_register_code)
    }

    async fn body(&mut self, parent: UnitId, name: &str, level: &str) -> AppResult<(UnitId, Made)> {
        let mut tx = self.app.db.begin().await?;
        let scope = self.actor.principal.scope::<Manage>();
        let code = self.register_code();
        let id = units::create_many(
            &mut tx,
            &scope,
            &[units::NewChild {
                parent_id: parent,
                name,
                level,
                external_id: Some(&code),
            }],
            self.app.clock.now(),
        )
        .await?[0];
        self.made.units += 1;
        let staff = self.people(&[(id, 4)]).remove(0);
        self.appoint(id, "secretary", staff[0], 0);
        self.appoint(id, "vice_secretary", staff[1], 0);
        let names = self.pending_names();
        let ids = self.flush(&mut tx).await?;
        tx.commit().await?;
        Ok((id, self.resolve(&ids, &names, &staff)))
    }

    /// The primary committees of one city or county, `(name, word for
    /// its cells)`, with their cells, people and positions, in one
    /// transaction.
    async fn primaries(
        &mut self,
        parent: UnitId,
        wanted: &[(String, &str)],
        scale: &Scale,
    ) -> AppResult<Vec<Primary>> {
        let mut tx = self.app.db.begin().await?;
        let scope = self.actor.principal.scope::<Manage>();
        let now = self.app.clock.now();
        let codes: Vec<String> = wanted.iter().map(|_| self.register_code()).collect();
        let new: Vec<units::NewChild<'_>> = wanted
            .iter()
            .zip(&codes)
            .map(|((name, _), code)| units::NewChild {
                parent_id: parent,
                name,
                level: "primary_committee",
                external_id: Some(code),
            })
            .collect();
        let ids = units::create_many(&mut tx, &scope, &new, now).await?;
        let cell_names: Vec<Vec<String>> = wanted
            .iter()
            .map(|(_, word)| {
                let cells = self.rng.between(scale.cells_min, scale.cells_max);
                (1..=cells).map(|i| cell_name(word, i)).collect()
            })
            .collect();
        let new: Vec<units::NewChild<'_>> = ids
            .iter()
            .zip(&cell_names)
            .flat_map(|(id, names)| {
                names.iter().map(|name| units::NewChild {
                    parent_id: *id,
                    name,
                    level: "cell",
                    external_id: None,
                })
            })
            .collect();
        let all_cells = units::create_many(&mut tx, &scope, &new, now).await?;
        self.made.units += ids.len() + all_cells.len();
        let mut cells_of: Vec<Vec<UnitId>> = Vec::new();
        let mut at = 0;
        for names in &cell_names {
            cells_of.push(all_cells[at..at + names.len()].to_vec());
            at += names.len();
        }
        let mut placed: Vec<(Vec<usize>, Vec<Vec<usize>>)> = Vec::new();
        for (id, cells) in ids.iter().zip(&cells_of) {
            let mut wanted = vec![(*id, 5)];
            for c in cells {
                wanted.push((*c, self.rng.between(scale.people_min, scale.people_max)));
            }
            let mut made = self.people(&wanted);
            let staff = made.remove(0);
            // The lead trio (some seats vacant), a vice-secretary and a
            // committee drawn from the cells.
            self.appoint(*id, "secretary", staff[0], 12);
            self.appoint(*id, "administrative_head", staff[1], 8);
            self.appoint(*id, "technical_head", staff[2], 5);
            self.appoint(*id, "vice_secretary", staff[3], 0);
            for people in made.iter().take(3) {
                self.appoint(*id, "committee_member", people[1], 0);
            }
            for (cell, people) in cells.iter().zip(&made) {
                self.appoint(*cell, "cell_secretary", people[0], 10);
            }
            placed.push((staff, made));
        }
        let names = self.pending_names();
        let people_ids = self.flush(&mut tx).await?;
        tx.commit().await?;
        self.keep_statistics().await?;
        (self.progress)(&self.made);
        Ok(ids
            .iter()
            .zip(cells_of)
            .zip(placed)
            .map(|((id, cells), (staff, made))| {
                let staff = self.resolve(&people_ids, &names, &staff);
                let cells = cells
                    .into_iter()
                    .zip(made)
                    .map(|(cell, places)| (cell, self.resolve(&people_ids, &names, &places)))
                    .collect();
                (*id, staff, cells)
            })
            .collect())
    }
}

/// Where the demo logins are held.
struct Anchors {
    province: (UnitId, String, i64),
    primary: (UnitId, String, i64),
    cell: (UnitId, String, i64),
    member: (UnitId, String, i64),
    cell_people: Vec<i64>,
}

/// Tables the demo's structure fills (units, people, their positions and
/// skills), its plans, and its meetings: analyzed as they grow, vacuumed
/// and analyzed at the end (PostgreSQL).
const STRUCTURE_TABLES: &[&str] = &[
    "units",
    "unit_closure",
    "unit_aggregates",
    "people",
    "person_status_history",
    "positions",
    "person_skills",
    "people_terms",
    "people_terms_docs",
];
const PLAN_TABLES: &[&str] = &[
    "plans",
    "targets",
    "check_ins",
    "blockers",
    "progress_history",
    "unit_aggregates",
    "decision_addressees",
];
const MEETING_TABLES: &[&str] = &["meetings", "meeting_participants", "meeting_regularity"];

/// Cells with a record of regular meetings in the demo.
const SAMPLE_CELLS: usize = 60;

tokio::task_local! {
    /// The language the demo is being written in, for the length of a
    /// build.
    static LANGUAGE: Locale;
}

/// A text of the demo: `en`, or `ko` when the demo is built in Korean.
pub(crate) fn tr(en: &'static str, ko: &'static str) -> &'static str {
    match LANGUAGE.try_with(|l| *l) {
        Ok(Locale::Korean) => ko,
        _ => en,
    }
}

/// Whether the demo is being built in Korean.
pub(crate) fn in_korean() -> bool {
    matches!(LANGUAGE.try_with(|l| *l), Ok(Locale::Korean))
}

/// Builds the demo organization in English unless it exists; returns its
/// logins. `progress` hears the running totals after each primary
/// committee.
pub async fn build(
    app: &App,
    scale: Scale,
    progress: &(dyn Fn(&Generated) + Send + Sync),
) -> AppResult<Vec<DemoLogin>> {
    build_in(app, scale, Locale::English, progress).await
}

/// Builds the demo organization written in `language` unless it exists
/// (its names of people, units and what they recorded; the interface's
/// own words come from the catalogues). In Korean, the organization's
/// default language and the demo's logins are Korean too.
pub async fn build_in(
    app: &App,
    scale: Scale,
    language: Locale,
    progress: &(dyn Fn(&Generated) + Send + Sync),
) -> AppResult<Vec<DemoLogin>> {
    LANGUAGE
        .scope(language, build_scoped(app, scale, progress))
        .await
}

async fn build_scoped(
    app: &App,
    scale: Scale,
    progress: &(dyn Fn(&Generated) + Send + Sync),
) -> AppResult<Vec<DemoLogin>> {
    let logins_spec: &[(&str, Role, ScopeKind)] = &[
        ("admin", Role::Administrator, ScopeKind::Subtree),
        ("province", Role::Secretary, ScopeKind::Subtree),
        ("secretary", Role::Secretary, ScopeKind::Subtree),
        ("cell", Role::Secretary, ScopeKind::Subtree),
        ("member", Role::Member, ScopeKind::Unit),
        ("viewer", Role::Viewer, ScopeKind::Subtree),
    ];
    if let Some(root) = root_unit(app).await? {
        // A demo database from an earlier run: it must be complete.
        let mut c = app.db.conn().await?;
        if grassroots_store::accounts::count(&mut c).await? < logins_spec.len() as i64 {
            return Err(AppError::BadRequest(
                "this database holds an incomplete demo (an earlier run was interrupted); delete the demo folder (on PostgreSQL: drop and create the database) and run the demo again".into(),
            ));
        }
        let mut out = Vec::new();
        let admin = Actor::cli(root.id)
            .principal
            .scope::<grassroots_core::Administer>();
        for (user, role, _) in logins_spec {
            let account = grassroots_store::accounts::get_by_username(&mut c, &admin, user).await?;
            let held = grassroots_store::roles::of_account(&mut c, account.id).await?;
            let unit_id = held.first().map_or(root.id, |a| a.unit_id);
            let unit = units::names(&mut c, &[unit_id]).await?;
            out.push(DemoLogin {
                username: user.to_string(),
                password: demo_password(user),
                role: *role,
                unit_name: unit.first().map_or(root.name.clone(), |u| u.1.clone()),
            });
        }
        return Ok(out);
    }
    let (root, _) = init(
        app,
        InitInput {
            organization: tr("Central Committee", "중앙위원회").into(),
            root_level: "central_committee".into(),
            admin_username: "admin".into(),
            admin_display_name: tr("Administrator", "관리자").into(),
            admin_password: demo_password("admin"),
        },
    )
    .await?;
    let actor = Actor::cli(root.id);
    let mut b = Builder {
        app,
        actor: actor.clone(),
        rng: Lcg(20_220_228),
        skill_ids: Vec::new(),
        type_ids: Default::default(),
        next_person: 0,
        next_register_code: 0,
        people: Vec::new(),
        skills: Vec::new(),
        appointments: Vec::new(),
        analyzed_at: (0, 0),
        made: Generated {
            units: 1,
            ..Default::default()
        },
        progress,
    };
    {
        let mut tx = app.db.begin().await?;
        for (en, ko, category) in SKILLS {
            b.skill_ids
                .push(skills::create(&mut tx, pick((en, ko)), category).await?.id);
        }
        tx.commit().await?;
        let mut c = app.db.conn().await?;
        b.type_ids = positions::types(&mut c)
            .await?
            .into_iter()
            .map(|t| (t.key, t.id))
            .collect();
    }
    // The centre: departments, and primary committees of ministries and
    // national institutions.
    let mut viewer_home = root.id;
    for dept in [
        tr("Organizational Guidance Department", "조직지도부"),
        tr("Propaganda and Agitation Department", "선전선동부"),
        tr("Science and Education Department", "과학교육부"),
        tr("Economic Policy Department", "경제정책부"),
    ] {
        let (id, _) = b.body(root.id, dept, "department").await?;
        if viewer_home == root.id {
            viewer_home = id;
        }
    }
    // The centre's head, who concludes and closes its conference.
    let head = {
        let mut tx = app.db.begin().await?;
        let made = b.people(&[(root.id, 1)]);
        b.appoint(root.id, "secretary", made[0][0], 0);
        let ids = b.flush(&mut tx).await?;
        tx.commit().await?;
        ids[made[0][0]]
    };
    b.primaries(
        root.id,
        &[
            (
                tr(
                    "Ministry of Chemical Industry Primary Committee",
                    "화학공업성 초급당위원회",
                )
                .to_string(),
                tr("Bureau", "국"),
            ),
            (
                tr(
                    "State Academy of Sciences Mining Research Institute Primary Committee",
                    "국가과학원 채굴공학연구소 초급당위원회",
                )
                .to_string(),
                tr("Laboratory", "연구실"),
            ),
        ],
        &scale,
    )
    .await?;
    let mut anchors: Option<Anchors> = None;
    let mut sample_cells: Vec<SampleCell> = Vec::new();
    let mut place = 0;
    for p in 0..scale.provinces {
        let province_name = match (PROVINCES.get(p), in_korean()) {
            (Some(n), false) => format!("{} Provincial Committee", n.0),
            (Some(n), true) => format!("{}당위원회", n.1),
            (None, false) => format!("Province {} Committee", p + 1),
            (None, true) => format!("제{}도당위원회", p + 1),
        };
        let (province, province_staff) = b
            .body(root.id, &province_name, "provincial_committee")
            .await?;
        for k in 0..scale.counties {
            let base = pick(PLACES[place % PLACES.len()]);
            let round = place / PLACES.len();
            place += 1;
            let town = if round == 0 {
                base.to_string()
            } else {
                format!("{base} {}", round + 1)
            };
            let (level, word) = if k % 3 == 0 {
                ("city_committee", tr("City", "시"))
            } else {
                ("county_committee", tr("County", "군"))
            };
            let county_name = if in_korean() {
                format!("{town}{word}당위원회")
            } else {
                format!("{town} {word} Committee")
            };
            let (county, _) = b.body(province, &county_name, level).await?;
            let wanted: Vec<(String, &str, &str)> = (0..scale.primaries)
                .map(|j| {
                    let (en, ko) = KINDS[(j + k) % KINDS.len()];
                    let (kind, cell_word) = if in_korean() { ko } else { en };
                    let n = j / KINDS.len() + 1;
                    let name = match (j < KINDS.len(), in_korean()) {
                        (true, false) => format!("{town} {kind} Primary Committee"),
                        (false, false) => format!("{town} {kind} No. {n} Primary Committee"),
                        (true, true) => format!("{town}{kind} 초급당위원회"),
                        (false, true) => format!("{town}제{n}{kind} 초급당위원회"),
                    };
                    (name, kind, cell_word)
                })
                .collect();
            let named: Vec<(String, &str)> = wanted
                .iter()
                .map(|(name, _, word)| (name.clone(), *word))
                .collect();
            let made = b.primaries(county, &named, &scale).await?;
            for ((name, kind, cell_word), (primary, staff, cells)) in wanted.iter().zip(made) {
                let is_anchor = anchors.is_none() && *kind == pick((KINDS[0].0.0, KINDS[0].1.0));
                for (cell, people) in cells.iter().skip(usize::from(is_anchor)) {
                    if sample_cells.len() < SAMPLE_CELLS {
                        sample_cells.push(SampleCell {
                            cell: *cell,
                            people: people.iter().map(|p| p.0).collect(),
                        });
                    }
                }
                if is_anchor {
                    let (cell, cell_people) = &cells[0];
                    anchors = Some(Anchors {
                        province: (province, province_name.clone(), province_staff[0].0),
                        primary: (primary, name.clone(), staff[0].0),
                        cell: (*cell, cell_name(cell_word, 1), cell_people[0].0),
                        member: (*cell, cell_name(cell_word, 1), cell_people[2].0),
                        cell_people: cell_people.iter().map(|p| p.0).collect(),
                    });
                }
            }
        }
    }
    // A central decision addressed to every primary committee; about two
    // in three have adopted it. (Before the logins: the accounts mark a
    // complete demo.)
    let (decision, _) = crate::decisions::issue(
        app,
        &actor,
        root.id,
        crate::decisions::DecisionInput {
            title: tr(
                "On carrying out the decisions of the plenary meeting in every primary committee",
                "모든 초급당위원회에서 전원회의 결정을 관철할 데 대하여",
            )
            .into(),
            body: tr(
                "Every primary committee turns this decision into its own work plan, makes it known to all its members and employees, and reports on it.\n\n1. Adopt the decision and draw up the unit's plan.\n2. Review implementation regularly and remove bottlenecks in time.\n3. Sum up and evaluate at the end of each period.",
                "모든 초급당위원회는 이 결정을 자기 단위의 사업계획으로 세우고 전체 당원들과 종업원들에게 알리며 그 집행 정형을 보고한다.\n\n1. 결정을 채택하고 단위의 계획을 세운다.\n2. 집행 정형을 정상적으로 료해하고 애로를 제때에 풀어준다.\n3. 매 기간이 끝나면 총화하고 평가한다.",
            )
            .into(),
            source: "plenary_meeting".into(),
            issued_on: "2022-02-28".into(),
            levels: vec!["primary_committee".into()],
        },
    )
    .await?;
    let primaries = {
        let mut c = app.db.conn().await?;
        grassroots_store::decisions::not_adopted(
            &mut c,
            &actor.principal.scope::<grassroots_core::Read>(),
            decision.id,
            root.id,
            i64::MAX,
        )
        .await?
    };
    let anchors = anchors.ok_or_else(|| AppError::Internal("the demo has no factory".into()))?;
    // Every primary committee has a plan for this year; two in three (and
    // the anchor factory) adopt the decision with it.
    // Written a few hundred primary committees at a time.
    let (mut plans_in, mut targets) = (Vec::new(), Vec::new());
    for (i, (unit, _)) in primaries.iter().enumerate() {
        let anchor = *unit == anchors.primary.0;
        let adopts = (i % 3 != 2 || anchor).then_some(decision.id);
        let late_cell = anchor.then_some(anchors.cell.0);
        let (more_plans, more_targets) =
            plan_demo(app, &actor, adopts, *unit, i, late_cell).await?;
        let (plan_base, target_base) = (plans_in.len(), targets.len());
        plans_in.extend(more_plans);
        targets.extend(more_targets.into_iter().map(|mut t| {
            t.plan += plan_base;
            t.parent = t.parent.map(|p| p + target_base);
            t
        }));
        if plans_in.len() >= 2_000 || i + 1 == primaries.len() {
            b.made.targets += crate::plans::load(app, &actor, &plans_in, &targets)
                .await?
                .targets
                .len();
            plans_in.clear();
            targets.clear();
            b.keep_statistics().await?;
            (b.progress)(&b.made);
        }
    }
    let primary_ids: Vec<UnitId> = primaries.iter().map(|(u, _)| *u).collect();
    b.made.meetings += self::meetings::build(
        app,
        &actor,
        &Venues {
            root: root.id,
            head,
            primaries: &primary_ids,
            anchor_primary: anchors.primary.0,
            anchor_cell: &SampleCell {
                cell: anchors.cell.0,
                people: anchors.cell_people.clone(),
            },
            cells: &sample_cells,
        },
    )
    .await?;
    (b.progress)(&b.made);
    // The logins, linked to the people whose record they show.
    let mut out = vec![DemoLogin {
        username: "admin".into(),
        password: demo_password("admin"),
        role: Role::Administrator,
        unit_name: root.name.clone(),
    }];
    // (login, role, reach, (unit, unit name, person the login belongs to))
    type Placed<'a> = (&'a str, Role, ScopeKind, (UnitId, String, Option<i64>));
    let placed: [Placed<'_>; 5] = [
        (
            "province",
            Role::Secretary,
            ScopeKind::Subtree,
            (
                anchors.province.0,
                anchors.province.1.clone(),
                Some(anchors.province.2),
            ),
        ),
        (
            "secretary",
            Role::Secretary,
            ScopeKind::Subtree,
            (
                anchors.primary.0,
                anchors.primary.1.clone(),
                Some(anchors.primary.2),
            ),
        ),
        (
            "cell",
            Role::Secretary,
            ScopeKind::Subtree,
            (anchors.cell.0, anchors.cell.1.clone(), Some(anchors.cell.2)),
        ),
        (
            "member",
            Role::Member,
            ScopeKind::Unit,
            (
                anchors.member.0,
                anchors.member.1.clone(),
                Some(anchors.member.2),
            ),
        ),
        (
            "viewer",
            Role::Viewer,
            ScopeKind::Subtree,
            (root.id, root.name.clone(), None),
        ),
    ];
    for (user, role, scope, (unit_id, unit_name, person)) in placed {
        let display = match person {
            Some(p) => {
                let mut c = app.db.conn().await?;
                people::get(&mut c, &actor.principal.scope::<grassroots_core::Read>(), p)
                    .await?
                    .full_name
            }
            None => tr("Organizational Guidance Department", "조직지도부").into(),
        };
        let home = if person.is_none() {
            viewer_home
        } else {
            unit_id
        };
        let account = crate::accounts::create_with_role(
            app,
            &actor,
            crate::accounts::CreateInput {
                username: user.to_string(),
                display_name: display,
                home_unit_id: home,
                password: demo_password(user),
            },
            Some(Assignment {
                role,
                unit_id,
                scope,
            }),
        )
        .await?;
        if let Some(p) = person {
            crate::accounts::link_person(app, &actor, account.id, Some(p)).await?;
        }
        out.push(DemoLogin {
            username: user.to_string(),
            password: demo_password(user),
            role,
            unit_name,
        });
    }
    if in_korean() {
        // The demo's organization and logins speak Korean whatever the
        // browser asks.
        let admin = actor.principal.scope::<grassroots_core::Administer>();
        let mut tx = app.db.begin().await?;
        grassroots_store::profiles::set_default_locale(&mut tx, Some("ko")).await?;
        for login in &out {
            let account =
                grassroots_store::accounts::get_by_username(&mut tx, &admin, &login.username)
                    .await?;
            let owner = grassroots_core::Principal::new(account.id, Vec::new());
            grassroots_store::accounts::set_own_locale(
                &mut tx,
                &owner,
                Some("ko"),
                app.clock.now(),
            )
            .await?;
        }
        tx.commit().await?;
    }
    b.made.welfare_cases += self::welfare::bulk(app, anchors.member.2).await?;
    b.made.welfare_cases += self::welfare::build(
        app,
        &actor,
        (anchors.member.0, anchors.member.2),
        &SampleCell {
            cell: anchors.cell.0,
            people: anchors.cell_people.clone(),
        },
        anchors.primary.0,
        &sample_cells,
    )
    .await?;
    // Supply: the anchor primary committee's other cells ask too.
    let other_cells = grassroots_store::units::children(
        &mut app.db.conn().await?,
        &actor.principal.scope::<grassroots_core::Read>(),
        anchors.primary.0,
    )
    .await?
    .into_iter()
    .map(|c| c.id)
    .filter(|c| *c != anchors.cell.0)
    .collect::<Vec<_>>();
    self::supply::build(
        app,
        &actor,
        anchors.primary.0,
        &SampleCell {
            cell: anchors.cell.0,
            people: anchors.cell_people.clone(),
        },
        &other_cells,
    )
    .await?;
    b.made.appeals += self::appeals::build(
        app,
        &actor,
        &self::appeals::Places {
            province: anchors.province.0,
            primary: anchors.primary.0,
            cell: anchors.cell.0,
            member: anchors.member.2,
        },
    )
    .await?;
    b.made.safety +=
        self::safety::build(app, &actor, anchors.primary.0, anchors.cell.0, &primary_ids).await?;
    b.made.safety += self::safety::bulk(app, &[anchors.primary.0, anchors.cell.0]).await?;
    self::safety::schedule(app, &actor).await?;
    b.made.growth += self::growth::build(
        app,
        &actor,
        &self::growth::Places {
            assigner: if primary_ids.len() > NATIONAL_PRIMARIES {
                anchors.province.0
            } else {
                root.id
            },
            province: anchors.province.0,
            primary: anchors.primary.0,
            cell: anchors.cell.0,
            member: anchors.member.2,
            cell_people: &anchors.cell_people,
            primaries: &primary_ids,
        },
    )
    .await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut e = actor.entry("demo.generate", "unit", root.id, Some(root.id));
    e.after = Some(json!({
        "units": b.made.units,
        "people": b.made.people,
        "positions": b.made.positions,
        "targets": b.made.targets,
        "meetings": b.made.meetings,
        "welfare_cases": b.made.welfare_cases,
        "appeals": b.made.appeals,
        "safety": b.made.safety,
        "growth": b.made.growth,
    }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    // Everything was indexed as it was written.
    crate::search::mark_indexes_full(app).await?;
    for tables in [STRUCTURE_TABLES, PLAN_TABLES, MEETING_TABLES] {
        app.db.vacuum_analyze(tables).await?;
    }
    (b.progress)(&b.made);
    Ok(out)
}

/// A primary committee's plan for this year — adopting the central
/// decision (`adopts`) or its own — with an output target split among its
/// cells (sum of their values), a study milestone split among them (mean),
/// a safety milestone of its own, and each cell's own targets (meetings,
/// innovation proposals, safety training); the cells report with paces
/// that give every status, some with a blocker; `late_cell`, when given,
/// misses the study milestone. The caller loads several at once.
async fn plan_demo(
    app: &App,
    actor: &Actor,
    decision: Option<i64>,
    primary: UnitId,
    index: usize,
    late_cell: Option<UnitId>,
) -> AppResult<(
    Vec<grassroots_store::plans::load::LoadPlan<'static>>,
    Vec<grassroots_store::plans::load::LoadTarget<'static>>,
)> {
    use grassroots_store::plans::load::{LoadCheckIn, LoadPlan, LoadTarget};
    let today = crate::plans::today(app);
    let (start, end) = crate::plans::period("year", today, None)?;
    let cells: Vec<UnitId> = {
        let mut c = app.db.conn().await?;
        grassroots_store::units::children(
            &mut c,
            &actor.principal.scope::<grassroots_core::Read>(),
            primary,
        )
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect()
    };
    let elapsed = (today - start).num_days().max(1);
    // The study milestone falls due half-way through the year so far.
    let study_due = start + chrono::Duration::days((elapsed / 2).max(1));
    let share_elapsed = elapsed as f64 / (end - start).num_days().max(1) as f64;
    let title = if decision.is_some() {
        tr(
            "Work plan for carrying out the plenary decision",
            "전원회의 결정 관철 사업계획",
        )
    } else {
        tr("Annual work plan", "년간 사업계획")
    };
    let tools = tr("Machine tools produced", "공작기계 생산");
    let studies = tr("Every member studies the decision", "전체 성원 결정 학습");
    let meetings_held = tr("Cell meetings held", "세포총회 진행");
    let proposals = tr("Innovation proposals submitted", "기술혁신안 제출");
    let plan = |unit_id, decision_id| LoadPlan {
        unit_id,
        title,
        period_kind: "year",
        starts_on: start,
        ends_on: end,
        cadence: "monthly",
        decision_id,
    };
    let target = |plan, parent, title, category, measure, due_on, weight, rollup| LoadTarget {
        plan,
        parent,
        title,
        category,
        measure,
        measure_unit: match measure {
            Measure::Numeric { .. } if title == tools => tr("units", "대"),
            Measure::Numeric { .. } if title == meetings_held => tr("meetings", "회"),
            Measure::Numeric { .. } if title == proposals => tr("proposals", "건"),
            Measure::Numeric { .. } => tr("members", "명"),
            Measure::Milestone => "",
        },
        starts_on: start,
        due_on,
        weight,
        rollup,
        check_ins: Vec::new(),
    };
    let numeric = |target: f64| Measure::Numeric {
        baseline: 0.0,
        target,
    };
    let report =
        |on: NaiveDate, value: Option<f64>, done: bool, narrative, confidence| LoadCheckIn {
            reported_on: on,
            value,
            done,
            narrative,
            confidence,
            blocker: None,
        };
    let mut plans_in = vec![plan(primary, decision)];
    let goal = 240.0 * cells.len().max(1) as f64;
    let mut targets = vec![
        target(0, None, tools, "economic", numeric(goal), end, 3, "sum"),
        target(
            0,
            None,
            studies,
            "organizational",
            Measure::Milestone,
            study_due,
            1,
            "mean",
        ),
        target(
            0,
            None,
            tr("No serious accident at work", "중대 로동재해 없음"),
            "safety",
            Measure::Milestone,
            end,
            2,
            "mean",
        ),
    ];
    targets[2].check_ins.push(report(
        today,
        None,
        false,
        tr(
            "Safety inspections held in every workshop.",
            "모든 직장에서 안전 점검을 진행하였다.",
        ),
        "high",
    ));
    for (k, cell) in cells.iter().enumerate() {
        plans_in.push(plan(*cell, None));
        let p = plans_in.len() - 1;
        let turn = k + index;
        let pace = [1.05, 0.85, 0.55, 0.0][turn % 4];
        let day = today - chrono::Duration::days((turn % 9) as i64);
        let mut output = target(
            p,
            Some(0),
            tools,
            "economic",
            numeric(240.0),
            end,
            1,
            "mean",
        );
        if pace > 0.0 {
            // A cell at pace 0 has not reported: unknown, not zero.
            let slow = pace < 0.6;
            let mut k = report(
                day,
                Some((240.0 * share_elapsed * pace).round()),
                false,
                if slow {
                    tr(
                        "Two lathes stood idle for lack of steel.",
                        "강재가 모자라 선반 두 대가 놀았다.",
                    )
                } else {
                    tr(
                        "Shifts kept to the schedule.",
                        "교대별 작업이 일정대로 진행되었다.",
                    )
                },
                if pace < 0.9 { "low" } else { "high" },
            );
            if slow {
                k.blocker = Some((
                    tr("Steel deliveries arrive late", "강재 공급이 늦어지고 있음"),
                    today + chrono::Duration::days(7),
                ));
            }
            output.check_ins.push(k);
        }
        targets.push(output);
        let mut study = target(
            p,
            Some(1),
            studies,
            "organizational",
            Measure::Milestone,
            study_due,
            1,
            "mean",
        );
        if Some(*cell) != late_cell && turn % 5 != 3 {
            study.check_ins.push(report(
                study_due.min(today),
                None,
                true,
                tr(
                    "Study sessions held with every member.",
                    "전체 성원을 대상으로 학습을 진행하였다.",
                ),
                "high",
            ));
        }
        targets.push(study);
        // The cell's own targets, reported at other paces.
        for (j, (title, category, goal)) in [
            (meetings_held, "organizational", 12.0),
            (proposals, "science_technology", 6.0),
            (
                tr("Members trained in safe work", "안전작업 교육을 받은 성원"),
                "safety",
                20.0,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let pace = [1.0, 0.9, 0.7, 0.4, 1.1, 0.0][(turn + j) % 6];
            let mut own = target(p, None, title, category, numeric(goal), end, 1, "mean");
            if pace > 0.0 {
                let on = today - chrono::Duration::days(((turn + j) % 20) as i64);
                own.check_ins.push(report(
                    on,
                    Some((goal * share_elapsed * pace).round()),
                    false,
                    if pace < 0.75 {
                        tr(
                            "Behind: members were on shift work.",
                            "뒤떨어짐: 성원들이 교대 작업에 나가 있었다.",
                        )
                    } else {
                        tr("As planned.", "계획대로 진행되었다.")
                    },
                    if pace < 0.75 { "medium" } else { "high" },
                ));
            }
            targets.push(own);
        }
    }
    Ok((plans_in, targets))
}
