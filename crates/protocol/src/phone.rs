//! Kazakhstan mobile numbers (`platform.md` §8), parsed without `regex`.
//!
//! People write the same number as `+7 (701) 123-45-67`, `8 701 123 45 67`, `7011234567`,
//! `87011234567` or `77011234567`; the platform wants `77011234567`. Kazakhstan shares +7 with
//! Russia, so Russian numbers (`+7 9…`, `+7 3…`, `+7 4…`, `+7 8…`) get their own error: they are
//! the likeliest mistake and deserve a specific message.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::operator::Operator;

/// A Kazakhstan mobile number in the platform's form: `7`, then ten digits starting `70`, `77` or
/// `747`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KzMobile(String);

/// Why a text is not a Kazakhstan mobile number. Each variant has its own message in the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// Nothing but spaces.
    Empty,
    /// A character that no way of writing a phone number uses.
    InvalidCharacter(char),
    /// Fewer digits than a full number.
    TooShort,
    /// More digits than a full number.
    TooLong,
    /// A Russian number: +7 followed by 3, 4, 8 or 9.
    Russian,
    /// A Kazakhstan number that is not a mobile one (a landline such as `+7 7172…`), or a
    /// national code no Kazakhstan number has.
    NotKazakhMobile,
    /// An international number of another country (`+1…`, `+996…`).
    Foreign,
}

impl PhoneError {
    /// A stable snake_case code for APIs and localised messages.
    pub const fn code(&self) -> &'static str {
        match self {
            PhoneError::Empty => "phone_empty",
            PhoneError::InvalidCharacter(_) => "phone_invalid_character",
            PhoneError::TooShort => "phone_too_short",
            PhoneError::TooLong => "phone_too_long",
            PhoneError::Russian => "phone_russian",
            PhoneError::NotKazakhMobile => "phone_not_kz_mobile",
            PhoneError::Foreign => "phone_foreign",
        }
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneError::Empty => f.write_str("enter a phone number"),
            PhoneError::InvalidCharacter(c) => write!(f, "a phone number cannot contain {c:?}"),
            PhoneError::TooShort => f.write_str("the number is too short: a Kazakhstan mobile number has 10 digits after +7"),
            PhoneError::TooLong => f.write_str("the number is too long: a Kazakhstan mobile number has 10 digits after +7"),
            PhoneError::Russian => f.write_str("this is a Russian number; only Kazakhstan mobile numbers (+7 70x, +7 747, +7 77x) can pay"),
            PhoneError::NotKazakhMobile => f.write_str("not a Kazakhstan mobile number (+7 70x, +7 747 or +7 77x)"),
            PhoneError::Foreign => f.write_str("not a Kazakhstan number: it must start with +7"),
        }
    }
}

impl std::error::Error for PhoneError {}

/// Digits after the country code in a full number.
const NATIONAL_DIGITS: usize = 10;

/// Characters people put between digits.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\t' | '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '(' | ')' | '.' | '/')
}

/// The digits of an input and whether it began with `+`.
fn scan(input: &str) -> Result<(bool, Vec<u8>), PhoneError> {
    let mut plus = false;
    let mut digits = Vec::with_capacity(12);
    for c in input.chars() {
        if c.is_ascii_digit() {
            digits.push(c as u8);
        } else if c == '+' && !plus && digits.is_empty() {
            plus = true;
        } else if !is_separator(c) {
            return Err(PhoneError::InvalidCharacter(c));
        }
    }
    Ok((plus, digits))
}

/// The national part (after the country code or trunk prefix) of an input's digits.
fn national_part(plus: bool, digits: &[u8]) -> Result<&[u8], PhoneError> {
    match (plus, digits) {
        (_, []) => Err(PhoneError::Empty),
        (true, [b'7', rest @ ..]) => Ok(rest),
        (true, _) => Err(PhoneError::Foreign),
        // `8` is the national trunk prefix: `8 701 …`.
        (false, [b'8', rest @ ..]) => Ok(rest),
        (false, [b'7', rest @ ..]) if digits.len() > NATIONAL_DIGITS => Ok(rest),
        (false, [b'7', ..]) if digits.len() == NATIONAL_DIGITS => Ok(digits),
        // `7…` with fewer than ten digits: the 7 could be the country code or the start of `70x`,
        // and either way digits are missing.
        (false, [b'7', ..]) => Err(PhoneError::TooShort),
        // Russians often write their mobiles without a prefix: `916 123 45 67`.
        (false, [b'9', ..]) => Err(PhoneError::Russian),
        (false, _) => Err(PhoneError::NotKazakhMobile),
    }
}

/// Whether the national digits seen so far can begin a Kazakhstan mobile number.
fn classify(national: &[u8]) -> Result<(), PhoneError> {
    match national {
        [] => Err(PhoneError::TooShort),
        [b'3' | b'4' | b'8' | b'9', ..] => Err(PhoneError::Russian),
        [b'7'] | [b'7', b'0' | b'7' | b'4'] => Ok(()),
        [b'7', b'0' | b'7', ..] | [b'7', b'4', b'7', ..] => Ok(()),
        _ => Err(PhoneError::NotKazakhMobile),
    }
}

impl KzMobile {
    /// Reads any of the usual ways of writing a Kazakhstan mobile number.
    pub fn parse(input: &str) -> Result<KzMobile, PhoneError> {
        let (plus, digits) = scan(input)?;
        let national = national_part(plus, &digits)?;
        classify(national)?;
        match national.len() {
            n if n < NATIONAL_DIGITS => Err(PhoneError::TooShort),
            n if n > NATIONAL_DIGITS => Err(PhoneError::TooLong),
            _ => {
                let mut text = String::with_capacity(11);
                text.push('7');
                text.extend(national.iter().map(|&d| d as char));
                Ok(KzMobile(text))
            }
        }
    }

    /// The platform's form: `77011234567`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The three-digit national code: `701`.
    pub fn national_code(&self) -> &str {
        &self.0[1..4]
    }

    /// International display form: `+7 701 123 45 67`.
    pub fn format(&self) -> String {
        let d = &self.0;
        format!("+7 {} {} {} {}", &d[1..4], &d[4..7], &d[7..9], &d[9..11])
    }

    /// National display form with the trunk prefix: `8 701 123 45 67`.
    pub fn format_national(&self) -> String {
        let d = &self.0;
        format!("8 {} {} {} {}", &d[1..4], &d[4..7], &d[7..9], &d[9..11])
    }

    /// For receipts and logs: `+7 701 ••• •• 67`.
    pub fn masked(&self) -> String {
        format!("+7 {} ••• •• {}", self.national_code(), &self.0[9..11])
    }

    /// Operators that own this number's prefix, most likely first; empty when no operator is known
    /// for it. A suggestion only: numbers can move between operators.
    pub fn suggested_operators(&self) -> &'static [Operator] {
        Operator::for_prefix(self.national_code())
    }
}

impl fmt::Display for KzMobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

impl TryFrom<String> for KzMobile {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        KzMobile::parse(&value)
    }
}

impl From<KzMobile> for String {
    fn from(value: KzMobile) -> String {
        value.0
    }
}

/// Formats a number while it is being typed, keeping every digit the customer entered.
///
/// A leading `+` or trunk `8`, or an eleventh digit, shows the first digit apart
/// (`+7 701 123 45 67`, `8 701 123 45 67`); otherwise the digits group as a national number
/// (`701 123 45 67`). Characters that are not digits are dropped.
pub fn format_partial(input: &str) -> String {
    let plus = input.trim_start().starts_with('+');
    let digits: Vec<char> = input.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 6);
    let national: &[char] = if plus || digits.first() == Some(&'8') || digits.len() > NATIONAL_DIGITS {
        if plus {
            out.push('+');
        }
        match digits.split_first() {
            Some((first, rest)) => {
                out.push(*first);
                rest
            }
            None => return out,
        }
    } else {
        &digits
    };
    for (i, d) in national.iter().enumerate() {
        if matches!(i, 3 | 6 | 8 | NATIONAL_DIGITS) || (i == 0 && !out.is_empty()) {
            out.push(' ');
        }
        out.push(*d);
    }
    out
}

/// The char index just after the `digits`-th digit of `formatted` (0 → before the first digit,
/// after any `+`), so a caret keeps its place among the digits when the field is reformatted.
pub fn caret_after_digits(formatted: &str, digits: usize) -> usize {
    if digits == 0 {
        return formatted.chars().take_while(|c| !c.is_ascii_digit()).count();
    }
    let mut seen = 0;
    for (i, c) in formatted.chars().enumerate() {
        if c.is_ascii_digit() {
            seen += 1;
            if seen == digits {
                return i + 1;
            }
        }
    }
    formatted.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expected: Result<&str, PhoneError>) {
        let got = KzMobile::parse(input);
        assert_eq!(got.as_ref().map(KzMobile::as_str).map_err(Clone::clone), expected, "{input:?}");
    }

    #[test]
    fn every_usual_form_reads_as_the_platform_form() {
        for input in [
            "+7 (701) 123-45-67",
            "8 701 123 45 67",
            "7011234567",
            "87011234567",
            "77011234567",
            "+77011234567",
            " +7\u{a0}701\u{a0}123\u{a0}45\u{a0}67 ",
            "8-701-123-45-67",
            "8 (701) 123.45.67",
        ] {
            check(input, Ok("77011234567"));
        }
        check("7771234567", Ok("77771234567"));
        check("+7 747 123 45 67", Ok("77471234567"));
    }

    #[test]
    fn russian_numbers_are_named_as_such() {
        for input in ["+7 916 123 45 67", "89161234567", "9161234567", "+7 495 123 45 67", "+7 800 555 35 35", "79161234567"] {
            check(input, Err(PhoneError::Russian));
        }
    }

    #[test]
    fn kazakh_landlines_and_unknown_codes_are_not_mobiles() {
        for input in ["+7 7172 12 34 56", "87272123456", "+7 612 345 67 89", "0701234567", "+7 748 123 45 67"] {
            check(input, Err(PhoneError::NotKazakhMobile));
        }
    }

    #[test]
    fn lengths_are_checked_after_the_prefix() {
        check("+7 701 123 45", Err(PhoneError::TooShort));
        check("8 701", Err(PhoneError::TooShort));
        check("701123", Err(PhoneError::TooShort));
        check("+7", Err(PhoneError::TooShort));
        check("+7 701 123 45 678", Err(PhoneError::TooLong));
        check("8 701 123 45 67 8", Err(PhoneError::TooLong));
    }

    #[test]
    fn other_inputs_get_their_own_errors() {
        check("", Err(PhoneError::Empty));
        check("   ", Err(PhoneError::Empty));
        check("+", Err(PhoneError::Empty));
        check("+1 555 123 4567", Err(PhoneError::Foreign));
        check("+996 555 123 456", Err(PhoneError::Foreign));
        check("701 123 45 6x", Err(PhoneError::InvalidCharacter('x')));
        check("++7 701 123 45 67", Err(PhoneError::InvalidCharacter('+')));
        check("7 701 123+45 67", Err(PhoneError::InvalidCharacter('+')));
    }

    #[test]
    fn display_forms() {
        let phone = KzMobile::parse("87071234567").unwrap();
        assert_eq!(phone.format(), "+7 707 123 45 67");
        assert_eq!(phone.format_national(), "8 707 123 45 67");
        assert_eq!(phone.masked(), "+7 707 ••• •• 67");
        assert_eq!(phone.suggested_operators(), &[Operator::Tele2]);
    }

    #[test]
    fn partial_formatting_groups_as_you_type() {
        let check = |input: &str, expected: &str| assert_eq!(format_partial(input), expected, "{input:?}");
        check("", "");
        check("+", "+");
        check("+7", "+7");
        check("+77", "+7 7");
        check("+7701", "+7 701");
        check("+77011", "+7 701 1");
        check("+77011234567", "+7 701 123 45 67");
        check("8701123", "8 701 123");
        check("701", "701");
        check("7011234", "701 123 4");
        check("7011234567", "701 123 45 67");
        check("77011234567", "7 701 123 45 67");
        check("770112345678", "7 701 123 45 67 8");
    }

    #[test]
    fn caret_keeps_its_place_among_digits() {
        assert_eq!(caret_after_digits("+7 701 123", 0), 1);
        assert_eq!(caret_after_digits("+7 701 123", 1), 2);
        assert_eq!(caret_after_digits("+7 701 123", 4), 6);
        assert_eq!(caret_after_digits("+7 701 123", 5), 8);
        assert_eq!(caret_after_digits("+7 701 123", 99), 10);
    }

    fn valid_mobile() -> impl Strategy<Value = KzMobile> {
        let codes =
            prop::sample::select(vec!["700", "701", "702", "705", "706", "707", "708", "747", "771", "775", "776", "777", "778", "709", "770"]);
        (codes, 0u32..10_000_000).prop_map(|(code, rest)| KzMobile::parse(&format!("7{code}{rest:07}")).unwrap())
    }

    proptest! {
        #[test]
        fn formatting_then_parsing_is_identity(phone in valid_mobile()) {
            prop_assert_eq!(KzMobile::parse(&phone.format()), Ok(phone.clone()));
            prop_assert_eq!(KzMobile::parse(&phone.format_national()), Ok(phone.clone()));
            prop_assert_eq!(KzMobile::parse(&format_partial(phone.as_str())), Ok(phone.clone()));
            prop_assert_eq!(KzMobile::parse(&format_partial(&phone.as_str()[1..])), Ok(phone.clone()));
            prop_assert_eq!(KzMobile::parse(&format_partial(&phone.format())), Ok(phone.clone()));
        }

        #[test]
        fn arbitrary_text_never_panics(input in "\\PC{0,30}") {
            let _ = KzMobile::parse(&input);
            let formatted = format_partial(&input);
            prop_assert!(caret_after_digits(&formatted, 5) <= formatted.chars().count());
        }

        #[test]
        fn partial_formatting_keeps_every_digit(input in "[0-9+ ()-]{0,20}") {
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            prop_assert_eq!(digits(&format_partial(&input)), digits(&input));
        }
    }
}
