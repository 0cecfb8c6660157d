//! The session did not load: why, and a retry unless the link itself is dead.

use leptos::prelude::*;

use crate::i18n::{t, Msg};
use crate::state::{error_message, use_checkout, use_loaded, Step};

/// The load's failure.
#[component]
pub fn LoadFailed() -> impl IntoView {
    let c = use_checkout();
    let (loaded, locale) = (use_loaded(), c.ui().locale);
    let msg = loaded.error().with_untracked(|e| e.as_ref().map(|e| error_message(Step::Load, e))).unwrap_or(Msg::LoadFailed);
    let retry = (msg != Msg::SessionNotFound).then(|| {
        view! { <button type="button" class="kzc-primary" on:click=move |_| c.reload()>{t(locale, Msg::TryAgain)}</button> }
    });
    view! {
        <section class="kzc-result kzc-declined" data-testid="load-failed">
            <h2 class="kzc-title">{t(locale, Msg::LoadFailed)}</h2>
            <p role="alert">{t(locale, msg)}</p>
            {retry}
        </section>
    }
}
