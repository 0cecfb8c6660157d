//! Property tests of the signature: what verification must accept and refuse whatever the input.
#![cfg(feature = "signing")]

use checkout_protocol::signature::{attach_signature, canonical_string, sign, verify, SignatureError};
use proptest::prelude::*;
use serde_json::{Map, Value};

const SECRET: &str = "sandbox-secret";

/// JSON leaves the platform sends: strings (with colons, Cyrillic, emptiness), integers, booleans, null.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-zA-Z0-9 :;_.\\-ҚқӘәІі]{0,12}".prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn key() -> impl Strategy<Value = String> {
    // No `signature` or `frame_mode` keys: those are excluded from signing by design.
    "[a-z][a-z0-9_:]{0,8}".prop_filter("reserved", |k| k != "signature" && k != "frame_mode" && k != "general")
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 1..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(key(), json(), 1..6).prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// Paths to every scalar leaf of a value.
fn leaf_paths(value: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(Value::String(k.clone()));
                leaf_paths(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Value::from(i));
                leaf_paths(v, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

fn at_mut<'a>(value: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Value::String(k) => v.get_mut(k.as_str()).unwrap(),
        _ => v.get_mut(step.as_u64().unwrap() as usize).unwrap(),
    })
}

/// The same object with every object's keys in reverse insertion order.
fn reversed_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter().rev() {
                out.insert(k.clone(), reversed_keys(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed_keys).collect()),
        other => other.clone(),
    }
}

fn changed(leaf: &Value) -> Value {
    match leaf {
        Value::String(s) => Value::String(format!("{s}x")),
        Value::Number(n) => Value::from(n.as_i64().map_or(1, |i| i.wrapping_add(1))),
        Value::Bool(b) => Value::Bool(!b),
        _ => Value::String("x".into()),
    }
}

proptest! {
    #[test]
    fn what_is_signed_verifies(mut value in object()) {
        attach_signature(&mut value, SECRET);
        prop_assert_eq!(verify(&value, SECRET), Ok(()));
    }

    #[test]
    fn changing_any_leaf_breaks_the_signature(mut value in object(), pick in any::<prop::sample::Index>()) {
        let mut paths = Vec::new();
        leaf_paths(&value, &mut Vec::new(), &mut paths);
        attach_signature(&mut value, SECRET);
        let path = pick.get(&paths);
        let leaf = at_mut(&mut value, path);
        let altered = changed(leaf);
        *leaf = altered;
        prop_assert_eq!(verify(&value, SECRET), Err(SignatureError::Mismatch));
    }

    #[test]
    fn adding_a_key_breaks_the_signature(mut value in object(), extra in key(), leaf in leaf()) {
        prop_assume!(value.get(&extra).is_none());
        attach_signature(&mut value, SECRET);
        value.as_object_mut().unwrap().insert(extra, leaf);
        prop_assert_eq!(verify(&value, SECRET), Err(SignatureError::Mismatch));
    }

    #[test]
    fn removing_a_key_breaks_the_signature(mut value in object(), pick in any::<prop::sample::Index>()) {
        let keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        let victim = pick.get(&keys).clone();
        // A key whose value signs to nothing (empty containers) can go unnoticed, by design.
        prop_assume!(!canonical_string(&serde_json::json!({ victim.clone(): value[&victim].clone() })).is_empty());
        attach_signature(&mut value, SECRET);
        value.as_object_mut().unwrap().remove(&victim);
        prop_assert_eq!(verify(&value, SECRET), Err(SignatureError::Mismatch));
    }

    #[test]
    fn key_order_of_the_input_never_matters(value in object()) {
        let reversed = reversed_keys(&value);
        prop_assert_eq!(canonical_string(&value), canonical_string(&reversed));
        prop_assert_eq!(sign(&value, SECRET), sign(&reversed, SECRET));
    }

    #[test]
    fn arbitrary_json_never_panics(value in json(), text in "\\PC{0,40}") {
        let _ = canonical_string(&value);
        let _ = verify(&value, SECRET);
        let _ = verify(&serde_json::json!({ "signature": text, "a": value }), SECRET);
    }
}
