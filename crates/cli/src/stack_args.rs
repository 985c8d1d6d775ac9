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
            note(format!(
                "using the AWS-compatible endpoint {url}, region {region}"
            ));
            Endpoint::url(url, None)
        } else {
            note(format!("using AWS in {region} (standard credential chain)"));
            Endpoint::aws()
        };
        Stack::connect(spec, self.paths(), &endpoint, self.suggest())
    }
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
