//! The peer of the widget in `make bench`'s size table: a Leptos counter written the usual way
//! (`view!`, one signal, one event handler, one reactive text), mounted through a
//! `#[wasm_bindgen]` function like the widget's `mount`, and built with the same profile,
//! wasm-bindgen, wasm-opt and esbuild. It is what a Leptos app pays before its own code; the whole
//! checkout, built with Leptos's reactive system and its own DOM layer, is about twice it.

use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// A mounted counter; dropping it unmounts.
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
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement) -> Mounted {
    let handle = mount_to(element, || {
        let clicks = RwSignal::new(0u32);
        view! { <button type="button" on:click=move |_| clicks.update(|n| *n += 1)>{move || clicks.get()}</button> }
    });
    Mounted { _handle: Box::new(handle) }
}
