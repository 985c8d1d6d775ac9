//! The flags every stack command takes, declared once: the spec, where the generated files
//! go, and where AWS is. Resolving `--local` (starting the embedded emulator) happens here,
//! in the command layer; the AWS layer is only given an endpoint and credentials.

use crate::accounts::{self, Outcome, Ran, Sink, Target};
use crate::output::{load_spec, note, Exit};
use bedrock_aws::{AssumeRole, Endpoint, StaticCredentials};
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
    /// Work in the account of this IAM role, assumed with your credentials. Repeat it to run
    /// the command once per account, concurrently, with one summary (the exit code is the
    /// worst); each account's generated files go to <out>/<account id>/.
    #[arg(long = "assume-role", value_name = "ARN")]
    pub assume_role: Vec<String>,
    /// The external id the roles' trust policies ask for (sts:ExternalId).
    #[arg(long, value_name = "ID", requires = "assume_role")]
    pub external_id: Option<String>,
    /// With several --assume-role: how many accounts run at once.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "assume_role", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
}

impl StackArgs {
    /// The flags as the user gave them, for the commands this run suggests.
    pub fn suggest(&self) -> Suggest {
        self.suggest_for(None)
    }

    /// The same in one account of several: its role, so that the command reaches it.
    pub fn suggest_for(&self, role: Option<&str>) -> Suggest {
        let mut endpoint = Vec::new();
        if self.local {
            endpoint.push("--local".to_string());
        }
        if let Some(url) = &self.endpoint_url {
            endpoint.push(format!("--endpoint-url {url}"));
        }
        let roles: Vec<&str> = match role {
            Some(role) => vec![role],
            None => self.assume_role.iter().map(String::as_str).collect(),
        };
        for role in roles {
            endpoint.push(format!("--assume-role {role}"));
        }
        if let (Some(id), false) = (&self.external_id, self.assume_role.is_empty()) {
            endpoint.push(format!("--external-id {id}"));
        }
        let mut files = Vec::new();
        if self.config.as_os_str() != DEFAULT_CONFIG {
            files.push(format!("--config {}", self.config.display()));
        }
        if let Some(out) = &self.out {
            files.push(format!("--out {}", out.display()));
        }
        Suggest::new(crate::program(), &endpoint, &files)
    }

    pub fn paths(&self) -> Paths {
        Paths::new(&self.config, self.out.as_deref())
    }

    /// The spec, checked (its report printed), before anything touches AWS.
    pub fn spec(&self) -> Result<Spec, Error> {
        load_spec(&self.config)
    }

    /// Where AWS is, said in one line first; the embedded emulator started when needed.
    /// Where this command's calls go, as a saved plan records it, without starting or
    /// calling anything: the emulator's URL (`--local`), `--endpoint-url`'s,
    /// `AWS_ENDPOINT_URL`'s, or `aws`.
    pub(crate) fn target(&self) -> Result<String, Error> {
        if self.local {
            return Ok(local_instance()?.endpoint());
        }
        if let Some(url) = &self.endpoint_url {
            return Ok(url.trim_end_matches('/').to_string());
        }
        Ok(std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| bedrock_plan::AWS_ENDPOINT.to_string()))
    }

    pub(crate) fn endpoint(&self, region: &str) -> Result<Endpoint, Error> {
        check_timeout()?;
        let endpoint = if self.local {
            let instance = local_instance()?;
            note(format!(
                "using the embedded AWS emulator at {} (not AWS), region {region}",
                instance.endpoint()
            ));
            let mut starting = crate::progress::Starting::new();
            let started = instance.start(&StartOptions::default(), &mut |line| starting.line(line));
            drop(starting);
            let started = started.map_err(|e| Error::other(e.message, e.help))?;
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
                    session_token: None,
                }),
            )
        } else if let Some(url) = &self.endpoint_url {
            check_url(url, "--endpoint-url")?;
            // Credentials still come from the standard chain: AWS_PROFILE is read there too.
            check_profile()?;
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
        Ok(endpoint)
    }

    /// Connect to each account (the credentials as they are, or each `--assume-role`) and
    /// run `body` there, concurrently when there are several; then say how many AWS calls
    /// each made. `json`: several accounts' output is returned for one document.
    pub fn run_each<T: Send>(
        &self,
        spec: &Spec,
        command: &str,
        json: bool,
        body: impl Fn(&Stack, &Sink) -> Result<T, Error> + Sync,
    ) -> Result<(Vec<Target>, Vec<Ran<T>>), Error> {
        self.connect_each(spec, command, json, |stack, sink| {
            let result = body(&stack, sink);
            sink.note(format!("{command}: {}", stack.calls()));
            result
        })
    }

    /// The same, handing `body` the connected stack to keep (for a second phase).
    pub fn connect_each<T: Send>(
        &self,
        spec: &Spec,
        command: &str,
        json: bool,
        body: impl Fn(Stack, &Sink) -> Result<T, Error> + Sync,
    ) -> Result<(Vec<Target>, Vec<Ran<T>>), Error> {
        let targets = accounts::targets(&self.assume_role, spec.partition())?;
        if let Some(id) = &self.external_id {
            accounts::check_external_id(id)?;
        }
        let endpoint = self.endpoint(&spec.stack.region)?;
        let several = targets.len() > 1;
        let results = accounts::each(
            &targets,
            several,
            self.parallel.into(),
            json,
            |_, target, sink| {
                // With --assume-role (one or several), each account's files are its own.
                let paths = match &target.account {
                    Some(account) => {
                        let out = self.paths().out_dir.join(account);
                        Paths::new(&self.config, Some(&out))
                    }
                    _ => self.paths(),
                };
                let suggest = self.suggest_for(target.role.as_deref());
                let stack = match (&target.role, &target.account) {
                    (Some(role), Some(account)) => {
                        let role = AssumeRole {
                            role_arn: role.clone(),
                            external_id: self.external_id.clone(),
                            session_name: format!("librechat-bedrock-{command}"),
                        };
                        Stack::connect_as(spec.clone(), paths, &endpoint, &role, account, suggest)?
                    }
                    _ => Stack::connect(spec.clone(), paths, &endpoint, suggest)?,
                };
                body(stack, sink)
            },
        );
        Ok((targets, results))
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

/// A port of the emulator, from `--port` or BEDROCK_EMULATOR_PORT: 1 to 65535, nothing else
/// (a typo must never reach another emulator).
pub(crate) fn parse_port(value: &str) -> Result<u16, String> {
    match value.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!(
            "not a port (1 to 65535), from --port or BEDROCK_EMULATOR_PORT; the emulator's default is {}",
            bedrock_emulator::DEFAULT_PORT
        )),
    }
}

/// The embedded emulator `--local` means: the emulator directory's, on BEDROCK_EMULATOR_PORT.
fn local_instance() -> Result<Instance, Error> {
    let port = match std::env::var("BEDROCK_EMULATOR_PORT") {
        Err(std::env::VarError::NotPresent) => bedrock_emulator::DEFAULT_PORT,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Error::other(
                "BEDROCK_EMULATOR_PORT is not a port; nothing was called",
                "set it to a port from 1 to 65535, or unset it",
            ))
        }
        Ok(v) => parse_port(&v).map_err(|_| {
            let shown: String = v.chars().take(40).collect();
            Error::other(
                format!("BEDROCK_EMULATOR_PORT={shown:?} is not a port; nothing was called"),
                format!(
                    "set it to a port from 1 to 65535 (the emulator's default is {}), or unset it",
                    bedrock_emulator::DEFAULT_PORT
                ),
            )
        })?,
    };
    Ok(Instance::new(
        &bedrock_emulator::default_dir(),
        bedrock_emulator::DEFAULT_HOST,
        port,
    ))
}

/// BEDROCK_XTASK_TIMEOUT_SECONDS, when set, is a whole number of seconds above zero: a typo
/// must not leave calls to wait the default minute.
fn check_timeout() -> Result<(), Error> {
    match std::env::var("BEDROCK_XTASK_TIMEOUT_SECONDS") {
        Err(std::env::VarError::NotPresent) => Ok(()),
        Ok(v) if v.parse::<u64>().is_ok_and(|s| s > 0) => Ok(()),
        other => {
            let shown: String = other.unwrap_or_default().chars().take(40).collect();
            Err(Error::other(
                format!("BEDROCK_XTASK_TIMEOUT_SECONDS={shown:?} is not a number of seconds; nothing was called"),
                "set it to a whole number of seconds above 0 (how long one AWS call may take, retries included; default 60), or unset it",
            ))
        }
    }
}

/// The exit code of a run: one account's own (its error returned as is, for the caller to
/// print), or over several the summary (on stdout, or on stderr after the `--json` document)
/// and the worst code.
pub fn finish(targets: &[Target], results: Vec<Ran<Outcome>>, json: bool) -> Result<Exit, Error> {
    if targets.len() == 1 {
        let (result, _) = results
            .into_iter()
            .next()
            .unwrap_or((Err(Error::Reported), String::new()));
        return result.map(|o| o.exit);
    }
    let mut rows = Vec::new();
    let mut documents = Vec::new();
    for (target, (result, text)) in targets.iter().zip(results) {
        let (exit, changes, outcome) = match &result {
            Ok(o) => (o.exit, o.changes.clone(), "ok".to_string()),
            Err(e) => (Exit::Error, "-".to_string(), accounts::first_line(e)),
        };
        if json {
            let mut doc = serde_json::json!({
                "account_id": target.account,
                "role_arn": target.role,
                "exit_code": exit as u8,
            });
            match &result {
                Ok(_) => {
                    doc["result"] = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
                }
                Err(e) => doc["error"] = e.to_string().into(),
            }
            documents.push(doc);
        }
        rows.push((exit, changes, outcome));
    }
    let (summary, exit) = accounts::summary(targets, &rows);
    if json {
        crate::output::print_json(&serde_json::json!({ "accounts": documents }));
        note(summary.trim_start());
    } else {
        crate::output::out(summary);
    }
    Ok(exit)
}
