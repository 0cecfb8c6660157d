//! Fuzz-style properties: no public function of the crate panics, whatever it is given. Bad input
//! comes back as an error (or `None`), never as a crash.
#![cfg(feature = "signing")]

use checkout_protocol::state::{Event, Payment, PaymentKind};
use checkout_protocol::time::{Millis, Timestamp};
use checkout_protocol::wire::{
    Callback, CashInAnswer, CashInRequest, GateAnswer, MobilePaymentRequest, MobileServiceOptions, OperatorListResponse, PaymentPageParams,
};
use checkout_protocol::{Amount, KzMobile, Locale, Operator};
use proptest::prelude::*;
use serde_json::Value;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let keys = prop_oneof![
            Just("payment".to_owned()),
            Just("operation".to_owned()),
            Just("status".to_owned()),
            Just("type".to_owned()),
            Just("general".to_owned()),
            Just("signature".to_owned()),
            Just("sum_initial".to_owned()),
            Just("amount".to_owned()),
            Just("id".to_owned()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn wire_parsing_of_any_json_returns_a_result(value in any_json(), at in any::<i64>()) {
        if let Ok(callback) = Callback::from_value(value.clone()) {
            let _ = callback.to_event(Timestamp(at));
            let _ = callback.to_confirmation(Timestamp(at));
            let _ = callback.project();
        }
        let _ = serde_json::from_value::<CashInRequest>(value.clone());
        let _ = serde_json::from_value::<CashInAnswer>(value.clone());
        let _ = serde_json::from_value::<MobilePaymentRequest>(value.clone());
        let _ = serde_json::from_value::<PaymentPageParams>(value.clone());
        let _ = OperatorListResponse::operators_from(&value);
        let _ = GateAnswer::from_value(value);
    }

    #[test]
    fn text_inputs_return_results(text in "\\PC{0,40}") {
        let _ = KzMobile::parse(&text);
        let _ = Amount::parse_major(&text);
        let _ = Timestamp::parse_rfc3339(&text);
        let _ = Locale::from_tag(&text);
        let _ = Operator::from_code(&text);
        let _ = Operator::for_prefix(&text);
        let _ = MobileServiceOptions::from_json_str(&text);
        let _ = serde_json::from_value::<KzMobile>(Value::String(text));
    }

    #[test]
    fn numbers_at_the_extremes_do_not_overflow(ms in any::<i64>(), span in any::<i64>(), minor in any::<u64>(), n in any::<u64>()) {
        let t = Timestamp(ms);
        let _ = t.to_rfc3339();
        let _ = t + Millis(span);
        let _ = t - Timestamp(span);
        let _ = Millis(span).ceil_secs();
        let _ = Millis::from_secs(span);
        for locale in Locale::ALL {
            let _ = Amount(minor).format_kzt(locale);
            let _ = locale.plural(n);
        }
    }

    #[test]
    fn the_state_machine_takes_any_event_sequence(events in prop::collection::vec(any_json(), 0..10), validity in any::<i64>(), now in any::<i64>()) {
        let mut payment = Payment::new(PaymentKind::Purchase, Amount(100), Millis(validity));
        for value in events {
            if let Ok(event) = serde_json::from_value::<Event>(value) {
                payment.apply(&event);
            }
        }
        let _ = payment.status();
        let _ = payment.check_resend(Timestamp(now));
        let _ = payment.refundable();
    }
}
