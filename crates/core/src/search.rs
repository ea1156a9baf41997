//! Search terms that work the same in Korean and English, on both engines.
//!
//! SQLite's `unicode61` tokenizer indexes a whole Hangul run (서울에서) as
//! one token, and trigram indexes (FTS5 `trigram`, `pg_trgm`) need three
//! characters, so a two-syllable name finds nothing. The tokens are
//! therefore computed here, in Rust, and handed to the engine's own
//! full-text index (FTS5, or a `tsvector` with the `simple` configuration)
//! as a text of tokens separated by spaces:
//! - every beginning of one to [`PREFIX_MAX`] characters of a word
//!   (lowercased) that is not all Hangul syllables, so that "kim" finds
//!   "Kimura" and "2024" finds "2024년" by one exact lookup;
//! - every Hangul syllable of a word and every pair of adjacent ones, so
//!   that 김 finds 김철수, 서울 finds 서울에서 and 철수 finds 김철수;
//! - the initial consonants (초성) of a Hangul word, alone and in pairs,
//!   so that ㄱㅊ finds 김철수 (jamo never occur in words, so these cannot
//!   collide).
//!
//! A query becomes the tokens every match holds, so no query scans; what
//! tokens cannot prove (a run of three syllables whose pairs could lie
//! apart, a word longer than [`PREFIX_MAX`]) is left to the caller to
//! check on the text (`Query::contains`). [`matches`] says what the
//! search means, for tests.

use std::collections::BTreeSet;

/// The initial consonants, in the order of the Hangul syllable block.
const CHOSEONG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];

/// Whether `c` is a precomposed Hangul syllable (가 to 힣).
pub fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Whether `c` is one of the initial consonants as typed alone (ㄱ, ㄴ, …).
pub fn is_initial(c: char) -> bool {
    CHOSEONG.contains(&c)
}

/// The initial consonant of a Hangul syllable.
pub fn initial_of(c: char) -> Option<char> {
    is_syllable(c).then(|| CHOSEONG[((c as u32 - 0xAC00) / 588) as usize])
}

/// The words of a text: runs of letters and digits, lowercased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Longest beginning of a word indexed as a token of its own, in
/// characters; a longer query word is looked up by its first
/// [`PREFIX_MAX`] characters and checked on the text.
pub const PREFIX_MAX: usize = 12;

/// The tokens a text is indexed under.
pub fn index_tokens(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for word in words(text) {
        let chars: Vec<char> = word.chars().collect();
        if !chars.iter().all(|c| is_syllable(*c)) {
            // Every beginning of a word that is not all syllables (2024년,
            // AI기술을 as much as Kimura) is a token, so a query word is one
            // exact lookup: an engine's prefix query merges the lists of
            // every word it covers first, which for a common surname is
            // most of the country. No token is longer than PREFIX_MAX
            // characters (PostgreSQL refuses a lexeme of 2 KB).
            for n in 1..=chars.len().min(PREFIX_MAX) {
                out.insert(chars[..n].iter().collect());
            }
        }
        // Each syllable, each initial consonant, and each pair of them: a
        // query of one or two is then one exact lookup, never a scan.
        for c in chars.iter().filter(|c| is_syllable(**c)) {
            out.insert(c.to_string());
        }
        for pair in chars.windows(2) {
            if is_syllable(pair[0]) && is_syllable(pair[1]) {
                out.insert(format!("{}{}", pair[0], pair[1]));
            }
        }
        let initials: Vec<char> = chars.iter().filter_map(|c| initial_of(*c)).collect();
        for c in &initials {
            out.insert(c.to_string());
        }
        for pair in initials.windows(2) {
            out.insert(format!("{}{}", pair[0], pair[1]));
        }
    }
    out
}

/// The tokens of a text as one indexed column: separated by spaces.
pub fn index_text(text: &str) -> String {
    index_tokens(text).into_iter().collect::<Vec<_>>().join(" ")
}

/// What a query asks of each match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Tokens every match holds.
    pub tokens: BTreeSet<String>,
    /// Words every match contains as they are typed, where tokens cannot
    /// say it (a single syllable or letter; a run of three syllables or
    /// more, whose pairs could lie apart): the caller checks these on the
    /// text.
    pub contains: Vec<String>,
}

impl Query {
    /// Whether the query narrows nothing by tokens (a caller then scans,
    /// checking [`Query::contains`]).
    pub fn is_open(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// The tokens of a query: each Hangul word by its syllable pairs, each run
/// of initial consonants by its pairs, each other word as the beginning
/// it is.
pub fn query(text: &str) -> Query {
    let mut q = Query::default();
    for word in words(text) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 2 {
            // A syllable, an initial consonant, a letter or a digit: a
            // token of its own.
            q.tokens.insert(word);
        } else if chars.iter().all(|c| is_initial(*c)) {
            // Pairs found apart (ㄱㅊ…ㅊㅅ in two words) would pass too;
            // rare enough in names to leave.
            for pair in chars.windows(2) {
                q.tokens.insert(format!("{}{}", pair[0], pair[1]));
            }
        } else if chars.iter().all(|c| is_syllable(*c)) {
            for pair in chars.windows(2) {
                q.tokens.insert(format!("{}{}", pair[0], pair[1]));
            }
            if chars.len() > 2 {
                q.contains.push(word);
            }
        } else {
            q.tokens.insert(chars.iter().take(PREFIX_MAX).collect());
            if chars.len() > PREFIX_MAX {
                q.contains.push(word);
            }
        }
    }
    q
}

/// Whether `text` matches `query_text` as the search means it: every query
/// word is the beginning of a word of the text, a run of syllables within
/// a word, or a run of initial consonants within a word's initials.
pub fn matches(text: &str, query_text: &str) -> bool {
    let words = words(text);
    let initials: Vec<String> = words
        .iter()
        .map(|w| w.chars().filter_map(initial_of).collect())
        .collect();
    self::words(query_text).iter().all(|q| {
        if q.chars().all(is_initial) {
            initials.iter().any(|i| i.contains(q.as_str()))
        } else if q.chars().all(is_syllable) {
            words.iter().any(|w| w.contains(q.as_str()))
        } else {
            words.iter().any(|w| w.starts_with(q.as_str()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the index of `text` holds what `q` asks, as an engine would
    /// answer it.
    fn holds(text: &str, q: &str) -> bool {
        let q = query(q);
        q.tokens.is_subset(&index_tokens(text))
    }

    #[test]
    fn two_syllable_names_and_parts_of_words_are_found() {
        assert!(holds("김철수", "철수"));
        assert!(holds("김철수", "김철"));
        assert!(holds("김철수", "김철수"));
        assert!(holds("서울에서 왔다", "서울"));
        assert!(!holds("김철수", "철민"));
        assert!(!holds("박영희", "철수"));
        assert!(
            query("철수").contains.is_empty(),
            "a pair is proven by its token"
        );
        assert_eq!(
            query("김철수").contains,
            ["김철수"],
            "김철 and 철수 could lie apart"
        );
        assert_eq!(
            index_text("김철수"),
            "ㄱ ㄱㅊ ㅅ ㅊ ㅊㅅ 김 김철 수 철 철수"
        );
    }

    #[test]
    fn initial_consonants_find_names() {
        assert_eq!(initial_of('김'), Some('ㄱ'));
        assert_eq!(initial_of('힣'), Some('ㅎ'));
        assert_eq!(initial_of('a'), None);
        assert!(holds("김철수", "ㄱㅊ"));
        assert!(holds("김철수", "ㅊㅅ"));
        assert!(holds("김철수", "ㄱㅊㅅ"));
        assert!(!holds("김철수", "ㅂㅇ"));
        assert!(matches("김철수", "ㄱㅊㅅ"));
        assert!(
            !matches("김수철", "ㄱㅊㅅ"),
            "the pairs alone would say yes"
        );
        assert!(holds("김수철", "ㄱㅅ") && holds("김수철", "ㅅㅊ"));
    }

    #[test]
    fn english_words_are_found_by_their_beginnings() {
        assert!(holds("Anju Machine Factory", "mach"));
        assert!(holds("Anju Machine Factory", "factory anju"));
        assert!(!holds("Anju Machine Factory", "chine"));
        assert!(matches("Anju Machine Factory", "fac anju"));
        assert!(!matches("Anju Machine Factory", "chine"));
        assert!(query("mach").contains.is_empty());
        let long = "internationalization";
        assert!(holds(long, long));
        assert_eq!(
            query(long).contains,
            [long],
            "its first 12 letters, then the text"
        );
    }

    #[test]
    fn words_mixing_hangul_with_digits_or_letters_are_found_by_their_beginnings() {
        assert!(holds("2024년 계획", "2024") && matches("2024년 계획", "2024"));
        assert!(holds("AI기술을 배운다", "ai") && matches("AI기술을 배운다", "ai"));
        assert!(holds("제1세포", "제1") && holds("제1세포", "세포"));
        let long = "x".repeat(3_000);
        assert!(
            index_tokens(&long)
                .iter()
                .all(|t| t.chars().count() <= PREFIX_MAX),
            "no token longer than PREFIX_MAX"
        );
        assert!(holds(&long, &long) && matches(&long, &long));
    }

    #[test]
    fn one_character_is_one_lookup_too() {
        for one in ["김", "ㄱ", "k", "7"] {
            let q = query(one);
            assert!(!q.is_open() && q.contains.is_empty(), "{one}: {q:?}");
        }
        assert!(holds("김철수", "김") && holds("김철수", "수") && matches("김철수", "수"));
        assert!(holds("김철수", "ㅊ") && !holds("김철수", "ㅂ"));
        assert!(holds("Kim Chol", "c") && !holds("Kim Chol", "h"));
        assert!(!matches("Kim Chol", "h"), "words by their beginnings");
        assert!(query("").is_open());
        assert!(matches("Kim 철수", "ki 철수"));
        assert!(holds("Kim 철수", "ki 철수"));
    }
}
