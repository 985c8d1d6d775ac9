//! `cargo xtask <task>`: this repository's own tasks.
//!
//! `cargo xtask bedrock <command>` provisions AWS Bedrock for LibreChat from `bedrock.toml`
//! (`cargo xtask bedrock --help` lists the commands). Add tasks of your own beside it.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [args...]

tasks:
  bedrock <command>   AWS Bedrock for LibreChat from bedrock.toml (cargo xtask bedrock --help)";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(task) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(1);
    };
    match task.to_str() {
        // The command and its flags follow `bedrock`; the exit code is the tool's own
        // (0 success, 1 error, 2 changes or drift found).
        Some("bedrock") => librechat_bedrock::run("cargo xtask bedrock", args),
        // Your own tasks go here, e.g.:
        // Some("release") => release(args),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            let task = task.to_string_lossy();
            eprintln!("error: unknown task {task:?}\n\n{USAGE}");
            ExitCode::from(1)
        }
    }
}
