//! The one error type of the engine: what went wrong, and what to do about it. The CLI
//! prints it once, as `error: ...`.

use bedrock_aws::AwsError;
use bedrock_generate::GenerateError;
use bedrock_plan::PlanError;
use bedrock_policy::PolicyError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An AWS call failed (its text carries the context and a help line).
    #[error("{0}")]
    Aws(#[from] AwsError),
    /// No plan can be made: every problem, each with its fix.
    #[error("{}\nerror: no plan: {} problem{}; nothing was changed", .0, .0.problems.len(), if .0.problems.len() == 1 { "" } else { "s" })]
    Plan(#[from] PlanError),
    /// Apply stopped: every failed step of the phase.
    #[error("{}\nerror: stopped; what was done stays done, and `{rerun}` continues from there", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\nerror: "))]
    Apply {
        errors: Vec<AwsError>,
        rerun: String,
    },
    /// A policy template could not be read or rendered.
    #[error("{0}")]
    Policy(#[from] PolicyError),
    /// A generated file could not be read or written.
    #[error("{0}")]
    File(#[from] GenerateError),
    /// The spec could not be read.
    #[error("{0}")]
    Spec(#[from] bedrock_spec::ReadError),
    #[error("{message}\n  help: {help}")]
    Other { message: String, help: String },
    /// Not started: `--failure-tolerance` accounts had failed before this one's turn.
    #[error("not started: the run stopped once --failure-tolerance accounts had failed")]
    NotStarted,
    /// Already told to the user in full (an invalid spec's report): nothing more to print.
    #[error("the problems above")]
    Reported,
}

impl Error {
    pub fn other(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Other {
            message: message.into(),
            help: help.into(),
        }
    }
}
