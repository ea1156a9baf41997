//! Markdown to HTML for every page that shows a text people wrote
//! (decisions, meeting documents, speeches, minutes, bulletins).
//!
//! Raw HTML in the source is shown as text, never passed through. Links and
//! images keep only destinations a browser cannot run: `http`, `https` and
//! `mailto` URLs, and relative ones. Any other scheme (`javascript:`,
//! `data:`, `vbscript:`, …) turns the link into its plain text and the
//! image into its description. The scheme is read with the WHATWG URL
//! parser, as a browser would read it, so tabs, line breaks, leading
//! control characters and letter case cannot smuggle one past.

use pulldown_cmark::{Event, Parser, Tag, TagEnd, html};

/// Schemes a link or image may use.
const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Whether a link or image destination is safe to render.
pub fn safe_destination(dest: &str) -> bool {
    match url::Url::parse(dest) {
        Ok(u) => ALLOWED_SCHEMES.contains(&u.scheme()),
        // No scheme at all: a path, a query or a fragment on this server.
        Err(url::ParseError::RelativeUrlWithoutBase) => !has_scheme_like_prefix(dest),
        Err(_) => false,
    }
}

/// A destination the URL parser could not read as absolute but that still
/// starts like `name:` once the characters browsers ignore are removed
/// (a refusal on doubt: the parser and a browser might disagree).
fn has_scheme_like_prefix(dest: &str) -> bool {
    let cleaned: String = dest
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let head = cleaned.split(['/', '?', '#']).next().unwrap_or("");
    head.contains(':')
}

/// Markdown to HTML for display.
pub fn to_html(source: &str) -> String {
    // Links cannot nest, images can sit inside links: a stack each tells
    // whether the start tag was kept, so its end tag is kept with it.
    let mut links: Vec<bool> = Vec::new();
    let mut images: Vec<bool> = Vec::new();
    let events = Parser::new(source).filter_map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Some(Event::Text(t)),
        Event::Start(Tag::Link { ref dest_url, .. }) => {
            let keep = safe_destination(dest_url);
            links.push(keep);
            keep.then_some(e)
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(true).then_some(e),
        Event::Start(Tag::Image { ref dest_url, .. }) => {
            let keep = safe_destination(dest_url);
            images.push(keep);
            keep.then_some(e)
        }
        Event::End(TagEnd::Image) => images.pop().unwrap_or(true).then_some(e),
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_never_become_links_or_images() {
        for src in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x]( javascript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](&#106;avascript:alert(1))",
            "[x](\u{1}javascript:alert(1))",
            "[x](vbscript:msgbox)",
            "[x](data:text/html,<script>alert(1)</script>)",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "![x](javascript:alert(1))",
            "![x](data:image/svg+xml,<svg onload=alert(1)>)",
            "[![x](javascript:a)](javascript:b)",
        ] {
            let html = to_html(src);
            assert!(!html.contains("<a "), "{src:?} gave {html}");
            assert!(!html.contains("<img"), "{src:?} gave {html}");
            assert!(!html.to_lowercase().contains("href"), "{src:?} gave {html}");
        }
    }

    #[test]
    fn ordinary_links_and_images_stay() {
        let html = to_html(
            "[a](https://example.org/x) [b](http://example.org) [c](mailto:k@example.org) \
             [d](/units/3) [e](../plans?x=1#t) [f](#top) ![g](/static/logo.png)",
        );
        for want in [
            "href=\"https://example.org/x\"",
            "href=\"http://example.org\"",
            "href=\"mailto:k@example.org\"",
            "href=\"/units/3\"",
            "href=\"../plans?x=1#t\"",
            "href=\"#top\"",
            "src=\"/static/logo.png\"",
        ] {
            assert!(html.contains(want), "{want} missing from {html}");
        }
    }

    #[test]
    fn a_refused_link_keeps_its_text_and_the_rest_of_the_text() {
        let html = to_html("see [the plan](javascript:x) and [this](https://e.org) **now**");
        assert!(html.contains("see the plan and"), "{html}");
        assert!(
            html.contains("<a href=\"https://e.org\">this</a>"),
            "{html}"
        );
        assert!(html.contains("<strong>now</strong>"), "{html}");
        let html = to_html("![a chart](javascript:x)");
        assert!(html.contains("a chart"), "{html}");
    }

    #[test]
    fn raw_html_is_text() {
        let html = to_html("<script>alert(1)</script> <b onclick=x>hi</b>");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;b onclick=x&gt;"), "{html}");
    }
}
