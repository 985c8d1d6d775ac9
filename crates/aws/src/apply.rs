//! Apply: execute a plan's AWS steps. Phases run in order (reversed for destroy); the chains
//! of a phase run concurrently, at most [`WRITE_CONCURRENCY`] at a time; a chain's steps run
//! in order. What a step makes (a profile's ARN) is recorded, and later phases' references
//! to it resolve against the record.
//!
//! Every step is idempotent (tags in the create call itself, a deterministic
//! `clientRequestToken`, "already exists" taken as done), so an apply stopped at any point
//! converges when run again. The generated files (`Phase::Files`) are not AWS's: the caller
//! writes them with the returned outputs.

use crate::error::{join_error, AwsError};
use crate::progress::{Progress, ProgressFn, PROGRESS};
use crate::Clients;
use bedrock_plan::{Outputs, Plan};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// At most this many chains of a phase run at once.
pub const WRITE_CONCURRENCY: usize = 8;

/// Testing aid, in debug builds only: stop the process right after this many writes, as a
/// kill would, to prove that a rerun converges (`BEDROCK_XTASK_ABORT_AFTER_WRITES`).
#[cfg(debug_assertions)]
fn abort_after(writes: usize) {
    let limit = std::env::var("BEDROCK_XTASK_ABORT_AFTER_WRITES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    if limit.is_some_and(|a| writes >= a) {
        eprintln!("aborted after {writes} writes (BEDROCK_XTASK_ABORT_AFTER_WRITES)");
        std::process::exit(130);
    }
}

#[cfg(not(debug_assertions))]
fn abort_after(_writes: usize) {}

/// Run every AWS step of `plan` that comes before its files. `progress` hears each step
/// start and end, and each wait. Returns what the steps made and how many writes there were.
pub async fn apply(
    c: &Clients,
    plan: &Plan,
    progress: ProgressFn,
) -> Result<(Outputs, usize), Vec<AwsError>> {
    run_phases(c, plan, progress, false, 0).await
}

/// Run the AWS steps of `plan` that wait for its files to be written (an API key replaced
/// in `.env` is deleted only then), after `before` writes. Returns the writes in all.
pub async fn apply_after_files(
    c: &Clients,
    plan: &Plan,
    progress: ProgressFn,
    before: usize,
) -> Result<usize, Vec<AwsError>> {
    Ok(run_phases(c, plan, progress, true, before).await?.1)
}

async fn run_phases(
    c: &Clients,
    plan: &Plan,
    progress: ProgressFn,
    after_files: bool,
    before: usize,
) -> Result<(Outputs, usize), Vec<AwsError>> {
    let writes = Arc::new(AtomicUsize::new(before));
    let mut outputs = Outputs::default();
    let phases = plan.phases().into_iter();
    for phase in phases.filter(|p| p.phase.is_aws() && p.phase.after_files() == after_files) {
        let limit = Arc::new(Semaphore::new(WRITE_CONCURRENCY));
        // What earlier phases made, for the steps that name it.
        let made = Arc::new(outputs.clone());
        let mut chains = tokio::task::JoinSet::new();
        for chain in phase.chains {
            let (c, limit, progress, writes, made) = (
                c.clone(),
                limit.clone(),
                progress.clone(),
                writes.clone(),
                made.clone(),
            );
            let scoped = progress.clone();
            chains.spawn(PROGRESS.scope(scoped, async move {
                let _permit = limit.acquire_owned().await;
                let mut created = Vec::new();
                // A later step of the chain may name what an earlier one made (a guardrail's
                // first version).
                let mut known = (*made).clone();
                for step in chain {
                    progress(Progress::Start(&step.describe()));
                    let made_now = crate::resources::execute(&c, &step, &known).await?;
                    if let Some(m) = &made_now {
                        known.record(m.clone());
                    }
                    created.extend(made_now);
                    progress(Progress::Done(&step.describe()));
                    abort_after(writes.fetch_add(1, Ordering::SeqCst) + 1);
                }
                Ok::<_, AwsError>(created)
            }));
        }
        // Let every chain of the phase finish, so that one failure does not leave others
        // half done; then stop before the next phase, which depends on this one.
        let mut errors = Vec::new();
        while let Some(joined) = chains.join_next().await {
            match joined.map_err(join_error) {
                Ok(Ok(created)) => created.into_iter().for_each(|c| outputs.record(c)),
                Ok(Err(e)) | Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
    }
    Ok((outputs, writes.load(Ordering::SeqCst)))
}
