//! The hosted Payment Page: its signed parameters, its openings, a page left unpaid and paid after
//! all, a script that does not load, the embedded display, and a closed page's report.

use crate::prelude::*;

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

/// Reported (issue 31): when telling the backend that the Payment Page closed failed, nothing
/// asked again, and the customer was left "checking" until the reconciler's minute.
#[wasm_bindgen_test]
async fn a_closed_page_the_backend_did_not_hear_of_is_reported_again() {
    let fake = with_methods(&[Method::PaymentPage]);
    page_stand_in(&fake, "data:text/javascript,window.EPayWidget={run:function(c,m){c.onExit();}}");
    *fake.page_closed_error.borrow_mut() = Some(Failure::Transport("offline"));
    // Looks at the payment get no answer either, so only the report can settle it.
    fake.polls_fail.set(true);
    let (m, _back) = mount_fake_clocked(&fake, Locale::En);
    pay_on_the_page(&m.root, 4).await;
    let reports = || fake.calls.borrow().iter().filter(|c| *c == "page closed").count();
    step_until("the close reported", || reports() >= 1).await;
    let waiting = stepped_text_until(&m.root, "[data-testid=waiting]", |t| t.contains("Checking")).await;
    assert_eq!(waiting.trim(), "Checking whether the payment went through…");
    step_until("the close reported again after the first report failed", || reports() >= 2).await;
}
