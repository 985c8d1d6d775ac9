//! The commands behind `cargo xtask`: each is an `Args` struct with a `run` that calls the
//! engine, prints its report (for people on stdout and stderr, or JSON on stdout with
//! `--json`) and returns the exit code of the contract: 0 success, 1 error, 2 changes or
//! drift found. Errors are printed once, here.

mod diagnose;
mod generate;
mod local;
mod output;
mod stack;
mod stack_args;
mod validate;

pub use diagnose::{DoctorArgs, VerifyArgs};
pub use generate::GenerateArgs;
pub use local::{LocalAction, LocalArgs, LocalAt};
pub use output::Exit;
pub use stack::{ApplyArgs, DestroyArgs, DriftArgs, PlanArgs};
pub use stack_args::StackArgs;
pub use validate::ValidateArgs;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Provision AWS Bedrock for LibreChat from one declarative spec.
#[derive(Parser, Debug)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Validate(ValidateArgs),
    Generate(GenerateArgs),
    Plan(PlanArgs),
    Apply(ApplyArgs),
    Drift(DriftArgs),
    Destroy(DestroyArgs),
    Verify(VerifyArgs),
    Doctor(DoctorArgs),
    Local(LocalArgs),
}

impl Command {
    pub fn run(self) -> Result<Exit, bedrock_engine::Error> {
        match self {
            Command::Validate(c) => c.run(),
            Command::Generate(c) => c.run(),
            Command::Plan(c) => c.run(),
            Command::Apply(c) => c.run(),
            Command::Drift(c) => c.run(),
            Command::Destroy(c) => c.run(),
            Command::Verify(c) => c.run(),
            Command::Doctor(c) => c.run(),
            Command::Local(c) => c.run(),
        }
    }
}

/// Parse the arguments, run the command, print its error (once), exit.
pub fn main() -> ExitCode {
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
    match cli.command.run() {
        Ok(exit) => exit.into(),
        Err(bedrock_engine::Error::Reported) => Exit::Error.into(),
        Err(e) => {
            output::note(format!("error: {e}"));
            Exit::Error.into()
        }
    }
}
