//! Browser tests of the widget in headless Chromium (`wasm-bindgen-test`).
#![cfg(target_arch = "wasm32")]

use kz_mobile_checkout::mount;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element to mount into, so tests never share DOM.
fn wrapper() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let element: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&element).unwrap();
    element
}

fn radios(root: &HtmlElement) -> Vec<HtmlInputElement> {
    let list = root.query_selector_all("input[type=radio]").unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn text_of(root: &HtmlElement, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn operator_picker_offers_the_five_operators_as_a_radio_group() {
    let root = wrapper();
    let _handle = mount(root.clone(), Some("en".into()));

    assert_eq!(text_of(&root, "fieldset legend"), "Mobile operator");
    let radios = radios(&root);
    let values: Vec<String> = radios.iter().map(HtmlInputElement::value).collect();
    assert_eq!(values, ["ACTIV", "ALTEL", "BEELINE", "KCELL", "TELE2"]);
    let labels: Vec<String> = radios
        .iter()
        .map(|r| r.parent_element().unwrap().text_content().unwrap())
        .collect();
    assert_eq!(labels, ["Activ", "Altel", "Beeline", "Kcell", "Tele2"]);
    assert!(
        radios.iter().all(|r| !r.checked()),
        "nothing is chosen for the customer before a phone is typed"
    );
    let name = radios[0].name();
    assert!(
        radios.iter().all(|r| r.name() == name),
        "one group, so arrow keys move between them"
    );

    let hint_id = root
        .query_selector("fieldset")
        .unwrap()
        .unwrap()
        .get_attribute("aria-describedby")
        .unwrap();
    assert!(text_of(&root, &format!("#{hint_id}")).contains("moved your number"));
}

#[wasm_bindgen_test]
fn choosing_an_operator_checks_only_that_one() {
    let root = wrapper();
    let _handle = mount(root.clone(), Some("ru".into()));
    let radios = radios(&root);
    radios[3].click();
    assert!(radios[3].checked());
    assert_eq!(radios.iter().filter(|r| r.checked()).count(), 1);
}

#[wasm_bindgen_test]
fn the_locale_attribute_chooses_the_language() {
    for (locale, legend) in [
        ("kk", "Ұялы байланыс операторы"),
        ("ru", "Мобильный оператор"),
        ("en", "Mobile operator"),
    ] {
        let root = wrapper();
        let _handle = mount(root.clone(), Some(locale.into()));
        assert_eq!(text_of(&root, "legend"), legend);
        assert_eq!(
            root.query_selector("[data-testid=checkout]")
                .unwrap()
                .unwrap()
                .get_attribute("lang")
                .as_deref(),
            Some(locale)
        );
    }
}

#[wasm_bindgen_test]
fn two_widgets_on_one_page_do_not_share_a_radio_group() {
    let (a, b) = (wrapper(), wrapper());
    let _ha = mount(a.clone(), Some("en".into()));
    let _hb = mount(b.clone(), Some("en".into()));
    assert_ne!(radios(&a)[0].name(), radios(&b)[0].name());
    radios(&a)[0].click();
    radios(&b)[4].click();
    assert!(radios(&a)[0].checked() && radios(&b)[4].checked());
}

#[wasm_bindgen_test]
fn unmount_removes_the_widget() {
    let root = wrapper();
    let mut handle = mount(root.clone(), Some("en".into()));
    assert_eq!(radios(&root).len(), 5);
    handle.unmount();
    assert_eq!(radios(&root).len(), 0);
}
