//! The widget's views: DOM elements built with a few calls and kept up to date by Leptos's
//! reactive system (signals, memos, render effects and owners from `reactive_graph`, the crate
//! `leptos` re-exports them from).
//!
//! Why not Leptos's `view!` renderer (tachys)? It generates build and diff code for every element,
//! attribute and child list of every view's type, and each binding is a generic effect of its own.
//! With it the widget weighed 128 KiB gzip against a budget of 90 KB; built this way, 85.7 KiB
//! (ARCHITECTURE.md, "Widget size"). Here the shape of the DOM is plain function calls, every
//! binding goes through one type-erased effect and every listener through one closure type, so a
//! view costs roughly what its calls and strings cost.
//!
//! Lifetimes follow Leptos's owners: an effect, a listener or a [`Slot`] belongs to the owner
//! current when it was made. Everything built inside an effect is therefore dropped when that
//! effect runs again (a screen being replaced) or when the widget is unmounted.

use std::cell::RefCell;

use reactive_graph::effect::RenderEffect;
use reactive_graph::owner::{on_cleanup, LocalStorage, StoredValue};
use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{Element, Event, HtmlElement, HtmlInputElement};

/// An element the widget keeps a handle on (an input to read or focus), replaced whenever the
/// screen it is on is built again. Empty when that screen is not shown.
pub type Slot = StoredValue<Option<HtmlElement>, LocalStorage>;

/// A new, empty [`Slot`] owned by the current owner.
pub fn slot() -> Slot {
    StoredValue::new_local(None)
}

/// The input in `slot`, if it holds one.
pub fn input_in(slot: Slot) -> Option<HtmlInputElement> {
    slot.try_get_value().flatten().and_then(|e| e.dyn_into().ok())
}

/// Focuses what `slot` holds on the next frame, once the screen it is on has been drawn, if the
/// widget is still there by then.
pub fn focus_later(slot: Slot) {
    request_animation_frame(move || {
        if let Some(Some(element)) = slot.try_get_value() {
            let _ = element.focus();
        }
    });
}

/// Runs `update` now and again whenever a signal it read changes, until the owner current now is
/// cleaned up. Every binding in the widget goes through this one type, so each costs only its own
/// closure. Leptos's render effects run the first time at once, so a view is complete when built.
pub fn watch(update: Box<dyn Fn()>) {
    StoredValue::new_local(RenderEffect::new(move |_: Option<()>| update()));
}

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect_throw("the widget needs a document")
}

/// Runs `callback` once before the next frame is drawn.
pub fn request_animation_frame(callback: impl FnOnce() + 'static) {
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(Closure::once_into_js(callback).unchecked_ref());
    }
}

/// Runs `tick` every `period` until the owner current now is cleaned up.
pub fn set_interval(tick: impl FnMut() + 'static, period: std::time::Duration) {
    let Some(window) = web_sys::window() else { return };
    let tick = Closure::<dyn FnMut()>::new(tick);
    if let Ok(id) = window.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), period.as_millis() as i32) {
        on_cleanup(move || {
            if let Some(window) = web_sys::window() {
                window.clear_interval_with_handle(id);
            }
        });
        StoredValue::new_local(tick);
    }
}

/// Starts building an element.
pub fn el(tag: &str) -> El {
    El(document().create_element(tag).expect_throw("a valid tag name"))
}

/// An element being built. Each method adds one thing and hands the element back.
#[derive(Debug, Clone)]
pub struct El(pub Element);

impl El {
    /// Sets an attribute.
    pub fn attr(self, name: &str, value: &str) -> El {
        let _ = self.0.set_attribute(name, value);
        self
    }

    /// Sets `class`.
    pub fn class(self, value: &str) -> El {
        self.attr("class", value)
    }

    /// Sets `data-testid`: the name tests and host pages find the element by.
    pub fn test_id(self, value: &str) -> El {
        self.attr("data-testid", value)
    }

    /// Sets an input's value (the property: what the field holds, not its default).
    pub fn value(self, value: &str) -> El {
        self.0.unchecked_ref::<HtmlInputElement>().set_value(value);
        self
    }

    /// Appends text (never parsed as HTML).
    pub fn text(self, text: &str) -> El {
        let _ = self.0.insert_adjacent_text("beforeend", text);
        self
    }

    /// Appends a child element.
    pub fn child(self, child: El) -> El {
        let _ = self.0.append_child(&child.0);
        self
    }

    /// Appends a child element when there is one.
    pub fn child_if(self, child: Option<El>) -> El {
        match child {
            Some(child) => self.child(child),
            None => self,
        }
    }

    /// Appends child elements.
    pub fn children(self, children: Vec<El>) -> El {
        children.into_iter().fold(self, El::child)
    }

    /// Calls `handler` on every `event` until the owner current now is cleaned up.
    pub fn on(self, event: &str, handler: impl FnMut(Event) + 'static) -> El {
        self.listen(event, Box::new(handler))
    }

    fn listen(self, event: &str, handler: Box<dyn FnMut(Event)>) -> El {
        let closure = Closure::wrap(handler);
        let _ = self.0.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        // Dropped (and so released on the JS side) with its owner, after the element has left the page.
        StoredValue::new_local(closure);
        self
    }

    /// Keeps the element's text equal to `text` (empty while it is `None`).
    pub fn shows(self, text: RwSignal<Option<String>>) -> El {
        let node = self.0.clone();
        watch(Box::new(move || text.with(|text| node.set_text_content(text.as_deref()))));
        self
    }

    /// Keeps the element's text equal to what `text` returns.
    pub fn text_with(self, text: impl Fn() -> String + 'static) -> El {
        let node = self.0.clone();
        // The countdown asks every tick; the page is touched only when the text changes, and the
        // comparison is with what was last written, not a read back from the DOM.
        let shown = RefCell::new(None::<String>);
        watch(Box::new(move || {
            let text = text();
            if shown.borrow().as_ref() != Some(&text) {
                node.set_text_content(Some(&text));
                shown.replace(Some(text));
            }
        }));
        self
    }

    /// Keeps attribute `name` equal to what `value` returns (`true` or `false`, as ARIA wants).
    pub fn aria_with(self, name: &'static str, value: impl Fn() -> bool + 'static) -> El {
        let node = self.0.clone();
        watch(Box::new(move || {
            let _ = node.set_attribute(name, if value() { "true" } else { "false" });
        }));
        self
    }

    /// Keeps boolean attribute `name` (`hidden`, `disabled`) present exactly while `on` is true.
    pub fn flag_with(self, name: &'static str, on: impl Fn() -> bool + 'static) -> El {
        let node = self.0.clone();
        watch(Box::new(move || {
            let _ = node.toggle_attribute_with_force(name, on());
        }));
        self
    }

    /// Calls `update` with the element now and whenever a signal it read changes.
    pub fn bind(self, update: impl Fn(&Element) + 'static) -> El {
        let node = self.0.clone();
        watch(Box::new(move || update(&node)));
        self
    }

    /// Puts the element in `slot`, for later reading or focus.
    pub fn keep_in(self, slot: Slot) -> El {
        slot.set_value(self.0.clone().dyn_into().ok());
        // Emptied with the screen the element is on, so nothing acts on an element gone from the page.
        on_cleanup(move || {
            let _ = slot.try_set_value(None);
        });
        self
    }
}

/// Keeps the elements `build` returns in `parent`, just before `anchor`, built anew (never
/// diffed) whenever a signal `build` read changes. What the previous build made (listeners,
/// bindings, slots) is dropped before the next is made.
pub fn region(parent: &El, anchor: &El, build: impl Fn() -> Vec<El> + 'static) {
    let (parent, anchor) = (parent.0.clone(), anchor.0.clone());
    let shown = RefCell::new(Vec::<El>::new());
    watch(Box::new(move || {
        let new = build();
        for old in shown.take() {
            old.0.remove();
        }
        for node in &new {
            let _ = parent.insert_before(&node.0, Some(&anchor));
        }
        shown.replace(new);
    }));
}

/// A `<button type="button">` with its label.
pub fn button(class: &str, label: &str) -> El {
    el("button").attr("type", "button").class(class).text(label)
}

/// A `<form>` the widget handles itself: the browser's validation bubbles and page loads are
/// off, and the host page hears the widget's own `submit` event, not this one.
pub fn own_form(mut on_submit: impl FnMut(Event) + 'static) -> El {
    el("form").attr("novalidate", "").on("submit", move |ev| {
        ev.prevent_default();
        ev.stop_propagation();
        on_submit(ev);
    })
}

/// The input element an input event came from.
pub fn input_of(event: &Event) -> HtmlInputElement {
    event.target().expect_throw("an input event has a target").unchecked_into()
}
