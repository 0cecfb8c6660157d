//! Amounts in minor units (tiyn) and their display in tenge.
//!
//! The platform counts money as integers of minor units (1000.00 KZT → `100000`). Conversions
//! from text return errors instead of panicking or rounding.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::locale::Locale;

/// An amount in minor units of its currency (tiyn for KZT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Amount(pub u64);

/// The smallest and largest cash-in at a Kassa24 terminal: 1.00–500,000.00 KZT (`platform.md` §7).
pub const CASH_IN_LIMITS: (Amount, Amount) = (Amount(100), Amount(50_000_000));

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// Nothing to read.
    Empty,
    /// A minus sign: amounts are never negative.
    Negative,
    /// Something other than digits, one decimal separator and group spaces.
    NotANumber,
    /// More decimals than the currency has (KZT has two).
    TooManyDecimals,
    /// Larger than the platform's integers can carry.
    Overflow,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MoneyError::Empty => "no amount given",
            MoneyError::Negative => "an amount cannot be negative",
            MoneyError::NotANumber => "not an amount: use digits and one decimal separator",
            MoneyError::TooManyDecimals => "tenge have two decimals at most",
            MoneyError::Overflow => "the amount is too large",
        })
    }
}

impl std::error::Error for MoneyError {}

impl Amount {
    /// Reads tenge written by a person: `1000`, `1 000,50`, `1000.5`.
    pub fn parse_major(text: &str) -> Result<Amount, MoneyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        if text.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (whole, fraction) = match text.find(['.', ',']) {
            Some(at) => (&text[..at], &text[at + 1..]),
            None => (text, ""),
        };
        if fraction.len() > 2 && fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::TooManyDecimals);
        }
        if (whole.is_empty() && fraction.is_empty()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber);
        }
        let mut units: u64 = 0;
        for c in whole.chars() {
            match c {
                '0'..='9' => {
                    units = units.checked_mul(10).and_then(|u| u.checked_add(u64::from(c as u8 - b'0'))).ok_or(MoneyError::Overflow)?;
                }
                ' ' | '\u{a0}' | '\u{202f}' => {}
                _ => return Err(MoneyError::NotANumber),
            }
        }
        let mut cents = 0;
        for (i, b) in fraction.bytes().enumerate() {
            cents += u64::from(b - b'0') * if i == 0 { 10 } else { 1 };
        }
        units.checked_mul(100).and_then(|m| m.checked_add(cents)).map(Amount).ok_or(MoneyError::Overflow)
    }

    /// Subtraction that refuses to go below zero.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// Addition that refuses to overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// Tenge for a customer: `1 000,00 ₸` in Kazakh and Russian, `₸1,000.00` in English.
    ///
    /// Groups are separated by a no-break space so the amount never wraps.
    pub fn format_kzt(self, locale: Locale) -> String {
        let (group, decimal) = match locale {
            Locale::Kk | Locale::Ru => ('\u{a0}', ','),
            Locale::En => (',', '.'),
        };
        let whole = (self.0 / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 + 8);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let cents = self.0 % 100;
        match locale {
            Locale::Kk | Locale::Ru => format!("{grouped}{decimal}{cents:02}\u{a0}₸"),
            Locale::En => format!("₸{grouped}{decimal}{cents:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_tenge_per_locale() {
        assert_eq!(Amount(100_000).format_kzt(Locale::Ru), "1\u{a0}000,00\u{a0}₸");
        assert_eq!(Amount(100_000).format_kzt(Locale::Kk), "1\u{a0}000,00\u{a0}₸");
        assert_eq!(Amount(100_000).format_kzt(Locale::En), "₸1,000.00");
        assert_eq!(Amount(5).format_kzt(Locale::Ru), "0,05\u{a0}₸");
        assert_eq!(Amount(50_000_000).format_kzt(Locale::En), "₸500,000.00");
        assert_eq!(Amount(12_345_678_901).format_kzt(Locale::Ru), "123\u{a0}456\u{a0}789,01\u{a0}₸");
    }

    #[test]
    fn parses_major_units() {
        let check = |text: &str, expected: Result<u64, MoneyError>| assert_eq!(Amount::parse_major(text).map(|a| a.0), expected, "{text:?}");
        check("1000", Ok(100_000));
        check("1 000,5", Ok(100_050));
        check("1000.05", Ok(100_005));
        check(".5", Ok(50));
        check("7,", Ok(700));
        check("", Err(MoneyError::Empty));
        check("-1", Err(MoneyError::Negative));
        check("1.005", Err(MoneyError::TooManyDecimals));
        check("1.2.3", Err(MoneyError::NotANumber));
        check("12a", Err(MoneyError::NotANumber));
        check(".", Err(MoneyError::NotANumber));
        check("99999999999999999999", Err(MoneyError::Overflow));
        check("184467440737095517", Err(MoneyError::Overflow));
    }

    #[test]
    fn arithmetic_never_wraps() {
        assert_eq!(Amount(5).checked_sub(Amount(6)), None);
        assert_eq!(Amount(u64::MAX).checked_add(Amount(1)), None);
        assert_eq!(Amount(5).checked_sub(Amount(5)), Some(Amount(0)));
    }

    proptest! {
        #[test]
        fn formatting_then_parsing_round_trips(minor in 0u64..10_000_000_000_000) {
            let amount = Amount(minor);
            let shown = amount.format_kzt(Locale::Ru);
            prop_assert_eq!(Amount::parse_major(shown.trim_end_matches('₸')), Ok(amount));
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,30}") {
            let _ = Amount::parse_major(&text);
        }
    }
}
