//! The checkout's components: one per screen and control, one file each. They share the
//! checkout's state and actions by context (`crate::state`); props are named and concrete.

pub mod cash_in;
pub mod checkout;
pub mod code_field;
pub mod countdown;
pub mod header;
pub mod load_failed;
pub mod loading;
pub mod operator_picker;
pub mod otp_screen;
pub mod payment_page_form;
pub mod payout_confirm;
pub mod phone_field;
pub mod phone_form;
pub mod resend_button;
pub mod result;
pub mod waiting;

/// `"true"` or `"false"`, as ARIA states want them.
pub(crate) fn aria(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}
