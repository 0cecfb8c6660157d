//! Configuration, validated at start-up with messages a merchant can act on. The secret key comes
//! from an environment variable or a file, never from a flag value, and never appears in `Debug`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// The platform's brands (`platform.md` §2). `sandbox` points at a local `checkout-sandbox`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Brand {
    /// ECommPay.
    Ecommpay,
    /// Monetix.
    Monetix,
    /// Rocketpay.
    Rocketpay,
    /// The local sandbox on its default address.
    Sandbox,
}

impl Brand {
    /// The Gate and Payment Page hosts of the brand.
    pub const fn hosts(self) -> (&'static str, &'static str) {
        match self {
            Brand::Ecommpay => ("https://api.ecommpay.com", "https://paymentpage.ecommpay.com"),
            Brand::Monetix => ("https://api.trxhost.com", "https://paymentpage.trxhost.com"),
            Brand::Rocketpay => ("https://api.rocketpay.kz", "https://paymentpage.rocketpay.kz"),
            Brand::Sandbox => ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        }
    }
}

/// The `serve` command's options; every one has an environment variable.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the first line of output names it).
    #[arg(long, env = "CHECKOUT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Which platform to talk to; sets the Gate and Payment Page hosts.
    #[arg(long, env = "CHECKOUT_BRAND", value_enum, default_value = "sandbox")]
    pub brand: Brand,
    /// Gate host, overriding the brand's.
    #[arg(long, env = "CHECKOUT_GATE_URL")]
    pub gate_url: Option<String>,
    /// Payment Page host (serves `/shared/merchant.js`), overriding the brand's.
    #[arg(long, env = "CHECKOUT_PAYMENT_PAGE_URL")]
    pub payment_page_url: Option<String>,
    /// The project id the platform gave you.
    #[arg(long, env = "CHECKOUT_PROJECT_ID")]
    pub project_id: Option<u64>,
    /// A file holding the project's secret key (else the CHECKOUT_SECRET_KEY variable is read).
    #[arg(long, env = "CHECKOUT_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// The public base URL of this server; the callback URL is derived from it.
    #[arg(long, env = "CHECKOUT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// How long an OTP is valid on the project: 80 or 90 seconds (other values for tests only).
    #[arg(long, env = "CHECKOUT_OTP_TTL_SECS", default_value_t = 80)]
    pub otp_ttl_secs: u64,
    /// Where payments are kept.
    #[arg(long, env = "CHECKOUT_DATABASE_URL", default_value = "sqlite://checkout.db?mode=rwc")]
    pub database_url: String,
    /// Origins allowed to call the widget API from another origin (comma-separated).
    #[arg(long, env = "CHECKOUT_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// A directory of static files to serve at `/` (the built widget and the demo shop).
    #[arg(long, env = "CHECKOUT_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,
    /// The shop's name, shown at the top of the widget.
    #[arg(long, env = "CHECKOUT_MERCHANT_NAME", default_value = "Demo shop")]
    pub merchant_name: String,
    /// Ask the platform for a payment's status when nothing was heard of it for this long.
    #[arg(long, env = "CHECKOUT_RECONCILE_AFTER_SECS", default_value_t = 60)]
    pub reconcile_after_secs: u64,
    /// How long a request to the platform may take before its answer counts as lost.
    #[arg(long, env = "CHECKOUT_GATE_TIMEOUT_MS", default_value_t = 10_000)]
    pub gate_timeout_ms: u64,
    /// The platform answers status requests only this long after the request they ask about.
    #[arg(long, env = "CHECKOUT_STATUS_MIN_AGE_MS", default_value_t = 10_000)]
    pub status_min_age_ms: u64,
    /// Refund a second paid payment of one session by itself (README, "Several payments on one
    /// session"); `false` lists it in `GET /admin/payments` for a refund by hand instead.
    #[arg(long, env = "CHECKOUT_AUTO_REFUND_DUPLICATES", default_value_t = true, action = clap::ArgAction::Set)]
    pub auto_refund_duplicates: bool,
    /// Behind one proxy: the same as `--trusted-proxies 1`.
    #[arg(long, env = "CHECKOUT_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// How many proxies of yours stand in front of the server, each appending to
    /// `X-Forwarded-For`: the customer's address is that many entries from the right (README,
    /// "Behind a proxy"). 0: the connection's peer.
    #[arg(long, env = "CHECKOUT_TRUSTED_PROXIES", default_value_t = 0)]
    pub trusted_proxies: u32,
    /// Serve `POST /demo/sessions`, which creates sessions without the admin token, for the demo
    /// shop. Only with the sandbox brand.
    #[arg(long, env = "CHECKOUT_DEMO_SHOP")]
    pub demo_shop: bool,
    /// Codes one client address may have checked per 10 minutes, over all payments (README, "Limits").
    #[arg(long, env = "CHECKOUT_LIMIT_CODE_GUESSES", default_value_t = AddressLimits::DEFAULT.code_guesses)]
    pub limit_code_guesses: u32,
    /// Payments one client address may start per 10 minutes (repeats of one start count once).
    #[arg(long, env = "CHECKOUT_LIMIT_PAYMENTS", default_value_t = AddressLimits::DEFAULT.payments)]
    pub limit_payments: u32,
    /// Sessions one address may create per 10 minutes (the merchant's server, or the demo shop).
    #[arg(long, env = "CHECKOUT_LIMIT_SESSIONS", default_value_t = AddressLimits::DEFAULT.sessions)]
    pub limit_sessions: u32,
}

/// How much one client address may do per [`AddressLimits::WINDOW`] (README, "Limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressLimits {
    /// Codes sent to the platform for checking.
    pub code_guesses: u32,
    /// Payments and payouts started.
    pub payments: u32,
    /// Sessions created.
    pub sessions: u32,
}

impl AddressLimits {
    /// The window the limits count in.
    pub const WINDOW: Duration = Duration::from_secs(600);

    /// The defaults, and why (README, "Limits"): a mobile operator's NAT puts many subscribers
    /// behind one address, so these bound a script, not the customers sharing it. A customer
    /// uses 1 to 5 codes and 1 to 3 payments in a checkout; a code lives 80 to 90 s and a payment
    /// has at most four codes, five tries each, which is the limit that stops guessing.
    pub const DEFAULT: AddressLimits = AddressLimits { code_guesses: 300, payments: 100, sessions: 3000 };
}

/// A secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for signing and comparisons only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Gate base URL, no trailing slash.
    pub gate_url: String,
    /// Payment Page base URL, no trailing slash.
    pub payment_page_url: String,
    /// The project.
    pub project_id: u64,
    /// The project's secret key.
    pub secret: Secret,
    /// This server's public base URL, no trailing slash.
    pub public_url: String,
    /// OTP validity.
    pub otp_ttl: Duration,
    /// Database URL.
    pub database_url: String,
    /// Allowed cross origins.
    pub cors_origins: Vec<String>,
    /// Admin bearer token; the admin API is off without one.
    pub admin_token: Option<Secret>,
    /// Static files.
    pub static_dir: Option<PathBuf>,
    /// Shop name.
    pub merchant_name: String,
    /// Silence before a status request.
    pub reconcile_after: Duration,
    /// What one client address may do per window.
    pub limits: AddressLimits,
    /// What "now" is: the system's time; tests share one with the sandbox and skip ahead.
    pub clock: checkout_protocol::time::Clock,
    /// The platform's minimum age for status requests.
    pub status_min_age: Duration,
    /// How long a Gate request may take before its answer counts as lost.
    pub gate_timeout: Duration,
    /// Proxies of the merchant's in front of the server: the customer's address is read this many
    /// entries from the right of `X-Forwarded-For` (0: the connection's peer).
    pub trusted_proxies: u32,
    /// Refund a session's duplicate payment without the merchant.
    pub auto_refund_duplicates: bool,
    /// Serve the demo shop's session endpoint.
    pub demo_shop: bool,
    /// Where the shop's server hears of outcomes; no webhooks without it.
    pub webhook: Option<WebhookConfig>,
}

/// The shop's webhook endpoint (`CHECKOUT_WEBHOOK_*`).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// https, or http on this machine's loopback.
    pub url: String,
    /// Signs every delivery.
    pub secret: Secret,
    /// While the secret is being rotated, signs beside it.
    pub previous_secret: Option<Secret>,
    /// A factor on every retry delay (1: about three days in all); tests and demos shorten it.
    pub retry_scale: f64,
}

impl WebhookConfig {
    /// Reads `CHECKOUT_WEBHOOK_URL`, `CHECKOUT_WEBHOOK_SECRET` (or `…_SECRET_FILE`),
    /// `CHECKOUT_WEBHOOK_SECRET_PREVIOUS` and `CHECKOUT_WEBHOOK_RETRY_SCALE`; `None` without a URL.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Option<WebhookConfig>, ConfigError> {
        let Some(url) = env("CHECKOUT_WEBHOOK_URL").filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let url = url.trim().to_owned();
        if !(url.starts_with("https://") || (url.starts_with("http://") && is_loopback(&url))) {
            return Err(ConfigError::BadWebhookUrl(url));
        }
        let secret = match env("CHECKOUT_WEBHOOK_SECRET_FILE").filter(|p| !p.is_empty()) {
            Some(path) => std::fs::read_to_string(&path).map_err(|e| ConfigError::SecretFile(format!("{path}: {e}")))?.trim().to_owned(),
            None => env("CHECKOUT_WEBHOOK_SECRET").unwrap_or_default(),
        };
        let previous = env("CHECKOUT_WEBHOOK_SECRET_PREVIOUS").filter(|s| !s.is_empty());
        if secret.chars().count() < 16 || previous.as_ref().is_some_and(|p| p.chars().count() < 16) {
            return Err(ConfigError::WeakWebhookSecret);
        }
        let retry_scale = match env("CHECKOUT_WEBHOOK_RETRY_SCALE") {
            None => 1.0,
            Some(text) => text.trim().parse::<f64>().ok().filter(|f| f.is_finite() && *f > 0.0).ok_or(ConfigError::BadRetryScale(text))?,
        };
        Ok(Some(WebhookConfig { url, secret: Secret::new(secret), previous_secret: previous.map(Secret::new), retry_scale }))
    }
}

/// Whether an http:// URL's host is this machine's loopback.
fn is_loopback(url: &str) -> bool {
    let rest = url.trim_start_matches("http://");
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return false;
    }
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or("").to_owned()
    };
    host == "localhost" || host == "[::1]" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why the server refuses to start.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// No project id.
    MissingProjectId,
    /// No secret key anywhere.
    MissingSecret,
    /// The secret file cannot be read.
    SecretFile(String),
    /// A URL is not http(s).
    BadUrl(&'static str, String),
    /// The admin token is too short to be safe.
    WeakAdminToken,
    /// OTP validity of zero.
    BadOtpTtl,
    /// The demo shop's unauthenticated endpoint outside the sandbox.
    DemoNeedsSandbox,
    /// The webhook URL is neither https nor http on loopback.
    BadWebhookUrl(String),
    /// A webhook secret under 16 characters.
    WeakWebhookSecret,
    /// The retry scale is not a positive number.
    BadRetryScale(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingProjectId => f.write_str("no project id: set CHECKOUT_PROJECT_ID (or --project-id) to the id the platform gave you"),
            ConfigError::MissingSecret => f.write_str("no secret key: set CHECKOUT_SECRET_KEY, or CHECKOUT_SECRET_KEY_FILE to a file holding it"),
            ConfigError::SecretFile(e) => write!(f, "cannot read the secret key file: {e}"),
            ConfigError::BadUrl(what, url) => write!(f, "{what} {url:?} is not an http:// or https:// URL"),
            ConfigError::WeakAdminToken => f.write_str("CHECKOUT_ADMIN_TOKEN is shorter than 16 characters; use a long random token"),
            ConfigError::BadOtpTtl => f.write_str("CHECKOUT_OTP_TTL_SECS must be positive (80 or 90 on the platform)"),
            ConfigError::DemoNeedsSandbox => {
                f.write_str("CHECKOUT_DEMO_SHOP creates sessions without a token: it is allowed with the sandbox brand only")
            }
            ConfigError::BadWebhookUrl(url) => {
                write!(f, "CHECKOUT_WEBHOOK_URL {url:?} must be https:// (or http:// to 127.0.0.1, localhost or [::1])")
            }
            ConfigError::WeakWebhookSecret => f.write_str(
                "CHECKOUT_WEBHOOK_SECRET (or CHECKOUT_WEBHOOK_SECRET_FILE, or CHECKOUT_WEBHOOK_SECRET_PREVIOUS) must be at least 16 characters",
            ),
            ConfigError::BadRetryScale(text) => write!(f, "CHECKOUT_WEBHOOK_RETRY_SCALE {text:?} must be a positive number (1 is the full schedule)"),
        }
    }
}

impl std::error::Error for ConfigError {}

fn url(what: &'static str, value: String) -> Result<String, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/').to_owned();
    if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
        Ok(trimmed)
    } else {
        Err(ConfigError::BadUrl(what, value))
    }
}

impl Config {
    /// Validates the options; `env` looks up environment variables (a parameter, for tests).
    pub fn from_args(args: ServeArgs, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let project_id = args.project_id.ok_or(ConfigError::MissingProjectId)?;
        let secret = match &args.secret_key_file {
            Some(path) => std::fs::read_to_string(path).map_err(|e| ConfigError::SecretFile(format!("{}: {e}", path.display())))?.trim().to_owned(),
            None => env("CHECKOUT_SECRET_KEY").unwrap_or_default(),
        };
        if secret.is_empty() {
            return Err(ConfigError::MissingSecret);
        }
        let admin_token = env("CHECKOUT_ADMIN_TOKEN").filter(|t| !t.is_empty());
        if admin_token.as_ref().is_some_and(|t| t.chars().count() < 16) {
            return Err(ConfigError::WeakAdminToken);
        }
        if args.otp_ttl_secs == 0 {
            return Err(ConfigError::BadOtpTtl);
        }
        if args.demo_shop && args.brand != Brand::Sandbox {
            return Err(ConfigError::DemoNeedsSandbox);
        }
        let (gate, page) = args.brand.hosts();
        let webhook = WebhookConfig::from_env(&env)?;
        Ok(Config {
            listen: args.listen,
            gate_url: url("CHECKOUT_GATE_URL", args.gate_url.unwrap_or_else(|| gate.to_owned()))?,
            payment_page_url: url("CHECKOUT_PAYMENT_PAGE_URL", args.payment_page_url.unwrap_or_else(|| page.to_owned()))?,
            project_id,
            secret: Secret::new(secret),
            public_url: url("CHECKOUT_PUBLIC_URL", args.public_url.unwrap_or_else(|| format!("http://{}", args.listen)))?,
            otp_ttl: Duration::from_secs(args.otp_ttl_secs),
            database_url: args.database_url,
            cors_origins: args.cors_origins.into_iter().map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect(),
            admin_token: admin_token.map(Secret::new),
            static_dir: args.static_dir,
            merchant_name: args.merchant_name,
            reconcile_after: Duration::from_secs(args.reconcile_after_secs),
            status_min_age: Duration::from_millis(args.status_min_age_ms),
            gate_timeout: Duration::from_millis(args.gate_timeout_ms.max(1)),
            trusted_proxies: args.trusted_proxies.max(u32::from(args.trust_forwarded_for)),
            auto_refund_duplicates: args.auto_refund_duplicates,
            demo_shop: args.demo_shop,
            limits: AddressLimits { code_guesses: args.limit_code_guesses, payments: args.limit_payments, sessions: args.limit_sessions },
            clock: checkout_protocol::time::Clock::system(),
            webhook,
        })
    }

    /// The callback URL the platform is given.
    pub fn callback_url(&self) -> String {
        format!("{}/callbacks/gate", self.public_url)
    }

    /// A configuration for tests: in-memory database, fast timings.
    pub fn for_tests(gate_url: &str, project_id: u64, secret: &str) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            gate_url: gate_url.trim_end_matches('/').to_owned(),
            payment_page_url: gate_url.trim_end_matches('/').to_owned(),
            project_id,
            secret: Secret::new(secret),
            public_url: "http://127.0.0.1:0".into(),
            otp_ttl: Duration::from_secs(80),
            database_url: "sqlite::memory:".into(),
            cors_origins: Vec::new(),
            admin_token: Some(Secret::new("test-admin-token-0123456789")),
            static_dir: None,
            merchant_name: "Test shop".into(),
            reconcile_after: Duration::from_secs(60),
            status_min_age: Duration::ZERO,
            gate_timeout: Duration::from_secs(10),
            trusted_proxies: 0,
            auto_refund_duplicates: true,
            demo_shop: false,
            limits: AddressLimits::DEFAULT,
            clock: checkout_protocol::time::Clock::system(),
            webhook: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> ServeArgs {
        let mut all = vec!["checkout-server"];
        all.extend_from_slice(args);
        Cli::parse_from(all).serve
    }

    #[test]
    fn brands_set_hosts_and_overrides_win() {
        let env = |k: &str| (k == "CHECKOUT_SECRET_KEY").then(|| "s3cret".to_owned());
        let config = Config::from_args(parse(&["--project-id", "7", "--brand", "rocketpay"]), env).unwrap();
        assert_eq!(config.gate_url, "https://api.rocketpay.kz");
        assert_eq!(config.payment_page_url, "https://paymentpage.rocketpay.kz");
        let config = Config::from_args(parse(&["--project-id", "7", "--brand", "monetix", "--gate-url", "http://127.0.0.1:9/"]), env).unwrap();
        assert_eq!(config.gate_url, "http://127.0.0.1:9");
        assert_eq!(config.payment_page_url, "https://paymentpage.trxhost.com");
        assert_eq!(config.callback_url(), "http://127.0.0.1:8080/callbacks/gate");
        assert!(config.auto_refund_duplicates, "duplicates are refunded unless the merchant says otherwise");
        let off = Config::from_args(parse(&["--project-id", "7", "--auto-refund-duplicates", "false"]), env).unwrap();
        assert!(!off.auto_refund_duplicates);
    }

    #[test]
    fn missing_or_weak_settings_are_refused_with_a_reason() {
        let no_env = |_: &str| None;
        assert_eq!(Config::from_args(parse(&[]), no_env).err(), Some(ConfigError::MissingProjectId));
        assert_eq!(Config::from_args(parse(&["--project-id", "7"]), no_env).err(), Some(ConfigError::MissingSecret));
        let weak = |k: &str| match k {
            "CHECKOUT_SECRET_KEY" => Some("s".to_owned()),
            "CHECKOUT_ADMIN_TOKEN" => Some("short".to_owned()),
            _ => None,
        };
        assert_eq!(Config::from_args(parse(&["--project-id", "7"]), weak).err(), Some(ConfigError::WeakAdminToken));
        let env = |k: &str| (k == "CHECKOUT_SECRET_KEY").then(|| "s".to_owned());
        assert!(matches!(Config::from_args(parse(&["--project-id", "7", "--public-url", "shop.kz"]), env), Err(ConfigError::BadUrl(..))));
    }

    #[test]
    fn the_secret_never_prints() {
        let env = |k: &str| (k == "CHECKOUT_SECRET_KEY").then(|| "do-not-print-me".to_owned());
        let config = Config::from_args(parse(&["--project-id", "7"]), env).unwrap();
        assert!(!format!("{config:?}").contains("do-not-print-me"));
    }

    #[test]
    fn webhooks_need_a_safe_url_and_a_long_secret_which_never_prints() {
        let secret = ("CHECKOUT_WEBHOOK_SECRET", "whsec-0123456789abcdef");
        let read = |pairs: &[(&str, &str)]| {
            let owned: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            WebhookConfig::from_env(move |k: &str| owned.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone()))
        };
        assert!(read(&[]).unwrap().is_none(), "no URL, no webhooks");
        for good in ["https://shop.kz/hooks", "http://127.0.0.1:9000/hooks", "http://localhost/h", "http://[::1]:8000/"] {
            let config = read(&[("CHECKOUT_WEBHOOK_URL", good), secret]).unwrap().unwrap();
            assert_eq!((config.url.as_str(), config.retry_scale), (good, 1.0));
            assert!(!format!("{config:?}").contains("whsec"), "the secret never prints");
        }
        for bad in ["http://shop.kz/hooks", "http://127.0.0.1.shop.kz/", "http://user@127.0.0.1/", "ftp://127.0.0.1/"] {
            assert!(matches!(read(&[("CHECKOUT_WEBHOOK_URL", bad), secret]), Err(ConfigError::BadWebhookUrl(_))), "{bad}");
        }
        let short = read(&[("CHECKOUT_WEBHOOK_URL", "https://shop.kz/h"), ("CHECKOUT_WEBHOOK_SECRET", "short")]);
        assert_eq!(short.err(), Some(ConfigError::WeakWebhookSecret));
        let scaled = read(&[("CHECKOUT_WEBHOOK_URL", "https://shop.kz/h"), secret, ("CHECKOUT_WEBHOOK_RETRY_SCALE", "0.001")]);
        assert_eq!(scaled.unwrap().unwrap().retry_scale, 0.001);
        let zero = read(&[("CHECKOUT_WEBHOOK_URL", "https://shop.kz/h"), secret, ("CHECKOUT_WEBHOOK_RETRY_SCALE", "0")]);
        assert!(matches!(zero, Err(ConfigError::BadRetryScale(_))));
        let file = std::env::temp_dir().join(format!("webhook-secret-{}", std::process::id()));
        std::fs::write(&file, "whsec-from-a-file-0123456789\n").unwrap();
        let path = file.display().to_string();
        let from_file = read(&[("CHECKOUT_WEBHOOK_URL", "https://shop.kz/h"), ("CHECKOUT_WEBHOOK_SECRET_FILE", &path)]).unwrap().unwrap();
        assert_eq!(from_file.secret.expose(), "whsec-from-a-file-0123456789", "the file's secret, its line end trimmed");
        let _ = std::fs::remove_file(&file);
    }
}
