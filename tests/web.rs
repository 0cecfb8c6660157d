//! Browser tests of the widget in headless Chromium (`wasm-bindgen-test`), against an in-browser
//! fake of the backend injected through the `Backend` transport. The fake speaks the contract:
//! it reads the widget's requests and writes its answers as `checkout_protocol::api` types through
//! serde-wasm-bindgen, so the widget's own decoding runs in every test. The fake and the helpers are
//! in `support/`.
#![cfg(target_arch = "wasm32")]

mod support;

use std::rc::Rc;

use checkout_protocol::api::{ErrorCode, Method, OtpError, PaymentKind, PaymentPageRequest, PaymentState, PaymentView};
use checkout_protocol::Locale;
use kz_mobile_checkout::api::ApiError;
use kz_mobile_checkout::{mount, mount_clocked, mount_configured, mount_with, PageDisplay};
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_session_loads_behind_a_skeleton_then_shows_amount_and_merchant() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::Ru);
    assert!(m.root.query_selector("[data-testid=skeleton]").unwrap().is_some(), "a skeleton first");
    assert_eq!(text_until(&m.root, "[data-testid=amount]", |t| !t.is_empty()).await, "1\u{a0}000,00\u{a0}₸");
    assert!(m.root.text_content().unwrap().contains("Получатель: Sulpak"));
    assert_eq!(event_names(&m).first().map(String::as_str), Some("ready"));
}

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
async fn a_session_that_did_not_load_can_be_tried_again_until_it_loads() {
    let fake = Fake::new();
    *fake.session_error.borrow_mut() = Some(Failure::Transport("offline"));
    let m = mount_fake(&fake, Locale::En);
    let retry = || m.root.query_selector("[data-testid=load-failed] button").unwrap().map(|b| b.unchecked_into::<HtmlElement>());
    text_until(&m.root, "[data-testid=load-failed]", |t| t.contains("Network error")).await;
    let loads = || fake.calls.borrow().iter().filter(|c| c.starts_with("session")).count();
    // Still offline: the retry shows the skeleton, then says so again (never stuck loading).
    retry().expect("a retry").click();
    until("the second load", || loads() == 2).await;
    text_until(&m.root, "[data-testid=load-failed]", |t| t.contains("Network error")).await;
    // Back online: the form.
    *fake.session_error.borrow_mut() = None;
    retry().expect("a retry").click();
    find(&m.root, "[data-testid=phone]").await;
    assert_eq!(loads(), 3);
    assert!(m.root.query_selector("[data-testid=load-failed]").unwrap().is_none());
    assert_eq!(event_names(&m).iter().filter(|n| *n == "ready").count(), 1);
}

#[wasm_bindgen_test]
async fn an_unknown_session_says_the_link_expired() {
    let fake = Fake::new();
    *fake.session_error.borrow_mut() = Some(Failure::Api(404, ErrorCode::SessionNotFound));
    let m = mount_fake(&fake, Locale::En);
    assert!(text_until(&m.root, "[data-testid=load-failed]", |t| !t.is_empty()).await.contains("link has expired"));
}

#[wasm_bindgen_test]
async fn every_locale_renders_every_screen_without_placeholders() {
    for locale in Locale::ALL {
        let fake = Fake::new();
        let m = mount_fake(&fake, locale);
        find(&m.root, "[data-testid=phone]").await;
        let form_text = m.root.text_content().unwrap();
        let otp = to_otp_screen(&m).await;
        let otp_text = m.root.text_content().unwrap();
        type_into(&otp, "123456");
        find(&m.root, "[data-testid=result]").await;
        let result_text = m.root.text_content().unwrap();
        for text in [form_text, otp_text, result_text] {
            assert!(!text.contains('{') && !text.contains('}'), "{locale:?}: {text}");
        }
        assert_eq!(m.root.query_selector("[data-testid=checkout]").unwrap().unwrap().get_attribute("lang").as_deref(), Some(locale.tag()));
    }
}

#[wasm_bindgen_test]
async fn two_widgets_on_one_page_stay_apart_and_unmount_cleans_up() {
    let (a, b) = (wrapper(), wrapper());
    let ha = mount_with(a.clone(), "cs_a".into(), Locale::En, Fake::new());
    let mut hb = mount_with(b.clone(), "cs_b".into(), Locale::En, Fake::new());
    find(&a, "input[type=radio]").await;
    find(&b, "input[type=radio]").await;
    assert_ne!(radios(&a)[0].name(), radios(&b)[0].name());
    radios(&a)[0].click();
    radios(&b)[4].click();
    assert!(radios(&a)[0].checked() && radios(&b)[4].checked());
    hb.unmount();
    assert_eq!(b.child_element_count(), 0);
    assert_eq!(radios(&a).len(), 5);
    drop(ha);
}

#[wasm_bindgen_test]
async fn after_unmount_nothing_of_the_widget_keeps_running() {
    let fake = Fake::new();
    let root = wrapper();
    let _back = ClockBack;
    let mut handle = mount_clocked(root.clone(), "cs_test".into(), Locale::En, PageDisplay::default(), fake.clone(), tests_clock());
    let phone: HtmlInputElement = find(&root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, "+7 707 123 45 67");
    find(&root, "[data-testid=submit]").await.click();
    find(&root, "[data-testid=otp]").await;
    // An open payment is polled every 2 s.
    step_until("the open payment is polled", || fake.polls.get() > 0).await;
    handle.unmount();
    assert_eq!(root.child_element_count(), 0);
    let polls = fake.polls.get();
    a_poll_elsewhere().await;
    assert_eq!(fake.polls.get(), polls, "the clock stopped with the widget");
    // The widget let go of its backend: nothing it built (listeners, bindings, the clock) is left.
    assert_eq!(Rc::strong_count(&fake), 1, "the unmounted widget still holds its backend");
}

#[wasm_bindgen_test]
async fn the_js_mount_takes_options_and_reports_an_unreachable_backend() {
    let root = wrapper();
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"session".into(), &"cs_missing".into()).unwrap();
    js_sys::Reflect::set(&options, &"locale".into(), &"kk".into()).unwrap();
    js_sys::Reflect::set(&options, &"apiBase".into(), &"http://127.0.0.1:9".into()).unwrap();
    let _handle = mount(root.clone(), options.into());
    let text = text_until(&root, "[data-testid=load-failed]", |t| !t.is_empty()).await;
    assert!(text.contains("Желі қатесі"), "{text}");
}

/// `mount`'s options as the loader gives them: an unreachable backend, and the loader's own
/// request for the session, answered with `fake`'s session, for `prefetched_url`.
fn options_with_prefetched(session: &str, prefetched_url: &str, fake: &Fake) -> JsValue {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"session".into(), &session.into()).unwrap();
    js_sys::Reflect::set(&options, &"locale".into(), &"en".into()).unwrap();
    js_sys::Reflect::set(&options, &"apiBase".into(), &"http://127.0.0.1:9/".into()).unwrap();
    let body = js_sys::JSON::stringify(&serde_wasm_bindgen::to_value(&fake.session_view(session)).unwrap()).unwrap();
    let init = web_sys::ResponseInit::new();
    init.set_status(200);
    let response = web_sys::Response::new_with_opt_str_and_init(Some(&String::from(body)), &init).unwrap();
    js_sys::Reflect::set(&options, &"prefetched".into(), &js_sys::Promise::resolve(&response)).unwrap();
    js_sys::Reflect::set(&options, &"prefetchedUrl".into(), &prefetched_url.into()).unwrap();
    options.into()
}

#[wasm_bindgen_test]
async fn the_session_the_loader_asked_for_while_the_wasm_downloaded_is_the_first_screens() {
    // The backend is unreachable: only the loader's answer can draw the form.
    let fake = Fake::new();
    let root = wrapper();
    let _handle = mount(root.clone(), options_with_prefetched("cs/pre", "http://127.0.0.1:9/api/sessions/cs%2Fpre", &fake));
    assert_eq!(text_until(&root, "[data-testid=amount]", |t| !t.is_empty()).await, "₸1,000.00");
    assert!(root.query_selector("[data-testid=phone]").unwrap().is_some());

    // An answer for another URL (another backend, another session) is never taken for this one.
    let other = wrapper();
    let _other = mount(other.clone(), options_with_prefetched("cs_pre", "http://127.0.0.1:9/api/sessions/cs_other", &fake));
    let text = text_until(&other, "[data-testid=load-failed]", |t| !t.is_empty()).await;
    assert!(text.contains("Network error"), "{text}");
}

#[wasm_bindgen_test]
async fn the_first_screen_is_marked_once_in_the_pages_user_timing() {
    let performance = web_sys::window().unwrap().performance().unwrap();
    let marks = || performance.get_entries_by_name("kz-mobile-checkout:first-screen").length();
    performance.clear_marks_with_mark_name("kz-mobile-checkout:first-screen");
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    assert_eq!(marks(), 0, "nothing to act on yet: the skeleton");
    let _otp = to_otp_screen(&m).await;
    assert_eq!(marks(), 1, "the form was the first screen; the code screen is not marked again");
}

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
async fn the_payment_page_runs_with_the_signed_parameters_and_the_result_comes_from_the_backend() {
    let fake = with_methods(&[Method::PaymentPage]);
    page_stand_in(&fake, "data:text/javascript,window.EPayWidget={run:function(c,m){window.__epayConfig=c;window.__epayMethod=m;c.onLoaded();}}");
    let m = mount_fake(&fake, Locale::En);
    pay_on_the_page(&m.root, 4).await;
    let done = text_until(&m.root, "[data-testid=result] h2", |t| !t.is_empty()).await;
    assert_eq!(done, "Payment complete");
    let window = web_sys::window().unwrap();
    let config = js_sys::Reflect::get(&window, &"__epayConfig".into()).unwrap();
    assert_eq!(js_sys::Reflect::get(&config, &"force_payment_method".into()).unwrap().as_string().as_deref(), Some("mobile"));
    assert!(js_sys::Reflect::get(&config, &"onPaymentSuccess".into()).unwrap().is_function());
    assert_eq!(js_sys::Reflect::get(&window, &"__epayMethod".into()).unwrap().as_string().as_deref(), Some("get"));
    assert_eq!(fake.calls.borrow().iter().find(|c| c.starts_with("page")).unwrap(), "page TELE2 en");
    assert_eq!(detail(&m, "payment-page", "message").as_string().as_deref(), Some("loaded"));
    // The page never tells the widget the phone: the amount alone, no dangling "from".
    assert_eq!(m.root.query_selector("[data-testid=result-detail]").unwrap().unwrap().text_content().unwrap(), "₸1,000.00 paid");
}

#[wasm_bindgen_test]
async fn a_payment_page_speaks_for_the_widget_only_while_it_is_the_current_opening() {
    let fake = with_methods(&[Method::PaymentPage]);
    // A stand-in that keeps every opening's handlers, as the platform's script may.
    page_stand_in(&fake, "data:text/javascript,window.__epayConfigs=[];window.EPayWidget={run:function(c,m){window.__epayConfigs.push(c);}}");
    *fake.outcome.borrow_mut() = Some((PaymentState::Failed, Some("abandoned".into())));
    let m = mount_fake(&fake, Locale::En);
    pay_on_the_page(&m.root, 4).await;
    until("the first opening", || page_openings() == 1).await;
    // The customer closes the first page; nothing was paid, so the pay button comes back.
    page_handler(0, "onExit").call0(&JsValue::NULL).unwrap();
    until("the page settled", || fake.calls.borrow().iter().any(|c| c == "page closed")).await;
    find(&m.root, "[data-testid=page-form] [data-testid=submit]").await.click();
    until("the second opening", || page_openings() == 2).await;
    page_handler(1, "onLoaded").call0(&JsValue::NULL).unwrap();
    let heard = || m.events.borrow().iter().filter(|(name, _)| name == "payment-page").count();
    let (events, closes) = (heard(), fake.calls.borrow().iter().filter(|c| *c == "page closed").count());
    assert_eq!(events, 2, "exit of the first page, loaded of the second");

    // The first page's handlers, called late, speak for nothing: no event, nothing settled.
    for name in ["onPaymentSuccess", "onExit"] {
        page_handler(0, name).call0(&JsValue::NULL).expect("a late handler never throws in the merchant's page");
    }
    assert_eq!(heard(), events);
    assert_eq!(fake.calls.borrow().iter().filter(|c| *c == "page closed").count(), closes);

    // Unmounted, the widget hears nothing from the current page either, and nothing throws.
    let Mounted { root, events: heard_events, _handle: mut handle, _listeners } = m;
    handle.unmount();
    for name in ["onLoaded", "onPaymentSent", "onPaymentSuccess", "onPaymentFail", "onExit"] {
        page_handler(1, name).call0(&JsValue::NULL).expect("a handler called after unmount() never throws");
    }
    assert_eq!(heard_events.borrow().iter().filter(|(name, _)| name == "payment-page").count(), events);
    assert_eq!(fake.calls.borrow().iter().filter(|c| *c == "page closed").count(), closes);
    drop(root);
}

#[wasm_bindgen_test]
async fn a_payment_page_concluded_abandoned_then_paid_shows_the_success() {
    let fake = with_methods(&[Method::PaymentPage]);
    // The customer closes the page at once; the backend finds nothing paid and says abandoned.
    page_stand_in(&fake, "data:text/javascript,window.EPayWidget={run:function(c,m){c.onExit();}}");
    *fake.outcome.borrow_mut() = Some((PaymentState::Failed, Some("abandoned".into())));
    let m = mount_fake(&fake, Locale::En);
    pay_on_the_page(&m.root, 4).await;
    until("the closed page settled", || fake.calls.borrow().iter().any(|c| c == "page closed")).await;
    // The pay button again...
    find(&m.root, "[data-testid=page-form]").await;
    assert!(!event_names(&m).contains(&"success".to_owned()));
    // ...until the platform's success for that payment arrives after all (paid on a page still
    // open elsewhere): the widget shows it and tells the host page.
    *fake.payment.borrow_mut() = Some(view("pay_page", PaymentKind::Purchase, PaymentState::Succeeded, 9));
    // The widget looks at its session every 3 s meanwhile.
    until("the result", || m.root.query_selector("[data-testid=result]").unwrap().is_some()).await;
    let done = text_until(&m.root, "[data-testid=result] h2", |t| !t.is_empty()).await;
    assert_eq!(done, "Payment complete");
    assert_eq!(detail(&m, "success", "payment_id").as_string().as_deref(), Some("pay_page"));
}

#[wasm_bindgen_test]
async fn a_payment_page_script_that_cannot_load_says_so() {
    let fake = with_methods(&[Method::PaymentPage]);
    page_stand_in(&fake, "http://127.0.0.1:9/shared/merchant.js");
    let m = mount_fake(&fake, Locale::Kk);
    pay_on_the_page(&m.root, 0).await;
    let message = text_until(&m.root, "[data-testid=form-error]", |t| !t.is_empty()).await;
    assert!(message.contains("Төлем бетін ашу мүмкін болмады"), "{message}");
    assert_eq!(detail(&m, "error", "code").as_string().as_deref(), Some("script_load_failed"));
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

#[wasm_bindgen_test]
async fn an_embedded_payment_page_opens_inside_the_widget() {
    let fake = with_methods(&[Method::PaymentPage]);
    page_stand_in(&fake, "data:text/javascript,window.EPayWidget={run:function(c,m){window.__epayTarget=c.target_element;window.__epayTargetFound=!!document.getElementById(c.target_element);}}");
    let root = wrapper();
    let _handle = mount_configured(root.clone(), "cs_embedded".into(), Locale::En, PageDisplay::Embedded, fake.clone());
    pay_on_the_page(&root, 1).await;
    let window = web_sys::window().unwrap();
    until("the page opened", || js_sys::Reflect::get(&window, &"__epayTarget".into()).unwrap().is_string()).await;
    let target = js_sys::Reflect::get(&window, &"__epayTarget".into()).unwrap().as_string().unwrap();
    assert!(root.query_selector(&format!("#{target}")).unwrap().is_some(), "the target element is inside this widget");
    assert_eq!(js_sys::Reflect::get(&window, &"__epayTargetFound".into()).unwrap().as_bool(), Some(true));
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

#[wasm_bindgen_test]
async fn an_answer_of_the_wrong_shape_is_its_own_error_not_a_network_error() {
    let fake = Fake::new();
    fake.garbage_session.set(true);
    let m = mount_fake(&fake, Locale::En);
    find(&m.root, "[data-testid=load-failed]").await;
    assert_eq!(detail(&m, "error", "code").as_string().as_deref(), Some("unexpected_answer"));
    // The merchant's clue: what did not fit, as serde-wasm-bindgen said it.
    let message = detail(&m, "error", "message").as_string().unwrap_or_default();
    assert!(message.contains("missing field"), "{message}");
    assert!(!m.root.text_content().unwrap().contains("Network error"));
}

#[wasm_bindgen_test]
async fn the_widget_decodes_every_golden_answer_of_the_backend() {
    for body in [
        include_str!("golden/session_mobile.json"),
        include_str!("golden/session_resumed.json"),
        include_str!("golden/session_cash_in.json"),
        include_str!("golden/session_payout.json"),
    ] {
        let session = golden(200, body).session().await.unwrap_or_else(|e| panic!("{e:?}: {body}"));
        assert_eq!((session.session.as_str(), session.amount), ("cs_golden", 100_000));
    }
    let resumed = golden(200, include_str!("golden/session_resumed.json")).session().await.unwrap();
    assert_eq!(resumed.payment.map(|p| (p.state, p.last_error)), Some((PaymentState::AwaitingOtp, Some(OtpError::WrongCode))));
    let cash = golden(200, include_str!("golden/session_cash_in.json")).session().await.unwrap();
    assert_eq!((cash.methods, cash.cash_in_limits.is_some()), (vec![Method::CashIn], true));

    for (body, state) in [
        (include_str!("golden/payment_awaiting_otp.json"), PaymentState::AwaitingOtp),
        (include_str!("golden/payment_wrong_code.json"), PaymentState::AwaitingOtp),
        (include_str!("golden/payment_succeeded.json"), PaymentState::Succeeded),
        (include_str!("golden/payment_declined.json"), PaymentState::Declined),
        (include_str!("golden/payment_payout_processing.json"), PaymentState::Processing),
    ] {
        let payment = golden(200, body).payment("pay_golden").await.unwrap_or_else(|e| panic!("{e:?}: {body}"));
        assert_eq!(payment.state, state, "{body}");
    }

    let page = golden(200, include_str!("golden/payment_page.json")).payment_page(&PaymentPageRequest::default()).await.unwrap();
    assert!(js_sys::Reflect::get(&page.params.0, &"signature".into()).unwrap().is_string(), "the signed parameters pass through whole");

    for (status, body, code) in [
        (422, include_str!("golden/error_phone_russian.json"), ErrorCode::PhoneRussian),
        (409, include_str!("golden/error_resend_too_early.json"), ErrorCode::ResendTooEarly),
        (404, include_str!("golden/error_session_not_found.json"), ErrorCode::SessionNotFound),
    ] {
        match golden(status, body).session().await {
            Err(ApiError::Api { code: got, status: s, .. }) => assert_eq!((got, s), (code, status)),
            other => panic!("{body}: {other:?}"),
        }
    }
    match golden(409, include_str!("golden/error_resend_too_early.json")).resend("pay_golden").await {
        Err(ApiError::Api { retry_after_s, .. }) => assert_eq!(retry_after_s, Some(80)),
        other => panic!("{other:?}"),
    }
}
