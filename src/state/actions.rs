//! The calls to the backend a customer starts, as Leptos actions: their `pending()` is what
//! disables buttons and shows "Sending…", so a double click sends once.

use checkout_protocol::api::{Method, MobilePaymentRequest, OtpRequest, PaymentState};
use checkout_protocol::host_event::{HostEvent, SubmitDetail, SubmitMethod};
use checkout_protocol::KzMobile;
use leptos::prelude::*;

use super::form::OperatorChoice;
use super::{Checkout, Step, Waiting};
use crate::i18n::Msg;

/// A payment (or payout) to start by phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    /// The operator's id.
    pub operator: String,
    /// The number, `77XXXXXXXXX`.
    pub phone: String,
    /// [`Method::Mobile`] or [`Method::Payout`].
    pub method: Method,
}

/// The checkout's actions. In context of their own.
#[derive(Clone, Copy)]
pub struct Actions {
    checkout: Checkout,
    /// Starts the payment (or the payout) with an operator and a phone.
    start: Action<Start, ()>,
    /// Submits a code.
    send_code: Action<String, ()>,
    /// Asks for a new code.
    resend: Action<(), ()>,
    /// Opens the Payment Page with an operator (or none).
    open_page: Action<String, ()>,
}

impl std::fmt::Debug for Actions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actions").field("checkout", &self.checkout).finish_non_exhaustive()
    }
}

/// The checkout's actions.
pub fn use_actions() -> Actions {
    expect_context::<Actions>()
}

impl Actions {
    pub(super) fn new(this: Checkout) -> Actions {
        Actions {
            checkout: this,
            start: Action::new_local(move |start: &Start| {
                let start = start.clone();
                async move { this.start_payment_now(start).await }
            }),
            send_code: Action::new_local(move |code: &String| {
                let code = code.clone();
                async move { this.send_code_now(code).await }
            }),
            resend: Action::new_local(move |_: &()| async move { this.resend_now().await }),
            open_page: Action::new_local(move |operator: &String| {
                let operator = operator.clone();
                async move { this.open_page_now(operator).await }
            }),
        }
    }

    /// A payment or payout is being started.
    pub fn starting(&self) -> Memo<bool> {
        self.start.pending()
    }

    /// A code or a request for a new one is on its way.
    pub fn busy_with_code(&self) -> Memo<bool> {
        let (send_code, resend) = (self.send_code, self.resend);
        Memo::new(move |_| send_code.pending().get() || resend.pending().get())
    }

    /// The Payment Page is being opened.
    pub fn opening_page(&self) -> Memo<bool> {
        self.open_page.pending()
    }

    /// The phone form was submitted: checked here, then started (or, for a payout, confirmed
    /// first). A phone that is not valid says why and puts the focus in the field.
    pub fn submit_phone(&self) {
        let (c, form) = (self.checkout, self.checkout.form);
        if self.start.pending().get_untracked() {
            return;
        }
        let number = match KzMobile::parse(&form.phone.get_untracked()) {
            Ok(number) => number,
            Err(e) => {
                form.phone_error.set(Some(crate::i18n::phone_message(&e).into()));
                form.focus_phone();
                return;
            }
        };
        // A customer quicker than the suggestion still gets it.
        let operator = match form.operator_untracked() {
            Some(chosen) => chosen,
            None => match c.suggestion(&number) {
                Some(suggested) => {
                    form.operator.set(OperatorChoice::Suggested(suggested.clone()));
                    suggested
                }
                None => {
                    form.operator_error.set(Some(Msg::OperatorRequired.into()));
                    return;
                }
            },
        };
        if c.method() == Method::Payout {
            form.form_error.set(None);
            c.flight.confirming_payout.set(true);
            return;
        }
        c.emit(HostEvent::Submit(SubmitDetail { operator: operator.clone(), phone_masked: Some(number.masked()), method: None }));
        self.start.dispatch(Start { operator, phone: number.as_str().to_owned(), method: Method::Mobile });
    }

    /// The payout's confirmation: send it.
    pub fn send_payout(&self) {
        let (c, form) = (self.checkout, self.checkout.form);
        if self.start.pending().get_untracked() {
            return;
        }
        let Ok(number) = KzMobile::parse(&form.phone.get_untracked()) else { return };
        let Some(operator) = form.operator_untracked() else { return };
        c.emit(HostEvent::Submit(SubmitDetail {
            operator: operator.clone(),
            phone_masked: Some(number.masked()),
            method: Some(SubmitMethod::Payout),
        }));
        self.start.dispatch(Start { operator, phone: number.as_str().to_owned(), method: Method::Payout });
    }

    /// A code typed, pasted, or filled in from the SMS. An empty one right after an answer that
    /// said why (wrong, expired) leaves that message standing: it is the news, not the shape.
    pub fn submit_code(&self, code: &str) {
        let flight = self.checkout.flight;
        if self.send_code.pending().get_untracked()
            || flight.payment.with_untracked(|p| p.as_ref().is_none_or(|p| p.state != PaymentState::AwaitingOtp))
        {
            return;
        }
        if code.trim().is_empty() && flight.otp_error.with_untracked(Option::is_some) {
            return;
        }
        // The one rule the backend and the platform apply too.
        let Ok(code) = checkout_protocol::ApprovalCode::parse(code) else {
            flight.otp_error.set(Some(Msg::OtpShape.into()));
            return;
        };
        flight.otp_error.set(None);
        flight.otp_notice.set(None);
        self.send_code.dispatch(code.as_str().to_owned());
    }

    /// Asks for a new code, unless one is on its way.
    pub fn resend(&self) {
        if !self.busy_with_code_untracked() {
            self.resend.dispatch(());
        }
    }

    fn busy_with_code_untracked(&self) -> bool {
        self.send_code.pending().get_untracked() || self.resend.pending().get_untracked()
    }

    /// The Payment Page form was submitted.
    pub fn pay_on_page(&self) {
        let (c, form) = (self.checkout, self.checkout.form);
        if self.open_page.pending().get_untracked() {
            return;
        }
        let operator = form.operator_untracked().unwrap_or_default();
        form.form_error.set(None);
        c.emit(HostEvent::Submit(SubmitDetail { operator: operator.clone(), phone_masked: None, method: Some(SubmitMethod::PaymentPage) }));
        self.open_page.dispatch(operator);
    }
}

impl Checkout {
    async fn start_payment_now(&self, start: Start) {
        let Some(client) = self.client() else { return };
        self.form.form_error.set(None);
        let request = MobilePaymentRequest { operator: start.operator, phone: start.phone };
        let answer = if start.method == Method::Payout { client.start_payout(&request).await } else { client.start_payment(&request).await };
        if !self.alive() {
            return;
        }
        match answer {
            Ok(view) => self.accept(view),
            Err(error) if start.method == Method::Payout => {
                self.flight.confirming_payout.set(false);
                self.show_start_failure(&error, Step::Payout);
            }
            Err(error) => self.show_start_failure(&error, Step::Start),
        }
    }

    async fn send_code_now(&self, code: String) {
        let Some(client) = self.client() else { return };
        let flight = self.flight;
        let Some(payment_id) = flight.open_payment().get_untracked() else { return };
        // The attempt shown: a copy of this request that arrives after it was answered is not a try.
        let attempt = flight.payment.with_untracked(|p| p.as_ref().and_then(|p| p.attempt));
        flight.waiting.set(Waiting::CheckingCode);
        let answer = client.submit_otp(&payment_id, &OtpRequest { code, attempt }).await;
        if !self.alive() {
            return;
        }
        match answer {
            Ok(updated) => self.accept(updated),
            Err(error) => {
                flight.waiting.set(Waiting::Platform);
                flight.otp_error.set(self.failure(&error, Step::Code));
            }
        }
    }

    async fn resend_now(&self) {
        let Some(client) = self.client() else { return };
        let flight = self.flight;
        let Some(payment_id) = flight.open_payment().get_untracked() else { return };
        flight.otp_error.set(None);
        let answer = client.resend(&payment_id).await;
        if !self.alive() {
            return;
        }
        match answer {
            Ok(updated) => {
                self.accept(updated);
                flight.otp_notice.set(Some(Msg::ResendSent.into()));
            }
            Err(error) => flight.otp_error.set(self.failure(&error, Step::Resend)),
        }
    }
}
