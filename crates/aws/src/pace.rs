//! Pacing: every call waits its turn at AWS's documented request rate for its operation, per
//! account, region and operation, so that no run exceeds a quota, with one account or many.
//!
//! The rates are data (`crates/aws/rates.toml`, each with its source). A token bucket per
//! (endpoint, credentials, region, service, operation) hands each attempt, retries included,
//! the moment it may be sent: at once while the bucket holds a token, else as soon as one
//! has accrued at the operation's rate. An interceptor reserves that moment just before the
//! attempt is sent; the HTTP connector waits for it. The SDK's standard retry then covers
//! what pacing cannot know (another tool calling in the same account): it backs off after a
//! throttling answer, each retry paced too. The emulator enforces the same table (its
//! `rates` fault).

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// AWS's documented request rates, as data with their sources.
pub const RATES: &str = include_str!("../rates.toml");

/// One operation's rate: requests per second, and how many may go at once after a pause.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
    pub source: String,
}

/// The table: service (botocore's name) -> its operations' rates, its default, and whether
/// its quotas are the account's rather than a region's (global services).
#[derive(Debug, Default)]
pub struct Table {
    services: HashMap<String, Service>,
}

#[derive(Debug, Default)]
struct Service {
    default: Option<Rate>,
    operations: HashMap<String, Rate>,
    per_account: bool,
}

impl Table {
    /// Parse the table; what is wrong names the entry.
    pub fn parse(text: &str) -> Result<Table, String> {
        let doc: toml::Table = text.parse().map_err(|e| format!("rates.toml: {e}"))?;
        let mut table = Table::default();
        for (name, entries) in doc {
            let entries = entries
                .as_table()
                .ok_or_else(|| format!("rates.toml: [{name}] is not a table"))?;
            let mut service = Service::default();
            for (key, value) in entries {
                if key == "scope" {
                    service.per_account = match value.as_str() {
                        Some("account") => true,
                        Some("region") => false,
                        _ => return Err(format!("rates.toml: {name}.scope is account or region")),
                    };
                    continue;
                }
                let rate = rate(value).map_err(|e| format!("rates.toml: {name}.{key}: {e}"))?;
                if key == "default" {
                    service.default = Some(rate);
                } else {
                    service.operations.insert(key.clone(), rate);
                }
            }
            table.services.insert(name, service);
        }
        Ok(table)
    }

    /// The rate of `operation` of `service`: its own, else the service's default.
    pub fn rate(&self, service: &str, operation: &str) -> Option<&Rate> {
        let s = self.services.get(service)?;
        s.operations.get(operation).or(s.default.as_ref())
    }

    /// Whether the service's quotas are the account's (one bucket for every region).
    pub fn per_account(&self, service: &str) -> bool {
        self.services.get(service).is_some_and(|s| s.per_account)
    }

    /// Every (service, operation) the table names.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.services
            .iter()
            .flat_map(|(s, e)| e.operations.keys().map(move |o| (s.as_str(), o.as_str())))
    }
}

fn rate(value: &toml::Value) -> Result<Rate, String> {
    let t = value.as_table().ok_or("not a table")?;
    let number = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .filter(|v| *v > 0.0)
            .ok_or_else(|| format!("{k} is a positive number"))
    };
    let source = t
        .get("source")
        .and_then(|v| v.as_str())
        .filter(|s| s.starts_with("https://"))
        .ok_or("source is an https:// address")?;
    Ok(Rate {
        per_second: number("rate")?,
        burst: number("burst")?.max(1.0),
        source: source.to_string(),
    })
}

/// The table in the binary. It is checked by a test; were it unreadable, calls would not be
/// paced (the retries still back off), never refused.
pub static TABLE: LazyLock<Table> = LazyLock::new(|| Table::parse(RATES).unwrap_or_default());

/// Tokens per bucket, and when they were counted. Tokens go below zero: each reservation
/// beyond the burst waits for the tokens before it.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

type Key = (Arc<str>, String, &'static str, String);

static BUCKETS: LazyLock<Mutex<HashMap<Key, Bucket>>> = LazyLock::new(Default::default);

/// The share of a quota the tool uses: requests sent evenly still reach AWS unevenly (a
/// queue somewhere drains several at once), so the tool stays under the quota by a margin,
/// its burst too.
pub const HEADROOM: f64 = 0.8;

/// When a request under `key` may be sent, at `rate` (less the headroom), counting from `now`.
fn reserve(key: Key, rate: &Rate, now: Instant) -> Instant {
    let per_second = rate.per_second * HEADROOM;
    let burst = (rate.burst * HEADROOM).floor().max(1.0);
    let mut buckets = BUCKETS.lock().unwrap_or_else(|e| e.into_inner());
    let b = buckets.entry(key).or_insert(Bucket {
        tokens: burst,
        at: now,
    });
    let earned = now.saturating_duration_since(b.at).as_secs_f64() * per_second;
    b.tokens = (b.tokens + earned).min(burst) - 1.0;
    b.at = b.at.max(now);
    if b.tokens >= 0.0 {
        now
    } else {
        now + Duration::from_secs_f64(-b.tokens / per_second)
    }
}

/// The moment an attempt may be sent, carried from the interceptor to the connector.
#[derive(Debug, Clone, Copy)]
struct SendAt(Instant);

/// Reserves each attempt's turn for one service's client.
#[derive(Debug, Clone)]
pub(crate) struct Pacer {
    /// Where the calls go and whose credentials they carry (one account's quota).
    pub(crate) caller: Arc<str>,
    pub(crate) region: String,
    /// botocore's name of the service, as the table names it.
    pub(crate) service: &'static str,
}

impl Intercept for Pacer {
    fn name(&self) -> &'static str {
        "Pacer"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(operation) = cfg.load::<Metadata>().map(|m| m.name().to_string()) else {
            return Ok(());
        };
        let Some(rate) = TABLE.rate(self.service, &operation) else {
            return Ok(());
        };
        let region = if TABLE.per_account(self.service) {
            String::new()
        } else {
            self.region.clone()
        };
        let now = Instant::now();
        let at = reserve(
            (self.caller.clone(), region, self.service, operation),
            rate,
            now,
        );
        if at > now {
            ctx.request_mut().add_extension(SendAt(at));
        }
        Ok(())
    }
}

/// The HTTPS client: the one the SDK builds by default (hyper 1, rustls, the system's roots,
/// a proxy from the environment: `HTTPS_PROXY`, `NO_PROXY`), with rustls on `ring` rather
/// than `aws-lc-rs`, whose C library took a sixth of a cold build.
pub(crate) fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::Ring));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// The SDK's HTTP client, waiting for each request's turn before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct PacedClient(pub(crate) SharedHttpClient);

impl HttpClient for PacedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector(self.0.http_connector(settings, components)))
    }
}

#[derive(Debug)]
struct PacedConnector(SharedHttpConnector);

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.0.clone();
        let at = request.extension::<SendAt>().map(|s| s.0);
        HttpConnectorFuture::new(async move {
            if let Some(at) = at {
                tokio::time::sleep_until(at.into()).await;
            }
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_in_the_binary_parses_and_cites_a_source_for_every_rate() {
        let table = Table::parse(RATES).unwrap();
        assert!(table.operations().count() > 20);
        for (service, operation) in table.operations() {
            let r = table.rate(service, operation).unwrap();
            assert!(
                r.per_second > 0.0 && r.burst >= 1.0,
                "{service}.{operation}"
            );
        }
    }

    #[test]
    fn a_bucket_lets_its_burst_go_at_once_then_one_call_per_interval() {
        // 2.5/s and 3.75 at once, of which the tool takes 2/s and 3.
        let rate = Rate {
            per_second: 2.5,
            burst: 3.75,
            source: "https://example.com".into(),
        };
        let key = || -> Key { ("test".into(), "r".into(), "svc", "Op".into()) };
        let t0 = Instant::now();
        let sends: Vec<Duration> = (0..6).map(|_| reserve(key(), &rate, t0) - t0).collect();
        assert_eq!(&sends[..3], &[Duration::ZERO; 3]);
        assert_eq!(sends[3], Duration::from_millis(500));
        assert_eq!(sends[4], Duration::from_millis(1000));
        assert_eq!(sends[5], Duration::from_millis(1500));
        // After a pause the bucket has refilled, never beyond its burst.
        let later = t0 + Duration::from_secs(60);
        let again: Vec<Duration> = (0..4)
            .map(|_| reserve(key(), &rate, later) - later)
            .collect();
        assert_eq!(&again[..3], &[Duration::ZERO; 3]);
        assert_eq!(again[3], Duration::from_millis(500));
    }

    #[test]
    fn a_table_without_a_source_is_refused_by_name() {
        let err = Table::parse("[iam]\nGetRole = { rate = 5.0, burst = 5 }\n").unwrap_err();
        assert!(
            err.contains("iam.GetRole") && err.contains("source"),
            "{err}"
        );
    }
}
