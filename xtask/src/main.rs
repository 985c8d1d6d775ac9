//! `cargo xtask`: parses the flags and hands each command to `bedrock_cli`. Nothing else
//! lives here.

use bedrock_cli::{
    ApplyCommand, AwsOptions, DestroyCommand, DriftCommand, Exit, GenerateOptions, LocalOptions,
    LocalStartOptions, PlanCommand,
};
use bedrock_cli::{DoctorCommand, VerifyCommand};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Provision AWS Bedrock for LibreChat from one declarative spec.
#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

#[derive(Args)]
struct Global {
    /// The spec file.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "bedrock.toml"
    )]
    config: PathBuf,
    /// Send every AWS call to the embedded emulator (started when it is not running).
    #[arg(long, global = true)]
    local: bool,
    /// Send every AWS call to this AWS-compatible endpoint.
    #[arg(long, global = true, value_name = "URL")]
    endpoint_url: Option<String>,
}

impl Global {
    fn aws(&self) -> AwsOptions {
        AwsOptions {
            local: self.local,
            endpoint_url: self.endpoint_url.clone(),
            local_host: bedrock_cli::LOCAL_HOST.to_string(),
            local_port: std::env::var("BEDROCK_EMULATOR_PORT")
                .ok()
                .and_then(|p| p.parse().ok())
                .unwrap_or(bedrock_cli::LOCAL_PORT),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check the spec; report every problem at once. Touches nothing.
    Validate {
        /// Print the result as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write librechat.yaml and the rendered policies (and .env, from live ARNs, unless --offline).
    Generate {
        /// Use the spec alone: no AWS call (writes no .env).
        #[arg(long)]
        offline: bool,
        /// Write nothing; exit 2 and name each file that is out of date.
        #[arg(long)]
        check: bool,
        /// Where the generated files go (default: the spec's directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Show what `apply` would change (reads AWS, changes nothing).
    Plan {
        /// Exit 2 when there are changes (0 when none, 1 on error).
        #[arg(long)]
        detailed_exitcode: bool,
        /// Print the plan as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Plan to take over same-named resources that lack this stack's tags.
        #[arg(long)]
        adopt: bool,
    },
    /// Converge AWS to the spec, then write librechat.yaml and .env.
    Apply {
        /// Do not ask for confirmation (CI).
        #[arg(long)]
        yes: bool,
        /// Take over same-named resources that lack this stack's tags.
        #[arg(long)]
        adopt: bool,
        /// Where the generated files go (default: the spec's directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Compare live resources and generated files with the spec: exit 0 clean, 2 drift.
    Drift {
        /// Print the result as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Where the generated files are (default: the spec's directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Remove what this stack manages; the log group and bucket stay unless --delete-data.
    Destroy {
        /// Do not ask for confirmation (CI).
        #[arg(long)]
        yes: bool,
        /// Also delete the log group and the bucket, with every log and payload in them.
        #[arg(long)]
        delete_data: bool,
    },
    /// Read the invocation logs: per model, calls through its profile ARN or its raw id, tokens.
    Verify {
        /// How far back to read: 30s, 15m, 2h, 1d.
        #[arg(long, default_value = "15m", value_name = "DURATION")]
        since: String,
        /// Then print each new record as it arrives, until interrupted.
        #[arg(long)]
        follow: bool,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Run the troubleshooting checks of LibreChat's guide; exit 1 when one fails.
    Doctor {
        /// Where librechat.yaml and .env are (default: the spec's directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// The embedded AWS emulator (moto plus this project's Bedrock extension).
    Local {
        #[command(subcommand)]
        action: LocalAction,
    },
}

#[derive(Subcommand)]
enum LocalAction {
    /// Install on first use, then run in the background; starting twice is harmless.
    Start {
        #[command(flatten)]
        at: LocalAt,
        /// Add this many milliseconds to every request, like a round trip to AWS.
        #[arg(long, value_name = "MS")]
        latency_ms: Option<f64>,
        /// IAM roles younger than this fail Bedrock's logging checks, as fresh roles do in AWS.
        #[arg(long, value_name = "SECONDS")]
        propagation_delay: Option<f64>,
    },
    /// Stop the emulator this checkout started (and nothing else).
    Stop {
        #[command(flatten)]
        at: LocalAt,
    },
    /// Print the endpoint and whether it answers (exit 0 when it does, 1 when not).
    Status {
        #[command(flatten)]
        at: LocalAt,
    },
    /// Empty all state: every resource, injected fault and setting.
    Reset {
        #[command(flatten)]
        at: LocalAt,
    },
}

#[derive(Args)]
struct LocalAt {
    /// The address the emulator listens on.
    #[arg(long, default_value = bedrock_cli::LOCAL_HOST)]
    host: String,
    /// The port the emulator listens on.
    #[arg(long, env = "BEDROCK_EMULATOR_PORT", default_value_t = bedrock_cli::LOCAL_PORT)]
    port: u16,
}

impl LocalAt {
    fn options(self) -> LocalOptions {
        LocalOptions {
            host: self.host,
            port: self.port,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; a usage error is exit 1 (2 means drift).
            let code = if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Success
            };
            let _ = e.print();
            return code.into();
        }
    };
    let config = &cli.global.config;
    let aws = cli.global.aws();
    let exit = match cli.command {
        Command::Validate { json } => bedrock_cli::validate(config, json),
        Command::Plan {
            detailed_exitcode,
            json,
            adopt,
        } => bedrock_cli::plan(
            config,
            &aws,
            &PlanCommand {
                detailed_exitcode,
                json,
                adopt,
            },
        ),
        Command::Apply { yes, adopt, out } => {
            bedrock_cli::apply(config, &aws, &ApplyCommand { yes, adopt, out })
        }
        Command::Drift { json, out } => {
            bedrock_cli::drift(config, &aws, &DriftCommand { json, out })
        }
        Command::Destroy { yes, delete_data } => {
            bedrock_cli::destroy(config, &aws, &DestroyCommand { yes, delete_data })
        }
        Command::Generate {
            offline,
            check,
            out,
        } => bedrock_cli::generate(
            config,
            &GenerateOptions {
                offline,
                check,
                out,
            },
            &aws,
        ),
        Command::Verify {
            since,
            follow,
            json,
        } => bedrock_cli::verify(
            config,
            &aws,
            &VerifyCommand {
                since,
                follow,
                json,
            },
        ),
        Command::Doctor { out } => bedrock_cli::doctor(config, &aws, &DoctorCommand { out }),
        Command::Local { action } => match action {
            LocalAction::Start {
                at,
                latency_ms,
                propagation_delay,
            } => bedrock_cli::local_start(
                &at.options(),
                &LocalStartOptions {
                    latency_ms,
                    propagation_delay_seconds: propagation_delay,
                    exit_with_pid: None,
                },
            ),
            LocalAction::Stop { at } => bedrock_cli::local_stop(&at.options()),
            LocalAction::Status { at } => bedrock_cli::local_status(&at.options()),
            LocalAction::Reset { at } => bedrock_cli::local_reset(&at.options()),
        },
    };
    exit.into()
}
