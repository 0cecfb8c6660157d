//! The skeleton while the session loads.

use leptos::prelude::*;

use crate::i18n::{t, Msg};
use crate::state::use_checkout;

/// A busy placeholder with an accessible label.
#[component]
pub fn Loading() -> impl IntoView {
    let c = use_checkout();
    view! {
        <div class="kzc-skeleton" aria-busy="true" data-testid="skeleton">
            <span class="kzc-visually-hidden" role="status">{t(c.locale, Msg::Loading)}</span>
            <div class="kzc-bone kzc-bone-title"></div>
            <div class="kzc-bone"></div>
            <div class="kzc-bone"></div>
        </div>
    }
}
