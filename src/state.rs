//! The checkout's shared state, provided by context to every component: what the widget knows
//! (the session, the payment as the backend last reported it, the server's clock), what the
//! customer typed, and the actions that talk to the backend.
//!
//! Every view of the payment, from answers, the live stream and polling, goes through
//! [`Checkout::accept`], which drops stale ones by version. The screen is derived from the
//! payment ([`Checkout::screen`]), so a reload resumes exactly where the customer was.

use checkout_protocol::api::{
    Method, MobilePaymentRequest, OtpError, OtpRequest, PaymentKind, PaymentPageRequest, PaymentState, PaymentView, SessionView,
};
use checkout_protocol::KzMobile;
use checkout_protocol::Locale;
use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{payment_from_event, ApiError, Client};
use crate::clock::{offset_of, parse_time, seconds_until, Clock};
use checkout_protocol::host_event::{
    ChangeDetail, DeclineDetail, ErrorDetail, ErrorStage, HostEvent, OtpRequiredDetail, PageStep, PaymentPageDetail, ReadyDetail, SubmitDetail,
    SubmitMethod, SuccessDetail, SuccessMethod,
};

use crate::host_events::Host;
use crate::i18n::{Msg, Text};
use crate::payment_page::{ensure_script, run as run_payment_page, PageDisplay, PageOpening};

/// Digits in the platform's OTPs; the field submits itself when it has this many.
pub const OTP_LENGTH: usize = 6;
/// Ticks between polls of an open payment (2 s at 250 ms a tick). Polling runs beside the live
/// stream, so a lost connection or a proxy that buffers events never leaves the customer stuck.
const POLL_TICKS: u32 = 8;
/// Ticks between looks for new deposits in cash-in mode (3 s).
const DEPOSIT_TICKS: u32 = 12;
/// Seconds left on a code at which screen readers hear the countdown: not every second.
const MILESTONES: [u64; 4] = [60, 30, 10, 0];
/// The code of a Payment Page payment the platform never heard of once the page closed
/// (`checkout_server::service::ABANDONED`).
const ABANDONED: &str = "abandoned";

/// What the customer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The session is loading.
    Loading,
    /// The session could not be loaded.
    LoadFailed,
    /// Phone and operator, the Payment Page button, or the cash-in guide (by mode).
    Form,
    /// The payout's "send to this number?" step; a form screen to the host page.
    PayoutConfirm,
    /// Waiting for the platform.
    Waiting,
    /// The code from the SMS.
    Otp,
    /// The outcome.
    Result,
}

impl Screen {
    /// The screen's name, for `data-screen` (tests and host-page styling).
    pub const fn name(self) -> &'static str {
        match self {
            Screen::Loading => "loading",
            Screen::LoadFailed => "load-failed",
            Screen::Form | Screen::PayoutConfirm => "form",
            Screen::Waiting => "waiting",
            Screen::Otp => "otp",
            Screen::Result => "result",
        }
    }
}

/// What the widget does, from the session's first method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Phone and code.
    Mobile,
    /// The hosted Payment Page.
    PaymentPage,
    /// Cash at a terminal.
    CashIn,
    /// Money to the customer's phone.
    Payout,
}

impl Mode {
    fn of(session: Option<&SessionView>) -> Mode {
        match session.and_then(|s| s.methods.first()) {
            Some(Method::PaymentPage) => Mode::PaymentPage,
            Some(Method::CashIn) => Mode::CashIn,
            Some(Method::Payout) => Mode::Payout,
            _ => Mode::Mobile,
        }
    }
}

/// The customer's step a backend call belongs to: it decides the text of a failure and the host
/// page's `error` stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Loading the session.
    Load,
    /// Asking for a code (starting a payment by phone).
    Start,
    /// Sending a payout.
    Payout,
    /// Submitting a code.
    Code,
    /// Asking for a new code.
    Resend,
    /// Opening the Payment Page.
    PaymentPage,
}

impl Step {
    /// Every step, for tests.
    pub const ALL: [Step; 6] = [Step::Load, Step::Start, Step::Payout, Step::Code, Step::Resend, Step::PaymentPage];

    /// The host page's name for it.
    pub const fn stage(self) -> ErrorStage {
        match self {
            Step::Load => ErrorStage::Load,
            Step::Start => ErrorStage::Start,
            Step::Payout => ErrorStage::Payout,
            Step::Code | Step::Resend => ErrorStage::Otp,
            Step::PaymentPage => ErrorStage::PaymentPage,
        }
    }

    /// What failed, when the reason is one this widget does not know (a newer backend's code).
    const fn failed(self) -> Msg {
        match self {
            Step::Load => Msg::LoadFailed,
            Step::Start => Msg::StartFailed,
            Step::Payout => Msg::PayoutFailed,
            Step::Code => Msg::CodeFailed,
            Step::Resend => Msg::ResendFailed,
            Step::PaymentPage => Msg::PpLoadFailed,
        }
    }
}

/// The text for a failed call at `step`. Every code of the contract is named here, with no
/// wildcard: a code added to `ErrorCode` does not compile until it has its text. Codes only the
/// shop's own side can get (its administration, the platform's callbacks, the terminals) share
/// one text, since reaching a customer means the shop's set-up is wrong.
pub fn error_message(step: Step, error: &ApiError) -> Msg {
    use checkout_protocol::api::ErrorCode as C;
    let code = match error {
        ApiError::Transport(_) => return Msg::NetworkError,
        ApiError::Decode(_) => return Msg::ErrUnexpectedAnswer,
        ApiError::Api { code, .. } => *code,
    };
    match code {
        C::InvalidJson
        | C::BodyTooLarge
        | C::ContentType
        | C::InvalidPath
        | C::InvalidQuery
        | C::UriTooLong
        | C::HttpMethodNotAllowed
        | C::NotFound
        | C::BodyRejected => Msg::ErrRequestRefused,
        C::TooManyRequests => Msg::TooManyRequests,
        C::SessionNotFound => Msg::SessionNotFound,
        C::PaymentNotFound => Msg::ErrPaymentNotFound,
        C::MethodNotAllowed => Msg::ErrMethodNotAllowed,
        C::AlreadyPaid => Msg::ErrAlreadyPaid,
        C::PaymentInProgress => Msg::ErrPaymentInProgress,
        C::OperatorUnknown => Msg::OperatorRequired,
        C::PhoneEmpty => Msg::PhoneEmpty,
        C::PhoneInvalidCharacter => Msg::PhoneInvalidCharacter,
        C::PhoneTooShort => Msg::PhoneTooShort,
        C::PhoneTooLong => Msg::PhoneTooLong,
        C::PhoneRussian => Msg::PhoneRussian,
        C::PhoneNotKzMobile => Msg::PhoneNotKzMobile,
        C::PhoneForeign => Msg::PhoneForeign,
        C::OtpInvalid => Msg::OtpShape,
        C::NotAwaitingOtp => Msg::ErrNotAwaitingOtp,
        C::OtpAlreadySubmitted => Msg::ErrOtpAlreadySubmitted,
        C::OtpAttemptsExhausted => Msg::OtpTriesUsed,
        C::ResendTooEarly => Msg::ErrResendNotYet,
        C::ResendLimit => Msg::OtpExpiredNoneLeft,
        C::ResendInProgress => Msg::ErrResendInProgress,
        C::GateRejected => Msg::ErrGateRejected,
        C::GateUnavailable | C::SandboxUnavailable | C::StatusUnsigned | C::StatusUnreadable => Msg::ErrPlatformUnavailable,
        C::TerminalRefused
        | C::AmountInvalid
        | C::CurrencyUnsupported
        | C::CustomerInvalid
        | C::MethodsInvalid
        | C::Unauthorized
        | C::AdminDisabled
        | C::NotRefundable
        | C::RefundExceedsPayment
        | C::InvalidSignature
        | C::InvalidCallback
        | C::WrongProject => Msg::ErrShopSetup,
        C::InternalError => Msg::ErrInternal,
        C::Unknown => step.failed(),
    }
}

/// Next to which field a failure of the phone form is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Under the phone field.
    Phone,
    /// Under the operator picker.
    Operator,
    /// Under the form.
    Form,
}

/// Where a failed start (of a payment, a payout or the Payment Page) is shown.
pub fn place_of(error: &ApiError) -> Place {
    use checkout_protocol::api::ErrorCode as C;
    match error {
        ApiError::Api {
            code:
                C::PhoneEmpty | C::PhoneInvalidCharacter | C::PhoneTooShort | C::PhoneTooLong | C::PhoneRussian | C::PhoneNotKzMobile | C::PhoneForeign,
            ..
        } => Place::Phone,
        ApiError::Api { code: C::OperatorUnknown, .. } => Place::Operator,
        _ => Place::Form,
    }
}

/// What distinguishes one state of a payment from the next, for the host page's events.
type StateKey = (PaymentState, Option<u32>, Option<u8>, Option<String>);

/// What the widget keeps between events without showing it.
#[derive(Debug, Default)]
struct Memory {
    /// The payment state the host page last heard of.
    announced: Option<StateKey>,
    /// Seconds left on the code at the previous tick, for the countdown's milestones.
    seconds_left: Option<u64>,
    /// Clock ticks since the widget was mounted.
    ticks: u32,
    /// The payment the session load resumed: its first code screen is a resumed one.
    resumed: Option<String>,
    /// Cash-in deposits whose success the host page has heard of (or that were paid before the
    /// widget loaded): each is announced once, by its id, when it succeeds.
    announced_deposits: Vec<String>,
    /// A Payment Page payment the backend concluded abandoned. The platform's word may still
    /// turn it into a success (README, "Several payments on one session"), so while the form is
    /// back the session is looked at now and then, and a paid payment there is shown.
    left_page: bool,
    /// Payments the widget has moved on from ("Try again", a page left unpaid): a late answer
    /// about one of them (a poll sent before, the closed page's settling) is never shown.
    forgotten: Vec<String>,
    /// A look at the open payment is on its way: the next waits for it, so a slow backend never
    /// piles requests up.
    polling: bool,
}

/// The live stream of the open payment; dropping it closes the connection and ends its reader.
struct LiveStream {
    payment_id: String,
    /// Held, never read: the connection lives exactly as long as this value.
    _source: gloo_net::eventsource::futures::EventSource,
}

/// One mounted checkout. `Copy`: every field is a handle into the reactive arena owned by the
/// widget's root, so everything here is freed when the widget is unmounted.
#[derive(Clone, Copy)]
pub struct Checkout {
    /// The language of every text.
    pub locale: Locale,
    /// Unique to this widget on the page, for DOM ids.
    pub uid: u32,
    /// How the hosted Payment Page opens.
    pub display: PageDisplay,
    client: StoredValue<Client, LocalStorage>,
    /// The browser's clock (a test's, in tests).
    clock: StoredValue<Clock, LocalStorage>,
    host: StoredValue<Host, LocalStorage>,
    memory: StoredValue<Memory, LocalStorage>,
    stream: StoredValue<Option<LiveStream>, LocalStorage>,
    /// The Payment Page opening whose handlers may act; dropped with the widget.
    page_opening: StoredValue<Option<PageOpening>, LocalStorage>,

    /// The loaded session.
    pub loaded: Loaded,
    /// The phone form.
    pub form: Form,
    /// The payment in flight.
    pub flight: Flight,
    /// What the customer sees, derived from the three.
    pub screen: Memo<Screen>,
}

/// The session as the backend gave it: what changes when it (re)loads. In context of its own.
#[derive(Clone, Copy)]
pub struct Loaded {
    /// The session's answer (resource).
    pub answer: LocalResource<Result<SessionView, ApiError>>,
    /// The session, once loaded (derived from `answer`).
    pub session: Memo<Option<SessionView>>,
    /// Why the session did not load (derived from `answer`; none while a retry is on its way).
    pub error: Memo<Option<ApiError>>,
    /// "Try again" after a failed load: the skeleton shows until the new answer is there.
    reloading: RwSignal<bool>,
    /// Cash-in deposits.
    pub deposits: RwSignal<Vec<PaymentView>>,
}

/// The phone form: what the customer types and chooses, and what is said next to it. In context
/// of its own.
#[derive(Debug, Clone, Copy)]
pub struct Form {
    /// The phone as typed (formatted).
    pub phone: RwSignal<String>,
    /// The chosen operator's id.
    pub operator: RwSignal<Option<String>>,
    /// The customer chose the operator themselves: suggestions no longer change it.
    pub chosen_by_customer: RwSignal<bool>,
    /// Under the phone field.
    pub phone_error: RwSignal<Option<Text>>,
    /// Under the operator picker.
    pub operator_error: RwSignal<Option<Text>>,
    /// Under a form.
    pub form_error: RwSignal<Option<Text>>,
    /// Payout: the confirmation step is shown.
    pub payout_confirming: RwSignal<bool>,
    /// The account number was copied (cash-in).
    pub copied: RwSignal<bool>,
    /// The phone field takes the focus when it is next shown ("Try again").
    pub focus_phone: RwSignal<bool>,
}

/// The payment in flight: its state as the backend reports it, its code and countdown, and what
/// is said about it. In context of its own.
#[derive(Debug, Clone, Copy)]
pub struct Flight {
    /// The payment, as the backend last reported it.
    pub payment: RwSignal<Option<PaymentView>>,
    /// The open (not final) payment's id.
    pub open_payment: Memo<Option<String>>,
    /// A code was sent and its answer is awaited: the waiting screen says "checking the code".
    pub code_sent: RwSignal<bool>,
    /// The code as typed in the code field (bound to it): each new prompt empties it.
    pub code: RwSignal<String>,
    /// Under the code field.
    pub otp_error: RwSignal<Option<Text>>,
    /// Beside the code field: a new code was sent, the code filled itself in.
    pub otp_notice: RwSignal<Option<Text>>,
    /// The live stream or polling lost the backend.
    pub connection_lost: RwSignal<bool>,
    /// For screen readers: countdown milestones.
    pub announcement: RwSignal<Option<Text>>,
    /// The Payment Page of the open payment is no longer on screen: the backend is asked to
    /// settle it, and the widget says it is checking.
    pub page_closed: RwSignal<bool>,
    /// The browser's clock at the last tick.
    pub now: RwSignal<f64>,
    /// Server time minus browser time.
    pub clock_offset: RwSignal<f64>,
}

/// The calls to the backend a customer starts, as Leptos actions: their `pending()` is what
/// disables buttons and shows "Sending…", so a double click sends once.
#[derive(Clone, Copy)]
pub struct Actions {
    checkout: Checkout,
    /// Starts the payment (or the payout) with an operator and a phone.
    pub start: Action<(String, String, Method), ()>,
    /// Submits a code.
    pub send_code: Action<String, ()>,
    /// Asks for a new code.
    pub resend: Action<(), ()>,
    /// Opens the Payment Page with an operator (or none).
    pub open_page: Action<String, ()>,
}

impl std::fmt::Debug for Checkout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkout").field("uid", &self.uid).field("locale", &self.locale).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded").field("session", &self.session).field("error", &self.error).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Actions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actions").field("checkout", &self.checkout).finish_non_exhaustive()
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

/// The checkout's actions.
pub fn use_actions() -> Actions {
    expect_context::<Actions>()
}

impl Checkout {
    /// Creates the state under the current owner, loads the session, starts the clock, and
    /// provides it as context.
    pub fn provide(client: Client, locale: Locale, host: Host, display: PageDisplay, clock: Clock) -> Checkout {
        let client = StoredValue::new_local(client);
        let started = clock();
        let clock = StoredValue::new_local(clock);
        let answer = LocalResource::new(move || {
            let client = client.get_value();
            async move { client.session().await }
        });
        // Derived, not copied: the resource is the one place the session's answer lives.
        let reloading = RwSignal::new(false);
        let loaded = Loaded {
            answer,
            // Recomputed only when the resource answers; every answer is news, so no comparison
            // (a derived `PartialEq` over the whole session cost the bundle 637 bytes brotli).
            session: Memo::new_with_compare(move |_| answer.map(|answer| answer.as_ref().ok().cloned()).flatten(), |_, _| true),
            error: Memo::new(move |_| if reloading.get() { None } else { answer.map(|answer| answer.as_ref().err().cloned()).flatten() }),
            reloading,
            deposits: RwSignal::new(Vec::new()),
        };
        let form = Form {
            phone: RwSignal::new(String::new()),
            operator: RwSignal::new(None),
            chosen_by_customer: RwSignal::new(false),
            phone_error: RwSignal::new(None),
            operator_error: RwSignal::new(None),
            form_error: RwSignal::new(None),
            payout_confirming: RwSignal::new(false),
            copied: RwSignal::new(false),
            focus_phone: RwSignal::new(false),
        };
        let payment = RwSignal::new(None);
        let flight = Flight {
            payment,
            open_payment: Memo::new(move |_| {
                payment.with(|p: &Option<PaymentView>| p.as_ref().filter(|p| !p.state.is_final()).map(|p| p.payment_id.clone()))
            }),
            code_sent: RwSignal::new(false),
            code: RwSignal::new(String::new()),
            otp_error: RwSignal::new(None),
            otp_notice: RwSignal::new(None),
            connection_lost: RwSignal::new(false),
            announcement: RwSignal::new(None),
            page_closed: RwSignal::new(false),
            now: RwSignal::new(started),
            clock_offset: RwSignal::new(0.0),
        };
        let screen = Memo::new(move |_| screen_of(loaded, form, flight));
        let this = Checkout {
            locale,
            uid: unique(),
            display,
            client,
            clock,
            host: StoredValue::new_local(host),
            memory: StoredValue::new_local(Memory::default()),
            stream: StoredValue::new_local(None),
            page_opening: StoredValue::new_local(None),
            loaded,
            form,
            flight,
            screen,
        };
        provide_context(loaded);
        provide_context(form);
        provide_context(flight);
        provide_context(this);
        provide_context(Actions {
            checkout: this,
            start: Action::new_local(move |(operator, phone, method): &(String, String, Method)| {
                let (operator, phone, method) = (operator.clone(), phone.clone(), *method);
                async move { this.start_payment_now(operator, phone, method).await }
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
        });

        Effect::new(move |_| {
            let Some(result) = this.loaded.answer.get() else { return };
            this.session_loaded(result);
        });
        Effect::new(move |_| this.follow(this.flight.open_payment.get()));
        let clock = set_interval_with_handle(move || this.tick(), std::time::Duration::from_millis(250));
        if let Ok(clock) = clock {
            on_cleanup(move || clock.clear());
        }
        this
    }

    /// Answers can arrive after the widget was unmounted; they must then touch nothing.
    pub fn alive(&self) -> bool {
        !self.flight.payment.is_disposed()
    }

    /// The browser's clock now.
    fn local_now(&self) -> f64 {
        self.clock.try_with_value(|clock| clock()).unwrap_or_default()
    }

    /// The backend.
    fn client(&self) -> Option<Client> {
        self.client.try_get_value()
    }

    /// Tells the host page.
    pub fn emit(&self, event: HostEvent) {
        self.host.with_value(|host| host.emit(&event));
    }

    /// What the widget does; fixed once the session is there.
    pub fn mode(&self) -> Mode {
        self.loaded.session.with_untracked(|s| Mode::of(s.as_ref()))
    }

    /// The server's clock now, as far as the widget can tell (tracked: follows the clock).
    pub fn server_now(&self) -> f64 {
        self.flight.now.get() + self.flight.clock_offset.get()
    }

    /// Tells the host page that a call at `stage` failed, and why.
    fn emit_failure(&self, error: &ApiError, stage: ErrorStage) {
        self.emit_error(error.code(), stage, error.detail().to_owned());
    }

    /// Tells the host page that something at `stage` failed, with its stable `code`.
    fn emit_error(&self, code: &str, stage: ErrorStage, message: String) {
        self.emit(HostEvent::Error(ErrorDetail { code: Some(code.to_owned()), stage, payment_id: None, message: Some(message) }));
    }

    /// A failed call at `step`: tells the host page, and gives the text to show the customer.
    fn failure(&self, error: &ApiError, step: Step) -> Option<Text> {
        use checkout_protocol::api::ErrorCode as C;
        self.emit_failure(error, step.stage());
        match error {
            ApiError::Api { code: C::TooManyRequests, retry_after_s, .. } => {
                let minutes = retry_after_s.unwrap_or(60).div_ceil(60).max(1);
                Some(Text::Filled(Msg::TooManyRequests, vec![("minutes", minutes.to_string())]))
            }
            ApiError::Api { code: C::OtpAttemptsExhausted, retry_after_s: None, .. } => Some(Msg::OtpTriesUsedNoneLeft.into()),
            ApiError::Api { code: C::ResendTooEarly, retry_after_s: Some(seconds), .. } => {
                Some(Text::Filled(Msg::ResendTooEarly, vec![("seconds", seconds.to_string())]))
            }
            _ => Some(error_message(step, error).into()),
        }
    }

    /// Shows a failed start next to the field it concerns.
    fn show_start_failure(&self, error: &ApiError, step: Step) {
        let text = self.failure(error, step);
        match place_of(error) {
            Place::Phone => self.form.phone_error.set(text),
            Place::Operator => self.form.operator_error.set(text),
            Place::Form => self.form.form_error.set(text),
        }
    }

    /// What the session's answer sets going (the session itself and its failure are derived from
    /// the resource): the host page's `ready` or `error`, the deposits, the payment to resume.
    fn session_loaded(&self, result: Result<SessionView, ApiError>) {
        self.loaded.reloading.set(false);
        match result {
            Ok(mut view) => {
                let resumed = view.payment.take();
                // Deposits paid before this load are history, not news for the host page.
                let paid: Vec<String> = view.deposits.iter().filter(|d| d.state == PaymentState::Succeeded).map(|d| d.payment_id.clone()).collect();
                self.memory.update_value(|m| m.announced_deposits = paid);
                self.loaded.deposits.set(std::mem::take(&mut view.deposits));
                self.emit(HostEvent::Ready(ReadyDetail { merchant_name: view.merchant_name.clone(), amount: view.amount }));
                if let Some(resumed) = resumed {
                    let page_gone = self.mode() == Mode::PaymentPage && resumed.state == PaymentState::Processing;
                    self.memory.update_value(|m| m.resumed = Some(resumed.payment_id.clone()));
                    self.accept(resumed);
                    // A reload closed any Payment Page this payment had open.
                    if page_gone {
                        self.settle_closed_page();
                    }
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

    /// Tells the host page about a new state of the payment.
    fn announce(&self, view: &PaymentView, previous: Option<&StateKey>) {
        let id = view.payment_id.clone();
        match view.state {
            PaymentState::AwaitingOtp => {
                self.flight.code_sent.set(false);
                // A new prompt (first, after a wrong code, after a new code) starts empty.
                self.flight.code.set(String::new());
                self.flight.otp_error.set(match view.last_error {
                    Some(OtpError::WrongCode) => Some(Msg::OtpWrong.into()),
                    Some(OtpError::Expired) => Some(Msg::OtpExpired.into()),
                    None => None,
                });
                // A code screen of a payment this page load did not start (nor see before).
                let resumed = previous.is_none() && self.memory.with_value(|m| m.resumed.as_deref() == Some(view.payment_id.as_str()));
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
    pub fn accept(&self, view: PaymentView) {
        if !self.alive() || self.memory.with_value(|m| m.forgotten.contains(&view.payment_id)) {
            return;
        }
        let fresh = self
            .flight
            .payment
            .with_untracked(|current| current.as_ref().is_none_or(|c| c.payment_id != view.payment_id || view.version >= c.version));
        if !fresh {
            return;
        }
        let local_now = self.local_now();
        self.flight.clock_offset.set(offset_of(&view.server_time, local_now));
        self.flight.now.set(local_now);
        if view.state == PaymentState::Failed && view.code.as_deref() == Some(ABANDONED) {
            // A Payment Page left without paying, as the platform confirmed: the button again.
            self.memory.update_value(|m| m.left_page = true);
            self.forget_payment();
            return;
        }
        let key: StateKey = (view.state, view.attempt, view.resends_left, view.otp_expires_at.clone());
        let previous = self.memory.try_update_value(|m| m.announced.replace(key.clone())).flatten();
        if previous.as_ref() != Some(&key) {
            // A new code, or no code any more: what was said about the old one is stale.
            if previous.as_ref().map(|p| &p.3) != Some(&key.3) {
                self.flight.announcement.set(None);
                self.memory.update_value(|m| m.seconds_left = None);
            }
            if previous.as_ref().map(|p| (p.0, p.1, p.2)) != Some((key.0, key.1, key.2)) {
                self.announce(&view, previous.as_ref());
            }
        }
        self.flight.payment.set(Some(view));
    }

    /// Back to the form, for a new attempt.
    pub fn forget_payment(&self) {
        if let Some(id) = self.flight.payment.with_untracked(|p| p.as_ref().map(|p| p.payment_id.clone())) {
            self.memory.update_value(|m| m.forgotten.push(id));
        }
        self.flight.payment.set(None);
        // Its Payment Page, if one is still open somewhere, speaks no more for the widget.
        self.page_opening.set_value(None);
        self.flight.code_sent.set(false);
        self.flight.page_closed.set(false);
        self.flight.announcement.set(None);
        self.flight.connection_lost.set(false);
        self.memory.update_value(|m| {
            m.announced = None;
            m.seconds_left = None;
        });
    }

    /// "Try again": back to the form with the number kept, the focus in the phone field.
    pub fn try_again(&self) {
        self.forget_payment();
        self.form.payout_confirming.set(false);
        self.flight.otp_error.set(None);
        self.flight.otp_notice.set(None);
        self.form.focus_phone.set(true);
    }

    /// Follows the open payment over Server-Sent Events; any other stream closes.
    fn follow(&self, open: Option<String>) {
        let following = self.stream.with_value(|s| s.as_ref().map(|s| s.payment_id.clone()));
        if following == open {
            return;
        }
        // Dropping the old stream closes it; its reader then ends.
        self.stream.set_value(None);
        self.flight.connection_lost.set(false);
        let Some(payment_id) = open else { return };
        let Some(url) = self.client().and_then(|c| c.events_url(&payment_id)) else { return };
        let Ok(mut source) = gloo_net::eventsource::futures::EventSource::new(&url) else { return };
        let Ok(mut events) = source.subscribe("payment") else { return };
        self.stream.set_value(Some(LiveStream { payment_id: payment_id.clone(), _source: source }));
        let this = *self;
        spawn_local(async move {
            while let Some(event) = events.next().await {
                if !this.alive() {
                    return;
                }
                match event {
                    Ok((_, message)) => {
                        this.flight.connection_lost.set(false);
                        if let Some(view) = message.data().as_string().and_then(|data| payment_from_event(&data).ok()) {
                            this.accept(view);
                        }
                    }
                    // gloo-net reports only a stream that is closed for good (or that we closed).
                    Err(_) => {
                        let current = this.stream.try_with_value(|s| s.as_ref().is_some_and(|s| s.payment_id == payment_id)).unwrap_or(false);
                        if current {
                            this.stream.set_value(None);
                            this.flight.connection_lost.set(true);
                        }
                        return;
                    }
                }
            }
        });
    }

    fn poll(&self) {
        let Some(id) = self.flight.open_payment.get_untracked() else { return };
        let Some(client) = self.client() else { return };
        if self.memory.try_update_value(|m| std::mem::replace(&mut m.polling, true)).unwrap_or(true) {
            return;
        }
        let this = *self;
        spawn_local(async move {
            let answer = client.payment(&id).await;
            // Gone with the widget if it was unmounted meanwhile.
            this.memory.try_update_value(|m| m.polling = false);
            match answer {
                Ok(view) => {
                    if this.alive() {
                        let stream_gone = this.stream.with_value(Option::is_none);
                        this.flight.connection_lost.set(false);
                        this.accept(view);
                        // The backend is back: open the live stream again.
                        if stream_gone {
                            this.follow(this.flight.open_payment.get_untracked());
                        }
                    }
                }
                Err(ApiError::Transport(_)) if this.alive() => this.flight.connection_lost.set(true),
                Err(_) => {}
            }
        });
    }

    /// Cash-in: deposits arrive whenever the customer pays at a terminal.
    fn look_for_deposits(&self) {
        let Some(client) = self.client() else { return };
        let this = *self;
        spawn_local(async move {
            let Ok(fresh) = client.session().await else { return };
            if !this.alive() {
                return;
            }
            for deposit in fresh.deposits.iter().filter(|d| d.state == PaymentState::Succeeded) {
                let news = this
                    .memory
                    .try_update_value(|m| {
                        let news = !m.announced_deposits.contains(&deposit.payment_id);
                        if news {
                            m.announced_deposits.push(deposit.payment_id.clone());
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

    /// After a Payment Page concluded abandoned: a success the platform reported for it since
    /// (the customer paid on a page still open elsewhere) makes it the session's payment, shown
    /// with its result and announced to the host page like any.
    fn look_for_a_paid_page(&self) {
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
                this.memory.update_value(|m| {
                    m.left_page = false;
                    m.forgotten.retain(|id| *id != view.payment_id);
                });
                this.accept(view);
            }
        });
    }

    /// The clock. Nothing counts ticks to measure time: the countdown is always the server's
    /// deadline minus the server's time now.
    fn tick(&self) {
        if !self.alive() {
            return;
        }
        self.flight.now.set(self.local_now());
        let server_now = self.flight.now.get_untracked() + self.flight.clock_offset.get_untracked();
        let left = self.flight.payment.with_untracked(|p| code_seconds_left(p.as_ref(), server_now));
        let (mut ticks, mut before) = (0, None);
        self.memory.update_value(|m| {
            m.ticks = m.ticks.wrapping_add(1);
            ticks = m.ticks;
            before = std::mem::replace(&mut m.seconds_left, left);
        });
        if let (Some(before), Some(left)) = (before, left) {
            // After a hidden tab several may have passed at once; the latest is the news.
            if let Some(&milestone) = MILESTONES.iter().rev().find(|&&m| before > m && left <= m) {
                self.flight.announcement.set(match milestone {
                    60 => Some(Msg::AnnounceMinute.into()),
                    0 => Some(Msg::AnnounceExpired.into()),
                    n => Some(Text::SecondsLeft(n)),
                });
            }
        }
        if ticks % POLL_TICKS == 0 {
            self.poll();
        }
        if ticks % DEPOSIT_TICKS == 0 && self.mode() == Mode::CashIn {
            self.look_for_deposits();
        }
        let page_left = self.memory.with_value(|m| m.left_page);
        if ticks % DEPOSIT_TICKS == 0 && page_left && self.flight.payment.with_untracked(Option::is_none) {
            self.look_for_a_paid_page();
        }
    }

    /// The operator the number's prefix suggests, among those the session offers.
    pub fn suggestion(&self, number: &KzMobile) -> Option<String> {
        self.loaded.session.with_untracked(|s| {
            let offered = &s.as_ref()?.operators;
            number.suggested_operators().iter().map(|op| op.code()).find(|code| offered.iter().any(|o| o.id == *code)).map(str::to_owned)
        })
    }

    /// Tells the host page the form changed.
    pub fn tell_change(&self) {
        let complete = self.form.phone.with_untracked(|p| KzMobile::parse(p).is_ok());
        self.emit(HostEvent::Change(ChangeDetail { phone_complete: complete, operator: self.form.operator.get_untracked() }));
    }

    /// As the customer types: suggest an operator, unless they chose one themselves.
    pub fn phone_typed(&self, typed: String) {
        self.form.form_error.set(None);
        self.form.phone_error.set(None);
        let parsed = KzMobile::parse(&typed).ok();
        if let Some(suggested) = parsed.as_ref().filter(|_| !self.form.chosen_by_customer.get_untracked()).and_then(|n| self.suggestion(n)) {
            self.form.operator.set(Some(suggested));
            self.form.operator_error.set(None);
        }
        self.form.phone.set(typed);
        self.tell_change();
    }

    async fn start_payment_now(&self, operator: String, phone: String, method: Method) {
        let Some(client) = self.client() else { return };
        self.form.form_error.set(None);
        let request = MobilePaymentRequest { operator, phone };
        let answer = if method == Method::Payout { client.start_payout(&request).await } else { client.start_payment(&request).await };
        if !self.alive() {
            return;
        }
        match answer {
            Ok(view) => self.accept(view),
            Err(error) if method == Method::Payout => {
                self.form.payout_confirming.set(false);
                self.show_start_failure(&error, Step::Payout);
            }
            Err(error) => self.show_start_failure(&error, Step::Start),
        }
    }

    async fn send_code_now(&self, code: String) {
        let Some(client) = self.client() else { return };
        let Some(payment_id) = self.flight.open_payment.get_untracked() else { return };
        // The attempt shown: a copy of this request that arrives after it was answered is not a try.
        let attempt = self.flight.payment.with_untracked(|p| p.as_ref().and_then(|p| p.attempt));
        self.flight.code_sent.set(true);
        let answer = client.submit_otp(&payment_id, &OtpRequest { code, attempt }).await;
        if !self.alive() {
            return;
        }
        match answer {
            Ok(updated) => self.accept(updated),
            Err(error) => {
                self.flight.code_sent.set(false);
                self.flight.otp_error.set(self.failure(&error, Step::Code));
            }
        }
    }

    async fn resend_now(&self) {
        let Some(client) = self.client() else { return };
        let Some(payment_id) = self.flight.open_payment.get_untracked() else { return };
        self.flight.otp_error.set(None);
        let answer = client.resend(&payment_id).await;
        if !self.alive() {
            return;
        }
        match answer {
            Ok(updated) => {
                self.accept(updated);
                self.flight.otp_notice.set(Some(Msg::ResendSent.into()));
            }
            Err(error) => self.flight.otp_error.set(self.failure(&error, Step::Resend)),
        }
    }

    /// The Payment Page reports what happens on it; the result shown is still the backend's.
    fn page_message(&self, step: PageStep) {
        if !self.alive() {
            return;
        }
        self.emit(HostEvent::PaymentPage(PaymentPageDetail { message: step }));
        // Closed: the page's word is not the outcome. The payment is followed until the backend
        // knows it; only a payment it confirms abandoned brings the pay button back (`accept`).
        if step == PageStep::Exit && self.flight.open_payment.get_untracked().is_some() {
            self.settle_closed_page();
        }
    }

    /// Asks the backend to settle the session's Payment Page payment now that no page shows it.
    fn settle_closed_page(&self) {
        if self.flight.page_closed.get_untracked() {
            return;
        }
        self.flight.page_closed.set(true);
        let Some(client) = self.client() else { return };
        let this = *self;
        spawn_local(async move {
            if let Ok(view) = client.payment_page_closed().await {
                this.accept(view);
            }
        });
    }

    fn page_failed(&self, code: &str, reason: String) {
        self.form.form_error.set(Some(Msg::PpLoadFailed.into()));
        self.emit_error(code, ErrorStage::PaymentPage, reason);
    }

    async fn open_page_now(&self, operator: String) {
        let Some(client) = self.client() else { return };
        let request = PaymentPageRequest { operator: Some(operator).filter(|o| !o.is_empty()), locale: Some(self.locale.tag().into()) };
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
        self.flight.page_closed.set(false);
        let (amount, currency) = self.loaded.session.with_untracked(|s| s.as_ref().map(|s| (s.amount, s.currency.clone()))).unwrap_or_default();
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

    /// The id of the element the embedded Payment Page opens in.
    pub fn page_target(&self) -> String {
        format!("kzc-page-{}", self.uid)
    }

    /// Copies the cash-in account number.
    pub fn copy_account(&self) {
        let account = self.loaded.session.with_untracked(|s| s.as_ref().and_then(|s| s.cash_in_account.clone())).unwrap_or_default();
        // web-sys directly: gloo has no clipboard API in the crates the widget uses.
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&account);
            self.form.copied.set(true);
        }
    }
}

impl std::ops::Deref for Actions {
    type Target = Checkout;

    fn deref(&self) -> &Checkout {
        &self.checkout
    }
}

impl Actions {
    /// The phone form was submitted: checked here, then started (or, for a payout, confirmed
    /// first). Returns false when the phone is not valid, so the field takes the focus.
    pub fn submit_phone(&self) -> bool {
        if self.start.pending().get_untracked() {
            return true;
        }
        let number = match KzMobile::parse(&self.form.phone.get_untracked()) {
            Ok(number) => number,
            Err(e) => {
                self.form.phone_error.set(Some(crate::i18n::phone_message(&e).into()));
                return false;
            }
        };
        // A customer quicker than the suggestion still gets it.
        let Some(op) = self.form.operator.get_untracked().or_else(|| self.suggestion(&number)) else {
            self.form.operator_error.set(Some(Msg::OperatorRequired.into()));
            return true;
        };
        self.form.operator.set(Some(op.clone()));
        if self.mode() == Mode::Payout {
            self.form.form_error.set(None);
            self.form.payout_confirming.set(true);
            return true;
        }
        self.emit(HostEvent::Submit(SubmitDetail { operator: op.clone(), phone_masked: Some(number.masked()), method: None }));
        self.start.dispatch((op, number.as_str().to_owned(), Method::Mobile));
        true
    }

    /// The payout's confirmation: send it.
    pub fn send_payout(&self) {
        if self.start.pending().get_untracked() {
            return;
        }
        let Ok(number) = KzMobile::parse(&self.form.phone.get_untracked()) else { return };
        let Some(op) = self.form.operator.get_untracked() else { return };
        self.emit(HostEvent::Submit(SubmitDetail { operator: op.clone(), phone_masked: Some(number.masked()), method: Some(SubmitMethod::Payout) }));
        self.start.dispatch((op, number.as_str().to_owned(), Method::Payout));
    }

    /// A code typed, pasted, or filled in from the SMS. An empty one right after an answer that
    /// said why (wrong, expired) leaves that message standing: it is the news, not the shape.
    pub fn submit_code(&self, code: &str) {
        if self.send_code.pending().get_untracked()
            || self.flight.payment.with_untracked(|p| p.as_ref().is_none_or(|p| p.state != PaymentState::AwaitingOtp))
        {
            return;
        }
        if code.trim().is_empty() && self.flight.otp_error.with_untracked(Option::is_some) {
            return;
        }
        // The one rule the backend and the platform apply too.
        let Ok(code) = checkout_protocol::ApprovalCode::parse(code) else {
            self.flight.otp_error.set(Some(Msg::OtpShape.into()));
            return;
        };
        self.flight.otp_error.set(None);
        self.flight.otp_notice.set(None);
        self.send_code.dispatch(code.as_str().to_owned());
    }

    /// The Payment Page form was submitted.
    pub fn pay_on_page(&self) {
        if self.open_page.pending().get_untracked() {
            return;
        }
        let op = self.form.operator.get_untracked().unwrap_or_default();
        self.form.form_error.set(None);
        self.emit(HostEvent::Submit(SubmitDetail { operator: op.clone(), phone_masked: None, method: Some(SubmitMethod::PaymentPage) }));
        self.open_page.dispatch(op);
    }
}

/// What the customer sees, from what the widget knows.
fn screen_of(loaded: Loaded, form: Form, flight: Flight) -> Screen {
    if loaded.error.with(Option::is_some) {
        return Screen::LoadFailed;
    }
    let Some(mode) = loaded.session.with(|s| s.as_ref().map(|s| Mode::of(Some(s)))) else { return Screen::Loading };
    flight.payment.with(|p| match p.as_ref().map(|p| p.state) {
        None if mode == Mode::Payout && form.payout_confirming.get() => Screen::PayoutConfirm,
        None => Screen::Form,
        Some(PaymentState::Processing) => Screen::Waiting,
        Some(PaymentState::AwaitingOtp) => Screen::Otp,
        Some(_) => Screen::Result,
    })
}

/// Whole seconds left on the payment's code at `server_now`, if it has one.
pub fn code_seconds_left(payment: Option<&PaymentView>, server_now: f64) -> Option<u64> {
    let deadline = payment?.otp_expires_at.as_deref().and_then(parse_time)?;
    Some(seconds_until(deadline, server_now))
}

/// Whether a new code can be asked for at `server_now`.
pub fn resend_open(payment: Option<&PaymentView>, server_now: f64) -> bool {
    payment
        .is_some_and(|p| p.resends_left.unwrap_or(0) > 0 && p.resend_available_at.as_deref().and_then(parse_time).is_some_and(|at| server_now >= at))
}
