//! The commands behind `cargo xtask`: each is an `Args` struct with a `run` that calls the
//! engine, prints its report (for people on stdout and stderr, or JSON on stdout with
//! `--json`) and returns the exit code of the contract: 0 success, 1 error, 2 changes or
//! drift found. Errors are printed once, here.

mod accounts;
mod completions;
mod diagnose;
mod generate;
mod init;
mod local;
mod output;
mod progress;
mod saved_plan;
mod show;
mod stack;
mod stack_args;
mod sweep;
mod validate;

pub use completions::CompletionsArgs;
pub use diagnose::{DoctorArgs, VerifyArgs};
pub use generate::GenerateArgs;
pub use init::InitArgs;
pub use local::{LocalAction, LocalArgs, LocalAt};
pub use output::Exit;
pub use show::ShowArgs;
pub use stack::{ApplyArgs, DestroyArgs, DriftArgs, OutputsArgs, PlanArgs};
pub use stack_args::StackArgs;
pub use sweep::SweepArgs;
pub use validate::ValidateArgs;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::OnceLock;

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
    Sweep(SweepArgs),
    Verify(VerifyArgs),
    Doctor(DoctorArgs),
    Outputs(OutputsArgs),
    Show(ShowArgs),
    Local(LocalArgs),
    Init(InitArgs),
    Completions(CompletionsArgs),
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
            Command::Sweep(c) => c.run(),
            Command::Verify(c) => c.run(),
            Command::Doctor(c) => c.run(),
            Command::Outputs(c) => c.run(),
            Command::Show(c) => c.run(),
            Command::Local(c) => c.run(),
            Command::Init(c) => c.run(),
            Command::Completions(c) => c.run(),
        }
    }
}

static PROGRAM: OnceLock<String> = OnceLock::new();

/// How the user runs this tool (`cargo xtask`, `librechat-bedrock`, `cargo xtask bedrock`):
/// the commands it suggests start with it.
pub(crate) fn program() -> &'static str {
    PROGRAM.get().map_or("cargo xtask", String::as_str)
}

/// `cargo xtask`: this repository's own entry.
pub fn main() -> ExitCode {
    run("cargo xtask", std::env::args_os().skip(1))
}

/// Run one command as `program` (how the user invokes it, named in help and in every command
/// this tool suggests), `args` being what follows it: the command and its flags. Parses,
/// runs, prints its error (once), returns the exit code of the contract.
///
/// A user's own xtask crate dispatches `cargo xtask bedrock <command>` here:
///
/// ```no_run
/// let args = std::env::args_os().skip(2); // after `xtask bedrock`
/// let code = bedrock_cli::run("cargo xtask bedrock", args);
/// ```
pub fn run<I, T>(program: &str, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let _ = PROGRAM.set(program.to_string());
    bedrock_emulator::set_program(program);
    let argv = std::iter::once(OsString::from(program)).chain(args.into_iter().map(Into::into));
    // Named as first set: one process is one program.
    let parsed = Cli::command()
        .name(crate::program())
        .bin_name(crate::program())
        .try_get_matches_from(argv)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
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
