//! The first screen of a session drawn here, by the widget's own components (its `ssr`
//! feature), so the shop's page or the loader can show the phone form before the wasm runs.

use checkout_protocol::api::{ErrorCode, SessionView};
use checkout_protocol::Locale;

use crate::error::ServiceError;
use crate::App;

impl App {
    /// The phone form of session `token` in `locale` (else the session's own locale, else
    /// Russian); `None` when its first screen is another one.
    pub async fn first_screen(&self, token: &str, locale: Option<Locale>) -> Result<Option<String>, ServiceError> {
        Ok(draw(&self.session_view(token).await?, locale))
    }
}

/// 409 `no_first_screen`: asked for a first screen the session does not have.
pub fn no_first_screen() -> ServiceError {
    ServiceError::new(
        ErrorCode::NoFirstScreen,
        "this session's first screen is not the phone form (a Payment Page or cash-in session, or a payment under way or over); the widget draws it itself",
    )
}

/// The phone form of `view`, or `None` when its first screen is another one.
pub fn draw(view: &SessionView, locale: Option<Locale>) -> Option<String> {
    let locale = locale.or_else(|| view.locale.as_deref().and_then(Locale::from_tag)).unwrap_or(Locale::Ru);
    kz_mobile_checkout::first_screen_html::first_screen_html(view.clone(), locale, dom_uid(&view.session))
}

/// The number in the drawn screen's DOM ids: from the session, so it is the same each time, and
/// at 2³¹ or above, which the widget's own count (from 0 per page) never reaches, so the drawn
/// form and the widget taking it over never share an id.
fn dom_uid(session: &str) -> u32 {
    // FNV-1a: stable across builds and platforms, unlike the standard library's hasher.
    let hash = session.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash | 0x8000_0000
}

/// Reads `?locale=` / `?first_screen=`: `kk`, `ru` or `en`.
pub fn locale_asked(tag: &str) -> Result<Locale, ServiceError> {
    Locale::from_tag(tag).ok_or_else(|| ServiceError::new(ErrorCode::LocaleUnsupported, format!("locale {tag:?} is not one of kk, ru, en")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_ids_never_meet_the_widgets_own() {
        assert!(dom_uid("") >= 0x8000_0000);
        assert_eq!(dom_uid("cs_abc"), dom_uid("cs_abc"), "the same session draws the same ids");
        assert_ne!(dom_uid("cs_abc"), dom_uid("cs_abd"));
    }
}
