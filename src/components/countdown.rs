//! How long the code stays valid, counted from the server's deadline and clock.

use leptos::prelude::*;

use crate::clock::mm_ss;
use crate::i18n::{t, Msg};
use crate::state::use_checkout;

/// `mm:ss` left on the code. The timer itself is silent for screen readers; they hear the
/// milestones through the checkout's announcements instead.
#[component]
pub fn Countdown(seconds_left: Memo<u64>) -> impl IntoView {
    let c = use_checkout();
    view! {
        <p class="kzc-countdown">
            <span>{t(c.locale, Msg::OtpValidFor)} " "</span>
            <span role="timer" aria-live="off" data-testid="countdown">{move || mm_ss(seconds_left.get())}</span>
        </p>
    }
}
