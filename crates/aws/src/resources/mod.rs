//! One module per kind of resource: how it is read (observe) and how its steps run (apply).
//! This file is the AWS layer's registry: the one place that lists them.

pub mod bucket;
pub mod cost_tags;
pub mod guardrail;
pub mod inference_profile;
pub mod log_group;
pub mod logging_config;
pub mod logging_role;
pub mod model_access;
pub mod monitoring;
pub mod runtime_policy;

use crate::error::AwsError;
use crate::Clients;
use bedrock_plan::regions::Elsewhere;
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
    let (
        log_group,
        bucket,
        role,
        logging,
        profiles,
        sources,
        runtime_role,
        guardrails,
        cost_tags,
        monitoring,
    ) = tokio::join!(
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
            // The stack's own role under an earlier name: read whole, to retire it.
            let mut previous = None;
            if managed && owner.as_deref() == Some(desired.stack.as_str()) {
                let arn = logging.as_ref().and_then(|l| l.role_arn.clone());
                let name = arn.as_deref().and_then(|a| a.rsplit('/').next());
                if let Some(name) = name {
                    let mut role = desired.role.clone();
                    role.name = name.to_string();
                    previous = logging_role::read(c, &role)
                        .await?
                        .map(|r| (name.to_string(), r));
                }
            }
            Ok::<_, AwsError>((logging, owner, previous))
        },
        inference_profile::read(c, desired),
        // Then whether the account may invoke what those sources route to.
        async {
            let sources = inference_profile::read_sources(c, desired).await?;
            let used = bedrock_plan::resources::model_access::used_models(desired, &sources);
            let access = model_access::read(c, used.into_keys().collect()).await?;
            Ok::<_, AwsError>((sources, access))
        },
        async {
            tokio::try_join!(
                runtime_policy::read(c, desired.runtime.as_ref()),
                runtime_policy::read_elsewhere(c, desired),
            )
        },
        async {
            // Only a stack with guardrails, or one that may have had some, reads them.
            guardrail::read(c, &desired.guardrails, &desired.managed_tags).await
        },
        cost_tags::read(c, &desired.cost_tags),
        monitoring::read(c, &desired.monitoring),
    );
    let (sources, access) = sources?;
    let (logging, logging_owner, previous_role) = logging?;
    let role = role?;
    let (runtime_role, runtime_elsewhere) = runtime_role?;
    // The stack in other regions: those the role serves, and LibreChat's; read at once.
    let reads: Vec<_> = bedrock_plan::regions::candidates(desired, role.as_ref())
        .into_iter()
        .map(|(region, named)| {
            let read = tokio::spawn(read_elsewhere(c, desired, region.clone(), named));
            (region, named, read)
        })
        .collect();
    let mut elsewhere = Vec::with_capacity(reads.len());
    for (region, named_by_role, read) in reads {
        elsewhere.push(read.await.unwrap_or_else(|e| Elsewhere {
            region,
            named_by_role,
            logging: None,
            resources: Vec::new(),
            unreadable: Some(format!("the read stopped: {e}")),
        }));
    }
    Ok(ObservedState {
        account_id: account_id.to_string(),
        log_group: log_group?,
        bucket: bucket?,
        role,
        logging,
        logging_owner,
        previous_role,
        profiles: profiles?,
        sources,
        access,
        guardrails: guardrails?,
        cost_tags: cost_tags?,
        monitoring: monitoring?,
        runtime_role,
        runtime_elsewhere,
        files: Default::default(),
        elsewhere,
    })
}

/// Another region: its logging configuration and this stack's tagged resources there. An
/// error is kept as the region's state: the planner decides whether it matters.
fn read_elsewhere(
    c: &Clients,
    desired: &DesiredState,
    region: String,
    named_by_role: bool,
) -> impl std::future::Future<Output = Elsewhere> + Send + 'static {
    let there = c.in_region(&region);
    let tags = desired.managed_tags.clone();
    async move {
        let (logging, resources) = tokio::join!(
            logging_config::read(&there),
            crate::tags::tagged_with(&there, &tags)
        );
        let region_name = region.clone();
        let mut e = Elsewhere {
            region,
            named_by_role,
            logging: None,
            resources: Vec::new(),
            unreadable: None,
        };
        match (logging, resources) {
            (Ok(logging), Ok(resources)) => {
                e.logging = logging;
                // Only what is located there (S3's index spans regions in some answers).
                e.resources = resources
                    .into_iter()
                    .filter(|arn| {
                        let region = arn.split(':').nth(3).unwrap_or_default();
                        region.is_empty() || region == region_name
                    })
                    .collect();
            }
            (Err(err), _) | (_, Err(err)) => e.unreadable = Some(err.to_string()),
        }
        e
    }
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
        Step::Guardrail(s) => guardrail::execute(c, s, outputs).await,
        Step::ModelAccess(s) => model_access::execute(c, s).await,
        Step::CostTags(s) => cost_tags::execute(c, s).await,
        Step::Monitoring(s) => monitoring::execute(c, s, outputs).await,
        Step::RuntimePolicy(s) => runtime_policy::execute(c, s, outputs).await,
        Step::File(s) => Err(AwsError::local(
            s.describe(),
            "a file is not written by the AWS layer",
        )),
    }
}
