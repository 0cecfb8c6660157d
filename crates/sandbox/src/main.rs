//! `checkout-sandbox`: parses the command line, binds, prints the address, serves.
#![allow(clippy::print_stderr)] // The binary reports start-up errors on stderr.

use std::process::ExitCode;

use checkout_sandbox::{run, Args, Config};
use clap::Parser;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "checkout_sandbox=info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let listen = args.listen;
    let config = match Config::from_args(args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("checkout-sandbox: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("checkout-sandbox: cannot listen on {listen}: {e}");
            return ExitCode::from(1);
        }
    };
    match listener.local_addr() {
        // The first line on stdout, so harnesses can read the port.
        Ok(addr) => println!("listening on http://{addr}"),
        Err(e) => {
            eprintln!("checkout-sandbox: {e}");
            return ExitCode::from(1);
        }
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match run(listener, config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("checkout-sandbox: {e}");
            ExitCode::from(1)
        }
    }
}
