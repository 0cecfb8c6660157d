//! The skeleton while the session loads.

use checkout_protocol::Locale;
use leptos::prelude::*;

use crate::i18n::{t, Msg};

/// A busy placeholder with an accessible label in `locale`.
pub fn loading(locale: Locale) -> impl IntoView {
    view! {
        <div class="kzc-skeleton" aria-busy="true" data-testid="skeleton">
            <span class="kzc-visually-hidden" role="status">{t(locale, Msg::Loading)}</span>
            <div class="kzc-bone kzc-bone-title"></div>
            <div class="kzc-bone"></div>
            <div class="kzc-bone"></div>
        </div>
    }
}
