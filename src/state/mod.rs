//! The checkout's state, provided by context, split by what changes together:
//!
//! - [`Loaded`] (`loaded.rs`): the session as the backend gave it, its deposits, the clipboard;
//! - [`Form`] (`form.rs`): what the customer types and chooses, and what is said next to it;
//! - [`Flight`] (`flight.rs`): the payment in flight, its code and countdown; every view of the
//!   payment enters through [`Checkout::accept`], which drops stale ones by version.
//!
//! Components read the parts through their methods; no component writes a part's signal. Every
//! change goes through the controller, [`Checkout`], whose methods stand beside the concern they
//! serve: `errors.rs` (the text of a failed call and where it shows), `live.rs` (the tick, the
//! live stream, polling), `page_opening.rs` (the hosted Payment Page), `actions.rs` (the calls a
//! customer starts, as Leptos actions), `screen.rs` (what the customer sees, derived from the
//! parts, so a reload resumes exactly where the customer was).

mod actions;
mod errors;
mod flight;
mod form;
mod live;
mod loaded;
mod page_opening;
mod screen;

use checkout_protocol::api::Method;
use checkout_protocol::host_event::HostEvent;
use checkout_protocol::Locale;
use leptos::prelude::*;

use crate::api::Client;
use crate::clock::Clock;
use crate::host_events::Host;
use crate::i18n::Text;
use crate::payment_page::{PageDisplay, PageOpening};

pub use actions::{use_actions, Actions};
pub use errors::{error_message, place_of, Place, Step};
pub use flight::{Flight, Waiting, OTP_LENGTH};
pub use form::Form;
pub use loaded::{Copying, Loaded};
pub use screen::{code_seconds_left, resend_open, Screen};

/// What a component that only draws needs: the language and this widget's number on the page
/// (for DOM ids). Leaf components that need no more take it (or its locale) as props.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    /// The language of every text.
    pub locale: Locale,
    /// Unique to this widget on the page.
    pub uid: u32,
}

/// Something the widget says next to a field (or to screen readers), read-only for components.
#[derive(Debug, Clone, Copy)]
pub struct Said(RwSignal<Option<Text>>);

impl Said {
    /// Whether anything is said (tracked).
    pub fn is_some(self) -> bool {
        self.0.with(Option::is_some)
    }

    /// The words in `locale`, for a view.
    pub fn words(self, locale: Locale) -> impl Fn() -> Option<String> + Copy {
        crate::i18n::words_of(locale, self.0)
    }
}

/// What a part keeps between events without showing it, freed with the widget; read and written
/// only through [`Kept::with`], which does nothing once the widget is gone. (One cell shared by
/// every part behind `dyn Any` was measured too: 787 bytes brotli more than this.)
pub(super) struct Kept<T: 'static>(StoredValue<T, LocalStorage>);

impl<T: 'static> Clone for Kept<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Kept<T> {}

impl<T: 'static> std::fmt::Debug for Kept<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kept")
    }
}

impl<T: 'static> Kept<T> {
    pub(super) fn new(value: T) -> Kept<T> {
        Kept(StoredValue::new_local(value))
    }

    /// Runs `f` on the value; `None` once the widget is gone.
    pub(super) fn with<R>(self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.0.try_update_value(f)
    }
}

/// One mounted checkout: the controller every change goes through. `Copy`: every field is a
/// handle into the reactive arena owned by the widget's root, so everything here is freed when
/// the widget is unmounted.
#[derive(Clone, Copy)]
pub struct Checkout {
    ui: Ui,
    display: PageDisplay,
    /// The backend, the browser's clock (a test's, in tests) and the host page: `None` in a
    /// checkout only drawn, which the backend renders to HTML ([`Checkout::drawn`]).
    client: StoredValue<Option<Client>, LocalStorage>,
    clock: StoredValue<Option<Clock>, LocalStorage>,
    host: StoredValue<Host, LocalStorage>,
    /// Whether the backend drew the first screen into the host element (the shop's page or the
    /// loader put it there): then that, not the widget's, was the first screen.
    drawn_first: bool,
    live: live::Live,
    /// The Payment Page opening whose handlers may act; dropped with the widget.
    page_opening: StoredValue<Option<PageOpening>, LocalStorage>,
    loaded: Loaded,
    form: Form,
    flight: Flight,
    screen: Memo<Screen>,
}

impl std::fmt::Debug for Checkout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkout").field("ui", &self.ui).finish_non_exhaustive()
    }
}

/// A number unique to this widget instance, for DOM ids.
fn unique() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The checkout of the current component tree.
pub fn use_checkout() -> Checkout {
    expect_context::<Checkout>()
}

/// The loaded session of the current component tree.
pub fn use_loaded() -> Loaded {
    expect_context::<Loaded>()
}

/// The phone form of the current component tree.
pub fn use_form() -> Form {
    expect_context::<Form>()
}

/// The payment in flight of the current component tree.
pub fn use_flight() -> Flight {
    expect_context::<Flight>()
}

impl Checkout {
    /// Creates the state under the current owner, loads the session, starts the clock, and
    /// provides every part as context.
    pub fn provide(client: Client, locale: Locale, host: Host, display: PageDisplay, clock: Clock, drawn_first: bool) -> Checkout {
        let loaded = Loaded::new(client.clone());
        let flight = Flight::new(clock.now());
        let this = Checkout::assemble(Ui { locale, uid: unique() }, display, Some(client), Some(clock), host, loaded, flight, drawn_first);
        this.start();
        this
    }

    /// The checkout of `session` only drawn, never run: what the backend renders to HTML as the
    /// first screen (feature `ssr`). Nothing is loaded, no clock ticks, nobody is told; `uid`
    /// keeps its DOM ids apart from those of the widget that adopts it.
    pub fn drawn(session: checkout_protocol::api::SessionView, locale: Locale, uid: u32) -> Checkout {
        let loaded = Loaded::drawn(session);
        let flight = Flight::new(0.0);
        Checkout::assemble(Ui { locale, uid }, PageDisplay::default(), None, None, Host::default(), loaded, flight, false)
    }

    /// The parts, created under the current owner and provided as context.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        ui: Ui,
        display: PageDisplay,
        client: Option<Client>,
        clock: Option<Clock>,
        host: Host,
        loaded: Loaded,
        flight: Flight,
        drawn_first: bool,
    ) -> Checkout {
        let form = Form::new();
        let this = Checkout {
            ui,
            display,
            client: StoredValue::new_local(client),
            clock: StoredValue::new_local(clock),
            host: StoredValue::new_local(host),
            drawn_first,
            live: live::Live::new(),
            page_opening: StoredValue::new_local(None),
            loaded,
            form,
            flight,
            screen: Memo::new(move |_| screen::screen_of(loaded, flight)),
        };
        provide_context(loaded);
        provide_context(form);
        provide_context(flight);
        provide_context(this);
        provide_context(Actions::new(this));
        this
    }

    /// Whether the page's first screen was the one the backend drew.
    pub fn first_screen_was_drawn(&self) -> bool {
        self.drawn_first
    }

    /// Whether this checkout runs in the browser (not only drawn by the backend). Only an `ssr`
    /// build draws, so the bundle knows the answer and leaves the drawn-only code out.
    pub fn running(&self) -> bool {
        !cfg!(feature = "ssr") || self.client.with_value(Option::is_some)
    }

    /// What runs for as long as the widget does: the session's answer handled, the open payment
    /// followed, the clock ticking.
    fn start(self) {
        Effect::new(move |_| {
            let Some(result) = self.loaded.answer() else { return };
            self.session_loaded(result);
        });
        Effect::new(move |_| self.follow(self.flight.open_payment().get()));
        // A clone, not a borrow: starting the ticks creates arena values of their own.
        if let Some(clock) = self.clock.get_value() {
            clock.every_tick(move || self.tick());
        }
    }

    /// Answers can arrive after the widget was unmounted; they must then touch nothing.
    pub fn alive(&self) -> bool {
        self.flight.alive()
    }

    /// The language and the widget's number.
    pub fn ui(&self) -> Ui {
        self.ui
    }

    /// What the customer sees.
    pub fn screen(&self) -> Memo<Screen> {
        self.screen
    }

    /// The browser's clock now.
    fn local_now(&self) -> f64 {
        self.clock.try_with_value(|clock| clock.as_ref().map(Clock::now)).flatten().unwrap_or_default()
    }

    /// The backend.
    fn client(&self) -> Option<Client> {
        self.client.try_get_value().flatten()
    }

    /// Tells the host page.
    fn emit(&self, event: HostEvent) {
        self.host.with_value(|host| host.emit(&event));
    }

    /// What the widget does, by the session's first method; fixed once the session is there.
    pub fn method(&self) -> Method {
        self.loaded.session().with_untracked(|s| screen::method_of(s.as_ref()))
    }

    /// The server's clock now, as far as the widget can tell (tracked: follows the clock).
    pub fn server_now(&self) -> f64 {
        self.flight.server_now()
    }
}
