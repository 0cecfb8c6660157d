//! The payment state machine as the backend stores it (`payments.machine`, serde JSON) has a
//! golden form per state, in `fixtures/stored_state/`. Payments in flight are stored in the form
//! of the version that last wrote them, so a change to that form (a renamed field, a new tag) must
//! read every old file still: this test fails on any difference, and the fix is a migration of the
//! stored rows plus new golden files, never only new golden files. `UPDATE_GOLDEN=1` writes the
//! files for a form that is new on purpose (a state added), after which the old ones must still read.

use checkout_protocol::state::{Conclusion, Event, Outcome, Payment, PaymentKind};
use checkout_protocol::{Amount, Millis, Timestamp};

fn at(secs: i64) -> Timestamp {
    Timestamp(1_767_225_600_000 + secs * 1000)
}

fn after(events: &[Event]) -> Payment {
    let mut payment = Payment::new(PaymentKind::Purchase, Amount(100_000), Millis::from_secs(80));
    for event in events {
        payment.apply(event);
    }
    payment
}

/// One payment in each state the machine can be stored in, by the events that lead there.
fn every_stored_state() -> Vec<(&'static str, Payment)> {
    let prompt = |secs, id: &str| Event::OtpRequired { at: at(secs), request_id: Some(id.into()) };
    let decline = Outcome::Declined { code: "20000".into(), message: "General decline".into() };
    vec![
        ("processing", after(&[])),
        ("awaiting_otp", after(&[prompt(0, "r0")])),
        ("awaiting_otp_after_a_wrong_code", after(&[prompt(0, "r0"), Event::OtpSubmitted { attempt: 1 }, prompt(5, "r1")])),
        ("checking_the_code", after(&[prompt(0, "r0"), Event::OtpSubmitted { attempt: 1 }])),
        ("resend_window", after(&[prompt(0, "r0"), Event::ResendRequested { resend: 1 }, Event::ResendAccepted { resend: 1, at: at(81) }])),
        ("outcome_held_for_the_status_request", after(&[prompt(0, "r0"), Event::ResendRequested { resend: 1 }, Event::Completed(decline.clone())])),
        ("succeeded", after(&[prompt(0, "r0"), Event::OtpSubmitted { attempt: 1 }, Event::Completed(Outcome::Succeeded)])),
        ("declined", after(&[Event::Completed(decline)])),
        ("failed", after(&[Event::Confirmed(Outcome::Failed { code: "1012".into(), message: "Request declined by the provider".into() })])),
        (
            "partially_refunded",
            after(&[Event::Completed(Outcome::Succeeded), Event::Refunded { operation_id: "op-1".into(), amount: Amount(40_000) }]),
        ),
        ("refunded", after(&[Event::Completed(Outcome::Succeeded), Event::Refunded { operation_id: "op-1".into(), amount: Amount(100_000) }])),
        ("abandoned", after(&[Event::Confirmed(Conclusion::Abandoned.outcome("left the page"))])),
        ("revived_from_abandoned", after(&[Event::Confirmed(Conclusion::Abandoned.outcome("left the page")), Event::Completed(Outcome::Succeeded)])),
        ("payout", {
            let mut payout = Payment::new(PaymentKind::Payout, Amount(20_000), Millis::from_secs(80));
            payout.apply(&Event::Completed(Outcome::Succeeded));
            payout
        }),
        ("cash_in", Payment::new(PaymentKind::CashIn, Amount(250_000), Millis::from_secs(80))),
    ]
}

#[test]
fn every_stored_state_keeps_its_golden_form() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stored_state");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut differences = Vec::new();
    for (name, payment) in every_stored_state() {
        let path = dir.join(format!("{name}.json"));
        let stored = serde_json::to_string_pretty(&payment).unwrap() + "\n";
        if update && !path.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &stored).unwrap();
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes a new state's file)", path.display()));
        // The golden form reads back as the same payment: what is stored today reads tomorrow.
        let read: Payment = serde_json::from_str(&golden).unwrap_or_else(|e| panic!("{name}: the stored form no longer reads: {e}"));
        if read != payment || golden != stored {
            differences.push(format!("{name}:\n  golden {golden}\n  now    {stored}"));
        }
    }
    assert!(differences.is_empty(), "the stored form of the payment changed; migrate stored rows first:\n{}", differences.join("\n"));
}
