//! The three languages of the checkout and their CLDR plural rules.

use serde::{Deserialize, Serialize};

/// A language the checkout speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Kazakh.
    Kk,
    /// Russian: the default when nothing else matches, as most of the country reads it.
    Ru,
    /// English.
    En,
}

/// CLDR plural categories for integers in our three languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    /// 1 (and 21, 31… in Russian).
    One,
    /// 2–4, 22–24… in Russian.
    Few,
    /// 0, 5–20, 25–30… in Russian.
    Many,
    /// Everything else (Kazakh and English other than 1).
    Other,
}

impl Locale {
    /// Every locale, in the order a language switch shows them.
    pub const ALL: [Locale; 3] = [Locale::Kk, Locale::Ru, Locale::En];

    /// The BCP 47 tag.
    pub const fn tag(self) -> &'static str {
        match self {
            Locale::Kk => "kk",
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }

    /// Reads a language tag such as `kk`, `ru-KZ` or `en_US`; only the primary subtag counts.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        match primary.to_ascii_lowercase().as_str() {
            "kk" => Some(Locale::Kk),
            "ru" => Some(Locale::Ru),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The first supported language of a preference list (an attribute, then
    /// `navigator.languages`), else Russian.
    pub fn negotiate<'a>(preferences: impl IntoIterator<Item = &'a str>) -> Locale {
        preferences.into_iter().find_map(Locale::from_tag).unwrap_or(Locale::Ru)
    }

    /// The CLDR plural category of a whole number `n`.
    pub fn plural(self, n: u64) -> Plural {
        match self {
            Locale::Ru => match (n % 10, n % 100) {
                (1, m) if m != 11 => Plural::One,
                (2..=4, m) if !(12..=14).contains(&m) => Plural::Few,
                _ => Plural::Many,
            },
            Locale::Kk | Locale::En => {
                if n == 1 {
                    Plural::One
                } else {
                    Plural::Other
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_plurals_follow_cldr() {
        let check = |n, p| assert_eq!(Locale::Ru.plural(n), p, "{n}");
        check(0, Plural::Many);
        check(1, Plural::One);
        check(2, Plural::Few);
        check(4, Plural::Few);
        check(5, Plural::Many);
        check(11, Plural::Many);
        check(12, Plural::Many);
        check(21, Plural::One);
        check(22, Plural::Few);
        check(111, Plural::Many);
    }

    #[test]
    fn kazakh_and_english_have_one_and_other() {
        for locale in [Locale::Kk, Locale::En] {
            assert_eq!(locale.plural(1), Plural::One);
            assert_eq!(locale.plural(0), Plural::Other);
            assert_eq!(locale.plural(3), Plural::Other);
        }
    }

    #[test]
    fn negotiation_takes_the_first_supported_language_else_russian() {
        assert_eq!(Locale::negotiate(["de-DE", "kk-KZ", "en"]), Locale::Kk);
        assert_eq!(Locale::negotiate(["EN_us"]), Locale::En);
        assert_eq!(Locale::negotiate(["fr", ""]), Locale::Ru);
        assert_eq!(Locale::negotiate(Vec::<&str>::new()), Locale::Ru);
    }
}
