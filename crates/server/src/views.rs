//! What the HTTP API sends and accepts. The widget's messages are `checkout_protocol::api`'s
//! types, shared with the widget; this module builds them from stored records and holds the
//! admin API's own types.

pub use checkout_protocol::api::{
    ErrorBody, ErrorCode, ErrorDetail, Method, MobilePaymentRequest, OperatorView, OtpRequest, PaymentPageRequest, PaymentView, SessionView,
    SessionWithFirstScreen,
};
use std::collections::BTreeMap;

use checkout_protocol::api::Limits;
use checkout_protocol::money::CASH_IN_LIMITS;
use checkout_protocol::wire::PaymentPageParams;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::Session;

/// The Payment Page answer with the backend's typed parameters.
pub type PaymentPageResponse = checkout_protocol::api::PaymentPageView<PaymentPageParams>;

/// The session as the widget loads it.
pub fn session_view(
    session: &Session,
    merchant_name: &str,
    operators: (Vec<OperatorView>, bool),
    payment: Option<PaymentView>,
    deposits: Vec<PaymentView>,
) -> SessionView {
    let cash_in = session.methods.contains(&Method::CashIn);
    SessionView {
        session: session.token.clone(),
        amount: session.amount,
        currency: session.currency.clone(),
        merchant_name: merchant_name.to_owned(),
        description: session.description.clone(),
        methods: session.methods.clone(),
        operators: operators.0,
        operators_fallback: operators.1,
        locale: session.locale.clone(),
        cash_in_account: cash_in.then(|| session.customer_id.clone()),
        cash_in_limits: cash_in.then_some(Limits { min: CASH_IN_LIMITS.0 .0, max: CASH_IN_LIMITS.1 .0 }),
        payment,
        deposits,
    }
}

/// The customer part of a session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomerInput {
    /// The merchant's id of the customer (also the cash-in account number).
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
}

/// `POST /admin/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateSession {
    /// Minor units (1000.00 KZT → 100000).
    pub amount: u64,
    /// `KZT`.
    pub currency: String,
    /// Who pays (or is paid).
    #[serde(deserialize_with = "crate::extract::object")]
    pub customer: CustomerInput,
    /// Allowed methods; defaults to `["mobile"]`.
    #[serde(default)]
    pub methods: Vec<Method>,
    /// Locale hint for the widget.
    #[serde(default)]
    pub locale: Option<String>,
    /// What is being paid for.
    #[serde(default)]
    pub description: Option<String>,
    /// The shop's order id, 1 to 64 characters: returned in every admin view, and
    /// `GET /admin/sessions?reference=` finds the session by it.
    #[serde(default)]
    pub reference: Option<String>,
    /// The shop's notes: at most 20 keys of at most 40 characters, each a string of at most 500.
    /// Returned in every admin view.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Also answer `first_screen_html`: the phone form drawn in the session's locale, for the
    /// shop's page to carry inside `<kz-mobile-checkout>` (README "Embedding").
    #[serde(default)]
    pub first_screen: bool,
}

/// The shop's order a session belongs to, as the shop gave it when it created the session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShopOrder {
    /// The shop's order id; `null` when it gave none.
    pub reference: Option<String>,
    /// The shop's notes; `{}` when it gave none.
    pub metadata: BTreeMap<String, String>,
}

impl ShopOrder {
    /// The order of `session`.
    pub fn of(session: &Session) -> ShopOrder {
        ShopOrder { reference: session.reference.clone(), metadata: session.metadata.clone() }
    }
}

/// The answer to `POST /admin/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionCreated {
    /// Give this to the widget (`<kz-mobile-checkout session="…">`).
    pub session: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// Allowed methods.
    pub methods: Vec<Method>,
    /// The shop's order.
    #[serde(flatten)]
    pub order: ShopOrder,
    /// With `first_screen: true`: the phone form as the widget first draws it (escaped HTML, no
    /// script or style), to put inside `<kz-mobile-checkout>`; absent when the session's first
    /// screen is not the phone form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_screen_html: Option<String>,
}

/// A session as the admin API shows it: what the shop fixed, its order, and everything paid
/// through it (`GET /admin/sessions/{session}`, `GET /admin/sessions?reference=`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AdminSession {
    /// The session's token.
    pub session: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// Allowed methods.
    pub methods: Vec<Method>,
    /// The shop's customer id.
    pub customer_id: String,
    /// What is being paid for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The shop's order.
    #[serde(flatten)]
    pub order: ShopOrder,
    /// Its purchases and payouts, newest first, each with its refunds.
    pub payments: Vec<AdminPaymentEntry>,
    /// Its cash-in deposits, oldest first.
    pub deposits: Vec<PaymentView>,
}

/// `GET /api/sessions/{session}?first_screen=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FirstScreenQuery {
    /// `kk`, `ru` or `en`: the session's first screen drawn in it, with the session.
    pub first_screen: Option<String>,
}

/// `GET /admin/sessions/{session}/first-screen?locale=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LocaleQuery {
    /// `kk`, `ru` or `en`: else the session's own locale, else Russian.
    pub locale: Option<String>,
}

/// `GET /admin/sessions?reference=`.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionsQuery {
    /// The shop's order id.
    pub reference: String,
}

/// `POST /admin/payments/{payment_id}/refunds`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RefundRequest {
    /// Minor units; absent for a full refund of what is left.
    #[serde(default)]
    pub amount: Option<u64>,
    /// Why.
    #[serde(default)]
    pub description: Option<String>,
}

/// `POST /admin/payouts`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PayoutRequest {
    /// Minor units.
    pub amount: u64,
    /// `KZT`.
    pub currency: String,
    /// Who is paid.
    #[serde(deserialize_with = "crate::extract::object")]
    pub customer: CustomerInput,
    /// The phone to credit, any usual form.
    pub phone: String,
    /// The operator's id.
    pub operator: String,
}

/// A payment in the admin API's list: its view, its session, its refunds, and whether it is a
/// second paid payment of its session (README, "Several payments on one session").
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AdminPaymentEntry {
    /// The payment as the widget sees it.
    #[serde(flatten)]
    pub payment: PaymentView,
    /// Its session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Its refunds, oldest first.
    pub refunds: Vec<RefundEntry>,
    /// When the session was paid twice and this is the payment to give back: the payment the
    /// session keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// A duplicate with no refund yet, because auto-refund is off (or its refund failed): the
    /// merchant should refund it by hand.
    pub refund_by_hand: bool,
    /// The shop's order of its session (none for the admin API's own payouts).
    #[serde(flatten)]
    pub order: ShopOrder,
}

/// One refund of a payment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefundEntry {
    /// Minor units.
    pub amount: u64,
    /// `pending`, `succeeded`, `declined` or `failed`.
    pub status: String,
    /// Why the backend refunded of its own accord; absent for the merchant's refunds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A payment with its history, for the admin API.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentDetail {
    /// The payment.
    pub payment: PaymentView,
    /// Its session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Every event applied, oldest first.
    pub events: Vec<EventEntry>,
    /// Every Gate call, oldest first.
    pub gate_calls: Vec<GateCallEntry>,
    /// Every callback received.
    pub callbacks: Vec<CallbackEntry>,
    /// The shop's order of its session.
    #[serde(flatten)]
    pub order: ShopOrder,
}

/// One event applied to a payment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventEntry {
    /// Where it came from: `widget`, `gate`, `callback`, `status`, …
    pub source: String,
    /// The state machine's event.
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
    /// Whether it changed the payment (a repeat changes nothing).
    pub changed: bool,
    /// When (RFC 3339).
    pub at: String,
}

/// One request to Gate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GateCallEntry {
    /// The path.
    pub endpoint: String,
    /// Gate's HTTP status, when an answer came.
    pub http_status: Option<i64>,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

/// One callback received for a payment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallbackEntry {
    /// Whether its signature verified.
    pub verified: bool,
    /// What became of it.
    pub result: String,
    /// Whether it was applied.
    pub applied: bool,
}

/// `POST /demo/sessions`: what the demo shop may choose; everything else is the demo's.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSessionRequest {
    /// Minor units; 12 990.00 KZT when absent. Zero is refused like any session's.
    pub amount: Option<u64>,
    /// The methods offered; mobile when absent.
    pub methods: Option<Vec<Method>>,
    /// The widget's language.
    pub locale: Option<String>,
}

/// `GET /` of the demo shop: which order's page, in which language, and how its first screen
/// comes (`page`, the default; `loader`; `none`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DemoPageQuery {
    pub mode: Option<String>,
    pub locale: Option<String>,
    pub order: Option<String>,
    pub first_screen: Option<String>,
}

/// `POST /demo/terminal`: the order the simulated terminal pays for, and how much.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTerminalRequest {
    /// The order's session token: the terminal pays into its account.
    pub session: String,
    /// Minor units; 5 000.00 KZT when absent.
    pub amount: Option<u64>,
}

/// The answer to the demo shop's `POST /demo/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoSessionCreated {
    /// The session token for the widget.
    pub session: String,
    /// The sandbox's SMS inbox page.
    pub sandbox_inbox: String,
    /// The sandbox's developer page.
    pub sandbox: String,
}

/// `GET /demo/orders/{session}`: the demo shop's order, as its own server knows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoOrder {
    /// The order's session token.
    pub session: String,
    /// What the shop did with the order: decided only by verified webhooks.
    pub status: DemoOrderStatus,
    /// Every delivery its webhook endpoint received for the order, oldest first.
    pub webhooks: Vec<DemoWebhook>,
    /// The sandbox's SMS inbox page.
    pub sandbox_inbox: String,
    /// The sandbox's developer page.
    pub sandbox: String,
}

/// Where the demo shop's order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoOrderStatus {
    /// No verified webhook says it was paid.
    Open,
    /// A verified `payment.succeeded` or `deposit.succeeded` came: the shop ships it.
    Paid,
    /// A verified `payout.succeeded` came.
    PaidOut,
}

/// One delivery the demo shop received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoWebhook {
    /// The event's id, as its body says.
    pub event_id: Option<String>,
    /// The event's type, as its body says.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Whether its signature verified with the shop's secret.
    pub verified: bool,
    /// Why it did not.
    pub problem: Option<String>,
    /// When it came (RFC 3339).
    pub received_at: String,
}

/// `GET /admin/events?after=&limit=`.
#[derive(Debug, Clone, Deserialize)]
pub struct EventsQuery {
    /// The id of the last event the shop has; from the first without it.
    pub after: Option<String>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
}

/// `GET /admin/events/{id}`: an event with its deliveries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventDetail {
    /// The event, as delivered.
    pub event: checkout_protocol::webhook::WebhookEvent,
    /// What became of its delivery.
    pub delivery: Delivery,
}

/// The delivery of one event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// `pending` (to be delivered; also while webhooks are not configured), `delivered` (a 2xx
    /// came) or `failed` (every retry failed).
    pub state: String,
    /// When the next attempt is due (`pending`).
    pub next_attempt_at: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// Every attempt, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttempt {
    /// When it started.
    pub at: String,
    /// The shop's HTTP status; `null` when it did not answer.
    pub http_status: Option<u16>,
    /// Why it did not answer (a timeout, a refused connection).
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}
