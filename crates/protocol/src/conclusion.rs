//! The backend's own conclusions about a payment, as against the platform's verdicts.
//!
//! Two things end a payment without the platform having said so: a sale or payout that never
//! reached the platform (Gate could not even be connected to), and a Payment Page payment the
//! platform answered "not found" about once the customer had left the page. Both are stored and
//! sent as a failed outcome with a code of ours (the wire form is the platform's, so a shop's
//! code that reads `code` needs nothing new); this type is the one place that names them, for
//! the state machine, the backend and the widget alike.

use crate::state::Outcome;

/// A failure the backend concluded rather than heard: our best guess that no money moved, which
/// the platform's word about money replaces ([`crate::Payment::apply`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    /// The request never left: Gate could not be connected to. Frees the session at once.
    NotSent,
    /// The customer left the Payment Page and the platform, asked once the page was quiet, has
    /// no such payment. Brings the widget's pay button back.
    Abandoned,
}

impl Conclusion {
    /// Every conclusion, for tests.
    pub const ALL: [Conclusion; 2] = [Conclusion::NotSent, Conclusion::Abandoned];

    /// The failed outcome's `code` on the wire and in storage.
    pub const fn code(self) -> &'static str {
        match self {
            Conclusion::NotSent => "not_sent",
            Conclusion::Abandoned => "abandoned",
        }
    }

    /// The conclusion a failure's `code` names, if it names one.
    pub fn from_code(code: &str) -> Option<Conclusion> {
        Conclusion::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The failed outcome that records this conclusion, with `message` for people.
    pub fn outcome(self, message: impl Into<String>) -> Outcome {
        Outcome::Failed { code: self.code().to_owned(), message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_conclusion_reads_back_from_its_code_and_no_platform_code_is_one() {
        for conclusion in Conclusion::ALL {
            assert_eq!(Conclusion::from_code(conclusion.code()), Some(conclusion));
            assert_eq!(conclusion.outcome("m").conclusion(), Some(conclusion));
        }
        assert_eq!(Conclusion::from_code("20000"), None);
        assert_eq!(Outcome::Declined { code: "not_sent".into(), message: String::new() }.conclusion(), None, "only a failure is a conclusion");
    }
}
