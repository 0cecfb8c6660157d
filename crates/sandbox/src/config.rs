//! Configuration by flags and environment variables, validated before the sandbox starts.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

/// Command line of `checkout-sandbox`; every flag has an environment variable.
#[derive(Debug, Parser)]
#[command(name = "checkout-sandbox", version, about = "A local, stateful emulator of the ECommPay platform's Mobile Commerce in Kazakhstan")]
pub struct Args {
    /// Address to listen on; port 0 picks a free port (the first line of output names it).
    #[arg(long, env = "SANDBOX_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// The project the merchant backend signs for.
    #[arg(long, env = "SANDBOX_PROJECT_ID", default_value_t = 1234)]
    pub project_id: u64,
    /// That project's secret key. Test secrets only: the sandbox refuses one that looks live.
    #[arg(long, env = "SANDBOX_SECRET_KEY", hide_env_values = true)]
    pub secret_key: String,
    /// More projects, as `ID=SECRET`; repeatable.
    #[arg(long = "project", value_name = "ID=SECRET")]
    pub extra_projects: Vec<String>,
    /// Where callbacks go when a request names no `general.merchant_callback_url`.
    #[arg(long, env = "SANDBOX_CALLBACK_URL")]
    pub callback_url: Option<String>,
    /// The merchant's cash-in web service (`verify` and `check_deposit` requests).
    #[arg(long, env = "SANDBOX_CASHIN_URL")]
    pub cashin_url: Option<String>,
    /// How long an OTP is valid: 80 or 90 on the platform, anything for tests.
    #[arg(long, env = "SANDBOX_OTP_TTL_SECS", default_value_t = 80)]
    pub otp_ttl_secs: u64,
    /// A factor on the platform's callback retry pauses (10 s, then growing to 4 h); 0.01 in tests.
    #[arg(long, env = "SANDBOX_CALLBACK_RETRY_SCALE", default_value_t = 1.0)]
    pub callback_retry_scale: f64,
    /// How long the "operator" takes before each callback, in milliseconds.
    #[arg(long, env = "SANDBOX_PROCESSING_DELAY_MS", default_value_t = 500)]
    pub processing_delay_ms: u64,
    /// How long after a request the status request may ask about it (the platform says 10 s).
    #[arg(long, env = "SANDBOX_STATUS_MIN_AGE_MS", default_value_t = 10_000)]
    pub status_min_age_ms: u64,
    /// How long the "final callback delayed" scenario holds its callback back, in milliseconds.
    #[arg(long, env = "SANDBOX_DELAYED_CALLBACK_MS", default_value_t = 30_000)]
    pub delayed_callback_ms: u64,
    /// End every code SMS with WebOTP's origin-bound line `@HOST #CODE`, so a browser that offers
    /// WebOTP on HOST (the shop's host, `127.0.0.1` for the demo) can fill the code in itself.
    #[arg(long, env = "SANDBOX_WEB_OTP_HOST")]
    pub web_otp_host: Option<String>,
}

/// The validated configuration.
#[derive(Clone)]
pub struct Config {
    /// Project id → secret key.
    pub projects: BTreeMap<u64, String>,
    /// Default callback URL.
    pub callback_url: Option<String>,
    /// The merchant's cash-in web service.
    pub cashin_url: Option<String>,
    /// OTP validity.
    pub otp_ttl: Duration,
    /// Factor on callback retry pauses.
    pub callback_retry_scale: f64,
    /// Simulated processing time before callbacks.
    pub processing_delay: Duration,
    /// Minimum age of a request before the status request may ask about it.
    pub status_min_age: Duration,
    /// Hold-back of the delayed-callback scenario.
    pub delayed_callback: Duration,
    /// WebOTP's host for the last line of code texts, if any.
    pub web_otp_host: Option<String>,
    /// What "now" is: the system's time; tests share one with the backend and skip ahead.
    pub clock: checkout_protocol::time::Clock,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets stay out of logs and panics.
        f.debug_struct("Config")
            .field("projects", &self.projects.keys().collect::<Vec<_>>())
            .field("callback_url", &self.callback_url)
            .field("cashin_url", &self.cashin_url)
            .field("otp_ttl", &self.otp_ttl)
            .field("callback_retry_scale", &self.callback_retry_scale)
            .finish_non_exhaustive()
    }
}

/// Why the sandbox refuses to start.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A secret key is empty.
    EmptySecret(u64),
    /// A secret key looks like a live one.
    LiveLookingSecret(u64),
    /// `--project` is not `ID=SECRET`.
    BadProject(String),
    /// A URL is not `http://` or `https://`.
    BadUrl(String),
    /// A number is out of range.
    BadNumber(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::EmptySecret(id) => write!(f, "project {id}: the secret key is empty (set SANDBOX_SECRET_KEY)"),
            ConfigError::LiveLookingSecret(id) => write!(
                f,
                "project {id}: the secret key looks like a live one; the sandbox takes test secrets only \
                 (shorter than 32 characters, or containing 'test', 'sandbox', 'demo', 'dev' or 'local')"
            ),
            ConfigError::BadProject(text) => write!(f, "--project {text:?}: expected ID=SECRET"),
            ConfigError::BadUrl(url) => write!(f, "{url:?} is not an http:// or https:// URL"),
            ConfigError::BadNumber(what) => write!(f, "{what} is out of range"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Live secrets are long random strings; test secrets are short or say what they are.
/// **Decision:** the platform publishes no format for secret keys, so this is a heuristic in the
/// spirit of stripe-mock refusing `sk_live_` keys.
fn looks_live(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    secret.chars().count() >= 32 && !["test", "sandbox", "demo", "dev", "local"].iter().any(|m| lower.contains(m))
}

fn check_url(url: Option<String>) -> Result<Option<String>, ConfigError> {
    match url {
        Some(u) if u.trim().is_empty() => Ok(None),
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => Ok(Some(u)),
        Some(u) => Err(ConfigError::BadUrl(u)),
        None => Ok(None),
    }
}

impl Config {
    /// Validates the command line.
    pub fn from_args(args: Args) -> Result<Config, ConfigError> {
        let mut projects = BTreeMap::new();
        projects.insert(args.project_id, args.secret_key);
        for entry in args.extra_projects {
            let (id, secret) = entry.split_once('=').ok_or_else(|| ConfigError::BadProject(entry.clone()))?;
            let id: u64 = id.trim().parse().map_err(|_| ConfigError::BadProject(entry.clone()))?;
            projects.insert(id, secret.to_owned());
        }
        for (id, secret) in &projects {
            if secret.is_empty() {
                return Err(ConfigError::EmptySecret(*id));
            }
            if looks_live(secret) {
                return Err(ConfigError::LiveLookingSecret(*id));
            }
        }
        if !(args.callback_retry_scale.is_finite() && args.callback_retry_scale >= 0.0) {
            return Err(ConfigError::BadNumber("SANDBOX_CALLBACK_RETRY_SCALE"));
        }
        if args.otp_ttl_secs == 0 {
            return Err(ConfigError::BadNumber("SANDBOX_OTP_TTL_SECS"));
        }
        Ok(Config {
            projects,
            callback_url: check_url(args.callback_url)?,
            cashin_url: check_url(args.cashin_url)?,
            otp_ttl: Duration::from_secs(args.otp_ttl_secs),
            callback_retry_scale: args.callback_retry_scale,
            processing_delay: Duration::from_millis(args.processing_delay_ms),
            status_min_age: Duration::from_millis(args.status_min_age_ms),
            delayed_callback: Duration::from_millis(args.delayed_callback_ms),
            web_otp_host: args.web_otp_host.filter(|h| !h.trim().is_empty()),
            clock: checkout_protocol::time::Clock::system(),
        })
    }

    /// A configuration for tests: one project, fast timings, no callback URL.
    pub fn for_tests(project_id: u64, secret: &str) -> Config {
        Config {
            projects: BTreeMap::from([(project_id, secret.to_owned())]),
            callback_url: None,
            cashin_url: None,
            otp_ttl: Duration::from_secs(80),
            callback_retry_scale: 0.01,
            processing_delay: Duration::from_millis(20),
            status_min_age: Duration::ZERO,
            delayed_callback: Duration::from_millis(500),
            web_otp_host: None,
            clock: checkout_protocol::time::Clock::system(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(secret: &str) -> Args {
        Args::parse_from(["checkout-sandbox", "--secret-key", secret])
    }

    #[test]
    fn refuses_empty_and_live_looking_secrets() {
        assert_eq!(Config::from_args(args("")).err(), Some(ConfigError::EmptySecret(1234)));
        let live = "f3a9c1e07b5d42e8a6c0d9b7e1f2a3c4d5e6f708";
        assert_eq!(Config::from_args(args(live)).err(), Some(ConfigError::LiveLookingSecret(1234)));
        assert!(Config::from_args(args("my-sandbox-secret-that-is-quite-long-indeed")).is_ok());
        assert!(Config::from_args(args("secret")).is_ok());
    }

    #[test]
    fn extra_projects_and_urls_are_checked() {
        let ok = Args::parse_from(["checkout-sandbox", "--secret-key", "s1", "--project", "77=s2", "--callback-url", "http://127.0.0.1:9/cb"]);
        let config = Config::from_args(ok).unwrap();
        assert_eq!(config.projects.get(&77).map(String::as_str), Some("s2"));
        let bad = Args::parse_from(["checkout-sandbox", "--secret-key", "s1", "--project", "77"]);
        assert_eq!(Config::from_args(bad).err(), Some(ConfigError::BadProject("77".into())));
        let bad_url = Args::parse_from(["checkout-sandbox", "--secret-key", "s1", "--cashin-url", "ftp://x"]);
        assert_eq!(Config::from_args(bad_url).err(), Some(ConfigError::BadUrl("ftp://x".into())));
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let config = Config::from_args(args("super-test-secret")).unwrap();
        assert!(!format!("{config:?}").contains("super-test-secret"));
    }
}
