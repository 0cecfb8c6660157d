//! The platform's signature: `Base64(HMAC-SHA512(secret, canonical string))` (`platform.md` §1).
//!
//! Every Gate request, callback, Payment Page parameter set and signed response carries one. The
//! canonical string flattens a JSON object into `path:value` lines, sorts them by path and joins
//! them with `;`. Signer and verifier live side by side here so the merchant backend and the
//! sandbox share one implementation; the known-answer vectors in `tests/fixtures` guard against a
//! bug that both sides would otherwise share.

use std::cmp::Ordering;
use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha512;

type HmacSha512 = Hmac<Sha512>;

/// Length in bytes of a decoded HMAC-SHA512 signature.
const SIGNATURE_BYTES: usize = 64;

/// How the lines of the canonical string are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// Runs of digits compare as numbers (`a:2` < `a:10`), as the PHP SDK's
    /// `ksort(SORT_NATURAL)`. **Decision** (`platform.md` §1): we sign with this order.
    Natural,
    /// Plain code-point order, as the Python, Java, Go and JS SDKs sort. Verification accepts it
    /// too, because a platform component built on those SDKs may have signed with it.
    CodePoint,
}

/// Why a received object failed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// Neither a top-level `signature` nor `general.signature` is present.
    Missing,
    /// A signature is present but cannot be an HMAC-SHA512 in Base64.
    Malformed(MalformedSignature),
    /// The signature is well formed but does not match the object and secret.
    Mismatch,
}

/// The ways a present signature can be malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MalformedSignature {
    /// The signature field holds a number, object, array, boolean or null.
    NotAString,
    /// The text is not standard Base64 with padding.
    NotBase64,
    /// It decodes, but not to the 64 bytes of an HMAC-SHA512.
    WrongLength(usize),
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("no signature: expected a top-level `signature` or `general.signature`"),
            Self::Malformed(MalformedSignature::NotAString) => f.write_str("malformed signature: not a string"),
            Self::Malformed(MalformedSignature::NotBase64) => f.write_str("malformed signature: not standard Base64"),
            Self::Malformed(MalformedSignature::WrongLength(n)) => {
                write!(f, "malformed signature: decodes to {n} bytes, an HMAC-SHA512 has {SIGNATURE_BYTES}")
            }
            Self::Mismatch => f.write_str("signature mismatch: the body was signed with another secret or altered"),
        }
    }
}

impl std::error::Error for SignatureError {}

/// The canonical string of `value` in natural key order: what [`sign`] signs.
pub fn canonical_string(value: &Value) -> String {
    canonical_string_ordered(value, KeyOrder::Natural)
}

/// The canonical string of `value` with its lines in the given order.
pub fn canonical_string_ordered(value: &Value, order: KeyOrder) -> String {
    let lines = canonical_lines(value, order);
    let mut out = String::with_capacity(lines.text.len() + lines.spans.len());
    for (i, span) in lines.spans.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(lines.line(span));
    }
    out
}

/// Signs `value` with `secret`, ignoring any signature already in it.
pub fn sign(value: &Value, secret: &str) -> String {
    let lines = canonical_lines(value, KeyOrder::Natural);
    BASE64.encode(mac_of(&lines, secret).finalize().into_bytes())
}

/// Signs `value` and stores the signature where the platform expects it: in `general.signature`
/// when the object has a `general` object (Gate requests), otherwise at the top level (callbacks,
/// Payment Page parameters, cash-in requests). A value that is not an object is left unchanged.
pub fn attach_signature(value: &mut Value, secret: &str) {
    let signature = Value::String(sign(value, secret));
    let Value::Object(map) = value else { return };
    match map.get_mut("general") {
        Some(Value::Object(general)) => {
            general.insert("signature".to_owned(), signature);
        }
        _ => {
            map.insert("signature".to_owned(), signature);
        }
    }
}

/// Verifies the signature carried by `value` (top-level `signature`, else `general.signature`).
///
/// Accepts a signature over the natural-order canonical string or over the code-point-order one
/// (`platform.md` §1), nothing else. The comparison is constant-time.
pub fn verify(value: &Value, secret: &str) -> Result<(), SignatureError> {
    let expected = decode_signature(find_signature(value).ok_or(SignatureError::Missing)?)?;
    let mut lines = canonical_lines(value, KeyOrder::Natural);
    if mac_of(&lines, secret).verify_slice(&expected).is_ok() {
        return Ok(());
    }
    // Only when the two orders actually differ is the second MAC worth computing.
    if lines.spans.windows(2).all(|pair| lines.path(&pair[0]) <= lines.path(&pair[1])) {
        return Err(SignatureError::Mismatch);
    }
    lines.sort(KeyOrder::CodePoint);
    match mac_of(&lines, secret).verify_slice(&expected) {
        Ok(()) => Ok(()),
        Err(_) => Err(SignatureError::Mismatch),
    }
}

/// The lines of a canonical string, written one after another into a single buffer (no
/// allocation per line: signing is on the callback hot path) and ordered through their spans.
#[derive(Debug, Default)]
struct Lines {
    text: String,
    spans: Vec<Span>,
}

/// Where one `path:value` line sits in [`Lines::text`], and where its path ends.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    path_end: usize,
    end: usize,
}

impl Lines {
    fn path(&self, span: &Span) -> &str {
        &self.text[span.start..span.path_end]
    }

    fn line(&self, span: &Span) -> &str {
        &self.text[span.start..span.end]
    }

    fn sort(&mut self, order: KeyOrder) {
        let Lines { text, spans } = self;
        let path = |s: &Span| &text[s.start..s.path_end];
        match order {
            KeyOrder::Natural => spans.sort_by(|a, b| natural_cmp(path(a).as_bytes(), path(b).as_bytes())),
            KeyOrder::CodePoint => spans.sort_by(|a, b| path(a).cmp(path(b))),
        }
    }
}

fn find_signature(value: &Value) -> Option<&Value> {
    value.get("signature").or_else(|| value.get("general").and_then(|g| g.get("signature")))
}

fn decode_signature(signature: &Value) -> Result<Vec<u8>, SignatureError> {
    let text = signature.as_str().ok_or(SignatureError::Malformed(MalformedSignature::NotAString))?;
    let bytes = BASE64.decode(text).map_err(|_| SignatureError::Malformed(MalformedSignature::NotBase64))?;
    if bytes.len() != SIGNATURE_BYTES {
        return Err(SignatureError::Malformed(MalformedSignature::WrongLength(bytes.len())));
    }
    Ok(bytes)
}

fn mac_of(lines: &Lines, secret: &str) -> HmacSha512 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha512 as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    for (i, span) in lines.spans.iter().enumerate() {
        if i > 0 {
            mac.update(b";");
        }
        mac.update(lines.line(span).as_bytes());
    }
    mac
}

fn canonical_lines(value: &Value, order: KeyOrder) -> Lines {
    let mut lines = Lines { text: String::with_capacity(1024), spans: Vec::with_capacity(32) };
    let mut path = String::new();
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "signature" || key == "frame_mode" {
                    continue;
                }
                path.clear();
                if key == "general" {
                    if let Value::Object(general) = child {
                        // `general.signature` is the signature itself, not signed data.
                        push_key(&mut path, key);
                        let mark = path.len();
                        for (gkey, gchild) in general {
                            if gkey == "signature" || gkey == "frame_mode" {
                                continue;
                            }
                            path.truncate(mark);
                            push_key(&mut path, gkey);
                            flatten(gchild, &mut path, &mut lines);
                        }
                        continue;
                    }
                }
                push_key(&mut path, key);
                flatten(child, &mut path, &mut lines);
            }
        }
        // A bare array signs like an object keyed by index; a bare scalar has no key and so no line.
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.clear();
                push_index(&mut path, i);
                flatten(child, &mut path, &mut lines);
            }
        }
        _ => {}
    }
    lines.sort(order);
    lines
}

/// Appends one key to a path: `:` between levels, and a `:` inside the key written as `::`.
fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push(':');
    }
    if key.contains(':') {
        path.push_str(&key.replace(':', "::"));
    } else {
        path.push_str(key);
    }
}

fn push_index(path: &mut String, index: usize) {
    use std::fmt::Write as _;
    if !path.is_empty() {
        path.push(':');
    }
    // Writing to a String cannot fail.
    let _ = write!(path, "{index}");
}

fn flatten(value: &Value, path: &mut String, lines: &mut Lines) {
    let mark = path.len();
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "frame_mode" {
                    continue;
                }
                path.truncate(mark);
                push_key(path, key);
                flatten(child, path, lines);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.truncate(mark);
                push_index(path, i);
                flatten(child, path, lines);
            }
        }
        scalar => {
            let text = &mut lines.text;
            let start = text.len();
            text.push_str(path);
            let path_end = text.len();
            text.push(':');
            match scalar {
                Value::String(s) => text.push_str(s),
                // With serde_json's `arbitrary_precision`, a number is the lexeme received.
                Value::Number(n) => text.push_str(n.as_str()),
                Value::Bool(true) => text.push('1'),
                Value::Bool(false) => text.push('0'),
                _ => {} // null signs as an empty value
            }
            let end = text.len();
            lines.spans.push(Span { start, path_end, end });
        }
    }
    path.truncate(mark);
}

/// Natural order: runs of ASCII digits compare by numeric value, every other byte by its value.
///
/// Digits are contiguous in ASCII, so a non-digit byte sorts the same way against every digit run,
/// which keeps this a total order; paths equal under it fall back to plain byte order.
fn natural_cmp(a: &[u8], b: &[u8]) -> Ordering {
    // Fast path, taken by nearly every pair of paths: where the two first differ, if neither has a
    // digit (or one has ended), the tokens before are identical and natural order is byte order.
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match (a.get(common), b.get(common)) {
        (None, _) | (_, None) => return a.len().cmp(&b.len()),
        (Some(x), Some(y)) if !x.is_ascii_digit() && !y.is_ascii_digit() => return x.cmp(y),
        _ => {}
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let run_a = digit_run(a, &mut i);
            let run_b = digit_run(b, &mut j);
            let ord = run_a.len().cmp(&run_b.len()).then_with(|| run_a.cmp(run_b));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j)).then_with(|| a.cmp(b))
}

/// Consumes the digit run starting at `*pos` and returns it without leading zeros.
fn digit_run<'a>(bytes: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let start = *pos;
    while *pos < bytes.len() && bytes[*pos].is_ascii_digit() {
        *pos += 1;
    }
    let run = &bytes[start..*pos];
    let first_significant = run.iter().position(|&d| d != b'0').unwrap_or(run.len());
    &run[first_significant..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(input: Value, expected: &str) {
        assert_eq!(canonical_string(&input), expected);
    }

    #[test]
    fn natural_order_compares_digit_runs_as_numbers() {
        let items: Vec<Value> = (0..12).map(|i| json!(i)).collect();
        let canonical = canonical_string(&json!({ "a": items }));
        assert!(canonical.starts_with("a:0:0;a:1:1;a:2:2;"), "{canonical}");
        assert!(canonical.ends_with("a:9:9;a:10:10;a:11:11"), "{canonical}");
        let code_point = canonical_string_ordered(&json!({ "a": (0..12).collect::<Vec<_>>() }), KeyOrder::CodePoint);
        assert!(code_point.starts_with("a:0:0;a:1:1;a:10:10;a:11:11;a:2:2"), "{code_point}");
        check(json!({"x10": 1, "x9": 2}), "x9:2;x10:1");
    }

    #[test]
    fn natural_order_agrees_with_its_fast_path() {
        let cases: [(&str, &str, Ordering); 9] = [
            ("a:b", "a_b", Ordering::Less),
            ("a1", "a10", Ordering::Less),
            ("a2", "a10", Ordering::Less),
            ("a:2:x", "a:10:x", Ordering::Less),
            ("x9", "x:", Ordering::Less),
            ("a01", "a1", Ordering::Less),
            ("ab", "a", Ordering::Greater),
            ("a10b", "a10a", Ordering::Greater),
            ("same", "same", Ordering::Equal),
        ];
        for (a, b, expected) in cases {
            assert_eq!(natural_cmp(a.as_bytes(), b.as_bytes()), expected, "{a} vs {b}");
            assert_eq!(natural_cmp(b.as_bytes(), a.as_bytes()), expected.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn colon_in_key_is_doubled() {
        check(json!({"a:b": {"c": "d:e"}}), "a::b:c:d:e");
    }

    #[test]
    fn frame_mode_is_skipped_at_every_depth() {
        check(json!({"frame_mode": "popup", "a": {"frame_mode": "x", "b": [{"frame_mode": 1, "c": 2}]}}), "a:b:0:c:2");
    }

    #[test]
    fn null_and_empty_string_sign_as_empty_values() {
        check(json!({"a": null, "b": ""}), "a:;b:");
    }

    #[test]
    fn booleans_sign_as_one_and_zero() {
        check(json!({"t": true, "f": false}), "f:0;t:1");
    }

    #[test]
    fn empty_containers_emit_nothing() {
        check(json!({"a": {}, "b": [], "c": {"d": {}}, "e": 1}), "e:1");
        check(json!({"general": {"signature": "x"}, "p": 1}), "p:1");
    }

    #[test]
    fn numbers_keep_their_json_lexeme() {
        let value: Value = serde_json::from_str(r#"{"a": 1.0, "b": 1.50, "c": -0, "d": 12345678901234567890123, "e": 0.1}"#).unwrap();
        assert_eq!(canonical_string(&value), "a:1.0;b:1.50;c:-0;d:12345678901234567890123;e:0.1");
        // serde_json writes an exponent's sign out (`1e3` → `1e+3`); no platform message uses
        // exponents, and the project never sends non-integers (platform.md §1).
        let exponent: Value = serde_json::from_str(r#"{"x": 1e+3}"#).unwrap();
        assert_eq!(canonical_string(&exponent), "x:1e+3");
    }

    #[test]
    fn utf8_text_is_signed_as_is() {
        check(json!({"d": "Қазақстан ₸ 💳", "c": " spaced "}), "c: spaced ;d:Қазақстан ₸ 💳");
    }

    #[test]
    fn only_top_level_and_general_signatures_are_removed() {
        check(
            json!({"signature": "s", "general": {"signature": "g", "project_id": 1}, "x": {"signature": "kept"}}),
            "general:project_id:1;x:signature:kept",
        );
    }

    #[test]
    fn bare_scalars_and_arrays_do_not_panic() {
        check(json!("text"), "");
        check(json!([1, {"a": true}]), "0:1;1:a:1");
        assert_eq!(verify(&json!(42), "k"), Err(SignatureError::Missing));
    }

    #[test]
    fn verify_reports_each_failure_distinctly() {
        let mut body = json!({"payment": {"id": "p1"}});
        assert_eq!(verify(&body, "k"), Err(SignatureError::Missing));
        body["signature"] = json!(5);
        assert_eq!(verify(&body, "k"), Err(SignatureError::Malformed(MalformedSignature::NotAString)));
        body["signature"] = json!("not base64!");
        assert_eq!(verify(&body, "k"), Err(SignatureError::Malformed(MalformedSignature::NotBase64)));
        body["signature"] = json!("AAAA");
        assert_eq!(verify(&body, "k"), Err(SignatureError::Malformed(MalformedSignature::WrongLength(3))));
        body["signature"] = json!(sign(&body, "other"));
        assert_eq!(verify(&body, "k"), Err(SignatureError::Mismatch));
        body["signature"] = json!(sign(&body, "k"));
        assert_eq!(verify(&body, "k"), Ok(()));
    }

    #[test]
    fn verify_accepts_code_point_order_and_nothing_else() {
        let mut body = json!({"a": (0..12).collect::<Vec<_>>()});
        let code_point = canonical_string_ordered(&body, KeyOrder::CodePoint);
        let mut mac = <HmacSha512 as Mac>::new_from_slice(b"k").unwrap();
        mac.update(code_point.as_bytes());
        body["signature"] = json!(BASE64.encode(mac.finalize().into_bytes()));
        assert_eq!(verify(&body, "k"), Ok(()));

        // Reversed order is neither natural nor code-point order.
        let mut reversed: Vec<&str> = code_point.split(';').collect();
        reversed.reverse();
        let mut mac = <HmacSha512 as Mac>::new_from_slice(b"k").unwrap();
        mac.update(reversed.join(";").as_bytes());
        body["signature"] = json!(BASE64.encode(mac.finalize().into_bytes()));
        assert_eq!(verify(&body, "k"), Err(SignatureError::Mismatch));
    }

    #[test]
    fn attach_puts_the_signature_where_the_platform_looks() {
        let mut gate = json!({"general": {"project_id": 1, "payment_id": "p"}, "payment": {"amount": 100}});
        attach_signature(&mut gate, "k");
        assert!(gate["general"]["signature"].is_string());
        assert!(gate.get("signature").is_none());
        assert_eq!(verify(&gate, "k"), Ok(()));

        let mut callback = json!({"payment": {"id": "p"}});
        attach_signature(&mut callback, "k");
        assert!(callback["signature"].is_string());
        assert_eq!(verify(&callback, "k"), Ok(()));
    }
}
