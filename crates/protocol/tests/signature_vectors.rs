//! Known-answer vectors from the platform's official SDK test suites and documentation
//! (`fixtures/signature-vectors.json`, copied from the project's shared spec). Round trips cannot
//! catch a bug that signer and verifier share; these can.
#![cfg(feature = "signing")]

use checkout_protocol::signature::{canonical_string, sign, verify};
use serde_json::Value;

struct Vector {
    id: String,
    secret: String,
    input: Value,
    canonical: String,
    signature: String,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("fixtures/signature-vectors.json");
    let file: Value = serde_json::from_str(text).expect("fixture is JSON");
    file["vectors"]
        .as_array()
        .expect("vectors array")
        .iter()
        .map(|v| Vector {
            id: v["id"].as_str().unwrap().to_owned(),
            secret: v["secret"].as_str().unwrap().to_owned(),
            input: v["input"].clone(),
            canonical: v["canonical"].as_str().unwrap().to_owned(),
            signature: v["signature"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// One vector: the canonical string and the signature byte for byte, and verification of the
/// input with the expected signature placed where the platform puts it.
fn check(v: &Vector) {
    assert_eq!(canonical_string(&v.input), v.canonical, "{}: canonical string", v.id);
    assert_eq!(sign(&v.input, &v.secret), v.signature, "{}: signature", v.id);

    let mut signed = v.input.clone();
    let in_general = signed.get("general").and_then(|g| g.get("signature")).is_some();
    if in_general {
        signed["general"]["signature"] = Value::String(v.signature.clone());
    } else {
        signed["signature"] = Value::String(v.signature.clone());
    }
    assert_eq!(verify(&signed, &v.secret), Ok(()), "{}: verify", v.id);
    assert!(verify(&signed, &format!("{}x", v.secret)).is_err(), "{}: verify with another secret", v.id);
}

#[test]
fn all_twenty_three_vectors_reproduce() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 23, "the fixture holds the 23 shared vectors");
    for v in &vectors {
        check(v);
    }
}

#[test]
fn a_received_signature_in_the_input_is_ignored_when_signing() {
    for v in vectors().iter().filter(|v| v.input.get("signature").is_some()) {
        assert_eq!(v.input["signature"].as_str(), Some(v.signature.as_str()), "{}", v.id);
        assert_eq!(verify(&v.input, &v.secret), Ok(()), "{}: verifies as received", v.id);
    }
}

#[test]
fn the_js_variant_with_the_signature_moved_to_general_verifies() {
    // V02's note: the JS SDK test moves the signature into `general`, leaving `general: {}`.
    let v = vectors().into_iter().find(|v| v.id == "V02").unwrap();
    let mut moved = v.input.clone();
    moved.as_object_mut().unwrap().remove("signature");
    moved["general"] = serde_json::json!({ "signature": v.signature });
    assert_eq!(canonical_string(&moved), v.canonical);
    assert_eq!(verify(&moved, &v.secret), Ok(()));
}

#[test]
fn the_go_variant_with_an_empty_nested_object_verifies() {
    // V16's note: an empty `provider_extra_fields.extended` contributes nothing.
    let v = vectors().into_iter().find(|v| v.id == "V16").unwrap();
    let variant = serde_json::json!({
        "general": { "signature": v.signature },
        "payment": { "id": "11", "status": "success" },
        "provider_extra_fields": { "extended": {} }
    });
    assert_eq!(verify(&variant, &v.secret), Ok(()));
}
