//! Apply's progress, as it happens: each step's start and end, and each wait deep inside a
//! step (a retry's), heard by whoever started the apply.

use std::sync::Arc;

/// What apply is doing, as it happens, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A step begins.
    Start(&'a str),
    /// A step is done.
    Done(&'a str),
    /// A step waits for what only time cures (a fresh IAM role to propagate, a name to be
    /// free): what it was doing, and how long it has waited so far.
    Waiting(&'a str, std::time::Duration),
}

/// Where apply's progress goes.
pub type ProgressFn = Arc<dyn Fn(Progress<'_>) + Send + Sync>;

tokio::task_local! {
    /// The progress of the chain this task runs, for the waits deep inside a step.
    pub(crate) static PROGRESS: ProgressFn;
}
