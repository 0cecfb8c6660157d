//! The shop's order on a session: its `reference` (the shop's order id) and `metadata` (its
//! notes), checked when the session is created, and the sessions found by their reference.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::ServiceError;
use crate::views::{AdminSession, ErrorCode, ShopOrder};
use crate::App;

/// The longest `reference`, in characters.
pub const REFERENCE_MAX: usize = 64;
/// The most keys `metadata` takes.
pub const METADATA_KEYS_MAX: usize = 20;
/// The longest `metadata` key, in characters.
pub const METADATA_KEY_MAX: usize = 40;
/// The longest `metadata` value, in characters.
pub const METADATA_VALUE_MAX: usize = 500;

/// The order as the shop sent it, or a 422 that names the field that is wrong.
pub fn shop_order(reference: Option<String>, metadata: BTreeMap<String, Value>) -> Result<ShopOrder, ServiceError> {
    let invalid_reference = |why: &str| ServiceError::new(ErrorCode::ReferenceInvalid, format!("reference {why}"));
    if let Some(reference) = &reference {
        if reference.trim().is_empty() {
            return Err(invalid_reference("is empty; leave it out when the session has no order id"));
        }
        if reference.chars().count() > REFERENCE_MAX {
            return Err(invalid_reference(&format!("is longer than {REFERENCE_MAX} characters")));
        }
        if reference.chars().any(char::is_control) {
            return Err(invalid_reference("holds a control character"));
        }
    }
    let invalid_metadata = |why: String| ServiceError::new(ErrorCode::MetadataInvalid, why);
    if metadata.len() > METADATA_KEYS_MAX {
        return Err(invalid_metadata(format!("metadata has {} keys; at most {METADATA_KEYS_MAX}", metadata.len())));
    }
    let mut notes = BTreeMap::new();
    for (key, value) in metadata {
        if key.is_empty() || key.chars().count() > METADATA_KEY_MAX {
            return Err(invalid_metadata(format!("metadata key {key:?} must be 1 to {METADATA_KEY_MAX} characters")));
        }
        let Value::String(text) = value else {
            return Err(invalid_metadata(format!("metadata.{key} must be a string")));
        };
        if text.chars().count() > METADATA_VALUE_MAX {
            return Err(invalid_metadata(format!("metadata.{key} is longer than {METADATA_VALUE_MAX} characters")));
        }
        notes.insert(key, text);
    }
    Ok(ShopOrder { reference, metadata: notes })
}

impl App {
    /// The sessions the shop opened for its order `reference`, newest first, each with
    /// everything paid through it.
    pub async fn admin_sessions_with_reference(&self, reference: &str) -> Result<Vec<AdminSession>, ServiceError> {
        let mut found = Vec::new();
        for session in self.db().sessions_with_reference(reference).await? {
            found.push(self.admin_session_of(session).await?);
        }
        Ok(found)
    }
}
