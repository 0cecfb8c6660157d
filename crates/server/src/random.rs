//! Random tokens: session tokens, payment and request ids, instance names. A leaf module, so the
//! storage and HTTP layers can name things without reaching up into the service.

use rand::Rng;

/// A random token of `bytes` bytes from the operating system's generator, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..bytes).map(|_| format!("{:02x}", rng.gen::<u8>())).collect()
}

/// A random number of `digits` decimal digits (leading zeros kept), from the operating system's
/// generator: an account number a customer can type on a terminal's keypad.
pub fn random_digits(digits: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..digits).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}
