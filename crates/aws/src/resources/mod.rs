//! One module per kind of resource: how it is read (observe) and how its steps run (apply).
//! This file is the AWS layer's registry: the one place that lists them.

pub mod bucket;
pub mod inference_profile;
pub mod log_group;
pub mod logging_config;
pub mod logging_role;
pub mod runtime_policy;

use crate::error::AwsError;
use crate::Clients;
use bedrock_plan::{Created, DesiredState, ObservedState, Outputs, Step};

/// Read everything `desired` manages, every kind at once.
pub(crate) async fn observe(
    c: &Clients,
    desired: &DesiredState,
    account_id: &str,
) -> Result<ObservedState, AwsError> {
    // Logging left to another stack or team: its resources are not this stack's to read
    // (the configuration is still read, for what points where).
    let managed = desired.logging_managed;
    let (log_group, bucket, role, logging, profiles, sources, runtime_role) = tokio::join!(
        async {
            if managed {
                log_group::read(c, &desired.log_group).await
            } else {
                Ok(None)
            }
        },
        async {
            if managed {
                bucket::read(c, &desired.bucket).await
            } else {
                Ok(Default::default())
            }
        },
        async {
            if managed {
                logging_role::read(c, &desired.role).await
            } else {
                Ok(None)
            }
        },
        async {
            let logging = logging_config::read(c).await?;
            let ours = desired.logging.role_arn.as_deref().unwrap_or_default();
            let owner = logging_config::owner(c, logging.as_ref(), ours).await?;
            Ok::<_, AwsError>((logging, owner))
        },
        inference_profile::read(c, desired),
        inference_profile::read_sources(c, desired),
        runtime_policy::read(c, desired.runtime.as_ref()),
    );
    let (logging, logging_owner) = logging?;
    Ok(ObservedState {
        account_id: account_id.to_string(),
        log_group: log_group?,
        bucket: bucket?,
        role: role?,
        logging,
        logging_owner,
        profiles: profiles?,
        sources: sources?,
        runtime_role: runtime_role?,
        files: Default::default(),
    })
}

/// Run one step; returns what it created, for the steps after it.
pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    outputs: &Outputs,
) -> Result<Option<Created>, AwsError> {
    match step {
        Step::LogGroup(s) => log_group::execute(c, s).await,
        Step::Bucket(s) => bucket::execute(c, s).await,
        Step::LoggingRole(s) => logging_role::execute(c, s).await,
        Step::LoggingConfig(s) => logging_config::execute(c, s).await,
        Step::InferenceProfile(s) => inference_profile::execute(c, s).await,
        Step::RuntimePolicy(s) => runtime_policy::execute(c, s, outputs).await,
        Step::File(s) => Err(AwsError::local(
            s.describe(),
            "a file is not written by the AWS layer",
        )),
    }
}
