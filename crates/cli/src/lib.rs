//! The commands behind `cargo xtask`: each takes its options, prints for people on stdout
//! and stderr (or JSON on stdout with `--json`), and returns the exit code of the contract:
//! 0 success, 1 error, 2 changes or drift found.

mod doctor;
mod generate;
mod local;
mod output;
mod stack;
mod validate;
mod verify;

pub use doctor::{doctor, DoctorCommand};
pub use generate::{generate, GenerateOptions};
pub use local::{local_reset, local_start, local_status, local_stop, LocalOptions};
pub use output::Exit;
pub use stack::{
    apply, destroy, drift, plan, ApplyCommand, AwsOptions, DestroyCommand, DriftCommand,
    PlanCommand,
};
pub use validate::validate;
pub use verify::{verify, VerifyCommand};

pub use bedrock_emulator::StartOptions as LocalStartOptions;
pub use bedrock_emulator::{DEFAULT_HOST as LOCAL_HOST, DEFAULT_PORT as LOCAL_PORT};
