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
