//! Provision AWS Bedrock for LibreChat from one declarative spec (`bedrock.toml`).
//!
//! Two ways to use it: install the binary (`cargo install --locked --path
//! crates/librechat-bedrock`, then `librechat-bedrock <command>`), or call [`run`] from your
//! own xtask crate, so that `cargo xtask bedrock <command>` works in your repository
//! (`librechat-bedrock init --xtask` writes that crate):
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     let mut args = std::env::args_os().skip(1);
//!     match args.next().as_deref().and_then(|a| a.to_str()) {
//!         Some("bedrock") => librechat_bedrock::run("cargo xtask bedrock", args),
//!         _ => {
//!             eprintln!("usage: cargo xtask bedrock <command>");
//!             ExitCode::FAILURE
//!         }
//!     }
//! }
//! ```
//!
//! Every command, flag and exit code is the same either way; the commands the tool suggests
//! start with the `program` you name.

/// Run one command: `program` is how the user invokes this tool (named in help and in the
/// commands it suggests), `args` what follows it (the command and its flags). Returns the
/// exit code: 0 success, 1 error, 2 changes or drift found.
pub use bedrock_cli::run;
