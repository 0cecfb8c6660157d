//! The code the operator texts, as the customer types it: the one rule the widget, the backend
//! and the sandbox all apply.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Shortest code an operator sends.
pub const MIN_DIGITS: usize = 4;
/// Longest code an operator sends.
pub const MAX_DIGITS: usize = 8;

/// A one-time code of 4 to 8 ASCII digits (`platform.md` §5). Spaces, dashes and no-break
/// spaces a customer types or pastes between digits are dropped; anything else is refused.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApprovalCode(String);

/// Why a typed code is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalCodeError {
    /// Fewer than four or more than eight digits.
    Length,
    /// A character that is neither a digit nor a separator.
    NotDigits,
}

impl fmt::Display for ApprovalCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApprovalCodeError::Length => "the code from the SMS is 4 to 8 digits",
            ApprovalCodeError::NotDigits => "the code from the SMS is digits only",
        })
    }
}

impl std::error::Error for ApprovalCodeError {}

impl ApprovalCode {
    /// Reads a code as typed.
    pub fn parse(typed: &str) -> Result<ApprovalCode, ApprovalCodeError> {
        let kept: String = typed.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{a0}')).collect();
        if !kept.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApprovalCodeError::NotDigits);
        }
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&kept.len()) {
            return Err(ApprovalCodeError::Length);
        }
        Ok(ApprovalCode(kept))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Codes are secrets of a moment: never printed whole.
impl fmt::Debug for ApprovalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApprovalCode({} digits)", self.0.len())
    }
}

impl TryFrom<String> for ApprovalCode {
    type Error = ApprovalCodeError;

    fn try_from(typed: String) -> Result<Self, Self::Error> {
        ApprovalCode::parse(&typed)
    }
}

impl From<ApprovalCode> for String {
    fn from(code: ApprovalCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn separators_are_dropped_and_everything_else_is_refused() {
        assert_eq!(ApprovalCode::parse("123-456").unwrap().as_str(), "123456");
        assert_eq!(ApprovalCode::parse(" 12 34 \u{a0}56 ").unwrap().as_str(), "123456");
        assert_eq!(ApprovalCode::parse("1234").unwrap().as_str(), "1234");
        assert_eq!(ApprovalCode::parse("12345678").unwrap().as_str(), "12345678");
        assert_eq!(ApprovalCode::parse("123"), Err(ApprovalCodeError::Length));
        assert_eq!(ApprovalCode::parse("123456789"), Err(ApprovalCodeError::Length));
        assert_eq!(ApprovalCode::parse(""), Err(ApprovalCodeError::Length));
        assert_eq!(ApprovalCode::parse("12a456"), Err(ApprovalCodeError::NotDigits));
        assert_eq!(ApprovalCode::parse("١٢٣٤٥٦"), Err(ApprovalCodeError::NotDigits), "digits of other scripts are not the SMS's");
        assert_eq!(format!("{:?}", ApprovalCode::parse("123456").unwrap()), "ApprovalCode(6 digits)");
    }

    #[test]
    fn it_reads_and_writes_as_a_json_string_under_the_same_rule() {
        let code: ApprovalCode = serde_json::from_str("\"123 456\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"123456\"");
        assert!(serde_json::from_str::<ApprovalCode>("\"12\"").is_err());
        assert!(serde_json::from_str::<ApprovalCode>("123456").is_err(), "a number is not a code");
    }

    proptest! {
        #[test]
        fn a_parsed_code_is_always_4_to_8_ascii_digits(typed in "\\PC{0,12}") {
            if let Ok(code) = ApprovalCode::parse(&typed) {
                prop_assert!((MIN_DIGITS..=MAX_DIGITS).contains(&code.as_str().len()));
                prop_assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(ApprovalCode::parse(code.as_str()), Ok(code.clone()));
            }
        }
    }
}
