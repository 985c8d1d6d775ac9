//! The flags every stack command takes, declared once: the spec, where the generated files
//! go, and where AWS is. Resolving `--local` (starting the embedded emulator) happens here,
//! in the command layer; the AWS layer is only given an endpoint and credentials.

use crate::output::{load_spec, note};
use bedrock_aws::{Endpoint, StaticCredentials};
use bedrock_emulator::{Instance, StartOptions};
use bedrock_engine::{Error, Paths, Stack};
use bedrock_plan::Suggest;
use bedrock_spec::Spec;
use clap::Args;
use std::path::PathBuf;

pub const DEFAULT_CONFIG: &str = "bedrock.toml";

#[derive(Args, Debug, Clone)]
pub struct StackArgs {
    /// The spec file.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Where the generated files are (default: the spec's directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Send every AWS call to the embedded emulator (started when it is not running;
    /// BEDROCK_EMULATOR_PORT sets its port).
    #[arg(long, conflicts_with = "endpoint_url")]
    pub local: bool,
    /// Send every AWS call to this AWS-compatible endpoint.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl StackArgs {
    /// The flags as the user gave them, for the commands this run suggests.
    pub fn suggest(&self) -> Suggest {
        let mut endpoint = Vec::new();
        if self.local {
            endpoint.push("--local".to_string());
        }
        if let Some(url) = &self.endpoint_url {
            endpoint.push(format!("--endpoint-url {url}"));
        }
        let mut files = Vec::new();
        if self.config.as_os_str() != DEFAULT_CONFIG {
            files.push(format!("--config {}", self.config.display()));
        }
        if let Some(out) = &self.out {
            files.push(format!("--out {}", out.display()));
        }
        Suggest::new(&endpoint, &files)
    }

    pub fn paths(&self) -> Paths {
        Paths::new(&self.config, self.out.as_deref())
    }

    /// The spec, checked (its report printed), before anything touches AWS.
    pub fn spec(&self) -> Result<Spec, Error> {
        load_spec(&self.config)
    }

    /// Where AWS is, said in one line first; the embedded emulator started when needed.
    pub fn connect(&self, spec: Spec) -> Result<Stack, Error> {
        let region = spec.stack.region.clone();
        let endpoint = if self.local {
            let instance = local_instance();
            note(format!(
                "using the embedded AWS emulator at {} (not AWS), region {region}",
                instance.endpoint()
            ));
            let started = instance
                .start(&StartOptions::default(), &mut |line| note(line))
                .map_err(|e| Error::other(e.message, e.help))?;
            if started.new {
                note(format!(
                    "started the embedded AWS emulator (pid {}) at {}; `{}` ends it",
                    started.pid.unwrap_or_default(),
                    started.endpoint,
                    bedrock_emulator::local_command("stop", &instance.host, instance.port)
                ));
            }
            Endpoint::url(
                &instance.endpoint(),
                Some(StaticCredentials {
                    access_key_id: bedrock_emulator::ACCESS_KEY_ID.into(),
                    secret_access_key: bedrock_emulator::SECRET_ACCESS_KEY.into(),
                }),
            )
        } else if let Some(url) = &self.endpoint_url {
            check_url(url, "--endpoint-url")?;
            note(format!(
                "using the AWS-compatible endpoint {url}, region {region} (credentials from the standard chain)"
            ));
            Endpoint::url(url, None)
        } else if let Some(url) = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            check_url(&url, "AWS_ENDPOINT_URL")?;
            check_profile()?;
            note(format!(
                "using the endpoint AWS_ENDPOINT_URL={url} (not AWS itself), region {region} (standard credential chain)"
            ));
            Endpoint::aws()
        } else {
            check_profile()?;
            note(format!("using AWS in {region} (standard credential chain)"));
            Endpoint::aws()
        };
        Stack::connect(spec, self.paths(), &endpoint, self.suggest())
    }
}

/// An endpoint URL, checked before any call: `http(s)://host[:port][/path]`.
pub(crate) fn check_url(url: &str, from: &str) -> Result<(), Error> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    let valid = host.is_some_and(|h| {
        let (name, port) = match h.rsplit_once(':') {
            Some((n, p)) if !n.ends_with(']') || h.starts_with('[') => (n, Some(p)),
            _ => (h, None),
        };
        !name.is_empty()
            && !h.chars().any(char::is_whitespace)
            && port.is_none_or(|p| p.parse::<u16>().is_ok())
    }) && !url.chars().any(char::is_whitespace);
    if valid {
        return Ok(());
    }
    let shown: String = url.chars().take(80).collect();
    Err(Error::other(
        format!("{from} {shown:?} is not an endpoint URL; nothing was called"),
        "write it as http://host:port or https://host (for the embedded emulator, use --local)",
    ))
}

/// `AWS_PROFILE`, when set, names a profile of the shared config or credentials file:
/// otherwise the SDK falls through to the instance metadata service and says so, in words
/// no one can act on.
pub(crate) fn check_profile() -> Result<(), Error> {
    let Some(profile) = std::env::var("AWS_PROFILE")
        .ok()
        .filter(|p| !p.trim().is_empty())
    else {
        return Ok(());
    };
    let home = std::env::var("HOME").unwrap_or_default();
    let config = std::env::var("AWS_CONFIG_FILE").unwrap_or_else(|_| format!("{home}/.aws/config"));
    let credentials = std::env::var("AWS_SHARED_CREDENTIALS_FILE")
        .unwrap_or_else(|_| format!("{home}/.aws/credentials"));
    let defines = |path: &str, headers: &[String]| {
        std::fs::read_to_string(path).is_ok_and(|text| {
            text.lines().any(|l| {
                let l = l.trim();
                headers.iter().any(|h| {
                    l.strip_prefix('[')
                        .and_then(|l| l.strip_suffix(']'))
                        .is_some_and(|inner| {
                            inner.split_whitespace().collect::<Vec<_>>().join(" ") == *h
                        })
                })
            })
        })
    };
    let in_config = [format!("profile {profile}"), profile.clone()];
    if defines(&config, &in_config) || defines(&credentials, std::slice::from_ref(&profile)) {
        return Ok(());
    }
    Err(Error::other(
        format!("AWS_PROFILE={profile} names a profile that is in neither {config} nor {credentials}; nothing was called"),
        "`aws configure list-profiles` shows the profiles there: set AWS_PROFILE to one of them, or create this one (`aws configure sso --profile NAME`, `aws configure --profile NAME`)",
    ))
}

/// The embedded emulator `--local` means: this checkout's, on BEDROCK_EMULATOR_PORT.
fn local_instance() -> Instance {
    let port = std::env::var("BEDROCK_EMULATOR_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(bedrock_emulator::DEFAULT_PORT);
    Instance::new(
        &bedrock_emulator::default_dir(),
        bedrock_emulator::DEFAULT_HOST,
        port,
    )
}

/// Run `body` on the connected stack, then say how many AWS calls it made, whatever the
/// outcome (a refused apply shows its zero writes too).
pub fn with_stack<T>(
    stack: &Stack,
    command: &str,
    body: impl FnOnce(&Stack) -> Result<T, Error>,
) -> Result<T, Error> {
    let result = body(stack);
    note(format!("{command}: {}", stack.calls()));
    result
}
