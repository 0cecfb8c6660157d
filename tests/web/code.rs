//! The code screen and the payment in flight: the countdown and what screen readers hear of it,
//! codes refused and why, new codes, results, a reload, the looks at the payment and a lost
//! connection.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn the_otp_screen_counts_down_from_the_deadline() {
    let fake = Fake::new();
    let (m, _back) = mount_fake_clocked(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    assert_eq!(fake.calls.borrow().iter().find(|c| c.starts_with("start")).unwrap(), "start TELE2 77071234567");
    assert_eq!(
        (otp.get_attribute("autocomplete").as_deref(), otp.get_attribute("inputmode").as_deref(), otp.get_attribute("dir").as_deref()),
        (Some("one-time-code"), Some("numeric"), Some("ltr"))
    );
    let countdown = text_until(&m.root, "[data-testid=countdown]", |t| t == "01:20" || t == "01:19").await;
    assert_eq!(m.root.query_selector("[role=timer]").unwrap().unwrap().text_content().unwrap(), countdown);
    assert!(m.root.query_selector(SHOWN_RESEND).unwrap().is_none(), "no new code while this one is valid");
    assert!(event_names(&m).contains(&"otp-required".to_owned()));
    assert_eq!(detail(&m, "otp-required", "resends_left").as_f64(), Some(3.0));
    // 30 seconds later (on the tests' clock, the backend's and the widget's alike).
    advance(30_000.0);
    text_until(&m.root, "[data-testid=countdown]", |t| t == "00:50" || t == "00:49").await;
    assert!(m.root.query_selector(SHOWN_RESEND).unwrap().is_none());
    // Past the deadline: expired, and a new code is offered.
    advance(51_000.0);
    text_until(&m.root, "[data-testid=countdown]", |t| t == "00:00").await;
    assert!(text_until(&m.root, "[data-testid=otp-expired]", |t| !t.is_empty()).await.contains("expired"));
    find(&m.root, SHOWN_RESEND).await;
}

#[wasm_bindgen_test]
async fn the_countdown_is_announced_to_screen_readers_at_milestones_only() {
    let fake = Rc::new(Fake { ttl_ms: std::cell::Cell::new(20_000.0), ..Fake::default() });
    let (m, _back) = mount_fake_clocked(&fake, Locale::En);
    to_otp_screen(&m).await;
    let region = find(&m.root, "[data-testid=announcement]").await;
    assert_eq!(region.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(find(&m.root, "[role=timer]").await.get_attribute("aria-live").as_deref(), Some("off"), "the ticking timer itself is silent");
    // An ordinary second: the countdown moves (the tick has run), the announcement stays empty.
    advance(5_000.0);
    text_until(&m.root, "[data-testid=countdown]", |t| t == "00:15" || t == "00:14").await;
    assert_eq!(region.text_content().unwrap(), "", "no announcement for ordinary seconds");
    // Across the 10-second milestone.
    advance(5_000.0);
    assert_eq!(text_until(&m.root, "[data-testid=announcement]", |t| !t.is_empty()).await, "10 seconds left");
    // Between milestones: ticks run, nothing new is said.
    advance(3_000.0);
    text_until(&m.root, "[data-testid=countdown]", |t| t == "00:07" || t == "00:06").await;
    assert_eq!(region.text_content().unwrap(), "10 seconds left", "nothing new between milestones");
}

/// The text under the code field once a code submission (or, with `resend`, a request for a new
/// code) failed with `failure`.
async fn code_refused(failure: Failure, resend: bool) -> String {
    // A code valid for no time at all offers a new one at once.
    let fake = Rc::new(Fake { ttl_ms: std::cell::Cell::new(if resend { 0.0 } else { 80_000.0 }), ..Fake::default() });
    let m = mount_fake(&fake, Locale::En);
    let input = to_otp_screen(&m).await;
    if resend {
        *fake.resend_error.borrow_mut() = Some(failure);
        find(&m.root, SHOWN_RESEND).await.click();
    } else {
        *fake.code_error.borrow_mut() = Some(failure);
        type_into(&input, "123456");
    }
    text_until(&m.root, "[data-testid=otp-error]", |t| !t.is_empty()).await
}

#[wasm_bindgen_test]
async fn a_code_refused_for_a_reason_says_that_reason_under_the_code_field() {
    for (failure, said) in [
        (Failure::Api(503, ErrorCode::GateUnavailable), "The payment system is not answering. Please try again in a minute."),
        (Failure::Api(409, ErrorCode::NotAwaitingOtp), "The payment is no longer waiting for a code. Please wait for its result."),
        (Failure::Api(409, ErrorCode::OtpAlreadySubmitted), "This code has already been sent; the payment is being checked."),
        (Failure::Api(500, ErrorCode::InternalError), "Something went wrong on the shop's side. Please try again."),
        (Failure::Garbage, "The shop's server answered in a way this form cannot read. Please reload the page."),
        (Failure::Api(418, ErrorCode::Unknown), "The code could not be sent. Please try again."),
    ] {
        let what = format!("{failure:?}");
        assert_eq!(code_refused(failure, false).await, said, "{what}");
    }
    assert_eq!(code_refused(Failure::Api(409, ErrorCode::ResendInProgress), true).await, "A new code is already on its way.");
    assert_eq!(
        code_refused(Failure::Api(503, ErrorCode::GateUnavailable), true).await,
        "The payment system is not answering. Please try again in a minute."
    );
}

#[wasm_bindgen_test]
async fn a_wrong_code_says_so_and_clears_the_field() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "000-000");
    let message = text_until(&m.root, "[data-testid=otp-error]", |t| !t.is_empty()).await;
    assert!(message.contains("not right"), "{message}");
    assert_eq!(otp.value(), "", "cleared for the next try");
    assert_eq!(fake.calls.borrow().last().unwrap(), "otp 000000", "dashes are dropped and the full code submits itself");
}

#[wasm_bindgen_test]
async fn the_limits_on_codes_are_explained_in_each_language_next_to_the_field() {
    let cases = [
        (Locale::En, "555555", "Ask for a new code"),
        (Locale::En, "666666", "no new codes are left"),
        (Locale::En, "777777", "try again in 3 min"),
        (Locale::Ru, "555555", "Запросите новый код"),
        (Locale::Ru, "777777", "через 3 мин"),
        (Locale::Kk, "555555", "Жаңа код сұраңыз"),
        (Locale::Kk, "777777", "3 минуттан кейін"),
    ];
    for (locale, code, expected) in cases {
        let fake = Fake::new();
        let m = mount_fake(&fake, locale);
        let otp = to_otp_screen(&m).await;
        type_into(&otp, code);
        let message = text_until(&m.root, "[data-testid=otp-error]", |t| !t.is_empty()).await;
        assert!(message.contains(expected), "{locale:?} {code}: {message}");
        assert_eq!(otp.get_attribute("aria-invalid").as_deref(), Some("true"), "the field says it is in error");
        let last_error = detail(&m, "error", "code").as_string();
        assert!(matches!(last_error.as_deref(), Some("otp_attempts_exhausted" | "too_many_requests")), "{last_error:?}");
    }
}

#[wasm_bindgen_test]
async fn the_right_code_shows_the_payment_with_amount_and_masked_phone() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "123 456");
    let detail_text = text_until(&m.root, "[data-testid=result-detail]", |t| !t.is_empty()).await;
    assert_eq!(detail_text, "₸1,000.00 paid from +7 707 ••• •• 67");
    assert_eq!(m.root.query_selector("[data-testid=result] h2").unwrap().unwrap().text_content().unwrap(), "Payment complete");
    let names = event_names(&m);
    for expected in ["ready", "change", "submit", "otp-required", "success"] {
        assert!(names.contains(&expected.to_owned()), "{expected} missing from {names:?}");
    }
    assert_eq!(detail(&m, "success", "amount").as_f64(), Some(100_000.0));
    // The inner form's native `submit` and the inputs' native `change` never reach the host.
    assert!(m.events.borrow().iter().all(|(_, detail)| detail.is_object()), "every event is the widget's own, with a detail");
}

#[wasm_bindgen_test]
async fn an_expired_code_offers_a_new_one_with_the_count_until_none_are_left() {
    let fake = Rc::new(Fake { ttl_ms: std::cell::Cell::new(0.0), ..Fake::default() });
    let m = mount_fake(&fake, Locale::Ru);
    to_otp_screen(&m).await;
    assert!(text_until(&m.root, "[data-testid=otp-expired]", |t| !t.is_empty()).await.contains("истёк"));
    let resend = find(&m.root, SHOWN_RESEND).await;
    // "New codes", not "attempts": a wrong code does not use one up.
    assert!(resend.text_content().unwrap().contains("осталось 3 новых кода"), "{}", resend.text_content().unwrap());
    for left in ["осталось 2 новых кода", "остался 1 новый код"] {
        find(&m.root, SHOWN_RESEND).await.click();
        text_until(&m.root, "[data-testid=resend]", |t| t.contains(left)).await;
        assert_eq!(detail(&m, "otp-required", "resumed").as_bool(), Some(false), "a new code in this visit is not a resumed screen");
    }
    find(&m.root, SHOWN_RESEND).await.click();
    find(&m.root, "[data-testid=start-over]:not([hidden])").await;
    assert!(m.root.query_selector(SHOWN_RESEND).unwrap().is_none(), "gone when none are left");
    assert!(m.root.text_content().unwrap().contains("новые коды закончились"));
}

#[wasm_bindgen_test]
async fn a_reload_resumes_on_the_otp_screen_with_the_remaining_time() {
    let fake = Fake::new();
    *fake.payment.borrow_mut() = Some(fake.awaiting(now() + 42_000.0, 2, 1, None, 5));
    let m = mount_fake(&fake, Locale::Kk);
    find(&m.root, "[data-testid=otp]").await;
    let countdown = text_until(&m.root, "[data-testid=countdown]", |t| !t.is_empty()).await;
    assert!(countdown == "00:42" || countdown == "00:41", "{countdown}");
    assert!(m.root.text_content().unwrap().contains("SMS-тегі кодты енгізіңіз"));
    // As the README says: the code screen came back for a payment started before this page load.
    assert_eq!(detail(&m, "otp-required", "resumed").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn a_decline_explains_itself_and_try_again_starts_over() {
    let fake = Fake::new();
    *fake.outcome.borrow_mut() = Some((PaymentState::Declined, Some("20105".into())));
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "123456");
    let text = text_until(&m.root, "[data-testid=result-detail]", |t| !t.is_empty()).await;
    assert!(text.contains("not enough money"), "{text}");
    assert_eq!(detail(&m, "decline", "code").as_string().as_deref(), Some("20105"));
    find(&m.root, "[data-testid=try-again]").await.click();
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    assert!(phone.value().contains("707"), "the number is kept for the new attempt: {}", phone.value());
}

#[wasm_bindgen_test]
async fn a_slow_backend_gets_one_look_at_a_time_and_a_forgotten_payment_stays_forgotten() {
    let fake = Fake::new();
    let (m, _back) = mount_fake_clocked(&fake, Locale::En);
    to_otp_screen(&m).await;
    // Looks take 2.5 s of the tests' clock, longer than the 2 s between them: the next waits
    // for the answer.
    fake.poll_delay_ms.set(2_500);
    let asked = fake.polls.get();
    step_until("a look", || fake.polls.get() > asked).await;
    let (asked, answered) = (fake.polls.get(), fake.polls_answered.get());
    step_until("its answer", || fake.polls_answered.get() > answered).await;
    assert_eq!(fake.polls.get(), asked, "a second look was sent while the first was on its way");

    // A look is on its way (about the payment waiting for its code) when the payment ends and
    // the customer starts over: its late answer must not bring the old payment back.
    let asked = fake.polls.get();
    step_until("another look", || fake.polls.get() > asked).await;
    let answered = fake.polls_answered.get();
    *fake.outcome.borrow_mut() = Some((PaymentState::Declined, Some("20000".into())));
    type_into(&find(&m.root, "[data-testid=otp]").await.unchecked_into(), "123456");
    find(&m.root, "[data-testid=try-again]").await.click();
    find(&m.root, "[data-testid=phone]").await;
    step_until("the late answer", || fake.polls_answered.get() > answered).await;
    settled().await;
    assert!(m.root.query_selector("[data-testid=otp]").unwrap().is_none(), "the forgotten payment came back: {}", m.root.inner_html());
    assert!(m.root.query_selector("[data-testid=phone]").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn a_lost_connection_is_shown_only_while_the_payment_is_open() {
    let fake = Fake::new();
    let (m, _back) = mount_fake_clocked(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    // The backend stops answering the widget's looks at the payment.
    fake.polls_fail.set(true);
    stepped_text_until(&m.root, "[data-testid=reconnecting]", |t| t == "Connection lost. Reconnecting…").await;
    type_into(&otp, "123456");
    find(&m.root, "[data-testid=result]").await;
    assert_eq!(text_of(&m.root, "[data-testid=reconnecting]"), "", "a final screen has nothing to reconnect to");

    let fake = Fake::new();
    *fake.outcome.borrow_mut() = Some((PaymentState::Declined, None));
    let (m, _back) = mount_fake_clocked(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    fake.polls_fail.set(true);
    stepped_text_until(&m.root, "[data-testid=reconnecting]", |t| !t.is_empty()).await;
    type_into(&otp, "123456");
    find(&m.root, "[data-testid=try-again]").await.click();
    find(&m.root, "[data-testid=phone]").await;
    // A widget still polling a failing backend says so at its next look; this one has none.
    let polls = fake.polls.get();
    a_poll_elsewhere().await;
    assert_eq!(fake.polls.get(), polls, "the form after Try again looks at no payment");
    assert_eq!(text_of(&m.root, "[data-testid=reconnecting]"), "", "nor does the form after Try again");
}

#[wasm_bindgen_test]
async fn enter_right_after_a_wrong_code_keeps_the_message_and_sends_nothing_more() {
    let fake = Fake::new();
    fake.otp_delay_ms.set(300);
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "000000");
    // Enter while the code is being checked, and again once the answer emptied the field.
    let form: HtmlElement = m.root.query_selector("[data-testid=otp-screen] form").unwrap().unwrap().unchecked_into();
    let submit = || form.unchecked_ref::<web_sys::HtmlFormElement>().request_submit().unwrap();
    submit();
    let message = text_until(&m.root, "[data-testid=otp-error]", |t| !t.is_empty()).await;
    assert!(message.contains("not right"), "{message}");
    submit();
    settled().await;
    assert!(text_of(&m.root, "[data-testid=otp-error]").contains("not right"), "the news stays: {}", text_of(&m.root, "[data-testid=otp-error]"));
    assert_eq!(fake.calls.borrow().iter().filter(|c| c.starts_with("otp")).count(), 1, "{:?}", fake.calls.borrow());
}

#[wasm_bindgen_test]
async fn the_expired_announcement_goes_with_the_code_it_was_about() {
    let fake = Rc::new(Fake { ttl_ms: std::cell::Cell::new(1_500.0), ..Fake::default() });
    let m = mount_fake(&fake, Locale::En);
    to_otp_screen(&m).await;
    text_until(&m.root, "[data-testid=announcement]", |t| t == "The code has expired").await;
    fake.ttl_ms.set(80_000.0);
    find(&m.root, SHOWN_RESEND).await.click();
    text_until(&m.root, "[data-testid=otp-notice]", |t| !t.is_empty()).await;
    assert_eq!(text_of(&m.root, "[data-testid=announcement]"), "", "a new code is not expired");
    let otp: HtmlInputElement = find(&m.root, "[data-testid=otp]").await.unchecked_into();
    type_into(&otp, "123456");
    find(&m.root, "[data-testid=result]").await;
    assert_eq!(text_of(&m.root, "[data-testid=announcement]"), "");
}

#[wasm_bindgen_test]
async fn a_payment_the_platform_refused_says_so_without_a_stray_full_stop() {
    let fake = Fake::new();
    *fake.outcome.borrow_mut() = Some((PaymentState::Failed, Some("gate_rejected".into())));
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "123456");
    assert_eq!(text_until(&m.root, "[data-testid=result] h2", |t| !t.is_empty()).await, "Payment failed");
    let detail = text_of(&m.root, "[data-testid=result-detail]");
    assert!(detail.contains("did not accept") && !detail.contains("could not be started"), "{detail}");
}

/// Reported (issue 31): a look at the payment that the backend refused was dropped without a word.
#[wasm_bindgen_test]
async fn a_refused_look_at_the_payment_is_said_and_asked_again() {
    let fake = Fake::new();
    let (m, _back) = mount_fake_clocked(&fake, Locale::En);
    to_otp_screen(&m).await;
    fake.polls_refused.set(true);
    let notice = stepped_text_until(&m.root, "[data-testid=reconnecting]", |t| !t.is_empty()).await;
    assert_eq!(notice, "Connection lost. Reconnecting…");
    fake.polls_refused.set(false);
    assert_eq!(stepped_text_until(&m.root, "[data-testid=reconnecting]", str::is_empty).await, "", "the next look that is answered clears it");
    assert!(m.root.query_selector("[data-testid=otp]").unwrap().is_some(), "the code screen stays");
}
