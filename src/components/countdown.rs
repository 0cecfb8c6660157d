//! How long the code stays valid, counted from the server's deadline and clock.

use checkout_protocol::Locale;
use leptos::prelude::*;

use crate::clock::mm_ss;
use crate::i18n::{t, Msg};

/// `mm:ss` left on the code, in `locale`. The timer itself is silent for screen readers; they hear the
/// milestones through the checkout's announcements instead.
pub fn countdown(seconds_left: Memo<u64>, locale: Locale) -> impl IntoView {
    view! {
        <p class="kzc-countdown">
            <span>{t(locale, Msg::OtpValidFor)} " "</span>
            <span role="timer" aria-live="off" data-testid="countdown">{move || mm_ss(seconds_left.get())}</span>
        </p>
    }
}
