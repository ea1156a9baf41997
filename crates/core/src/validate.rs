//! Input validation shared by forms, the API and the CLI.

use serde::Serialize;

/// A validation failure that names the field at fault, so forms and API
/// clients can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// Name of the offending field, as the form or JSON body spells it.
    pub field: &'static str,
    /// Machine-readable reason, also a translation key suffix.
    pub code: &'static str,
    /// Human-readable explanation in English (the UI translates `code`).
    pub message: String,
}

/// Every code a [`FieldError`] may carry. Each has a message in every
/// catalogue (`validation-<code>`, `_` written `-`); a test checks both
/// that and that every code written in the sources is listed here.
pub const CODES: &[&str] = &[
    "action_required",
    "actions_open",
    "already_acknowledged",
    "already_adopted",
    "already_given",
    "already_started",
    "bad_line",
    "before_start",
    "cascaded",
    "cites_other_decision",
    "closed",
    "comment_required",
    "cycle",
    "empty",
    "encoding",
    "exceeds_own",
    "exceeds_stock",
    "format",
    "in_future",
    "in_past",
    "in_use",
    "inside",
    "invalid",
    "invalid_choice",
    "invalid_date",
    "invalid_key",
    "last_handler",
    "length",
    "locked",
    "malformed",
    "no_handler",
    "not_a_suggestion",
    "not_addressed",
    "not_below",
    "not_done",
    "not_empty",
    "not_found",
    "not_in_plan",
    "not_in_unit",
    "not_investigated",
    "not_on_path",
    "not_open",
    "not_participant",
    "not_removable",
    "not_running",
    "not_subunit",
    "not_yet_held",
    "one_owner",
    "other_unit",
    "out_of_range",
    "outside",
    "outside_unit",
    "pending",
    "placement",
    "positions_outside",
    "published",
    "question",
    "range",
    "required",
    "required_off_track",
    "review_closed",
    "root",
    "rule_fixed",
    "shares_out_of_reach",
    "suggestion_concerns",
    "sum_needs_numeric",
    "taken",
    "target_value_required",
    "too_large",
    "too_long",
    "too_many",
    "too_short",
    "unknown_receipt",
    "wrong",
];

impl FieldError {
    /// Builds an error for `field`.
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        debug_assert!(
            CODES.contains(&code),
            "validation code `{code}` is not in validate::CODES"
        );
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}

/// Result of a validation step.
pub type Validated<T> = Result<T, FieldError>;

/// Trims a display name (of a unit or an account) and checks its length.
/// Any Unicode letter is allowed: Korean and other scripts are first-class.
pub fn display_name(field: &'static str, raw: &str) -> Validated<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    if name.chars().count() > 200 {
        return Err(FieldError::new(
            field,
            "too_long",
            "must be at most 200 characters",
        ));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            "invalid",
            "must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

/// Checks a login name: 3–64 characters of lowercase ASCII letters, digits,
/// `.`, `_` or `-`, starting with a letter or digit.
pub fn username(raw: &str) -> Validated<String> {
    let name = raw.trim().to_lowercase();
    let len = name.chars().count();
    if !(3..=64).contains(&len) {
        return Err(FieldError::new(
            "username",
            "length",
            "must be 3 to 64 characters",
        ));
    }
    let ok_first = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let ok_rest = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !ok_first || !ok_rest {
        return Err(FieldError::new(
            "username",
            "invalid",
            "may contain only letters a-z, digits, '.', '_' and '-', and must start with a letter or digit",
        ));
    }
    Ok(name)
}

/// Minimum password length. Length beats composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a new password.
pub fn new_password(field: &'static str, raw: &str) -> Validated<()> {
    let len = raw.chars().count();
    if len < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            "too_short",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if len > 1024 {
        return Err(FieldError::new(
            field,
            "too_long",
            "must be at most 1024 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accept_korean_and_trim() {
        assert_eq!(
            display_name("name", "  평양시 위원회 ").unwrap(),
            "평양시 위원회"
        );
        assert_eq!(display_name("name", " ").unwrap_err().code, "required");
        assert_eq!(
            display_name("name", "a\u{0007}b").unwrap_err().code,
            "invalid"
        );
        assert_eq!(
            display_name("name", &"x".repeat(201)).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn usernames() {
        assert_eq!(username(" Kim.Il ").unwrap(), "kim.il");
        assert_eq!(username("ab").unwrap_err().code, "length");
        assert_eq!(username("-abc").unwrap_err().code, "invalid");
        assert_eq!(username("a b c").unwrap_err().code, "invalid");
    }

    #[test]
    fn passwords() {
        assert!(new_password("password", "short").is_err());
        assert!(new_password("password", "long enough pass").is_ok());
    }
}
