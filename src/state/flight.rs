//! The payment in flight: its state as the backend reports it, its code and countdown, and what
//! is said about it. Every view of the payment (answers, the live stream, polling) enters through
//! [`Checkout::accept`], which drops stale ones by version and tells the host page of new states.

use checkout_protocol::api::{OtpError, PaymentState, PaymentView};
use checkout_protocol::host_event::{DeclineDetail, ErrorDetail, ErrorStage, HostEvent, OtpRequiredDetail, SuccessDetail};
use checkout_protocol::Conclusion;
use leptos::prelude::*;

use super::{Checkout, Kept, Said};
use crate::clock::offset_of;
use crate::i18n::{Msg, Text};

/// Digits in the platform's OTPs; the field submits itself when it has this many.
pub const OTP_LENGTH: usize = 6;
/// Seconds left on a code at which screen readers hear the countdown: not every second.
const MILESTONES: [u64; 4] = [60, 30, 10, 0];

/// What the customer is waiting for while the payment is processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Waiting {
    /// The platform: the code's SMS, the Payment Page, a payout.
    #[default]
    Platform,
    /// The answer to the code just sent.
    CheckingCode,
    /// The backend settling a Payment Page no longer on screen.
    CheckingClosedPage,
}

/// What distinguishes one state of a payment from the next, for the host page's events.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Announced {
    state: PaymentState,
    attempt: Option<u32>,
    resends_left: Option<u8>,
    code_expires_at: Option<String>,
}

impl Announced {
    fn of(view: &PaymentView) -> Announced {
        Announced { state: view.state, attempt: view.attempt, resends_left: view.resends_left, code_expires_at: view.otp_expires_at.clone() }
    }

    /// The same step of the payment (a new code's deadline aside).
    fn same_step(&self, other: &Announced) -> bool {
        (self.state, self.attempt, self.resends_left) == (other.state, other.attempt, other.resends_left)
    }
}

/// What the flight keeps between events without showing it.
#[derive(Debug, Default)]
pub(super) struct Memory {
    /// The payment state the host page last heard of.
    announced: Option<Announced>,
    /// Seconds left on the code at the previous tick, for the countdown's milestones.
    seconds_left: Option<u64>,
    /// The payment the session load resumed: its first code screen is a resumed one.
    resumed: Option<String>,
    /// Payments the widget has moved on from ("Try again", a page left unpaid): a late answer
    /// about one of them (a poll sent before, the closed page's settling) is never shown.
    pub(super) forgotten: Vec<String>,
    /// A Payment Page payment the backend concluded abandoned. The platform's word may still
    /// turn it into a success (README, "Several payments on one session"), so while the form is
    /// back the session is looked at now and then, and a paid payment there is shown.
    pub(super) left_page: bool,
    /// Asking the backend to settle a closed page failed: asked again on a later tick.
    pub(super) settle_due: bool,
}

/// The payment in flight. In context of its own; components read it, the controller changes it.
#[derive(Debug, Clone, Copy)]
pub struct Flight {
    /// The payment, as the backend last reported it.
    pub(super) payment: RwSignal<Option<PaymentView>>,
    /// The open (not final) payment's id.
    open_payment: Memo<Option<String>>,
    /// What the processing payment waits for.
    pub(super) waiting: RwSignal<Waiting>,
    /// The code as typed in the code field (bound to it): each new prompt empties it.
    pub(super) code: RwSignal<String>,
    /// Under the code field.
    pub(super) otp_error: RwSignal<Option<Text>>,
    /// Beside the code field: a new code was sent, the code filled itself in.
    pub(super) otp_notice: RwSignal<Option<Text>>,
    /// The live stream or polling lost the backend.
    pub(super) connection_lost: RwSignal<bool>,
    /// For screen readers: countdown milestones.
    pub(super) announcement: RwSignal<Option<Text>>,
    /// The browser's clock at the last tick.
    pub(super) now: RwSignal<f64>,
    /// Server time minus browser time.
    pub(super) clock_offset: RwSignal<f64>,
    /// Payout: the "send to this number?" step is shown, before anything flies.
    pub(super) confirming_payout: RwSignal<bool>,
    pub(super) memory: Kept<Memory>,
}

impl Flight {
    pub(super) fn new(started: f64) -> Flight {
        let payment = RwSignal::new(None);
        Flight {
            payment,
            open_payment: Memo::new(move |_| {
                payment.with(|p: &Option<PaymentView>| p.as_ref().filter(|p| !p.state.is_final()).map(|p| p.payment_id.clone()))
            }),
            waiting: RwSignal::new(Waiting::Platform),
            code: RwSignal::new(String::new()),
            otp_error: RwSignal::new(None),
            otp_notice: RwSignal::new(None),
            connection_lost: RwSignal::new(false),
            announcement: RwSignal::new(None),
            now: RwSignal::new(started),
            clock_offset: RwSignal::new(0.0),
            confirming_payout: RwSignal::new(false),
            memory: Kept::new(Memory::default()),
        }
    }

    /// False once the widget is unmounted.
    pub(super) fn alive(&self) -> bool {
        !self.payment.is_disposed()
    }

    /// Reads the payment (tracked).
    pub fn with_payment<R>(&self, read: impl FnOnce(&Option<PaymentView>) -> R) -> R {
        self.payment.with(read)
    }

    /// Reads the payment, not tracked.
    pub fn with_payment_untracked<R>(&self, read: impl FnOnce(&Option<PaymentView>) -> R) -> R {
        self.payment.with_untracked(read)
    }

    /// The open (not final) payment's id.
    pub fn open_payment(&self) -> Memo<Option<String>> {
        self.open_payment
    }

    /// What the processing payment waits for (tracked).
    pub fn waiting(&self) -> Waiting {
        self.waiting.get()
    }

    /// The code as typed (tracked).
    pub fn code(&self) -> String {
        self.code.get()
    }

    /// What is said under the code field.
    pub fn otp_error(&self) -> Said {
        Said(self.otp_error)
    }

    /// What is said beside the code field.
    pub fn otp_notice(&self) -> Said {
        Said(self.otp_notice)
    }

    /// What screen readers hear about the countdown.
    pub fn announcement(&self) -> Said {
        Said(self.announcement)
    }

    /// Whether the backend is out of reach (tracked).
    pub fn connection_lost(&self) -> bool {
        self.connection_lost.get()
    }

    /// Whether the payout's confirmation step is shown (tracked).
    pub fn confirming_payout(&self) -> bool {
        self.confirming_payout.get()
    }

    /// The server's clock now, as far as the widget can tell (tracked: follows the clock).
    pub(super) fn server_now(&self) -> f64 {
        self.now.get() + self.clock_offset.get()
    }
}

impl Checkout {
    /// Tells the host page about a new state of the payment; `first`: the first state of it
    /// this page load has seen.
    fn announce(&self, view: &PaymentView, first: bool) {
        let (flight, id) = (self.flight, view.payment_id.clone());
        match view.state {
            PaymentState::AwaitingOtp => {
                flight.waiting.set(Waiting::Platform);
                // A new prompt (first, after a wrong code, after a new code) starts empty.
                flight.code.set(String::new());
                flight.otp_error.set(match view.last_error {
                    Some(OtpError::WrongCode) => Some(Msg::OtpWrong.into()),
                    Some(OtpError::Expired) => Some(Msg::OtpExpired.into()),
                    None => None,
                });
                // A code screen of a payment this page load did not start (nor see before).
                let resumed = first && flight.memory.with(|m| m.resumed.as_deref() == Some(view.payment_id.as_str())).unwrap_or(false);
                self.emit(HostEvent::OtpRequired(OtpRequiredDetail {
                    payment_id: id,
                    attempt: view.attempt.unwrap_or(1),
                    resends_left: view.resends_left.unwrap_or(0),
                    otp_expires_at: view.otp_expires_at.clone(),
                    last_error: view.last_error,
                    resumed,
                }));
            }
            PaymentState::Succeeded => self.emit(HostEvent::Success(SuccessDetail {
                payment_id: id,
                amount: view.amount,
                currency: Some(view.currency.clone()),
                method: None,
            })),
            PaymentState::Declined => {
                self.emit(HostEvent::Decline(DeclineDetail { payment_id: id, code: view.code.clone(), message: view.message.clone() }))
            }
            PaymentState::Failed => self.emit(HostEvent::Error(ErrorDetail {
                code: view.code.clone(),
                stage: ErrorStage::Payment,
                payment_id: Some(id),
                message: view.message.clone(),
            })),
            _ => {}
        }
    }

    /// Every view of the payment comes in here; an older one arriving late is ignored.
    pub(super) fn accept(&self, view: PaymentView) {
        let flight = self.flight;
        if !self.alive() || flight.memory.with(|m| m.forgotten.contains(&view.payment_id)).unwrap_or(true) {
            return;
        }
        let fresh =
            flight.payment.with_untracked(|current| current.as_ref().is_none_or(|c| c.payment_id != view.payment_id || view.version >= c.version));
        if !fresh {
            return;
        }
        let local_now = self.local_now();
        flight.clock_offset.set(offset_of(&view.server_time, local_now));
        flight.now.set(local_now);
        if view.conclusion() == Some(Conclusion::Abandoned) {
            // A Payment Page left without paying, as the platform confirmed: the button again.
            flight.memory.with(|m| m.left_page = true);
            self.forget_payment();
            return;
        }
        let key = Announced::of(&view);
        let previous = flight.memory.with(|m| m.announced.replace(key.clone())).flatten();
        if previous.as_ref() != Some(&key) {
            // A new code, or no code any more: what was said about the old one is stale.
            if previous.as_ref().map(|p| &p.code_expires_at) != Some(&key.code_expires_at) {
                flight.announcement.set(None);
                flight.memory.with(|m| m.seconds_left = None);
            }
            if !previous.as_ref().is_some_and(|p| p.same_step(&key)) {
                self.announce(&view, previous.is_none());
            }
        }
        flight.payment.set(Some(view));
    }

    /// The payment the session's load found open or finished: shown as if it had just arrived.
    pub(super) fn resume(&self, resumed: PaymentView) {
        let page_gone = self.method() == checkout_protocol::api::Method::PaymentPage && resumed.state == PaymentState::Processing;
        self.flight.memory.with(|m| m.resumed = Some(resumed.payment_id.clone()));
        self.accept(resumed);
        // A reload closed any Payment Page this payment had open.
        if page_gone {
            self.settle_closed_page();
        }
    }

    /// Back to the form, for a new attempt.
    pub(super) fn forget_payment(&self) {
        let flight = self.flight;
        if let Some(id) = flight.payment.with_untracked(|p| p.as_ref().map(|p| p.payment_id.clone())) {
            flight.memory.with(|m| m.forgotten.push(id));
        }
        flight.payment.set(None);
        // Its Payment Page, if one is still open somewhere, speaks no more for the widget.
        self.page_opening.set_value(None);
        flight.waiting.set(Waiting::Platform);
        flight.announcement.set(None);
        flight.connection_lost.set(false);
        flight.memory.with(|m| {
            m.announced = None;
            m.seconds_left = None;
            m.settle_due = false;
        });
    }

    /// "Try again": back to the form with the number kept, the focus in the phone field.
    pub fn try_again(&self) {
        self.forget_payment();
        self.flight.confirming_payout.set(false);
        self.flight.otp_error.set(None);
        self.flight.otp_notice.set(None);
        self.form.focus_phone();
    }

    /// The payout's confirmation step, left without sending.
    pub fn back_to_form(&self) {
        self.flight.confirming_payout.set(false);
    }

    /// The customer typed in the code field (digits only).
    pub fn code_typed(&self, digits: String) {
        self.flight.code.set(digits);
    }

    /// The browser read the code from the SMS (WebOTP).
    pub fn code_filled(&self, code: String) {
        self.flight.code.set(code);
        self.flight.otp_notice.set(Some(Msg::OtpAutofilled.into()));
    }

    /// At each tick: the countdown's milestones for screen readers. Nothing counts ticks to
    /// measure time: the countdown is always the server's deadline minus the server's time now.
    pub(super) fn count_down(&self) {
        let flight = self.flight;
        flight.now.set(self.local_now());
        let server_now = flight.now.get_untracked() + flight.clock_offset.get_untracked();
        let left = flight.payment.with_untracked(|p| super::code_seconds_left(p.as_ref(), server_now));
        let before = flight.memory.with(|m| std::mem::replace(&mut m.seconds_left, left)).flatten();
        if let (Some(before), Some(left)) = (before, left) {
            // After a hidden tab several may have passed at once; the latest is the news.
            if let Some(&milestone) = MILESTONES.iter().rev().find(|&&m| before > m && left <= m) {
                flight.announcement.set(match milestone {
                    60 => Some(Msg::AnnounceMinute.into()),
                    0 => Some(Msg::AnnounceExpired.into()),
                    n => Some(Text::SecondsLeft(n)),
                });
            }
        }
    }
}
