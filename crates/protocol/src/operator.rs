//! Kazakhstan's mobile network operators as the platform names them.
//!
//! The live list comes from `/v2/info/mobile/{sale|payout}/list`; this static list is the seeds'
//! informational one, used as a marked fallback and for suggesting an operator from a prefix.

use serde::{Deserialize, Serialize};

/// An operator the seeds list, with its platform ID (`ACTIV`, `ALTEL`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operator {
    /// Activ, a Kcell brand on the same prefixes.
    Activ,
    /// Altel.
    Altel,
    /// Beeline Kazakhstan.
    Beeline,
    /// Kcell.
    Kcell,
    /// Tele2.
    Tele2,
}

impl Operator {
    /// The seeds' list, in its order.
    pub const ALL: [Operator; 5] = [Operator::Activ, Operator::Altel, Operator::Beeline, Operator::Kcell, Operator::Tele2];

    /// The platform's ID, as sent in `selected_operator` and received in `account.type`.
    pub const fn code(self) -> &'static str {
        match self {
            Operator::Activ => "ACTIV",
            Operator::Altel => "ALTEL",
            Operator::Beeline => "BEELINE",
            Operator::Kcell => "KCELL",
            Operator::Tele2 => "TELE2",
        }
    }

    /// The brand name customers know.
    pub const fn display_name(self) -> &'static str {
        match self {
            Operator::Activ => "Activ",
            Operator::Altel => "Altel",
            Operator::Beeline => "Beeline",
            Operator::Kcell => "Kcell",
            Operator::Tele2 => "Tele2",
        }
    }

    /// The operator with this platform ID, if it is one of the seeds' five (case-insensitive).
    pub fn from_code(code: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|op| op.code().eq_ignore_ascii_case(code.trim()))
    }

    /// Operators that own a three-digit mobile prefix (`701` → Kcell, Activ), most likely first.
    ///
    /// From libphonenumber's carrier data (`platform.md` §8). Numbers move between operators, so
    /// this is only ever a suggestion.
    pub fn for_prefix(prefix: &str) -> &'static [Operator] {
        match prefix {
            "700" | "708" => &[Operator::Altel],
            "701" | "702" | "775" | "778" => &[Operator::Kcell, Operator::Activ],
            "705" | "706" | "771" | "776" | "777" => &[Operator::Beeline],
            "707" | "747" => &[Operator::Tele2],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for op in Operator::ALL {
            assert_eq!(Operator::from_code(op.code()), Some(op));
            assert_eq!(Operator::from_code(&op.code().to_lowercase()), Some(op));
        }
        assert_eq!(Operator::from_code("MTS"), None);
    }

    #[test]
    fn prefixes_suggest_their_operators() {
        assert_eq!(Operator::for_prefix("700"), &[Operator::Altel]);
        assert_eq!(Operator::for_prefix("702"), &[Operator::Kcell, Operator::Activ]);
        assert_eq!(Operator::for_prefix("776"), &[Operator::Beeline]);
        assert_eq!(Operator::for_prefix("747"), &[Operator::Tele2]);
        assert!(Operator::for_prefix("703").is_empty());
    }

    #[test]
    fn serde_uses_platform_ids() {
        let json = serde_json::to_string(&Operator::Tele2).unwrap();
        assert_eq!(json, "\"TELE2\"");
    }
}
