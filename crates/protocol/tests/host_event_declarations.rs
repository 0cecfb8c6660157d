//! The widget's DOM events as the TypeScript declarations a merchant compiles against
//! (`www/kz-mobile-checkout.d.ts`) describe them, held to the types the widget dispatches
//! (`checkout_protocol::host_event`): the same event names, and for each `detail` the same fields,
//! optional (`field?`) exactly where the type may leave a field out.
#![cfg(feature = "api")]

use std::collections::{BTreeMap, BTreeSet};

use checkout_protocol::host_event::*;
use checkout_protocol::state::OtpError;

/// The declarations: event name → (interface name, its fields → whether optional).
fn declarations() -> BTreeMap<String, (String, BTreeMap<String, bool>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/kz-mobile-checkout.d.ts");
    let text = std::fs::read_to_string(path).unwrap();
    let mut interfaces: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("export interface ").and_then(|rest| rest.strip_suffix(" {")) {
            current = Some(name.split_whitespace().next().unwrap().to_owned());
            interfaces.entry(current.clone().unwrap()).or_default();
        } else if line == "}" {
            current = None;
        } else if let (Some(interface), Some((field, _))) = (&current, line.split_once(':')) {
            if !line.starts_with("/*") && !line.starts_with('*') && !field.contains(' ') && !field.contains('(') {
                let optional = field.ends_with('?');
                interfaces.get_mut(interface).unwrap().insert(field.trim_end_matches('?').trim_matches('\'').to_owned(), optional);
            }
        }
    }
    let map = interfaces.remove("CheckoutEventMap").expect("the declarations name every event in CheckoutEventMap");
    map.keys()
        .map(|event| {
            let line = text.lines().find(|l| l.trim().trim_start_matches('\'').starts_with(event.as_str()) && l.contains("CustomEvent<")).unwrap();
            let interface = line.split("CustomEvent<").nth(1).unwrap().trim_end_matches(">;").trim().to_owned();
            (event.clone(), (interface.clone(), interfaces.get(&interface).cloned().unwrap_or_else(|| panic!("no interface {interface}"))))
        })
        .collect()
}

/// Each event twice: with every optional value given, and with none.
fn samples() -> Vec<(HostEvent, HostEvent)> {
    let text = || "x".to_owned();
    vec![
        (HostEvent::Ready(ReadyDetail { merchant_name: text(), amount: 1 }), HostEvent::Ready(ReadyDetail { merchant_name: text(), amount: 1 })),
        (
            HostEvent::Change(ChangeDetail { phone_complete: true, operator: Some(text()) }),
            HostEvent::Change(ChangeDetail { phone_complete: false, operator: None }),
        ),
        (
            HostEvent::Submit(SubmitDetail { operator: text(), phone_masked: Some(text()), method: Some(SubmitMethod::Payout) }),
            HostEvent::Submit(SubmitDetail { operator: text(), phone_masked: None, method: None }),
        ),
        (
            HostEvent::OtpRequired(OtpRequiredDetail {
                payment_id: text(),
                attempt: 1,
                resends_left: 3,
                otp_expires_at: Some(text()),
                last_error: Some(OtpError::WrongCode),
                resumed: true,
            }),
            HostEvent::OtpRequired(OtpRequiredDetail {
                payment_id: text(),
                attempt: 1,
                resends_left: 0,
                otp_expires_at: None,
                last_error: None,
                resumed: false,
            }),
        ),
        (
            HostEvent::Success(SuccessDetail { payment_id: text(), amount: 1, currency: Some(text()), method: Some(SuccessMethod::CashIn) }),
            HostEvent::Success(SuccessDetail { payment_id: text(), amount: 1, currency: None, method: None }),
        ),
        (
            HostEvent::Decline(DeclineDetail { payment_id: text(), code: Some(text()), message: Some(text()) }),
            HostEvent::Decline(DeclineDetail { payment_id: text(), code: None, message: None }),
        ),
        (
            HostEvent::Error(ErrorDetail { code: Some(text()), stage: ErrorStage::Payment, payment_id: Some(text()), message: Some(text()) }),
            HostEvent::Error(ErrorDetail { code: None, stage: ErrorStage::Load, payment_id: None, message: None }),
        ),
        (
            HostEvent::PaymentPage(PaymentPageDetail { message: PageStep::PaymentSuccess }),
            HostEvent::PaymentPage(PaymentPageDetail { message: PageStep::Exit }),
        ),
    ]
}

fn keys(event: &HostEvent) -> BTreeSet<String> {
    serde_json::to_value(event).unwrap().as_object().unwrap().keys().cloned().collect()
}

#[test]
fn the_typescript_declarations_describe_every_event_the_widget_dispatches() {
    let declared = declarations();
    let samples = samples();
    assert_eq!(declared.keys().cloned().collect::<BTreeSet<_>>(), HostEvent::NAMES.iter().map(|n| (*n).to_owned()).collect());
    assert_eq!(samples.len(), HostEvent::NAMES.len(), "a sample of every event");
    for (full, bare) in samples {
        assert_eq!(full.name(), bare.name());
        let (interface, fields) = &declared[full.name()];
        let all: BTreeSet<String> = fields.keys().cloned().collect();
        let required: BTreeSet<String> = fields.iter().filter(|(_, optional)| !**optional).map(|(k, _)| k.clone()).collect();
        assert_eq!(keys(&full), all, "{interface}: the fields of `{}` with every value given", full.name());
        assert_eq!(keys(&bare), required, "{interface}: the fields `{}` always has (the others are `?` in the declarations)", bare.name());
    }
}
