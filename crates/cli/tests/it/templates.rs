//! Every user-facing string comes from the translation layer: templates
//! hold no text of their own, and every key they use exists.

use std::path::Path;

fn templates() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/templates"),
        &mut out,
    );
    assert!(out.len() >= 8);
    out
}

/// Removes `{{ … }}`, `{% … %}` and `{# … #}` blocks.
fn strip_template_syntax(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(['{']) {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let close = match after.get(..2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            Some("{#") => "#}",
            _ => {
                out.push('{');
                rest = &after[1..];
                continue;
            }
        };
        match after.find(close) {
            Some(j) => rest = &after[j + 2..],
            None => break,
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn templates_hold_no_hard_coded_text() {
    for (name, src) in templates() {
        let plain = strip_template_syntax(&src);
        // Text between tags.
        let mut text = String::new();
        let mut in_tag = false;
        for ch in plain.chars() {
            match ch {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        let words: Vec<&str> = text
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .collect();
        assert!(words.is_empty(), "{name} has hard-coded text: {words:?}");
        // User-visible attributes.
        for attr in ["placeholder=\"", "title=\"", "aria-label=\"", "alt=\""] {
            for part in plain.split(attr).skip(1) {
                let value = part.split('"').next().unwrap_or("");
                assert!(
                    !value.chars().any(char::is_alphabetic),
                    "{name}: {attr}{value}\" is hard-coded"
                );
            }
        }
    }
}

#[test]
fn every_key_used_in_templates_exists() {
    let keys = grassroots_web::i18n::I18n::keys("en");
    for (name, src) in templates() {
        for part in src
            .split("t(\"")
            .skip(1)
            .chain(src.split("t1(\"").skip(1))
            .chain(src.split("tn(\"").skip(1))
        {
            let key = part.split('"').next().unwrap();
            assert!(
                keys.iter().any(|k| k == key),
                "{name} uses missing key {key}"
            );
        }
    }
}

/// Every `.rs` file of the crates' sources.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for krate in ["core", "store", "app", "web", "cli"] {
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(krate)
                .join("src"),
            &mut out,
        );
    }
    assert!(out.len() > 40);
    out
}

/// The string literals of `src` that follow `opening` (after spaces and
/// line breaks), such as the code of `FieldError::new(field, "code"`.
fn literals_after(src: &str, opening: &str, skip_args: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find(opening) {
        rest = &rest[i + opening.len()..];
        let mut args = rest;
        let mut ok = true;
        for _ in 0..skip_args {
            // A simple argument: no commas or parentheses inside.
            match args.find(',') {
                Some(j) if !args[..j].contains('(') && !args[..j].contains(')') => {
                    args = &args[j + 1..]
                }
                _ => ok = false,
            }
        }
        let args = args.trim_start();
        if ok
            && let Some(lit) = args.strip_prefix('"')
            && let Some(end) = lit.find('"')
        {
            found.push(lit[..end].to_string());
        }
    }
    found
}

#[test]
fn every_code_status_kind_and_flash_has_a_message() {
    use grassroots_core::validate::CODES;
    let keys: std::collections::HashSet<String> =
        grassroots_web::i18n::I18n::keys("en").into_iter().collect();
    let dashed = |s: &str| s.replace('_', "-");
    let mut missing = Vec::new();
    let mut want = |key: String| {
        if !keys.contains(&key) {
            missing.push(key);
        }
    };

    // Validation codes: each listed code has a message, and every code the
    // sources write is listed.
    for code in CODES {
        want(format!("validation-{}", dashed(code)));
    }
    let mut unlisted = Vec::new();
    for (file, src) in sources() {
        let mut codes = literals_after(&src, "FieldError::new(", 1);
        for helper in ["bad_parent(", "bad_into(", "file_error(", "field_err("] {
            codes.extend(literals_after(&src, helper, 0));
        }
        for code in codes {
            if !CODES.contains(&code.as_str()) {
                unlisted.push(format!("{file}: {code}"));
            }
        }
        // Flash messages named anywhere.
        let mut rest = src.as_str();
        while let Some(i) = rest.find("\"flash-") {
            let lit = &rest[i + 1..];
            let end = lit.find('"').unwrap();
            let key = &lit[..end];
            if !key.ends_with('-') {
                want(key.to_string());
            }
            rest = &lit[end..];
        }
    }
    assert!(
        unlisted.is_empty(),
        "codes missing from validate::CODES: {unlisted:?}"
    );

    // Problems of an imported file.
    for code in grassroots_app::imports::PROBLEM_CODES {
        want(format!("import-problem-{}", dashed(code)));
    }

    // The vocabularies shown on pages.
    for s in grassroots_store::people::STATUSES {
        want(format!("person-status-{s}"));
        want(format!("status-{s}"));
    }
    for k in grassroots_store::commendations::KINDS {
        want(format!("commendation-kind-{}", dashed(k)));
    }
    for k in grassroots_store::plans::PERIOD_KINDS {
        want(format!("period-{k}"));
    }
    for k in grassroots_store::plans::CADENCES {
        want(format!("cadence-{k}"));
    }
    for k in grassroots_store::plans::CONFIDENCES {
        want(format!("confidence-{k}"));
    }
    for k in grassroots_store::plans::ROLLUPS {
        want(format!("rollup-{k}"));
    }
    for s in grassroots_core::progress::Status::ALL {
        want(format!("status-{}", dashed(s.key())));
    }
    for k in grassroots_store::meetings::SPEECH_KINDS {
        want(format!("speech-kind-{}", dashed(k)));
    }
    for k in grassroots_store::meetings::ATTENDANCE {
        want(format!("attendance-{k}"));
    }
    for s in grassroots_store::decisions::SOURCES {
        want(format!("decision-source-{}", dashed(s)));
    }
    for p in grassroots_store::profiles::BUILTIN_PROFILES {
        want(format!("profile-{}", dashed(p)));
        for level in grassroots_store::profiles::builtin(p).unwrap() {
            want(format!("level-{}", dashed(&level.key)));
        }
    }
    for k in grassroots_store::profiles::KINDS {
        want(format!("profile-kind-{k}"));
    }
    for r in grassroots_core::Role::ALL {
        want(format!("role-{}", r.as_str()));
    }
    for s in [
        grassroots_core::ScopeKind::Unit,
        grassroots_core::ScopeKind::Subtree,
    ] {
        want(format!("scope-{}", s.as_str()));
    }
    for e in grassroots_core::calendar::Era::ALL {
        want(format!("era-{}", e.as_str()));
    }
    for code in [
        "unauthorized",
        "forbidden",
        "not_found",
        "invalid",
        "conflict",
        "throttled",
        "bad_request",
        "csrf",
        "too_large",
        "internal",
    ] {
        want(format!("error-{}", dashed(code)));
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "no message for: {missing:?}");
}
