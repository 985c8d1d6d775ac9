//! One module per kind of resource: how it is read (observe) and how its steps run (apply).
//! The observe join and the execute dispatch are generated from the plan's one list of kinds
//! (`bedrock_plan::for_each_kind!`): each module has `observe(clients, desired)` and
//! `execute(clients, step, outputs)`; nothing here names a kind but the `mod` lines.

pub mod api_key;
pub mod bucket;
pub mod budget;
pub mod cost_tags;
pub mod guardrail;
pub mod inference_profile;
pub mod librechat_role;
pub mod log_group;
pub mod logging_config;
pub mod logging_role;
pub mod model_access;
pub mod monitoring;
pub mod quota_increase;
pub mod runtime_policy;

use crate::error::AwsError;
use crate::Clients;
use bedrock_plan::regions::Elsewhere;
use bedrock_plan::{Created, DesiredState, ObservedState, Outputs, Step};

/// What one kind's read found, as the change it makes to the observed state: each kind
/// fills in its own part, so that every kind is read at once.
pub(crate) type Observation = Box<dyn FnOnce(&mut ObservedState) + Send>;

/// The observe join and the execute dispatch, from the one list of kinds.
macro_rules! dispatch {
    ($($module:ident => $variant:ident),* $(,)?) => {
        /// Read every kind at once, each into its part of `observed`.
        async fn observe_kinds(
            c: &Clients,
            desired: &DesiredState,
            observed: &mut ObservedState,
        ) -> Result<(), AwsError> {
            let ($($module,)*) = tokio::join!($($module::observe(c, desired),)*);
            $(($module?)(observed);)*
            Ok(())
        }

        /// Run one step; returns what it created, for the steps after it.
        pub(crate) async fn execute(
            c: &Clients,
            step: &Step,
            outputs: &Outputs,
        ) -> Result<Option<Created>, AwsError> {
            match step {
                $(Step::$variant(s) => $module::execute(c, s, outputs).await,)*
                Step::Tags(s) => crate::tags::execute(c, s).await.map(|()| None),
                Step::File(s) => Err(AwsError::local(
                    s.describe(),
                    "a file is not written by the AWS layer",
                )),
            }
        }
    };
}

bedrock_plan::for_each_kind!(dispatch);

/// Read everything `desired` manages, every kind at once, then this stack in the other
/// regions it concerns.
pub(crate) async fn observe(
    c: &Clients,
    desired: &DesiredState,
    account_id: &str,
) -> Result<ObservedState, AwsError> {
    let mut observed = ObservedState {
        account_id: account_id.to_string(),
        ..ObservedState::default()
    };
    observe_kinds(c, desired, &mut observed).await?;
    let role = observed.role.clone();
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
    observed.elsewhere = elsewhere;
    Ok(observed)
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
