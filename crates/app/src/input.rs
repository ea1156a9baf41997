//! Checks of typed input that several use cases share.

use grassroots_core::FieldError;

use crate::AppResult;

/// A free text of at most `max` printable characters, or `None` when
/// empty.
pub(crate) fn optional(raw: &str, field: &'static str, max: usize) -> AppResult<Option<String>> {
    let v = raw.trim();
    if v.is_empty() {
        Ok(None)
    } else if v.chars().count() > max || v.chars().any(char::is_control) {
        Err(FieldError::new(
            field,
            "invalid",
            format!("must be at most {max} printable characters"),
        )
        .into())
    } else {
        Ok(Some(v.to_string()))
    }
}

/// A text of several lines: like [`optional`], but line breaks and tabs
/// are allowed.
pub(crate) fn text(raw: &str, field: &'static str, max: usize) -> AppResult<Option<String>> {
    let v = raw.trim();
    if v.is_empty() {
        Ok(None)
    } else if v.chars().count() > max
        || v.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Err(FieldError::new(
            field,
            "invalid",
            format!("must be at most {max} printable characters"),
        )
        .into())
    } else {
        Ok(Some(v.to_string()))
    }
}
