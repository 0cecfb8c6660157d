//! The `checkout-sandbox` binary as a harness starts it: port 0, the address on the first line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn starts_on_port_zero_and_prints_its_address_first() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_checkout-sandbox"))
        .args(["--listen", "127.0.0.1:0"])
        .env("SANDBOX_SECRET_KEY", "binary-test-secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let address = first.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {first:?}")).to_owned();
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    let body = std::net::TcpStream::connect(("127.0.0.1", port));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(body.is_ok(), "the printed address accepts connections");
}

#[test]
fn refuses_a_secret_that_looks_live() {
    let output = Command::new(env!("CARGO_BIN_EXE_checkout-sandbox"))
        .args(["--listen", "127.0.0.1:0"])
        .env("SANDBOX_SECRET_KEY", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("looks like a live one"));
    assert!(output.stdout.is_empty());
}

#[test]
fn refuses_an_empty_secret() {
    let output = Command::new(env!("CARGO_BIN_EXE_checkout-sandbox")).env("SANDBOX_SECRET_KEY", "").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("empty"));
}
