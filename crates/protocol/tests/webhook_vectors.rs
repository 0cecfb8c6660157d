//! The webhook signature against known answers computed by another implementation (Python's
//! `hmac`): a round trip alone cannot catch a bug shared by the signer and the verifier.
#![cfg(feature = "webhook")]

use checkout_protocol::webhook::{header_value, sign, verify, WebhookError};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("fixtures/webhook-vectors.json")).unwrap()
}

#[test]
fn every_known_answer_is_signed_and_verified_alike() {
    let doc = vectors();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 5);
    for v in vectors {
        let (name, secret, t, body) =
            (v["name"].as_str().unwrap(), v["secret"].as_str().unwrap(), v["t"].as_i64().unwrap(), v["body"].as_str().unwrap());
        assert_eq!(sign(secret.as_bytes(), t, body.as_bytes()), v["v1"].as_str().unwrap(), "{name}");
        assert_eq!(header_value(&[secret.as_bytes()], t, body.as_bytes()), v["header"].as_str().unwrap(), "{name}");
        assert_eq!(verify(v["header"].as_str().unwrap(), body.as_bytes(), secret.as_bytes(), t + 60), Ok(()), "{name}");
        // One byte more and the known answer no longer verifies.
        assert_eq!(verify(v["header"].as_str().unwrap(), format!("{body} ").as_bytes(), secret.as_bytes(), t), Err(WebhookError::Mismatch), "{name}");
    }
}

#[test]
fn the_rotation_vector_carries_both_secrets_signatures() {
    let doc = vectors();
    let rotation = &doc["rotation"];
    let secrets: Vec<&[u8]> = rotation["secrets"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().as_bytes()).collect();
    let (t, body) = (rotation["t"].as_i64().unwrap(), rotation["body"].as_str().unwrap());
    assert_eq!(header_value(&secrets, t, body.as_bytes()), rotation["header"].as_str().unwrap());
    for secret in secrets {
        assert_eq!(verify(rotation["header"].as_str().unwrap(), body.as_bytes(), secret, t), Ok(()));
    }
}
