//! The session: loading, failing to load, every screen in every language, two widgets on a page,
//! unmounting, the JavaScript mount, the loader's prefetched answer, the first-screen mark, answers
//! of the wrong shape and the backend's golden answers.

use crate::prelude::*;

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
        include_str!("../golden/session_mobile.json"),
        include_str!("../golden/session_resumed.json"),
        include_str!("../golden/session_cash_in.json"),
        include_str!("../golden/session_payout.json"),
    ] {
        let session = golden(200, body).session().await.unwrap_or_else(|e| panic!("{e:?}: {body}"));
        assert_eq!((session.session.as_str(), session.amount), ("cs_golden", 100_000));
    }
    let resumed = golden(200, include_str!("../golden/session_resumed.json")).session().await.unwrap();
    assert_eq!(resumed.payment.map(|p| (p.state, p.last_error)), Some((PaymentState::AwaitingOtp, Some(OtpError::WrongCode))));
    let cash = golden(200, include_str!("../golden/session_cash_in.json")).session().await.unwrap();
    assert_eq!((cash.methods, cash.cash_in_limits.is_some()), (vec![Method::CashIn], true));

    for (body, state) in [
        (include_str!("../golden/payment_awaiting_otp.json"), PaymentState::AwaitingOtp),
        (include_str!("../golden/payment_wrong_code.json"), PaymentState::AwaitingOtp),
        (include_str!("../golden/payment_succeeded.json"), PaymentState::Succeeded),
        (include_str!("../golden/payment_declined.json"), PaymentState::Declined),
        (include_str!("../golden/payment_payout_processing.json"), PaymentState::Processing),
    ] {
        let payment = golden(200, body).payment("pay_golden").await.unwrap_or_else(|e| panic!("{e:?}: {body}"));
        assert_eq!(payment.state, state, "{body}");
    }

    let page = golden(200, include_str!("../golden/payment_page.json")).payment_page(&PaymentPageRequest::default()).await.unwrap();
    assert!(js_sys::Reflect::get(&page.params.0, &"signature".into()).unwrap().is_string(), "the signed parameters pass through whole");

    for (status, body, code) in [
        (422, include_str!("../golden/error_phone_russian.json"), ErrorCode::PhoneRussian),
        (409, include_str!("../golden/error_resend_too_early.json"), ErrorCode::ResendTooEarly),
        (404, include_str!("../golden/error_session_not_found.json"), ErrorCode::SessionNotFound),
    ] {
        match golden(status, body).session().await {
            Err(ApiError::Api { code: got, status: s, .. }) => assert_eq!((got, s), (code, status)),
            other => panic!("{body}: {other:?}"),
        }
    }
    match golden(409, include_str!("../golden/error_resend_too_early.json")).resend("pay_golden").await {
        Err(ApiError::Api { retry_after_s, .. }) => assert_eq!(retry_after_s, Some(80)),
        other => panic!("{other:?}"),
    }
}
