//! The wire types against the seeds' own JSON examples (`fixtures/seeds`): each parses into its
//! type and serialises back to the same JSON, and callbacks mean what the seeds say they mean.
#![cfg(feature = "wire")]

use checkout_protocol::state::{Event, Outcome};
use checkout_protocol::time::Timestamp;
use checkout_protocol::wire::*;
use checkout_protocol::Amount;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/seeds/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// Parses the fixture as `T` and checks it serialises back to the same JSON.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let original = fixture(name);
    let typed: T = serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(serde_json::to_value(&typed).unwrap(), original, "{name} changed in a round trip");
    typed
}

const AT: Timestamp = Timestamp(1_733_598_525_000);

#[test]
fn gate_requests_round_trip() {
    let sale: MobilePaymentRequest = round_trip("gate_sale_request");
    assert_eq!(sale.account.number, "71234567890");
    assert_eq!(sale.payment.amount, 100_000);
    let payout: MobilePaymentRequest = round_trip("gate_payout_request");
    assert_eq!(payout.general.payment_id.as_deref(), Some("payment_47"));
    let otp: ClarificationRequest = round_trip("gate_clarification_request");
    assert_eq!(otp.additional_data.additional_data.approval_code.as_str(), "123456");
    let resend: ResendRequest = round_trip("gate_resend_request");
    assert_eq!(resend.customer.ip_address, "198.51.100.47");
    let refund: RefundRequest = round_trip("gate_refund_request");
    assert_eq!(refund.payment.amount, Some(100_000));
    let list: OperatorListRequest = round_trip("gate_operator_list_request");
    assert_eq!(list.general.payment_id, None);
    let _: OperatorListRequest = round_trip("gate_operator_list_request_payout");
}

#[test]
fn a_clarification_built_in_code_matches_the_seed() {
    let seed = fixture("gate_clarification_request");
    let general = General {
        project_id: 1234,
        payment_id: Some("payment_47".into()),
        merchant_callback_url: None,
        signature: seed["general"]["signature"].as_str().map(str::to_owned),
    };
    assert_eq!(serde_json::to_value(ClarificationRequest::new(general, checkout_protocol::ApprovalCode::parse("123456").unwrap())).unwrap(), seed);
}

#[test]
fn purchase_callbacks_round_trip_and_mean_success_or_decline() {
    let success: Callback = round_trip("callback_purchase_success");
    assert_eq!(success.account.as_ref().and_then(|a| a.operator.as_deref()), Some("TELE2"));
    assert_eq!(success.project(), Some(1234));
    assert_eq!(success.to_event(AT), Some(Event::Completed(Outcome::Succeeded)));

    let decline: Callback = round_trip("callback_purchase_decline");
    assert_eq!(decline.to_event(AT), Some(Event::Completed(Outcome::Declined { code: "20000".into(), message: "General decline".into() })));
}

#[test]
fn refund_callbacks_round_trip_and_only_a_success_refunds() {
    let refunded: Callback = round_trip("callback_refund_success");
    assert_eq!(refunded.to_event(AT), Some(Event::Refunded { operation_id: "47".into(), amount: Amount(100_000) }));
    let declined: Callback = round_trip("callback_refund_decline");
    assert_eq!(declined.to_event(AT), None);
}

#[test]
fn payout_and_cash_in_callbacks_round_trip() {
    let paid: Callback = round_trip("callback_payout_success");
    assert_eq!(paid.to_event(AT), Some(Event::Completed(Outcome::Succeeded)));
    let declined: Callback = round_trip("callback_payout_decline");
    assert!(matches!(declined.to_event(AT), Some(Event::Completed(Outcome::Declined { .. }))));
    let cash: Callback = round_trip("callback_cash_in_success");
    assert_eq!(cash.payment.method.as_deref(), Some(KASSA24));
    assert_eq!(cash.account.as_ref().map(|a| a.number.as_str()), Some("6552"));
    assert_eq!(cash.to_event(AT), Some(Event::Completed(Outcome::Succeeded)));
}

#[test]
fn an_awaiting_clarification_callback_asks_for_the_otp_whatever_its_fields() {
    // Decision (platform.md §4): the sandbox's shape…
    let mut body = fixture("callback_purchase_success");
    body["payment"]["status"] = json!("awaiting clarification");
    body["operation"]["status"] = json!("awaiting clarification");
    body["clarification_fields"] = json!({"additional_data": {"approval_code": {"type": "string"}}});
    let request_id = body["operation"]["request_id"].as_str().map(str::to_owned);
    assert!(request_id.is_some(), "the seeds' callbacks name their request");
    let callback = Callback::from_value(body.clone()).unwrap();
    assert_eq!(callback.to_event(AT), Some(Event::OtpRequired { at: AT, request_id: request_id.clone() }));
    assert_eq!(serde_json::to_value(&callback).unwrap(), body);
    // …and any other: only the status counts.
    body["operation"]["status"] = json!("processing");
    body["clarification_fields"] = json!(["approval_code"]);
    assert_eq!(Callback::from_value(body).unwrap().to_event(AT), Some(Event::OtpRequired { at: AT, request_id }));
}

#[test]
fn unknown_fields_are_kept() {
    let mut body = fixture("callback_purchase_success");
    body["brand_new"] = json!({"nested": [1, 2.50]});
    body["operation"]["eci"] = json!("05");
    let callback = Callback::from_value(body.clone()).unwrap();
    assert_eq!(callback.extra["brand_new"], json!({"nested": [1, 2.50]}));
    assert_eq!(serde_json::to_value(&callback).unwrap(), body);
}

#[test]
fn a_status_answer_confirms_or_keeps_the_payment_open() {
    let success: Callback = serde_json::from_value(fixture("callback_purchase_success")).unwrap();
    assert_eq!(success.to_confirmation(AT), vec![Event::Confirmed(Outcome::Succeeded)]);
    let mut waiting = fixture("callback_purchase_success");
    waiting["payment"]["status"] = json!("awaiting clarification");
    waiting["operation"]["status"] = json!("awaiting clarification");
    let request_id = waiting["operation"]["request_id"].as_str().map(str::to_owned);
    let waiting = Callback::from_value(waiting).unwrap();
    assert_eq!(waiting.to_confirmation(AT), vec![Event::ConfirmedInProgress, Event::OtpRequired { at: AT, request_id }]);
}

#[test]
fn cash_in_messages_round_trip() {
    let verify: CashInRequest = round_trip("cash_in_verify_request");
    assert!(matches!(verify, CashInRequest::Verify { ref customer_id, .. } if customer_id == "johndoe@example.com"));
    let deposit: CashInRequest = round_trip("cash_in_check_deposit_request");
    assert!(matches!(deposit, CashInRequest::CheckDeposit { amount: 10_000, ref payment_method, .. } if payment_method == KASSA24));
    let verified: CashInAnswer = round_trip("cash_in_verify_answer");
    assert_eq!(verified.code, CashInCode::Success);
    let deposited: CashInAnswer = round_trip("cash_in_check_deposit_answer");
    assert_eq!(deposited, CashInAnswer::deposit("test2345", Some("test payment via terminal")));
}

#[test]
fn cash_in_refusals_carry_their_codes() {
    assert_eq!(serde_json::to_value(CashInAnswer::refused(CashInCode::AccountNotFound, "no such account")).unwrap(), json!({"code": 404}));
    assert_eq!(
        serde_json::to_value(CashInAnswer::refused(CashInCode::GeneralError, "database down")).unwrap(),
        json!({"code": 500, "errors": {"message": "database down"}})
    );
    assert!(serde_json::from_value::<CashInAnswer>(json!({"code": 302})).is_err());
}

#[test]
fn payment_page_parameters_carry_the_options_as_a_json_string() {
    let params: PaymentPageParams = round_trip("payment_page_params");
    assert_eq!(params.force_payment_method.as_deref(), Some(FORCE_MOBILE));
    let options = MobileServiceOptions::from_json_str(params.payment_methods_options.as_deref().unwrap()).unwrap();
    assert_eq!(options, MobileServiceOptions::for_operator("TELE2"));
    assert_eq!(options.to_json_string(), r#"{"enable_mobile_service":1,"selected_operator":"TELE2"}"#);
}

#[test]
fn gate_answers_are_told_apart_by_status() {
    let accepted = GateAnswer::from_value(json!({"status": "success", "request_id": "r1", "project_id": 1234, "payment_id": "p"}));
    assert!(matches!(accepted, Some(GateAnswer::Accepted(ref a)) if a.request_id == "r1"));
    let rejected = GateAnswer::from_value(
        json!({"status": "error", "code": "1301", "message": "Invalid signature", "errors": [{"code": 1301, "message": "bad", "field": "general.signature"}]}),
    );
    match rejected {
        Some(GateAnswer::Rejected(e)) => {
            assert_eq!(e.code.as_text(), "1301");
            assert_eq!(e.errors.unwrap()[0].code.as_text(), "1301");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(GateAnswer::from_value(json!("<html>")), None);
}

#[test]
fn operator_lists_are_read_in_any_likely_shape() {
    let ids = |body: Value| OperatorListResponse::operators_from(&body).map(|list| list.into_iter().map(|o| o.id).collect::<Vec<_>>());
    assert_eq!(ids(json!({"status": "success", "operators": [{"id": "TELE2", "name": "Tele2"}]})), Some(vec!["TELE2".to_owned()]));
    assert_eq!(ids(json!({"list": ["ACTIV", "KCELL"]})), Some(vec!["ACTIV".to_owned(), "KCELL".to_owned()]));
    assert_eq!(ids(json!([{"code": "ALTEL"}, 5])), Some(vec!["ALTEL".to_owned()]));
    assert_eq!(ids(json!({"status": "success"})), None);
}

#[test]
fn statuses_are_read_as_the_platform_spells_them() {
    assert_eq!(StatusText::parse("awaiting clarification"), StatusText::AwaitingClarification);
    assert_eq!(StatusText::parse("partially refunded"), StatusText::Refunded);
    assert_eq!(StatusText::parse("canceled"), StatusText::Declined);
    assert_eq!(StatusText::parse("external error"), StatusText::Failed);
    assert_eq!(StatusText::parse("awaiting customer"), StatusText::InProgress);
}
