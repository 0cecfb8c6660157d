//! The session as the backend gave it: what changes when it (re)loads, its cash-in deposits as
//! they are credited, and copying its account number.

use checkout_protocol::api::{PaymentState, PaymentView, SessionView};
use checkout_protocol::host_event::{HostEvent, ReadyDetail, SuccessDetail, SuccessMethod};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Checkout, Kept, Step};
use crate::api::{ApiError, Client};

/// The loaded session. In context of its own; components read it, the controller changes it.
#[derive(Clone, Copy)]
pub struct Loaded {
    /// The session's answer (resource).
    answer: LocalResource<Result<SessionView, ApiError>>,
    /// The session, once loaded (derived from `answer`).
    session: Memo<Option<SessionView>>,
    /// Why the session did not load (derived from `answer`; none while a retry is on its way).
    error: Memo<Option<ApiError>>,
    /// "Try again" after a failed load: the skeleton shows until the new answer is there.
    reloading: RwSignal<bool>,
    /// Cash-in deposits.
    deposits: RwSignal<Vec<PaymentView>>,
    /// Deposits whose success the host page has heard of (or that were paid before the widget
    /// loaded): each is announced once, by its id, when it succeeds.
    announced_deposits: Kept<Vec<String>>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded").field("session", &self.session).field("error", &self.error).finish_non_exhaustive()
    }
}

/// How copying the account number went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copying {
    /// The number is on the clipboard.
    Copied,
    /// The browser refused (no permission, an insecure page, no clipboard): the customer selects it.
    Failed,
}

impl Loaded {
    pub(super) fn new(client: Client) -> Loaded {
        let answer = LocalResource::new(move || {
            let client = client.clone();
            async move { client.session().await }
        });
        // Derived, not copied: the resource is the one place the session's answer lives.
        // Recomputed only when the resource answers; every answer is news, so no comparison
        // (a derived `PartialEq` over the whole session cost the bundle 637 bytes brotli).
        Loaded::with(answer, move || answer.map(|answer| answer.as_ref().ok().cloned()).flatten())
    }

    /// A session the backend already has, only to be drawn: no answer is awaited.
    pub(super) fn drawn(session: SessionView) -> Loaded {
        Loaded::with(LocalResource::new(std::future::pending), move || Some(session.clone()))
    }

    fn with(answer: LocalResource<Result<SessionView, ApiError>>, session: impl Fn() -> Option<SessionView> + Send + Sync + 'static) -> Loaded {
        let reloading = RwSignal::new(false);
        Loaded {
            answer,
            session: Memo::new_with_compare(move |_| session(), |_, _| true),
            error: Memo::new(move |_| if reloading.get() { None } else { answer.map(|answer| answer.as_ref().err().cloned()).flatten() }),
            reloading,
            deposits: RwSignal::new(Vec::new()),
            announced_deposits: Kept::new(Vec::new()),
        }
    }

    /// The session's answer, once there is one (tracked).
    pub(super) fn answer(&self) -> Option<Result<SessionView, ApiError>> {
        self.answer.get()
    }

    /// The session, once loaded.
    pub fn session(&self) -> Memo<Option<SessionView>> {
        self.session
    }

    /// Why the session did not load.
    pub fn error(&self) -> Memo<Option<ApiError>> {
        self.error
    }

    /// Reads the cash-in deposits (tracked).
    pub fn with_deposits<R>(&self, read: impl FnOnce(&Vec<PaymentView>) -> R) -> R {
        self.deposits.with(read)
    }
}

impl Checkout {
    /// What the session's answer sets going (the session itself and its failure are derived from
    /// the resource): the host page's `ready` or `error`, the deposits, the payment to resume.
    pub(super) fn session_loaded(&self, result: Result<SessionView, ApiError>) {
        self.loaded.reloading.set(false);
        match result {
            Ok(mut view) => {
                let resumed = view.payment.take();
                // Deposits paid before this load are history, not news for the host page.
                let paid: Vec<String> = view.deposits.iter().filter(|d| d.state == PaymentState::Succeeded).map(|d| d.payment_id.clone()).collect();
                self.loaded.announced_deposits.with(|announced| *announced = paid);
                self.loaded.deposits.set(std::mem::take(&mut view.deposits));
                self.emit(HostEvent::Ready(ReadyDetail { merchant_name: view.merchant_name.clone(), amount: view.amount }));
                if let Some(resumed) = resumed {
                    self.resume(resumed);
                }
            }
            Err(error) => {
                self.emit_failure(&error, Step::Load.stage());
            }
        }
    }

    /// Loads the session again after a failed load.
    pub fn reload(&self) {
        self.loaded.reloading.set(true);
        self.loaded.answer.refetch();
    }

    /// Cash-in: deposits arrive whenever the customer pays at a terminal.
    pub(super) fn look_for_deposits(&self) {
        let Some(client) = self.client() else { return };
        let this = *self;
        spawn_local(async move {
            let Ok(fresh) = client.session().await else { return };
            if !this.alive() {
                return;
            }
            for deposit in fresh.deposits.iter().filter(|d| d.state == PaymentState::Succeeded) {
                let news = this
                    .loaded
                    .announced_deposits
                    .with(|announced| {
                        let news = !announced.contains(&deposit.payment_id);
                        if news {
                            announced.push(deposit.payment_id.clone());
                        }
                        news
                    })
                    .unwrap_or(false);
                if !news {
                    continue;
                }
                this.emit(HostEvent::Success(SuccessDetail {
                    payment_id: deposit.payment_id.clone(),
                    amount: deposit.amount,
                    currency: None,
                    method: Some(SuccessMethod::CashIn),
                }));
            }
            this.loaded.deposits.set(fresh.deposits);
        });
    }

    /// Copies the cash-in account number; says whether the browser did.
    pub async fn copy_account(&self) -> Copying {
        let account = self.loaded.session.with_untracked(|s| s.as_ref().and_then(|s| s.cash_in_account.clone())).unwrap_or_default();
        // web-sys directly: gloo has no clipboard API in the crates the widget uses. The promise
        // settles once the browser has written the text, or refused to.
        let Some(window) = web_sys::window() else { return Copying::Failed };
        match wasm_bindgen_futures::JsFuture::from(window.navigator().clipboard().write_text(&account)).await {
            Ok(_) => Copying::Copied,
            Err(_) => Copying::Failed,
        }
    }
}
