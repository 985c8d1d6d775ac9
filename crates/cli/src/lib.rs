//! The commands behind `cargo xtask`: each is an `Args` struct with a `run` that calls the
//! engine, prints its report (for people on stdout and stderr, or JSON on stdout with
//! `--json`) and returns the exit code of the contract: 0 success, 1 error, 2 changes or
//! drift found. Errors are printed once, here.

mod completions;
mod diagnose;
mod generate;
mod init;
mod local;
mod output;
mod progress;
mod show;
mod stack;
mod stack_args;
mod sweep;
mod usage;
mod validate;
mod workflow;

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
pub use usage::UsageArgs;
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
    Usage(UsageArgs),
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
            Command::Usage(c) => c.run(),
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
    bedrock_engine::emulator::set_program(program);
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

#[cfg(test)]
mod docs_check {
    use clap::CommandFactory;
    use std::collections::{BTreeMap, BTreeSet};

    /// Every long flag of every command, by command path (`plan`, `local start`).
    fn flags() -> BTreeMap<String, BTreeSet<String>> {
        fn walk(cmd: &clap::Command, path: &str, out: &mut BTreeMap<String, BTreeSet<String>>) {
            for sub in cmd.get_subcommands() {
                let p = format!("{path} {}", sub.get_name()).trim().to_string();
                let longs = sub
                    .get_arguments()
                    .filter_map(|a| a.get_long())
                    .filter(|l| !["help", "version"].contains(l))
                    .map(|l| format!("--{l}"))
                    .collect();
                out.insert(p.clone(), longs);
                walk(sub, &p, out);
            }
        }
        let mut out = BTreeMap::new();
        walk(&crate::Cli::command(), "", &mut out);
        out
    }

    /// The command pages of docs/.
    fn docs() -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        ["commands.md", "accounts.md", "emulator.md", "repository.md"]
            .iter()
            .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `--flag` tokens of a text, but on lines running the AWS CLI (its flags are its own).
    fn tokens(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let ours: String = text
            .lines()
            .filter(|l| !l.contains("$ aws ") && !l.contains("`aws "))
            .collect::<Vec<_>>()
            .join("\n");
        let text = ours.as_str();
        for (i, _) in text.match_indices("--") {
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '-') {
                continue;
            }
            let name: String = text[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if name.len() > 1 && name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                out.insert(format!("--{}", name.trim_end_matches('-')));
            }
        }
        out
    }

    #[test]
    fn every_flag_is_documented_and_every_documented_flag_exists() {
        let docs = docs();
        let documented = tokens(&docs);
        let all = flags();
        let missing: Vec<String> = all
            .iter()
            .flat_map(|(cmd, flags)| {
                flags
                    .iter()
                    .filter(|f| !documented.contains(*f))
                    .map(move |f| format!("{cmd} {f}"))
            })
            .collect();
        assert!(
            missing.is_empty(),
            "flags the docs do not name: {missing:?}"
        );
        // Flags of the other tools the docs show (cargo, the test harness, the conformance
        // walk): not this tool's.
        let others = [
            "--locked",
            "--git",
            "--path",
            "--release",
            "--test",
            "--test-threads",
            "--nocapture",
            "--bench",
            "--profile",
            "--features",
            "--manifest-path",
            "--record",
            "--aws",
            "--endpoint",
            "--root",
            "--quiet",
            "--rev",
        ];
        let known: BTreeSet<&String> = all.values().flatten().collect();
        let unknown: Vec<&String> = documented
            .iter()
            .filter(|d| !known.contains(d) && !others.contains(&d.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "the docs name flags no command has: {unknown:?}"
        );
    }
}
