//! Observe: read the live state of everything the spec manages. After the caller's identity,
//! every kind reads at once (`resources::observe`), tags in bulk where AWS allows it, and the
//! reads that need a first answer (a role's inline policies) at once after that: three
//! sequential round trips, and a number of calls that does not grow with the profiles.

use crate::error::{context, AwsError};
use crate::Clients;
use bedrock_plan::{DesiredState, ObservedState};

/// The account the credentials belong to.
pub async fn caller_account(c: &Clients) -> Result<String, AwsError> {
    let out = c.sts.get_caller_identity().send().await.map_err(context(
        "reading the caller identity (sts:GetCallerIdentity)",
    ))?;
    out.account()
        .map(str::to_string)
        .ok_or_else(|| AwsError::local("reading the caller identity", "the answer has no account"))
}

/// Read everything `desired` manages, for the account `account_id`.
pub async fn observe(
    c: &Clients,
    desired: &DesiredState,
    account_id: &str,
) -> Result<ObservedState, AwsError> {
    crate::resources::observe(c, desired, account_id).await
}
