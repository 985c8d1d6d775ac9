//! The commands behind `cargo xtask`: each takes its options, prints for people on stdout
//! and stderr (or JSON on stdout with `--json`), and returns the exit code of the contract:
//! 0 success, 1 error, 2 changes or drift found.

mod generate;
mod output;
mod validate;

pub use generate::{generate, GenerateOptions};
pub use output::Exit;
pub use validate::validate;
