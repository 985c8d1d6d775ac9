//! `cargo xtask`: parses the flags and hands each command to `bedrock_cli`. Nothing else
//! lives here.

use bedrock_cli::{Exit, GenerateOptions, LocalOptions, LocalStartOptions};
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
    let exit = match cli.command {
        Command::Validate { json } => bedrock_cli::validate(config, json),
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
        ),
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
