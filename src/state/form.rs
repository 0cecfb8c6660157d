//! The phone form: what the customer types and chooses, and what is said next to it; the
//! operator suggested from the number's prefix until the customer chooses one.

use checkout_protocol::host_event::{ChangeDetail, HostEvent};
use checkout_protocol::KzMobile;
use leptos::prelude::*;

use super::{Checkout, Said};
use crate::i18n::Text;

/// The operator of the form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OperatorChoice {
    /// None yet.
    #[default]
    None,
    /// The one the number's prefix suggests; a new number may suggest another.
    Suggested(String),
    /// The customer's own choice, which no suggestion overrides.
    Chosen(String),
}

impl OperatorChoice {
    /// The operator's id, however it was picked.
    pub fn id(&self) -> Option<&str> {
        match self {
            OperatorChoice::None => None,
            OperatorChoice::Suggested(id) | OperatorChoice::Chosen(id) => Some(id),
        }
    }
}

/// The phone form. In context of its own; components read it, the controller changes it.
#[derive(Debug, Clone, Copy)]
pub struct Form {
    /// The phone as typed (formatted).
    pub(super) phone: RwSignal<String>,
    /// The operator and how it was picked.
    pub(super) operator: RwSignal<OperatorChoice>,
    /// Under the phone field.
    pub(super) phone_error: RwSignal<Option<Text>>,
    /// Under the operator picker.
    pub(super) operator_error: RwSignal<Option<Text>>,
    /// Under a form.
    pub(super) form_error: RwSignal<Option<Text>>,
    /// The phone field takes the focus when it is next shown (or now, if it is).
    pub(super) focus_phone: RwSignal<bool>,
}

impl Form {
    pub(super) fn new() -> Form {
        Form {
            phone: RwSignal::new(String::new()),
            operator: RwSignal::new(OperatorChoice::None),
            phone_error: RwSignal::new(None),
            operator_error: RwSignal::new(None),
            form_error: RwSignal::new(None),
            focus_phone: RwSignal::new(false),
        }
    }

    /// The phone as typed, not tracked.
    pub fn phone_untracked(&self) -> String {
        self.phone.get_untracked()
    }

    /// Whether `operator` is the form's operator (tracked).
    pub fn is_operator(&self, operator: &str) -> bool {
        self.operator.with(|choice| choice.id() == Some(operator))
    }

    /// The form's operator, not tracked.
    pub(super) fn operator_untracked(&self) -> Option<String> {
        self.operator.with_untracked(|choice| choice.id().map(str::to_owned))
    }

    /// What is said under the phone field.
    pub fn phone_error(&self) -> Said {
        Said(self.phone_error)
    }

    /// What is said under the operator picker.
    pub fn operator_error(&self) -> Said {
        Said(self.operator_error)
    }

    /// What is said under the form.
    pub fn form_error(&self) -> Said {
        Said(self.form_error)
    }

    /// Whether the phone field is to take the focus (tracked); the field calls [`Form::focused`]
    /// once it has it.
    pub fn focus_wanted(&self) -> bool {
        self.focus_phone.get()
    }

    /// The phone field has the focus.
    pub fn focused(&self) {
        self.focus_phone.set(false);
    }

    /// Puts the focus in the phone field: the one way every step that wants it there asks.
    pub fn focus_phone(&self) {
        self.focus_phone.set(true);
    }
}

impl Checkout {
    /// The operator the number's prefix suggests, among those the session offers.
    pub(super) fn suggestion(&self, number: &KzMobile) -> Option<String> {
        self.loaded.session().with_untracked(|s| {
            let offered = &s.as_ref()?.operators;
            number.suggested_operators().iter().map(|op| op.code()).find(|code| offered.iter().any(|o| o.id == *code)).map(str::to_owned)
        })
    }

    /// Tells the host page the form changed.
    fn tell_change(&self) {
        let complete = self.form.phone.with_untracked(|p| KzMobile::parse(p).is_ok());
        self.emit(HostEvent::Change(ChangeDetail { phone_complete: complete, operator: self.form.operator_untracked() }));
    }

    /// As the customer types: suggest an operator, unless they chose one themselves.
    pub fn phone_typed(&self, typed: String) {
        let form = self.form;
        form.form_error.set(None);
        form.phone_error.set(None);
        let chosen = form.operator.with_untracked(|choice| matches!(choice, OperatorChoice::Chosen(_)));
        if let Some(suggested) = KzMobile::parse(&typed).ok().filter(|_| !chosen).and_then(|n| self.suggestion(&n)) {
            form.operator.set(OperatorChoice::Suggested(suggested));
            form.operator_error.set(None);
        }
        form.phone.set(typed);
        self.tell_change();
    }

    /// The customer chose `operator`: no suggestion changes it any more.
    pub fn operator_chosen(&self, operator: String) {
        let form = self.form;
        form.operator_error.set(None);
        form.form_error.set(None);
        form.operator.set(OperatorChoice::Chosen(operator));
        self.tell_change();
    }
}
