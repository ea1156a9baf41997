//! The translation layer. Every user-facing string of the interface comes
//! from a Fluent catalogue under `locales/<locale>/`, one file per
//! feature; templates never hold text.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use grassroots_core::vocab::Locale;
use unic_langid::LanguageIdentifier;

/// Catalogues shipped in the binary: (locale, [(file, Fluent source)]),
/// every `.ftl` file under `locales/<locale>/` (see `build.rs`).
pub const CATALOGUES: &[(&str, &[(&str, &str)])] =
    include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

/// All loaded catalogues.
pub struct I18n {
    bundles: HashMap<String, FluentBundle<FluentResource>>,
    fallback: String,
}

impl I18n {
    /// Loads every catalogue. A syntax error in a shipped catalogue is a
    /// bug, caught by the tests.
    pub fn load(fallback: &str) -> Result<I18n, String> {
        let mut bundles = HashMap::new();
        for (locale, files) in CATALOGUES {
            let lang: LanguageIdentifier = locale.parse().map_err(|e| format!("{locale}: {e}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // Isolation marks would end up inside HTML attributes and titles.
            bundle.set_use_isolating(false);
            bundle
                .add_function("JOSA", josa_function)
                .map_err(|e| format!("{locale}: {e:?}"))?;
            for (file, source) in *files {
                let resource = FluentResource::try_new(source.to_string())
                    .map_err(|(_, errs)| format!("{locale}/{file}: {errs:?}"))?;
                // A message defined in two files is an error, not an override.
                bundle
                    .add_resource(resource)
                    .map_err(|errs| format!("{locale}/{file}: {errs:?}"))?;
            }
            bundles.insert(locale.to_string(), bundle);
        }
        if !bundles.contains_key(fallback) {
            return Err(format!("no catalogue for locale {fallback}"));
        }
        Ok(I18n {
            bundles,
            fallback: fallback.to_string(),
        })
    }

    /// A translator for one locale (falling back to the default one).
    pub fn translator(self: &Arc<Self>, locale: &str) -> Tr {
        let locale = if self.bundles.contains_key(locale) {
            locale.to_string()
        } else {
            self.fallback.clone()
        };
        Tr {
            i18n: self.clone(),
            locale,
        }
    }

    /// Whether `key` exists in the catalogue of `locale`.
    pub fn has(&self, locale: &str, key: &str) -> bool {
        self.bundles.get(locale).is_some_and(|b| b.has_message(key))
    }

    /// Every message id of a locale's catalogue.
    pub fn keys(locale: &str) -> Vec<String> {
        CATALOGUES
            .iter()
            .filter(|(l, _)| *l == locale)
            .flat_map(|(_, files)| files.iter())
            .flat_map(|(_, src)| {
                src.lines()
                    .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
                    .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
            })
            .collect()
    }

    fn format(&self, locale: &str, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = &self.bundles[locale];
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, locale, "missing translation");
            return key.to_string();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, ?errors, "translation error");
        }
        text.into_owned()
    }
}

/// The shipped language an `Accept-Language` header asks for first (by
/// its weights, then its order; `q=0` refuses one), if any.
pub fn negotiate(accept_language: &str) -> Option<&'static str> {
    let mut requested: Vec<(LanguageIdentifier, f32)> = accept_language
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim().parse().ok()?;
            let q = pieces
                .filter_map(|p| {
                    let p = p.trim();
                    (p.len() > 2 && p[..2].eq_ignore_ascii_case("q=")).then(|| &p[2..])
                })
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0).then_some((tag, q))
        })
        .collect();
    requested.sort_by(|a, b| b.1.total_cmp(&a.1));
    let requested: Vec<LanguageIdentifier> = requested.into_iter().map(|(t, _)| t).collect();
    let available: Vec<LanguageIdentifier> = Locale::KEYS
        .iter()
        .map(|k| k.parse().expect("a shipped locale is a language tag"))
        .collect();
    let chosen = fluent_langneg::negotiate_languages(
        &requested,
        &available,
        None,
        fluent_langneg::NegotiationStrategy::Filtering,
    );
    let first = chosen.first()?.to_string();
    Locale::KEYS.iter().copied().find(|k| *k == first)
}

/// `JOSA($value, "을")`: the value followed by the Korean particle that
/// fits its last sound (을 after a final consonant, 를 after a vowel).
fn josa_function<'a>(positional: &[FluentValue<'a>], _named: &FluentArgs) -> FluentValue<'a> {
    let text = |v: Option<&FluentValue<'_>>| match v {
        Some(FluentValue::String(s)) => s.to_string(),
        Some(FluentValue::Number(n)) => n.as_string().to_string(),
        _ => String::new(),
    };
    let value = text(positional.first());
    let particle = text(positional.get(1));
    FluentValue::from(format!("{value}{}", josa(&value, &particle)))
}

/// The form of `particle` (either form of a pair: 은/는, 이/가, 을/를,
/// 과/와, 으로/로, 이나/나, 이라/라, 아/야, 이에요/예요) that follows
/// `word`. A word's last sound is read from its last Hangul syllable, its
/// last digit as read in Korean, or a romanized ending (-l, -m, -n, -ng,
/// -k, -p, -t end in a consonant); an unknown particle is returned as is.
pub fn josa<'a>(word: &str, particle: &'a str) -> &'a str {
    const PAIRS: &[(&str, &str)] = &[
        ("은", "는"),
        ("이", "가"),
        ("을", "를"),
        ("과", "와"),
        ("으로", "로"),
        ("이나", "나"),
        ("이라", "라"),
        ("아", "야"),
        ("이에요", "예요"),
    ];
    let Some(&(after_consonant, after_vowel)) =
        PAIRS.iter().find(|(a, b)| *a == particle || *b == particle)
    else {
        return particle;
    };
    let ending = word.chars().rev().find(|c| c.is_alphanumeric());
    let (consonant, rieul) = match ending {
        Some(c @ '\u{AC00}'..='\u{D7A3}') => {
            let last = (c as u32 - 0xAC00) % 28;
            (last != 0, last == 8)
        }
        // 영, 일, 이, 삼, 사, 오, 육, 칠, 팔, 구
        Some(c @ '0'..='9') => match c {
            '1' | '7' | '8' => (true, true),
            '0' | '3' | '6' => (true, false),
            _ => (false, false),
        },
        Some(c) if c.is_ascii_alphabetic() => match c.to_ascii_lowercase() {
            'l' => (true, true),
            'm' | 'n' | 'g' | 'k' | 'p' | 't' => (true, false),
            _ => (false, false),
        },
        _ => (false, false),
    };
    // 으로 takes 로 after ㄹ as after a vowel.
    if consonant && !(rieul && after_consonant == "으로") {
        after_consonant
    } else {
        after_vowel
    }
}

/// Translates for one request. Cheap to clone.
#[derive(Clone)]
pub struct Tr {
    i18n: Arc<I18n>,
    locale: String,
}

impl Tr {
    /// The locale in use (for `<html lang>`).
    pub fn locale(&self) -> &str {
        &self.locale
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        self.i18n.format(&self.locale, key, None)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(value.to_string()));
        self.i18n.format(&self.locale, key, Some(&args))
    }

    /// The message `key` with two arguments.
    pub fn t2(&self, key: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
        self.ta(key, &[(n1, v1.to_string()), (n2, v2.to_string())])
    }

    /// The message `key` with several arguments.
    pub fn ta(&self, key: &str, values: &[(&str, String)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(name.to_string(), FluentValue::from(value.clone()));
        }
        self.i18n.format(&self.locale, key, Some(&args))
    }

    /// The message `key` with a numeric argument (for plurals).
    pub fn tn(&self, key: &str, name: &str, value: impl std::borrow::Borrow<i64>) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(*value.borrow()));
        self.i18n.format(&self.locale, key, Some(&args))
    }

    /// The message `key` when it exists, else `None`.
    pub fn maybe(&self, key: &str) -> Option<String> {
        self.i18n.has(&self.locale, key).then(|| self.t(key))
    }

    /// The message of validation code `code`; the service's own English
    /// words are its `detail` (the English catalogue shows them as they
    /// are; other languages say it in their own words, with the detail
    /// after it when their words do not carry it).
    pub fn validation(&self, code: &str, detail: &str) -> String {
        let key = format!("validation-{}", code.replace('_', "-"));
        if !self.i18n.has(&self.locale, &key) {
            return detail.to_string();
        }
        let said = self.ta(&key, &[("detail", detail.to_string())]);
        // Another language's general sentence is followed by the
        // service's own words where it does not say them (which values
        // are allowed, which line): forms and the API alike.
        if self.locale == "en" || detail.is_empty() || said.contains(detail) {
            said
        } else {
            format!("{said} ({detail})")
        }
    }

    /// The message of an import problem of kind `code` (an import's own
    /// or a validation code), with the service's English words as its
    /// `detail`.
    pub fn import_problem(&self, code: &str, detail: &str) -> String {
        let key = format!("import-problem-{}", code.replace('_', "-"));
        if self.i18n.has(&self.locale, &key) {
            self.ta(&key, &[("detail", detail.to_string())])
        } else {
            self.validation(code, detail)
        }
    }

    /// Label of a form field (`field-<name>`), else the name itself.
    pub fn field_label(&self, field: &str) -> String {
        self.maybe(&format!("field-{}", field.replace('_', "-")))
            .unwrap_or_else(|| field.to_string())
    }

    /// Label of a unit level key.
    pub fn level(&self, level: &str) -> String {
        self.maybe(&format!("level-{}", level.replace('_', "-")))
            .unwrap_or_else(|| level.to_string())
    }

    /// Label of a role.
    pub fn role(&self, role: &str) -> String {
        self.maybe(&format!("role-{role}"))
            .unwrap_or_else(|| role.to_string())
    }

    /// Label of a scope kind.
    pub fn scope(&self, scope: &str) -> String {
        self.maybe(&format!("scope-{scope}"))
            .unwrap_or_else(|| scope.to_string())
    }

    /// Heading of a counter of people with `status` ("Members").
    pub fn status_group(&self, status: &str) -> String {
        self.maybe(&format!("status-{status}"))
            .unwrap_or_else(|| status.to_string())
    }

    /// Label of one person's status ("Member").
    pub fn person_status(&self, status: &str) -> String {
        self.maybe(&format!("person-status-{status}"))
            .unwrap_or_else(|| status.to_string())
    }

    /// Label of a certification state (`expired`, `expiring`, `valid`).
    pub fn certification(&self, state: &str) -> String {
        self.maybe(&format!("skills-{state}"))
            .unwrap_or_else(|| state.to_string())
    }

    /// A timestamp as shown in the interface (UTC).
    pub fn datetime(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn catalogues_load_and_format() {
        let i18n = Arc::new(I18n::load("en").unwrap());
        let tr = i18n.translator("xx");
        assert_eq!(tr.locale(), "en");
        assert_eq!(tr.t("app-name"), "grassroots");
        assert!(tr.tn("units-children-count", "count", 1).contains('1'));
        assert_eq!(tr.role("secretary"), "Secretary");
        assert_eq!(tr.t("no-such-key"), "no-such-key");
    }

    #[test]
    fn the_browser_language_is_chosen_by_weight_among_those_shipped() {
        assert_eq!(negotiate("ko-KR,ko;q=0.9,en-US;q=0.8"), Some("ko"));
        assert_eq!(negotiate("en-US,en;q=0.9,ko;q=0.8"), Some("en"));
        assert_eq!(negotiate("de;q=0.5, ko;q=0.7, en;q=0.6"), Some("ko"));
        assert_eq!(negotiate("ko;q=0, en"), Some("en"));
        assert_eq!(negotiate("ko;Q=0, en;q=0.1"), Some("en"));
        assert_eq!(negotiate("fr-FR, de"), None);
        assert_eq!(negotiate("*"), None);
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn every_shipped_language_has_a_catalogue() {
        let shipped: Vec<&str> = CATALOGUES.iter().map(|(l, _)| *l).collect();
        assert_eq!(shipped, Locale::KEYS);
    }

    #[test]
    fn particles_follow_the_last_sound() {
        assert_eq!(josa("김철민", "을"), "을");
        assert_eq!(josa("리영희", "을"), "를");
        assert_eq!(josa("평양시", "으로"), "로");
        assert_eq!(josa("서울", "으로"), "로");
        assert_eq!(josa("대안군", "로"), "으로");
        assert_eq!(josa("제3세포", "이"), "가");
        assert_eq!(josa("제1", "은"), "은");
        assert_eq!(josa("2호", "과"), "와");
        assert_eq!(josa("Kim", "를"), "을");
        assert_eq!(josa("Ri (Sinuiju)", "가"), "가");
        assert_eq!(josa("anything", "의"), "의", "an unknown particle as it is");
        let i18n = Arc::new(I18n::load("en").unwrap());
        let tr = i18n.translator("ko");
        assert_eq!(
            tr.t1("transfers-to", "unit", "대안군"),
            "대안군으로",
            "JOSA is a function of every bundle"
        );
    }

    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    /// The variables a pattern uses, in its placeables, selectors,
    /// variants and function arguments.
    fn variables(p: &Pattern<&str>, out: &mut BTreeSet<String>) {
        fn inline(e: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
            match e {
                InlineExpression::VariableReference { id } => {
                    out.insert(id.name.to_string());
                }
                InlineExpression::FunctionReference { arguments, .. } => {
                    for a in &arguments.positional {
                        inline(a, out);
                    }
                    for a in &arguments.named {
                        inline(&a.value, out);
                    }
                }
                InlineExpression::Placeable { expression } => expr(expression, out),
                _ => {}
            }
        }
        fn expr(e: &Expression<&str>, out: &mut BTreeSet<String>) {
            match e {
                Expression::Inline(i) => inline(i, out),
                Expression::Select { selector, variants } => {
                    inline(selector, out);
                    for v in variants {
                        variables(&v.value, out);
                    }
                }
            }
        }
        for element in &p.elements {
            if let PatternElement::Placeable { expression } = element {
                expr(expression, out);
            }
        }
    }

    /// The messages of `locale`: each id with its file and the variables
    /// it uses.
    fn catalogue(locale: &str) -> BTreeMap<String, (String, BTreeSet<String>)> {
        let mut out = BTreeMap::new();
        let (_, files) = CATALOGUES
            .iter()
            .find(|(l, _)| *l == locale)
            .expect("locale shipped");
        for (file, source) in *files {
            let resource = fluent_syntax::parser::parse(*source).expect("parses");
            for entry in &resource.body {
                if let Entry::Message(m) = entry {
                    let mut vars = BTreeSet::new();
                    if let Some(v) = &m.value {
                        variables(v, &mut vars);
                    }
                    for a in &m.attributes {
                        variables(&a.value, &mut vars);
                    }
                    out.insert(m.id.name.to_string(), (file.to_string(), vars));
                }
            }
        }
        out
    }

    #[test]
    fn every_message_has_a_korean_string_in_the_same_file() {
        let en = catalogue("en");
        let ko = catalogue("ko");
        let missing: Vec<&String> = en.keys().filter(|k| !ko.contains_key(*k)).collect();
        assert!(missing.is_empty(), "no Korean string for {missing:?}");
        let extra: Vec<&String> = ko.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(
            extra.is_empty(),
            "Korean strings of no English message: {extra:?}"
        );
        for (key, (file, vars)) in &en {
            let (ko_file, ko_vars) = &ko[key];
            assert_eq!(file, ko_file, "{key} is in another file");
            // A date message is given every part of the date.
            let given: BTreeSet<String> = if key.starts_with("date-") {
                ["day", "month", "month_number", "year", "era_year"]
                    .map(String::from)
                    .into()
            } else {
                vars.clone()
            };
            assert!(
                ko_vars.is_subset(&given),
                "{key}: the Korean uses variables the English is not given: {:?}",
                ko_vars.difference(&given).collect::<Vec<_>>()
            );
        }
    }
}
