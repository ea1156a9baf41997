//! The order names are shown in: Unicode collation (ICU4X's root order,
//! with numbers by their value), the same on both engines. A name's sort
//! key is computed here and stored beside it; the databases order by the
//! key's bytes, so "Cell 2" comes before "Cell 10", "kim" sits with
//! "Kim", and Hangul names follow the dictionary's order of their jamo.

use std::cmp::Ordering;
use std::sync::LazyLock;

use icu_collator::options::CollatorOptions;
use icu_collator::preferences::CollationNumericOrdering;
use icu_collator::{CollatorBorrowed, CollatorPreferences};

static COLLATOR: LazyLock<CollatorBorrowed<'static>> = LazyLock::new(|| {
    let mut prefs = CollatorPreferences::default();
    prefs.numeric_ordering = Some(CollationNumericOrdering::True);
    CollatorBorrowed::try_new(prefs, CollatorOptions::default())
        .expect("the root collation is compiled in")
});

/// The bytes whose order (as compared byte by byte) is the collation
/// order of `name`.
pub fn sort_key(name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() * 3);
    let Ok(()) = COLLATOR.write_sort_key_to(name, &mut key);
    key
}

/// Compares two names in the collation order.
pub fn compare(a: &str, b: &str) -> Ordering {
    COLLATOR.compare(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_collation_and_keys_agree() {
        let mut names = vec![
            "Cell 10",
            "Cell 2",
            "리영희",
            "kim chol",
            "Kim Chol",
            "김철수",
            "Ri Yong",
            "가나",
            "ㄱ",
            "Pak",
        ];
        names.sort_by(|a, b| compare(a, b));
        assert_eq!(
            names,
            [
                "Cell 2",
                "Cell 10",
                "kim chol",
                "Kim Chol",
                "Pak",
                "Ri Yong",
                "ㄱ",
                "가나",
                "김철수",
                "리영희"
            ]
        );
        let mut by_key = names.clone();
        by_key.reverse();
        by_key.sort_by_key(|n| sort_key(n));
        assert_eq!(by_key, names, "keys order as the collator compares");
    }
}
