//! Cash at a terminal: the account, the limits, the deposits as they arrive and are announced, and
//! copying the account number.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn cash_in_shows_the_account_limits_and_deposits_as_they_arrive() {
    let fake = with_methods(&[Method::CashIn]);
    let (m, _back) = mount_fake_clocked(&fake, Locale::Ru);
    assert_eq!(text_until(&m.root, "[data-testid=cash-account]", |t| !t.is_empty()).await, "customer_123");
    assert!(text_until(&m.root, "[data-testid=cash-limits]", |t| !t.is_empty()).await.contains("1,00\u{a0}₸"));
    assert!(m.root.text_content().unwrap().contains("500\u{a0}000,00\u{a0}₸"));
    assert!(m.root.query_selector("[data-testid=copy]").unwrap().is_some());
    assert_eq!(text_of(&m.root, "[data-testid=cash-progress]"), "Ждём вашего платежа в терминале…");
    fake.deposits.borrow_mut().push(PaymentView { amount: 40_000, ..view("dep_1", PaymentKind::CashIn, PaymentState::Succeeded, 1) });
    let credited = stepped_text_until(&m.root, "[data-testid=deposits]", |t| !t.is_empty()).await;
    assert_eq!(credited, "Зачислено: 400,00\u{a0}₸");
    assert_eq!(detail(&m, "success", "payment_id").as_string().as_deref(), Some("dep_1"));
    // What is left of the session's 1 000,00 ₸, then "paid in full" once the deposits reach it.
    let progress = stepped_text_until(&m.root, "[data-testid=cash-progress]", |t| t.starts_with("Осталось")).await;
    assert_eq!(progress, "Осталось оплатить: 600,00\u{a0}₸. Ждём вашего платежа в терминале…");
    fake.deposits.borrow_mut().push(PaymentView { amount: 60_000, ..view("dep_2", PaymentKind::CashIn, PaymentState::Succeeded, 1) });
    assert_eq!(stepped_text_until(&m.root, "[data-testid=cash-progress]", |t| t.starts_with("Оплачено")).await, "Оплачено полностью.");
}

#[wasm_bindgen_test]
async fn each_deposit_is_announced_once_by_its_id_when_it_succeeds() {
    let fake = with_methods(&[Method::CashIn]);
    let (m, _back) = mount_fake_clocked(&fake, Locale::En);
    text_until(&m.root, "[data-testid=cash-account]", |t| !t.is_empty()).await;
    // The first deposit is seen while the platform still processes it: nothing to announce yet.
    fake.deposits.borrow_mut().push(PaymentView { amount: 40_000, ..view("dep_1", PaymentKind::CashIn, PaymentState::Processing, 1) });
    two_more_calls(&fake).await;
    assert!(!event_names(&m).contains(&"success".to_owned()), "a processing deposit is not a success");
    // Then it succeeds and a second one arrives, oldest first as the contract says.
    fake.deposits.borrow_mut()[0].state = PaymentState::Succeeded;
    fake.deposits.borrow_mut().push(PaymentView { amount: 60_000, ..view("dep_2", PaymentKind::CashIn, PaymentState::Succeeded, 1) });
    stepped_text_until(&m.root, "[data-testid=cash-progress]", |t| t.starts_with("Paid")).await;
    // Two more looks, which must announce nothing again.
    two_more_calls(&fake).await;
    let events = m.events.borrow();
    let announced: Vec<String> = events
        .iter()
        .filter(|(name, _)| name == "success")
        .map(|(_, detail)| js_sys::Reflect::get(detail, &"payment_id".into()).unwrap().as_string().unwrap())
        .collect();
    assert_eq!(announced, ["dep_1", "dep_2"]);
}

/// Reported (issue 31): "Copied" was shown whether or not the browser copied.
#[wasm_bindgen_test]
async fn the_copy_button_says_whether_the_browser_copied() {
    let fake = with_methods(&[Method::CashIn]);
    let m = mount_fake(&fake, Locale::En);
    let copy = find(&m.root, "[data-testid=copy]").await;
    clipboard_stand_in(false);
    copy.click();
    assert_eq!(text_until(&m.root, "[data-testid=copy]", |t| t != "Copy").await, "Could not copy: select the number");
    clipboard_stand_in(true);
    copy.click();
    assert_eq!(text_until(&m.root, "[data-testid=copy]", |t| t == "Copied").await, "Copied");
}
