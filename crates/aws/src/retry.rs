//! Patience for what only time cures, on top of the SDK's standard retry: IAM propagation,
//! a name not yet free, a profile not yet ACTIVE. The resources name what they wait on.

use crate::error::AwsError;
use std::future::Future;
use std::time::Duration;

/// How long the explicit retries wait in all.
const PATIENCE: Duration = Duration::from_secs(120);

/// Retry `attempt` while `retryable` says the error is one that time cures, with backoff,
/// for about [`PATIENCE`].
pub(crate) async fn patiently<T, F, Fut>(
    retryable: impl Fn(&AwsError) -> bool,
    mut attempt: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let mut waited = Duration::ZERO;
    let mut delay = Duration::from_millis(500);
    loop {
        match attempt().await {
            Err(e) if retryable(&e) && waited < PATIENCE => {
                let _ = crate::progress::PROGRESS
                    .try_with(|p| p(crate::progress::Progress::Waiting(&e.context, waited)));
                tokio::time::sleep(delay).await;
                waited += delay;
                delay = (delay * 2).min(Duration::from_secs(15));
            }
            other => return other,
        }
    }
}
