//! The hosted Payment Page: opening it with the backend's signed parameters, following its
//! payment like any other (the result shown is always the backend's, never the page's word), and
//! settling it once the page is no longer on screen.

use checkout_protocol::api::{PaymentKind, PaymentPageRequest, PaymentState, PaymentView};
use checkout_protocol::host_event::{ErrorStage, HostEvent, PageStep, PaymentPageDetail};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Checkout, Step, Waiting};
use crate::i18n::Msg;
use crate::payment_page::{ensure_script, run as run_payment_page};

impl Checkout {
    /// The id of the element the embedded Payment Page opens in.
    pub fn page_target(&self) -> String {
        format!("kzc-page-{}", self.ui.uid)
    }

    /// The Payment Page reports what happens on it; the result shown is still the backend's.
    fn page_message(&self, step: PageStep) {
        if !self.alive() {
            return;
        }
        self.emit(HostEvent::PaymentPage(PaymentPageDetail { message: step }));
        // Closed: the page's word is not the outcome. The payment is followed until the backend
        // knows it; only a payment it confirms abandoned brings the pay button back (`accept`).
        if step == PageStep::Exit && self.flight.open_payment().get_untracked().is_some() {
            self.settle_closed_page();
        }
    }

    /// Asks the backend to settle the session's Payment Page payment now that no page shows it.
    pub(super) fn settle_closed_page(&self) {
        if self.flight.waiting.get_untracked() == Waiting::CheckingClosedPage {
            return;
        }
        self.flight.waiting.set(Waiting::CheckingClosedPage);
        self.ask_to_settle_closed_page();
    }

    /// The request itself; one the backend did not take is asked again on a later tick, since
    /// until it is settled the customer is told the payment is being checked.
    pub(super) fn ask_to_settle_closed_page(&self) {
        let Some(client) = self.client() else { return };
        let flight = self.flight;
        flight.memory.with(|m| m.settle_due = false);
        let asked_about = flight.open_payment().get_untracked();
        let this = *self;
        spawn_local(async move {
            match client.payment_page_closed().await {
                Ok(view) => this.accept(view),
                Err(_) if this.alive() => {
                    let still_checking =
                        flight.waiting.get_untracked() == Waiting::CheckingClosedPage && flight.open_payment().get_untracked() == asked_about;
                    if still_checking {
                        flight.memory.with(|m| m.settle_due = true);
                    }
                }
                Err(_) => {}
            }
        });
    }

    fn page_failed(&self, code: &str, reason: String) {
        self.form.form_error.set(Some(Msg::PpLoadFailed.into()));
        self.emit_error(code, ErrorStage::PaymentPage, reason);
    }

    pub(super) async fn open_page_now(&self, operator: String) {
        let Some(client) = self.client() else { return };
        let request = PaymentPageRequest { operator: Some(operator).filter(|o| !o.is_empty()), locale: Some(self.ui.locale.tag().into()) };
        let answer = client.payment_page(&request).await;
        if !self.alive() {
            return;
        }
        let page = match answer {
            Ok(page) => page,
            Err(error) => {
                self.show_start_failure(&error, Step::PaymentPage);
                return;
            }
        };
        let loaded = ensure_script(&page.script_url).await;
        if !self.alive() {
            return;
        }
        if let Err(reason) = loaded {
            self.page_failed("script_load_failed", reason);
            return;
        }
        // Followed like any payment: the result shown is the backend's, never the page's word.
        self.flight.waiting.set(Waiting::Platform);
        let (amount, currency) = self.loaded.session().with_untracked(|s| s.as_ref().map(|s| (s.amount, s.currency.clone()))).unwrap_or_default();
        self.accept(PaymentView::new(page.payment_id.clone(), PaymentKind::Purchase, PaymentState::Processing, amount, currency, String::new(), 0));
        let params = page.params.0;
        let this = *self;
        // The embedded page needs its target element, which the next frame has drawn.
        request_animation_frame(move || {
            if !this.alive() {
                return;
            }
            let on_message = std::rc::Rc::new(move |step: PageStep| this.page_message(step));
            // The new opening replaces (and so silences) the one before.
            match run_payment_page(&params, this.display, &this.page_target(), on_message) {
                Ok(opening) => this.page_opening.set_value(Some(opening)),
                Err(reason) => {
                    // Forgetting the payment drops any earlier opening too.
                    this.forget_payment();
                    this.page_failed("payment_page_failed", reason);
                }
            }
        });
    }

    /// After a Payment Page concluded abandoned: a success the platform reported for it since
    /// (the customer paid on a page still open elsewhere) makes it the session's payment, shown
    /// with its result and announced to the host page like any.
    pub(super) fn look_for_a_paid_page(&self) {
        let Some(client) = self.client() else { return };
        let this = *self;
        spawn_local(async move {
            let Ok(fresh) = client.session().await else { return };
            if !this.alive() || this.flight.payment.with_untracked(Option::is_some) {
                return;
            }
            let paid =
                fresh.payment.filter(|p| matches!(p.state, PaymentState::Succeeded | PaymentState::PartiallyRefunded | PaymentState::Refunded));
            if let Some(view) = paid {
                // The platform's word about the page's payment: it is no longer forgotten.
                this.flight.memory.with(|m| {
                    m.left_page = false;
                    m.forgotten.retain(|id| *id != view.payment_id);
                });
                this.accept(view);
            }
        });
    }
}
