//! Where AWS is for a run, checked before any call: the embedded emulator (`--local`, started
//! when it is not running), an AWS-compatible endpoint (`--endpoint-url`, `AWS_ENDPOINT_URL`),
//! or AWS through the standard credential chain; and the environment that shapes the calls
//! (`AWS_PROFILE`, `BEDROCK_EMULATOR_PORT`, `BEDROCK_XTASK_TIMEOUT_SECONDS`).

use crate::{Console, Error};
use bedrock_aws::{Endpoint, StaticCredentials};
use bedrock_emulator::{Instance, StartOptions};

/// Where a command's AWS calls go, as its flags say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// `--local`: the embedded emulator.
    pub local: bool,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
}

impl Place {
    /// Where the calls go, as a saved plan records it, without starting or calling anything:
    /// the emulator's URL (`--local`), `--endpoint-url`'s, `AWS_ENDPOINT_URL`'s, or `aws`.
    pub fn target(&self) -> Result<String, Error> {
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

    /// Where AWS is, said in one line first; the embedded emulator started when needed.
    pub fn endpoint(&self, region: &str, console: &dyn Console) -> Result<Endpoint, Error> {
        check_timeout()?;
        let endpoint = if self.local {
            let instance = local_instance()?;
            console.note(&format!(
                "using the embedded AWS emulator at {} (not AWS), region {region}",
                instance.endpoint()
            ));
            let started = instance.start(&StartOptions::default(), &mut |line| {
                console.starting(Some(line))
            });
            console.starting(None);
            let started = started.map_err(|e| Error::other(e.message, e.help))?;
            if started.new {
                console.note(&format!(
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
            console.note(&format!(
                "using the AWS-compatible endpoint {url}, region {region} (credentials from the standard chain)"
            ));
            Endpoint::url(url, None)
        } else if let Some(url) = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            check_url(&url, "AWS_ENDPOINT_URL")?;
            check_profile()?;
            console.note(&format!(
                "using the endpoint AWS_ENDPOINT_URL={url} (not AWS itself), region {region} (standard credential chain)"
            ));
            Endpoint::aws()
        } else {
            check_profile()?;
            console.note(&format!(
                "using AWS in {region} (standard credential chain)"
            ));
            Endpoint::aws()
        };
        Ok(endpoint)
    }
}

/// An endpoint URL, checked before any call: `http(s)://host[:port][/path]`.
pub fn check_url(url: &str, from: &str) -> Result<(), Error> {
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
pub fn check_profile() -> Result<(), Error> {
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
pub fn parse_port(value: &str) -> Result<u16, String> {
    match value.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!(
            "not a port (1 to 65535), from --port or BEDROCK_EMULATOR_PORT; the emulator's default is {}",
            bedrock_emulator::DEFAULT_PORT
        )),
    }
}

/// The embedded emulator `--local` means: the emulator directory's, on BEDROCK_EMULATOR_PORT.
pub fn local_instance() -> Result<Instance, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_are_checked_before_any_call() {
        for good in [
            "http://127.0.0.1:4566",
            "https://bedrock.example.com",
            "http://localhost:4566/",
            "https://[::1]:8443/prefix",
        ] {
            assert!(check_url(good, "--endpoint-url").is_ok(), "{good}");
        }
        for bad in [
            "127.0.0.1:4566",
            "ftp://host",
            "http://",
            "http://host:99999",
            "http://host:port",
            "http://ho st",
        ] {
            let e = check_url(bad, "--endpoint-url").unwrap_err().to_string();
            assert!(
                e.contains("is not an endpoint URL; nothing was called"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn an_emulator_port_is_1_to_65535_and_nothing_else() {
        assert_eq!(parse_port("4566"), Ok(4566));
        assert_eq!(parse_port("65535"), Ok(65535));
        for bad in ["0", "65536", "-1", "45 66", "", "4566x"] {
            let e = parse_port(bad).unwrap_err();
            assert!(e.starts_with("not a port (1 to 65535)"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_saved_plan_records_where_its_calls_went_without_starting_anything() {
        let url = Place {
            local: false,
            endpoint_url: Some("http://127.0.0.1:9999/".into()),
        };
        assert_eq!(url.target().unwrap(), "http://127.0.0.1:9999");
    }
}
