//! Reading urlencoded form bodies: repeated fields kept, values trimmed,
//! numbers refused by field name.

use grassroots_app::AppError;

/// The body's fields in order (repeated names kept).
pub(super) fn pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// The first value of field `k`, trimmed (empty when absent).
pub(super) fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// Field `k` when present and not empty.
pub(super) fn opt(pairs: &[(String, String)], k: &str) -> Option<String> {
    Some(field(pairs, k)).filter(|v| !v.is_empty())
}

/// Field `k` as a number (thousands commas allowed), refused by name.
pub(super) fn number(pairs: &[(String, String)], k: &'static str) -> Result<Option<f64>, AppError> {
    match opt(pairs, k) {
        None => Ok(None),
        Some(v) => v
            .replace(',', "")
            .parse::<f64>()
            .map(Some)
            .map_err(|_| AppError::invalid(k)),
    }
}

/// Field `k` as an integer, refused by name.
pub(super) fn id_in(pairs: &[(String, String)], k: &'static str) -> Result<Option<i64>, AppError> {
    match opt(pairs, k) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| AppError::invalid(k)),
    }
}
