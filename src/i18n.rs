//! Every text the widget shows, in Kazakh, Russian and English.
//!
//! Each locale is one exhaustive `match` over [`Msg`]: a message added without a translation in
//! every language does not compile, so no customer ever sees a blank or a key.

use checkout_protocol::Locale;

/// A text of the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Legend of the operator radio group.
    OperatorLegend,
    /// One-line hint under the operators: numbers move between operators.
    OperatorPortabilityHint,
}

impl Msg {
    /// Every message, so tests can check each locale renders each one.
    pub const ALL: [Msg; 2] = [Msg::OperatorLegend, Msg::OperatorPortabilityHint];
}

/// The text of `msg` in `locale`.
pub fn t(locale: Locale, msg: Msg) -> &'static str {
    match locale {
        Locale::Kk => kk(msg),
        Locale::Ru => ru(msg),
        Locale::En => en(msg),
    }
}

fn kk(msg: Msg) -> &'static str {
    match msg {
        Msg::OperatorLegend => "Ұялы байланыс операторы",
        Msg::OperatorPortabilityHint => {
            "Нөмір басқа операторға ауысқан болса, өз операторыңызды таңдаңыз."
        }
    }
}

fn ru(msg: Msg) -> &'static str {
    match msg {
        Msg::OperatorLegend => "Мобильный оператор",
        Msg::OperatorPortabilityHint => {
            "Если вы переносили номер к другому оператору, выберите своего текущего оператора."
        }
    }
}

fn en(msg: Msg) -> &'static str {
    match msg {
        Msg::OperatorLegend => "Mobile operator",
        Msg::OperatorPortabilityHint => {
            "If you moved your number to another operator, choose the one you use now."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_distinct_non_empty_text_in_every_locale() {
        for msg in Msg::ALL {
            let texts: Vec<&str> = Locale::ALL.iter().map(|&l| t(l, msg)).collect();
            assert!(texts.iter().all(|s| !s.trim().is_empty()), "{msg:?}");
            assert_ne!(texts[0], texts[2], "{msg:?} is not translated into Kazakh");
            assert_ne!(texts[1], texts[2], "{msg:?} is not translated into Russian");
        }
    }
}
