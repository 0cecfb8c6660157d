//! `checkout-server`: `serve` (the default) runs the backend; `sign` and `verify` help merchants
//! debug signatures; `sessions create`, `refund` and `payout` call a running server's admin API.
#![allow(clippy::print_stderr, clippy::print_stdout)] // A command-line tool reports on its streams.

use std::io::Read;
use std::process::ExitCode;

use checkout_protocol::signature::{canonical_string, canonical_string_ordered, sign, verify, KeyOrder};
use checkout_server::config::{Config, ServeArgs};
use checkout_server::views::{CreateSession, CustomerInput, Method, PayoutRequest, RefundRequest};
use checkout_server::{run, App};
use clap::{Parser, Subcommand};
use serde_json::Value;
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
#[command(name = "checkout-server", version, about = "Reference merchant backend for Mobile Commerce in Kazakhstan")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the backend (the default).
    Serve(ServeArgs),
    /// Read a JSON object on stdin and print its signature (or, with --canonical, the string signed).
    Sign {
        /// Print the canonical string instead of the signature.
        #[arg(long)]
        canonical: bool,
        /// The environment variable holding the secret.
        #[arg(long, default_value = "CHECKOUT_SECRET_KEY")]
        secret_env: String,
    },
    /// Read a callback body on stdin and say whether its signature verifies, and if not, why.
    Verify {
        /// The environment variable holding the secret.
        #[arg(long, default_value = "CHECKOUT_SECRET_KEY")]
        secret_env: String,
    },
    /// Checkout sessions on a running server.
    Sessions {
        #[command(subcommand)]
        action: SessionsCommand,
    },
    /// Refund a paid purchase on a running server (full without --amount).
    Refund {
        /// The payment.
        payment_id: String,
        /// Minor units, for a partial refund.
        #[arg(long)]
        amount: Option<u64>,
        /// Why.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        remote: Remote,
    },
    /// Pay money out to a phone through a running server.
    Payout {
        /// Minor units.
        #[arg(long)]
        amount: u64,
        /// The phone, any usual form.
        #[arg(long)]
        phone: String,
        /// The operator's id (TELE2, KCELL, …).
        #[arg(long)]
        operator: String,
        #[command(flatten)]
        customer: CustomerArgs,
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        remote: Remote,
    },
}

#[derive(Debug, Subcommand)]
enum SessionsCommand {
    /// Create a session and print its token.
    Create {
        /// Minor units.
        #[arg(long)]
        amount: u64,
        /// Currency.
        #[arg(long, default_value = "KZT")]
        currency: String,
        /// Allowed methods: mobile, payment_page, cash_in, payout (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "mobile")]
        methods: Vec<String>,
        /// Locale hint (kk, ru, en).
        #[arg(long)]
        locale: Option<String>,
        /// Your order id (at most 64 characters); `GET /admin/sessions?reference=` finds it.
        #[arg(long)]
        reference: Option<String>,
        /// A note on the session, `key=value`; repeat for more (at most 20).
        #[arg(long = "metadata", value_parser = key_value)]
        metadata: Vec<(String, String)>,
        #[command(flatten)]
        customer: CustomerArgs,
        #[command(flatten)]
        remote: Remote,
    },
}

/// `key=value`, for `--metadata`.
fn key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=').map(|(key, value)| (key.to_owned(), value.to_owned())).ok_or_else(|| format!("{text:?} is not key=value"))
}

#[derive(Debug, clap::Args)]
struct CustomerArgs {
    /// The customer's id in your system.
    #[arg(long)]
    customer_id: String,
    /// First name.
    #[arg(long, default_value = "Customer")]
    first_name: String,
    /// Last name.
    #[arg(long, default_value = "Customer")]
    last_name: String,
    /// Email.
    #[arg(long, default_value = "customer@example.kz")]
    email: String,
}

impl CustomerArgs {
    fn input(&self) -> CustomerInput {
        CustomerInput {
            id: self.customer_id.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
        }
    }
}

#[derive(Debug, clap::Args)]
struct Remote {
    /// The running server.
    #[arg(long, env = "CHECKOUT_SERVER_URL", default_value = "http://127.0.0.1:8080")]
    server: String,
}

fn read_stdin_json() -> Result<Value, String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read stdin: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("stdin is not JSON: {e}"))
}

/// `--idempotency-key`: what makes a retried refund or payout safe.
#[derive(Debug, clap::Args)]
struct KeyArg {
    /// The request's Idempotency-Key; a fresh one by default, printed on stderr. Run the command
    /// again with the printed key when its answer was lost: the first answer comes back, and no
    /// money moves twice.
    #[arg(long = "idempotency-key")]
    idempotency_key: Option<String>,
}

impl KeyArg {
    fn key(self) -> String {
        let key = self.idempotency_key.unwrap_or_else(|| format!("cli-{}", checkout_server::random::random_hex(16)));
        eprintln!("Idempotency-Key: {key}");
        key
    }
}

fn secret_from(name: &str) -> Result<String, String> {
    std::env::var(name).ok().filter(|s| !s.is_empty()).ok_or_else(|| format!("set the secret in the environment variable {name}"))
}

async fn admin_call(remote: &Remote, path: &str, body: &impl serde::Serialize, key: Option<&str>) -> Result<Value, String> {
    let token = std::env::var("CHECKOUT_ADMIN_TOKEN").map_err(|_| "set CHECKOUT_ADMIN_TOKEN to the server's admin token".to_owned())?;
    let url = format!("{}{path}", remote.server.trim_end_matches('/'));
    let mut request = reqwest::Client::new().post(&url).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let answer: Value = response.json().await.map_err(|e| format!("{url}: HTTP {status}, not JSON: {e}"))?;
    if status.is_success() {
        Ok(answer)
    } else {
        Err(format!("HTTP {status}: {}", answer["error"]["message"].as_str().unwrap_or("error")))
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let config = Config::from_args(args, |name| std::env::var(name).ok()).map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(config.listen).await.map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let app = App::new(config).await.map_err(|e| e.to_string())?;
    // The first line on stdout, so harnesses can read the port.
    println!("listening on http://{address}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    run(listener, app, shutdown).await.map_err(|e| e.to_string())
}

async fn execute(cli: Cli) -> Result<(), String> {
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(args).await,
        Command::Sign { canonical, secret_env } => {
            let value = read_stdin_json()?;
            if canonical {
                println!("{}", canonical_string(&value));
            } else {
                println!("{}", sign(&value, &secret_from(&secret_env)?));
            }
            Ok(())
        }
        Command::Verify { secret_env } => {
            let value = read_stdin_json()?;
            match verify(&value, &secret_from(&secret_env)?) {
                Ok(()) => {
                    println!("ok: the signature verifies");
                    Ok(())
                }
                Err(e) => Err(format!(
                    "the signature does not verify: {e}\nsigned string (natural order):    {}\nsigned string (code-point order): {}",
                    canonical_string(&value),
                    canonical_string_ordered(&value, KeyOrder::CodePoint)
                )),
            }
        }
        Command::Sessions { action: SessionsCommand::Create { amount, currency, methods, locale, reference, metadata, customer, remote } } => {
            let methods = methods
                .iter()
                .map(|m| serde_json::from_value::<Method>(Value::String(m.clone())).map_err(|_| format!("--methods: unknown method {m:?}")))
                .collect::<Result<Vec<_>, _>>()?;
            let metadata = metadata.into_iter().map(|(key, value)| (key, Value::String(value))).collect();
            let body = CreateSession {
                amount,
                currency,
                customer: customer.input(),
                methods,
                locale,
                description: None,
                reference,
                first_screen: false,
                metadata,
            };
            let answer = admin_call(&remote, "/admin/sessions", &body, None).await?;
            println!("{}", answer["session"].as_str().unwrap_or_default());
            Ok(())
        }
        Command::Refund { payment_id, amount, description, key, remote } => {
            let key = key.key();
            let path = format!("/admin/payments/{payment_id}/refunds");
            let answer = admin_call(&remote, &path, &RefundRequest { amount, description }, Some(&key)).await?;
            println!("{answer}");
            Ok(())
        }
        Command::Payout { amount, phone, operator, customer, key, remote } => {
            let key = key.key();
            let body = PayoutRequest { amount, currency: "KZT".into(), customer: customer.input(), phone, operator };
            let answer = admin_call(&remote, "/admin/payouts", &body, Some(&key)).await?;
            println!("{answer}");
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "checkout_server=info,tower_http=info".into()))
        .with_writer(std::io::stderr)
        .init();
    match execute(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("checkout-server: {message}");
            ExitCode::FAILURE
        }
    }
}
