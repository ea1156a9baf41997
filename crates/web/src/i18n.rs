//! The translation layer. Every user-facing string of the interface comes
//! from a Fluent catalogue under `locales/<locale>/`, one file per
//! feature; templates never hold text.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
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
    /// are; other languages say it in their own words).
    pub fn validation(&self, code: &str, detail: &str) -> String {
        let key = format!("validation-{}", code.replace('_', "-"));
        if self.i18n.has(&self.locale, &key) {
            self.ta(&key, &[("detail", detail.to_string())])
        } else {
            detail.to_string()
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
}
