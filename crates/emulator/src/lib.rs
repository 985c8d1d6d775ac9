//! The embedded AWS emulator: moto's server (pinned, from PyPI) with this project's Bedrock
//! extension (`python/bedrock_emulator`), installed into a virtualenv in the user's cache
//! directory (see [`default_dir`]) and run in the background on loopback. The extension's
//! sources travel inside the binary.
//!
//! Nothing here talks the AWS protocols: that is the SDK's job against [`Instance::endpoint`].
//! This crate installs, starts, stops and resets the server, and drives its control API
//! (latency, fault injection, IAM propagation delay).

mod install;
mod process;

pub use install::{Installation, Python};
pub use process::{Instance, StartOptions, Started, Status};

use std::fmt;
use std::path::{Path, PathBuf};

/// The default port, the one AWS emulators traditionally use.
pub const DEFAULT_PORT: u16 = 4566;
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// The account moto answers for with any credentials.
pub const ACCOUNT_ID: &str = "123456789012";
/// Credentials the SDK signs with against the emulator (moto accepts any).
pub const ACCESS_KEY_ID: &str = "test";
pub const SECRET_ACCESS_KEY: &str = "test";

/// What went wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorError {
    pub message: String,
    pub help: String,
}

impl EmulatorError {
    pub(crate) fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        EmulatorError {
            message: message.into(),
            help: help.into(),
        }
    }
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  help: {}", self.message, self.help)
    }
}

impl std::error::Error for EmulatorError {}

/// Where the emulator's virtualenv, state and logs live: `BEDROCK_EMULATOR_DIR` when set,
/// else `librechat-bedrock/emulator` in the user's cache directory (`$XDG_CACHE_HOME` or
/// `~/.cache` on Linux, `~/Library/Caches` on macOS), else in the system's temporary
/// directory: never in the current directory. This repository's own `cargo xtask` sets
/// `BEDROCK_EMULATOR_DIR` to its `target/emulator` (`.cargo/config.toml`).
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BEDROCK_EMULATOR_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::cache_dir()
        .filter(|d| d.is_absolute())
        .unwrap_or_else(std::env::temp_dir)
        .join("librechat-bedrock")
        .join("emulator")
}

static PROGRAM: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Name the program the user runs (`librechat-bedrock`, `cargo xtask bedrock`), for the
/// commands this crate suggests. Set once, by the command layer; `cargo xtask` otherwise.
pub fn set_program(program: &str) {
    let _ = PROGRAM.set(program.to_string());
}

/// The program the suggested commands start with.
pub fn program() -> &'static str {
    PROGRAM.get().map_or("cargo xtask", String::as_str)
}

/// Write what an account offers in `region` (see `bedrock_engine::read_catalog`) into
/// `dir` as `<region>.json`, whole or not at all; returns the file's path.
pub fn write_account_catalog(
    dir: &Path,
    region: &str,
    catalog: &serde_json::Value,
) -> Result<PathBuf, EmulatorError> {
    let fail = |what: &Path, e: std::io::Error| {
        EmulatorError::new(
            format!("cannot write {}: {e}", what.display()),
            "check that the directory is writable, or name another with --into",
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let path = dir.join(format!("{region}.json"));
    let partial = dir.join(format!(".{region}.json.partial"));
    let text = serde_json::to_string_pretty(catalog).unwrap_or_default() + "\n";
    std::fs::write(&partial, text).map_err(|e| fail(&partial, e))?;
    std::fs::rename(&partial, &path).map_err(|e| fail(&path, e))?;
    Ok(path)
}

/// The regions of `dir` read from an account: (region, file), sorted.
pub fn account_catalogs(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter_map(|p| {
            let region = p.file_name()?.to_str()?.strip_suffix(".json")?.to_string();
            (!region.starts_with('.')).then_some((region, p))
        })
        .collect();
    found.sort();
    found
}

/// A fault for the emulator to inject into the next `count` matching requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The signing name: `bedrock`, `iam`, `sts`, `s3`, `logs`, `monitoring` (CloudWatch),
    /// `sns`, `ce` (Cost Explorer), `tagging`, `organizations`.
    pub service: Option<String>,
    /// The API operation, e.g. `CreateInferenceProfile`.
    pub operation: Option<String>,
    pub count: u32,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The service's throttling error, in its own code and protocol (HTTP 429
    /// ThrottlingException for Bedrock, `Throttling` for IAM, STS and CloudWatch, ...).
    Throttle,
    /// The service's internal error (HTTP 500), in its own code and protocol.
    Server,
    /// The connection is closed with no response.
    Drop,
    /// The request is carried out, then the connection is closed before the response.
    DropAfter,
}

impl FaultKind {
    fn as_str(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::Server => "server",
            FaultKind::Drop => "drop",
            FaultKind::DropAfter => "drop_after",
        }
    }
}

/// `<program> local <action>` for the emulator at `host:port`, with `--host` and `--port`
/// when they are not the defaults, so that the command reaches the same emulator.
pub fn local_command(action: &str, host: &str, port: u16) -> String {
    let mut command = format!("{} local {action}", program());
    if host != DEFAULT_HOST {
        command.push_str(&format!(" --host {host}"));
    }
    if port != DEFAULT_PORT {
        command.push_str(&format!(" --port {port}"));
    }
    command
}

/// The same for an endpoint URL (`http://127.0.0.1:4566`).
fn local_command_at(action: &str, endpoint: &str) -> String {
    let authority = endpoint.split_once("://").map_or(endpoint, |(_, a)| a);
    match authority.rsplit_once(':') {
        Some((host, port)) => match port.parse() {
            Ok(port) => local_command(action, host, port),
            Err(_) => local_command(action, DEFAULT_HOST, DEFAULT_PORT),
        },
        None => local_command(action, authority, DEFAULT_PORT),
    }
}

/// The emulator's control API at `endpoint`.
#[derive(Debug, Clone)]
pub struct Control {
    endpoint: String,
    agent: ureq::Agent,
    /// For a reset: it waits for the requests in flight, then empties every account, which
    /// takes longer than a setting does. Bounded all the same: never a hang.
    patient: ureq::Agent,
}

impl Control {
    pub fn new(endpoint: &str) -> Self {
        let agent = |seconds| {
            let config = ureq::Agent::config_builder()
                .timeout_global(Some(std::time::Duration::from_secs(seconds)))
                .http_status_as_error(false)
                .build();
            ureq::Agent::new_with_config(config)
        };
        Control {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            agent: agent(10),
            patient: agent(300),
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, EmulatorError> {
        let agent = if path == "/_emulator/reset" {
            &self.patient
        } else {
            &self.agent
        };
        let url = format!("{}{path}", self.endpoint);
        let unreachable = |e: ureq::Error| {
            EmulatorError::new(
                format!("the emulator at {} does not answer: {e}", self.endpoint),
                format!(
                    "start it with `{}`",
                    local_command_at("start", &self.endpoint)
                ),
            )
        };
        let response = match (method, body) {
            ("GET", _) => agent.get(&url).call(),
            ("DELETE", _) => agent.delete(&url).call(),
            (_, Some(b)) => agent.post(&url).send_json(b),
            (_, None) => agent.post(&url).send_empty(),
        }
        .map_err(unreachable)?;
        let status = response.status().as_u16();
        let text = response.into_body().read_to_string().map_err(unreachable)?;
        if status != 200 {
            return Err(EmulatorError::new(
                format!("the emulator's control API answered {status} to {method} {path}: {text}"),
                format!(
                    "is {} this project's emulator? `{}` tells",
                    self.endpoint,
                    local_command_at("status", &self.endpoint)
                ),
            ));
        }
        serde_json::from_str(&text).map_err(|e| {
            EmulatorError::new(
                format!("the emulator's control API answered with something that is not JSON: {e}"),
                format!(
                    "is {} this project's emulator? `{}` tells",
                    self.endpoint,
                    local_command_at("status", &self.endpoint)
                ),
            )
        })
    }

    /// The current settings and pending faults.
    pub fn state(&self) -> Result<serde_json::Value, EmulatorError> {
        self.call("GET", "/_emulator/state", None)
    }

    /// Empty every service's state, and the faults and settings.
    pub fn reset(&self) -> Result<(), EmulatorError> {
        self.call("POST", "/_emulator/reset", None).map(|_| ())
    }

    /// Empty everything, and stand for a brand-new account from now on: Anthropic's use
    /// case form not on file, no Marketplace agreement accepted.
    pub fn reset_new_account(&self) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_emulator/reset",
            Some(serde_json::json!({ "new_account": true })),
        )
        .map(|_| ())
    }

    /// How long an accepted Marketplace agreement stays PENDING.
    pub fn set_agreement_delay(&self, seconds: f64) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_emulator/config",
            Some(serde_json::json!({ "agreement_delay_seconds": seconds })),
        )
        .map(|_| ())
    }

    /// A latency added to every request, like a round trip to AWS.
    pub fn set_latency_ms(&self, ms: f64) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_emulator/config",
            Some(serde_json::json!({ "latency_ms": ms })),
        )
        .map(|_| ())
    }

    /// Enforce AWS's request-rate quotas (`rates.toml`): a request beyond its operation's
    /// rate, per account and region, gets the service's throttling error. Off after a reset.
    pub fn enforce_rates(&self, enforce: bool) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_emulator/rates",
            Some(serde_json::json!({ "enforce": enforce })),
        )
        .map(|_| ())
    }

    /// Whether rates are enforced, and how many requests were admitted and refused since.
    pub fn rates(&self) -> Result<serde_json::Value, EmulatorError> {
        self.call("GET", "/_emulator/rates", None)
    }

    /// Every Bedrock API key (service-specific credential) as `days` older: its creation and
    /// expiry that many days earlier, as if they had gone by.
    pub fn age_api_keys(&self, days: f64) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_emulator/api-keys/age",
            Some(serde_json::json!({ "days": days })),
        )
        .map(|_| ())
    }

    /// Decides a Service Quotas increase request as AWS would: `status` is APPROVED (the
    /// account's applied value in the request's Region becomes its DesiredValue), DENIED,
    /// NOT_APPROVED, INVALID_REQUEST, CASE_OPENED (the request gets a CaseId) or, once a case
    /// is open, CASE_CLOSED. An error for an unknown request, or one no longer open.
    pub fn decide_quota_request(
        &self,
        request_id: &str,
        status: &str,
    ) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_emulator/quotas/decide",
            Some(serde_json::json!({ "RequestId": request_id, "Status": status })),
        )
        .map(|_| ())
    }

    /// Roles younger than this fail Bedrock's logging checks, as new IAM roles do in AWS.
    pub fn set_propagation_delay(&self, seconds: f64) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_emulator/config",
            Some(serde_json::json!({ "propagation_delay_seconds": seconds })),
        )
        .map(|_| ())
    }

    pub fn inject(&self, fault: &Fault) -> Result<(), EmulatorError> {
        let mut body = serde_json::json!({ "count": fault.count, "error": fault.kind.as_str() });
        if let Some(s) = &fault.service {
            body["service"] = s.clone().into();
        }
        if let Some(o) = &fault.operation {
            body["operation"] = o.clone().into();
        }
        self.call("POST", "/_emulator/faults", Some(body))
            .map(|_| ())
    }

    pub fn clear_faults(&self) -> Result<(), EmulatorError> {
        self.call("DELETE", "/_emulator/faults", None).map(|_| ())
    }

    /// The SNS subscriptions pending confirmation (email, email-json), each with the token
    /// AWS would mail: `{"pending": [{"subscription_arn", "topic_arn", "protocol",
    /// "endpoint", "token"}]}`.
    pub fn sns_pending(&self) -> Result<serde_json::Value, EmulatorError> {
        self.call("GET", "/_emulator/sns/pending", None)
    }

    /// Confirms the pending subscription of `endpoint` to `topic_arn`, as its address would
    /// from AWS's mail; an error when none is pending.
    pub fn sns_confirm(
        &self,
        topic_arn: &str,
        endpoint: &str,
    ) -> Result<serde_json::Value, EmulatorError> {
        self.call(
            "POST",
            "/_emulator/sns/confirm",
            Some(serde_json::json!({ "topic_arn": topic_arn, "endpoint": endpoint })),
        )
    }
}

#[cfg(test)]
mod command_tests {
    use super::*;

    #[test]
    fn suggested_local_commands_reach_the_same_emulator() {
        assert_eq!(
            local_command("stop", DEFAULT_HOST, DEFAULT_PORT),
            "cargo xtask local stop"
        );
        assert_eq!(
            local_command("stop", DEFAULT_HOST, 4642),
            "cargo xtask local stop --port 4642"
        );
        assert_eq!(
            local_command_at("status", "http://0.0.0.0:4700"),
            "cargo xtask local status --host 0.0.0.0 --port 4700"
        );
        assert_eq!(
            local_command_at("start", "http://127.0.0.1:4566"),
            "cargo xtask local start"
        );
    }
}
