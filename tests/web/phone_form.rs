//! The phone form: the operator picker, the phone field, what a bad number or a refused start says
//! and where, the focus after "try again", and the payout's form and confirmation.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn the_operator_picker_is_a_radio_group_of_the_sessions_operators() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    find(&m.root, "fieldset legend").await;
    assert_eq!(m.root.query_selector("fieldset legend").unwrap().unwrap().text_content().unwrap(), "Mobile operator");
    let radios = radios(&m.root);
    assert_eq!(radios.iter().map(HtmlInputElement::value).collect::<Vec<_>>(), ["ACTIV", "ALTEL", "BEELINE", "KCELL", "TELE2"]);
    assert!(radios.iter().all(|r| r.name() == radios[0].name()), "one group: arrow keys move between them");
    assert!(radios.iter().all(|r| !r.checked()), "nothing chosen before a number is typed");
}

#[wasm_bindgen_test]
async fn the_phone_formats_as_typed_and_suggests_an_operator_the_customer_can_change() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    assert_eq!(
        (phone.type_().as_str(), phone.get_attribute("inputmode").as_deref(), phone.get_attribute("autocomplete").as_deref()),
        ("tel", Some("tel"), Some("tel"))
    );
    type_into(&phone, "8707123");
    assert_eq!(phone.value(), "8 707 123");
    type_into(&phone, "87071234567");
    assert_eq!(phone.value(), "8 707 123 45 67");
    until("an operator suggested", || checked(&m.root).is_some()).await;
    assert_eq!(checked(&m.root).as_deref(), Some("TELE2"), "707 suggests Tele2");

    // The customer moved their number to Kcell: their choice wins over later suggestions.
    radios(&m.root)[3].click();
    type_into(&phone, "+7 707 123 45 68");
    settled().await;
    assert_eq!(checked(&m.root).as_deref(), Some("KCELL"));
}

#[wasm_bindgen_test]
async fn a_bad_number_gets_a_specific_message_next_to_the_field_and_is_not_sent() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::Ru);
    let phone = submit_phone(&m, "+7 916 123 45 67").await;
    let message = text_until(&m.root, "[data-testid=phone-error]", |t| !t.is_empty()).await;
    assert!(message.contains("российский"), "{message}");
    assert_eq!(phone.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(phone.get_attribute("aria-describedby").unwrap().contains(&m.root.query_selector("[data-testid=phone-error]").unwrap().unwrap().id()));
    type_into(&phone, "+7 701 12");
    find(&m.root, "[data-testid=submit]").await.click();
    text_until(&m.root, "[data-testid=phone-error]", |t| t.contains("короткий")).await;
    assert!(fake.calls.borrow().iter().all(|c| !c.starts_with("start")));
}

#[wasm_bindgen_test]
async fn an_unknown_operator_is_said_under_the_operator_picker() {
    let fake = Fake::new();
    *fake.start_error.borrow_mut() = Some(Failure::Api(422, ErrorCode::OperatorUnknown));
    let m = mount_fake(&fake, Locale::Ru);
    submit_phone(&m, "+7 707 123 45 67").await;
    let said = text_until(&m.root, "[data-testid=operator-error]", |t| !t.is_empty()).await;
    assert_eq!(said, "Выберите мобильного оператора.");
    assert_eq!(m.root.query_selector("[data-testid=form-error]").unwrap().unwrap().text_content().unwrap(), "");
}

#[wasm_bindgen_test]
async fn a_failed_start_says_so_and_can_be_retried() {
    let fake = Fake::new();
    *fake.start_error.borrow_mut() = Some(Failure::Transport("offline"));
    let m = mount_fake(&fake, Locale::En);
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, "77071234567");
    let submit = find(&m.root, "[data-testid=submit]").await;
    submit.click();
    assert!(text_until(&m.root, "[data-testid=form-error]", |t| !t.is_empty()).await.contains("Network error"));
    assert_eq!(detail(&m, "error", "stage").as_string().as_deref(), Some("start"));
    assert_eq!(detail(&m, "error", "message").as_string().as_deref(), Some("offline"));
    assert!(!submit.unchecked_ref::<web_sys::HtmlButtonElement>().disabled(), "the button is back for a retry");
    submit.click();
    find(&m.root, "[data-testid=otp]").await;
}

#[wasm_bindgen_test]
async fn try_again_puts_the_focus_in_the_phone_field() {
    let fake = Fake::new();
    *fake.outcome.borrow_mut() = Some((PaymentState::Declined, None));
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "123456");
    find(&m.root, "[data-testid=try-again]").await.click();
    find(&m.root, "[data-testid=phone]").await;
    until("the focus in the phone field", || active_test_id().as_deref() == Some("phone")).await;
}

#[wasm_bindgen_test]
async fn payout_mode_reads_as_money_to_the_customer() {
    let fake = with_methods(&[Method::Payout]);
    let m = mount_fake(&fake, Locale::En);
    find(&m.root, "[data-testid=phone]").await;
    let text = m.root.text_content().unwrap();
    assert!(text.contains("Payout from Sulpak"), "{text}");
    assert!(!text.contains("Payment to") && !text.contains("confirmation code"), "no payment wording, no SMS promised: {text}");
}

#[wasm_bindgen_test]
async fn a_payout_is_confirmed_before_it_is_sent() {
    let fake = with_methods(&[Method::Payout]);
    let m = mount_fake(&fake, Locale::En);
    assert!(text_until(&m.root, "h2", |t| !t.is_empty()).await.contains("Receive money"));
    submit_phone(&m, "+7 777 123 45 67").await;
    let question = text_until(&m.root, "[data-testid=payout-confirm] h2", |t| !t.is_empty()).await;
    assert_eq!(question, "Send ₸1,000.00 to +7 777 ••• •• 67?");
    assert!(fake.calls.borrow().iter().all(|c| !c.starts_with("payout")), "nothing is sent before the confirmation");
    find(&m.root, "[data-testid=payout-send]").await.click();
    let done = text_until(&m.root, "[data-testid=result] h2", |t| !t.is_empty()).await;
    assert_eq!(done, "Money sent");
    assert_eq!(fake.calls.borrow().iter().find(|c| c.starts_with("payout")).unwrap(), "payout BEELINE 77771234567");
}

#[wasm_bindgen_test]
async fn a_declined_payout_says_so_and_can_be_tried_again() {
    let fake = with_methods(&[Method::Payout]);
    *fake.outcome.borrow_mut() = Some((PaymentState::Declined, Some("20000".into())));
    let m = mount_fake(&fake, Locale::Ru);
    submit_phone(&m, "87771234567").await;
    find(&m.root, "[data-testid=payout-send]").await.click();
    assert_eq!(text_until(&m.root, "[data-testid=result] h2", |t| !t.is_empty()).await, "Выплата отклонена");
    assert_eq!(detail(&m, "decline", "code").as_string().as_deref(), Some("20000"));
    find(&m.root, "[data-testid=try-again]").await.click();
    find(&m.root, "[data-testid=phone]").await;
}
