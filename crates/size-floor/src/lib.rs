//! The peers of the widget in `make bench`'s size table, mounted through a `#[wasm_bindgen]`
//! function like the widget's `mount` and built with the same profile, wasm-bindgen, wasm-opt and
//! esbuild:
//!
//! - without features, a Leptos counter written the usual way (`view!`, one signal, one event
//!   handler, one reactive text): what any Leptos app pays before its own code;
//! - with `primitives`, the same counter using once each primitive the widget is specified on
//!   (a `LocalResource`, an `Action::new_local` with `pending()`, a gloo-net request decoded with
//!   serde-wasm-bindgen, a gloo-net `EventSource`): what the named stack costs before any
//!   checkout screen, text or style.

use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// A mounted peer; dropping it unmounts.
#[wasm_bindgen]
pub struct Mounted {
    _handle: Box<dyn std::any::Any>,
}

impl std::fmt::Debug for Mounted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mounted")
    }
}

/// Mounts a button that counts its clicks into `element`.
#[cfg(not(feature = "primitives"))]
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement) -> Mounted {
    let handle = mount_to(element, || {
        let clicks = RwSignal::new(0u32);
        view! { <button type="button" on:click=move |_| clicks.update(|n| *n += 1)>{move || clicks.get()}</button> }
    });
    Mounted { _handle: Box::new(handle) }
}

#[cfg(feature = "primitives")]
mod primitives {
    use futures_util::StreamExt;
    use leptos::prelude::*;

    /// A small answer of a backend, decoded the way the widget decodes its views.
    #[derive(Debug, Clone, serde::Deserialize)]
    pub struct Answer {
        pub id: String,
        pub state: String,
        pub amount_minor: u64,
        pub phone: Option<String>,
    }

    /// GET `url`, read with the browser's JSON parser and decoded with serde-wasm-bindgen.
    pub async fn fetch(url: String) -> Result<Answer, String> {
        // Not the error's Display, as in the widget (src/api.rs): that links serde_json's messages.
        let response = gloo_net::http::Request::get(&url).send().await.map_err(|_| "network error".to_owned())?;
        let raw: web_sys::Response = response.into();
        let parsing = raw.json().map_err(|_| "not JSON".to_owned())?;
        let value = wasm_bindgen_futures::JsFuture::from(parsing).await.map_err(|_| "not JSON".to_owned())?;
        serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
    }

    /// Counts the messages of the stream at `url` into `count` while the owner lives.
    pub fn follow(url: &str, count: RwSignal<u32>) {
        let Ok(mut source) = gloo_net::eventsource::futures::EventSource::new(url) else { return };
        let Ok(mut messages) = source.subscribe("message") else { return };
        leptos::task::spawn_local(async move {
            while let Some(Ok(_)) = messages.next().await {
                count.update(|n| *n += 1);
            }
            drop(source);
        });
    }
}

/// Mounts the counter with the widget's primitives: the resource loads `url`, the button
/// dispatches the action, and the stream at `url` also counts.
#[cfg(feature = "primitives")]
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, url: String) -> Mounted {
    let handle = mount_to(element, move || {
        let clicks = RwSignal::new(0u32);
        let loaded = {
            let url = url.clone();
            LocalResource::new(move || primitives::fetch(url.clone()))
        };
        let send = {
            let url = url.clone();
            Action::new_local(move |_: &()| primitives::fetch(url.clone()))
        };
        primitives::follow(&url, clicks);
        view! {
            <button type="button" on:click=move |_| { clicks.update(|n| *n += 1); send.dispatch(()); }>{move || clicks.get()}</button>
            <p>{move || loaded.get().and_then(Result::ok).map(|a| view! { {a.id}" "{a.state}" "{a.amount_minor}" "{a.phone} })}</p>
            <p>{move || send.pending().get().then_some("…")}</p>
        }
    });
    Mounted { _handle: Box::new(handle) }
}
