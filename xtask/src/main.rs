//! `cargo xtask`: parses the flags and hands each command to `bedrock_cli`. Nothing else
//! lives here.

use bedrock_cli::{Exit, GenerateOptions};
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
    };
    exit.into()
}
