//! "Send a new code": offered once the code has expired, with how many are left.

use leptos::prelude::*;

use crate::i18n::{resends_left, t, Msg};
use crate::state::{resend_open, use_actions, use_checkout, use_flight};

/// The button; `busy` while a code or a request for one is on its way, `resends` new codes left.
/// A part of the code screen's view, not a component of its own (see `code_field`).
pub fn resend_button(busy: Memo<bool>, resends: Memo<u8>) -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let (flight, locale) = (use_flight(), c.ui().locale);
    let can_resend = Memo::new(move |_| {
        let now = c.server_now();
        flight.with_payment(|p| resend_open(p.as_ref(), now))
    });
    view! {
        // Hidden rather than removed: the buttons keep their place and focus order.
        <button
            type="button"
            class="kzc-secondary"
            data-testid="resend"
            hidden=move || !can_resend.get()
            disabled=move || busy.get()
            on:click=move |_| actions.resend()
        >
            {move || format!("{} · {}", t(locale, Msg::Resend), resends_left(locale, resends.get()))}
        </button>
    }
}
